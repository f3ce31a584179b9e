//! What the embedded server lets one client take: time, connections, memory. Set with
//! [`MockServerBuilder`](super::MockServerBuilder).

use std::time::Duration;

/// The limits a server runs with.
#[derive(Debug, Clone)]
pub(super) struct Limits {
    /// From the moment a connection waits for a request until its head is read: idle
    /// keep-alive time counts, so an idle connection closes after it.
    pub head_timeout: Duration,
    /// From the end of the head until the whole body is read.
    pub body_timeout: Duration,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// Request body bytes being read or handled at once, across connections.
    pub max_body_bytes_in_flight: usize,
    /// Connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Bytes of request bodies kept for [`MockServer::requests`](super::MockServer::requests).
    pub max_recorded_bytes: usize,
    /// Async runs started and not yet finished; more are answered 429.
    pub max_async_runs: usize,
    /// Bytes of the inputs and outputs (as JSON) of the runs kept for `query/result`.
    pub max_run_bytes: usize,
}

/// The default of [`MockServerBuilder::head_timeout`](super::MockServerBuilder::head_timeout).
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// The default of [`MockServerBuilder::body_timeout`](super::MockServerBuilder::body_timeout).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest request body the embedded server accepts: 8 MiB.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head_timeout: DEFAULT_HEAD_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_body_bytes: MAX_BODY_BYTES,
            max_body_bytes_in_flight: 64 * 1024 * 1024,
            max_connections: 1024,
            max_recorded_bytes: 64 * 1024 * 1024,
            max_async_runs: 256,
            max_run_bytes: 256 * 1024 * 1024,
        }
    }
}
