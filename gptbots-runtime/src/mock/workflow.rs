//! The handle of one registered workflow: its key, its scripted figures, its faults.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::endpoint::Endpoint;
use super::expectation::Times;
use super::fault::{Fault, Scope};
use super::recorded::RecordedRequest;
use super::runs::MockRun;
use super::state::Shared;

/// A workflow played by a [`MockServer`](super::MockServer), as returned by
/// [`register`](super::MockServer::register).
///
/// Cheap to clone. The setters take `&self` and return it, so they chain:
///
/// ```
/// # use gptbots_runtime::mock::MockServer;
/// # async fn demo() -> std::io::Result<()> {
/// # let server = MockServer::start().await?;
/// let news = server.register_raw("wf_today_news", |_input| async { Ok(serde_json::json!({ "news": [] })) });
/// news.name("todayNews").cost(0.6928).tokens(1745).latency(std::time::Duration::from_millis(20));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MockWorkflow {
    id: String,
    key: String,
    state: Arc<Shared>,
}

impl fmt::Debug for MockWorkflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockWorkflow").field("id", &self.id).finish_non_exhaustive()
    }
}

impl MockWorkflow {
    pub(super) fn new(id: String, key: String, state: Arc<Shared>) -> Self {
        MockWorkflow { id, key, state }
    }

    /// The workflow id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The API key that selects this workflow (generated, valid only on this server).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Sets `workflowName` (default: the Rust name of the input type, or the id).
    pub fn name(&self, name: impl Into<String>) -> &Self {
        let name = name.into();
        self.state.registry.update_script(&self.id, |script| script.name = name);
        self
    }

    /// Sets `workflowVersion` (default `"1"`).
    pub fn version(&self, version: impl Into<String>) -> &Self {
        let version = version.into();
        self.state.registry.update_script(&self.id, |script| script.version = version);
        self
    }

    /// Sets `totalCost`, in credits, of each run (default 0).
    pub fn cost(&self, credits: f64) -> &Self {
        self.state.registry.update_script(&self.id, |script| script.cost = credits);
        self
    }

    /// Sets `totalTokens` of each run (default 0).
    pub fn tokens(&self, tokens: u64) -> &Self {
        self.state.registry.update_script(&self.id, |script| script.tokens = tokens);
        self
    }

    /// Sets how long each run takes (default none). A synchronous invoke answers after it; an
    /// async run is `PENDING` for the first half and `RUNNING` for the second.
    pub fn latency(&self, latency: Duration) -> &Self {
        self.state.registry.update_script(&self.id, |script| script.latency = latency);
        self
    }

    /// Injects `fault` into the answer to the next request carrying this workflow's key.
    pub fn inject(&self, fault: Fault) -> &Self {
        self.state.faults.push(Scope { workflow: Some(self.id.clone()), endpoint: None }, fault);
        self
    }

    /// Injects `fault` into the answer to the next request at `endpoint` carrying this
    /// workflow's key.
    pub fn inject_on(&self, endpoint: Endpoint, fault: Fault) -> &Self {
        self.state.faults.push(Scope { workflow: Some(self.id.clone()), endpoint: Some(endpoint) }, fault);
        self
    }

    /// Expects this workflow to be invoked `times` times in all: a number (`2`) or a range
    /// (`1..`, `..=3`). The server checks when it is dropped and fails the test, listing the
    /// requests it received, when the count is off; [`MockServer::verify`](super::MockServer::verify)
    /// checks earlier. Setting it again replaces the expectation. The requests counted are
    /// those the server records ([`MockServer::requests`](super::MockServer::requests)), so
    /// [`clear_requests`](super::MockServer::clear_requests) starts the count again.
    ///
    /// ```
    /// # use gptbots_runtime::mock::MockServer;
    /// # async fn demo() -> std::io::Result<()> {
    /// # let server = MockServer::start().await?;
    /// let news = server.register_raw("wf_today_news", |_input| async { Ok(serde_json::json!({ "news": [] })) });
    /// news.expect(2); // "this workflow must be invoked exactly twice"
    /// # Ok(()) }
    /// ```
    pub fn expect(&self, times: impl Into<Times>) -> &Self {
        self.expect_on(Endpoint::Invoke, times)
    }

    /// Expects `times` requests at `endpoint` with this workflow's key, e.g. how often an
    /// async run is polled.
    pub fn expect_on(&self, endpoint: Endpoint, times: impl Into<Times>) -> &Self {
        self.state.expectations.set(&self.id, endpoint, times.into());
        self
    }

    /// The requests received so far with this workflow's key.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.all().into_iter().filter(|r| r.workflow_id.as_deref() == Some(&self.id)).collect()
    }

    /// How many invokes arrived with this workflow's key, whether or not they were answered.
    pub fn invocations(&self) -> usize {
        self.requests().iter().filter(|r| r.endpoint() == Some(Endpoint::Invoke)).count()
    }

    /// The runs of this workflow so far.
    pub fn runs(&self) -> Vec<MockRun> {
        self.state.runs.all().into_iter().filter(|run| run.workflow_id == self.id).collect()
    }
}
