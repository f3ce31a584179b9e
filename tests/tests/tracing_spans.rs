//! The spans a call leaves, as the crate docs' "Tracing" table describes them: one call span
//! with the OpenTelemetry and GPTBots fields, one span per attempt inside it, no WARN event
//! that repeats the error the caller gets, and never the API key.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gptbots_runtime::mock::{Endpoint, Fault};
use gptbots_runtime::{Error, RetryPolicy};
use gptbots_tests::{Captured, TodayNews, news_server};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span as a subscriber saw it: its name, its parent's index and every field recorded.
#[derive(Debug, Clone)]
struct SpanSeen {
    name: &'static str,
    parent: Option<usize>,
    fields: BTreeMap<String, String>,
}

impl SpanSeen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Debug, Clone)]
struct EventSeen {
    level: Level,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Seen {
    spans: Vec<SpanSeen>,
    events: Vec<EventSeen>,
}

/// Records spans and events; spans are numbered in creation order, since a registry reuses
/// the ids of closed spans.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Seen>>);

struct Index(usize);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("a new span is registered");
        let parent = span.parent().and_then(|parent| parent.extensions().get::<Index>().map(|index| index.0));
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut seen = self.0.lock().unwrap();
        span.extensions_mut().insert(Index(seen.spans.len()));
        seen.spans.push(SpanSeen { name: attrs.metadata().name(), parent, fields });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("a recorded span is registered");
        let extensions = span.extensions();
        let index = extensions.get::<Index>().expect("every span is numbered").0;
        values.record(&mut Fields(&mut self.0.lock().unwrap().spans[index].fields));
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().events.push(EventSeen { level: *event.metadata().level(), fields });
    }
}

impl Recorder {
    fn spans(&self) -> Vec<SpanSeen> {
        self.0.lock().unwrap().spans.clone()
    }
    fn events(&self) -> Vec<EventSeen> {
        self.0.lock().unwrap().events.clone()
    }
    /// The spans named `name`, with their indexes.
    fn named(&self, name: &str) -> Vec<(usize, SpanSeen)> {
        self.spans().into_iter().enumerate().filter(|(_, span)| span.name == name).collect()
    }
    /// The attempt spans directly inside span `parent`, in order.
    fn attempts_under(&self, parent: usize) -> Vec<SpanSeen> {
        self.spans().into_iter().filter(|span| span.name == "gptbots.attempt" && span.parent == Some(parent)).collect()
    }
}

/// Runs `test` with the recorder and a text log (every span event, TRACE level) listening.
async fn traced(test: impl Future<Output = ()>) -> (Recorder, String) {
    let recorder = Recorder::default();
    let captured = Captured::default();
    let writer = captured.clone();
    let text = tracing_subscriber::fmt::layer()
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone());
    let subscriber = tracing_subscriber::registry()
        .with(recorder.clone())
        .with(text.with_filter(tracing_subscriber::filter::LevelFilter::TRACE));
    let guard = tracing::subscriber::set_default(subscriber);
    test.await;
    drop(guard);
    (recorder, captured.text())
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(2))
}

fn assert_no_key(key: &str, recorder: &Recorder, log: &str) {
    assert!(!log.contains(key) && !log.contains(&key[..key.len() / 2]), "the log shows the key: {log}");
    for span in recorder.spans() {
        assert!(span.fields.values().all(|value| !value.contains(key)), "a span shows the key: {span:?}");
    }
}

/// No WARN (or ERROR) event at all: the only failures are the ones returned to the caller.
fn assert_no_warnings(recorder: &Recorder, returned: &[String]) {
    for event in recorder.events() {
        assert!(event.level > Level::WARN, "a WARN or ERROR event: {event:?}");
        if event.level == Level::INFO {
            let text = event.fields.values().cloned().collect::<Vec<_>>().join(" ");
            let repeats = returned.iter().any(|error| text.contains(error.as_str()));
            let retrying = event.fields.get("message").is_some_and(|m| m.contains("retrying"));
            assert!(!repeats || retrying, "an INFO event repeats a returned error: {event:?}");
        }
    }
}

