//! Workflows and fixtures shared by the end-to-end tests.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gptbots_runtime::mock::{HandlerResult, MockServer, MockWorkflow, WebhookDelivery};
use gptbots_runtime::{workflow, workflow_output};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The End node of `todayNews`.
#[workflow_output]
#[derive(Debug, Clone, PartialEq)]
pub struct NewsDigest {
    /// The items.
    pub news: Vec<News>,
}

/// One news item.
#[workflow_output]
#[derive(Debug, Clone, PartialEq)]
pub struct News {
    /// The headline.
    pub title: String,
    /// The outlet.
    pub media: String,
    /// A summary.
    pub summary: String,
}

/// `todayNews`, the workflow of the quickstart.
#[workflow(id = "wf_today_news", output = NewsDigest)]
#[serde(rename_all = "camelCase")]
#[derive(Debug, Clone)]
pub struct TodayNews {
    /// The topic.
    pub topic: String,
    /// At most this many items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    /// Languages of the sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
}

impl TodayNews {
    /// The input for `topic` with `max_items` items.
    pub fn about(topic: &str, max_items: u32) -> Self {
        TodayNews { topic: topic.to_owned(), max_items: Some(max_items), languages: None }
    }
}

/// The End node of `translate`.
#[workflow_output]
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    /// The translated text.
    pub text: String,
}

/// A second workflow, for keys that belong to another workflow.
#[workflow(id = "wf_translate", output = Translation)]
#[derive(Debug, Clone)]
pub struct Translate {
    /// What to translate.
    pub text: String,
    /// The target language.
    pub target: String,
}

/// The digest the news handler answers for `topic`: `count` items, each naming the topic and
/// its position, so a test can tell which input produced which output.
pub fn digest(topic: &str, count: u32) -> NewsDigest {
    NewsDigest {
        news: (1..=count)
            .map(|i| News {
                title: format!("{topic} #{i}"),
                media: format!("media {i}"),
                summary: format!("summary {i} of {topic}"),
            })
            .collect(),
    }
}

/// A typed handler for `todayNews` answering [`digest`] (two items unless `maxItems` says).
pub async fn news_handler(input: TodayNews) -> HandlerResult<NewsDigest> {
    Ok(digest(&input.topic, input.max_items.unwrap_or(2)))
}

/// A server playing `todayNews` with [`news_handler`], named and priced like the real one.
pub async fn news_server() -> (MockServer, MockWorkflow) {
    let server = MockServer::start().await.expect("the embedded server starts");
    let news = server.register(news_handler);
    news.name("todayNews").version("3").cost(0.6928).tokens(1745);
    (server, news)
}

/// Sends one request straight to `url` + `path`, bypassing the client, and returns the HTTP
/// status and the JSON body (`Value::Null` when the body is not JSON).
pub async fn send_raw(method: &str, url: &str, path: &str, key: Option<&str>, body: Option<&[u8]>) -> (u16, Value) {
    let http = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
    let mut request = http.request(method, format!("{url}{path}"));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_vec());
    }
    let response = request.send().await.expect("the embedded server answers");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("the body is read");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// `POST` of a JSON value with `key`, bypassing the client.
pub async fn post_raw(url: &str, path: &str, key: &str, body: &Value) -> (u16, Value) {
    let bytes = serde_json::to_vec(body).expect("JSON");
    send_raw("POST", url, path, Some(key), Some(&bytes)).await
}

/// Polls `query/result` for `run_id` until `done` accepts the body, and returns every body
/// seen. Gives up (panics) after 10 s so a broken server fails the test instead of hanging it.
pub async fn poll_until(url: &str, key: &str, run_id: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    let give_up = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) =
            post_raw(url, "/v1/workflow/query/result", key, &serde_json::json!({ "workflowRunId": run_id })).await;
        assert_eq!(status, 200, "query/result answers 200 for a known run: {body}");
        let finished = done(&body);
        seen.push(body);
        if finished {
            return seen;
        }
        assert!(tokio::time::Instant::now() < give_up, "run {run_id} never reached the awaited state: {seen:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One request a [`WebhookReceiver`] received.
#[derive(Debug, Clone)]
pub struct ReceivedWebhook {
    /// The HTTP method.
    pub method: String,
    /// The request target.
    pub path: String,
    /// The headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Value::Null` when empty or not JSON).
    pub body: Value,
}

impl ReceivedWebhook {
    /// The value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A loopback HTTP endpoint that answers 200 to everything and hands over what it received.
pub struct WebhookReceiver {
    /// The receiver's base URL, e.g. `http://127.0.0.1:40000`.
    pub url: String,
    received: mpsc::UnboundedReceiver<ReceivedWebhook>,
}

impl WebhookReceiver {
    /// Starts listening on a loopback port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let (tx, received) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(webhook) = read_request(&mut stream).await {
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                            .await;
                        let _ = tx.send(webhook);
                    }
                });
            }
        });
        WebhookReceiver { url, received }
    }

    /// The next request received, waiting at most 10 s.
    pub async fn next(&mut self) -> Option<ReceivedWebhook> {
        tokio::time::timeout(Duration::from_secs(10), self.received.recv()).await.ok().flatten()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<ReceivedWebhook> {
    let mut bytes = Vec::new();
    let head_end = loop {
        if let Some(pos) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        bytes.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, path) = (request_line.next()?.to_owned(), request_line.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    while bytes.len() < head_end + length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        bytes.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&bytes[head_end..head_end + length]).unwrap_or(Value::Null);
    Some(ReceivedWebhook { method, path, headers, body })
}

/// Waits until `server` has logged `count` webhook deliveries and returns them; gives up
/// (panics) after 10 s.
pub async fn wait_for_deliveries(server: &MockServer, count: usize) -> Vec<WebhookDelivery> {
    for _ in 0..1000 {
        let deliveries = server.webhook_deliveries();
        if deliveries.len() >= count {
            return deliveries;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{count} webhook deliveries never logged: {:?}", server.webhook_deliveries());
}

/// Collects everything a `tracing` subscriber writes (give it `move || captured.clone()`).
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
    }
}

/// The README's Rust examples, compiled (and run, unless marked `no_run`) as doctests so they
/// keep matching the real API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
