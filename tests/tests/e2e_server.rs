//! The embedded server as an HTTP server facing clients it does not control: keep-alive with
//! faults per request, chunked bodies, timeouts, caps on connections, body bytes, recorded
//! bytes and async runs, webhook delivery limited to loopback, and where it listens.

use std::net::SocketAddr;
use std::time::Duration;

use gptbots_runtime::mock::{Endpoint, Fault, MockServer, MockWorkflow};
use gptbots_runtime::{Error, RetryPolicy};
use gptbots_tests::{Captured, TodayNews, digest, news_server, post_raw, send_raw, wait_for_deliveries};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

const INVOKE: &str = "/v1/workflow/invoke";

/// Writes `bytes` to a new connection and reads until the server closes it (at most 10 s).
async fn exchange(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(bytes).await.expect("sent");
    read_until_closed(&mut stream).await
}

async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server did not close the connection: {}", String::from_utf8_lossy(&answer));
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn requests_share_a_keep_alive_connection_and_faults_still_apply_per_request() {
    let (server, news) = news_server().await;
    let client = server.client_builder().retry(RetryPolicy::never()).build().unwrap();

    for _ in 0..3 {
        TodayNews::about("Rust", 1).invoke(&client).await.expect("a normal answer");
    }
    news.inject(Fault::Status(500));
    let refused = TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();
    news.inject(Fault::TruncatedJson);
    let truncated = TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();
    news.inject(Fault::CloseBeforeResponse);
    let closed = TodayNews::about("Rust", 1).invoke(&client).await.unwrap_err();
    let after = TodayNews::about("Rust", 2).invoke(&client).await.expect("a new connection, a normal answer");

    assert_eq!(refused.http_status(), Some(500), "{refused:?}");
    assert!(matches!(truncated, Error::InvalidResponse { status: 200, .. }), "{truncated:?}");
    assert!(matches!(closed, Error::Transport { .. }), "{closed:?}");
    assert_eq!(after.output, digest("Rust", 2));
    let requests = server.requests();
    let faults: Vec<Option<Fault>> = requests.iter().map(|r| r.fault.clone()).collect();
    assert_eq!(
        faults,
        [
            None,
            None,
            None,
            Some(Fault::Status(500)),
            Some(Fault::TruncatedJson),
            Some(Fault::CloseBeforeResponse),
            None
        ]
    );
    let connections: Vec<u64> = requests.iter().map(|r| r.connection).collect();
    assert!(
        connections[..6].iter().all(|c| *c == connections[0]),
        "one pooled connection until the fault closed it: {connections:?}"
    );
    assert_ne!(connections[6], connections[0], "the closed connection is not reused: {connections:?}");
}

#[tokio::test]
async fn two_requests_written_at_once_on_one_connection_are_both_answered() {
    let (server, news) = news_server().await;
    news.inject_on(Endpoint::VerifyKey, Fault::Status(503));
    let key = news.key();
    let request = format!("GET /v1/api-key/verify HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {key}\r\n\r\n");
    let last = format!(
        "GET /v1/api-key/verify HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {key}\r\nconnection: close\r\n\r\n"
    );

    let answers = exchange(server.addr(), format!("{request}{last}").as_bytes()).await;

    assert_eq!(answers.matches("HTTP/1.1 ").count(), 2, "{answers}");
    let second = answers.rfind("HTTP/1.1 ").unwrap();
    assert!(answers.starts_with("HTTP/1.1 503") && answers[..second].contains("50000"), "{answers}");
    assert!(answers[second..].starts_with("HTTP/1.1 200") && answers[second..].contains("wf_today_news"), "{answers}");
}

#[tokio::test]
async fn a_chunked_request_body_is_read_whole() {
    let (server, news) = news_server().await;
    let body = br#"{"input": {"topic": "Rust", "maxItems": 2}}"#;
    let (first, second) = body.split_at(17);
    let request = format!(
        "POST {INVOKE} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        news.key(),
        first.len(),
        String::from_utf8_lossy(first),
        second.len(),
        String::from_utf8_lossy(second),
    );

    let answer = exchange(server.addr(), request.as_bytes()).await;

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""status":"SUCCEED""#), "{answer}");
    assert_eq!(news.requests()[0].body(), body);
    assert_eq!(news.runs()[0].output, Some(serde_json::to_value(digest("Rust", 2)).unwrap()));
}

