//! What the server's connections and background runs share.

use std::future::Future;

use tokio::sync::watch;

use super::fault::FaultQueue;
use super::recorded::Recorder;
use super::registry::Registry;
use super::runs::RunStore;
use super::webhook::Webhooks;

pub(super) struct Shared {
    pub registry: Registry,
    pub runs: RunStore,
    pub recorder: Recorder,
    pub faults: FaultQueue,
    pub webhooks: Webhooks,
    /// Resolves once the [`MockServer`](super::MockServer) is dropped.
    shutdown: watch::Receiver<()>,
}

impl Shared {
    pub fn new(shutdown: watch::Receiver<()>) -> Self {
        Shared {
            registry: Registry::default(),
            runs: RunStore::default(),
            recorder: Recorder::default(),
            faults: FaultQueue::default(),
            webhooks: Webhooks::default(),
            shutdown,
        }
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
