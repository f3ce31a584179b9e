//! The embedded GPTBots-compatible server: test your application's workflow calls without an
//! account, a network or credits.
//!
//! [`MockServer`] serves the GPTBots Workflow API (`POST /v1/workflow/invoke`,
//! `POST /v1/workflow/query/result`, `GET /v1/api-key/verify`) on `127.0.0.1` with the same JSON
//! shapes as the real service. You register each workflow your application calls with a
//! handler that plays it; the server gives each workflow its own API key (on GPTBots a key
//! belongs to exactly one workflow), and [`MockServer::client`] hands you a [`Client`](crate::Client)
//! configured with all of them. Your code under test takes that client instead of
//! [`Client::from_env`](crate::Client::from_env): nothing else changes.
//!
//! Enable it with the `mock` feature, usually as a dev-dependency:
//!
//! ```toml
//! [dev-dependencies]
//! gptbots-runtime = { version = "0.1", features = ["mock"] }
//! ```
//!
//! ```
//! use gptbots_runtime::mock::{MockServer, Rejection};
//! use gptbots_runtime::{Error, workflow, workflow_output};
//!
//! #[workflow_output]
//! #[derive(Debug)]
//! pub struct Summary { text: String }
//!
//! #[workflow(id = "wf_summarize", output = Summary)]
//! #[serde(rename_all = "camelCase")]
//! pub struct Summarize { document: String, max_words: Option<u32> }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start().await?;
//! let summarize = server.register(|input: Summarize| async move {
//!     if input.document.is_empty() {
//!         return Err(Rejection::failed("nothing to summarize"));
//!     }
//!     Ok(Summary { text: input.document.split(' ').take(3).collect::<Vec<_>>().join(" ") })
//! });
//! summarize.cost(0.25).tokens(120);
//! let client = server.client();
//!
//! let run = Summarize { document: "one two three four".into(), max_words: None }.invoke(&client).await?;
//! assert_eq!(run.output.text, "one two three");
//! assert_eq!(run.cost, 0.25);
//!
//! let failed = Summarize { document: String::new(), max_words: None }.invoke(&client).await;
//! assert!(matches!(failed, Err(Error::RunFailed { .. })));
//!
//! // What the application sent, key redacted (a `None` field is not sent).
//! let sent = summarize.requests();
//! assert_eq!(sent[0].input(), Some(serde_json::json!({ "document": "one two three four" })));
//! assert_eq!(sent[0].header("authorization"), Some("Bearer <redacted>"));
//! # Ok(()) }
//! ```
//!
//! # What it does
//! - **Keys.** Each registered workflow gets a key (random, or the one chosen with
//!   [`MockServerBuilder::key`]); a request with a missing or unknown key is
//!   answered HTTP 401 `{"code": 40127, ...}`. A key of another workflow runs that other
//!   workflow, as on GPTBots (the client then reports the mismatch).
//! - **Input.** A body that is not JSON, or has no `input` object, is answered HTTP 400
//!   `{"code": 40000, "message": ...}` naming the field; so is an input that does not fit the
//!   workflow's input schema from the [catalogue](crate::catalogue) (see
//!   [`input_validation`](crate::input_validation)), or that a typed handler's type does not
//!   accept.
//! - **Runs.** A handler's output becomes a `SUCCEED` run; [`Rejection::failed`] a `FAILED`
//!   run; [`Rejection::api_error`] and [`Rejection::http_error`] answer `{code, message}`
//!   without a run; a handler that panics fails its run. Cost, tokens, name, version and
//!   latency are scripted per workflow on
//!   [`MockWorkflow`]. Every run can be fetched with `query/result` (an unknown run id, or one
//!   of another workflow, is answered HTTP 404 `{"code": 40348, ...}`) and inspected with
//!   [`MockServer::runs`].
//! - **Async runs.** `"isAsync": true` is answered at once with the run id and `PENDING`; the
//!   run is `PENDING` for half the scripted latency, `RUNNING` for the other half, then
//!   `SUCCEED` or `FAILED`. Its webhooks (at most 5, `GET` or `POST`, any `http(s)` URL, as
//!   GPTBots accepts them) then receive the query-result body with their headers, when their
//!   host is a loopback one; the others are logged as not delivered (and reported as a
//!   `tracing` info event, their URLs without userinfo or query). See
//!   [`MockServer::webhook_deliveries`] and [`MockServer::undelivered_webhooks`].
//! - **Recording.** Every request is recorded ([`RecordedRequest`]): method, path, headers
//!   with the key redacted, the body as received, the workflow its key selects, the fault it
//!   met.
//! - **Expectations.** [`MockWorkflow::expect`] says how often a workflow must be invoked;
//!   the server checks when dropped and fails the test listing what it received.
//! - **Faults.** [`Fault`] breaks chosen answers the way networks, proxies and servers do:
//!   resets, truncated or oversized bodies, HTML error pages, 429 and 5xx, slow answers,
//!   wrong shapes. [`MockServer::refused_url`] gives a URL that refuses connections.
//!
//! # HTTP
//! The server is hyper under one axum route table. Connections stay open between requests
//! (HTTP/1.1 keep-alive), so a client's connection pool is exercised; request bodies come with
//! a `Content-Length` or chunked. Every request is read in full, recorded and matched with its
//! fault before it is answered, so faults apply per request, on a fresh connection or a
//! reused one. Faults are made inside hyper: a socket wrapper that refuses an answer's bytes
//! or resets the connection, and response bodies that trickle, lie about their
//! `Content-Length` or break off; no byte is written by hand.
//!
//! # Limits
//! Running standalone it faces clients it does not control, so nothing a client sends may
//! exhaust it ([`MockServerBuilder`] sets each):
//! - a request's head must arrive within 30 s (idle keep-alive time included), its body
//!   within 60 s after it (HTTP 408);
//! - bodies up to 8 MiB (HTTP 413), and 64 MiB of bodies read or handled at once (HTTP 503
//!   with `Retry-After`);
//! - 1024 connections open at once (more are answered HTTP 503 with `Retry-After` and closed);
//! - 64 MiB of recorded bodies, kept as bytes; 256 MiB of run inputs and outputs kept for
//!   `query/result`; 256 async runs in flight, whose request bodies stay counted in the bytes
//!   in flight until they end (HTTP 429).
//!
//! It binds `127.0.0.1` unless [`MockServerBuilder::bind`] says otherwise, and warns (a
//! `tracing` warning) when that address is not a loopback one. Its API keys are 128 bits from
//! the OS random source. It runs on the tokio runtime that called [`MockServer::start`] and
//! stops, async runs included, when the `MockServer` is dropped.

mod builder;
mod connection;
mod delivery;
mod endpoint;
mod endpoints;
mod expectation;
mod fault;
mod fault_answer;
mod handler;
mod input_check;
mod limits;
mod recorded;
mod registry;
mod request_body;
mod router;
mod runs;
mod script;
mod scripted_body;
mod server;
mod socket;
mod state;
mod webhook;
mod workflow;

pub use builder::MockServerBuilder;
pub use delivery::WebhookDelivery;
pub use endpoint::Endpoint;
pub use expectation::{Times, UnmetExpectations};
pub use fault::Fault;
pub use handler::{HandlerResult, Rejection};
pub use limits::{DEFAULT_BODY_TIMEOUT, DEFAULT_HEAD_TIMEOUT, MAX_BODY_BYTES};
pub use recorded::RecordedRequest;
pub use runs::MockRun;
pub use server::MockServer;
pub use workflow::MockWorkflow;
