//! What the async-run tests share: a workflow played by the embedded server, quick polling,
//! request counts and a loopback webhook receiver.

#![allow(dead_code)]

use std::time::Duration;

use axum::Router;
use gptbots_runtime::async_run::PollPolicy;
use gptbots_runtime::mock::{Endpoint, MockServer, MockWorkflow, Rejection};
use gptbots_runtime::workflow;
use serde::{Deserialize, Serialize};

/// The output of `wf_shout`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Shouted {
    pub text: String,
}

/// `wf_shout`: the text upper-cased; the text "fail" makes the run fail.
#[workflow(id = "wf_shout", output = Shouted)]
#[derive(Debug, Clone)]
pub struct Shout {
    pub text: String,
}

pub fn shout(text: &str) -> Shout {
    Shout { text: text.to_owned() }
}

/// Starts an embedded server playing `wf_shout`, each run taking `latency` and costing 1 credit.
pub async fn serve(latency: Duration) -> (MockServer, MockWorkflow) {
    let server = MockServer::start().await.expect("embedded server");
    let workflow = server.register(|input: Shout| async move {
        if input.text == "fail" {
            return Err(Rejection::failed("asked to fail"));
        }
        Ok(Shouted { text: input.text.to_uppercase() })
    });
    workflow.cost(1.0).tokens(10).latency(latency);
    (server, workflow)
}

/// Polling quick enough that the tests spend little time asleep.
pub fn quick() -> PollPolicy {
    PollPolicy::default()
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
        .poll_timeout(Duration::from_secs(5))
        .deadline(Duration::from_secs(30))
}

/// How many queries the server received.
pub fn queries(server: &MockServer) -> usize {
    server.requests_to(Endpoint::QueryResult).len()
}

/// Serves `router` on a loopback port and returns its base URL.
pub async fn serve_receiver(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}
