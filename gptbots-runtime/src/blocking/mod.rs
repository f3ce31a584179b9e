//! Calls for programs without an async runtime (feature `blocking`), like `reqwest::blocking`.
//!
//! ```no_run
//! use gptbots_runtime::{blocking, workflow, workflow_output};
//!
//! #[workflow_output]
//! struct NewsDigest { news: Vec<News> }
//! #[workflow_output]
//! struct News { title: String }
//!
//! #[workflow(id = "wf_today_news", output = NewsDigest)]
//! struct TodayNews { topic: String }
//!
//! fn main() -> Result<(), gptbots_runtime::Error> {
//!     let client = blocking::Client::from_env()?;
//!     let run = client.invoke(&TodayNews { topic: "rust".into() })?;
//!     println!("{} items, {} credits", run.output.news.len(), run.cost);
//!     Ok(())
//! }
//! ```
//!
//! [`Client`] wraps the async [`crate::Client`]: the same configuration, keys, retry rule,
//! limits and errors, and the same code path to the wire. It starts one background thread
//! running a small tokio runtime, which drives its connections; your program needs no runtime
//! of its own. Build it with [`Client::from_env`], with
//! [`ClientBuilder::build_blocking`](crate::ClientBuilder::build_blocking), or from an async
//! client with [`From`].
//!
//! # Not from async code
//!
//! A blocking call made from a thread that drives async tasks (inside `#[tokio::main]`,
//! `#[tokio::test]` or a spawned task) would stall every task of that thread, so it panics
//! instead, before anything is sent, with a message naming the async client to use there (tokio's
//! own "Cannot start a runtime from within a runtime" is printed first). From
//! `tokio::task::spawn_blocking` it works. Other executors than tokio cannot be detected: there a
//! blocking call blocks the executor's thread for the whole call.

mod handle;
mod reactor;

use std::fmt;
use std::sync::Arc;

pub use handle::RunHandle;
use reactor::Reactor;

use crate::{ClientBuilder, Error, Run, Workflow};

/// A GPTBots client whose calls block the calling thread until they finish.
///
/// Cheap to clone: clones share the connection pool and the background thread, which stops
/// when the last clone is dropped.
///
/// # Panics
///
/// Every call panics when made from async code; see the [module docs](self#not-from-async-code).
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    reactor: Arc<Reactor>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Client").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client from the environment, like [`crate::Client::from_env`].
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env().build_blocking()
    }

    /// Wraps an async client (in a test, the embedded server's `MockServer::client()`),
    /// starting the background thread. [`From`] does the same but panics when the thread
    /// cannot be started.
    pub fn new(client: crate::Client) -> Result<Self, Error> {
        Ok(Client { inner: client, reactor: Arc::new(Reactor::start()?) })
    }

    /// The async client this one wraps, for the calls this module does not mirror.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// Runs `workflow` and returns its typed output: [`crate::Client::invoke`], blocking.
    pub fn invoke<W: Workflow>(&self, workflow: &W) -> Result<Run<W::Output>, Error> {
        self.block_on(self.inner.invoke(workflow))
    }

    /// Like [`Client::invoke`], tagging the run with `user_id`: [`crate::Client::invoke_as`].
    pub fn invoke_as<W: Workflow>(&self, workflow: &W, user_id: &str) -> Result<Run<W::Output>, Error> {
        self.block_on(self.inner.invoke_as(workflow, user_id))
    }

    /// Submits `workflow` as an async run and returns its handle once GPTBots has accepted it:
    /// [`crate::Client::submit`]. Store [`RunHandle::run_id`] before waiting.
    ///
    /// For a webhook, another user id or polling schedule, run the async builder here:
    /// `client.block_on(client.as_async().submit(&input).webhook(hook))` and wrap the handle with
    /// [`RunHandle::new`].
    pub fn submit<W: Workflow>(&self, workflow: &W) -> Result<RunHandle<W::Output>, Error> {
        let handle = self.block_on(self.inner.submit(workflow).send())?;
        Ok(RunHandle::new(self.clone(), handle))
    }

    /// Rebuilds the handle of a run from its id: [`crate::Client::resume`]. Nothing is sent.
    pub fn resume<W: Workflow>(&self, run_id: impl Into<String>) -> RunHandle<W::Output> {
        RunHandle::new(self.clone(), self.inner.resume::<W>(run_id))
    }

    /// Runs many inputs with the default concurrency, results in input order:
    /// [`crate::Client::batch`]. For a budget or another concurrency, run the async builder
    /// with [`Client::block_on`].
    pub fn batch<W, I>(&self, inputs: I) -> Vec<Result<Run<W::Output>, Error>>
    where
        W: Workflow + 'static,
        I: IntoIterator<Item = W>,
        I::IntoIter: Send + 'static,
    {
        self.block_on(self.inner.batch(inputs).run())
    }

    /// Runs a future of the async client (or any future that needs tokio's I/O and timers) to
    /// completion on the calling thread.
    ///
    /// # Panics
    ///
    /// When called from async code; see the [module docs](self#not-from-async-code).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.reactor.block_on(future)
    }
}

impl From<crate::Client> for Client {
    /// # Panics
    ///
    /// When the background thread cannot be started; [`Client::new`] returns that as an error.
    fn from(client: crate::Client) -> Self {
        match Client::new(client) {
            Ok(client) => client,
            Err(error) => panic!("{error}"),
        }
    }
}

impl ClientBuilder {
    /// Validates the configuration and builds a [blocking client](Client) (feature `blocking`).
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    pub fn build_blocking(self) -> Result<Client, Error> {
        Client::new(self.build()?)
    }
}