#[tokio::test]
async fn a_request_head_that_does_not_arrive_in_time_closes_the_connection() {
    let server = MockServer::builder().head_timeout(Duration::from_millis(200)).start().await.unwrap();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(b"POST /v1/workflow/invoke HTTP/1.1\r\nhost: x\r\n").await.unwrap();

    let answer = read_until_closed(&mut stream).await;

    assert!(!answer.contains("200 OK"), "{answer}");
    assert!(server.requests().is_empty(), "a request without its head is not a request");

    // An idle keep-alive connection is closed the same way.
    let mut idle = TcpStream::connect(server.addr()).await.unwrap();
    assert_eq!(read_until_closed(&mut idle).await, "");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_answered_408() {
    let server = MockServer::builder().body_timeout(Duration::from_millis(200)).start().await.unwrap();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"POST /v1/workflow/invoke HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"input\"")
        .await
        .unwrap();

    let answer = read_until_closed(&mut stream).await;

    assert!(answer.starts_with("HTTP/1.1 408") && answer.contains("40800"), "{answer}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_request_head_over_64_kib_is_refused_431() {
    let server = MockServer::start().await.unwrap();
    let request = format!("GET /v1/api-key/verify HTTP/1.1\r\nhost: x\r\nx-padding: {}\r\n\r\n", "p".repeat(70 * 1024));

    let answer = exchange(server.addr(), request.as_bytes()).await;

    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn connections_over_the_cap_are_answered_503_with_retry_after_until_one_closes() {
    let (server, news) = {
        let server = MockServer::builder().max_connections(2).start().await.unwrap();
        let news = server.register(gptbots_tests::news_handler);
        (server, news)
    };
    let verify = format!("GET /v1/api-key/verify HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\n\r\n", news.key());
    let mut held = Vec::new();
    for _ in 0..2 {
        // Answered once, then kept open: each holds a place under the cap.
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(verify.as_bytes()).await.unwrap();
        let mut answer = [0u8; 12];
        stream.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"HTTP/1.1 200");
        held.push(stream);
    }

    let over = exchange(server.addr(), verify.as_bytes()).await;
    assert!(over.starts_with("HTTP/1.1 503") && over.contains("retry-after: 1") && over.contains("50300"), "{over}");
    assert_eq!(server.requests().len(), 2, "the refused request reached no endpoint");

    drop(held.pop());
    let mut answered = String::new();
    for _ in 0..100 {
        answered =
            exchange(server.addr(), format!("{}\r\nconnection: close\r\n\r\n", verify.trim_end()).as_bytes()).await;
        if answered.starts_with("HTTP/1.1 200") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(answered.starts_with("HTTP/1.1 200"), "a closed connection frees its place: {answered}");
}

/// A raw workflow whose runs wait until the returned sender says `true`.
/// Waits (up to 5 s) until `condition` holds; the assertions after it say what went wrong.
async fn eventually(condition: impl Fn() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn gated(server: &MockServer, id: &str) -> (MockWorkflow, watch::Sender<bool>) {
    let (open, gate) = watch::channel(false);
    let workflow = server.register_raw(id, move |_input| {
        let mut gate = gate.clone();
        async move {
            let _ = gate.wait_for(|open| *open).await;
            Ok(json!({ "done": true }))
        }
    });
    (workflow, open)
}

fn invoke_body(text_bytes: usize, is_async: bool) -> Vec<u8> {
    serde_json::to_vec(&json!({ "input": { "text": "x".repeat(text_bytes) }, "isAsync": is_async })).unwrap()
}

#[tokio::test]
async fn sixty_large_async_submits_start_no_more_runs_than_the_cap_and_keep_recorded_bytes_bounded() {
    const MIB: usize = 1024 * 1024;
    let server = MockServer::builder().max_async_runs(4).max_recorded_bytes(8 * MIB).start().await.unwrap();
    let (slow, open) = gated(&server, "wf_slow");
    let body = invoke_body(MIB, true);

    let mut statuses = Vec::new();
    for _ in 0..60 {
        let (status, answer) = send_raw("POST", &server.url(), INVOKE, Some(slow.key()), Some(&body)).await;
        statuses.push((status, answer["code"].as_i64().or(answer["status"].as_str().map(|_| 0))));
    }

    let accepted = statuses.iter().filter(|s| **s == (200, Some(0))).count();
    let refused = statuses.iter().filter(|s| **s == (429, Some(42900))).count();
    assert_eq!((accepted, refused), (4, 56), "{statuses:?}");
    assert_eq!(slow.runs().len(), 4, "a refused submit starts no run");
    let recorded = server.requests();
    let recorded_bytes: usize = recorded.iter().map(|r| r.body().len()).sum();
    assert!(recorded_bytes <= 8 * MIB, "{recorded_bytes} bytes recorded");
    assert_eq!(recorded.len(), 7, "the latest bodies that fit 8 MiB are kept");

    // Runs that end give their places back.
    open.send(true).unwrap();
    eventually(|| slow.runs().iter().all(|run| run.status.is_terminal())).await;
    let (status, answer) = send_raw("POST", &server.url(), INVOKE, Some(slow.key()), Some(&body)).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("PENDING")), "{answer}");
}

#[tokio::test]
async fn the_inputs_of_async_runs_in_flight_count_against_the_body_budget() {
    const MIB: usize = 1024 * 1024;
    let server = MockServer::builder().max_body_bytes_in_flight(10 * MIB).start().await.unwrap();
    let (slow, open) = gated(&server, "wf_slow");
    let body = invoke_body(3 * MIB, true);

    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(send_raw("POST", &server.url(), INVOKE, Some(slow.key()), Some(&body)).await);
    }

    // Two runs hold 6 MiB; the third request's own 3 MiB fits, its run's would not.
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [200, 200, 429], "{answers:?}");
    let refusal = answers[2].1["message"].as_str().unwrap();
    assert!(refusal.contains("inputs of the async runs in flight fill the server's 10 MiB budget"), "{refusal}");
    assert_eq!(slow.runs().len(), 2);

    open.send(true).unwrap();
    eventually(|| slow.runs().iter().all(|run| run.status.is_terminal())).await;
    let (status, answer) = send_raw("POST", &server.url(), INVOKE, Some(slow.key()), Some(&body)).await;
    assert_eq!(status, 200, "runs that ended gave their bytes back: {answer}");
}

