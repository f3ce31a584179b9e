//! Submitting an async run, and rebuilding the handle of one from its run id.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use secrecy::ExposeSecret;
use serde::Serialize;
use tracing::Instrument;

use super::webhook::validate_count;
use super::{PollPolicy, RunHandle, Webhook};
use crate::response::decode_run;
use crate::retry::Idempotency;
use crate::wire::INVOKE_PATH;
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
    pub fn submit<'a, W: Workflow>(&'a self, workflow: &'a W) -> Submit<'a, W> {
        Submit { client: self, workflow, user_id: None, webhooks: Vec::new(), policy: PollPolicy::default() }
    }

    /// Rebuilds the handle of a run of `W` from its id, e.g. one saved before a crash.
    ///
    /// Nothing is sent: wait on the handle to fetch the result. The client must hold the key of
    /// `W`, since GPTBots only shows a run to the key of its workflow.
    pub fn resume<W: Workflow>(&self, run_id: impl Into<String>) -> RunHandle<W> {
        RunHandle::new(self.clone(), run_id.into(), PollPolicy::default())
    }
}

/// An async run about to be submitted: see [`Client::submit`]. Nothing is sent until it is
/// awaited.
#[must_use = "nothing is submitted until the submit is awaited"]
pub struct Submit<'a, W> {
    client: &'a Client,
    workflow: &'a W,
    user_id: Option<&'a str>,
    webhooks: Vec<Webhook>,
    policy: PollPolicy,
}

/// Body of an async `POST /v1/workflow/invoke`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AsyncInvokeRequest<'a, I> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    input: &'a I,
    is_async: bool,
    #[serde(skip_serializing_if = "<[Webhook]>::is_empty")]
    webhook: &'a [Webhook],
}

impl<'a, W: Workflow> Submit<'a, W> {
    /// Asks GPTBots to call `webhook` when the run finishes (at most
    /// [`MAX_WEBHOOKS`](super::MAX_WEBHOOKS) per run).
    pub fn webhook(mut self, webhook: Webhook) -> Self {
        self.webhooks.push(webhook);
        self
    }

    /// Tags the run with `user_id` instead of the client's default.
    pub fn user_id(mut self, user_id: &'a str) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// The polling schedule of the returned handle's [`RunHandle::wait`].
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Validates the webhooks, sends the submit once, and returns the run's handle.
    pub async fn send(self) -> Result<RunHandle<W>, Error> {
        let span = tracing::info_span!("gptbots.submit", workflow_id = W::ID, run_id = tracing::field::Empty);
        self.send_once().instrument(span).await
    }

    async fn send_once(self) -> Result<RunHandle<W>, Error> {
        validate_count(&self.webhooks)?;
        let key = self.client.key_for(W::ID)?;
        let request = AsyncInvokeRequest {
            user_id: self.user_id.or(self.client.default_user_id()),
            input: self.workflow,
            is_async: true,
            webhook: &self.webhooks,
        };
        let body = serde_json::to_vec(&request).map_err(|e| Error::Config {
            message: format!("the input of workflow `{}` does not serialize to JSON: {e}", W::ID),
        })?;
        let response = self.client.post_json(INVOKE_PATH, key, body, Idempotency::StartsRun).await?;
        let decoded = decode_run::<W::Output>(INVOKE_PATH, W::ID, response.status, &response.body)
            .map_err(|e| e.redact(key.expose_secret()));
        let run_id = match decoded {
            Err(Error::UnexpectedStatus { run_id, .. }) => run_id,
            // The server may ignore `isAsync` and answer with the finished run; the handle's
            // first query fetches it again.
            Ok(run) => run.run_id,
            Err(error) => return Err(error),
        };
        tracing::Span::current().record("run_id", run_id.as_str());
        Ok(RunHandle::new(self.client.clone(), run_id, self.policy))
    }
}

impl<'a, W: Workflow> IntoFuture for Submit<'a, W> {
    type Output = Result<RunHandle<W>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
