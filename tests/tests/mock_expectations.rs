//! Expectations on the embedded server ("this workflow must be invoked exactly twice"),
//! checked when the server is dropped, as wiremock's `expect(n)`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use gptbots_runtime::RetryPolicy;
use gptbots_runtime::mock::{Endpoint, Fault, MockServer};
use gptbots_tests::{TodayNews, news_server};

/// The message of a caught panic.
fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload.downcast::<&str>().map(|text| (*text).to_owned()).unwrap_or_default(),
    }
}

fn drop_and_catch(server: MockServer) -> Option<String> {
    catch_unwind(AssertUnwindSafe(move || drop(server))).err().map(message)
}

#[tokio::test]
async fn a_met_expectation_passes_silently() {
    let (server, news) = news_server().await;
    news.expect(2).expect_on(Endpoint::QueryResult, 0);
    let client = server.client();
    TodayNews::about("Rust", 1).invoke(&client).await.unwrap();
    TodayNews::about("Go", 1).invoke(&client).await.unwrap();

    assert_eq!(server.verify(), Ok(()));
    assert_eq!(drop_and_catch(server), None);
}

#[tokio::test]
async fn an_unmet_expectation_fails_when_the_server_is_dropped_listing_what_was_received() {
    let (server, news) = news_server().await;
    news.expect(2);
    news.inject(Fault::Status(502));
    let client = server.client_builder().retry(RetryPolicy::never()).build().unwrap();
    TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();
    TodayNews::about("Go", 1).invoke(&client).await.unwrap();
    TodayNews::about("Zig", 1).invoke(&client).await.unwrap();

    let error = server.verify().unwrap_err().to_string();
    let panic = drop_and_catch(server).expect("the drop fails the test");

    assert_eq!(panic, error);
    for expected in [
        "workflow `wf_today_news` expected exactly 2 request(s) at POST /v1/workflow/invoke, received 3",
        "1. POST /v1/workflow/invoke {\"input\":{\"topic\":\"Rust\"",
        "(fault: Status(502))",
        "3. POST /v1/workflow/invoke {\"input\":{\"topic\":\"Zig\"",
    ] {
        assert!(panic.contains(expected), "{expected:?} missing from:\n{panic}");
    }
    assert!(!panic.contains(news.key()), "the key is never quoted:\n{panic}");
}

#[tokio::test]
async fn ranges_say_at_least_or_at_most() {
    let (server, news) = news_server().await;
    news.expect(1..).expect_on(Endpoint::VerifyKey, ..=1);

    let error = server.verify().unwrap_err().to_string();
    assert!(error.contains("expected at least 1 request(s) at POST /v1/workflow/invoke, received 0"), "{error}");
    assert!(!error.contains("verify"), "the verify expectation is met: {error}");

    TodayNews::about("Rust", 1).invoke(&server.client()).await.unwrap();
    assert_eq!(server.verify(), Ok(()));
}

#[tokio::test]
async fn a_test_that_already_panics_reports_its_own_failure_not_the_expectation() {
    let (server, news) = news_server().await;
    news.expect(5);

    let caught = catch_unwind(AssertUnwindSafe(move || {
        let _server = server;
        panic!("the test's own assertion failed");
    }));

    // A second panic during unwinding would have aborted the whole test binary instead.
    assert_eq!(message(caught.unwrap_err()), "the test's own assertion failed");
}
