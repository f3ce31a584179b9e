//! The body GPTBots sends to a webhook, parsed into a typed run.

use std::fmt;

use crate::error::ApiEndpoint;
use crate::excerpt::Quoter;
use crate::response::Decoder;
use crate::{Error, Run, Workflow};

/// The endpoint name errors about a webhook body carry.
pub const CALLBACK_ENDPOINT: &str = "webhook callback";

/// A webhook call about a finished run of `W`.
///
/// GPTBots does not document the body; it is taken to be the query-result body, read
/// leniently: unknown fields are ignored, and the output is decoded exactly as a synchronous
/// invoke's, with the same typed errors.
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
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let endpoint = ApiEndpoint::named(CALLBACK_ENDPOINT);
        let decoder = Decoder { endpoint: &endpoint, workflow_id: W::ID, quoter: Quoter::default() };
        match decoder.run::<W::Output>(200, body) {
            Ok(outcome) => {
                let run_id = outcome.run_id().to_owned();
                Ok(Callback { run_id, result: outcome.into_finished(W::ID) })
            }
            Err(error) => match error.run_id() {
                Some(run_id) => Ok(Callback { run_id: run_id.to_owned(), result: Err(error) }),
                None => Err(error),
            },
        }
    }
}

impl<W: Workflow> fmt::Debug for Callback<W>
where
    W::Output: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback").field("run_id", &self.run_id).field("result", &self.result).finish()
    }
}