#[tokio::test]
async fn finished_runs_are_kept_within_the_byte_budget_oldest_forgotten_first() {
    const MIB: usize = 1024 * 1024;
    let server = MockServer::builder().max_run_bytes(5 * MIB / 2).start().await.unwrap();
    let echo = server
        .register_raw("wf_echo", |input| async move { Ok(json!({ "length": input["text"].as_str().map(str::len) })) });
    let body = invoke_body(MIB, false);

    let mut run_ids = Vec::new();
    for _ in 0..5 {
        let (status, answer) = send_raw("POST", &server.url(), INVOKE, Some(echo.key()), Some(&body)).await;
        assert_eq!(status, 200, "{answer}");
        run_ids.push(answer["workflowRunId"].as_str().unwrap().to_owned());
    }

    let kept: Vec<String> = server.runs().into_iter().map(|run| run.run_id).collect();
    assert_eq!(kept, run_ids[3..], "the two latest 1 MiB runs fit 2.5 MiB");
    let (status, answer) =
        post_raw(&server.url(), "/v1/workflow/query/result", echo.key(), &json!({ "workflowRunId": run_ids[0] })).await;
    assert_eq!((status, answer["code"].as_i64()), (404, Some(40348)), "{answer}");
}

#[tokio::test]
async fn a_request_over_the_in_flight_body_budget_is_answered_503_before_its_body_is_read() {
    const MIB: usize = 1024 * 1024;
    let server = MockServer::builder().max_body_bytes_in_flight(10 * MIB).start().await.unwrap();
    let (slow, open) = gated(&server, "wf_slow");
    let body = invoke_body(6 * MIB, false);

    let (url, key, first_body) = (server.url(), slow.key().to_owned(), body.clone());
    let first = tokio::spawn(async move { send_raw("POST", &url, INVOKE, Some(&key), Some(&first_body)).await });
    eventually(|| !server.requests().is_empty()).await;
    assert_eq!(server.requests().len(), 1, "the first request is being handled");

    let (status, answer) = send_raw("POST", &server.url(), INVOKE, Some(slow.key()), Some(&body)).await;
    assert_eq!((status, answer["code"].as_i64()), (503, Some(50300)), "{answer}");
    assert_eq!(server.requests().len(), 1, "the second body was not read");

    open.send(true).unwrap();
    let (status, _) = first.await.unwrap();
    assert_eq!(status, 200);
    let (status, _) = send_raw("POST", &server.url(), INVOKE, Some(slow.key()), Some(&body)).await;
    assert_eq!(status, 200, "the budget is given back once the answer is made");
}

/// Submits an async run of `workflow` with `webhooks` and waits until `count` deliveries are
/// logged.
async fn deliveries_of(
    server: &MockServer,
    workflow: &MockWorkflow,
    webhooks: Value,
    count: usize,
) -> Vec<gptbots_runtime::mock::WebhookDelivery> {
    let body = json!({ "input": { "topic": "Rust" }, "isAsync": true, "webhook": webhooks });
    let (status, answer) = post_raw(&server.url(), INVOKE, workflow.key(), &body).await;
    assert_eq!(status, 200, "{answer}");
    wait_for_deliveries(server, count).await
}

