//! A batch with a journal: each input's run id is durable before the batch goes on, finished
//! inputs are answered from the journal, and unanswered submits are looked up, not resent.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tokio::sync::watch;

use super::batch::{RunOne, cost_of};
use super::{Batch, Progress, RunHandle};
use crate::journal::{Entry, InputDigest, Journal, JournalError, Outcome, SendAttempt};
use crate::{Error, Run, Status};

/// How long after an unanswered submit GPTBots' run list is trusted to show the run, by
/// default: no match by then means the submit did not start one.
pub const DEFAULT_IN_DOUBT_GRACE: Duration = Duration::from_secs(120);

/// The most times one input is submitted when its submits keep going unanswered and the run
/// list shows no run for them.
const MAX_SUBMITS: u32 = 3;

/// What a journaled batch does with an input whose submit was sent but never answered (the
/// process died in between, or the connection broke): it may have started a paid run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InDoubt {
    /// Look the run up in GPTBots' run list (by input, time window and user id) and adopt it;
    /// when the list shows none `grace` after the submit was sent, submit the input again and
    /// record why.
    LookUp {
        /// How long the run list is given to catch up.
        grace: Duration,
    },
    /// Look the run up and adopt it when found; when not, give [`Error::InDoubt`] for the input
    /// and leave it in doubt in the journal, for the caller to decide.
    Ask,
}

impl Default for InDoubt {
    fn default() -> Self {
        InDoubt::LookUp { grace: DEFAULT_IN_DOUBT_GRACE }
    }
}

/// A batch's journal and what to do with its inputs in doubt.
#[derive(Default)]
pub(super) struct JournalSettings {
    journal: Option<Arc<dyn Journal>>,
    in_doubt: InDoubt,
}

impl<I, O> Batch<I, O> {
    /// Records the batch in `journal` (feature `journal`): see the [module docs](crate::journal).
    ///
    /// Run the same batch (the same inputs in the same order) again with the same journal after
    /// a crash: finished inputs give their recorded outcome without any request, submitted ones
    /// are resumed by run id, and only inputs never sent are submitted. A journal holding
    /// another input at a position, or another workflow's runs, is refused.
    pub fn journal(mut self, journal: impl Journal + 'static) -> Self {
        self.journal.journal = Some(Arc::new(journal));
        self
    }

    /// What to do with inputs whose submit went unanswered (default [`InDoubt::LookUp`] with
    /// [`DEFAULT_IN_DOUBT_GRACE`]). Only a journaled batch knows of them.
    pub fn in_doubt(mut self, in_doubt: InDoubt) -> Self {
        self.journal.in_doubt = in_doubt;
        self
    }
}

/// The journal of a running batch.
pub(super) struct Journaled {
    journal: Arc<dyn Journal>,
    in_doubt: InDoubt,
    workflow_id: Cow<'static, str>,
    spent_before: (f64, u64, f64),
    /// Run ids adopted from the run list in this batch, so two equal inputs never adopt one run.
    adopted: Mutex<HashSet<String>>,
}

/// Where an input stands, step by step.
enum Step {
    Submit,
    Resolve(SendAttempt),
    /// Wait for this run; `true` when this batch reserved it in the budget (it submitted it).
    Wait(String, bool),
}

impl Journaled {
    pub async fn open(
        settings: JournalSettings,
        workflow_id: Cow<'static, str>,
        progress: &watch::Sender<Progress>,
    ) -> Result<Option<Self>, Error> {
        let Some(journal) = settings.journal else { return Ok(None) };
        let id = workflow_id.clone();
        let spent = blocking(&journal, move |journal| journal.open_batch(&id)).await?;
        progress.send_modify(|p| p.credits += spent.credits);
        Ok(Some(Journaled {
            journal,
            in_doubt: settings.in_doubt,
            workflow_id,
            spent_before: (spent.credits, spent.finished, spent.highest),
            adopted: Mutex::default(),
        }))
    }

    /// Credits, outcomes and the highest cost recorded before this batch started.
    pub fn spent_before(&self) -> (f64, u64, f64) {
        self.spent_before
    }