#[tokio::test]
async fn a_retried_invoke_has_one_attempt_span_per_attempt_inside_its_span() {
    let (server, news) = news_server().await;
    let key = news.key().to_owned();
    news.inject(Fault::TooManyRequests { retry_after: Some(0) });
    news.inject(Fault::TooManyRequests { retry_after: Some(0) });
    let client = server.client_builder().retry(quick_retries()).build().unwrap();

    let mut run_id = String::new();
    let (recorder, log) = traced(async {
        let run = TodayNews::about("Rust", 2).invoke(&client).await.expect("the third attempt succeeds");
        run_id = run.run_id;
    })
    .await;

    let invokes = recorder.named("gptbots.invoke");
    assert_eq!(invokes.len(), 1, "{:?}", recorder.spans());
    let (index, invoke) = &invokes[0];
    assert_eq!(invoke.parent, None);
    assert_eq!(invoke.field("gen_ai.operation.name"), Some("invoke_workflow"));
    assert_eq!(invoke.field("gen_ai.provider.name"), Some("gptbots"));
    assert_eq!(invoke.field("gptbots.workflow_id"), Some("wf_today_news"));
    assert_eq!(invoke.field("gptbots.run_id"), Some(run_id.as_str()));
    assert_eq!(invoke.field("gptbots.cost"), Some("0.6928"));
    assert_eq!(invoke.field("gen_ai.usage.total_tokens"), Some("1745"));
    assert_eq!(invoke.field("error.type"), None);
    assert_eq!(invoke.field("otel.status_code"), None);

    let attempts = recorder.attempts_under(*index);
    assert_eq!(attempts.len(), 3, "{attempts:#?}");
    let port = server.url().rsplit(':').next().unwrap().trim_end_matches('/').to_owned();
    for (n, attempt) in attempts.iter().enumerate() {
        let number = (n + 1).to_string();
        assert_eq!(attempt.field("gptbots.attempt"), Some(number.as_str()), "{attempt:?}");
        let resends = n.to_string();
        assert_eq!(attempt.field("http.request.resend_count"), (n > 0).then_some(resends.as_str()), "{attempt:?}");
        assert_eq!(attempt.field("http.request.method"), Some("POST"));
        assert_eq!(attempt.field("server.address"), Some("127.0.0.1"));
        assert_eq!(attempt.field("server.port"), Some(port.as_str()));
        assert_eq!(attempt.field("url.path"), Some("/v1/workflow/invoke"));
        assert_eq!(attempt.field("otel.kind"), Some("client"));
    }
    let statuses: Vec<_> = attempts.iter().map(|a| a.field("http.response.status_code")).collect();
    assert_eq!(statuses, [Some("429"), Some("429"), Some("200")]);
    let kinds: Vec<_> = attempts.iter().map(|a| a.field("error.type")).collect();
    assert_eq!(kinds, [Some("Http"), Some("Http"), None]);
    assert_eq!(attempts[0].field("otel.status_code"), Some("ERROR"));

    // Each retry is announced once, at INFO, inside the call's span.
    let notices: Vec<_> = recorder
        .events()
        .into_iter()
        .filter(|e| e.fields.get("message").is_some_and(|m| m.contains("retrying")))
        .collect();
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(notices.iter().all(|n| n.level == Level::INFO && n.fields.get("error.type").is_some_and(|t| t == "Http")));
    assert_no_warnings(&recorder, &[]);
    assert_no_key(&key, &recorder, &log);
    assert!(log.contains("gptbots.attempt") && log.contains("gen_ai.operation.name=\"invoke_workflow\""), "{log}");
}

