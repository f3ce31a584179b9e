//! The typed handle of a submitted run: one query, or waiting until it finishes.

use std::fmt;
use std::marker::PhantomData;

use tokio::time::{Duration, Instant};
use tracing::Instrument;

use super::PollPolicy;
use secrecy::ExposeSecret;

use crate::response::decode_run;
use crate::retry::Idempotency;
use crate::wire::{QUERY_PATH, QueryRequest};
use crate::{Client, Error, Run, Status, Workflow};

/// A run of workflow `W` that was submitted and may not have finished yet.
///
/// It holds only the run id (and a cheap clone of the client), so it can be rebuilt at any time
/// with [`Client::resume`]: persist [`RunHandle::run_id`] as soon as the submit returns, and a
/// crash never loses a paid run. Waiting only ever queries the run; it never submits it again.
pub struct RunHandle<W> {
    client: Client,
    run_id: String,
    policy: PollPolicy,
    workflow: PhantomData<fn() -> W>,
}

/// What one query of a run found: the run has either finished or not.
// Returned once per poll and matched at once: boxing the run would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum RunState<O> {
    /// The run has not finished: `PENDING`, `RUNNING`, or a status this crate does not know.
    InProgress(Status),
    /// The run succeeded; its typed output is here.
    Finished(Run<O>),
}

impl<W: Workflow> RunHandle<W> {
    pub(crate) fn new(client: Client, run_id: String, policy: PollPolicy) -> Self {
        RunHandle { client, run_id, policy, workflow: PhantomData }
    }

    /// The run id (`workflowRunId`). Store it before waiting: it is all that is needed to
    /// fetch the result later with [`Client::resume`].
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The id of the workflow the run belongs to.
    pub fn workflow_id(&self) -> &'static str {
        W::ID
    }

    /// The polling schedule [`RunHandle::wait`] follows.
    pub fn poll_policy(&self) -> PollPolicy {
        self.policy
    }

    /// Replaces the polling schedule.
    pub fn with_poll_policy(mut self, policy: PollPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Queries the run once, within the policy's per-query timeout.
    ///
    /// A run that `FAILED`, an output that does not decode, and the server's refusals are the
    /// same typed errors as a synchronous invoke's, carrying this run's id. For callers who
    /// schedule queries themselves; [`RunHandle::wait`] does the scheduling.
    pub async fn poll(&self) -> Result<RunState<W::Output>, Error> {
        self.query_within(self.policy.poll_timeout_duration()).await
    }

    /// Queries the run until it finishes, following the [`PollPolicy`]: delays grow
    /// exponentially with jitter up to a cap; transient faults (connection errors, timeouts,
    /// HTTP 429 and 5xx) are retried until the deadline; any other error is returned at once.
    ///
    /// When the deadline passes first, the error is [`Error::Deadline`] with the run id: the
    /// run goes on, and waiting again (or resuming later) picks it up. Dropping the returned
    /// future stops polling at once and leaves the run untouched.
    pub async fn wait(&self) -> Result<Run<W::Output>, Error> {
        let span = tracing::info_span!("gptbots.wait", workflow_id = W::ID, run_id = self.run_id.as_str());
        self.wait_until(after(self.policy.deadline_duration())).instrument(span).await
    }

    async fn wait_until(&self, deadline: Instant) -> Result<Run<W::Output>, Error> {
        let mut last_status = None;
        let mut last_error: Option<Box<Error>> = None;
        let mut attempt = 0u32;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            match self.query_within(self.policy.poll_timeout_duration().min(remaining)).await {
                Ok(RunState::Finished(run)) => return Ok(run),
                Ok(RunState::InProgress(status)) => {
                    tracing::debug!(status = status.as_str(), "run in progress");
                    last_status = Some(status);
                    last_error = None;
                }
                Err(error) if error.is_retryable() => {
                    tracing::debug!(%error, "query failed, trying again");
                    last_error = Some(Box::new(error));
                }
                Err(error) => return Err(error),
            }
            let wake = after(self.policy.delay(attempt));
            attempt = attempt.saturating_add(1);
            tokio::time::sleep_until(wake.min(deadline)).await;
        }
        Err(Error::Deadline {
            workflow_id: W::ID.to_owned(),
            run_id: self.run_id.clone(),
            after: self.policy.deadline_duration(),
            last_status,
            last_error,
        })
    }

    async fn query_within(&self, limit: Duration) -> Result<RunState<W::Output>, Error> {
        match tokio::time::timeout(limit, self.query()).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout { endpoint: QUERY_PATH, after: limit, run_id: Some(self.run_id.clone()) }),
        }
    }

    async fn query(&self) -> Result<RunState<W::Output>, Error> {
        let key = self.client.key_for(W::ID)?;
        let body = serde_json::to_vec(&QueryRequest { workflow_run_id: &self.run_id })
            .map_err(|e| Error::Config { message: format!("run id `{}` does not serialize: {e}", self.run_id) })?;
        // A query only reads, so the transport may repeat it after faults that an invoke
        // must not be repeated after.
        let response = self
            .client
            .post_json(QUERY_PATH, key, body, Idempotency::ReadOnly)
            .await
            .map_err(|e| e.with_run_id(&self.run_id))?;
        match decode_run::<W::Output>(QUERY_PATH, W::ID, response.status, &response.body) {
            Ok(run) => Ok(RunState::Finished(run)),
            Err(Error::UnexpectedStatus { status, .. }) => Ok(RunState::InProgress(status)),
            Err(error) => Err(error.with_run_id(&self.run_id).redact(key.expose_secret())),
        }
    }
}

/// The instant `duration` from now; a duration too long to represent means "never".
fn after(duration: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    let now = Instant::now();
    now.checked_add(duration).unwrap_or_else(|| now + CENTURY)
}

impl<W> Clone for RunHandle<W> {
    fn clone(&self) -> Self {
        RunHandle {
            client: self.client.clone(),
            run_id: self.run_id.clone(),
            policy: self.policy,
            workflow: PhantomData,
        }
    }
}

impl<W: Workflow> fmt::Debug for RunHandle<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunHandle")
            .field("workflow_id", &W::ID)
            .field("run_id", &self.run_id)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}
