//! The server itself: its listener, its lifetime, and what tests ask of it.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::watch;

use super::builder::MockServerBuilder;
use super::delivery::WebhookDelivery;
use super::endpoint::Endpoint;
use super::expectation::UnmetExpectations;
use super::fault::{Fault, Scope};
use super::handler::{self, HandlerResult};
use super::recorded::RecordedRequest;
use super::runs::MockRun;
use super::state::Shared;
use super::workflow::MockWorkflow;
use crate::{Client, ClientBuilder, Workflow};

/// A GPTBots-compatible server on `127.0.0.1`, running inside your process.
///
/// It listens on a port the OS picks, runs on the tokio runtime that started it (a
/// current-thread `#[tokio::test]` runtime too) and stops when dropped. See the
/// [module documentation](super) for a complete example.
///
/// When dropped it also checks the expectations set with [`MockWorkflow::expect`], and panics
/// (failing the test) listing what it received when one is unmet, unless the thread is
/// already panicking.
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<Shared>,
    /// Dropping it stops the accept loop, the connections and the async runs.
    _shutdown: watch::Sender<()>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let workflows: Vec<String> = self.state.registry.keys().into_iter().map(|(id, _)| id).collect();
        f.debug_struct("MockServer").field("url", &self.url()).field("workflows", &workflows).finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server on `127.0.0.1` with an OS-assigned port and the default limits, on the
    /// current tokio runtime. [`MockServer::builder`] sets the address and the limits.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    ///
    /// # Panics
    /// Outside a tokio runtime, or on one built without its time driver (`#[tokio::test]` and
    /// `#[tokio::main]` enable it).
    pub async fn start() -> io::Result<Self> {
        MockServer::builder().start().await
    }

    /// The handle of a server the builder started.
    pub(super) fn serving(addr: SocketAddr, state: Arc<Shared>, shutdown: watch::Sender<()>) -> Self {
        MockServer { addr, state, _shutdown: shutdown }
    }

    /// A builder to choose the address and the limits before starting.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::new()
    }

    /// The base URL to give a client, e.g. `http://127.0.0.1:41234`.
    /// A server listening on every interface (`0.0.0.0`) is reached here through loopback.
    pub fn url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Plays workflow `W` with a typed handler and returns its handle, which holds the key.
    ///
    /// The handler receives the decoded input (an input that does not decode is answered with
    /// code 40000 naming the field, and the handler is not called) and returns the output, or
    /// a [`Rejection`](super::Rejection) to fail the run or refuse the call. Registering the
    /// same workflow again replaces its handler and keeps its key.
    ///
    /// ```
    /// # use gptbots_runtime::{workflow, workflow_output, mock::MockServer};
    /// # #[workflow_output]
    /// # pub struct Greeting { text: String }
    /// #[workflow(id = "wf_greet", output = Greeting)]
    /// pub struct Greet { name: String }
    ///
    /// # async fn demo() -> std::io::Result<()> {
    /// let server = MockServer::start().await?;
    /// server.register(|input: Greet| async move { Ok(Greeting { text: format!("Hello, {}!", input.name) }) });
    /// # Ok(()) }
    /// ```
    pub fn register<W, F, Fut>(&self, handler: F) -> MockWorkflow
    where
        W: Workflow + DeserializeOwned + 'static,
        W::Output: Serialize,
        F: Fn(W) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult<W::Output>> + Send + 'static,
    {
        let key = self.state.registry.insert(W::ID, W::NAME, handler::typed(handler));
        MockWorkflow::new(W::ID.to_owned(), key, Arc::clone(&self.state))
    }

    /// Plays workflow `workflow_id` with a handler on JSON values: it receives the `input`
    /// object as sent and returns the `output` object to answer. Use it for workflows without
    /// a Rust type, or to answer outputs a typed handler cannot produce.
    pub fn register_raw<F, Fut>(&self, workflow_id: &str, handler: F) -> MockWorkflow
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult<Value>> + Send + 'static,
    {
        let key = self.state.registry.insert(workflow_id, workflow_id, handler::raw(handler));
        MockWorkflow::new(workflow_id.to_owned(), key, Arc::clone(&self.state))
    }

    /// The handle of a registered workflow.
    pub fn workflow(&self, workflow_id: &str) -> Option<MockWorkflow> {
        let (_, key) = self.state.registry.keys().into_iter().find(|(id, _)| id == workflow_id)?;
        Some(MockWorkflow::new(workflow_id.to_owned(), key, Arc::clone(&self.state)))
    }

    /// A client builder pointed at this server, with the key of every workflow registered so
    /// far, polling runs every few milliseconds ([`FAST_POLLING`](crate::async_run::FAST_POLLING): the server answers at once,
    /// so tests need not wait the real service's seconds). Add your own settings (user id,
    /// timeouts, a slower poll policy) before building.
    pub fn client_builder(&self) -> ClientBuilder {
        let builder = Client::builder().base_url(self.url()).poll_policy(crate::async_run::FAST_POLLING);
        self.state.registry.keys().into_iter().fold(builder, |builder, (id, key)| builder.workflow_key(id, key))
    }

    /// A client pointed at this server with the key of every workflow registered so far
    /// (register first, then build the client).
    ///
    /// # Panics
    /// When the HTTP client cannot be built (no TLS backend available), which
    /// [`MockServer::client_builder`] reports as an error instead.
    pub fn client(&self) -> Client {
        match self.client_builder().build() {
            Ok(client) => client,
            Err(e) => panic!("the client for the embedded GPTBots server could not be built: {e}"),
        }
    }

    /// Every request received so far, in arrival order: the latest 10 000, as far as their
    /// bodies fit the budget of recorded bytes ([`MockServerBuilder::max_recorded_bytes`]).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.all()
    }

    /// The requests received so far at `endpoint`.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(|r| r.endpoint() == Some(endpoint)).collect()
    }

    /// How many requests arrived at `endpoint` so far, counting those [`MockServer::requests`]
    /// no longer keeps (a load test's polls, say).
    pub fn request_count(&self, endpoint: Endpoint) -> u64 {
        self.state.recorder.count(endpoint)
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.state.recorder.clear();
    }

    /// Every run started so far (synchronous and async), in the order they started (the latest
    /// 100 000 that fit [`MockServerBuilder::max_run_bytes`]; older runs are forgotten and
    /// `query/result` answers 40348 for them).
    pub fn runs(&self) -> Vec<MockRun> {
        self.state.runs.all()
    }

    /// One run as it stands now.
    pub fn run(&self, run_id: &str) -> Option<MockRun> {
        self.state.runs.get(run_id)
    }

    /// Every webhook of the async runs ended so far, delivered or not (the latest 10 000).
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.state.webhooks.all()
    }

    /// The webhooks the server did not send because their host is not a loopback one: those
    /// it would have delivered for GPTBots.
    pub fn undelivered_webhooks(&self) -> Vec<WebhookDelivery> {
        self.webhook_deliveries().into_iter().filter(|d| !d.delivered).collect()
    }

    /// Checks the expectations set with [`MockWorkflow::expect`] now, instead of waiting
    /// for the server to be dropped.
    ///
    /// # Errors
    /// Lists each unmet expectation with the requests it counted.
    pub fn verify(&self) -> Result<(), UnmetExpectations> {
        self.state.expectations.verify(&self.requests())
    }

    /// Injects `fault` into the answer to the next request, whatever it is.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.push(Scope::default(), fault);
    }

    /// Injects `fault` into the answer to the next request at `endpoint`.
    pub fn inject_on(&self, endpoint: Endpoint, fault: Fault) {
        self.state.faults.push(Scope { workflow: None, endpoint: Some(endpoint) }, fault);
    }

    /// How many injected faults still wait for their request.
    pub fn pending_faults(&self) -> usize {
        self.state.faults.pending()
    }

    /// A loopback URL where nothing listens, so connecting is refused: point a client at it to
    /// test connection failures.
    ///
    /// # Errors
    /// When no loopback port can be bound to find a free one.
    pub fn refused_url() -> io::Result<String> {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        drop(listener);
        Ok(format!("http://{addr}"))
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // A second panic while unwinding would abort the test run and hide the first failure.
        if std::thread::panicking() {
            return;
        }
        if let Err(unmet) = self.verify() {
            panic!("{unmet}");
        }
    }
}
