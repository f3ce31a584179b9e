//! Every fault the embedded server injects reaches the client as a typed error (or, for extra
//! fields, a normal run), never a panic; and no fault makes the client send an invoke twice
//! unless the fault proves the first was not processed.

use std::time::Duration;

use gptbots_runtime::mock::{Endpoint, Fault, MockServer, MockWorkflow};
use gptbots_runtime::{Client, DEFAULT_MAX_RESPONSE_BYTES, Error, RetryPolicy, Run, Status};
use gptbots_tests::{NewsDigest, TodayNews, digest, news_server};
use serde_json::json;

/// Invokes `todayNews` once through `fault`, with retries off, and returns the outcome and how
/// many invokes the server saw.
async fn invoke_through(fault: Fault) -> (Result<Run<NewsDigest>, Error>, MockWorkflow, MockServer) {
    let (server, news) = news_server().await;
    news.inject(fault);
    let client =
        server.client_builder().retry(RetryPolicy::never()).timeout(Duration::from_millis(400)).build().unwrap();
    let outcome = TodayNews::about("Rust", 2).invoke(&client).await;
    assert_eq!(server.pending_faults(), 0, "the fault was used");
    (outcome, news, server)
}

#[tokio::test]
async fn close_before_response_is_a_transport_error_and_the_run_exists() {
    let (outcome, news, _server) = invoke_through(Fault::CloseBeforeResponse).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(news.runs().len(), 1, "the paid run happened although its answer was lost");
    assert_eq!(news.invocations(), 1);
}

#[tokio::test]
async fn reset_before_response_is_a_transport_error() {
    let (outcome, news, _server) = invoke_through(Fault::ResetBeforeResponse).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(news.invocations(), 1);
}

#[tokio::test]
async fn reset_mid_body_is_a_transport_error() {
    let (outcome, news, _server) = invoke_through(Fault::ResetMidBody).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(news.invocations(), 1);
}

#[tokio::test]
async fn truncated_json_is_an_invalid_response() {
    let (outcome, _news, _server) = invoke_through(Fault::TruncatedJson).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::InvalidResponse { status: 200, .. }), "{error:?}");
}

#[tokio::test]
async fn an_html_error_page_is_an_http_error_quoting_the_page() {
    let (outcome, _news, _server) = invoke_through(Fault::HtmlErrorPage(502)).await;
    let error = outcome.unwrap_err();
    assert!(
        matches!(&error, Error::Http { status: 502, api_code: None, excerpt, .. } if excerpt.contains("Bad Gateway")),
        "{error:?}"
    );
}

#[tokio::test]
async fn too_many_requests_is_a_retryable_http_error_with_or_without_retry_after() {
    for retry_after in [Some(1), None] {
        let (outcome, news, _server) = invoke_through(Fault::TooManyRequests { retry_after }).await;
        let error = outcome.unwrap_err();
        assert!(matches!(error, Error::Http { status: 429, .. }), "{error:?}");
        assert!(error.is_retryable());
        assert!(news.runs().is_empty(), "a 429 starts no run");
    }
}

#[tokio::test]
async fn server_errors_are_http_errors_with_the_gptbots_code() {
    for status in [500, 502, 503, 504] {
        let (outcome, news, _server) = invoke_through(Fault::Status(status)).await;
        let error = outcome.unwrap_err();
        assert_eq!(error.http_status(), Some(status), "{error:?}");
        assert_eq!(error.api_code(), Some(50000), "{error:?}");
        assert_eq!(news.invocations(), 1, "HTTP {status} is not retried: the run may have started");
    }
}

