//! Webhooks of async runs: validation before sending, the wire shape, delivery by the embedded
//! server to a loopback receiver using the axum extractor, lenient callback parsing, and the
//! receiver's defences against forged, replayed and unauthenticated calls.

mod async_support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_support::{Shout, Shouted, serve, serve_receiver, shout};
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use gptbots_runtime::Error;
use gptbots_runtime::async_run::{Callback, RunState, WEBHOOK_SECRET_HEADER, Webhook, WebhookError, WebhookReceiver};
use serde_json::json;
use tokio::sync::mpsc;

/// The secret shared by the webhook specs and receivers of these tests.
const SECRET: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

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
    let hook_url = format!("{}/gptbots/done", serve_receiver(receiver.with_state(WebhookReceiver::new(SECRET))).await);
    let (server, _) = serve(Duration::from_millis(50)).await;
    let client = server.client();

    let webhook = Webhook::post(&hook_url).and_then(|w| w.header("x-hook-token", "t0k")).and_then(|w| w.secret(SECRET));
    let webhook = webhook.expect("webhook");
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
    let hook_url = format!("{}/done", serve_receiver(receiver.with_state(WebhookReceiver::new(SECRET))).await);
    let (server, _) = serve(Duration::from_millis(20)).await;

    let webhook = Webhook::post(&hook_url).and_then(|w| w.secret(SECRET)).expect("webhook");
    let handle = server.client().submit(&shout("fail")).webhook(webhook).await.expect("submit");

    let (run_id, error) =
        tokio::time::timeout(Duration::from_secs(10), received.recv()).await.expect("delivered").expect("one call");
    assert_eq!(run_id, handle.run_id());
    assert!(matches!(error, Some(Error::RunFailed { .. })), "{error:?}");
}

