//! Many async runs of one workflow with bounded concurrency and an optional budget.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use tokio::task::JoinSet;

use super::PollPolicy;
use crate::{Client, Error, Run, Workflow};

/// How many runs a batch keeps in flight unless told otherwise.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 4;

impl Client {
    /// Runs every input as an async run (submit, then wait) with at most
    /// [`DEFAULT_BATCH_CONCURRENCY`] in flight, over this client's connection pool.
    ///
    /// Awaiting the batch gives one result per input, in input order:
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
    pub fn batch<W: Workflow>(&self, inputs: impl IntoIterator<Item = W>) -> Batch<W> {
        Batch {
            client: self.clone(),
            inputs: inputs.into_iter().collect(),
            concurrency: DEFAULT_BATCH_CONCURRENCY,
            budget: None,
            policy: PollPolicy::default(),
        }
    }
}

/// Many inputs of one workflow about to run: see [`Client::batch`]. Nothing is submitted until
/// it is awaited; dropping the awaiting future stops every wait (the runs already submitted go
/// on at GPTBots).
#[must_use = "nothing is submitted until the batch is awaited"]
pub struct Batch<W> {
    client: Client,
    inputs: Vec<W>,
    concurrency: usize,
    budget: Option<f64>,
    policy: PollPolicy,
}

impl<W: Workflow + 'static> Batch<W> {
    /// At most `runs` runs in flight at once (at least 1).
    pub fn concurrency(mut self, runs: usize) -> Self {
        self.concurrency = runs.max(1);
        self
    }

    /// Stops submitting once the finished runs of the batch reported `credits` or more in all.
    ///
    /// The runs in flight when the budget is reached still finish; every input not yet
    /// submitted then gets [`Error::BudgetExceeded`]. A `FAILED` run reports no cost, so it does
    /// not count.
    pub fn budget(mut self, credits: f64) -> Self {
        self.budget = Some(credits);
        self
    }

    /// The polling schedule of each run's wait.
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Runs the batch: one result per input, in input order.
    pub async fn run(self) -> Vec<Result<Run<W::Output>, Error>> {
        let limit = self.budget.unwrap_or(f64::INFINITY);
        let mut results: Vec<Option<Result<Run<W::Output>, Error>>> = self.inputs.iter().map(|_| None).collect();
        let mut inputs = self.inputs.into_iter().enumerate();
        let mut in_flight = JoinSet::new();
        let mut spent = 0.0;
        loop {
            while in_flight.len() < self.concurrency && spent < limit {
                let Some((index, input)) = inputs.next() else { break };
                let client = self.client.clone();
                let policy = self.policy;
                in_flight.spawn(async move { (index, run_one(&client, &input, policy).await) });
            }
            let Some(joined) = in_flight.join_next().await else { break };
            match joined {
                Ok((index, result)) => {
                    if let Ok(run) = &result {
                        spent += run.cost;
                    }
                    results[index] = Some(result);
                }
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                // Only a runtime shutting down cancels these tasks; nothing is left to report to.
                Err(_) => {}
            }
        }
        results.into_iter().map(|slot| slot.unwrap_or(Err(Error::BudgetExceeded { limit, spent }))).collect()
    }
}

async fn run_one<W: Workflow>(client: &Client, input: &W, policy: PollPolicy) -> Result<Run<W::Output>, Error> {
    client.submit(input).poll_policy(policy).await?.wait().await
}

impl<W: Workflow + 'static> IntoFuture for Batch<W> {
    type Output = Vec<Result<Run<W::Output>, Error>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
