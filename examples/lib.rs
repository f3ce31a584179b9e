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