#[tokio::test]
async fn the_extractor_refuses_a_body_that_is_not_a_run() {
    let (url, handled) = receive(WebhookReceiver::new(SECRET)).await;

    let (status, text) = call(&url, Some(SECRET), Some("application/json"), r#"{"hello":"world"}"#.into()).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("workflowRunId"), "{text}");
    assert!(handled.lock().unwrap().is_empty());
}

/// A receiver at the returned URL, recording the run id of each call its handler sees.
async fn receive(receiver: WebhookReceiver) -> (String, Arc<Mutex<Vec<String>>>) {
    let handled = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&handled);
    let router = Router::new()
        .route(
            "/hook",
            post(move |callback: Callback<Shout>| async move {
                seen.lock().unwrap().push(callback.run_id);
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(receiver);
    (format!("{}/hook", serve_receiver(router).await), handled)
}

/// Posts `body` as a forger would, with the given secret header and content type.
async fn call(url: &str, secret: Option<&str>, content_type: Option<&str>, body: Vec<u8>) -> (StatusCode, String) {
    let mut request = reqwest::Client::new().post(url).body(body);
    if let Some(secret) = secret {
        request = request.header(WEBHOOK_SECRET_HEADER, secret);
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.expect("sent");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("a status");
    (status, response.text().await.expect("body"))
}

fn finished(run_id: &str, text: &str) -> Vec<u8> {
    json!({"workflowRunId": run_id, "status": "SUCCEED", "output": {"text": text}}).to_string().into_bytes()
}

#[tokio::test]
async fn unauthenticated_callbacks_are_refused_before_the_body_is_read() {
    let (url, handled) = receive(WebhookReceiver::new(SECRET)).await;
    let json = Some("application/json");
    let almost = format!("{}0", &SECRET[..SECRET.len() - 1]);

    for secret in [None, Some(""), Some("guess"), Some(almost.as_str()), Some(&SECRET[1..])] {
        let (status, text) = call(&url, secret, json, finished("run_forged", "FORGED")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{secret:?}");
        assert!(!text.contains(SECRET), "{text}");
    }
    // The header given twice, once right, is refused too: which one a proxy keeps is unknown.
    let twice = reqwest::Client::new()
        .post(&url)
        .header(WEBHOOK_SECRET_HEADER, "guess")
        .header(WEBHOOK_SECRET_HEADER, SECRET)
        .header("content-type", "application/json")
        .body(finished("run_forged", "FORGED"))
        .send()
        .await
        .expect("sent");
    assert_eq!(twice.status().as_u16(), 401);

    // A body over axum's 2 MB limit: refused for its size only once the secret is right, so
    // the secret is checked before anything is read.
    let huge = vec![b' '; (2 << 20) + 1024];
    assert_eq!(call(&url, Some("guess"), json, huge.clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&url, Some(SECRET), json, huge).await.0, StatusCode::PAYLOAD_TOO_LARGE);

    assert!(handled.lock().unwrap().is_empty(), "the handler never ran");
    assert_eq!(call(&url, Some(SECRET), json, finished("run_ok", "OK")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(*handled.lock().unwrap(), ["run_ok"]);
}

#[tokio::test]
async fn an_empty_receiver_secret_accepts_no_call() {
    let (url, handled) = receive(WebhookReceiver::new("")).await;
    for secret in [None, Some("")] {
        let (status, _) = call(&url, secret, Some("application/json"), finished("run_1", "X")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert!(handled.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_browser_style_post_that_is_not_json_is_refused() {
    let (url, handled) = receive(WebhookReceiver::new(SECRET)).await;

    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/jsonp")]
    {
        let (status, _) = call(&url, Some(SECRET), content_type, finished("run_form", "FORGED")).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type:?}");
    }
    assert!(handled.lock().unwrap().is_empty());

    let charset = Some("Application/JSON; charset=utf-8");
    assert_eq!(call(&url, Some(SECRET), charset, finished("run_json", "OK")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(*handled.lock().unwrap(), ["run_json"]);
}

#[tokio::test]
async fn run_ids_outside_the_characters_gptbots_uses_are_refused() {
    let (url, handled) = receive(WebhookReceiver::new(SECRET)).await;
    let json = Some("application/json");

    let too_long = "r".repeat(129);
    for run_id in ["../../etc/passwd", "run 1", r"run_1\r\nforged: log", r"run\u0000", "rün", "run.1", &too_long] {
        let body = format!(r#"{{"workflowRunId": "{run_id}", "status": "SUCCEED", "output": {{"text": "X"}}}}"#);
        let (status, text) = call(&url, Some(SECRET), json, body.into_bytes()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{run_id}: {text}");
    }
    let (status, text) = call(&url, Some(SECRET), json, finished("", "X")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(handled.lock().unwrap().is_empty());

    let longest = format!("Run-{}_9", "a".repeat(122));
    assert_eq!(call(&url, Some(SECRET), json, finished(&longest, "OK")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(*handled.lock().unwrap(), [longest]);
}

#[tokio::test]
async fn only_runs_the_application_submitted_are_accepted() {
    let submitted: Arc<Mutex<HashSet<String>>> = Arc::new(Mutex::new(HashSet::from(["run_mine".to_owned()])));
    let known = Arc::clone(&submitted);
    let receiver = WebhookReceiver::new(SECRET).accept_run_ids(move |run_id| known.lock().unwrap().contains(run_id));
    let (url, handled) = receive(receiver).await;
    let json = Some("application/json");

    let (status, text) = call(&url, Some(SECRET), json, finished("run_theirs", "FORGED")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text.contains("run_theirs"), "{text}");
    assert_eq!(call(&url, Some(SECRET), json, finished("run_mine", "OK")).await.0, StatusCode::NO_CONTENT);

    submitted.lock().unwrap().insert("run_theirs".to_owned());
    assert_eq!(call(&url, Some(SECRET), json, finished("run_theirs", "OK")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(*handled.lock().unwrap(), ["run_mine", "run_theirs"]);
}

#[tokio::test]
async fn a_replayed_callback_is_refused_and_the_handler_runs_once() {
    let receiver = WebhookReceiver::new(SECRET);
    let (url, handled) = receive(receiver.clone()).await;
    let json = Some("application/json");

    assert_eq!(call(&url, Some(SECRET), json, finished("run_once", "OK")).await.0, StatusCode::NO_CONTENT);
    let (status, text) = call(&url, Some(SECRET), json, finished("run_once", "OK")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(text.contains("run_once") && text.contains("replay"), "{text}");
    // A replay with another output, or to another route sharing the receiver, is refused too.
    assert_eq!(call(&url, Some(SECRET), json, finished("run_once", "CHANGED")).await.0, StatusCode::CONFLICT);
    let (other_url, other_handled) = receive(receiver).await;
    assert_eq!(call(&other_url, Some(SECRET), json, finished("run_once", "OK")).await.0, StatusCode::CONFLICT);

    assert_eq!(*handled.lock().unwrap(), ["run_once"]);
    assert!(other_handled.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_embedded_server_delivers_the_secret_and_a_hook_without_it_is_refused() {
    let (url, handled) = receive(WebhookReceiver::new(SECRET)).await;
    let (server, _) = serve(Duration::ZERO).await;
    let client = server.client();

    let (with, without) = (shout("with"), shout("without"));
    let with =
        client.submit(&with).webhook(Webhook::post(&url).unwrap().secret(SECRET).unwrap()).await.expect("submit");
    let without = client.submit(&without).webhook(Webhook::post(&url).unwrap()).await.expect("submit");

    let mut deliveries = server.webhook_deliveries();
    for _ in 0..400 {
        if deliveries.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        deliveries = server.webhook_deliveries();
    }
    let status_of = |run_id: &str| deliveries.iter().find(|d| d.run_id == run_id).and_then(|d| d.status);
    assert_eq!(status_of(with.run_id()), Some(204));
    assert_eq!(status_of(without.run_id()), Some(401));
    assert_eq!(*handled.lock().unwrap(), [with.run_id()]);
}

#[tokio::test]
async fn confirming_a_forged_callback_fetches_the_real_run() {
    let (server, _) = serve(Duration::ZERO).await;
    let client = server.client();
    let handle = client.submit(&shout("real")).await.expect("submit");
    handle.wait().await.expect("finished");

    let forged = Callback::<Shout>::parse(&finished(handle.run_id(), "FORGED")).expect("a run");
    assert_eq!(forged.result.as_ref().expect("decoded").output.text, "FORGED");
    match forged.confirm(&client).await.expect("the run exists") {
        RunState::Finished(run) => assert_eq!(run.output, Shouted { text: "REAL".into() }),
        other => panic!("expected the finished run, got {other:?}"),
    }

    let invented = Callback::<Shout>::parse(&finished("run_invented", "FORGED")).expect("a run");
    let error = invented.confirm(&client).await.expect_err("GPTBots knows no such run");
    assert!(!error.to_string().contains("FORGED"), "{error}");
}

#[test]
fn callbacks_with_run_ids_gptbots_never_hands_out_do_not_parse() {
    for body in [finished("a/b", "X"), finished("", "X"), finished(&"x".repeat(129), "X")] {
        let error = Callback::<Shout>::parse(&body).expect_err("not a GPTBots run id");
        assert!(matches!(error, Error::InvalidResponse { run_id: None, .. }), "{error:?}");
    }
    let failed = json!({"workflowRunId": "run/../x", "status": "FAILED"}).to_string();
    assert!(Callback::<Shout>::parse(failed.as_bytes()).is_err());
}

#[test]
fn webhook_specs_refuse_framing_and_duplicate_headers() {
    let hook = Webhook::post("https://hooks.example.com/done").expect("valid");
    for name in ["Host", "CONTENT-LENGTH", "transfer-encoding"] {
        let error = hook.clone().header(name, "x").expect_err("framing header");
        assert!(matches!(error, WebhookError::FramingHeader { .. }), "{error:?}");
    }
    let error = hook.clone().header("X-A", "1").and_then(|w| w.header("x-a", "2")).expect_err("twice");
    assert!(matches!(error, WebhookError::DuplicateHeader { .. }), "{error:?}");
    let error = hook.secret(SECRET).and_then(|w| w.header(WEBHOOK_SECRET_HEADER, "x")).expect_err("twice");
    assert!(matches!(error, WebhookError::DuplicateHeader { .. }), "{error:?}");
}

#[test]
fn webhook_debug_and_errors_hide_userinfo_query_and_secret() {
    let hook = Webhook::get("https://bot:hunter2@hooks.example.com/done?sig=t0psecret").expect("valid");
    let hook = hook.secret(SECRET).expect("secret");
    let shown = format!("{hook:?}");
    for secret in ["hunter2", "t0psecret", SECRET] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let error = Webhook::get("http://bot:hunter2@hooks.example.com/done?sig=t0psecret").expect_err("plain http");
    for text in [error.to_string(), format!("{error:?}"), format!("{:?}", Error::Webhook(error.clone()))] {
        assert!(!text.contains("hunter2") && !text.contains("t0psecret"), "{text}");
        assert!(text.contains("hooks.example.com/done"), "{text}");
    }
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
