//! Async runs end to end against the embedded GPTBots-compatible server: lifecycle, deadline,
//! resume, webhook delivery, polling under injected faults, batch order and budget stop.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use gptbots_runtime::async_run::{Callback, PollPolicy, RunState, Webhook};
use gptbots_runtime::mock::{Endpoint, Fault, MockServer, MockWorkflow, Rejection};
use gptbots_runtime::{Error, RetryPolicy, Status, workflow};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Shouted {
    pub text: String,
}

#[workflow(id = "wf_shout", output = Shouted)]
#[derive(Debug, Clone)]
pub struct Shout {
    pub text: String,
}

fn shout(text: &str) -> Shout {
    Shout { text: text.to_owned() }
}

/// Starts a server playing `wf_shout`: the text upper-cased, a failed run for "fail".
async fn serve(latency: Duration) -> (MockServer, MockWorkflow) {
    let server = MockServer::start().await.expect("embedded server");
    let workflow = server.register(|input: Shout| async move {
        if input.text == "fail" {
            return Err(Rejection::failed("asked to fail"));
        }
        Ok(Shouted { text: input.text.to_uppercase() })
    });
    workflow.cost(1.0).tokens(10).latency(latency);
    (server, workflow)
}

fn quick() -> PollPolicy {
    PollPolicy::default()
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
        .poll_timeout(Duration::from_secs(5))
        .deadline(Duration::from_secs(30))
}

#[tokio::test]
async fn an_async_run_goes_pending_running_then_succeeds_and_is_submitted_once() {
    let (server, workflow) = serve(Duration::from_millis(400)).await;
    let client = server.client();

    let handle = client.submit(&shout("hello")).poll_policy(quick()).await.expect("submit");

    assert_eq!(handle.poll().await.expect("first poll"), RunState::InProgress(Status::Pending));
    let run = handle.wait().await.expect("wait");
    assert_eq!(run.run_id, handle.run_id());
    assert_eq!(run.output, Shouted { text: "HELLO".into() });
    assert_eq!(run.status, Status::Succeed);
    assert_eq!(run.cost, 1.0);
    assert_eq!(workflow.invocations(), 1);
    let recorded = server.run(handle.run_id()).expect("the server knows the run");
    assert!(recorded.is_async);
    assert_eq!(recorded.status, Status::Succeed);
}

#[tokio::test]
async fn a_failed_async_run_is_a_typed_error_with_its_run_id() {
    let (server, _) = serve(Duration::from_millis(50)).await;
    let client = server.client();
    let handle = client.submit(&shout("fail")).poll_policy(quick()).await.expect("submit");

    let error = handle.wait().await.expect_err("the run fails");

    assert!(matches!(&error, Error::RunFailed { run_id, .. } if run_id == handle.run_id()), "{error:?}");
}

#[tokio::test]
async fn the_deadline_ends_the_wait_with_the_run_id_and_a_later_resume_gets_the_result() {
    let (server, workflow) = serve(Duration::from_millis(800)).await;
    let client = server.client();
    let handle = client
        .submit(&shout("patience"))
        .poll_policy(quick().deadline(Duration::from_millis(100)))
        .await
        .expect("submit");

    let error = handle.wait().await.expect_err("the run takes longer than the deadline");

    let Error::Deadline { run_id, last_status, .. } = &error else { panic!("expected a deadline, got {error:?}") };
    assert_eq!(run_id, handle.run_id());
    assert!(matches!(last_status, Some(Status::Pending | Status::Running)), "{last_status:?}");
    let resumed = client.resume::<Shout>(run_id.clone()).with_poll_policy(quick());
    assert_eq!(resumed.wait().await.expect("resumed").output.text, "PATIENCE");
    assert_eq!(workflow.invocations(), 1, "neither the deadline nor the resume resubmits");
}

#[tokio::test]
async fn a_run_id_stored_before_a_crash_is_enough_to_fetch_the_result() {
    let (server, workflow) = serve(Duration::from_millis(200)).await;
    let stored = {
        let client = server.client();
        let handle = client.submit(&shout("durable")).await.expect("submit");
        handle.run_id().to_owned()
    };

    let fresh_client = server.client();
    let run = fresh_client.resume::<Shout>(stored.as_str()).with_poll_policy(quick()).wait().await.expect("resume");

    assert_eq!(run.run_id, stored);
    assert_eq!(run.output.text, "DURABLE");
    assert_eq!(workflow.invocations(), 1);
}

