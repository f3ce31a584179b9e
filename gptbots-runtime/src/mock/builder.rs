//! How a [`MockServer`] is started: where it listens and the limits it keeps.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use super::connection::accept_loop;
use super::limits::Limits;
use super::router::router;
use super::server::MockServer;
use super::state::Shared;

/// Sets the address and the limits of a [`MockServer`]; from [`MockServer::builder`].
///
/// ```
/// # use std::time::Duration;
/// # use gptbots_runtime::mock::MockServer;
/// # async fn demo() -> std::io::Result<()> {
/// let server = MockServer::builder().body_timeout(Duration::from_secs(5)).max_async_runs(16).start().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct MockServerBuilder {
    addr: SocketAddr,
    limits: Limits,
    keys: HashMap<String, String>,
}

impl fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chosen_keys: Vec<&String> = self.keys.keys().collect();
        chosen_keys.sort();
        f.debug_struct("MockServerBuilder")
            .field("addr", &self.addr)
            .field("limits", &self.limits)
            .field("workflows_with_chosen_keys", &chosen_keys)
            .finish()
    }
}

impl MockServerBuilder {
    pub(super) fn new() -> Self {
        MockServerBuilder {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            limits: Limits::default(),
            keys: HashMap::new(),
        }
    }

    /// The address to listen on (default `127.0.0.1:0`, port 0 letting the OS pick one).
    ///
    /// An address other than loopback (`0.0.0.0`, a LAN address) lets other machines use the
    /// server and its keys: [`start`](Self::start) then logs a `tracing` warning.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The API key workflow `workflow_id` gets when it is registered, instead of a random one:
    /// for a standalone server whose callers were configured with a fixed test key. Setting
    /// it again for the same workflow replaces it.
    ///
    /// A chosen key is only as secret as the place it was chosen in, where a random key is
    /// unguessable; prefer the random keys whenever the caller can be told them.
    pub fn key(mut self, workflow_id: impl Into<String>, key: impl Into<String>) -> Self {
        self.keys.insert(workflow_id.into(), key.into());
        self
    }

    /// How long a connection may take to send a request's head, idle keep-alive time
    /// included (default 30 s). Past it the connection is closed.
    pub fn head_timeout(mut self, timeout: Duration) -> Self {
        self.limits.head_timeout = timeout;
        self
    }

    /// How long a request's body may take to arrive once its head is read (default 60 s).
    /// Past it the request is answered HTTP 408 and the connection closed.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_timeout = timeout;
        self
    }

    /// Connections open at once (default 1024). A connection over the cap is answered
    /// HTTP 503 with `Retry-After: 1` and closed.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max;
        self
    }

    /// Bytes of request bodies read or being answered at once, across connections (default
    /// 64 MiB; a chunked body counts as the 8 MiB it may grow to). A request over the budget is
    /// answered HTTP 503 with `Retry-After: 1`, before its body is read.
    pub fn max_body_bytes_in_flight(mut self, bytes: usize) -> Self {
        self.limits.max_body_bytes_in_flight = bytes.max(1);
        self
    }

    /// Bytes of request bodies kept for [`MockServer::requests`] (default 64 MiB); the oldest
    /// requests are forgotten first.
    pub fn max_recorded_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_recorded_bytes = bytes;
        self
    }

    /// Async runs in flight (submitted, not yet ended) at once (default 256). An async run's
    /// request body also stays counted in [`max_body_bytes_in_flight`](Self::max_body_bytes_in_flight)
    /// until the run ends. An async invoke over either is answered HTTP 429
    /// `{"code": 42900, ...}`, and no run starts.
    pub fn max_async_runs(mut self, max: usize) -> Self {
        self.limits.max_async_runs = max;
        self
    }

    /// Bytes of run inputs and outputs (as JSON) kept for `query/result` and
    /// [`MockServer::runs`] (default 256 MiB); the oldest runs are forgotten first, and
    /// `query/result` then answers 40348 for them, as for any unknown run.
    pub fn max_run_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_run_bytes = bytes;
        self
    }

    /// Binds the address and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// When the address cannot be bound, or a chosen [`key`](Self::key) cannot be sent in an
    /// `Authorization` header (empty, or with a space, a control or a non-ASCII character) or
    /// is chosen for two workflows (`InvalidInput`, naming the workflow, never the key).
    ///
    /// # Panics
    /// Outside a tokio runtime, or on one built without its time driver.
    pub async fn start(self) -> io::Result<MockServer> {
        check_keys(&self.keys)?;
        let listener = TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            tracing::warn!(
                %addr,
                "the embedded GPTBots server listens on a non-loopback address: other machines can reach it and use its API keys"
            );
        }
        let (shutdown, shutdown_rx) = watch::channel(());
        let state = Arc::new(Shared::new(shutdown_rx, self.limits, self.keys));
        let accept = accept_loop(listener, Arc::clone(&state), router(Arc::clone(&state)));
        state.spawn(accept);
        Ok(MockServer::serving(addr, state, shutdown))
    }
}

/// Refuses chosen keys a client could not send, or that would select two workflows.
fn check_keys(keys: &HashMap<String, String>) -> io::Result<()> {
    let mut ids: Vec<&String> = keys.keys().collect();
    ids.sort();
    let mut seen = HashMap::new();
    for id in ids {
        let key = &keys[id];
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the key chosen for workflow `{id}` cannot be sent as `Authorization: Bearer <key>`: use visible ASCII characters, no spaces"
                ),
            ));
        }
        if let Some(other) = seen.insert(key.as_str(), id) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "workflows `{other}` and `{id}` were given the same key: on GPTBots a key selects one workflow, choose one key each"
                ),
            ));
        }
    }
    Ok(())
}
