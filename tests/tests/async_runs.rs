//! Async runs against the embedded server: lifecycle, single polls, resume, deadline, polling
//! under injected faults, cancellation.

mod async_support;

use std::time::Duration;

use async_support::{Shout, Shouted, queries, quick, serve, shout};
use gptbots_runtime::async_run::RunState;
use gptbots_runtime::mock::{Endpoint, Fault};
use gptbots_runtime::{Error, RetryPolicy, Status};

#[tokio::test]
async fn an_async_run_goes_pending_running_then_succeeds_and_is_submitted_once() {
    let (server, workflow) = serve(Duration::from_millis(300)).await;
    let client = server.client();

    let handle = client.submit(&shout("hello")).poll_policy(quick()).await.expect("submit");
    let run = handle.wait().await.expect("wait");

    assert_eq!(run.run_id, handle.run_id());
    assert_eq!(handle.workflow_id(), "wf_shout");
    assert_eq!(run.output, Shouted { text: "HELLO".into() });
    assert_eq!(run.status, Status::Succeed);
    assert_eq!((run.cost, run.tokens), (1.0, 10));
    assert_eq!(run.input_as::<serde_json::Value>().unwrap()["text"], "hello");
    assert_eq!(workflow.invocations(), 1, "the run is submitted once");
    let invoke = &workflow.requests()[0];
    let body = &invoke.json().expect("a JSON body");
    assert_eq!(body["isAsync"], true);
    assert!(body.get("webhook").is_none(), "no webhook field without webhooks");
    assert!(server.run(handle.run_id()).expect("the server knows the run").is_async);
    assert!(queries(&server) >= 2, "the run was still going at the first query");
}