#[tokio::test]
async fn polling_rides_out_resets_server_errors_rate_limits_and_stalls() {
    let (server, workflow) = serve(Duration::from_millis(100)).await;
    // The transport's own retries of a read stay on, only quicker than by default.
    let retry = RetryPolicy::default().backoff(Duration::from_millis(10), Duration::from_millis(50));
    let client = server.client_builder().retry(retry).build().expect("client");
    let handle = client
        .submit(&shout("storm"))
        .poll_policy(quick().poll_timeout(Duration::from_millis(500)))
        .await
        .expect("submit");
    for fault in [
        Fault::ResetBeforeResponse,
        Fault::Status(503),
        Fault::TooManyRequests { retry_after: Some(0) },
        Fault::HtmlErrorPage(502),
        Fault::CloseBeforeResponse,
        Fault::SlowHeaders(Duration::from_secs(3)),
        Fault::Status(500),
    ] {
        workflow.inject_on(Endpoint::QueryResult, fault);
    }

    let run = handle.wait().await.expect("wait through the faults");

    assert_eq!(run.output.text, "STORM");
    assert_eq!(workflow.invocations(), 1, "faults while polling never resubmit");
    assert_eq!(server.pending_faults(), 0, "every fault was met");
}

#[tokio::test]
async fn webhooks_are_delivered_to_a_loopback_receiver_as_typed_runs() {
    let (sender, mut received) = mpsc::unbounded_channel();
    let receiver = Router::new().route(
        "/done",
        post(move |callback: Callback<Shout>| async move {
            let _ = sender.send((callback.run_id, callback.result.map(|run| run.output)));
            StatusCode::NO_CONTENT
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/done", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let (server, _) = serve(Duration::from_millis(50)).await;
    let client = server.client();

    let webhook = Webhook::post(&url).and_then(|w| w.header("x-hook-token", "t0k")).expect("webhook");
    let handle = client.submit(&shout("ring")).webhook(webhook).await.expect("submit");

    let (run_id, output) =
        tokio::time::timeout(Duration::from_secs(10), received.recv()).await.expect("delivered").expect("a call");
    assert_eq!(run_id, handle.run_id());
    assert_eq!(output.expect("typed output").text, "RING");
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
async fn a_batch_keeps_input_order_and_stops_submitting_at_the_budget() {
    let (server, workflow) = serve(Duration::from_millis(30)).await;
    let client = server.client();
    let inputs: Vec<Shout> = ["a", "b", "c", "d", "e", "f"].into_iter().map(shout).collect();

    let results = client.batch(inputs).concurrency(2).budget(2.5).poll_policy(quick()).await;

    let texts: Vec<Option<String>> =
        results.iter().map(|r| r.as_ref().ok().map(|run| run.output.text.clone())).collect();
    // Two runs in flight; after each finished run one more is submitted while less than 2.5
    // credits were reported: a, b, then c (1 credit spent), d (2 credits), then no more.
    assert_eq!(texts, [Some("A"), Some("B"), Some("C"), Some("D"), None, None].map(|t| t.map(str::to_owned)));
    for skipped in &results[4..] {
        assert!(matches!(skipped, Err(Error::BudgetExceeded { .. })), "{skipped:?}");
    }
    assert_eq!(workflow.invocations(), 4);
}

#[tokio::test]
async fn a_batch_without_budget_runs_every_input_in_order() {
    let (server, workflow) = serve(Duration::from_millis(20)).await;
    let client = server.client();
    let inputs: Vec<Shout> = (0..10).map(|i| shout(&format!("item {i}"))).collect();

    let results = client.batch(inputs).concurrency(3).poll_policy(quick()).await;

    let texts: Vec<String> = results.into_iter().map(|r| r.expect("every run succeeds").output.text).collect();
    assert_eq!(texts, (0..10).map(|i| format!("ITEM {i}")).collect::<Vec<_>>());
    assert_eq!(workflow.invocations(), 10);
}
