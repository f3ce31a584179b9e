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
async fn the_budget_reserves_the_runs_in_flight_and_never_overspends() {
    let (server, workflow) = serve(Duration::from_millis(30)).await;
    let client = server.client();
    let inputs: Vec<Shout> = ["a", "b", "c", "d", "e", "f"].into_iter().map(shout).collect();

    let results = client.batch(inputs).concurrency(2).budget(2.5).poll_policy(quick()).await;

    // The first run goes alone (1 credit); then one more fits (1 + 1 <= 2.5) but a third would
    // not (1 + 2 × 1 > 2.5), and once both have ended 2 are spent and another would pass 2.5.
    let texts: Vec<Option<&str>> =
        results.iter().map(|r| r.as_ref().ok().map(|run| run.output.text.as_str())).collect();
    assert_eq!(texts, [Some("A"), Some("B"), None, None, None, None]);
    for skipped in &results[2..] {
        match skipped {
            Err(error @ Error::BudgetExceeded { limit, spent, .. }) => {
                assert_eq!((*limit, *spent), (2.5, 2.0));
                assert_eq!(error.run_id(), None, "a skipped input has no run");
            }
            other => panic!("expected BudgetExceeded, got {other:?}"),
        }
    }
    assert_eq!(workflow.invocations(), 2, "nothing is submitted past the budget");
}

#[tokio::test]
async fn a_budget_of_six_runs_spends_six_runs_whatever_the_concurrency() {
    let (server, workflow) = serve(Duration::from_millis(20)).await;
    workflow.cost(0.5);
    let inputs: Vec<Shout> = (0..12).map(|i| shout(&i.to_string())).collect();

    let results = server.client().batch(inputs).concurrency(4).budget(3.0).poll_policy(quick()).await;

    let spent: f64 = results.iter().filter_map(|r| r.as_ref().ok()).map(|run| run.cost).sum();
    assert_eq!(spent, 3.0, "budget 3.0, runs of 0.5, 4 in flight: no overshoot");
    assert_eq!(workflow.invocations(), 6);
}

#[tokio::test]
async fn failed_runs_count_toward_the_budget() {
    let (server, workflow) = serve(Duration::ZERO).await;
    let inputs: Vec<Shout> = (0..5).map(|_| shout("fail")).collect();

    let results = server.client().batch(inputs).concurrency(1).budget(2.5).poll_policy(quick()).await;

    let reported = results[0].as_ref().err().map(|e| (e.failure_reason().is_some(), e.cost()));
    assert_eq!(reported, Some((true, Some(1.0))), "a failed run keeps the cost it reported");
    assert!(matches!(results[2], Err(Error::BudgetExceeded { spent: 2.0, .. })), "{:?}", results[2]);
    assert_eq!(workflow.invocations(), 2, "two failed runs spent 2 of the 2.5 credits");
}

#[tokio::test]
async fn runs_whose_output_does_not_decode_count_toward_the_budget() {
    let server = MockServer::start().await.expect("embedded server");
    let workflow = server.register_raw("wf_shout", |_| async { Ok(serde_json::json!({ "text": 7 })) });
    workflow.cost(1.0);
    let inputs: Vec<Shout> = (0..5).map(|i| shout(&i.to_string())).collect();

    let results = server.client().batch(inputs).concurrency(1).budget(2.5).poll_policy(quick()).await;

    assert!(matches!(results[0], Err(Error::OutputMismatch { .. })), "{:?}", results[0]);
    assert!(matches!(results[2], Err(Error::BudgetExceeded { spent: 2.0, .. })), "{:?}", results[2]);
    assert_eq!(workflow.invocations(), 2, "paid runs count even when their output is unusable");
}

#[tokio::test]
async fn results_stream_as_runs_finish_and_progress_counts_them() {
    let server = MockServer::start().await.expect("embedded server");
    server.register(|input: Shout| async move {
        let pause: u64 = input.text.parse().unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        Ok(Shouted { text: input.text })
    });
    let batch = server.client().batch(["300", "10", "150"].into_iter().map(shout)).concurrency(3);
    let progress = batch.progress();

    let mut results = batch.stream();
    let mut order = Vec::new();
    while let Some((position, result)) = results.next().await {
        assert!(result.is_ok(), "{result:?}");
        order.push(position);
    }

    assert_eq!(order, [1, 2, 0], "the quickest run comes first");
    let last = *progress.borrow();
    assert_eq!((last.inputs, last.submitted, last.succeeded, last.failed, last.running), (3, 3, 3, 0, 0));
}

#[tokio::test]
async fn inputs_are_taken_lazily_never_collected_first() {
    let (server, workflow) = serve(Duration::ZERO).await;
    let taken = Arc::new(AtomicUsize::new(0));
    let counter = taken.clone();
    // An endless iterator: only a batch that pulls inputs as runs start can serve it.
    let inputs = (0..).map(move |i: u64| {
        counter.fetch_add(1, Ordering::SeqCst);
        shout(&i.to_string())
    });
    let mut results = server.client().batch(inputs).concurrency(2).stream();
    for _ in 0..5 {
        assert!(results.next().await.is_some_and(|(_, result)| result.is_ok()));
    }
    drop(results);
    let taken = taken.load(Ordering::SeqCst);
    assert!((5..=9).contains(&taken), "took {taken} inputs for 5 results at concurrency 2");
    assert!(workflow.invocations() <= 9);
}

#[tokio::test]
async fn an_empty_batch_is_empty() {
    let (server, _) = serve(Duration::ZERO).await;
    let results = server.client().batch(Vec::<Shout>::new()).await;
    assert!(results.is_empty());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn inputs_can_arrive_as_a_stream() {
    let (server, workflow) = serve(Duration::ZERO).await;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Shout>(4);
    let inputs = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|input| (input, receiver))
    });
    let producer = tokio::spawn(async move {
        for text in ["a", "b", "c"] {
            sender.send(shout(text)).await.expect("the batch takes inputs");
        }
    });

    let results = server.client().batch_stream(inputs).concurrency(2).poll_policy(quick()).await;

    producer.await.expect("producer");
    let texts: Vec<String> = results.into_iter().map(|r| r.expect("every run succeeds").output.text).collect();
    assert_eq!(texts, ["A", "B", "C"]);
    assert_eq!(workflow.invocations(), 3);
}
