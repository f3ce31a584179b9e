//! Calling a workflow whose id is known only at run time ([`DynamicWorkflow`]), and the
//! settings of one call ([`CallOptions`]).

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::async_run::{RunHandle, Submit};
use crate::retry::Idempotency;
use crate::transport::{Call, Route};
use crate::{Client, Error, Run};

/// Settings of one call that override the client's: the end-user id, a time limit, a key.
///
/// ```
/// use std::time::Duration;
/// use gptbots_runtime::CallOptions;
///
/// let options = CallOptions::new().user_id("customer-42").timeout(Duration::from_secs(30));
/// ```
#[derive(Clone, Default)]
pub struct CallOptions {
    pub(crate) user_id: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) api_key: Option<SecretString>,
}

impl CallOptions {
    /// No overrides: what [`Client::invoke`] uses.
    pub(crate) const DEFAULT: CallOptions = CallOptions { user_id: None, timeout: None, api_key: None };

    /// No overrides.
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// Tags the run with `user_id` (`userId`) instead of the client's default.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// The limit for the whole call, every attempt and wait included, instead of the client's
    /// [`overall_timeout`](crate::ClientBuilder::overall_timeout). Each attempt is still bounded
    /// by the client's [`timeout`](crate::ClientBuilder::timeout). An invoke that times out is
    /// not repeated: it may have started a run.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// The API key for this call instead of the one the client holds for the workflow (e.g. a
    /// workflow cloned per customer, each with its own key). Checked when the call is made.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallOptions")
            .field("user_id", &self.user_id)
            .field("timeout", &self.timeout)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Client {
    /// The workflow `id`, for calls whose input and output types are chosen per call: a
    /// workflow known only at run time (from configuration, a command line, one per customer),
    /// with `serde_json::Value` or any serde type. See [`DynamicWorkflow`].
    ///
    /// Nothing is checked against a `.flow` at compile time, and the key is looked up as for a
    /// typed workflow (its own key, `GPTBOTS_API_KEY_<ID>`, the default key) unless the call
    /// gives one with [`DynamicWorkflow::api_key`].
    pub fn workflow(&self, id: impl Into<Cow<'static, str>>) -> DynamicWorkflow {
        DynamicWorkflow { client: self.clone(), id: id.into(), options: CallOptions::default() }
    }
}

/// A workflow called by its id, with per-call settings: see [`Client::workflow`].
///
/// Typed and dynamic calls take the same path: [`Client::invoke`] is this `invoke` with the
/// workflow's id, its input type checked at compile time and its output type declared. A
/// dynamic call takes any `Serialize` input and decodes the output into any `DeserializeOwned`
/// type, `serde_json::Value` included, synchronously or as an async run:
///
/// ```no_run
/// use gptbots_runtime::Client;
/// use serde_json::{Value, json};
///
/// # async fn demo(client: &Client, customer_workflow: &str) -> Result<(), gptbots_runtime::Error> {
/// let workflow = client.workflow(customer_workflow.to_owned()).user_id("customer-42");
/// let run = workflow.invoke::<Value>(&json!({ "topic": "rust" })).await?;
/// println!("{} credits: {}", run.cost, run.output["news"]);
///
/// // The same workflow as an async run: store the id, then wait (or resume later).
/// let handle = workflow.submit::<Value, _>(&json!({ "topic": "rust" })).await?;
/// println!("submitted {}", handle.run_id());
/// let run = handle.wait().await?;
/// # Ok(()) }
/// ```
///
/// Cheap to clone; keep one per workflow. Every call goes through the same transport, retry
/// rule and decoding as a typed `#[workflow]` call.
#[derive(Clone, Debug)]
pub struct DynamicWorkflow {
    client: Client,
    id: Cow<'static, str>,
    options: CallOptions,
}

impl DynamicWorkflow {
    /// The client, id and per-call settings, for the calls built elsewhere in the crate.
    pub(crate) fn parts(&self) -> (&Client, &Cow<'static, str>, &CallOptions) {
        (&self.client, &self.id, &self.options)
    }

    /// The workflow id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Tags the runs with `user_id` instead of the client's default.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.options = self.options.user_id(user_id);
        self
    }

    /// The limit for each whole call; see [`CallOptions::timeout`].
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.options = self.options.timeout(limit);
        self
    }

    /// The key for these calls; see [`CallOptions::api_key`].
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.options = self.options.api_key(key);
        self
    }

    /// Replaces every per-call setting at once.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// Runs the workflow synchronously with `input` and decodes its output as `O`.
    ///
    /// Sent once, like every invoke (see [`RetryPolicy`](crate::RetryPolicy)).
    pub async fn invoke<O: DeserializeOwned>(&self, input: &(impl Serialize + ?Sized)) -> Result<Run<O>, Error> {
        self.client.invoke_json(&self.id, input, &self.options).await
    }

    /// Starts an async run with `input`; awaiting the [`Submit`] gives a handle whose
    /// [`wait`](RunHandle::wait) decodes the output as `O`.
    pub fn submit<'a, O, I: Serialize + ?Sized>(&'a self, input: &'a I) -> Submit<'a, I, O> {
        Submit::new(&self.client, self.id.clone(), input, Cow::Borrowed(&self.options))
    }

    /// Asks GPTBots which entity (workflow or agent, and its id) the key of this workflow
    /// belongs to: `GET /v1/api-key/verify` with the key a call would use (its own, the
    /// workflow's, or the default key). Starts no run, costs nothing, and is repeated after
    /// faults like any read.
    ///
    /// GPTBots does not document the answer's fields, so it comes back as the JSON document
    /// sent (a `{code, message}` refusal is an [`Error::Api`]); the embedded server answers
    /// `{"type": "workflow", "workflowId": ..., "workflowName": ...}`.
    ///
    /// ```no_run
    /// # async fn demo(client: &gptbots_runtime::Client) -> Result<(), gptbots_runtime::Error> {
    /// let answer = client.workflow("wf_today_news").verify_key().await?;
    /// println!("{answer}");
    /// # Ok(()) }
    /// ```
    pub async fn verify_key(&self) -> Result<serde_json::Value, Error> {
        let key = self.client.key_for_call(&self.id, &self.options)?;
        let call = Call {
            route: Route::Verify,
            workflow_id: &self.id,
            key,
            body: Bytes::new(),
            idempotency: Idempotency::ReadOnly,
            run_id: None,
            timeout: self.options.timeout,
        };
        let span = crate::telemetry::call_span!("gptbots.verify_key", "verify_key", &*self.id, None::<&str>);
        let result = self.client.transport().call::<serde_json::Value>(call).instrument(span.clone()).await;
        if let Err(error) = &result {
            crate::telemetry::record_error(&span, error);
        }
        result
    }

    /// Rebuilds the handle of a run of this workflow from its id; nothing is sent.
    pub fn resume<O>(&self, run_id: impl Into<String>) -> RunHandle<O> {
        RunHandle::new(
            self.client.clone(),
            self.id.clone(),
            self.options.clone(),
            run_id.into(),
            self.client.poll_policy(),
        )
    }

    /// [`Client::find_run`] for this workflow, with this call's user id: the oldest run since
    /// `since` whose logged input holds every parameter of `input`.
    pub async fn find_run(
        &self,
        input: &(impl Serialize + ?Sized),
        since: std::time::SystemTime,
    ) -> Result<Option<crate::LoggedRun>, Error> {
        Ok(self.client.find_runs(&self.id, &self.options, input, since).await?.into_iter().next())
    }
}
