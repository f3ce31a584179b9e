//! Typed calls to GPTBots workflows.
//!
//! Declare a workflow's input as a struct, its output as a type, and call it:
//!
//! ```no_run
//! use gptbots_runtime::{Client, workflow, workflow_output};
//!
//! #[workflow_output]
//! struct NewsDigest { news: Vec<News> }
//! #[workflow_output]
//! struct News { title: String }
//!
//! #[workflow(id = "wf_today_news", output = NewsDigest)]
//! #[serde(rename_all = "camelCase")]
//! struct TodayNews { topic: String, max_items: Option<u32> }
//!
//! # async fn run() -> Result<(), gptbots_runtime::Error> {
//! let client = Client::from_env()?;
//! let run = TodayNews { topic: "rust".into(), max_items: None }.invoke(&client).await?;
//! println!("{} items, {} credits", run.output.news.len(), run.cost);
//! # Ok(()) }
//! ```
//!
//! # Where to look
//!
//! - [`macro@workflow`]: the attribute's reference: every key, the type mapping, and the checks
//!   against a workflow's `.flow` export; [`macro@workflow_output`] for output types.
//! - [`Client`] and [`ClientBuilder`]: endpoint, API keys (one per workflow), user id, timeouts,
//!   [`RetryPolicy`]; [`Client::from_env`] for the environment variables.
//! - [`Client::workflow`] and [`DynamicWorkflow`]: a workflow whose id is known only at run time,
//!   with `serde_json::Value` (or any serde type) in and out, sync and async; [`CallOptions`]
//!   for a user id, a time limit or a key on one call ([`Client::invoke_with`]);
//!   [`DynamicWorkflow::verify_key`] for which workflow a key belongs to.
//! - [`Run`], [`Status`] and [`Error`]: what a call returns. A run costs credits, so an invoke is
//!   sent again only when it surely did not reach the server; [`Error::may_have_started_run`]
//!   tells whether a failed call could have started one (then resume it by
//!   [`Error::run_id`], never submit it again).
//! - [`async_run`]: submit a run, keep its id, wait or resume later; webhooks; batches.
//! - [`catalogue`] and [`schema_docs`]: the JSON Schema of every workflow in the program, as
//!   Markdown or a JSON bundle.
//! - [`contract`]: the traits that judge field types against Start parameters, and [`File`].
//! - [`mock`] (feature `mock`): an embedded GPTBots-compatible server for tests and demos without
//!   an account; [`test_util`] (feature `test-util`) builds a [`Run`] in unit tests.
//!
//! # The async client needs tokio
//!
//! [`Client`]'s calls are futures that must run on a [tokio](https://docs.rs/tokio) 1.x runtime
//! with its I/O and time drivers enabled (`#[tokio::main]`, `#[tokio::test]`, or a runtime built
//! with `enable_all()`): the HTTP stack (reqwest, hyper) registers its sockets and timers with
//! tokio. Awaited on another executor, the first call panics with "there is no reactor running,
//! must be called from the context of a Tokio 1.x runtime". A program without an async runtime
//! uses [`blocking::Client`] (feature `blocking`) instead: the same client, blocking the calling
//! thread, with a tokio runtime of its own on a background thread.
//!
//! # How a call goes
//!
//! Typed and dynamic calls, sync and async, take one path: the client builds the request body
//! from the wire types (one declaration per JSON shape, shared with the embedded server), the
//! transport sends it with the workflow's key, checks the status, reads a bounded body, decodes
//! it into a finished run, a run in progress or a failed run (`Run<O>` or a typed [`Error`]),
//! and repeats it only when the retry rule allows. `RunHandle::wait` only schedules queries
//! that take the same path.
//!
//! # Tracing
//!
//! Every request leaves [`tracing`](https://docs.rs/tracing) spans, named after the
//! [OpenTelemetry semantic conventions](https://opentelemetry.io/docs/specs/semconv/gen-ai/)
//! where one fits, so `tracing-opentelemetry` exports their fields as the GenAI and HTTP client
//! attributes they are. A call span (INFO) covers one operation; inside it, a `gptbots.attempt`
//! span (INFO) covers each HTTP request, so a call the [`RetryPolicy`] repeated shows one
//! attempt span per try.
//!
//! | span | `gen_ai.operation.name` | what it covers |
//! |---|---|---|
//! | `gptbots.invoke` | `invoke_workflow` | a synchronous run: [`Client::invoke`] and its kin |
//! | `gptbots.submit` | `invoke_workflow` | the submit of an async run ([`Client::submit`]) |
//! | `gptbots.wait` | `wait_run` | [`RunHandle::wait`](async_run::RunHandle::wait): the `gptbots.query` spans of its polls |
//! | `gptbots.query` | `query_run` | one query of a run (a poll) |
//! | `gptbots.verify_key` | `verify_key` | [`DynamicWorkflow::verify_key`] |
//! | `gptbots.run_logs` | `list_runs` | one page of the run list ([`Client::find_run`]) |
//!
//! Fields of a call span (a field left empty is not reported):
//!
//! | field | value |
//! |---|---|
//! | `gen_ai.operation.name` | as above |
//! | `gen_ai.provider.name` | `gptbots` |
//! | `gptbots.workflow_id` | the workflow id |
//! | `gptbots.run_id` | the run id, once known, also when the call failed after the server named the run |
//! | `gptbots.cost` | credits the run cost (`totalCost`), on success or on a failed run that reports it |
//! | `gen_ai.usage.total_tokens` | tokens the run used (`totalTokens`). GPTBots reports only a total, so `gen_ai.usage.input_tokens` and `gen_ai.usage.output_tokens` are never set; the total's name is not in the OpenTelemetry conventions but is the one GenAI backends such as Sentry read |
//! | `error.type` | on failure, the [`Error`] variant: `Http`, `Timeout`, `RunFailed`... |
//! | `otel.status_code` | `ERROR` on failure (the span status for `tracing-opentelemetry`) |
//!
//! Fields of a `gptbots.attempt` span:
//!
//! | field | value |
//! |---|---|
//! | `gptbots.attempt` | the attempt's number, from 1 |
//! | `http.request.resend_count` | from the second attempt on, the number of earlier attempts |
//! | `http.request.method` | `POST` or `GET` |
//! | `server.address`, `server.port` | the host and port of the base URL |
//! | `url.path` | the path requested, with the base URL's path: `/v1/workflow/invoke`... (never the query string) |
//! | `http.response.status_code` | the HTTP status, when an answer came |
//! | `error.type` | when the attempt failed, the [`Error`] variant it failed with |
//! | `otel.kind` | `client` |
//! | `otel.status_code` | `ERROR` when the attempt failed |
//!
//! An attempt cut off by the call's overall timeout ends with neither a status nor an
//! `error.type`; the call span records `Timeout`. The API key is never in a field or an event.
//!
//! Events: a repeated attempt is announced at INFO ("GPTBots request failed; retrying", with
//! the attempt number, the delay and the error): the policy handled it and nothing needs doing,
//! but a degraded server still shows under the usual INFO filter. A failure that comes back to
//! the caller is not logged at all (only `error.type` on the span): the caller holds the error
//! and decides whether it is worth a WARN. DEBUG adds one event per answer and per poll.
//!
//! Without a subscriber interested in these spans, they cost a branch each: the figures known
//! only at the end are declared empty and recorded only when the span is enabled.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `rustls` | yes | HTTPS through rustls with the aws-lc-rs provider (reqwest's `rustls`) |
//! | `native-tls` | no | HTTPS through the platform's TLS library: OpenSSL, Secure Transport or SChannel (reqwest's `native-tls`); with `default-features = false`, aws-lc-sys is not built |
//! | `blocking` | no | [`blocking`]: a client for programs without an async runtime |
//! | `test-util` | no | [`test_util`]: a [`Run`] built in your unit tests |
//! | `mock` | no | [`mock`], the embedded server, and [`input_validation`] |
//! | `webhook-axum` | no | [`async_run::Callback`] as an axum extractor |
//!
//! With neither TLS feature the client can only reach `http://` URLs (the embedded server, a
//! local proxy); an `https://` call fails with a transport error. With both, reqwest uses native-tls.
//! docs.rs shows every feature, each gated item with its feature named.
//!
// Docs built without a feature do not hold its module: the links above then go to docs.rs.
#![cfg_attr(
    not(feature = "blocking"),
    doc = "[`blocking`]: https://docs.rs/gptbots-runtime/latest/gptbots_runtime/blocking/index.html"
)]
#![cfg_attr(
    not(feature = "blocking"),
    doc = "[`blocking::Client`]: https://docs.rs/gptbots-runtime/latest/gptbots_runtime/blocking/struct.Client.html"
)]
#![cfg_attr(
    not(feature = "test-util"),
    doc = "[`test_util`]: https://docs.rs/gptbots-runtime/latest/gptbots_runtime/test_util/index.html"
)]
#![cfg_attr(
    not(feature = "mock"),
    doc = "[`mock`]: https://docs.rs/gptbots-runtime/latest/gptbots_runtime/mock/index.html"
)]
#![cfg_attr(
    not(feature = "mock"),
    doc = "[`input_validation`]: https://docs.rs/gptbots-runtime/latest/gptbots_runtime/input_validation/index.html"
)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api_key;
pub mod async_run;
mod body_limit;
mod call;
pub mod catalogue;
mod client;
pub mod contract;
mod error;
mod excerpt;
mod loopback;
mod response;
mod response_body;
mod retry;
mod run;
mod run_logs;
pub mod schema_docs;
mod status;
mod telemetry;
mod transport;
mod unix_time;
mod wire;
mod workflow;

pub use body_limit::DEFAULT_MAX_RESPONSE_BYTES;
pub use call::{CallOptions, DynamicWorkflow};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, key_env_var,
};
pub use contract::File;
pub use error::{ApiEndpoint, ConfigError, Error};
#[doc = include_str!("workflow_attribute.md")]
pub use gptbots_macros::workflow;
/// Derives `Serialize`, `Deserialize` and `JsonSchema` for a workflow's output type, and lists its
/// fields so `#[workflow(flow = "...")]` checks them against the End node. See
/// [`workflow`](macro@workflow#the-output-type-and-workflow_output).
pub use gptbots_macros::workflow_output;
pub use response::DEFAULT_STREAMED_BODY_BYTES;
pub use retry::RetryPolicy;
pub use run::Run;
pub use run_logs::LoggedRun;
pub use status::Status;
pub use workflow::{InvokeFuture, Workflow};

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod input_validation;
#[cfg(feature = "journal")]
pub mod journal;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;

#[doc(hidden)]
pub mod __private;
