//! Many async runs of one workflow: bounded concurrency, a budget, results as they finish, and
//! (with a [journal](crate::journal)) nothing lost or paid twice across crashes.

use std::borrow::Cow;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::budget::Budget;
use super::{PollPolicy, Progress, Submit};
use crate::call::{CallOptions, DynamicWorkflow};
use crate::excerpt::Quoter;
use crate::response::decode_output;
use crate::{Client, Error, Run, Workflow};

/// How many runs a batch keeps in flight unless told otherwise.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 4;

impl Client {
    /// Runs every input as an async run (submit, then wait) with at most
    /// [`DEFAULT_BATCH_CONCURRENCY`] in flight, over this client's connection pool.
    ///
    /// Inputs are taken from the iterator as runs are started, never collected first. Awaiting
    /// the batch gives one result per input, in input order; [`Batch::stream`] gives them as
    /// they finish instead:
    ///
    /// ```no_run
    /// # use gptbots_runtime::{Client, Workflow};
    /// # async fn demo<W: Workflow + 'static>(client: &Client, inputs: Vec<W>) {
    /// let results = client.batch(inputs).concurrency(8).budget(25.0).await;
    /// for result in results {
    ///     match result {
    ///         Ok(run) => println!("{} cost {}", run.run_id, run.cost),
    ///         Err(e) => eprintln!("{e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn batch<W, I>(&self, inputs: I) -> Batch<W, W::Output>
    where
        W: Workflow + 'static,
        I: IntoIterator<Item = W>,
        I::IntoIter: Send + 'static,
    {
        Batch::new(self, Cow::Borrowed(W::ID), CallOptions::default(), Inputs::Iter(Box::new(inputs.into_iter())))
    }

    /// [`Client::batch`] over inputs that arrive as a stream (read from a file, a queue, a
    /// channel): each is taken when a run can start, so memory stays bounded however many come.
    pub fn batch_stream<W, S>(&self, inputs: S) -> Batch<W, W::Output>
    where
        W: Workflow + 'static,
        S: Stream<Item = W> + Send + 'static,
    {
        Batch::new(self, Cow::Borrowed(W::ID), CallOptions::default(), Inputs::Stream(Box::pin(inputs)))
    }
}

