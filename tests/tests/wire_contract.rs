//! The exact requests the client sends, and how often it sends them under every fault.
//!
//! An invoke starts a paid run, so every fault that does not prove the request went unprocessed
//! must leave the server with exactly one request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gptbots_runtime::{Client, Error, RetryPolicy, Status, workflow};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const INVOKE: &str = "/v1/workflow/invoke";
const NEWS_KEY: &str = "app-news-key-0001";
const DEFAULT_KEY: &str = "app-default-key-0002";

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Digest {
    news: Vec<Item>,
}

#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
struct Item {
    title: String,
}

#[workflow(id = "wf_news", output = Digest)]
#[serde(rename_all = "camelCase")]
struct News {
    topic: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_items: Option<u32>,
}

#[workflow(id = "wf_other", output = Digest)]
struct Other {
    query: String,
}

fn news() -> News {
    News { topic: "rust".into(), max_items: Some(3) }
}

/// Retries that happen at once, so a test that allows them does not wait.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().max_attempts(3).backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn client_for(base_url: &str) -> gptbots_runtime::ClientBuilder {
    Client::builder().base_url(base_url).workflow_key("wf_news", NEWS_KEY).retry(quick_retries())
}

fn client(server: &MockServer) -> Client {
    client_for(&server.uri()).build().unwrap()
}

fn run_body(run_id: &str, status: &str) -> serde_json::Value {
    json!({
        "workflowId": "wf_news",
        "workflowName": "todayNews",
        "workflowVersion": "1.0.1",
        "workflowRunId": run_id,
        "input": {"topic": "rust", "maxItems": 3},
        "output": {"news": [{"title": "Rust 2024 ships"}]},
        "workflowExecutionTime": 8347,
        "status": status,
        "totalCost": 0.6928,
        "totalTokens": 1745,
        "startTime": 1758765323024u64,
        "endTime": 1758765331373u64
    })
}

