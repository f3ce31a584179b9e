//! The API key never shows: not in Debug or Display of the client, its builder or any error,
//! not in tracing output, not even when a server echoes it back.

use std::time::Duration;

use gptbots_runtime::{Client, ClientBuilder, ConfigError, Error, RetryPolicy, workflow};
use gptbots_tests::Captured;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "app-S3cr3tKeyValue-91";
const OTHER_KEY: &str = "app-An0therSecret-27";

#[derive(Debug, Deserialize, JsonSchema)]
struct Answer {
    #[allow(dead_code)]
    text: String,
}

#[workflow(id = "wf_secret", output = Answer)]
struct Ask {
    question: String,
}

fn ask() -> Ask {
    Ask { question: "what is the key?".into() }
}

fn assert_hidden(what: &str, text: &str) {
    for key in [KEY, OTHER_KEY] {
        assert!(!text.contains(key), "{what} shows a key: {text}");
        // A key cut in half is still a leak.
        assert!(!text.contains(&key[..12]), "{what} shows part of a key: {text}");
    }
}

fn assert_error_hidden(error: &Error) {
    assert_hidden("Display", &error.to_string());
    assert_hidden("Debug", &format!("{error:?}"));
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        assert_hidden("source", &cause.to_string());
        source = cause.source();
    }
}

fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .api_key(OTHER_KEY)
        .workflow_key("wf_secret", KEY)
        .user_id("user-1")
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(2)))
}

#[test]
fn client_and_builder_never_show_keys() {
    let builder = builder("https://api.gptbots.ai");
    assert_hidden("ClientBuilder Debug", &format!("{builder:?} {builder:#?}"));
    let client = builder.build().unwrap();
    let shown = format!("{client:?} {client:#?}");
    assert_hidden("Client Debug", &shown);
    assert!(shown.contains("wf_secret"), "the Debug output should still say which workflows have keys: {shown}");
}

#[test]
fn keys_from_the_environment_never_show() {
    // SAFETY: no other test in this binary reads or writes the environment.
    unsafe {
        std::env::set_var("GPTBOTS_API_KEY", OTHER_KEY);
        std::env::set_var("GPTBOTS_API_KEY_WF_SECRET", KEY);
    }
    let builder = ClientBuilder::from_env();
    assert_hidden("ClientBuilder Debug", &format!("{builder:?}"));
    let client = builder.build().unwrap();
    assert_hidden("Client Debug", &format!("{client:?}"));

    unsafe { std::env::set_var("GPTBOTS_API_KEY_WF_SECRET", format!("{KEY}\n")) };
    let error = Client::from_env().unwrap_err();
    assert!(error.to_string().contains("GPTBOTS_API_KEY_WF_SECRET"), "{error}");
    assert_error_hidden(&error);
    unsafe {
        std::env::remove_var("GPTBOTS_API_KEY");
        std::env::remove_var("GPTBOTS_API_KEY_WF_SECRET");
    }
}

#[test]
fn configuration_errors_name_the_key_without_showing_it() {
    for (bad, name) in
        [(format!("{KEY}\n"), "wf_secret"), (format!("{KEY}\0"), "wf_secret"), (format!(" {KEY}"), "wf_secret")]
    {
        let error = Client::builder().workflow_key("wf_secret", bad).build().unwrap_err();
        assert!(
            matches!(&error, Error::Config(ConfigError::InvalidKey { key, .. }) if key.contains(name)),
            "{error:?}"
        );
        assert_error_hidden(&error);
    }
    let error = Client::builder().api_key(format!("{OTHER_KEY}\r\nX-Injected: 1")).build().unwrap_err();
    assert!(error.to_string().contains("default API key"), "{error}");
    assert_error_hidden(&error);
}

