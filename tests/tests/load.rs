//! Load: 512 invocations in flight at once against the embedded server, each with its own
//! input, all completing with the right typed output. Prints the peak memory of the process.
//! `GPTBOTS_LOAD_IN_FLIGHT=2000` raises the number in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gptbots_runtime::mock::{MockServer, Rejection};
use gptbots_tests::{TodayNews, digest};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

const DEFAULT_IN_FLIGHT: usize = 512;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_and_twelve_invocations_in_flight_at_once_all_complete_with_their_outputs() {
    let in_flight: usize =
        std::env::var("GPTBOTS_LOAD_IN_FLIGHT").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_IN_FLIGHT);
    // Each invocation in flight holds a connection of the client's pool.
    let server = MockServer::builder().max_connections(in_flight.max(1024)).start().await.unwrap();
    // Every handler waits until all of them have started: the barrier opens only when
    // `in_flight` invocations are inside the server at the same moment.
    let all_started = Arc::new(Barrier::new(in_flight));
    let running = Arc::new(AtomicUsize::new(0));
    let peak_running = Arc::new(AtomicUsize::new(0));
    let news = {
        let (all_started, running, peak_running) = (all_started.clone(), running.clone(), peak_running.clone());
        server.register(move |input: TodayNews| {
            let (all_started, running, peak_running) = (all_started.clone(), running.clone(), peak_running.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak_running.fetch_max(now, Ordering::SeqCst);
                let waited = tokio::time::timeout(Duration::from_secs(120), all_started.wait()).await;
                running.fetch_sub(1, Ordering::SeqCst);
                match waited {
                    Ok(_) => Ok(digest(&input.topic, input.max_items.unwrap_or(0))),
                    Err(_) => Err(Rejection::failed("not every invocation reached the server")),
                }
            }
        })
    };
    news.cost(0.01).tokens(10);
    let client = server.client();
    let rss_before = memory_kib("VmRSS");

    let mut calls = JoinSet::new();
    for i in 0..in_flight {
        let client = client.clone();
        calls.spawn(async move {
            let input = TodayNews::about(&format!("topic-{i}"), (i % 4) as u32 + 1);
            (i, input.invoke(&client).await)
        });
    }
    let mut completed = 0;
    while let Some(joined) = calls.join_next().await {
        let (i, outcome) = joined.expect("no invocation task panics");
        let run = outcome.unwrap_or_else(|e| panic!("invocation {i} failed: {e}"));
        assert_eq!(run.output, digest(&format!("topic-{i}"), (i % 4) as u32 + 1), "invocation {i}");
        assert_eq!(run.tokens, 10);
        completed += 1;
    }

    assert_eq!(completed, in_flight);
    assert_eq!(peak_running.load(Ordering::SeqCst), in_flight, "all invocations were in flight at once");
    assert_eq!(news.invocations(), in_flight, "each invocation was sent once");
    assert_eq!(news.runs().len(), in_flight);
    println!(
        "load: {in_flight} invocations in flight at once, {completed} completed with their typed outputs; \
         memory: VmRSS before {} KiB, peak VmHWM {} KiB",
        rss_before.map_or("?".into(), |k| k.to_string()),
        memory_kib("VmHWM").map_or("?".into(), |k| k.to_string()),
    );
}

/// A memory figure of this process from /proc/self/status (Linux), in KiB.
fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(&format!("{field}:")))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// 60 async submits of just under 8 MiB each, sent at once, for runs that never end: what the
/// server keeps is bounded by its limits (64 MiB of bodies in flight), not by what is sent.
/// Moves 480 MiB through loopback, so it runs only when asked:
/// `cargo test -p gptbots-tests --test load -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "moves 480 MiB through loopback; run with --ignored to measure peak memory"]
async fn sixty_async_submits_of_8_mib_at_once_keep_memory_bounded() {
    const MIB: usize = 1024 * 1024;
    let server = MockServer::start().await.unwrap();
    let never = server.register_raw("wf_never", |_input| std::future::pending());
    let body =
        serde_json::to_vec(&serde_json::json!({ "input": { "text": "x".repeat(8 * MIB - 100) }, "isAsync": true }))
            .unwrap();
    // One buffer shared by every request, so the client's side stays at 8 MiB.
    let body = axum::body::Bytes::from(body);
    let http = reqwest::Client::new();
    let rss_before = memory_kib("VmRSS");

    let mut submits = JoinSet::new();
    for _ in 0..60 {
        let request = http
            .post(format!("{}/v1/workflow/invoke", server.url()))
            .bearer_auth(never.key())
            .header("content-type", "application/json")
            .body(body.clone());
        submits.spawn(async move { request.send().await.map(|answer| answer.status().as_u16()) });
    }
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    while let Some(joined) = submits.join_next().await {
        let status = match joined.expect("no submit task panics") {
            Ok(status) => status.to_string(),
            Err(_) => "connection error".to_owned(),
        };
        *statuses.entry(status).or_default() += 1;
    }

    let accepted = statuses.get("200").copied().unwrap_or(0);
    assert_eq!(statuses.values().sum::<usize>(), 60);
    assert_eq!(never.runs().len(), accepted, "a refused submit starts no run");
    assert!(accepted <= 8, "64 MiB of bodies in flight hold at most 8 runs of 8 MiB: {statuses:?}");
    println!(
        "load: 60 async submits of 8 MiB at once: {statuses:?}; memory: VmRSS before {} KiB, peak VmHWM {} KiB",
        rss_before.map_or("?".into(), |k| k.to_string()),
        memory_kib("VmHWM").map_or("?".into(), |k| k.to_string()),
    );
}
