//! `gptbots_runtime::blocking` against the embedded server: the async client's results and
//! errors from a thread without a runtime, async runs, and the refusal to block async code.

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use gptbots_runtime::async_run::PollPolicy;
use gptbots_runtime::mock::{MockServer, Rejection};
use gptbots_runtime::{Error, Status, blocking};
use gptbots_tests::{TodayNews, Translate, digest, news_server};

/// The embedded server on a runtime of its own: the test thread itself has none, like a
/// program that only uses the blocking client.
fn server_on_its_own_runtime() -> (tokio::runtime::Runtime, MockServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (server, news) = runtime.block_on(news_server());
    news.latency(Duration::from_millis(30));
    (runtime, server)
}

#[test]
fn an_invoke_blocks_until_the_typed_run_is_back() {
    let (_runtime, server) = server_on_its_own_runtime();
    let client = blocking::Client::new(server.client()).unwrap();
    assert!(tokio::runtime::Handle::try_current().is_err(), "the test thread has no runtime");

    let run = client.invoke(&TodayNews::about("Rust", 2)).unwrap();

    assert_eq!(run.output, digest("Rust", 2));
    assert_eq!(run.status, Status::Succeed);
    assert_eq!((run.cost, run.tokens), (0.6928, 1745));
    assert_eq!(server.runs()[0].run_id, run.run_id);
    let again = client.invoke_as(&TodayNews::about("Tokio", 1), "customer-7").unwrap();
    assert_eq!(again.output, digest("Tokio", 1));
    assert_eq!(server.requests()[1].json().expect("a JSON body")["userId"], "customer-7");
}

#[test]
fn failures_are_the_async_clients_typed_errors() {
    let (runtime, server) = server_on_its_own_runtime();
    let _translate = runtime.block_on(async {
        server.register_raw("wf_translate", |_| async { Err(Rejection::failed("the model refused")) })
    });
    let client = blocking::Client::new(server.client()).unwrap();

    let error = client.invoke(&Translate { text: "hello".into(), target: "de".into() }).unwrap_err();

    match error {
        Error::RunFailed { run_id, .. } => assert_eq!(server.runs()[0].run_id, run_id),
        other => panic!("expected RunFailed, got {other:?}"),
    }
}

#[test]
fn a_submitted_run_is_waited_for_and_resumed_by_id() {
    let (_runtime, server) = server_on_its_own_runtime();
    let client = blocking::Client::new(server.client()).unwrap();

    let handle = client.submit(&TodayNews::about("Rust", 3)).unwrap();
    let run_id = handle.run_id().to_owned();
    let policy = PollPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20));
    let run = handle.with_poll_policy(policy).wait().unwrap();
    let resumed = client.resume::<TodayNews>(run_id.clone()).with_poll_policy(policy).wait().unwrap();

    assert_eq!((run.run_id.as_str(), run.output), (run_id.as_str(), digest("Rust", 3)));
    assert_eq!(resumed.output, digest("Rust", 3));
    assert_eq!(server.runs().len(), 1, "waiting and resuming never submit again");
}

#[test]
fn a_batch_returns_every_result_in_input_order() {
    let (_runtime, server) = server_on_its_own_runtime();
    let client = blocking::Client::new(server.client()).unwrap();

    let results = client.batch((1..=3).map(|n| TodayNews::about("Rust", n)));

    let outputs: Vec<_> = results.into_iter().map(|r| r.unwrap().output).collect();
    assert_eq!(outputs, (1..=3).map(|n| digest("Rust", n)).collect::<Vec<_>>());
}

#[test]
fn clones_share_the_background_thread_which_outlives_the_first_one_dropped() {
    let (_runtime, server) = server_on_its_own_runtime();
    let client = blocking::Client::new(server.client()).unwrap();
    let clone = client.clone();
    drop(client);

    assert_eq!(clone.invoke(&TodayNews::about("Rust", 1)).unwrap().output, digest("Rust", 1));
}

#[tokio::test]
async fn called_from_async_code_it_panics_before_sending_anything() {
    let (server, _news) = news_server().await;
    let client = blocking::Client::new(server.client()).unwrap();

    let panic = panic::catch_unwind(AssertUnwindSafe(|| client.invoke(&TodayNews::about("Rust", 1))))
        .expect_err("a blocking call from async code panics");

    let message = panic.downcast_ref::<String>().map(String::as_str).unwrap_or_default();
    assert!(message.contains("gptbots_runtime::blocking::Client was called from async code"), "{message}");
    assert!(message.contains("use gptbots_runtime::Client and `.await`"), "{message}");
    assert!(server.requests().is_empty(), "nothing was sent: {:?}", server.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn from_spawn_blocking_it_works() {
    let (server, _news) = news_server().await;
    let client = blocking::Client::new(server.client()).unwrap();

    let run = tokio::task::spawn_blocking(move || client.invoke(&TodayNews::about("Rust", 2))).await.unwrap();

    assert_eq!(run.unwrap().output, digest("Rust", 2));
}

#[test]
fn the_blocking_example_runs_today_news_in_the_embedded_server_without_a_key() {
    if std::env::var("GPTBOTS_API_KEY").is_ok_and(|key| !key.trim().is_empty()) {
        eprintln!("GPTBOTS_API_KEY is set: the example would call the real endpoint, not checked here");
        return;
    }
    let (client, server) = gptbots_examples::demo_blocking_client(Duration::from_millis(1)).unwrap();
    let server = server.expect("without a key the example runs the embedded server");
    assert_eq!(client.base_url(), server.url());

    let run =
        client.invoke(&gptbots_examples::TodayNews { topic: "Tokio".into(), max_items: Some(2), languages: None });

    let titles: Vec<_> = run.unwrap().output.news.into_iter().map(|news| news.title).collect();
    assert_eq!(titles, ["Tokio: story 1 of the day", "Tokio: story 2 of the day"]);
}
