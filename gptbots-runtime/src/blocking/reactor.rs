//! The thread that drives the blocking client's I/O and timers.
//!
//! A current-thread tokio runtime runs on a thread of its own for as long as a clone of the
//! client lives. The caller's thread polls the call's future itself (`Handle::block_on`), so a
//! call borrows its input like the async one and needs no `Send` or `'static` bound; the
//! reactor thread only wakes it and keeps pooled connections serviced between calls. Why not a
//! runtime per call: connections would be dropped with it, and every call would pay a new TLS
//! handshake.

use std::cell::Cell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::thread::JoinHandle;

use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

use crate::{ConfigError, Error};

/// What a blocking call panics with when made from a thread that drives async tasks.
pub(super) const CALLED_FROM_ASYNC: &str = "gptbots_runtime::blocking::Client was called from \
    async code (a thread driving a tokio runtime), where blocking would stall every task of that \
    thread: use gptbots_runtime::Client and `.await` its calls there, or move the blocking call \
    into `tokio::task::spawn_blocking`";

pub(super) struct Reactor {
    handle: Handle,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Reactor {
    pub(super) fn start() -> Result<Self, Error> {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| ConfigError::BlockingRuntime { what: "runtime", source })?;
        let handle = runtime.handle().clone();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("gptbots-blocking".into())
            .spawn(move || {
                // Returns when the last clone of the client is dropped (the sender goes away).
                let _ = runtime.block_on(stopped);
            })
            .map_err(|source| ConfigError::BlockingRuntime { what: "thread", source })?;
        Ok(Reactor { handle, shutdown: Some(shutdown), thread: Some(thread) })
    }

    /// Runs `future` to completion on the calling thread.
    ///
    /// Tokio refuses to block a thread that drives async tasks, and does so before the future is
    /// first polled, so nothing has been sent when that happens: the panic is then replaced by
    /// one naming this crate's API. A panic from inside the future is passed on unchanged.
    pub(super) fn block_on<F: Future>(&self, future: F) -> F::Output {
        let polled = Cell::new(false);
        let future = async {
            polled.set(true);
            future.await
        };
        match panic::catch_unwind(AssertUnwindSafe(|| self.handle.block_on(future))) {
            Ok(output) => output,
            Err(_) if !polled.get() => panic!("{CALLED_FROM_ASYNC}"),
            Err(payload) => panic::resume_unwind(payload),
        }
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        drop(self.shutdown.take());
        if let Some(thread) = self.thread.take() {
            // The runtime is dropped on its own thread, which is never an async context.
            let _ = thread.join();
        }
    }
}
