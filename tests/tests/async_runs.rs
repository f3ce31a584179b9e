//! Async runs against a scripted server: lifecycle, single polls, resume, deadline, faults,
//! cancellation.

mod async_support;

use std::time::Duration;

use async_support::{Echo, Echoed, Fault, Scripted};
use gptbots_runtime::async_run::{PollPolicy, RunState};
use gptbots_runtime::{Error, Status};

/// Fast polling so the tests spend little time asleep.
fn quick() -> PollPolicy {
    PollPolicy::default()
        .backoff(Duration::from_millis(5), Duration::from_millis(20))
        .poll_timeout(Duration::from_secs(5))
        .deadline(Duration::from_secs(20))
}

#[tokio::test]
async fn submit_then_wait_returns_the_typed_run_after_pending_and_running() {
    let server = Scripted::start().await;
    let client = server.client();

    let handle = client.submit(&Echo::new("hello", 3)).poll_policy(quick()).await.expect("submit");
    assert_eq!(handle.run_id(), "run_1");
    assert_eq!(handle.workflow_id(), "wf_echo");
    let run = handle.wait().await.expect("wait");

    assert_eq!(run.run_id, "run_1");
    assert_eq!(run.status, Status::Succeed);
    assert_eq!(run.output, Echoed { text: "HELLO".into() });
    assert_eq!(run.cost, 0.5);
    assert_eq!(run.tokens, 42);
    assert_eq!(run.workflow_version.as_deref(), Some("3"));
    assert_eq!(run.input["text"], "hello");
    let (invokes, queries) = server.seen(|s| (s.invokes.clone(), s.queries));
    assert_eq!(invokes.len(), 1, "the run is submitted once");
    assert_eq!(invokes[0]["isAsync"], true);
    assert_eq!(invokes[0]["input"]["text"], "hello");
    assert!(invokes[0].get("webhook").is_none(), "no webhook field without webhooks");
    assert_eq!(queries, 4, "three in-progress answers, then the finished run");
}

#[tokio::test]
async fn poll_reports_progress_then_the_finished_run() {
    let server = Scripted::start().await;
    let client = server.client();
    let handle = client.submit(&Echo::new("one by one", 2)).await.expect("submit");

    assert_eq!(handle.poll().await.expect("first poll"), RunState::InProgress(Status::Pending));
    assert_eq!(handle.poll().await.expect("second poll"), RunState::InProgress(Status::Running));
    match handle.poll().await.expect("third poll") {
        RunState::Finished(run) => assert_eq!(run.output.text, "ONE BY ONE"),
        other => panic!("expected the finished run, got {other:?}"),
    }
}

#[tokio::test]
async fn resume_from_a_stored_run_id_fetches_the_result_without_submitting_again() {
    let server = Scripted::start().await;
    let stored_id = {
        let client = server.client();
        let handle = client.submit(&Echo::new("survive a crash", 2)).await.expect("submit");
        handle.run_id().to_owned()
        // The handle and its client are dropped here, as in a crash after the submit.
    };

    let client = server.client();
    let run = client.resume::<Echo>(stored_id.clone()).with_poll_policy(quick()).wait().await.expect("resumed wait");

    assert_eq!(run.run_id, stored_id);
    assert_eq!(run.output.text, "SURVIVE A CRASH");
    assert_eq!(server.seen(|s| s.invokes.len()), 1);
}

#[tokio::test]
async fn deadline_expiry_is_an_error_carrying_the_run_id_and_never_resubmits() {
    let server = Scripted::start().await;
    let client = server.client();
    let policy = quick().deadline(Duration::from_millis(150));
    let handle = client.submit(&Echo::new("slow", u32::MAX)).poll_policy(policy).await.expect("submit");

    let error = handle.wait().await.expect_err("the run never finishes");

    match &error {
        Error::Deadline { run_id, workflow_id, after, last_status, last_error } => {
            assert_eq!(run_id, handle.run_id());
            assert_eq!(workflow_id, "wf_echo");
            assert_eq!(*after, Duration::from_millis(150));
            assert_eq!(last_status.as_ref(), Some(&Status::Running));
            assert!(last_error.is_none());
        }
        other => panic!("expected a deadline error, got {other:?}"),
    }
    assert_eq!(error.run_id(), Some(handle.run_id()));
    assert!(error.to_string().contains(handle.run_id()), "{error}");
    assert_eq!(server.seen(|s| s.invokes.len()), 1, "waiting never submits again");
}

