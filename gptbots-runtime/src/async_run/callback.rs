//! The body GPTBots sends to a webhook, parsed into a typed run.

use std::fmt;
use std::future::Future;

use super::RunState;
use crate::error::ApiEndpoint;
use crate::excerpt::Quoter;
use crate::response::Decoder;
use crate::{Client, Error, Run, Workflow};

/// The endpoint name errors about a webhook body carry.
pub const CALLBACK_ENDPOINT: &str = "webhook callback";

/// The longest run id a callback may name.
pub const MAX_CALLBACK_RUN_ID_LEN: usize = 128;

/// A webhook call about a finished run of `W`.
///
/// GPTBots does not document the body; it is taken to be the query-result body, read
/// leniently: unknown fields are ignored, and the output is decoded exactly as a synchronous
/// invoke's, with the same typed errors.
///
/// Anyone who knows the webhook URL can post such a body. The axum extractor (feature
/// `webhook-axum`) checks the shared secret, the content type, and which runs are expected
/// (see `WebhookReceiver`); for an output that surely comes from GPTBots, [`Callback::confirm`]
/// fetches the run over TLS instead of trusting the body.
pub struct Callback<W: Workflow> {
    /// The run the call is about.
    pub run_id: String,
    /// The run's typed output, or why there is none (e.g. [`Error::RunFailed`]).
    pub result: Result<Run<W::Output>, Error>,
}

impl<W: Workflow> Callback<W> {
    /// Parses a webhook body. Fails only when the body is not about a run at all (not JSON, or
    /// no `workflowRunId`); a run that failed or whose output does not decode is an `Err` in
    /// [`Callback::result`].
    ///
    /// The run id must look like one GPTBots hands out: 1 to [`MAX_CALLBACK_RUN_ID_LEN`]
    /// ASCII letters, digits, `-` and `_`. Anything else is refused, so that a forged id never
    /// reaches a database query, a log line or a file name.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let endpoint = ApiEndpoint::named(CALLBACK_ENDPOINT);
        let decoder = Decoder { endpoint: &endpoint, workflow_id: W::ID, quoter: Quoter::default() };
        let callback = match decoder.run::<W::Output>(200, body) {
            Ok(outcome) => {
                let run_id = outcome.run_id().to_owned();
                Callback { run_id, result: outcome.into_finished(W::ID) }
            }
            Err(error) => match error.run_id() {
                Some(run_id) => Callback { run_id: run_id.to_owned(), result: Err(error) },
                None => return Err(error),
            },
        };
        if !is_plain_run_id(&callback.run_id) {
            let reason = format!(
                "its `workflowRunId` ({} bytes) is not 1 to {MAX_CALLBACK_RUN_ID_LEN} ASCII letters, digits, `-` and `_`",
                callback.run_id.len()
            );
            return Err(decoder.invalid(200, None, reason, body));
        }
        Ok(callback)
    }

    /// Fetches the run this callback names from GPTBots, discarding the output the body
    /// carried: the answer then comes over TLS from the server that holds the run, and a forged
    /// body gains nothing. A body that names a run GPTBots does not know (or one not of `W`'s
    /// key) ends as an error, one that is not finished yet as [`RunState::InProgress`].
    ///
    /// One query through the client's transport and retry rule, as [`RunHandle::poll`](super::RunHandle::poll).
    ///
    /// The future borrows neither the callback nor the client, so it is `Send` whatever the
    /// output type, as an axum handler needs.
    pub fn confirm(
        &self,
        client: &Client,
    ) -> impl Future<Output = Result<RunState<W::Output>, Error>> + Send + 'static {
        let handle = client.resume::<W>(self.run_id.as_str());
        async move { handle.poll().await }
    }
}

/// Whether `run_id` is made of the characters GPTBots' run ids use, within the length bound.
pub(crate) fn is_plain_run_id(run_id: &str) -> bool {
    (1..=MAX_CALLBACK_RUN_ID_LEN).contains(&run_id.len())
        && run_id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

impl<W: Workflow> fmt::Debug for Callback<W>
where
    W::Output: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback").field("run_id", &self.run_id).field("result", &self.result).finish()
    }
}