fn ok(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn invoke_sends_the_documented_request_exactly_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(INVOKE))
        .and(header("authorization", format!("Bearer {NEWS_KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"userId": "user-7", "input": {"topic": "rust", "maxItems": 3}})))
        .respond_with(ok(run_body("run_51b0", "SUCCEED")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri()).user_id("user-7").build().unwrap();

    let run = news().invoke(&client).await.unwrap();

    assert_eq!(run.output, Digest { news: vec![Item { title: "Rust 2024 ships".into() }] });
    assert_eq!(run.run_id, "run_51b0");
    assert_eq!(run.status, Status::Succeed);
    assert_eq!(run.workflow_name.as_deref(), Some("todayNews"));
    assert_eq!(run.workflow_version.as_deref(), Some("1.0.1"));
    assert_eq!(run.execution_time, Some(Duration::from_millis(8347)));
    assert_eq!(run.cost, 0.6928);
    assert_eq!(run.tokens, 1745);
    assert_eq!(run.input_as::<serde_json::Value>().unwrap(), json!({"topic": "rust", "maxItems": 3}));
    server.verify().await;
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].headers.get_all("authorization").iter().count(), 1);
}

#[tokio::test]
async fn a_per_call_user_id_overrides_the_default() {
    let server = MockServer::start().await;
    Mock::given(body_json(json!({"userId": "user-9", "input": {"topic": "rust", "maxItems": 3}})))
        .respond_with(ok(run_body("run_1", "SUCCEED")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri()).user_id("user-7").build().unwrap();

    client.invoke_as(&news(), "user-9").await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn without_a_user_id_the_field_is_left_out() {
    let server = MockServer::start().await;
    Mock::given(body_json(json!({"input": {"topic": "go"}})))
        .respond_with(ok(run_body("run_1", "SUCCEED")))
        .expect(1)
        .mount(&server)
        .await;

    News { topic: "go".into(), max_items: None }.invoke(&client(&server)).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn each_workflow_is_called_with_its_own_key_and_others_with_the_default() {
    let server = MockServer::start().await;
    for key in [NEWS_KEY, DEFAULT_KEY] {
        Mock::given(header("authorization", format!("Bearer {key}").as_str()))
            .respond_with(move |_: &wiremock::Request| {
                let workflow = if key == NEWS_KEY { "wf_news" } else { "wf_other" };
                ok(json!({"workflowId": workflow, "workflowRunId": "r", "status": "SUCCEED", "output": {"news": []}}))
            })
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client_for(&server.uri()).api_key(DEFAULT_KEY).build().unwrap();

    news().invoke(&client).await.unwrap();
    Other { query: "q".into() }.invoke(&client).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn lenient_answers_are_accepted() {
    let server = MockServer::start().await;
    let mut body = run_body("run_2", "SUCCED");
    body["somethingNew"] = json!({"nested": [1, 2]});
    body["output"]["extra"] = json!("ignored by the output type");
    body["workflowVersion"] = json!(9);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_string(), "text/plain"))
        .expect(1)
        .mount(&server)
        .await;

    let run = news().invoke(&client(&server)).await.unwrap();

    assert_eq!(run.status, Status::Succeed);
    assert_eq!(run.workflow_version.as_deref(), Some("9"));
    server.verify().await;
}

/// Tried against an independent server: each of these turned a SUCCEED run into an error.
#[tokio::test]
async fn envelope_details_never_cost_a_paid_output() {
    let mut as_strings = run_body("run_s", "SUCCEED");
    as_strings["totalCost"] = json!("0.6928");
    as_strings["totalTokens"] = json!("1745");
    as_strings["workflowExecutionTime"] = json!("not measured");
    let with_bom = [&b"\xEF\xBB\xBF"[..], run_body("run_b", "SUCCEED").to_string().as_bytes()].concat();
    let wrapped = json!({"code": 0, "message": "OK", "data": run_body("run_w", "SUCCEED")});
    let answers = [
        ("numeric strings", ResponseTemplate::new(200).set_body_json(as_strings), "run_s"),
        ("byte-order mark", ResponseTemplate::new(200).set_body_raw(with_bom, "application/json"), "run_b"),
        ("code 0 wrapper", ResponseTemplate::new(200).set_body_json(wrapped), "run_w"),
    ];
    for (name, answer, run_id) in answers {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(answer).expect(1).mount(&server).await;

        let run = news().invoke(&client(&server)).await.unwrap_or_else(|e| panic!("{name}: {e}"));

        assert_eq!((run.run_id.as_str(), run.output.news.len()), (run_id, 1), "{name}");
        if name == "numeric strings" {
            assert_eq!((run.cost, run.tokens, run.execution_time), (0.6928, 1745, None));
        }
    }

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", "https://elsewhere.example/v1/workflow/invoke"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = news().invoke(&client(&server)).await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::Redirect { status: 307, .. }), "{error:?}");
    assert!(
        message.contains("redirect to https://elsewhere.example/v1/workflow/invoke")
            && message.contains("not followed"),
        "{message}"
    );
    server.verify().await;

    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(502)).expect(1).mount(&server).await;
    let message = news().invoke(&client(&server)).await.unwrap_err().to_string();
    assert!(message.contains("HTTP 502") && message.ends_with("(empty body)"), "{message}");
    assert!(message.contains(&format!("{}/v1/workflow/invoke", server.uri())), "names the host: {message}");
}

/// A fault the server answers with, and what the caller must get back.
struct Fault {
    name: &'static str,
    response: ResponseTemplate,
    check: fn(&Error) -> bool,
}

fn faults_that_may_have_started_a_run() -> Vec<Fault> {
    let html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
    vec![
        Fault {
            name: "500 with a GPTBots error body",
            response: ResponseTemplate::new(500).set_body_json(json!({"code": 50000, "message": "internal error"})),
            check: |e| matches!(e, Error::Http { status: 500, api_code: Some(50000), .. }),
        },
        Fault {
            name: "502 HTML page from a proxy",
            response: ResponseTemplate::new(502).set_body_raw(html, "text/html"),
            check: |e| matches!(e, Error::Http { status: 502, excerpt, .. } if excerpt.contains("Bad Gateway")),
        },
        Fault {
            name: "503 without Retry-After",
            response: ResponseTemplate::new(503),
            check: |e| e.http_status() == Some(503),
        },
        Fault {
            name: "504",
            response: ResponseTemplate::new(504).set_body_string("upstream timed out"),
            check: |e| e.http_status() == Some(504) && e.is_retryable(),
        },
        Fault {
            name: "401 with code and msg",
            response: ResponseTemplate::new(401).set_body_json(json!({"code": 40127, "msg": "authentication failed"})),
            check: |e| e.api_code() == Some(40127) && e.http_status() == Some(401) && !e.is_retryable(),
        },
        Fault {
            name: "redirect",
            response: ResponseTemplate::new(307)
                .insert_header("location", "https://elsewhere.example/v1/workflow/invoke"),
            check: |e| e.http_status() == Some(307),
        },
        Fault {
            name: "truncated JSON",
            response: ResponseTemplate::new(200).set_body_raw(
                r#"{"workflowId":"wf_news","workflowRunId":"run_cut","status":"SUCC"#,
                "application/json",
            ),
            check: |e| matches!(e, Error::InvalidResponse { status: 200, .. }) && e.run_id() == Some("run_cut"),
        },
        Fault {
            name: "invalid UTF-8",
            response: ResponseTemplate::new(200).set_body_raw(
                [
                    &br#"{"workflowRunId":"run_u","status":"SUCCEED","output":{"news":[{"title":""#[..],
                    b"\xff\xfe\"}]}}",
                ]
                .concat(),
                "application/json",
            ),
            check: |e| matches!(e, Error::InvalidResponse { .. }) && e.run_id() == Some("run_u"),
        },
        Fault {
            name: "HTML with 200",
            response: ResponseTemplate::new(200).set_body_raw("<!doctype html><p>maintenance</p>", "text/html"),
            check: |e| {
                matches!(e, Error::InvalidResponse { reason, excerpt, .. }
                    if reason.contains("text/html") && excerpt.contains("maintenance"))
            },
        },
        Fault {
            name: "API error inside a 200",
            response: ok(json!({"code": 20022, "message": "not enough credits"})),
            check: |e| matches!(e, Error::Api { code: 20022, message, .. } if message == "not enough credits"),
        },
        Fault {
            name: "FAILED run",
            response: ok(json!({"workflowRunId": "run_f", "status": "FAILED", "workflowId": "wf_news"})),
            check: |e| matches!(e, Error::RunFailed { .. }) && e.run_id() == Some("run_f"),
        },
        Fault {
            name: "RUNNING from a synchronous invoke",
            response: ok(json!({"workflowRunId": "run_r", "status": "RUNNING"})),
            check: |e| matches!(e, Error::UnexpectedStatus { status: Status::Running, .. }),
        },
        Fault {
            name: "unknown status",
            response: ok(json!({"workflowRunId": "run_p", "status": "PAUSED"})),
            check: |e| matches!(e, Error::UnexpectedStatus { status: Status::Other(s), .. } if s == "PAUSED"),
        },
        Fault {
            name: "SUCCEED without output",
            response: ok(json!({"workflowRunId": "run_n", "status": "SUCCEED"})),
            check: |e| matches!(e, Error::InvalidResponse { .. }) && e.run_id() == Some("run_n"),
        },
        Fault {
            name: "output of the wrong shape",
            response: ok(json!({"workflowRunId": "run_w", "status": "SUCCEED", "output": {"news": [{"title": 7}]}})),
            check: |e| {
                matches!(e, Error::OutputMismatch { path, .. } if path == "news[0].title")
                    && e.raw_output() == Some(r#"{"news":[{"title":7}]}"#)
            },
        },
        Fault {
            name: "another workflow's key",
            response: ok(json!({"workflowId": "wf_x", "workflowRunId": "run_x", "status": "SUCCEED", "output": {}})),
            check: |e| matches!(e, Error::WorkflowMismatch { actual, .. } if actual == "wf_x"),
        },
        Fault {
            name: "429 asking to wait beyond the cap",
            response: ResponseTemplate::new(429).insert_header("retry-after", "3600"),
            check: |e| e.http_status() == Some(429) && e.is_retryable(),
        },
    ]
}

#[tokio::test]
async fn every_fault_that_may_have_started_a_run_is_sent_once_and_typed() {
    for fault in faults_that_may_have_started_a_run() {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(fault.response).expect(1).named(fault.name).mount(&server).await;

        let error = news().invoke(&client(&server)).await.unwrap_err();

        assert!((fault.check)(&error), "{}: unexpected {error:?}", fault.name);
        server.verify().await;
    }
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok(run_body("run_slow", "SUCCEED")).set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri()).timeout(Duration::from_millis(200)).build().unwrap();

    let error = news().invoke(&client).await.unwrap_err();

    assert!(matches!(error, Error::Timeout { after, .. } if after == Duration::from_millis(200)), "{error:?}");
    server.verify().await;
}

#[tokio::test]
async fn an_announced_body_over_the_limit_is_refused() {
    let server = MockServer::start().await;
    let big = json!({"workflowRunId": "run_big", "status": "SUCCEED", "output": {"news": [], "pad": "x".repeat(4096)}});
    Mock::given(method("POST")).respond_with(ok(big)).expect(1).mount(&server).await;
    let client = client_for(&server.uri()).max_response_bytes(1024).build().unwrap();

    let error = news().invoke(&client).await.unwrap_err();

    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 1024, announced: Some(len), status: 200, .. } if len > 4096),
        "{error:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_rate_limited_invoke_is_repeated_and_succeeds() {
    for limited in [
        ResponseTemplate::new(429).insert_header("retry-after", "0"),
        ResponseTemplate::new(429).set_body_json(json!({"code": 429, "message": "too many requests"})),
        ResponseTemplate::new(503).insert_header("retry-after", "0"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(limited)
            .up_to_n_times(1)
            .expect(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST")).respond_with(ok(run_body("run_ok", "SUCCEED"))).expect(1).mount(&server).await;

        let run = news().invoke(&client(&server)).await.unwrap();

        assert_eq!(run.run_id, "run_ok");
        server.verify().await;
    }
}

#[tokio::test]
async fn a_persistent_429_uses_every_attempt_then_reports_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"code": 429, "message": "slow down"})))
        .expect(5)
        .mount(&server)
        .await;
    let client = client_for(&server.uri()).retry(quick_retries().max_attempts(5)).build().unwrap();

    let error = news().invoke(&client).await.unwrap_err();

    assert!(matches!(&error, Error::Http { status: 429, message: Some(m), .. } if m == "slow down"), "{error:?}");
    server.verify().await;
}