#[tokio::test]
async fn transient_query_faults_are_retried_within_the_deadline() {
    let server = Scripted::start().await;
    let client = server.client();
    let policy = quick().poll_timeout(Duration::from_millis(100));
    let handle = client.submit(&Echo::new("bumpy", 1)).poll_policy(policy).await.expect("submit");
    server.fault(Fault::Status(503));
    server.fault(Fault::RateLimited);
    server.fault(Fault::Status(502));
    server.fault(Fault::Stall(Duration::from_secs(2)));
    server.fault(Fault::Status(500));

    let run = handle.wait().await.expect("wait through the faults");

    assert_eq!(run.output.text, "BUMPY");
    let (invokes, queries) = server.seen(|s| (s.invokes.len(), s.queries));
    assert_eq!(invokes, 1, "faults while polling never resubmit the run");
    assert_eq!(queries, 7, "five faults, one RUNNING answer, then the run");
}

#[tokio::test]
async fn a_deadline_reached_during_faults_reports_the_last_fault() {
    let server = Scripted::start().await;
    let client = server.client();
    let handle = client
        .submit(&Echo::new("down", 0))
        .poll_policy(quick().deadline(Duration::from_millis(100)))
        .await
        .expect("submit");
    for _ in 0..1000 {
        server.fault(Fault::Status(503));
    }

    let error = handle.wait().await.expect_err("every query fails");

    let Error::Deadline { last_error: Some(last_error), .. } = &error else {
        panic!("expected a deadline error with the last fault, got {error:?}");
    };
    assert_eq!(last_error.http_status(), Some(503));
    assert_eq!(last_error.run_id(), Some(handle.run_id()));
}

#[tokio::test]
async fn a_query_that_times_out_is_a_timeout_error_with_the_run_id() {
    let server = Scripted::start().await;
    let client = server.client();
    let handle = client
        .submit(&Echo::new("stalled", 0))
        .poll_policy(quick().poll_timeout(Duration::from_millis(50)))
        .await
        .expect("submit");
    server.fault(Fault::Stall(Duration::from_secs(2)));

    let error = handle.poll().await.expect_err("the single poll times out");

    assert!(matches!(error, Error::Timeout { after, .. } if after == Duration::from_millis(50)), "{error:?}");
    assert_eq!(error.run_id(), Some(handle.run_id()));
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_failed_run_is_the_same_typed_error_as_a_synchronous_invoke() {
    let server = Scripted::start().await;
    let client = server.client();
    let handle =
        client.submit(&Echo { fail: true, ..Echo::new("doomed", 1) }).poll_policy(quick()).await.expect("submit");

    let error = handle.wait().await.expect_err("the run fails");

    match &error {
        Error::RunFailed { run_id, workflow_id, excerpt } => {
            assert_eq!(run_id, handle.run_id());
            assert_eq!(workflow_id, "wf_echo");
            assert!(excerpt.contains("the LLM node timed out"), "{excerpt}");
        }
        other => panic!("expected RunFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_permanent_query_error_ends_the_wait_at_once_with_the_run_id() {
    let server = Scripted::start().await;
    let client = server.client();

    let error = client.resume::<Echo>("run_unknown").with_poll_policy(quick()).wait().await.expect_err("unknown run");

    assert_eq!(error.http_status(), Some(404));
    assert_eq!(error.api_code(), Some(40348));
    assert_eq!(error.run_id(), Some("run_unknown"));
    assert_eq!(server.seen(|s| s.queries), 1, "a permanent error is not retried");
}

#[tokio::test]
async fn dropping_the_wait_stops_polling() {
    let server = Scripted::start().await;
    let client = server.client();
    let handle = client.submit(&Echo::new("abandoned", u32::MAX)).poll_policy(quick()).await.expect("submit");

    let outcome = tokio::time::timeout(Duration::from_millis(100), handle.wait()).await;
    assert!(outcome.is_err(), "the run never finishes, so the wait is still going when dropped");

    let queries_at_drop = server.seen(|s| s.queries);
    assert!(queries_at_drop > 0);
    // Several backoff periods (at most 20 ms each) later, nothing more has been sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.seen(|s| s.queries), queries_at_drop);
    assert_eq!(server.seen(|s| s.invokes.len()), 1);
}

#[tokio::test]
async fn a_submit_without_the_workflow_key_sends_nothing() {
    let server = Scripted::start().await;
    let client = gptbots_runtime::Client::builder().base_url(&server.base_url).build().expect("client");

    let error = client.submit(&Echo::new("no key", 0)).await.expect_err("no key configured");

    assert!(matches!(error, Error::MissingKey { .. }), "{error:?}");
    assert_eq!(server.seen(|s| s.invokes.len()), 0);
}
