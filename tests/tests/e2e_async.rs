//! Async runs of the embedded server: PENDING -> RUNNING -> terminal, query/result along the
//! way, and webhook delivery when the run ends.

use std::sync::Arc;
use std::time::Duration;

use gptbots_runtime::Status;
use gptbots_runtime::mock::{MockServer, Rejection};
use gptbots_tests::{
    NewsDigest, TodayNews, WebhookReceiver, digest, news_server, poll_until, post_raw, wait_for_deliveries,
};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

const INVOKE: &str = "/v1/workflow/invoke";

fn status_of(body: &Value) -> &str {
    body["status"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_async_run_is_pending_then_running_then_succeeds() {
    let server = MockServer::start().await.unwrap();
    // The handler waits for the test's go, so the RUNNING state is observed without timing.
    let go = Arc::new(Semaphore::new(0));
    let gate = Arc::clone(&go);
    let news = server.register(move |input: TodayNews| {
        let gate = Arc::clone(&gate);
        async move {
            let _permit = gate.acquire().await.map_err(|_| Rejection::failed("gate closed"))?;
            Ok(digest(&input.topic, 2))
        }
    });
    news.cost(0.5).tokens(42);

    let (status, ack) =
        post_raw(&server.url(), INVOKE, news.key(), &json!({ "input": { "topic": "Rust" }, "isAsync": true })).await;

    assert_eq!(status, 200);
    assert_eq!(status_of(&ack), "PENDING");
    assert_eq!(ack["workflowId"], "wf_today_news");
    assert!(ack.get("output").is_none(), "an accepted run has no output yet: {ack}");
    let run_id = ack["workflowRunId"].as_str().expect("a run id").to_owned();

    let before = poll_until(&server.url(), news.key(), &run_id, |body| status_of(body) == "RUNNING").await;
    assert!(before.iter().all(|body| matches!(status_of(body), "PENDING" | "RUNNING")), "{before:?}");
    assert!(before.iter().all(|body| body.get("output").is_none()));
    assert_eq!(server.run(&run_id).unwrap().status, Status::Running);

    go.add_permits(1);
    let after = poll_until(&server.url(), news.key(), &run_id, |body| status_of(body) != "RUNNING").await;
    let last = after.last().unwrap();
    assert_eq!(status_of(last), "SUCCEED", "{last}");
    assert_eq!(last["output"], serde_json::to_value(digest("Rust", 2)).unwrap());
    assert_eq!(last["totalCost"], 0.5);
    assert_eq!(last["totalTokens"], 42);
    assert_eq!(last["input"], json!({ "topic": "Rust" }));
    assert!(last["endTime"].as_u64() >= last["startTime"].as_u64());
    assert!(server.run(&run_id).unwrap().is_async);
}

#[tokio::test]
async fn a_scripted_latency_passes_through_pending_and_running_to_the_end() {
    let (server, news) = news_server().await;
    news.latency(Duration::from_millis(60));

    let (_, ack) =
        post_raw(&server.url(), INVOKE, news.key(), &json!({ "input": { "topic": "Go" }, "isAsync": true })).await;
    let run_id = ack["workflowRunId"].as_str().unwrap();
    let seen = poll_until(&server.url(), news.key(), run_id, |body| status_of(body) == "SUCCEED").await;

    // Statuses only move forward.
    let order = |s: &str| ["PENDING", "RUNNING", "SUCCEED"].iter().position(|x| *x == s).expect("a known status");
    let ranks: Vec<usize> = seen.iter().map(|body| order(status_of(body))).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    assert_eq!(seen.last().unwrap()["output"]["news"][1]["title"], "Go #2");
}

#[tokio::test]
async fn a_failing_async_run_ends_failed_with_the_message() {
    let server = MockServer::start().await.unwrap();
    let news = server.register(|_: TodayNews| async { Err::<NewsDigest, _>(Rejection::failed("the source is down")) });

    let (_, ack) =
        post_raw(&server.url(), INVOKE, news.key(), &json!({ "input": { "topic": "Rust" }, "isAsync": true })).await;
    let run_id = ack["workflowRunId"].as_str().unwrap();
    let seen = poll_until(&server.url(), news.key(), run_id, |body| status_of(body) == "FAILED").await;

    let last = seen.last().unwrap();
    assert_eq!(last["errorMessage"], "the source is down");
    assert!(last.get("output").is_none());
}

#[tokio::test]
async fn webhooks_receive_the_query_result_body_with_their_headers() {
    let (server, news) = news_server().await;
    let mut receiver = WebhookReceiver::start().await;
    let body = json!({
        "input": { "topic": "Rust", "maxItems": 1 },
        "isAsync": true,
        "webhook": [
            { "method": "POST", "url": format!("{}/hooks/news", receiver.url), "headers": { "X-Hook-Token": "t0k3n" } },
            { "method": "GET", "url": format!("{}/hooks/ping", receiver.url.replace("127.0.0.1", "localhost")) }
        ]
    });

    let (_, ack) = post_raw(&server.url(), INVOKE, news.key(), &body).await;
    let run_id = ack["workflowRunId"].as_str().unwrap().to_owned();

    let first = receiver.next().await.expect("the POST webhook arrives");
    let second = receiver.next().await.expect("the GET webhook arrives");
    assert_eq!((first.method.as_str(), first.path.as_str()), ("POST", "/hooks/news"));
    assert_eq!(first.header("x-hook-token"), Some("t0k3n"));
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_eq!(first.body["workflowRunId"], run_id.as_str());
    assert_eq!(first.body["status"], "SUCCEED");
    assert_eq!(first.body["output"], serde_json::to_value(digest("Rust", 1)).unwrap());
    assert_eq!((second.method.as_str(), second.path.as_str()), ("GET", "/hooks/ping"));
    assert_eq!(second.body, first.body, "every webhook gets the same body");

    let (_, queried) =
        post_raw(&server.url(), "/v1/workflow/query/result", news.key(), &json!({ "workflowRunId": run_id })).await;
    assert_eq!(first.body, queried, "the webhook body is the query-result body");

    let deliveries = wait_for_deliveries(&server, 2).await;
    assert!(deliveries.iter().all(|d| d.status == Some(200) && d.run_id == run_id), "{deliveries:?}");
}

#[tokio::test]
async fn invalid_webhooks_are_refused_with_40000_naming_the_field() {
    let (server, news) = news_server().await;
    let hook = |method: &str, url: &str| json!({ "method": method, "url": url });
    let cases = [
        (json!([hook("POST", "ftp://example.com/hook")]), "webhook[0].url"),
        (json!([hook("POST", "http://127.0.0.1:9/a"), hook("PUT", "http://127.0.0.1:9/b")]), "webhook[1].method"),
        (json!(vec![hook("POST", "http://127.0.0.1:9/a"); 6]), "at most 5"),
        (json!([hook("POST", "not a url")]), "webhook[0].url"),
    ];
    for (webhooks, names) in cases {
        let body = json!({ "input": { "topic": "Rust" }, "isAsync": true, "webhook": webhooks });
        let (status, answer) = post_raw(&server.url(), INVOKE, news.key(), &body).await;
        assert_eq!((status, answer["code"].as_i64()), (400, Some(40000)), "{answer}");
        assert!(answer["message"].as_str().unwrap().contains(names), "{names}: {answer}");
    }
    assert!(server.runs().is_empty());
}
