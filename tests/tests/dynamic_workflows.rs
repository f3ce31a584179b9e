//! Workflows known only at run time (`Client::workflow`), with `serde_json::Value` or any serde
//! types, sync and async, and per-call options, against the embedded server.

use std::time::Duration;

use gptbots_runtime::async_run::PollPolicy;
use gptbots_runtime::{CallOptions, Client, Error};
use gptbots_tests::{NewsDigest, TodayNews, digest, news_server};
use serde_json::{Value, json};

fn quick() -> PollPolicy {
    PollPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)).deadline(Duration::from_secs(20))
}

#[tokio::test]
async fn a_workflow_named_at_run_time_takes_and_returns_json() {
    let (server, news) = news_server().await;
    let client = server.client();
    let id = String::from("wf_today_news");

    let run = client.workflow(id).user_id("customer-7").invoke::<Value>(&json!({"topic": "Rust", "maxItems": 2})).await;

    let run = run.expect("the run succeeds");
    assert_eq!(run.output, serde_json::to_value(digest("Rust", 2)).unwrap());
    assert_eq!(run.workflow_id, "wf_today_news");
    assert_eq!((run.cost, run.tokens), (0.6928, 1745));
    assert_eq!(run.input_as::<Value>().unwrap(), json!({"topic": "Rust", "maxItems": 2}));
    assert_eq!(news.runs()[0].user_id.as_deref(), Some("customer-7"));
    assert_eq!(news.invocations(), 1);
}

#[tokio::test]
async fn any_serde_types_work_and_typed_and_dynamic_calls_agree() {
    let (server, _) = news_server().await;
    let client = server.client();

    let dynamic = client.workflow("wf_today_news").invoke::<NewsDigest>(&TodayNews::about("Tokio", 3)).await.unwrap();
    let typed = client.invoke(&TodayNews::about("Tokio", 3)).await.unwrap();

    assert_eq!(dynamic.output, typed.output);
    assert_eq!(dynamic.output, digest("Tokio", 3));
}

#[tokio::test]
async fn a_dynamic_async_run_is_submitted_once_waited_on_and_resumed_by_id() {
    let (server, news) = news_server().await;
    news.latency(Duration::from_millis(40));
    let client = server.client();
    let workflow = client.workflow("wf_today_news");

    let handle = workflow.submit::<Value, _>(&json!({"topic": "Axum"})).poll_policy(quick()).await.expect("submitted");
    let run = handle.wait().await.expect("the run finishes");

    assert_eq!(run.run_id, handle.run_id());
    assert_eq!(run.output["news"][0]["title"], "Axum #1");
    assert_eq!(handle.workflow_id(), "wf_today_news");
    let resumed = workflow.resume::<NewsDigest>(handle.run_id()).wait().await.expect("resumed");
    assert_eq!(resumed.output, digest("Axum", 2));
    assert_eq!(news.invocations(), 1, "waiting and resuming only query");
}

#[tokio::test]
async fn per_call_options_apply_to_one_call_only() {
    let (server, news) = news_server().await;
    news.latency(Duration::from_millis(400));
    let client = server.client();

    let error = client
        .invoke_with(&TodayNews::about("slow", 1), &CallOptions::new().timeout(Duration::from_millis(100)))
        .await
        .expect_err("the call's own limit is shorter than the run");

    assert!(matches!(error, Error::Timeout { after, .. } if after == Duration::from_millis(100)), "{error:?}");
    assert!(error.may_have_started_run(), "an invoke that timed out may have started a run");
    let run = client.invoke(&TodayNews::about("slow", 1)).await.expect("the client's own limits are unchanged");
    assert_eq!(run.output, digest("slow", 1));
    assert_eq!(news.invocations(), 2);
}

#[tokio::test]
async fn a_key_given_to_the_call_needs_no_client_key() {
    let (server, news) = news_server().await;
    let keyless = Client::builder().base_url(server.url()).build().unwrap();

    let missing = keyless.workflow("wf_today_news").invoke::<Value>(&json!({"topic": "x"})).await.unwrap_err();
    let run = keyless.workflow("wf_today_news").api_key(news.key()).invoke::<Value>(&json!({"topic": "x"})).await;

    assert!(matches!(missing, Error::MissingKey { .. }) && !missing.may_have_started_run(), "{missing:?}");
    assert_eq!(run.expect("the call's key is used").output["news"][0]["title"], "x #1");
    let bad = keyless.workflow("wf_today_news").api_key("bad\nkey").invoke::<Value>(&json!({})).await.unwrap_err();
    assert!(matches!(bad, Error::Config(_)) && bad.to_string().contains("given to this call"), "{bad}");
    assert_eq!(news.invocations(), 1);
}

#[tokio::test]
async fn a_key_is_verified_with_one_get_and_the_answer_comes_back_raw() {
    use gptbots_runtime::mock::{Endpoint, Fault};
    let (server, news) = news_server().await;
    let client = server.client();
    news.inject_on(Endpoint::VerifyKey, Fault::Status(503));

    let answer = client.workflow("wf_today_news").verify_key().await.expect("the key is verified");

    assert_eq!(answer["workflowId"], "wf_today_news");
    assert_eq!(answer["type"], "workflow");
    let requests = server.requests_to(Endpoint::VerifyKey);
    assert_eq!(requests.len(), 2, "a key check only reads, so it is repeated after a 503");
    assert!(requests.iter().all(|request| request.method == "GET"));
    assert_eq!(news.invocations(), 0, "verifying starts no run");

    let wrong = client.workflow("wf_today_news").api_key("app-not-a-key-of-this-server").verify_key().await;
    let error = wrong.expect_err("an unknown key is refused");
    assert_eq!((error.http_status(), error.api_code()), (Some(401), Some(40127)), "{error}");
    assert!(!error.may_have_started_run());
    assert!(!error.to_string().contains("app-not-a-key-of-this-server"), "{error}");
}
