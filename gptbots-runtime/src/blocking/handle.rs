//! The blocking twin of [`crate::async_run::RunHandle`].

use std::fmt;

use super::Client;
use serde::de::DeserializeOwned;

use crate::async_run::{self, PollPolicy, RunState};
use crate::{Error, Run};

/// A submitted run whose output decodes as `O`, whose waits block the calling thread.
///
/// Holds only the run id and the client: persist [`RunHandle::run_id`] as soon as the submit
/// returns, and rebuild the handle later with [`Client::resume`]. Waiting only ever queries the
/// run; it never submits it again.
pub struct RunHandle<O> {
    client: Client,
    inner: async_run::RunHandle<O>,
}

impl<O> fmt::Debug for RunHandle<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::RunHandle").field(&self.inner).finish()
    }
}

impl<O: DeserializeOwned> RunHandle<O> {
    /// Wraps a handle of the async API, e.g. from a submit with a webhook run through
    /// [`Client::block_on`].
    pub fn new(client: Client, handle: async_run::RunHandle<O>) -> Self {
        RunHandle { client, inner: handle }
    }

    /// The run id (`workflowRunId`): all it takes to fetch the result later.
    pub fn run_id(&self) -> &str {
        self.inner.run_id()
    }

    /// The id of the workflow the run belongs to.
    pub fn workflow_id(&self) -> &str {
        self.inner.workflow_id()
    }

    /// Replaces the polling schedule [`RunHandle::wait`] follows.
    pub fn with_poll_policy(self, policy: PollPolicy) -> Self {
        RunHandle { client: self.client, inner: self.inner.with_poll_policy(policy) }
    }

    /// Queries the run once: [`async_run::RunHandle::poll`], blocking.
    pub fn poll(&self) -> Result<RunState<O>, Error> {
        self.client.block_on(self.inner.poll())
    }

    /// Polls until the run finishes or the deadline passes: [`async_run::RunHandle::wait`],
    /// blocking.
    pub fn wait(&self) -> Result<Run<O>, Error> {
        self.client.block_on(self.inner.wait())
    }

    /// The async handle, for use with [`crate::Client`].
    pub fn into_async(self) -> async_run::RunHandle<O> {
        self.inner
    }
}
