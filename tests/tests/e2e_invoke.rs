//! Synchronous invokes through the embedded server with the real client: typed success, every
//! unhappy answer as a typed error, keys, input errors, query/result and recorded requests.

use std::time::Duration;

use gptbots_runtime::mock::{Endpoint, Fault, MockServer, Rejection};
use gptbots_runtime::{Client, Error, Status, Workflow};
use gptbots_tests::{
    NewsDigest, TodayNews, Translate, Translation, digest, news_handler, news_server, post_raw, send_raw,
};
use serde_json::json;

#[tokio::test]
async fn a_typed_handler_answers_a_typed_run_with_the_scripted_figures() {
    let (server, news) = news_server().await;
    news.latency(Duration::from_millis(20));
    let client = server.client();

    let run = TodayNews::about("Rust", 3).invoke(&client).await.expect("the run succeeds");

    assert_eq!(run.output, digest("Rust", 3));
    assert_eq!(run.status, Status::Succeed);
    assert_eq!(run.workflow_id, "wf_today_news");
    assert_eq!(run.workflow_name.as_deref(), Some("todayNews"));
    assert_eq!(run.workflow_version.as_deref(), Some("3"));
    assert_eq!(run.cost, 0.6928);
    assert_eq!(run.tokens, 1745);
    assert_eq!(run.input_as::<serde_json::Value>().unwrap(), json!({ "topic": "Rust", "maxItems": 3 }));
    assert!(run.execution_time.is_some() && run.start_time.is_some() && run.end_time.is_some());
    let runs = server.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].run_id, run.run_id);
    assert_eq!(runs[0].status, Status::Succeed);
    assert_eq!((runs[0].cost, runs[0].tokens, runs[0].workflow_name.as_str()), (0.6928, 1745, "todayNews"));
    assert!(runs[0].end_ms >= Some(runs[0].start_ms));
}

#[tokio::test]
async fn a_failed_run_is_a_run_failed_error_with_its_run_id() {
    let server = MockServer::start().await.unwrap();
    server.register(|input: TodayNews| async move {
        Err::<NewsDigest, _>(Rejection::failed(format!("no source covers {}", input.topic)))
    });
    let client = server.client();

    let error = TodayNews::about("Cobol", 1).invoke(&client).await.unwrap_err();

    let Error::RunFailed { workflow_id, run_id, reason, .. } = &error else {
        panic!("expected RunFailed, got {error:?}")
    };
    assert_eq!(workflow_id, "wf_today_news");
    assert_eq!(reason.as_deref(), Some("no source covers Cobol"), "{error}");
    assert_eq!(error.failure_reason(), Some("no source covers Cobol"));
    assert_eq!(error.run_id(), Some(run_id.as_str()));
    assert_eq!(server.run(run_id).expect("the failed run exists").status, Status::Failed);
}

#[tokio::test]
async fn an_api_error_inside_http_200_is_an_api_error_without_a_run() {
    let server = MockServer::start().await.unwrap();
    server.register(|_: TodayNews| async { Err::<NewsDigest, _>(Rejection::api_error(20022, "not enough credits")) });

    let error = TodayNews::about("Rust", 1).invoke(&server.client()).await.unwrap_err();

    assert!(matches!(&error, Error::Api { code: 20022, message, .. } if message == "not enough credits"), "{error:?}");
    assert_eq!(error.api_code(), Some(20022));
    assert!(server.runs().is_empty());
}

#[tokio::test]
async fn an_api_error_with_an_http_error_status_is_an_http_error_with_the_code() {
    let server = MockServer::start().await.unwrap();
    server.register(|_: TodayNews| async {
        Err::<NewsDigest, _>(Rejection::http_error(403, 20055, "the API is switched off for this workflow"))
    });

    let error = TodayNews::about("Rust", 1).invoke(&server.client()).await.unwrap_err();

    assert!(matches!(&error, Error::Http { status: 403, api_code: Some(20055), .. }), "{error:?}");
    assert_eq!(error.http_status(), Some(403));
    assert!(error.to_string().contains("switched off"), "{error}");
}