#[tokio::test(flavor = "current_thread")]
async fn webhooks_to_other_hosts_are_accepted_and_logged_as_not_delivered() {
    let captured = Captured::default();
    let writer = captured.clone();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::fmt().with_writer(move || writer.clone()).finish());
    let (server, news) = news_server().await;
    let receiver = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .expect(1)
        .mount(&receiver)
        .await;
    let hook = |url: &str| json!({ "method": "POST", "url": url });
    let webhooks = json!([
        hook("https://user:pa55@hooks.example.com/gptbots?token=s3cret"),
        hook("http://10.0.0.7:8080/done"),
        hook(&format!("{}/done", receiver.uri())),
    ]);

    let deliveries = deliveries_of(&server, &news, webhooks, 3).await;

    let outcome: Vec<(bool, Option<u16>)> = deliveries.iter().map(|d| (d.delivered, d.status)).collect();
    assert_eq!(outcome, [(false, None), (false, None), (true, Some(200))]);
    for undelivered in &deliveries[..2] {
        assert!(undelivered.error.as_deref().unwrap().contains("loopback hosts only"), "{undelivered:?}");
    }
    let undelivered: Vec<String> = server.undelivered_webhooks().into_iter().map(|d| d.url).collect();
    assert_eq!(undelivered, ["https://user:pa55@hooks.example.com/gptbots?token=s3cret", "http://10.0.0.7:8080/done"]);
    // What a standalone server prints for its operator, without the URLs' secrets.
    let log = captured.text();
    assert!(log.contains("webhook not delivered") && log.contains("https://hooks.example.com/gptbots"), "{log}");
    assert!(log.contains("http://10.0.0.7:8080/done"), "{log}");
    assert!(!log.contains("s3cret") && !log.contains("pa55"), "{log}");
}

#[tokio::test]
async fn chosen_keys_are_given_to_their_workflows_and_never_shown() {
    let builder = MockServer::builder().key("wf_today_news", "app-chosen-test-key");
    assert!(!format!("{builder:?}").contains("app-chosen-test-key"), "{builder:?}");
    let server = builder.start().await.unwrap();
    let news = server.register(gptbots_tests::news_handler);

    assert_eq!(news.key(), "app-chosen-test-key");
    let run = TodayNews::about("Rust", 1).invoke(&server.client()).await.expect("the chosen key selects the workflow");
    assert_eq!(run.output, digest("Rust", 1));

    for (builder, names) in [
        (MockServer::builder().key("wf_a", "app key with spaces"), "`wf_a`"),
        (MockServer::builder().key("wf_a", "app-same").key("wf_b", "app-same"), "`wf_a` and `wf_b`"),
    ] {
        let error = builder.start().await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains(names), "{error}");
        assert!(!error.to_string().contains("app key with") && !error.to_string().contains("app-same"), "{error}");
    }
}

#[tokio::test]
async fn webhook_delivery_follows_no_redirect() {
    let (server, news) = news_server().await;
    let elsewhere = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let redirecting = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(307).insert_header("location", format!("{}/landed", elsewhere.uri())),
        )
        .mount(&redirecting)
        .await;

    let webhooks = json!([{ "method": "POST", "url": format!("{}/hook", redirecting.uri()) }]);
    let deliveries = deliveries_of(&server, &news, webhooks, 1).await;

    assert_eq!((deliveries[0].delivered, deliveries[0].status), (true, Some(307)), "{deliveries:?}");
}

#[tokio::test]
async fn webhooks_to_localhost_are_delivered_to_loopback() {
    let (server, news) = news_server().await;
    let receiver = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/done"))
        .respond_with(wiremock::ResponseTemplate::new(204))
        .expect(1)
        .mount(&receiver)
        .await;
    let port = receiver.address().port();

    let webhooks = json!([{ "method": "POST", "url": format!("http://localhost:{port}/done") }]);
    let deliveries = deliveries_of(&server, &news, webhooks, 1).await;

    assert_eq!((deliveries[0].delivered, deliveries[0].status), (true, Some(204)), "{deliveries:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn it_listens_on_loopback_unless_told_otherwise_and_warns_when_told() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let default = MockServer::start().await.unwrap();
    assert!(default.addr().ip().is_loopback(), "{}", default.addr());
    assert_eq!(captured.text(), "", "no warning for loopback");

    let everywhere = MockServer::builder().bind("0.0.0.0:0".parse().unwrap()).start().await.unwrap();
    let log = captured.text();
    assert!(log.contains("WARN") && log.contains("non-loopback address"), "{log}");
    assert!(everywhere.url().starts_with("http://127.0.0.1:"), "{}", everywhere.url());
    let (status, _) = send_raw("GET", &everywhere.url(), "/v1/api-key/verify", None, None).await;
    assert_eq!(status, 401, "it serves");
}
