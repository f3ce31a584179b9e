//! The typed handle of a submitted run: one query, or waiting until it finishes.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use tokio::time::{Duration, Instant};
use tracing::Instrument;

use super::PollPolicy;
use crate::call::CallOptions;
use crate::client::encode;
use crate::response::Outcome;
use crate::retry::Idempotency;
use crate::transport::{Call, Route};
use crate::wire::QueryRequest;
use crate::{Client, Error, Run, Status};

/// A submitted run that may not have finished yet, whose output decodes as `O`.
///
/// It holds only the workflow id and the run id (and a cheap clone of the client), so it can be
/// rebuilt at any time with [`Client::resume`]: persist [`RunHandle::run_id`] as soon as the
/// submit returns, and a crash never loses a paid run. Waiting only ever queries the run; it
/// never submits it again.
pub struct RunHandle<O> {
    client: Client,
    workflow_id: Cow<'static, str>,
    options: CallOptions,
    run_id: String,
    policy: PollPolicy,
    /// Submitted by this process just now, so "does not exist" means "not visible yet" for the
    /// policy's grace period; a resumed run id gets no grace.
    just_submitted: bool,
    output: PhantomData<fn() -> O>,
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

impl<O> RunHandle<O> {
    pub(crate) fn new(
        client: Client,
        workflow_id: Cow<'static, str>,
        options: CallOptions,
        run_id: String,
        policy: PollPolicy,
    ) -> Self {
        RunHandle { client, workflow_id, options, run_id, policy, just_submitted: false, output: PhantomData }
    }

    /// The handle of a run whose submit this process has just had answered.
    pub(crate) fn just_submitted(mut self) -> Self {
        self.just_submitted = true;
        self
    }
}

impl<O: DeserializeOwned> RunHandle<O> {
    /// The run id (`workflowRunId`). Store it before waiting: it is all that is needed to
    /// fetch the result later with [`Client::resume`].
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The id of the workflow the run belongs to.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
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
    pub async fn poll(&self) -> Result<RunState<O>, Error> {
        match self.query(self.policy.poll_timeout_duration()).await? {
            Outcome::Finished(run) => Ok(RunState::Finished(run)),
            Outcome::InProgress { status, .. } => Ok(RunState::InProgress(status)),
            Outcome::Failed(failed) => Err(failed.into_error(&self.workflow_id)),
        }
    }

    /// Queries the run until it finishes, following the [`PollPolicy`]: delays grow
    /// exponentially with jitter up to a cap, under an overall deadline.
    ///
    /// `wait` only schedules queries. Each query goes through the client's transport, which
    /// repeats it after transient faults under the client's [`RetryPolicy`](crate::RetryPolicy);
    /// a query that still fails transiently (connection errors, timeouts, HTTP 429 and 5xx)
    /// counts as "no news" and the next one is scheduled; any other error is returned at once.
    ///
    /// When the deadline passes first, the error is [`Error::Deadline`] with the run id: the
    /// run goes on, and waiting again (or resuming later) picks it up. Dropping the returned
    /// future stops polling at once and leaves the run untouched.
    pub async fn wait(&self) -> Result<Run<O>, Error> {
        let span = crate::telemetry::call_span!("gptbots.wait", "wait_run", &*self.workflow_id, self.run_id.as_str());
        let result = self.wait_until(after(self.policy.deadline_duration())).instrument(span.clone()).await;
        crate::telemetry::record_end(&span, &result);
        result
    }

    async fn wait_until(&self, deadline: Instant) -> Result<Run<O>, Error> {
        let grace = if self.just_submitted { self.policy.not_found_grace_duration() } else { Duration::ZERO };
        let not_found_until = after(grace);
        let mut last_status = None;
        let mut last_error: Option<Box<Error>> = None;
        let mut delays = self.policy.delays();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            match self.query(self.policy.poll_timeout_duration().min(remaining)).await {
                Ok(Outcome::Finished(run)) => return Ok(run),
                Ok(Outcome::Failed(failed)) => return Err(failed.into_error(&self.workflow_id)),
                Ok(Outcome::InProgress { status, .. }) => {
                    tracing::debug!(status = status.as_str(), "run in progress");
                    last_status = Some(status);
                    last_error = None;
                }
                Err(error) if error.is_retryable() => {
                    tracing::debug!(%error, "query failed; the next one is scheduled");
                    last_error = Some(Box::new(error));
                }
                Err(error) if error.api_code() == Some(NOT_FOUND) && Instant::now() < not_found_until => {
                    tracing::debug!(%error, "the run is not visible yet; the next query is scheduled");
                    last_error = Some(Box::new(error));
                }
                Err(error) => return Err(error),
            }
            let delay = delays.next().unwrap_or(remaining);
            tokio::time::sleep_until(after(delay).min(deadline)).await;
        }
        Err(Error::Deadline {
            workflow_id: self.workflow_id.clone().into_owned(),
            run_id: self.run_id.clone(),
            after: self.policy.deadline_duration(),
            last_status,
            last_error,
        })
    }

    /// One query within `limit` (and the client's overall timeout, when shorter).
    async fn query(&self, limit: Duration) -> Result<Outcome<O>, Error> {
        let workflow_id = &*self.workflow_id;
        let key = self.client.key_for_call(workflow_id, &self.options)?;
        let limit = self.client.transport().overall_timeout.map_or(limit, |overall| overall.min(limit));
        let call = Call {
            route: Route::Query,
            workflow_id,
            key,
            body: encode(workflow_id, &QueryRequest { workflow_run_id: Cow::Borrowed(&self.run_id) })?,
            // A query only reads, so the transport may repeat it after faults that an invoke
            // must not be repeated after.
            idempotency: Idempotency::ReadOnly,
            run_id: Some(&self.run_id),
            timeout: Some(limit),
        };
        let span = crate::telemetry::call_span!("gptbots.query", "query_run", workflow_id, self.run_id.as_str());
        let result = self.client.transport().call::<Outcome<O>>(call).instrument(span.clone()).await;
        if let Err(error) = &result {
            crate::telemetry::record_error(&span, error);
        }
        result
    }
}

/// GPTBots' "target does not exist".
const NOT_FOUND: i64 = 40348;

/// The instant `duration` from now; a duration too long to represent means "never".
fn after(duration: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    let now = Instant::now();
    now.checked_add(duration).unwrap_or_else(|| now + CENTURY)
}

impl<O> Clone for RunHandle<O> {
    fn clone(&self) -> Self {
        RunHandle {
            client: self.client.clone(),
            workflow_id: self.workflow_id.clone(),
            options: self.options.clone(),
            run_id: self.run_id.clone(),
            policy: self.policy,
            just_submitted: self.just_submitted,
            output: PhantomData,
        }
    }
}

impl<O> fmt::Debug for RunHandle<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunHandle")
            .field("workflow_id", &self.workflow_id)
            .field("run_id", &self.run_id)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}
