//! Batches of async runs against a scripted server: input order, bounded concurrency, budget.

mod async_support;

use std::time::Duration;

use async_support::{Echo, Scripted};
use gptbots_runtime::Error;
use gptbots_runtime::async_run::PollPolicy;

fn quick() -> PollPolicy {
    PollPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)).deadline(Duration::from_secs(20))
}

#[tokio::test]
async fn results_come_back_in_input_order_with_bounded_concurrency() {
    let server = Scripted::start().await;
    let client = server.client();
    // Early inputs take the most queries, so they finish last.
    let inputs: Vec<Echo> = (0..9).map(|i| Echo::new(&format!("item {i}"), 9 - i)).collect();

    let results = client.batch(inputs.clone()).concurrency(3).poll_policy(quick()).await;

    let texts: Vec<String> = results.into_iter().map(|r| r.expect("every run succeeds").output.text).collect();
    let expected: Vec<String> = inputs.iter().map(|i| i.text.to_uppercase()).collect();
    assert_eq!(texts, expected);
    let (invokes, max_in_flight) = server.seen(|s| (s.invokes.len(), s.max_in_flight));
    assert_eq!(invokes, 9, "each input is submitted once");
    assert!(max_in_flight <= 3, "at most 3 runs in flight, saw {max_in_flight}");
    assert!(max_in_flight >= 2, "runs overlap, saw {max_in_flight}");
}

#[tokio::test]
async fn a_failed_run_stays_in_its_slot_and_the_rest_go_on() {
    let server = Scripted::start().await;
    let client = server.client();
    let inputs = vec![Echo::new("a", 1), Echo { fail: true, ..Echo::new("b", 1) }, Echo::new("c", 1)];

    let results = client.batch(inputs).poll_policy(quick()).await;

    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().expect("first succeeds").output.text, "A");
    assert!(matches!(results[1], Err(Error::RunFailed { .. })), "{:?}", results[1]);
    assert_eq!(results[2].as_ref().expect("third succeeds").output.text, "C");
}

#[tokio::test]
async fn the_budget_stops_submitting_once_the_reported_cost_reaches_it() {
    let server = Scripted::start().await;
    let client = server.client();
    let inputs: Vec<Echo> = (0..6).map(|i| Echo { cost: 1.0, ..Echo::new(&format!("paid {i}"), 1) }).collect();

    let results = client.batch(inputs).concurrency(1).budget(2.5).poll_policy(quick()).await;

    assert_eq!(results.len(), 6);
    for run in &results[..3] {
        assert!(run.is_ok(), "{run:?}");
    }
    for skipped in &results[3..] {
        match skipped {
            Err(error @ Error::BudgetExceeded { limit, spent }) => {
                assert_eq!((*limit, *spent), (2.5, 3.0));
                assert_eq!(error.run_id(), None, "a skipped input has no run");
            }
            other => panic!("expected BudgetExceeded, got {other:?}"),
        }
    }
    assert_eq!(server.seen(|s| s.invokes.len()), 3, "nothing is submitted past the budget");
}

#[tokio::test]
async fn an_empty_batch_is_empty() {
    let server = Scripted::start().await;
    let results = server.client().batch(Vec::<Echo>::new()).await;
    assert!(results.is_empty());
    assert_eq!(server.seen(|s| s.invokes.len()), 0);
}
