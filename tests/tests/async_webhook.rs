//! Webhooks of async runs: validation before sending, the wire shape, delivery by the embedded
//! server to a loopback receiver using the axum extractor, and lenient callback parsing.

mod async_support;

use std::time::Duration;

use async_support::{Shout, Shouted, serve, serve_receiver, shout};
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use gptbots_runtime::Error;
use gptbots_runtime::async_run::{Callback, Webhook, WebhookError};
use serde_json::json;
use tokio::sync::mpsc;

#[tokio::test]
async fn invalid_webhooks_are_refused_before_anything_is_sent() {
    let (server, _) = serve(Duration::ZERO).await;
    let client = server.client();
    let hook = Webhook::post("https://hooks.example.com/done").expect("valid webhook");
    let input = shout("too many");

    let mut submit = client.submit(&input);
    for _ in 0..6 {
        submit = submit.webhook(hook.clone());
    }
    let error = submit.await.expect_err("six webhooks");

    assert!(matches!(error, Error::Webhook(WebhookError::TooMany { count: 6 })), "{error:?}");
    assert!(error.to_string().contains("at most 5"), "{error}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn webhooks_go_on_the_wire_with_method_url_and_headers() {
    let (server, workflow) = serve(Duration::from_secs(60)).await;
    let client = server.client();
    let post = Webhook::post("http://127.0.0.1:9/done").and_then(|w| w.header("X-Hook-Token", "t0k"));
    let get = Webhook::get("http://localhost:9/ping");

    client
        .submit(&shout("hooked"))
        .webhook(post.expect("post webhook"))
        .webhook(get.expect("get webhook"))
        .user_id("user-7")
        .await
        .expect("submit");

    let body = workflow.requests()[0].json().expect("a JSON body");
    assert_eq!(body["userId"], "user-7");
    assert_eq!(
        body["webhook"],
        json!([
            {"method": "POST", "url": "http://127.0.0.1:9/done", "headers": {"x-hook-token": "t0k"}},
            {"method": "GET", "url": "http://localhost:9/ping", "headers": {}}
        ])
    );
}

#[tokio::test]
async fn a_delivered_webhook_is_extracted_into_the_typed_run() {
    let (sender, mut received) = mpsc::unbounded_channel();
    let receiver = Router::new().route(
        "/gptbots/done",
        post(move |headers: HeaderMap, callback: Callback<Shout>| async move {
            let token = headers.get("x-hook-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let _ = sender.send((token, callback.run_id, callback.result.map(|run| run.output)));
            StatusCode::NO_CONTENT
        }),
    );
    let hook_url = format!("{}/gptbots/done", serve_receiver(receiver).await);
    let (server, _) = serve(Duration::from_millis(50)).await;
    let client = server.client();

    let webhook = Webhook::post(&hook_url).and_then(|w| w.header("x-hook-token", "t0k")).expect("webhook");
    let handle = client.submit(&shout("call me back")).webhook(webhook).await.expect("submit");

    let (token, run_id, output) =
        tokio::time::timeout(Duration::from_secs(10), received.recv()).await.expect("delivered").expect("one call");
    assert_eq!(token.as_deref(), Some("t0k"));
    assert_eq!(run_id, handle.run_id());
    assert_eq!(output.expect("typed output"), Shouted { text: "CALL ME BACK".into() });

    // The server records the delivery once the receiver has answered.
    let mut deliveries = server.webhook_deliveries();
    for _ in 0..200 {
        if !deliveries.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        deliveries = server.webhook_deliveries();
    }
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, Some(204));
    assert_eq!(deliveries[0].run_id, handle.run_id());
}

#[tokio::test]
async fn a_failed_run_is_delivered_as_a_typed_error() {
    let (sender, mut received) = mpsc::unbounded_channel();
    let receiver = Router::new().route(
        "/done",
        post(move |callback: Callback<Shout>| async move {
            let _ = sender.send((callback.run_id, callback.result.err()));
            StatusCode::OK
        }),
    );
    let hook_url = format!("{}/done", serve_receiver(receiver).await);
    let (server, _) = serve(Duration::from_millis(20)).await;

    let webhook = Webhook::post(&hook_url).expect("webhook");
    let handle = server.client().submit(&shout("fail")).webhook(webhook).await.expect("submit");

    let (run_id, error) =
        tokio::time::timeout(Duration::from_secs(10), received.recv()).await.expect("delivered").expect("one call");
    assert_eq!(run_id, handle.run_id());
    assert!(matches!(error, Some(Error::RunFailed { .. })), "{error:?}");
}

#[tokio::test]
async fn the_extractor_refuses_a_body_that_is_not_a_run() {
    let receiver = Router::new().route("/hook", post(|_: Callback<Shout>| async { StatusCode::NO_CONTENT }));
    let url = format!("{}/hook", serve_receiver(receiver).await);

    let response = reqwest::Client::new().post(&url).body(r#"{"hello":"world"}"#).send().await.expect("sent");

    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    let text = response.text().await.expect("body");
    assert!(text.contains("workflowRunId"), "{text}");
}

#[test]
fn callback_bodies_are_parsed_leniently() {
    let body = json!({
        "workflowRunId": "run_9",
        "workflowId": "wf_shout",
        "status": "SUCCED",
        "output": {"text": "LENIENT", "extra": [1, 2]},
        "totalCost": 0.25,
        "somethingNew": {"nested": true}
    });
    let callback = Callback::<Shout>::parse(body.to_string().as_bytes()).expect("a run");
    assert_eq!(callback.run_id, "run_9");
    let run = callback.result.expect("succeeded");
    assert_eq!(run.output.text, "LENIENT");
    assert_eq!(run.cost, 0.25);
}

#[test]
fn a_mistyped_callback_keeps_its_run_id_and_the_raw_output() {
    let mistyped = json!({"workflowRunId": "run_m", "status": "SUCCEED", "output": {"text": 7}});
    let callback = Callback::<Shout>::parse(mistyped.to_string().as_bytes()).expect("a run");
    let error = callback.result.expect_err("text is not a string");
    assert_eq!(error.raw_output(), Some(r#"{"text":7}"#));
    assert_eq!(error.run_id(), Some("run_m"));
}

#[test]
fn a_body_that_is_not_a_run_is_an_error() {
    assert!(matches!(Callback::<Shout>::parse(b"not json"), Err(Error::InvalidResponse { .. })));
    assert!(matches!(Callback::<Shout>::parse(b"{}"), Err(Error::InvalidResponse { .. })));
}
