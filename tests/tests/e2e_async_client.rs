//! The client's async API (submit, poll, wait, resume, webhooks, batches) against the embedded
//! server's async runs.

use std::sync::Arc;
use std::time::Duration;

use gptbots_runtime::async_run::{Callback, PollPolicy, RunState, Webhook};
use gptbots_runtime::mock::{Endpoint, Fault, MockServer, Rejection};
use gptbots_runtime::{Error, Status};
use gptbots_tests::{NewsDigest, TodayNews, WebhookReceiver, digest, news_server};
use tokio::sync::Semaphore;

fn quick() -> PollPolicy {
    PollPolicy::default()
        .backoff(Duration::from_millis(5), Duration::from_millis(20))
        .poll_timeout(Duration::from_secs(5))
        .deadline(Duration::from_secs(20))
}

#[tokio::test]
async fn submit_then_wait_returns_the_typed_run_once_submitted() {
    let (server, news) = news_server().await;
    news.latency(Duration::from_millis(40));
    let client = server.client();

    let handle = client.submit(&TodayNews::about("Rust", 2)).poll_policy(quick()).await.expect("submitted");
    let run = handle.wait().await.expect("the run finishes");

    assert_eq!(run.run_id, handle.run_id());
    assert_eq!(run.output, digest("Rust", 2));
    assert_eq!((run.cost, run.tokens), (0.6928, 1745));
    assert_eq!(news.invocations(), 1, "an async run is submitted once");
    let invoke = &server.requests_to(Endpoint::Invoke)[0];
    assert_eq!(invoke.json().unwrap()["isAsync"], true);
    assert!(!server.requests_to(Endpoint::QueryResult).is_empty());
}

#[tokio::test]
async fn poll_reports_the_run_in_progress_then_finished() {
    let server = MockServer::start().await.unwrap();
    let go = Arc::new(Semaphore::new(0));
    let gate = Arc::clone(&go);
    server.register(move |input: TodayNews| {
        let gate = Arc::clone(&gate);
        async move {
            let _permit = gate.acquire().await.map_err(|_| Rejection::failed("gate closed"))?;
            Ok(digest(&input.topic, 1))
        }
    });
    let client = server.client();
    let handle = client.submit(&TodayNews::about("Go", 1)).poll_policy(quick()).await.unwrap();

    let state = handle.poll().await.expect("a poll");
    assert!(matches!(state, RunState::InProgress(Status::Pending | Status::Running)), "{state:?}");

    go.add_permits(1);
    let run = handle.wait().await.unwrap();
    assert_eq!(handle.poll().await.unwrap(), RunState::Finished(run));
}

#[tokio::test]
async fn a_run_saved_by_id_is_resumed_by_another_client() {
    let (server, news) = news_server().await;
    news.latency(Duration::from_millis(30));
    let saved_id = {
        let client = server.client();
        let handle = client.submit(&TodayNews::about("Zig", 3)).await.unwrap();
        handle.run_id().to_owned()
        // The process "crashes" here: client and handle are gone, the id was saved.
    };

    let run = server.client().resume::<TodayNews>(saved_id.clone()).with_poll_policy(quick()).wait().await.unwrap();

    assert_eq!(run.run_id, saved_id);
    assert_eq!(run.output, digest("Zig", 3));
    assert_eq!(news.invocations(), 1, "resuming never resubmits");
}

#[tokio::test]
async fn a_failed_async_run_waits_to_a_run_failed_error() {
    let server = MockServer::start().await.unwrap();
    server.register(|_: TodayNews| async { Err::<NewsDigest, _>(Rejection::failed("no sources today")) });

    let handle = server.client().submit(&TodayNews::about("Rust", 1)).poll_policy(quick()).await.unwrap();
    let error = handle.wait().await.unwrap_err();

    assert!(
        matches!(&error, Error::RunFailed { reason: Some(reason), .. } if reason.contains("no sources today")),
        "{error:?}"
    );
    assert_eq!(error.run_id(), Some(handle.run_id()));
}

#[tokio::test]
async fn polling_rides_out_faults_on_query_result_without_resubmitting() {
    let (server, news) = news_server().await;
    news.latency(Duration::from_millis(20));
    for fault in [
        Fault::Status(503),
        Fault::ResetBeforeResponse,
        Fault::TooManyRequests { retry_after: Some(0) },
        Fault::Status(502),
    ] {
        server.inject_on(Endpoint::QueryResult, fault);
    }

    let handle = server.client().submit(&TodayNews::about("Rust", 2)).poll_policy(quick()).await.unwrap();
    let run = handle.wait().await.expect("the faults are transient");

    assert_eq!(run.output, digest("Rust", 2));
    assert_eq!(server.pending_faults(), 0, "every fault was met");
    assert_eq!(news.invocations(), 1);
}

#[tokio::test]
async fn a_webhook_call_parses_into_the_same_typed_run() {
    let (server, _news) = news_server().await;
    let mut receiver = WebhookReceiver::start().await;
    let webhook = Webhook::post(&format!("{}/runs/done", receiver.url)).unwrap().header("X-Secret", "s3").unwrap();

    let handle =
        server.client().submit(&TodayNews::about("Rust", 2)).webhook(webhook).poll_policy(quick()).await.unwrap();
    let call = receiver.next().await.expect("the webhook is called");
    let waited = handle.wait().await.unwrap();

    assert_eq!(call.header("x-secret"), Some("s3"));
    let callback = Callback::<TodayNews>::parse(&serde_json::to_vec(&call.body).unwrap()).expect("a run");
    assert_eq!(callback.run_id, handle.run_id());
    assert_eq!(callback.result.expect("a succeeded run"), waited);
}

#[tokio::test]
async fn a_batch_keeps_input_order_over_the_embedded_server() {
    let (server, news) = news_server().await;
    let topics = ["a", "b", "c", "d", "e", "f"];

    let results = server
        .client()
        .batch(topics.into_iter().map(|t| TodayNews::about(t, 1)))
        .concurrency(3)
        .poll_policy(quick())
        .run()
        .await;

    let outputs: Vec<NewsDigest> = results.into_iter().map(|r| r.expect("each run succeeds").output).collect();
    assert_eq!(outputs, topics.iter().map(|t| digest(t, 1)).collect::<Vec<_>>());
    assert_eq!(news.invocations(), topics.len());
}