/// Answers that echo the key back, as a careless proxy or a debugging endpoint might.
fn echoing_faults() -> Vec<ResponseTemplate> {
    let echo = format!("Authorization: Bearer {KEY}");
    vec![
        ResponseTemplate::new(401).set_body_json(json!({"code": 40127, "message": format!("bad key {KEY}")})),
        ResponseTemplate::new(502).set_body_raw(format!("<html><pre>{echo}</pre></html>"), "text/html"),
        ResponseTemplate::new(429).set_body_string(echo.clone()),
        ResponseTemplate::new(200).set_body_raw(format!("<html>{echo}</html>"), "text/html"),
        ResponseTemplate::new(200).set_body_json(json!({"code": 40127, "message": echo})),
        ResponseTemplate::new(200).set_body_json(json!({"workflowRunId": "r1", "status": "FAILED", "error": echo})),
        ResponseTemplate::new(200).set_body_json(json!({"workflowRunId": "r2", "status": KEY})),
        ResponseTemplate::new(200)
            .set_body_json(json!({"workflowRunId": "r3", "workflowId": KEY, "status": "SUCCEED"})),
        ResponseTemplate::new(200)
            .set_body_json(json!({"workflowRunId": "r4", "status": "SUCCEED", "output": {"text": 1, "echo": echo}})),
        ResponseTemplate::new(200)
            .set_body_raw(format!("{{\"workflowRunId\":\"r5\",\"output\":\"{echo}"), "application/json"),
        // The key straddling the 512-character excerpt cut, with and without a `Bearer` before
        // it: scrubbing after cutting would leave its first 19 characters.
        ResponseTemplate::new(502).set_body_string(format!("{}key={KEY}", "x".repeat(512 - 19 - 4))),
        ResponseTemplate::new(502).set_body_string(format!("{}{echo}", "x".repeat(512 - 19 - 22))),
        ResponseTemplate::new(500)
            .set_body_json(json!({"code": 50000, "message": format!("{}{KEY}", "m".repeat(500))})),
        // Every server-supplied field: the run id, the JSON path of a mismatch, a status.
        ResponseTemplate::new(200).set_body_json(json!({"workflowRunId": KEY, "status": "FAILED"})),
        ResponseTemplate::new(200)
            .set_body_json(json!({"workflowRunId": "r6", "status": "SUCCEED", "output": {KEY: 1}})),
        ResponseTemplate::new(500).set_body_raw(format!("{{\"workflowRunId\":\"{KEY}\""), "application/json"),
        // Figures that are not numbers are left out with a debug event, which must not quote them.
        ResponseTemplate::new(200).set_body_json(
            json!({"workflowRunId": "r7", "status": "SUCCEED", "output": {"text": 1}, "totalCost": KEY, "totalTokens": echo}),
        ),
    ]
}

#[tokio::test]
async fn errors_and_traces_never_show_the_key_even_when_the_server_echoes_it() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut errors = 0;
    for response in echoing_faults() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(header("authorization", format!("Bearer {KEY}").as_str()))
            .respond_with(response)
            .mount(&server)
            .await;
        let client = builder(&server.uri()).build().unwrap();
        let error = ask().invoke(&client).await.unwrap_err();
        assert_error_hidden(&error);
        errors += 1;
    }

    // A successful run, a timeout and a refused connection, for the other paths through the code.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"workflowRunId": "run_ok", "status": "SUCCEED", "output": {"text": "hi"}, "totalCost": 0.5}),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).timeout(Duration::from_millis(100)).build().unwrap();
    ask().invoke(&client).await.unwrap();
    assert_error_hidden(&ask().invoke(&client).await.unwrap_err());
    let refused = builder("http://127.0.0.1:9").build().unwrap();
    assert_error_hidden(&ask().invoke(&refused).await.unwrap_err());

    let log = captured.text();
    assert_hidden("tracing output", &log);
    // The capture really saw the invokes: one span per call, with the run's figures.
    assert!(log.matches("gptbots.invoke").count() >= errors, "{log}");
    assert!(
        log.contains("gptbots.run_id=\"run_ok\"")
            && log.contains("gptbots.cost=0.5")
            && log.contains("gptbots.workflow_id=\"wf_secret\""),
        "{log}"
    );
}
