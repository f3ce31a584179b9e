//! The client's transport rules hold whatever HTTP client settings the caller brings: no
//! redirect is ever followed, and a loopback base URL never goes through a proxy.
//!
//! One test per rule, each in this file only: `HTTP_PROXY` is process-wide.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use gptbots_runtime::{Client, Error, RetryPolicy, workflow};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "app-transport-rules-key-01";

#[derive(Debug, Deserialize, JsonSchema)]
struct Answer {
    text: String,
}

#[workflow(id = "wf_rules", output = Answer)]
struct Ask {
    question: String,
}

fn ask() -> Ask {
    Ask { question: "q".into() }
}

fn answer() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"workflowRunId": "run_1", "status": "SUCCEED", "output": {"text": "hi"}}))
}

/// A TCP listener standing in for a proxy: it counts connections and answers none.
async fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, connections)
}

#[tokio::test]
async fn a_caller_s_http_client_cannot_make_the_client_follow_a_redirect() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/workflow/invoke"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", format!("{}/elsewhere", server.uri())))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/elsewhere")).respond_with(answer()).expect(0).mount(&server).await;
    let following = reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(10));
    let client = Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .retry(RetryPolicy::never())
        .http_client(following)
        .build()
        .unwrap();

    let error = ask().invoke(&client).await.unwrap_err();

    assert!(matches!(error, Error::Redirect { status: 307, .. }), "{error:?}");
    server.verify().await;
}

#[tokio::test]
async fn a_loopback_base_url_bypasses_every_proxy() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(answer()).expect(2).mount(&server).await;
    let (proxy, connections) = counting_proxy().await;
    // SAFETY: the only test of this binary that reads or writes the environment.
    unsafe {
        std::env::set_var("HTTP_PROXY", &proxy);
        std::env::set_var("http_proxy", &proxy);
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let from_env = Client::builder().base_url(server.uri()).api_key(KEY).build();
    let configured = reqwest::Client::builder().proxy(reqwest::Proxy::all(&proxy).unwrap());
    let with_proxy = Client::builder().base_url(server.uri()).api_key(KEY).http_client(configured).build();
    unsafe {
        std::env::remove_var("HTTP_PROXY");
        std::env::remove_var("http_proxy");
    }

    let first = ask().invoke(&from_env.unwrap()).await;
    let second = ask().invoke(&with_proxy.unwrap()).await;

    assert_eq!(first.expect("straight to the loopback server").output.text, "hi");
    assert_eq!(second.expect("straight to the loopback server").output.text, "hi");
    assert_eq!(connections.load(Ordering::SeqCst), 0, "the proxy saw the key");
    server.verify().await;
}