impl DynamicWorkflow {
    /// [`Client::batch`] for this workflow: every input any `Serialize` type, every output
    /// decoded as `O` (`serde_json::Value` for any), with this workflow's user id and key.
    ///
    /// ```no_run
    /// # async fn demo(client: &gptbots_runtime::Client) {
    /// use serde_json::{Value, json};
    ///
    /// let inputs = ["rust", "go"].map(|topic| json!({ "topic": topic }));
    /// let results = client.workflow("wf_today_news").batch::<Value, _>(inputs).concurrency(2).await;
    /// # }
    /// ```
    pub fn batch<O, I>(&self, inputs: impl IntoIterator<Item = I, IntoIter: Send + 'static>) -> Batch<I, O>
    where
        I: Serialize + Send + Sync + 'static,
        O: DeserializeOwned + Send + 'static,
    {
        let (client, id, options) = self.parts();
        Batch::new(client, id.clone(), options.clone(), Inputs::Iter(Box::new(inputs.into_iter())))
    }

    /// [`Client::batch_stream`] for this workflow: see [`DynamicWorkflow::batch`].
    pub fn batch_stream<O, I>(&self, inputs: impl Stream<Item = I> + Send + 'static) -> Batch<I, O>
    where
        I: Serialize + Send + Sync + 'static,
        O: DeserializeOwned + Send + 'static,
    {
        let (client, id, options) = self.parts();
        Batch::new(client, id.clone(), options.clone(), Inputs::Stream(Box::pin(inputs)))
    }
}

/// Many inputs of one workflow about to run: see [`Client::batch`]. Nothing is submitted until
/// it is awaited or streamed; dropping the awaiting future (or the stream) stops every wait
/// (the runs already submitted go on at GPTBots, and a journal keeps their ids).
///
/// `I` is the input type, `O` the type each output decodes as: a `#[workflow]` struct and its
/// output for [`Client::batch`], any serde types for [`DynamicWorkflow::batch`].
#[must_use = "nothing is submitted until the batch is awaited or streamed"]
pub struct Batch<I, O> {
    settings: Settings,
    inputs: Inputs<I>,
    #[cfg(feature = "journal")]
    pub(super) journal: super::batch_journal::JournalSettings,
    progress: watch::Sender<Progress>,
    output: PhantomData<fn() -> O>,
}

/// What every run of a batch shares.
pub(super) struct Settings {
    pub client: Client,
    pub workflow_id: Cow<'static, str>,
    /// The user id and key of every call.
    pub options: CallOptions,
    pub concurrency: usize,
    pub budget: Option<f64>,
    pub policy: PollPolicy,
}

enum Inputs<W> {
    Iter(Box<dyn Iterator<Item = W> + Send>),
    Stream(Pin<Box<dyn Stream<Item = W> + Send>>),
}

impl<W> Inputs<W> {
    async fn next(&mut self) -> Option<W> {
        match self {
            Inputs::Iter(inputs) => inputs.next(),
            Inputs::Stream(inputs) => std::future::poll_fn(|cx| inputs.as_mut().poll_next(cx)).await,
        }
    }
}

impl<I, O> Batch<I, O>
where
    I: Serialize + Send + Sync + 'static,
    O: DeserializeOwned + Send + 'static,
{
    fn new(client: &Client, workflow_id: Cow<'static, str>, options: CallOptions, inputs: Inputs<I>) -> Self {
        Batch {
            settings: Settings {
                client: client.clone(),
                workflow_id,
                options,
                concurrency: DEFAULT_BATCH_CONCURRENCY,
                budget: None,
                policy: client.poll_policy(),
            },
            inputs,
            #[cfg(feature = "journal")]
            journal: Default::default(),
            progress: watch::Sender::new(Progress::default()),
            output: PhantomData,
        }
    }

    /// At most `runs` runs in flight at once (at least 1).
    pub fn concurrency(mut self, runs: usize) -> Self {
        self.settings.concurrency = runs.max(1);
        self
    }

    /// Stops submitting before the batch would spend more than `credits`.
    ///
    /// Every cost a run reports counts: succeeded runs, failed runs whose body carries a cost,
    /// and runs whose output did not decode; costs that are not finite and non-negative do not.
    /// Before each submit the runs in flight are reserved at the highest cost seen so far, and
    /// the first run goes out alone, so a batch of runs of similar cost stays within the budget;
    /// a run costlier than all before it can overshoot by the difference, times the runs in
    /// flight. With a journal, the runs it recorded count too. Inputs not submitted get
    /// [`Error::BudgetExceeded`]; when several inputs wait for the budget at once, which of them
    /// goes out first is not fixed. The budget is a lower bound when the server reports no cost.
    pub fn budget(mut self, credits: f64) -> Self {
        self.settings.budget = Some(credits);
        self
    }

    /// The polling schedule of each run's wait (default: the client's
    /// [`poll_policy`](crate::ClientBuilder::poll_policy)).
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.settings.policy = policy;
        self
    }

    /// Tags every run with `user_id` instead of the client's default.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.settings.options.user_id = Some(user_id.into());
        self
    }

    /// The batch's counts as it runs (submitted, running, succeeded, failed, credits), updated
    /// after every change: watch it from another task to draw a progress bar.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// Starts the batch and gives `(position, result)` pairs as runs finish, in the order they
    /// finish; positions count inputs from 0. Must be called within a tokio runtime.
    pub fn stream(self) -> BatchResults<O> {
        let (sender, receiver) = mpsc::channel(self.settings.concurrency.max(16));
        let driver = tokio::spawn(self.drive(sender));
        BatchResults { receiver, driver }
    }

