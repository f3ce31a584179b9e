//! A scripted GPTBots stand-in for the async-run tests.
//!
//! Each run's input says how many queries answer "in progress" before it finishes, what it
//! costs and whether it fails; faults can be queued for the query endpoint. Every request is
//! counted, so tests can check that polling never submits a run twice.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use gptbots_runtime::{Client, RetryPolicy, workflow};
use serde::Deserialize;
use serde_json::{Value, json};

pub const API_KEY: &str = "test-key";

/// The output of the echo workflow.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct Echoed {
    pub text: String,
}

/// A workflow whose input scripts its own run on the [`Scripted`] server.
#[workflow(id = "wf_echo", output = Echoed)]
#[derive(Debug, Clone)]
pub struct Echo {
    pub text: String,
    /// Queries answered PENDING/RUNNING before the run finishes.
    pub polls: u32,
    /// Credits the finished run reports.
    pub cost: f64,
    /// Finish with status FAILED.
    pub fail: bool,
}

impl Echo {
    pub fn new(text: &str, polls: u32) -> Self {
        Echo { text: text.to_owned(), polls, cost: 0.5, fail: false }
    }
}

/// A fault the query endpoint answers with instead of the run.
#[derive(Debug, Clone)]
pub enum Fault {
    /// An HTTP error status with a GPTBots error body.
    Status(u16),
    /// HTTP 429 with `Retry-After: 0`.
    RateLimited,
    /// Answers normally, but only after this long.
    Stall(Duration),
}

/// What the server saw.
#[derive(Default)]
pub struct Seen {
    /// The bodies of every invoke.
    pub invokes: Vec<Value>,
    /// How many queries arrived.
    pub queries: usize,
    /// Runs submitted and not yet reported finished.
    pub in_flight: usize,
    /// The most runs in flight at once.
    pub max_in_flight: usize,
}

#[derive(Default)]
struct ServerState {
    seen: Seen,
    faults: VecDeque<Fault>,
    runs: HashMap<String, ScriptedRun>,
}

struct ScriptedRun {
    input: Echo,
    raw_input: Value,
    queries_left: u32,
    reported: bool,
}

/// The running stand-in.
pub struct Scripted {
    pub base_url: String,
    state: Arc<Mutex<ServerState>>,
}

impl Scripted {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(ServerState::default()));
        let router = Router::new()
            .route("/v1/workflow/invoke", post(invoke))
            .route("/v1/workflow/query/result", post(query))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Scripted { base_url, state }
    }

    /// A client whose transport sends each request once, so every fault reaches the polling
    /// loop under test.
    pub fn client(&self) -> Client {
        Client::builder().base_url(&self.base_url).api_key(API_KEY).retry(RetryPolicy::never()).build().expect("client")
    }

    pub fn fault(&self, fault: Fault) {
        lock(&self.state).faults.push_back(fault);
    }

    /// Reads what the server saw so far.
    pub fn seen<T>(&self, read: impl FnOnce(&Seen) -> T) -> T {
        read(&lock(&self.state).seen)
    }
}

fn lock(state: &Mutex<ServerState>) -> MutexGuard<'_, ServerState> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn unauthorized(headers: &HeaderMap) -> Option<Response> {
    let expected = format!("Bearer {API_KEY}");
    let given = headers.get("authorization").and_then(|v| v.to_str().ok());
    (given != Some(expected.as_str())).then(|| {
        (StatusCode::UNAUTHORIZED, Json(json!({"code": 40127, "message": "authentication failed"}))).into_response()
    })
}