#[tokio::test]
async fn retries_can_be_switched_off() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(429)).expect(1).mount(&server).await;
    let client = client_for(&server.uri()).retry(RetryPolicy::never()).build().unwrap();

    assert_eq!(news().invoke(&client).await.unwrap_err().http_status(), Some(429));
    server.verify().await;
}

#[tokio::test]
async fn the_overall_timeout_bounds_every_attempt_and_wait() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .mount(&server)
        .await;
    let client = client_for(&server.uri())
        .retry(quick_retries().max_attempts(50))
        .overall_timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let error = news().invoke(&client).await.unwrap_err();

    assert!(matches!(error, Error::Timeout { after, .. } if after == Duration::from_millis(300)), "{error:?}");
}

/// A bare TCP server: counts connections and answers each with `script`.
async fn raw_server<F, Fut>(script: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(script(stream));
        }
    });
    (url, connections)
}

/// Reads the request head and body (the client sends a small JSON body with Content-Length).
async fn read_request(stream: &mut tokio::net::TcpStream) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_connection_closed_before_the_answer_is_not_repeated() {
    let (url, connections) = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        drop(stream);
    })
    .await;
    let client = client_for(&url).build().unwrap();

    let error = news().invoke(&client).await.unwrap_err();

    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_connection_cut_mid_body_is_not_repeated_and_keeps_the_run_id() {
    let (url, connections) = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n";
        let part = r#"{"workflowId":"wf_news","workflowRunId":"run_mid","status":"SUCCEED","output":{"news":["#;
        let _ = stream.write_all(format!("{head}{part}").as_bytes()).await;
        let _ = stream.flush().await;
    })
    .await;
    let client = client_for(&url).build().unwrap();

    let error = news().invoke(&client).await.unwrap_err();

    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(error.run_id(), Some("run_mid"));
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refused_connection_is_reported_as_transport() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);

    let error = news().invoke(&client_for(&url).build().unwrap()).await.unwrap_err();

    assert!(matches!(error, Error::Transport { .. }) && error.is_retryable(), "{error:?}");
    assert_eq!(error.run_id(), None);
    // The message names the cause, not only "error sending request".
    assert!(error.to_string().to_lowercase().contains("refused"), "{error}");
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_limit() {
    let (url, _) = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "a".repeat(16 * 1024));
        // Up to 1 GiB: far more than the client may hold; it must hang up first.
        for _ in 0..65_536 {
            if stream.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let client = client_for(&url).max_response_bytes(256 * 1024).build().unwrap();

    let error = news().invoke(&client).await.unwrap_err();

    assert!(matches!(error, Error::ResponseTooLarge { announced: None, limit: 262_144, .. }), "{error:?}");
}

