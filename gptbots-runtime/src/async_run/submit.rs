//! Submitting an async run, and rebuilding the handle of one from its run id.

use std::borrow::Cow;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use tracing::Instrument;

use super::webhook::validate_count;
use super::{PollPolicy, RunHandle, Webhook};
use crate::call::CallOptions;
use crate::response::Outcome;
use crate::{Client, Error, Workflow};

impl Client {
    /// Starts an async run of `workflow` (`isAsync: true`): the server answers at once with a
    /// run id, and the returned [`RunHandle`] fetches the result.
    ///
    /// Await it directly, or add webhooks, a user id or a polling schedule first:
    ///
    /// ```no_run
    /// # use gptbots_runtime::{Client, Workflow, async_run::Webhook};
    /// # async fn demo<W: Workflow>(client: &Client, workflow: &W) -> Result<(), gptbots_runtime::Error> {
    /// let handle = client.submit(workflow).webhook(Webhook::post("https://example.com/done")?).await?;
    /// save_somewhere(handle.run_id()); // before waiting: a crash must not lose the run
    /// let run = handle.wait().await?;
    /// # Ok(()) }
    /// # fn save_somewhere(_: &str) {}
    /// ```
    ///
    /// Like an invoke, the submit is sent once and never repeated.
    pub fn submit<'a, W: Workflow>(&'a self, workflow: &'a W) -> Submit<'a, W, W::Output> {
        Submit::new(self, Cow::Borrowed(W::ID), workflow, Cow::Owned(CallOptions::default()))
    }

    /// Rebuilds the handle of a run of `W` from its id, e.g. one saved before a crash.
    ///
    /// Nothing is sent: wait on the handle to fetch the result. The client must hold the key of
    /// `W`, since GPTBots only shows a run to the key of its workflow.
    pub fn resume<W: Workflow>(&self, run_id: impl Into<String>) -> RunHandle<W::Output> {
        RunHandle::new(self.clone(), Cow::Borrowed(W::ID), CallOptions::default(), run_id.into(), self.poll_policy())
    }
}

/// An async run about to be submitted: see [`Client::submit`] and
/// [`DynamicWorkflow::submit`](crate::DynamicWorkflow::submit). `I` is the input, `O` the output
/// the handle decodes. Nothing is sent until it is awaited.
#[must_use = "nothing is submitted until the submit is awaited"]
pub struct Submit<'a, I: ?Sized, O> {
    client: &'a Client,
    workflow_id: Cow<'static, str>,
    input: &'a I,
    options: Cow<'a, CallOptions>,
    webhooks: Vec<Webhook>,
    policy: PollPolicy,
    output: PhantomData<fn() -> O>,
}

impl<'a, I: ?Sized, O> Submit<'a, I, O> {
    pub(crate) fn new(
        client: &'a Client,
        workflow_id: Cow<'static, str>,
        input: &'a I,
        options: Cow<'a, CallOptions>,
    ) -> Self {
        Submit {
            client,
            workflow_id,
            input,
            options,
            webhooks: Vec::new(),
            policy: client.poll_policy(),
            output: PhantomData,
        }
    }
}

impl<'a, I: Serialize + ?Sized, O: DeserializeOwned> Submit<'a, I, O> {
    /// Asks GPTBots to call `webhook` when the run finishes (at most
    /// [`MAX_WEBHOOKS`](super::MAX_WEBHOOKS) per run).
    pub fn webhook(mut self, webhook: Webhook) -> Self {
        self.webhooks.push(webhook);
        self
    }

    /// Tags the run with `user_id` instead of the client's default.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.options.to_mut().user_id = Some(user_id.into());
        self
    }

    /// The polling schedule of the returned handle's [`RunHandle::wait`].
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Validates the webhooks, sends the submit once, and returns the run's handle.
    pub async fn send(self) -> Result<RunHandle<O>, Error> {
        let span = crate::telemetry::call_span!("gptbots.submit", "invoke_workflow", &*self.workflow_id, None::<&str>);
        let result = self.send_once().instrument(span.clone()).await;
        match &result {
            Ok(handle) => {
                span.record("gptbots.run_id", handle.run_id());
            }
            Err(error) => crate::telemetry::record_error(&span, error),
        }
        result
    }

    async fn send_once(self) -> Result<RunHandle<O>, Error> {
        validate_count(&self.webhooks)?;
        let workflow_id = &*self.workflow_id;
        // Only the run id is kept: the handle's first query fetches the run, whatever the submit
        // answered (the server may ignore `isAsync` and answer with the finished run). The
        // output is not decoded here, so a submit never fails on an output it does not need.
        let answer =
            self.client.send_invoke::<I, IgnoredAny>(workflow_id, self.input, &self.options, Some(&self.webhooks));
        let run_id = match answer.await? {
            Outcome::Failed(failed) => return Err(failed.into_error(workflow_id)),
            outcome => outcome.run_id().to_owned(),
        };
        let options = self.options.into_owned();
        Ok(RunHandle::new(self.client.clone(), self.workflow_id, options, run_id, self.policy).just_submitted())
    }
}

impl<'a, I: Serialize + Sync + ?Sized, O: DeserializeOwned + Send + 'a> IntoFuture for Submit<'a, I, O> {
    type Output = Result<RunHandle<O>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