    /// Takes the input at `position` from wherever the journal left it to its outcome.
    pub async fn run<I, O>(&self, run: &RunOne, position: u64, input: I) -> Result<Run<O>, Error>
    where
        I: Serialize + Sync,
        O: DeserializeOwned,
    {
        // Serialized once: the digest, every submit, every run-list lookup and a replay use it.
        let input = serde_json::value::to_raw_value(&input)
            .map_err(|source| Error::Input { workflow_id: self.workflow_id.clone().into_owned(), source })?;
        let digest = InputDigest::of_json(input.get().as_bytes());
        let entry = {
            let digest = digest.clone();
            blocking(&self.journal, move |journal| journal.entry(position, &digest)).await?
        };
        let mut step = match entry {
            Entry::Finished(outcome) => {
                run.progress.send_modify(|p| p.recorded += 1);
                return replay(run, &self.workflow_id, &outcome, input);
            }
            Entry::Submitted { run_id } => Step::Wait(run_id, false),
            Entry::InDoubt(attempt) => Step::Resolve(attempt),
            Entry::New => Step::Submit,
        };
        let mut submits = 0;
        loop {
            step = match step {
                Step::Wait(run_id, submitted_here) => {
                    return self.wait_and_record(run, position, run_id, submitted_here).await;
                }
                Step::Submit => {
                    submits += 1;
                    match self.submit(run, position, &digest, &input).await {
                        Ok(run_id) => Step::Wait(run_id, true),
                        Err((error, Some(attempt))) if submits < MAX_SUBMITS => {
                            tracing::debug!(position, %error, "submit unanswered; looking the run up");
                            Step::Resolve(attempt)
                        }
                        Err((error, _)) => return Err(error),
                    }
                }
                Step::Resolve(attempt) => match self.resolve(run, position, &input, &attempt).await? {
                    Some(run_id) => Step::Wait(run_id, false),
                    None => Step::Submit,
                },
            };
        }
    }

    /// Sends the submit, its intent recorded first. An error that may have started a run comes
    /// with the attempt to look up.
    async fn submit(
        &self,
        run: &RunOne,
        position: u64,
        digest: &InputDigest,
        input: &RawValue,
    ) -> Result<String, (Error, Option<SendAttempt>)> {
        run.reserve().await.map_err(|error| (error, None))?;
        let settings = &run.settings;
        let user_id = settings.options.user_id.clone().or_else(|| settings.client.default_user_id().map(str::to_owned));
        let attempt = SendAttempt::now(user_id.clone());
        let recorded = {
            let (digest, attempt) = (digest.clone(), attempt.clone());
            blocking(&self.journal, move |journal| journal.sending(position, &digest, &attempt)).await
        };
        if let Err(error) = recorded {
            run.released();
            return Err((error, None));
        }
        run.progress.send_modify(|p| p.submitted += 1);
        // The submit sends the same user id: the batch's, else the client's default.
        match run.submit(input).await {
            Ok(handle) => {
                let run_id = handle.run_id().to_owned();
                let recorded = {
                    let run_id = run_id.clone();
                    blocking(&self.journal, move |journal| journal.submitted(position, &run_id)).await
                };
                recorded.map_err(|error| (error.with_run_id(&run_id), None))?;
                Ok(run_id)
            }
            Err(error) if error.may_have_started_run() => {
                run.released();
                Err((error, Some(attempt)))
            }
            Err(error) => {
                run.released();
                let reason = format!("the submit did not reach GPTBots: {error}");
                let recorded = blocking(&self.journal, move |journal| journal.not_started(position, &reason)).await;
                Err((recorded.err().unwrap_or(error), None))
            }
        }
    }

    /// Looks an unanswered submit up in the run list: `Some(run id)` when found (adopted and
    /// recorded), `None` when it surely did not start a run (recorded, to submit again).
    async fn resolve(
        &self,
        run: &RunOne,
        position: u64,
        input: &RawValue,
        attempt: &SendAttempt,
    ) -> Result<Option<String>, Error> {
        // The default user id is in `attempt` already; the run list is asked for exactly it.
        let mut options = run.settings.options.clone();
        options.user_id = attempt.user_id.clone();
        let client = &run.settings.client;
        loop {
            let asked_at = SystemTime::now();
            let found = client.find_runs(&self.workflow_id, &options, input, attempt.sent_at).await?;
            let adopted = {
                let mut adopted = self.adopted.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let run_id = found.into_iter().map(|run| run.run_id).find(|run_id| !adopted.contains(run_id));
                if let Some(run_id) = &run_id {
                    adopted.insert(run_id.clone());
                }
                run_id
            };
            if let Some(run_id) = adopted {
                tracing::info!(position, run_id, "unanswered submit found in the run list; adopting its run");
                let recorded = {
                    let run_id = run_id.clone();
                    blocking(&self.journal, move |journal| journal.submitted(position, &run_id)).await
                };
                recorded.map_err(|error| error.with_run_id(&run_id))?;
                return Ok(Some(run_id));
            }
            let waited = asked_at.duration_since(attempt.sent_at).unwrap_or_default();
            match self.in_doubt {
                InDoubt::Ask => {
                    return Err(Error::InDoubt {
                        workflow_id: self.workflow_id.clone().into_owned(),
                        position,
                        sent_at: attempt.sent_at,
                    });
                }
                InDoubt::LookUp { grace } if waited >= grace => {
                    let reason = format!(
                        "resubmitted: GPTBots' run list showed no run with this input {} s after the unanswered submit",
                        waited.as_secs()
                    );
                    tracing::info!(position, "{reason}");
                    blocking(&self.journal, move |journal| journal.not_started(position, &reason)).await?;
                    return Ok(None);
                }
                InDoubt::LookUp { grace } => tokio::time::sleep((grace - waited).min(Duration::from_secs(30))).await,
            }
        }
    }