    /// Runs the batch: one result per input, in input order.
    pub async fn run(self) -> Vec<Result<Run<O>, Error>> {
        let mut results = self.stream();
        let mut slots: Vec<Option<Result<Run<O>, Error>>> = Vec::new();
        while let Some((position, result)) = results.next().await {
            if slots.len() <= position {
                slots.resize_with(position + 1, || None);
            }
            slots[position] = Some(result);
        }
        // Every position taken from the inputs gets a result before the stream ends.
        slots.into_iter().flatten().collect()
    }

    async fn drive(mut self, results: mpsc::Sender<Finished<O>>) {
        let progress = Arc::new(self.progress);
        #[cfg(feature = "journal")]
        let journal = match super::batch_journal::Journaled::open(
            std::mem::take(&mut self.journal),
            self.settings.workflow_id.clone(),
            &progress,
        )
        .await
        {
            Ok(journal) => journal.map(Arc::new),
            Err(error) => {
                // Nothing can be run safely without the journal: the first input carries why.
                let _ = results.send((0, Err(error))).await;
                return;
            }
        };
        #[cfg(feature = "journal")]
        let before = journal.as_ref().map_or((0.0, 0, 0.0), |journal| journal.spent_before());
        #[cfg(not(feature = "journal"))]
        let before = (0.0, 0, 0.0);
        let budget = self.settings.budget.map(|limit| Arc::new(Budget::new(limit, before.0, before.1, before.2)));
        let settings = Arc::new(self.settings);
        let mut in_flight = JoinSet::new();
        let mut position = 0;
        let mut exhausted = false;
        loop {
            while !exhausted && in_flight.len() < settings.concurrency {
                let Some(input) = self.inputs.next().await else {
                    exhausted = true;
                    break;
                };
                progress.send_modify(|p| p.inputs += 1);
                let run = RunOne { settings: settings.clone(), budget: budget.clone(), progress: progress.clone() };
                #[cfg(feature = "journal")]
                let journal = journal.clone();
                in_flight.spawn(async move {
                    #[cfg(feature = "journal")]
                    if let Some(journal) = journal {
                        return (position, journal.run::<I, O>(&run, position as u64, input).await);
                    }
                    (position, run.submit_and_wait::<I, O>(&input).await)
                });
                position += 1;
            }
            let Some(joined) = in_flight.join_next().await else { break };
            match joined {
                Ok((position, result)) => {
                    progress.send_modify(|p| match &result {
                        Ok(_) => p.succeeded += 1,
                        Err(_) => p.failed += 1,
                    });
                    if results.send((position, result)).await.is_err() {
                        // Nobody reads the results any more: stop waiting on the runs.
                        return;
                    }
                }
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                // Only a runtime shutting down cancels these tasks; nothing is left to report to.
                Err(_) => return,
            }
        }
    }
}

/// One finished input: its position and its result.
type Finished<O> = (usize, Result<Run<O>, Error>);

/// What one input's run needs: the batch's settings, budget and progress.
pub(super) struct RunOne {
    pub settings: Arc<Settings>,
    pub budget: Option<Arc<Budget>>,
    pub progress: Arc<watch::Sender<Progress>>,
}

impl RunOne {
    /// Reserves the run within the budget, or the error for an input left unsubmitted.
    pub async fn reserve(&self) -> Result<(), Error> {
        match &self.budget {
            Some(budget) => {
                budget.reserve().await.map_err(|e| Error::BudgetExceeded { limit: e.limit, spent: e.spent })
            }
            None => Ok(()),
        }
    }

    /// A run ended, reporting `cost`; `reserved` when this batch reserved it (it submitted it),
    /// not when it resumed a run submitted earlier.
    pub fn finished(&self, cost: Option<f64>, reserved: bool) {
        if let Some(budget) = &self.budget {
            budget.finished(cost, reserved);
        }
        let cost = cost.filter(|cost| cost.is_finite() && *cost >= 0.0).unwrap_or(0.0);
        self.progress.send_modify(|p| {
            p.running = p.running.saturating_sub(1);
            p.credits += cost;
        });
    }