#[tokio::test]
async fn a_huge_content_length_is_refused_before_reading() {
    let (url, _) = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 50000000000\r\n\r\n";
        let _ = stream.write_all(format!("{head}{{\"workflowRunId\":\"run_huge\"").as_bytes()).await;
        // Never sends the rest: a client that waited for it would time out instead.
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let client = client_for(&url).timeout(Duration::from_secs(30)).build().unwrap();

    let error = news().invoke(&client).await.unwrap_err();

    assert!(
        matches!(error, Error::ResponseTooLarge { announced: Some(50_000_000_000), limit, .. }
            if limit == gptbots_runtime::DEFAULT_MAX_RESPONSE_BYTES as u64),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_body_that_stalls_times_out_keeps_the_run_id_and_is_not_repeated() {
    let (url, connections) = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n";
        let part = r#"{"workflowId":"wf_news","workflowRunId":"run_stall","status":"SUCCEED","output":"#;
        let _ = stream.write_all(format!("{head}{part}").as_bytes()).await;
        let _ = stream.flush().await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let client = client_for(&url).timeout(Duration::from_millis(300)).build().unwrap();

    let error = news().invoke(&client).await.unwrap_err();

    assert!(matches!(error, Error::Timeout { after, .. } if after == Duration::from_millis(300)), "{error:?}");
    assert_eq!(error.run_id(), Some("run_stall"));
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}
