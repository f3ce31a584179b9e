//! Webhooks: validation before sending, the wire shape, delivery to a loopback receiver and the
//! axum extractor, and lenient parsing of callback bodies.

mod async_support;

use std::time::Duration;

use async_support::{Echo, Echoed, Scripted};
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use gptbots_runtime::Error;
use gptbots_runtime::async_run::{Callback, Webhook, WebhookError};
use serde_json::json;
use tokio::sync::mpsc;

#[tokio::test]
async fn invalid_webhooks_are_refused_before_anything_is_sent() {
    let server = Scripted::start().await;
    let client = server.client();
    let hook = Webhook::post("https://hooks.example.com/done").expect("valid webhook");

    let input = Echo::new("too many", 0);
    let mut submit = client.submit(&input);
    for _ in 0..6 {
        submit = submit.webhook(hook.clone());
    }
    let error = submit.await.expect_err("six webhooks");

    assert!(matches!(error, Error::Webhook(WebhookError::TooMany { count: 6 })), "{error:?}");
    assert!(error.to_string().contains("at most 5"), "{error}");
    assert_eq!(server.seen(|s| s.invokes.len()), 0);
}

#[tokio::test]
async fn webhooks_go_on_the_wire_with_method_url_and_headers() {
    let server = Scripted::start().await;
    let client = server.client();
    let post = Webhook::post("https://hooks.example.com/done").and_then(|w| w.header("X-Hook-Token", "t0k"));
    let get = Webhook::get("http://127.0.0.1:9/ping");

    client
        .submit(&Echo::new("hooked", 0))
        .webhook(post.expect("post webhook"))
        .webhook(get.expect("get webhook"))
        .user_id("user-7")
        .await
        .expect("submit");

    let body = server.seen(|s| s.invokes[0].clone());
    assert_eq!(body["userId"], "user-7");
    assert_eq!(
        body["webhook"],
        json!([
            {"method": "POST", "url": "https://hooks.example.com/done", "headers": {"x-hook-token": "t0k"}},
            {"method": "GET", "url": "http://127.0.0.1:9/ping", "headers": {}}
        ])
    );
}

#[tokio::test]
async fn a_delivered_webhook_is_extracted_into_the_typed_run() {
    let (sender, mut received) = mpsc::unbounded_channel();
    let receiver = Router::new().route(
        "/gptbots/done",
        post(move |headers: HeaderMap, callback: Callback<Echo>| async move {
            let token = headers.get("x-hook-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let _ = sender.send((token, callback.run_id, callback.result.map(|run| run.output)));
            StatusCode::NO_CONTENT
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hook_url = format!("http://{}/gptbots/done", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let server = Scripted::start().await;
    let client = server.client();
    let webhook = Webhook::post(&hook_url).and_then(|w| w.header("x-hook-token", "t0k")).expect("webhook");
    let handle = client.submit(&Echo::new("call me back", 0)).webhook(webhook).await.expect("submit");

    let (token, run_id, output) =
        tokio::time::timeout(Duration::from_secs(10), received.recv()).await.expect("delivered").expect("one call");
    assert_eq!(token.as_deref(), Some("t0k"));
    assert_eq!(run_id, handle.run_id());
    assert_eq!(output.expect("typed output"), Echoed { text: "CALL ME BACK".into() });
}

#[tokio::test]
async fn the_extractor_refuses_a_body_that_is_not_a_run() {
    let receiver = Router::new().route("/hook", post(|_: Callback<Echo>| async { StatusCode::NO_CONTENT }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let response = reqwest::Client::new().post(&url).body(r#"{"hello":"world"}"#).send().await.expect("sent");

    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    let text = response.text().await.expect("body");
    assert!(text.contains("workflowRunId"), "{text}");
}

#[test]
fn callback_bodies_are_parsed_leniently() {
    let body = json!({
        "workflowRunId": "run_9",
        "workflowId": "wf_echo",
        "status": "SUCCED",
        "output": {"text": "LENIENT", "extra": [1, 2]},
        "totalCost": 0.25,
        "somethingNew": {"nested": true}
    });
    let callback = Callback::<Echo>::parse(body.to_string().as_bytes()).expect("a run");
    assert_eq!(callback.run_id, "run_9");
    let run = callback.result.expect("succeeded");
    assert_eq!(run.output.text, "LENIENT");
    assert_eq!(run.cost, 0.25);
}

#[test]
fn a_failed_or_mistyped_callback_keeps_its_run_id_and_typed_error() {
    let failed = json!({"workflowRunId": "run_f", "workflowId": "wf_echo", "status": "FAILED"});
    let callback = Callback::<Echo>::parse(failed.to_string().as_bytes()).expect("a run");
    assert_eq!(callback.run_id, "run_f");
    assert!(matches!(callback.result, Err(Error::RunFailed { .. })));

    let mistyped = json!({"workflowRunId": "run_m", "status": "SUCCEED", "output": {"text": 7}});
    let callback = Callback::<Echo>::parse(mistyped.to_string().as_bytes()).expect("a run");
    let error = callback.result.expect_err("text is not a string");
    assert_eq!(error.raw_output(), Some(r#"{"text":7}"#));
    assert_eq!(error.run_id(), Some("run_m"));
}

#[test]
fn a_body_that_is_not_a_run_is_an_error() {
    assert!(matches!(Callback::<Echo>::parse(b"not json"), Err(Error::InvalidResponse { .. })));
    assert!(matches!(Callback::<Echo>::parse(b"{}"), Err(Error::InvalidResponse { .. })));
}