#[tokio::test]
async fn a_key_of_another_workflow_is_a_workflow_mismatch_naming_both() {
    let server = MockServer::start().await.unwrap();
    server.register(news_handler);
    // A workflow outside the catalogue: the server checks the news input against no schema of it.
    let translate = server.register_raw("wf_translate_raw", |_| async { Ok(json!({ "text": "bonjour" })) });
    let client = Client::builder().base_url(server.url()).workflow_key(TodayNews::ID, translate.key()).build().unwrap();

    let error = TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();

    let Error::WorkflowMismatch { declared, actual, run_id, .. } = &error else {
        panic!("expected WorkflowMismatch, got {error:?}")
    };
    assert_eq!((declared.as_str(), actual.as_str()), ("wf_today_news", "wf_translate_raw"));
    assert_eq!(server.run(run_id).expect("the other workflow ran").workflow_id, "wf_translate_raw");
}

#[tokio::test]
async fn an_output_that_does_not_fit_keeps_the_path_and_the_paid_raw_output() {
    let server = MockServer::start().await.unwrap();
    let news = server.register_raw(TodayNews::ID, |_| async {
        Ok(json!({ "news": [{ "title": 7, "media": "m", "summary": "s" }] }))
    });
    news.cost(1.5);

    let error = TodayNews::about("Rust", 1).invoke(&server.client()).await.unwrap_err();

    let Error::OutputMismatch { path, run_id, .. } = &error else { panic!("expected OutputMismatch, got {error:?}") };
    assert_eq!(path, "news[0].title");
    assert_eq!(server.run(run_id).unwrap().status, Status::Succeed);
    let raw: serde_json::Value = serde_json::from_str(error.raw_output().expect("the raw output is kept")).unwrap();
    assert_eq!(raw["news"][0]["title"], 7);
}

/// An output of about 2 MB: its body arrives in many chunks and is decoded chunk by chunk.
fn large_news(bad_title_at: Option<usize>) -> serde_json::Value {
    let news: Vec<serde_json::Value> = (0..8_000)
        .map(|i| match bad_title_at {
            Some(bad) if bad == i => json!({ "title": i, "media": "m", "summary": "s" }),
            _ => json!({ "title": format!("headline {i}"), "media": "wire", "summary": "x".repeat(220) }),
        })
        .collect();
    json!({ "news": news })
}

#[tokio::test]
async fn a_large_output_decodes_from_its_chunks_and_a_misfit_one_names_the_run_to_fetch_again() {
    let server = MockServer::start().await.unwrap();
    let news = server.register_raw(TodayNews::ID, |input| async move {
        Ok(large_news(input["topic"].as_str().filter(|topic| *topic == "broken").map(|_| 7_321)))
    });
    news.cost(2.0);
    let client = server.client();

    let run = TodayNews::about("Rust", 1).invoke(&client).await.expect("a large output decodes");
    assert_eq!(run.output.news.len(), 8_000);
    assert_eq!(run.output.news[7_999].title, "headline 7999");
    assert_eq!((run.cost, run.input_as::<serde_json::Value>().unwrap()["topic"].as_str()), (2.0, Some("Rust")));

    let error = TodayNews::about("broken", 1).invoke(&client).await.unwrap_err();
    let Error::OutputMismatch { path, run_id, .. } = &error else { panic!("expected OutputMismatch, got {error:?}") };
    assert_eq!(path, "news[7321].title");
    assert!(error.raw_output().is_none(), "a body this large is not kept beside its decoding");
    assert!(error.to_string().contains("fetch it again by run id"), "{error}");
    // The paid output is still GPTBots': fetched again by its run id, as the message says.
    let again = client.workflow(TodayNews::ID).resume::<serde_json::Value>(run_id.clone()).wait().await.unwrap();
    assert_eq!(again.output["news"][7_321]["title"], 7_321);

    // A client that decodes every body as one slice keeps the raw output instead.
    let whole = Client::builder()
        .base_url(server.url())
        .workflow_key(TodayNews::ID, news.key())
        .streamed_body_bytes(usize::MAX)
        .build()
        .unwrap();
    let error = TodayNews::about("broken", 1).invoke(&whole).await.unwrap_err();
    assert!(matches!(&error, Error::OutputMismatch { path, .. } if path == "news[7321].title"), "{error:?}");
    let raw: serde_json::Value = serde_json::from_str(error.raw_output().expect("kept whole")).unwrap();
    assert_eq!(raw["news"].as_array().map(Vec::len), Some(8_000));
}