async fn invoke(State(state): State<Arc<Mutex<ServerState>>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Some(refusal) = unauthorized(&headers) {
        return refusal;
    }
    if body["isAsync"] != json!(true) {
        return (StatusCode::BAD_REQUEST, Json(json!({"code": 40000, "message": "this test server only runs async"})))
            .into_response();
    }
    let Ok(input) = serde_json::from_value::<Echo>(body["input"].clone()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"code": 40000, "message": "invalid parameter"}))).into_response();
    };
    let mut guard = lock(&state);
    let run_id = format!("run_{}", guard.seen.invokes.len() + 1);
    let run = ScriptedRun { queries_left: input.polls, raw_input: body["input"].clone(), input, reported: false };
    if let Some(hooks) = body["webhook"].as_array() {
        deliver_later(hooks.clone(), terminal_body(&run_id, &run));
    }
    guard.runs.insert(run_id.clone(), run);
    guard.seen.invokes.push(body);
    guard.seen.in_flight += 1;
    guard.seen.max_in_flight = guard.seen.max_in_flight.max(guard.seen.in_flight);
    Json(json!({
        "workflowId": "wf_echo",
        "workflowName": "echo",
        "workflowVersion": 3,
        "workflowRunId": run_id,
        "status": "PENDING"
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryBody {
    workflow_run_id: String,
}

async fn query(
    State(state): State<Arc<Mutex<ServerState>>>,
    headers: HeaderMap,
    Json(body): Json<QueryBody>,
) -> Response {
    if let Some(refusal) = unauthorized(&headers) {
        return refusal;
    }
    let fault = {
        let mut guard = lock(&state);
        guard.seen.queries += 1;
        guard.faults.pop_front()
    };
    match fault {
        Some(Fault::Status(status)) => {
            let status = StatusCode::from_u16(status).expect("valid status");
            return (status, Json(json!({"code": 50000, "message": "internal error"}))).into_response();
        }
        Some(Fault::RateLimited) => {
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")], "slow down").into_response();
        }
        Some(Fault::Stall(pause)) => tokio::time::sleep(pause).await,
        None => {}
    }
    let mut guard = lock(&state);
    let ServerState { seen, runs, .. } = &mut *guard;
    let Some(run) = runs.get_mut(&body.workflow_run_id) else {
        return (StatusCode::NOT_FOUND, Json(json!({"code": 40348, "message": "target does not exist"})))
            .into_response();
    };
    if run.queries_left > 0 {
        let status = if run.queries_left == run.input.polls { "PENDING" } else { "RUNNING" };
        run.queries_left -= 1;
        return Json(json!({
            "workflowId": "wf_echo",
            "workflowRunId": body.workflow_run_id,
            "status": status,
            "input": run.raw_input,
        }))
        .into_response();
    }
    if !run.reported {
        run.reported = true;
        seen.in_flight -= 1;
    }
    Json(terminal_body(&body.workflow_run_id, run)).into_response()
}

/// The body of a finished run, with a field the API does not document.
fn terminal_body(run_id: &str, run: &ScriptedRun) -> Value {
    if run.input.fail {
        return json!({
            "workflowId": "wf_echo",
            "workflowRunId": run_id,
            "status": "FAILED",
            "input": run.raw_input,
            "errorMessage": "the LLM node timed out",
        });
    }
    json!({
        "workflowId": "wf_echo",
        "workflowName": "echo",
        "workflowVersion": "3",
        "workflowRunId": run_id,
        "input": run.raw_input,
        "output": {"text": run.input.text.to_uppercase()},
        "workflowExecutionTime": 1200,
        "status": "SUCCEED",
        "totalCost": run.input.cost,
        "totalTokens": 42,
        "startTime": 1758765323024u64,
        "endTime": 1758765324224u64,
        "traceId": "not documented, must be ignored",
    })
}

/// Calls each webhook with the finished run, the way GPTBots would.
fn deliver_later(hooks: Vec<Value>, body: Value) {
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        for hook in hooks {
            let url = hook["url"].as_str().unwrap_or_default().to_owned();
            let mut request = match hook["method"].as_str() {
                Some("GET") => http.get(&url),
                _ => http.post(&url).json(&body),
            };
            if let Some(headers) = hook["headers"].as_object() {
                for (name, value) in headers {
                    request = request.header(name, value.as_str().unwrap_or_default());
                }
            }
            let _ = request.send().await;
        }
    });
}
