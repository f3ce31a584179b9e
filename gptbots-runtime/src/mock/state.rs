//! What the server's connections and background runs share.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use super::delivery::Webhooks;
use super::expectation::Expectations;
use super::fault::FaultQueue;
use super::limits::Limits;
use super::recorded::Recorder;
use super::registry::Registry;
use super::request_body::permit_count;
use super::runs::RunStore;

/// An async run's place under the server's limits, given back when dropped.
pub(super) struct AsyncSlot {
    _run: OwnedSemaphorePermit,
    _bytes: OwnedSemaphorePermit,
}

pub(super) struct Shared {
    pub registry: Registry,
    pub runs: RunStore,
    pub recorder: Recorder,
    pub faults: FaultQueue,
    pub webhooks: Webhooks,
    pub expectations: Expectations,
    pub limits: Limits,
    /// One permit per connection that may be open.
    pub connections: Arc<Semaphore>,
    /// One permit per KiB of request bodies that may be read or handled at once.
    pub body_budget: Arc<Semaphore>,
    /// One permit per async run that may be in flight.
    pub async_runs: Arc<Semaphore>,
    /// How many connections were accepted (and numbered) so far.
    pub next_connection: AtomicU64,
    /// Resolves once the [`MockServer`](super::MockServer) is dropped.
    shutdown: watch::Receiver<()>,
}

impl Shared {
    pub fn new(shutdown: watch::Receiver<()>, limits: Limits, keys: HashMap<String, String>) -> Self {
        Shared {
            registry: Registry::with_keys(keys),
            runs: RunStore::new(limits.max_run_bytes),
            recorder: Recorder::new(limits.max_recorded_bytes),
            faults: FaultQueue::default(),
            webhooks: Webhooks::default(),
            expectations: Expectations::default(),
            connections: Arc::new(Semaphore::new(limits.max_connections)),
            body_budget: Arc::new(Semaphore::new(permit_count(limits.max_body_bytes_in_flight) as usize)),
            async_runs: Arc::new(Semaphore::new(limits.max_async_runs)),
            next_connection: AtomicU64::new(0),
            limits,
            shutdown,
        }
    }

    /// A place for an async run whose request body was `body_bytes` long, held until the run
    /// ends: each run in flight holds its input, so runs count against both the cap on async
    /// runs and the budget of body bytes in flight. The error says which is full.
    pub fn async_slot(&self, body_bytes: usize) -> Result<AsyncSlot, String> {
        let run = Arc::clone(&self.async_runs).try_acquire_owned().map_err(|_| {
            format!("too many async runs in flight: at most {}, retry later", self.limits.max_async_runs)
        })?;
        let bytes = Arc::clone(&self.body_budget)
            .try_acquire_many_owned(permit_count(body_bytes.min(self.limits.max_body_bytes_in_flight)))
            .map_err(|_| {
                format!(
                    "the inputs of the async runs in flight fill the server's {} MiB budget, retry later",
                    self.limits.max_body_bytes_in_flight / (1024 * 1024)
                )
            })?;
        Ok(AsyncSlot { _run: run, _bytes: bytes })
    }

    /// Runs `task` on the current tokio runtime until it ends or the server is dropped.
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = shutdown.changed() => {}
                () = task => {}
            }
        });
    }
}
