//! Batches of async runs against the embedded server: input order, bounded concurrency,
//! failures in their slots, the budget stop.

mod async_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_support::{Shout, Shouted, quick, serve, shout};
use gptbots_runtime::Error;
use gptbots_runtime::mock::MockServer;

#[tokio::test]
async fn results_come_back_in_input_order() {
    let (server, workflow) = serve(Duration::from_millis(20)).await;
    let client = server.client();
    let inputs: Vec<Shout> = (0..10).map(|i| shout(&format!("item {i}"))).collect();

    let results = client.batch(inputs).concurrency(3).poll_policy(quick()).await;

    let texts: Vec<String> = results.into_iter().map(|r| r.expect("every run succeeds").output.text).collect();
    assert_eq!(texts, (0..10).map(|i| format!("ITEM {i}")).collect::<Vec<_>>());
    assert_eq!(workflow.invocations(), 10, "each input is submitted once");
}

#[tokio::test]
async fn no_more_runs_than_the_concurrency_are_in_flight() {
    let server = MockServer::start().await.expect("embedded server");
    let active = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (active_in, most_in) = (active.clone(), most.clone());
    // Later inputs finish first, so slots free up out of order.
    server
        .register(move |input: Shout| {
            let (active, most) = (active_in.clone(), most_in.clone());
            async move {
                let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let pause: u64 = input.text.parse().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(pause)).await;
                active.fetch_sub(1, Ordering::SeqCst);
                Ok(Shouted { text: input.text })
            }
        })
        .latency(Duration::from_millis(10));
    let client = server.client();
    let inputs: Vec<Shout> = (0..8).map(|i| shout(&(100 - 10 * i).to_string())).collect();

    let results = client.batch(inputs).concurrency(3).poll_policy(quick()).await;

    let texts: Vec<String> = results.into_iter().map(|r| r.expect("every run succeeds").output.text).collect();
    assert_eq!(texts, (0..8).map(|i| (100 - 10 * i).to_string()).collect::<Vec<_>>());
    let most = most.load(Ordering::SeqCst);
    assert!(most <= 3, "at most 3 runs in flight, saw {most}");
    assert!(most >= 2, "runs overlap, saw {most}");
}

#[tokio::test]
async fn a_failed_run_stays_in_its_slot_and_the_rest_go_on() {
    let (server, _) = serve(Duration::from_millis(20)).await;
    let client = server.client();

    let results = client.batch([shout("a"), shout("fail"), shout("c")]).poll_policy(quick()).await;

    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().expect("first succeeds").output.text, "A");
    assert!(matches!(results[1], Err(Error::RunFailed { .. })), "{:?}", results[1]);
    assert_eq!(results[2].as_ref().expect("third succeeds").output.text, "C");
}

#[tokio::test]
async fn the_budget_stops_submitting_once_the_reported_cost_reaches_it() {
    let (server, workflow) = serve(Duration::from_millis(30)).await;
    let client = server.client();
    let inputs: Vec<Shout> = ["a", "b", "c", "d", "e", "f"].into_iter().map(shout).collect();

    let results = client.batch(inputs).concurrency(2).budget(2.5).poll_policy(quick()).await;

    // Two runs in flight at 1 credit each; after each finished run another is submitted while
    // less than 2.5 credits were reported: a and b, then c (1 spent) and d (2 spent), then none.
    let texts: Vec<Option<&str>> =
        results.iter().map(|r| r.as_ref().ok().map(|run| run.output.text.as_str())).collect();
    assert_eq!(texts, [Some("A"), Some("B"), Some("C"), Some("D"), None, None]);
    for skipped in &results[4..] {
        match skipped {
            Err(error @ Error::BudgetExceeded { limit, spent, .. }) => {
                assert_eq!(*limit, 2.5);
                assert!(*spent >= 3.0, "{spent}");
                assert_eq!(error.run_id(), None, "a skipped input has no run");
            }
            other => panic!("expected BudgetExceeded, got {other:?}"),
        }
    }
    assert_eq!(workflow.invocations(), 4, "nothing is submitted past the budget");
}

#[tokio::test]
async fn an_empty_batch_is_empty() {
    let (server, _) = serve(Duration::ZERO).await;
    let results = server.client().batch(Vec::<Shout>::new()).await;
    assert!(results.is_empty());
    assert!(server.requests().is_empty());
}