#[tokio::test]
async fn slow_headers_and_a_slow_body_time_out() {
    for fault in [Fault::SlowHeaders(Duration::from_secs(5)), Fault::SlowBody(Duration::from_secs(5))] {
        let (outcome, news, _server) = invoke_through(fault.clone()).await;
        let error = outcome.unwrap_err();
        assert!(matches!(error, Error::Timeout { .. } | Error::Transport { .. }), "{fault:?}: {error:?}");
        assert_eq!(news.invocations(), 1);
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_while_reading() {
    let (outcome, _news, _server) = invoke_through(Fault::OversizedBody(DEFAULT_MAX_RESPONSE_BYTES as u64 + 1)).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
}

#[tokio::test]
async fn a_huge_announced_content_length_is_refused() {
    let (outcome, _news, _server) = invoke_through(Fault::HugeContentLength).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
}

#[tokio::test]
async fn invalid_utf8_is_an_invalid_response() {
    let (outcome, _news, _server) = invoke_through(Fault::InvalidUtf8).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
}

#[tokio::test]
async fn a_json_run_labelled_text_plain_is_still_read_as_json() {
    let (outcome, _news, _server) = invoke_through(Fault::WrongContentType).await;
    assert_eq!(outcome.expect("the body is a JSON run whatever its label").output, digest("Rust", 2));
}

#[tokio::test]
async fn an_unknown_status_is_an_unexpected_status() {
    let (outcome, _news, _server) = invoke_through(Fault::UnknownStatus("ARCHIVED".into())).await;
    let error = outcome.unwrap_err();
    assert!(matches!(&error, Error::UnexpectedStatus { status: Status::Other(s), .. } if s == "ARCHIVED"), "{error:?}");
}

#[tokio::test]
async fn succeed_without_output_is_an_invalid_response_with_the_run_id() {
    let (outcome, news, _server) = invoke_through(Fault::SucceedWithoutOutput).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
    assert_eq!(error.run_id(), Some(news.runs()[0].run_id.as_str()));
}

#[tokio::test]
async fn an_output_of_the_wrong_shape_is_an_output_mismatch() {
    let (outcome, _news, _server) = invoke_through(Fault::WrongOutput(json!({ "news": "none today" }))).await;
    let error = outcome.unwrap_err();
    assert!(matches!(&error, Error::OutputMismatch { path, .. } if path == "news"), "{error:?}");
    assert_eq!(error.raw_output(), Some(r#"{"news":"none today"}"#));
}

#[tokio::test]
async fn extra_unknown_fields_are_accepted() {
    let (outcome, _news, _server) = invoke_through(Fault::ExtraFields).await;
    assert_eq!(outcome.expect("extra fields are ignored").output, digest("Rust", 2));
}

#[tokio::test]
async fn an_api_error_inside_200_is_an_api_error() {
    let fault = Fault::ApiErrorInOk { code: 20022, message: "not enough credits".into() };
    let (outcome, news, _server) = invoke_through(fault).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::Api { code: 20022, .. }), "{error:?}");
    assert!(news.runs().is_empty());
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let client = Client::builder()
        .base_url(MockServer::refused_url().unwrap())
        .api_key("app-unused")
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let error = TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn faults_hit_only_their_endpoint_and_workflow_in_queue_order() {
    let (server, news) = news_server().await;
    server.inject_on(Endpoint::QueryResult, Fault::Status(503));
    news.inject(Fault::Status(500)).inject(Fault::Status(502));
    let client = server.client_builder().retry(RetryPolicy::never()).build().unwrap();

    let first = TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();
    let second = TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();
    let third = TodayNews::about("Rust", 1).invoke(&client).await.expect("the queue is empty for invokes");

    assert_eq!((first.http_status(), second.http_status()), (Some(500), Some(502)));
    assert_eq!(third.output, digest("Rust", 1));
    assert_eq!(server.pending_faults(), 1, "the query/result fault still waits");
    let faults: Vec<Option<Fault>> = server.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults, [Some(Fault::Status(500)), Some(Fault::Status(502)), None]);
}

#[tokio::test]
async fn with_retries_on_an_invoke_reaches_the_server_at_most_once_under_faults_that_may_have_started_a_run() {
    let may_have_run = [
        Fault::CloseBeforeResponse,
        Fault::ResetBeforeResponse,
        Fault::ResetMidBody,
        Fault::TruncatedJson,
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(504),
        Fault::HtmlErrorPage(502),
        Fault::InvalidUtf8,
        Fault::SucceedWithoutOutput,
    ];
    for fault in may_have_run {
        let (server, news) = news_server().await;
        news.inject(fault.clone());
        let client = server
            .client_builder()
            .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(5)))
            .build()
            .unwrap();
        let outcome = TodayNews::about("Rust", 1).invoke(&client).await;
        assert!(outcome.is_err(), "{fault:?}");
        assert_eq!(news.invocations(), 1, "{fault:?} may have started a run, so the invoke is not repeated");
    }
}

#[tokio::test]
async fn service_unavailable_with_retry_after_is_a_retryable_http_503() {
    let (outcome, news, _server) = invoke_through(Fault::ServiceUnavailable { retry_after: 1 }).await;
    let error = outcome.unwrap_err();
    assert!(matches!(error, Error::Http { status: 503, .. }), "{error:?}");
    assert!(error.is_retryable());
    assert!(news.runs().is_empty());
}

#[tokio::test]
async fn with_retries_on_a_503_with_retry_after_is_retried_and_the_run_succeeds() {
    let (server, news) = news_server().await;
    news.inject(Fault::ServiceUnavailable { retry_after: 0 });
    let client = server
        .client_builder()
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(5)))
        .build()
        .unwrap();

    let run = TodayNews::about("Rust", 1).invoke(&client).await.expect("the second attempt succeeds");

    assert_eq!(run.output, digest("Rust", 1));
    assert_eq!(news.invocations(), 2);
    assert_eq!(news.runs().len(), 1, "one paid run");
}

#[tokio::test]
async fn with_retries_on_a_429_is_retried_and_the_run_succeeds() {
    let (server, news) = news_server().await;
    news.inject(Fault::TooManyRequests { retry_after: None });
    let client = server
        .client_builder()
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(5)))
        .build()
        .unwrap();

    let run = TodayNews::about("Rust", 1).invoke(&client).await.expect("the second attempt succeeds");

    assert_eq!(run.output, digest("Rust", 1));
    assert_eq!(news.invocations(), 2);
    assert_eq!(news.runs().len(), 1, "one paid run");
}