#[tokio::test]
async fn single_polls_see_pending_then_running_then_the_finished_run() {
    let (server, _) = serve(Duration::from_millis(400)).await;
    let client = server.client();
    let handle = client.submit(&shout("step by step")).await.expect("submit");

    let mut seen = Vec::new();
    let run = loop {
        match handle.poll().await.expect("poll") {
            RunState::Finished(run) => break run,
            RunState::InProgress(status) => {
                if seen.last() != Some(&status) {
                    seen.push(status);
                }
            }
        }
        assert!(seen.len() <= 2, "only PENDING then RUNNING come before the end: {seen:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    assert_eq!(seen.first(), Some(&Status::Pending), "a fresh async run is queued");
    assert!(seen[1..].iter().all(|s| *s == Status::Running), "{seen:?}");
    assert_eq!(run.output.text, "STEP BY STEP");
}

#[tokio::test]
async fn a_failed_async_run_is_the_same_typed_error_as_a_synchronous_invoke() {
    let (server, _) = serve(Duration::from_millis(50)).await;
    let client = server.client();
    let handle = client.submit(&shout("fail")).poll_policy(quick()).await.expect("submit");

    let error = handle.wait().await.expect_err("the run fails");

    match &error {
        Error::RunFailed { run_id, workflow_id, reason, .. } => {
            assert_eq!(run_id, handle.run_id());
            assert_eq!(workflow_id, "wf_shout");
            assert!(reason.as_deref().is_some_and(|r| r.contains("asked to fail")), "{reason:?}");
        }
        other => panic!("expected RunFailed, got {other:?}"),
    }
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

    let Error::Deadline { run_id, workflow_id, after, last_status, last_error, .. } = &error else {
        panic!("expected a deadline error, got {error:?}")
    };
    assert_eq!(run_id, handle.run_id());
    assert_eq!(workflow_id, "wf_shout");
    assert_eq!(*after, Duration::from_millis(100));
    assert!(matches!(last_status, Some(Status::Pending | Status::Running)), "{last_status:?}");
    assert!(last_error.is_none());
    assert_eq!(error.run_id(), Some(handle.run_id()));
    assert!(error.to_string().contains(handle.run_id()), "{error}");

    let resumed = client.resume::<Shout>(run_id.clone()).with_poll_policy(quick());
    assert_eq!(resumed.wait().await.expect("resumed").output.text, "PATIENCE");
    assert_eq!(workflow.invocations(), 1, "neither the deadline nor the resume submits again");
}

#[tokio::test]
async fn a_run_id_stored_before_a_crash_is_enough_to_fetch_the_result() {
    let (server, workflow) = serve(Duration::from_millis(200)).await;
    let stored = {
        let client = server.client();
        let handle = client.submit(&shout("durable")).await.expect("submit");
        handle.run_id().to_owned()
        // The handle and its client are dropped here, as in a crash after the submit.
    };

    let fresh_client = server.client();
    // Limits too long to represent mean "no limit" rather than a panic.
    let unbounded = quick().deadline(Duration::MAX).backoff(Duration::from_millis(10), Duration::MAX);
    let run = fresh_client.resume::<Shout>(stored.as_str()).with_poll_policy(unbounded).wait().await.expect("resume");

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
    let faults = [
        Fault::ResetBeforeResponse,
        Fault::Status(503),
        Fault::TooManyRequests { retry_after: Some(0) },
        Fault::HtmlErrorPage(502),
        Fault::CloseBeforeResponse,
        Fault::SlowHeaders(Duration::from_secs(3)),
        Fault::Status(500),
        Fault::ResetMidBody,
    ];
    for fault in faults.clone() {
        workflow.inject_on(Endpoint::QueryResult, fault);
    }

    let run = handle.wait().await.expect("wait through the faults");

    assert_eq!(run.output.text, "STORM");
    assert_eq!(workflow.invocations(), 1, "faults while polling never resubmit");
    assert_eq!(server.pending_faults(), 0, "every fault was met");
    assert!(queries(&server) > faults.len());
}

#[tokio::test]
async fn a_deadline_reached_during_faults_reports_the_last_fault() {
    let (server, workflow) = serve(Duration::ZERO).await;
    let client = server.client_builder().retry(RetryPolicy::never()).build().expect("client");
    let handle =
        client.submit(&shout("down")).poll_policy(quick().deadline(Duration::from_millis(150))).await.expect("submit");
    for _ in 0..500 {
        workflow.inject_on(Endpoint::QueryResult, Fault::Status(503));
    }

    let error = handle.wait().await.expect_err("every query fails");

    let Error::Deadline { last_error: Some(last_error), .. } = &error else {
        panic!("expected a deadline error with the last fault, got {error:?}");
    };
    assert_eq!(last_error.http_status(), Some(503));
    assert_eq!(last_error.run_id(), Some(handle.run_id()));
    assert!(error.to_string().contains("503"), "{error}");
}

#[tokio::test]
async fn a_single_poll_that_stalls_times_out_with_the_run_id() {
    let (server, workflow) = serve(Duration::ZERO).await;
    let client = server.client_builder().retry(RetryPolicy::never()).build().expect("client");
    let handle = client
        .submit(&shout("stalled"))
        .poll_policy(quick().poll_timeout(Duration::from_millis(100)))
        .await
        .expect("submit");
    workflow.inject_on(Endpoint::QueryResult, Fault::SlowHeaders(Duration::from_secs(3)));

    let error = handle.poll().await.expect_err("the poll times out");

    assert!(matches!(error, Error::Timeout { after, .. } if after == Duration::from_millis(100)), "{error:?}");
    assert_eq!(error.run_id(), Some(handle.run_id()));
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_permanent_query_error_ends_the_wait_at_once_with_the_run_id() {
    let (server, _) = serve(Duration::ZERO).await;
    let client = server.client();

    let error = client.resume::<Shout>("run_unknown").with_poll_policy(quick()).wait().await.expect_err("no such run");

    assert_eq!(error.http_status(), Some(404));
    assert_eq!(error.api_code(), Some(40348));
    assert_eq!(error.run_id(), Some("run_unknown"));
    assert_eq!(queries(&server), 1, "a permanent error is not retried");
}

#[tokio::test]
async fn dropping_the_wait_stops_polling_and_leaves_the_run_alone() {
    let (server, workflow) = serve(Duration::from_secs(60)).await;
    let client = server.client();
    let handle = client.submit(&shout("abandoned")).poll_policy(quick()).await.expect("submit");

    // Drop the wait once it has queried at least once, however slow the machine is.
    let mut wait = Box::pin(handle.wait());
    loop {
        tokio::select! {
            outcome = &mut wait => panic!("the run is still going, yet the wait ended: {outcome:?}"),
            _ = tokio::time::sleep(Duration::from_millis(10)) => {
                if queries(&server) > 0 {
                    break;
                }
            }
        }
    }
    drop(wait);

    // A query already on the wire may still land; after that, nothing more is sent through
    // several backoff periods (at most 50 ms each).
    tokio::time::sleep(Duration::from_millis(100)).await;
    let queries_after_drop = queries(&server);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(queries(&server), queries_after_drop);
    assert_eq!(workflow.invocations(), 1);
    let run = server.run(handle.run_id()).expect("the run exists");
    assert!(!run.status.is_terminal(), "the run goes on: {:?}", run.status);
}

#[tokio::test]
async fn a_submit_without_the_workflow_key_sends_nothing() {
    let (server, _) = serve(Duration::ZERO).await;
    let client = gptbots_runtime::Client::builder().base_url(server.url()).build().expect("client");

    let error = client.submit(&shout("no key")).await.expect_err("no key configured");

    assert!(matches!(error, Error::MissingKey { .. }), "{error:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn does_not_exist_right_after_a_submit_is_taken_as_not_visible_yet() {
    let (server, workflow) = serve(Duration::ZERO).await;
    let client = server.client();
    let handle = client.submit(&shout("a")).await.expect("submit");
    let not_yet = || Fault::ApiErrorInOk { code: 40348, message: "target does not exist".into() };
    workflow.inject_on(Endpoint::QueryResult, not_yet()).inject_on(Endpoint::QueryResult, not_yet());

    let run = handle.wait().await.expect("the run becomes visible and finishes");
    assert_eq!(run.output.text, "A");

    let handle = client.submit(&shout("b")).await.expect("submit");
    workflow.inject_on(Endpoint::QueryResult, not_yet());
    let impatient = handle.with_poll_policy(quick().not_found_grace(Duration::ZERO));
    let error = impatient.wait().await.expect_err("no grace: the answer stands");
    assert_eq!((error.api_code(), error.run_id()), (Some(40348), Some(impatient.run_id())));
}