    /// A reserved run was not started.
    pub fn released(&self) {
        if let Some(budget) = &self.budget {
            budget.released();
        }
    }

    /// The submit of `input` with the batch's settings. Its handle keeps the raw output, which
    /// is decoded once its cost is counted: a run whose output does not fit the output type was
    /// paid for all the same.
    pub fn submit<'a, I: Serialize + ?Sized>(&'a self, input: &'a I) -> Submit<'a, I, Box<RawValue>> {
        let settings = &self.settings;
        Submit::new(&settings.client, settings.workflow_id.clone(), input, Cow::Borrowed(&settings.options))
            .poll_policy(settings.policy)
    }

    /// Submits `input` (the budget allowing) and waits for its run.
    async fn submit_and_wait<I, O>(&self, input: &I) -> Result<Run<O>, Error>
    where
        I: Serialize + Sync,
        O: DeserializeOwned,
    {
        self.reserve().await?;
        let submit = self.submit(input);
        self.progress.send_modify(|p| p.submitted += 1);
        let handle = match submit.await {
            Ok(handle) => handle,
            Err(error) => {
                self.released();
                return Err(error);
            }
        };
        self.progress.send_modify(|p| p.running += 1);
        let result = handle.wait().await;
        self.finished(cost_of(&result), true);
        self.decoded(result?)
    }

    /// A finished run with its raw output decoded into the batch's output type, as a
    /// synchronous invoke would have decoded it.
    pub fn decoded<O: DeserializeOwned>(&self, run: Run<Box<RawValue>>) -> Result<Run<O>, Error> {
        let output = self.decode_output::<O>(&run.run_id, run.output.get())?;
        Ok(Run {
            run_id: run.run_id,
            workflow_id: run.workflow_id,
            workflow_name: run.workflow_name,
            workflow_version: run.workflow_version,
            status: run.status,
            output,
            execution_time: run.execution_time,
            cost: run.cost,
            tokens: run.tokens,
            start_time: run.start_time,
            end_time: run.end_time,
            input: run.input,
        })
    }

    /// A run's raw output decoded as `O`, its errors scrubbed of the key the batch calls with.
    pub fn decode_output<O: DeserializeOwned>(&self, run_id: &str, raw_output: &str) -> Result<O, Error> {
        let settings = &self.settings;
        let key = settings.client.key_for_call(&settings.workflow_id, &settings.options);
        let quoter = Quoter::new(key.map(|key| key.expose_secret()).unwrap_or_default());
        decode_output::<O>(&settings.workflow_id, run_id, raw_output, &quoter)
    }
}

/// The cost a finished wait reported, whether the run succeeded or not.
pub(super) fn cost_of<O>(result: &Result<Run<O>, Error>) -> Option<f64> {
    match result {
        Ok(run) => Some(run.cost),
        Err(error) => error.cost(),
    }
}

/// The results of a [`Batch::stream`], as runs finish: `(position, result)`, positions counting
/// inputs from 0. Dropping it stops the batch (runs already submitted go on at GPTBots).
///
/// Read it with [`BatchResults::next`], or as a [`futures_core::Stream`].
pub struct BatchResults<O> {
    receiver: mpsc::Receiver<Finished<O>>,
    driver: tokio::task::JoinHandle<()>,
}

impl<O> BatchResults<O> {
    /// The next input to finish, or `None` when every input has.
    pub async fn next(&mut self) -> Option<(usize, Result<Run<O>, Error>)> {
        self.receiver.recv().await
    }
}

impl<O> Stream for BatchResults<O> {
    type Item = (usize, Result<Run<O>, Error>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.receiver.poll_recv(cx)
    }
}

impl<O> Drop for BatchResults<O> {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl<O> std::fmt::Debug for BatchResults<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchResults").finish_non_exhaustive()
    }
}

impl<I, O> IntoFuture for Batch<I, O>
where
    I: Serialize + Send + Sync + 'static,
    O: DeserializeOwned + Send + 'static,
{
    type Output = Vec<Result<Run<O>, Error>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