#[tokio::test]
async fn an_unknown_status_is_kept_in_an_unexpected_status_error() {
    let (server, news) = news_server().await;
    news.inject(Fault::UnknownStatus("PAUSED".into()));

    let error = TodayNews::about("Rust", 1).invoke(&server.client()).await.unwrap_err();

    assert!(matches!(&error, Error::UnexpectedStatus { status: Status::Other(s), .. } if s == "PAUSED"), "{error:?}");
    assert!(error.run_id().is_some());
}

#[tokio::test]
async fn an_unknown_key_is_refused_with_40127() {
    let (server, _news) = news_server().await;
    let client = Client::builder().base_url(server.url()).workflow_key(TodayNews::ID, "app-not-a-key").build().unwrap();

    let error = TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();

    assert!(matches!(&error, Error::Http { status: 401, api_code: Some(40127), .. }), "{error:?}");
    assert!(server.runs().is_empty());
}

#[tokio::test]
async fn a_request_without_a_key_is_refused_with_40127() {
    let (server, _news) = news_server().await;

    let (status, body) = send_raw("POST", &server.url(), "/v1/workflow/invoke", None, Some(br#"{"input":{}}"#)).await;

    assert_eq!(status, 401);
    assert_eq!(body["code"], 40127);
    assert!(body["message"].as_str().unwrap().contains("Bearer"), "{body}");
}

#[tokio::test]
async fn malformed_bodies_are_refused_with_40000_naming_the_field() {
    let (server, news) = news_server().await;
    let url = server.url();
    let key = news.key();

    let (status, body) = send_raw("POST", &url, "/v1/workflow/invoke", Some(key), Some(b"not json")).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(40000)), "{body}");

    let (status, body) = post_raw(&url, "/v1/workflow/invoke", key, &json!({ "userId": "u1" })).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(40000)), "{body}");
    assert!(body["message"].as_str().unwrap().contains("`input`"), "{body}");

    let (status, body) = post_raw(&url, "/v1/workflow/invoke", key, &json!({ "input": "Rust" })).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(40000)), "{body}");

    let (status, body) = post_raw(&url, "/v1/workflow/invoke", key, &json!({ "input": { "topic": 42 } })).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(40000)), "{body}");
    assert!(body["message"].as_str().unwrap().contains("topic"), "{body}");

    assert!(server.runs().is_empty(), "no run for a refused call");
}

#[tokio::test]
async fn query_result_returns_a_finished_run_and_refuses_unknown_or_foreign_runs() {
    let (server, news) = news_server().await;
    let translate = server.register(|input: Translate| async move { Ok(Translation { text: input.text }) });
    let run = TodayNews::about("Rust", 2).invoke(&server.client()).await.unwrap();
    let query = "/v1/workflow/query/result";

    let (status, body) = post_raw(&server.url(), query, news.key(), &json!({ "workflowRunId": run.run_id })).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "SUCCEED");
    assert_eq!(body["workflowRunId"], run.run_id.as_str());
    assert_eq!(body["output"], serde_json::to_value(digest("Rust", 2)).unwrap());
    assert_eq!(body["totalTokens"], 1745);

    let (status, body) = post_raw(&server.url(), query, news.key(), &json!({ "workflowRunId": "run_unknown" })).await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(40348)), "{body}");

    let (status, body) = post_raw(&server.url(), query, translate.key(), &json!({ "workflowRunId": run.run_id })).await;
    assert_eq!(
        (status, body["code"].as_i64()),
        (404, Some(40348)),
        "a run is visible only to its workflow's key: {body}"
    );
}

#[tokio::test]
async fn verify_names_the_workflow_a_key_belongs_to() {
    let (server, news) = news_server().await;

    let (status, body) = send_raw("GET", &server.url(), "/v1/api-key/verify", Some(news.key()), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["workflowId"], "wf_today_news");

    let (status, body) = send_raw("GET", &server.url(), "/v1/api-key/verify", Some("app-nope"), None).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(40127)));
}

