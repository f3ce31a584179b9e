//! Async runs: submit now, fetch the typed result later, from a poll or a webhook.
//!
//! GPTBots runs can take minutes, and every run costs credits. An async run
//! (`isAsync: true`) answers at once with a run id; the result is fetched later by id. The id
//! is all that is needed, so a paid run is never lost if it is stored before waiting:
//!
//! ```no_run
//! use gptbots_runtime::{Client, Workflow};
//!
//! # async fn demo<W: Workflow>(client: &Client, workflow: &W) -> Result<(), gptbots_runtime::Error> {
//! let handle = client.submit(workflow).await?;
//! persist(handle.run_id()); // 1. store the id before waiting
//! let run = handle.wait().await?; // 2. poll until the run finishes
//! # Ok(()) }
//!
//! // After a crash: rebuild the handle from the stored id and wait again.
//! # async fn after_crash<W: Workflow>(client: &Client, stored_id: String) -> Result<(), gptbots_runtime::Error> {
//! let run = client.resume::<W>(stored_id).wait().await?;
//! # Ok(()) }
//! # fn persist(_: &str) {}
//! ```
//!
//! - [`Client::submit`](crate::Client::submit) sends the run once (with up to five
//!   [`Webhook`]s, validated before anything is sent) and returns a [`RunHandle`].
//! - [`RunHandle::wait`] schedules queries with capped exponential backoff and jitter under an
//!   overall deadline ([`PollPolicy`]); each query goes through the client's transport and its
//!   retry rule; [`RunHandle::poll`] queries once.
//! - [`DynamicWorkflow::submit`](crate::DynamicWorkflow::submit) does the same for a workflow
//!   known only at run time, with any input and output types.
//! - [`Client::resume`](crate::Client::resume) rebuilds a handle from a stored run id.
//! - [`Callback`] parses a webhook call into the same typed run; with the `webhook-axum`
//!   feature it is an axum extractor that checks the call against a `WebhookReceiver` (shared
//!   secret, JSON content type, expected run ids, replays), and [`Callback::confirm`] fetches
//!   the run it names from GPTBots instead of trusting the body.
//! - [`Client::batch`](crate::Client::batch) runs many inputs with bounded concurrency,
//!   results in input order, optionally stopping at a budget.

#[cfg(feature = "webhook-axum")]
mod axum;
mod batch;
#[cfg(feature = "journal")]
mod batch_journal;
mod budget;
mod callback;
mod handle;
mod policy;
mod progress;
mod submit;
mod webhook;

#[cfg(feature = "webhook-axum")]
pub use self::axum::{CallbackRejection, REMEMBERED_RUN_IDS, WebhookReceiver};
pub use batch::{Batch, BatchResults, DEFAULT_BATCH_CONCURRENCY};
#[cfg(feature = "journal")]
pub use batch_journal::{DEFAULT_IN_DOUBT_GRACE, InDoubt};
pub use callback::{CALLBACK_ENDPOINT, Callback, MAX_CALLBACK_RUN_ID_LEN};
pub use handle::{RunHandle, RunState};
pub use policy::{DEFAULT_NOT_FOUND_GRACE, FAST_POLLING, PollPolicy};
pub use progress::Progress;
pub use submit::Submit;
pub use webhook::{WEBHOOK_SECRET_HEADER, Webhook, WebhookError, WebhookMethod};

pub use crate::wire::MAX_WEBHOOKS;
pub(crate) use webhook::redact_url;
