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
//! // What the application sent, key redacted.
//! let sent = summarize.requests();
//! // `max_words: None` is not sent.
//! assert_eq!(sent[0].input(), Some(&serde_json::json!({ "document": "one two three four" })));
//! assert_eq!(sent[0].header("authorization"), Some("Bearer <redacted>"));
//! # Ok(()) }
//! ```
//!
//! # What it does
//! - **Keys.** Each registered workflow gets a key; a request with a missing or unknown key is
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
//!   `SUCCEED` or `FAILED`. Its webhooks (at most 5, `GET` or `POST`, loopback URLs only) then
//!   receive the query-result body with their headers; see [`MockServer::webhook_deliveries`].
//! - **Recording.** Every request is recorded ([`RecordedRequest`]): method, path, headers
//!   with the key redacted, JSON body, the workflow its key selects, the fault it met.
//! - **Faults.** [`Fault`] breaks chosen answers the way networks, proxies and servers do:
//!   resets, truncated or oversized bodies, HTML error pages, 429 and 5xx, slow answers,
//!   wrong shapes. [`MockServer::refused_url`] gives a URL that refuses connections.
//!
//! Each connection carries one request (the server answers `connection: close`), so every
//! request is recorded and meets its fault. Request bodies must come with a `Content-Length`
//! and stay under 8 MiB. The server runs on the tokio runtime that called
//! [`MockServer::start`] and stops, async runs included, when the `MockServer` is dropped.

mod connection;
mod endpoint;
mod endpoints;
mod fault;
mod handler;
mod input_check;
mod raw;
mod recorded;
mod registry;
mod router;
mod runs;
mod script;
mod server;
mod state;
mod webhook;
mod workflow;

pub use endpoint::Endpoint;
pub use fault::Fault;
pub use handler::{HandlerResult, Rejection};
pub use recorded::RecordedRequest;
pub use runs::MockRun;
pub use server::MockServer;
pub use webhook::WebhookDelivery;
pub use workflow::MockWorkflow;
