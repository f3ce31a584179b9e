//! The demo workflows the examples run.

use gptbots_runtime::{workflow, workflow_output};

mod demo_workflows;
pub use demo_workflows::{DocumentSummary, SummariseDocument, SummaryLength};

/// The End node of `todayNews`: a digest of news items.
#[workflow_output]
#[derive(Debug, Clone, PartialEq)]
pub struct NewsDigest {
    /// The news items, most relevant first.
    pub news: Vec<News>,
}

/// One news item.
#[workflow_output]
#[derive(Debug, Clone, PartialEq)]
pub struct News {
    /// The headline.
    pub title: String,
    /// The outlet that published it.
    pub media: String,
    /// A short summary.
    pub summary: String,
}

/// `todayNews`: today's news about a topic.
#[workflow(id = "wf_today_news", output = NewsDigest)]
#[serde(rename_all = "camelCase")]
#[derive(Debug, Clone)]
pub struct TodayNews {
    /// The topic to search news for.
    pub topic: String,
    /// At most this many items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    /// Languages of the sources, e.g. `["en", "de"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
}

/// Plays `todayNews` in the embedded server: made-up headlines about the topic, as many as
/// `maxItems` asks (three by default).
pub async fn demo_today_news(input: TodayNews) -> gptbots_runtime::mock::HandlerResult<NewsDigest> {
    const OUTLETS: [&str; 5] =
        ["The Daily Compiler", "Borrow Checker Weekly", "Crates Gazette", "Async Times", "Trait Tribune"];
    let count = input.max_items.unwrap_or(3).min(OUTLETS.len() as u32) as usize;
    let topic = input.topic.trim();
    let news = OUTLETS
        .iter()
        .take(count)
        .enumerate()
        .map(|(i, media)| News {
            title: format!("{topic}: story {} of the day", i + 1),
            media: (*media).to_owned(),
            summary: format!("What happened today in {topic}, as {media} reports it."),
        })
        .collect();
    Ok(NewsDigest { news })
}

/// The client the examples run with: the real endpoint when `GPTBOTS_API_KEY` is set (see
/// [`Client::from_env`](gptbots_runtime::Client::from_env)), otherwise the embedded server
/// playing `todayNews` with [`demo_today_news`], each run taking `latency`.
///
/// The server, when there is one, is returned too: dropping it stops it.
pub async fn demo_client(
    latency: std::time::Duration,
) -> Result<(gptbots_runtime::Client, Option<gptbots_runtime::mock::MockServer>), Box<dyn std::error::Error>> {
    if std::env::var("GPTBOTS_API_KEY").is_ok_and(|key| !key.trim().is_empty()) {
        return Ok((gptbots_runtime::Client::from_env()?, None));
    }
    let server = gptbots_runtime::mock::MockServer::start().await?;
    server.register(demo_today_news).name("todayNews").cost(0.6928).tokens(1745).latency(latency);
    eprintln!("GPTBOTS_API_KEY is not set: running todayNews in the embedded server at {}", server.url());
    Ok((server.client(), Some(server)))
}

/// The embedded server of [`demo_blocking_client`], on a tokio runtime of its own so that the
/// program itself needs none. Dropping it stops the server, then the runtime.
pub struct BackgroundServer {
    server: gptbots_runtime::mock::MockServer,
    _runtime: tokio::runtime::Runtime,
}

impl BackgroundServer {
    /// The server's base URL.
    pub fn url(&self) -> String {
        self.server.url()
    }
}

/// [`demo_client`] for programs without an async runtime: the same choice between the real
/// endpoint and the embedded server, as a [`blocking::Client`](gptbots_runtime::blocking::Client).
pub fn demo_blocking_client(
    latency: std::time::Duration,
) -> Result<(gptbots_runtime::blocking::Client, Option<BackgroundServer>), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let (client, server) = runtime.block_on(demo_client(latency))?;
    let client = gptbots_runtime::blocking::Client::new(client)?;
    Ok((client, server.map(|server| BackgroundServer { server, _runtime: runtime })))
}