    /// Waits for the run and records how it ended. A wait that ends without an outcome (the
    /// deadline, the network) records nothing: the next run of the batch resumes it.
    async fn wait_and_record<O: DeserializeOwned>(
        &self,
        run: &RunOne,
        position: u64,
        run_id: String,
        submitted_here: bool,
    ) -> Result<Run<O>, Error> {
        let settings = &run.settings;
        let handle: RunHandle<Box<RawValue>> = RunHandle::new(
            settings.client.clone(),
            self.workflow_id.clone(),
            settings.options.clone(),
            run_id,
            settings.policy,
        );
        let handle = if submitted_here { handle.just_submitted() } else { handle };
        let reserved = submitted_here;
        run.progress.send_modify(|p| p.running += 1);
        let result = handle.wait().await;
        run.finished(cost_of(&result), reserved);
        match result {
            Ok(finished) => {
                let outcome = Outcome {
                    run_id: Some(finished.run_id.clone()),
                    status: Some(Status::Succeed.as_str().to_owned()),
                    output: Some(finished.output.get().to_owned()),
                    cost: Some(finished.cost),
                    tokens: Some(finished.tokens),
                    error: None,
                    finished_at: SystemTime::now(),
                };
                self.record(position, outcome).await?;
                run.decoded(finished)
            }
            Err(error @ Error::RunFailed { .. }) => {
                let outcome = Outcome {
                    run_id: error.run_id().map(str::to_owned),
                    status: Some(Status::Failed.as_str().to_owned()),
                    output: None,
                    cost: error.cost(),
                    tokens: None,
                    error: Some(error.failure_reason().unwrap_or(NO_REASON).to_owned()),
                    finished_at: SystemTime::now(),
                };
                self.record(position, outcome).await?;
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    async fn record(&self, position: u64, outcome: Outcome) -> Result<(), Error> {
        let run_id = outcome.run_id.clone().unwrap_or_default();
        blocking(&self.journal, move |journal| journal.finished(position, &outcome))
            .await
            .map_err(|error| error.with_run_id(&run_id))
    }
}

const NO_REASON: &str = "GPTBots gave no reason";

/// The result a recorded outcome stands for, decoded as a fresh run would be.
fn replay<O: DeserializeOwned>(
    run: &RunOne,
    workflow_id: &str,
    outcome: &Outcome,
    input: Box<RawValue>,
) -> Result<Run<O>, Error> {
    let run_id = outcome.run_id.clone().unwrap_or_default();
    if let Some(reason) = &outcome.error {
        return Err(Error::RunFailed {
            workflow_id: workflow_id.to_owned(),
            run_id,
            reason: Some(reason.clone()),
            input: None,
            cost: outcome.cost,
        });
    }
    let raw = outcome.output.as_deref().unwrap_or("null");
    let output = run.decode_output::<O>(&run_id, raw)?;
    Ok(Run {
        run_id,
        workflow_id: workflow_id.to_owned(),
        workflow_name: None,
        workflow_version: None,
        status: Status::Succeed,
        output,
        execution_time: None,
        cost: outcome.cost.unwrap_or(0.0),
        tokens: outcome.tokens.unwrap_or(0),
        start_time: None,
        end_time: Some(outcome.finished_at),
        input,
    })
}

/// Runs a journal call off the async threads: a durable write waits for the disk.
async fn blocking<T: Send + 'static>(
    journal: &Arc<dyn Journal>,
    call: impl FnOnce(&dyn Journal) -> Result<T, JournalError> + Send + 'static,
) -> Result<T, Error> {
    let journal = journal.clone();
    match tokio::task::spawn_blocking(move || call(&*journal)).await {
        Ok(result) => result.map_err(Error::Journal),
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(Error::Journal(JournalError::Store {
            journal: "journal".into(),
            action: "written",
            source: "the runtime shut down during the write".into(),
        })),
    }
}