#[tokio::test]
async fn a_failed_invoke_records_the_error_type_and_logs_no_warning() {
    let (server, news) = news_server().await;
    let key = news.key().to_owned();
    // A 503 without Retry-After may have reached the workflow: an invoke is not repeated.
    news.inject(Fault::Status(503));
    // Every attempt refused: the retries run out and the last refusal comes back.
    for _ in 0..3 {
        news.inject(Fault::TooManyRequests { retry_after: Some(0) });
    }
    let client = server.client_builder().retry(quick_retries()).build().unwrap();

    let mut returned = Vec::new();
    let (recorder, log) = traced(async {
        for _ in 0..2 {
            let error = TodayNews::about("Rust", 2).invoke(&client).await.unwrap_err();
            assert!(matches!(error, Error::Http { .. }), "{error:?}");
            returned.push(error.to_string());
        }
    })
    .await;

    let invokes = recorder.named("gptbots.invoke");
    assert_eq!(invokes.len(), 2);
    for ((index, invoke), attempts) in invokes.iter().zip([1, 3]) {
        assert_eq!(invoke.field("error.type"), Some("Http"), "{invoke:?}");
        assert_eq!(invoke.field("otel.status_code"), Some("ERROR"));
        assert_eq!(invoke.field("gptbots.cost"), None, "no run, no cost");
        assert_eq!(recorder.attempts_under(*index).len(), attempts);
    }
    let last = recorder.attempts_under(invokes[1].0);
    assert!(last.iter().all(|a| a.field("http.response.status_code") == Some("429")), "{last:?}");
    assert_no_warnings(&recorder, &returned);
    assert!(!log.contains("WARN"), "{log}");
    assert_no_key(&key, &recorder, &log);
}

#[tokio::test]
async fn a_query_repeated_after_a_503_has_its_attempts_inside_its_span_inside_the_wait() {
    let (server, news) = news_server().await;
    let key = news.key().to_owned();
    news.latency(Duration::from_millis(20));
    server.inject_on(Endpoint::QueryResult, Fault::Status(503));
    let client = server.client_builder().retry(quick_retries()).build().unwrap();

    let mut run_id = String::new();
    let (recorder, log) = traced(async {
        let handle = client.submit(&TodayNews::about("Rust", 2)).await.unwrap();
        run_id = handle.run_id().to_owned();
        handle.wait().await.expect("the 503 is ridden out");
    })
    .await;

    let submits = recorder.named("gptbots.submit");
    assert_eq!(submits.len(), 1);
    let (submit_index, submit) = &submits[0];
    assert_eq!(submit.field("gen_ai.operation.name"), Some("invoke_workflow"));
    assert_eq!(submit.field("gptbots.run_id"), Some(run_id.as_str()));
    assert_eq!(recorder.attempts_under(*submit_index).len(), 1);

    let waits = recorder.named("gptbots.wait");
    assert_eq!(waits.len(), 1);
    let (wait_index, wait) = &waits[0];
    assert_eq!(wait.field("gptbots.run_id"), Some(run_id.as_str()));
    assert_eq!(wait.field("gptbots.cost"), Some("0.6928"));
    assert_eq!(wait.field("gen_ai.usage.total_tokens"), Some("1745"));

    let queries = recorder.named("gptbots.query");
    assert!(!queries.is_empty());
    for (_, query) in &queries {
        assert_eq!(query.parent, Some(*wait_index));
        assert_eq!(query.field("gen_ai.operation.name"), Some("query_run"));
        assert_eq!(query.field("gptbots.run_id"), Some(run_id.as_str()));
        assert_eq!(query.field("error.type"), None, "every query ended with an answer: {query:?}");
    }
    let first = recorder.attempts_under(queries[0].0);
    let statuses: Vec<_> = first.iter().map(|a| a.field("http.response.status_code")).collect();
    assert_eq!(statuses, [Some("503"), Some("200")], "{first:#?}");
    assert_eq!(first[0].field("url.path"), Some("/v1/workflow/query/result"));
    assert_eq!(server.pending_faults(), 0);
    assert_no_warnings(&recorder, &[]);
    assert_no_key(&key, &recorder, &log);
}