#[tokio::test]
async fn requests_are_recorded_with_the_key_redacted() {
    let (server, news) = news_server().await;
    let client = server.client();

    TodayNews::about("Rust", 1).invoke(&client).await.unwrap();
    client.invoke_as(&TodayNews::about("Go", 1), "user-42").await.unwrap();

    let requests = news.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/v1/workflow/invoke");
        assert_eq!(request.endpoint(), Some(Endpoint::Invoke));
        assert_eq!(request.workflow_id.as_deref(), Some("wf_today_news"));
        assert_eq!(request.header("authorization"), Some("Bearer <redacted>"));
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert!(!format!("{request:?}").contains(news.key()), "the key never appears in a record");
        assert_eq!(request.fault, None);
    }
    assert_eq!(requests[0].json(), Some(json!({ "input": { "topic": "Rust", "maxItems": 1 } })));
    assert_eq!(requests[1].json(), Some(json!({ "userId": "user-42", "input": { "topic": "Go", "maxItems": 1 } })));
    assert_eq!(server.runs()[1].user_id.as_deref(), Some("user-42"));
    assert_eq!(news.invocations(), 2);
    assert!(!format!("{server:?} {news:?}").contains(news.key()), "nor in the server's Debug");
}

#[tokio::test]
async fn registering_again_replaces_the_handler_and_keeps_the_key() {
    let (server, news) = news_server().await;
    let again = server.register(|input: TodayNews| async move { Ok(digest(&format!("{} again", input.topic), 1)) });
    assert_eq!(again.key(), news.key());

    let run = TodayNews::about("Rust", 1).invoke(&server.client()).await.unwrap();
    assert_eq!(run.output, digest("Rust again", 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_works_on_a_multi_thread_runtime_too() {
    let (server, _news) = news_server().await;
    let run = TodayNews::about("Rust", 2).invoke(&server.client()).await.unwrap();
    assert_eq!(run.output, digest("Rust", 2));
}

#[tokio::test]
async fn a_dropped_server_stops_listening() {
    let (server, _news) = news_server().await;
    let client = server.client_builder().retry(gptbots_runtime::RetryPolicy::never()).build().unwrap();
    TodayNews::about("Rust", 1).invoke(&client).await.unwrap();

    drop(server);

    let error = TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
}

/// Sends `bytes` as they are and returns what the server answered.
async fn exchange(server: &MockServer, bytes: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn broken_http_is_refused_and_a_body_too_large_gets_a_gptbots_error() {
    let (server, _news) = news_server().await;

    // hyper refuses what is not HTTP before any route sees it, as any HTTP server does.
    let garbage = exchange(&server, b"NOT HTTP AT ALL\r\n\r\n").await;
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");

    let huge =
        exchange(&server, b"POST /v1/workflow/invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 999999999\r\n\r\n").await;
    assert!(huge.starts_with("HTTP/1.1 413") && huge.contains("40000"), "{huge}");

    let (status, body) = send_raw("GET", &server.url(), "/v1/nowhere", None, None).await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(40348)), "{body}");
    let (status, _) = send_raw("GET", &server.url(), "/v1/workflow/invoke", None, None).await;
    assert_eq!(status, 404, "a wrong method gets the same GPTBots-style answer");
}

#[tokio::test]
async fn a_handler_that_panics_fails_its_run_instead_of_dropping_the_connection() {
    let server = MockServer::start().await.unwrap();
    server.register(|input: TodayNews| async move {
        assert!(input.topic != "forbidden", "the topic must not be forbidden");
        Ok(digest(&input.topic, 1))
    });
    let client = server.client();

    let error = TodayNews::about("forbidden", 1).invoke(&client).await.unwrap_err();

    assert!(
        matches!(&error, Error::RunFailed { reason: Some(reason), .. } if reason.contains("must not be forbidden")),
        "{error:?}"
    );
    let run = TodayNews::about("allowed", 1).invoke(&client).await.expect("the server carries on");
    assert_eq!(run.output, digest("allowed", 1));
}
