use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use std::borrow::Cow;

use bytes::Bytes;
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::api_key::{KeySource, validate};
use crate::async_run::PollPolicy;
use crate::body_limit::DEFAULT_MAX_RESPONSE_BYTES;
use crate::call::CallOptions;
use crate::error::ConfigError;
use crate::loopback::is_loopback;
use crate::response::{DEFAULT_STREAMED_BODY_BYTES, Outcome};
use crate::retry::{Idempotency, RetryPolicy};
use crate::transport::{Call, Route, Transport};
use crate::wire::InvokeRequest;
use crate::{Error, Run, Workflow};

/// The default GPTBots endpoint (Singapore data centre).
pub const DEFAULT_BASE_URL: &str = "https://api.gptbots.ai";

/// The default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default limit for one attempt, response body included. Synchronous runs can take
/// minutes (a documented one took 24 s), so this is generous.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// A GPTBots API client: the base URL, the API keys and one shared connection pool.
///
/// Cheap to clone (an `Arc` inside), `Send + Sync`. Build one per application with
/// [`Client::builder`] or [`Client::from_env`] and share it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    default_key: Option<SecretString>,
    workflow_keys: HashMap<String, SecretString>,
    /// Keys from `GPTBOTS_API_KEY_<ID>`, by variable name.
    env_keys: HashMap<String, SecretString>,
    user_id: Option<String>,
    poll_policy: PollPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let mut workflows: Vec<&str> = inner.workflow_keys.keys().map(String::as_str).collect();
        workflows.sort_unstable();
        let mut env_keys: Vec<&str> = inner.env_keys.keys().map(String::as_str).collect();
        env_keys.sort_unstable();
        f.debug_struct("Client")
            .field("base_url", &crate::async_run::redact_url(&inner.transport.base_url))
            .field("default_key", &inner.default_key.as_ref().map(|_| "<redacted>"))
            .field("workflow_keys", &workflows)
            .field("env_keys", &env_keys)
            .field("user_id", &inner.user_id)
            .field("max_response_bytes", &inner.transport.max_response_bytes)
            .field("request_timeout", &inner.transport.request_timeout)
            .field("overall_timeout", &inner.transport.overall_timeout)
            .field("retry", &inner.transport.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from the environment; see [`ClientBuilder::from_env`] for the variables
    /// read, and use it instead to change other settings as well.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env().build()
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.transport.base_url
    }

    /// Runs `workflow` synchronously and returns its typed output.
    ///
    /// The invoke is sent once: a run costs credits, so it is repeated only when it surely did
    /// not reach the server (see [`RetryPolicy`]). Per-call settings: [`Client::invoke_with`];
    /// a workflow known only at run time: [`Client::workflow`].
    pub async fn invoke<W: Workflow>(&self, workflow: &W) -> Result<Run<W::Output>, Error> {
        self.invoke_json::<W, W::Output>(W::ID, workflow, &CallOptions::DEFAULT).await
    }

    /// Like [`Client::invoke`], with a user id, a timeout or a key for this call only.
    ///
    /// ```no_run
    /// # use gptbots_runtime::{CallOptions, Client, Workflow};
    /// # async fn demo<W: Workflow>(client: &Client, input: &W) -> Result<(), gptbots_runtime::Error> {
    /// let options = CallOptions::new().user_id("customer-42").timeout(std::time::Duration::from_secs(60));
    /// let run = client.invoke_with(input, &options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn invoke_with<W: Workflow>(&self, workflow: &W, options: &CallOptions) -> Result<Run<W::Output>, Error> {
        self.invoke_json::<W, W::Output>(W::ID, workflow, options).await
    }

    /// Like [`Client::invoke`], tagging the run with `user_id` instead of the client's default.
    pub async fn invoke_as<W: Workflow>(&self, workflow: &W, user_id: &str) -> Result<Run<W::Output>, Error> {
        self.invoke_json::<W, W::Output>(W::ID, workflow, &CallOptions::new().user_id(user_id)).await
    }

    /// The one synchronous invoke, typed or not: any `Serialize` input to workflow
    /// `workflow_id`, decoded into any `DeserializeOwned` output.
    pub(crate) async fn invoke_json<I, O>(
        &self,
        workflow_id: &str,
        input: &I,
        options: &CallOptions,
    ) -> Result<Run<O>, Error>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        let span = crate::telemetry::call_span!("gptbots.invoke", "invoke_workflow", workflow_id, None::<&str>);
        let result =
            async { self.send_invoke::<I, O>(workflow_id, input, options, None).await?.into_finished(workflow_id) }
                .instrument(span.clone())
                .await;
        // The error goes back to the caller, who decides what to log: the span only says how
        // the call ended, so no event repeats it.
        crate::telemetry::record_end(&span, &result);
        result
    }

    /// Sends one invoke, synchronous, or async when `webhooks` is `Some` (possibly empty), and
    /// decodes what the answer says about the run.
    pub(crate) async fn send_invoke<I, O>(
        &self,
        workflow_id: &str,
        input: &I,
        options: &CallOptions,
        webhooks: Option<&[crate::async_run::Webhook]>,
    ) -> Result<Outcome<O>, Error>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        let key = self.key_for_call(workflow_id, options)?;
        let request = InvokeRequest {
            user_id: options.user_id.as_deref().or(self.default_user_id()).map(Cow::Borrowed),
            input,
            is_async: webhooks.is_some(),
            webhook: webhooks.filter(|hooks| !hooks.is_empty()).map(|hooks| hooks.iter().map(|h| h.spec()).collect()),
        };
        let call = Call {
            route: Route::Invoke,
            workflow_id,
            key,
            body: encode(workflow_id, &request)?,
            idempotency: Idempotency::StartsRun,
            run_id: None,
            timeout: options.timeout,
        };
        self.transport().call::<Outcome<O>>(call).await
    }

    /// The transport every request goes through.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The polling schedule of the run handles this client makes.
    pub fn poll_policy(&self) -> PollPolicy {
        self.inner.poll_policy
    }

    /// The end-user id sent with every run unless a call overrides it.
    pub(crate) fn default_user_id(&self) -> Option<&str> {
        self.inner.user_id.as_deref()
    }

    /// The key of one call: the call's own key, else the key for `workflow_id`.
    pub(crate) fn key_for_call<'a>(
        &'a self,
        workflow_id: &str,
        options: &'a CallOptions,
    ) -> Result<&'a SecretString, Error> {
        match &options.api_key {
            Some(key) => {
                validate(key, KeySource::Call)?;
                Ok(key)
            }
            None => self.key_for(workflow_id),
        }
    }

    /// The key for `workflow_id`: its own key, else its `GPTBOTS_API_KEY_<ID>` variable, else
    /// the default key.
    pub(crate) fn key_for(&self, workflow_id: &str) -> Result<&SecretString, Error> {
        // Matched against the few variables read, without building the name: this runs on
        // every call.
        let from_env =
            || self.inner.env_keys.iter().find(|(name, _)| is_key_env_var_of(name, workflow_id)).map(|(_, key)| key);
        self.inner
            .workflow_keys
            .get(workflow_id)
            .or_else(from_env)
            .or(self.inner.default_key.as_ref())
            .ok_or_else(|| Error::MissingKey { workflow_id: workflow_id.to_owned(), env_var: key_env_var(workflow_id) })
    }
}

/// A request body as JSON.
pub(crate) fn encode<T: Serialize + ?Sized>(workflow_id: &str, body: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|source| Error::Input { workflow_id: workflow_id.to_owned(), source })
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The environment variable [`Client::from_env`] reads for the key of `workflow_id`:
/// `GPTBOTS_API_KEY_` followed by the id upper-cased, every character other than `A-Z` and
/// `0-9` replaced by `_`.
pub fn key_env_var(workflow_id: &str) -> String {
    let suffix: String = workflow_id.chars().map(env_var_char).collect();
    format!("{KEY_ENV_PREFIX}{suffix}")
}

const KEY_ENV_PREFIX: &str = "GPTBOTS_API_KEY_";

/// How one character of a workflow id appears in its key's variable name.
fn env_var_char(c: char) -> char {
    if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }
}

/// Whether `name` is [`key_env_var`]`(workflow_id)`, compared without building it.
fn is_key_env_var_of(name: &str, workflow_id: &str) -> bool {
    name.strip_prefix(KEY_ENV_PREFIX).is_some_and(|suffix| suffix.chars().eq(workflow_id.chars().map(env_var_char)))
}

/// Configures a [`Client`]. Nothing is checked until [`ClientBuilder::build`], which reports
/// the first problem as a typed [`Error`].
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    allow_insecure_http: bool,
    default_key: Option<SecretString>,
    workflow_keys: Vec<(String, SecretString)>,
    env_keys: Vec<(String, SecretString)>,
    user_id: Option<String>,
    request_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    overall_timeout: Option<Duration>,
    max_response_bytes: Option<usize>,
    streamed_body_bytes: Option<usize>,
    retry: Option<RetryPolicy>,
    poll_policy: Option<PollPolicy>,
    http: Option<reqwest::ClientBuilder>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("default_key", &self.default_key.as_ref().map(|_| "<redacted>"))
            .field("workflows_with_keys", &self.workflow_keys.iter().map(|(id, _)| id).collect::<Vec<_>>())
            .field("env_keys", &self.env_keys.iter().map(|(name, _)| name).collect::<Vec<_>>())
            .field("user_id", &self.user_id)
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("overall_timeout", &self.overall_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("streamed_body_bytes", &self.streamed_body_bytes)
            .field("retry", &self.retry)
            .field("poll_policy", &self.poll_policy)
            .field("http_client", &self.http.as_ref().map(|_| "<reqwest::ClientBuilder>"))
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder preset from the environment:
    ///
    /// - `GPTBOTS_API_KEY`: the default key, used for workflows without a key of their own;
    /// - `GPTBOTS_API_KEY_<ID>`: the key of one workflow, where `<ID>` is the workflow id
    ///   upper-cased with every character other than `A-Z` and `0-9` replaced by `_`
    ///   (see [`key_env_var`]): `wf_today_news` reads `GPTBOTS_API_KEY_WF_TODAY_NEWS`;
    /// - `GPTBOTS_BASE_URL`: the endpoint, default [`DEFAULT_BASE_URL`].
    ///
    /// Empty variables are ignored; keys are checked by [`ClientBuilder::build`].
    pub fn from_env() -> Self {
        let mut builder = ClientBuilder::default();
        if let Some(url) = env_var("GPTBOTS_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Some(key) = env_var("GPTBOTS_API_KEY") {
            builder = builder.api_key(key);
        }
        for (name, value) in std::env::vars_os() {
            let (Some(name), Some(value)) = (name.to_str(), value.to_str()) else { continue };
            if name.strip_prefix(KEY_ENV_PREFIX).is_some_and(|suffix| !suffix.is_empty()) && !value.is_empty() {
                builder.env_keys.push((name.to_owned(), SecretString::from(value)));
            }
        }
        builder
    }

    /// The endpoint, e.g. a white-label host. Default [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Uses a GPTBots data centre by its code: `"sg"` (Singapore, the default), `"th"`
    /// (Thailand) or `"jp"` (Japan), i.e. `https://api-{code}.gptbots.ai`.
    pub fn data_center(self, code: &str) -> Self {
        self.base_url(format!("https://api-{code}.gptbots.ai"))
    }

    /// Allows a plain `http://` base URL to a host other than this machine. Without it such a
    /// URL is refused, since the API key would cross the network unencrypted. Loopback hosts
    /// (`localhost`, `127.0.0.1`, `[::1]`) are always allowed, for the embedded server.
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// The key used for every workflow without a key of its own.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.default_key = Some(SecretString::from(key.into()));
        self
    }

    /// The key of one workflow (a GPTBots key belongs to exactly one workflow).
    pub fn workflow_key(mut self, workflow_id: impl Into<String>, key: impl Into<String>) -> Self {
        self.workflow_keys.push((workflow_id.into(), SecretString::from(key.into())));
        self
    }

    /// The end-user id sent with every invoke (`userId`) unless a call overrides it.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// The limit for one attempt, from connecting to the last byte of the response.
    /// Default [`DEFAULT_REQUEST_TIMEOUT`]. An invoke that times out is not repeated: it may
    /// have started a run.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The limit for establishing a connection. Default [`DEFAULT_CONNECT_TIMEOUT`].
    /// With [`ClientBuilder::http_client`], the given builder's own setting applies unless this is
    /// called.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The limit for a whole call: every attempt and every wait between them. Default none:
    /// the attempts and the per-attempt [`timeout`](ClientBuilder::timeout) bound it.
    pub fn overall_timeout(mut self, timeout: Duration) -> Self {
        self.overall_timeout = Some(timeout);
        self
    }

    /// The largest response body accepted, in bytes; reading stops there and the call fails
    /// with [`Error::ResponseTooLarge`]. Default 32 MiB.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Run bodies of at least `bytes` bytes are decoded chunk by chunk: the body is read whole
    /// as the chunks the connection hands over (not copied into one buffer; chunks under 16 KiB
    /// are copied together), then decoded while
    /// each chunk is freed once passed, so a large output costs about its decoded size in memory
    /// rather than that plus its text. Default [`DEFAULT_STREAMED_BODY_BYTES`] (512 KiB).
    ///
    /// The size is the `Content-Length` GPTBots announces; a body without one is kept as chunks
    /// and decoded chunk by chunk if it turns out this large. A body that arrived in one chunk is
    /// decoded as one slice whatever its size.
    ///
    /// What it costs: such a run's raw output is not kept in [`Error::OutputMismatch`] (fetch it
    /// again by its run id), and decoding takes several times the CPU of decoding one slice
    /// (BENCHMARKS.md). `usize::MAX` decodes every body as one slice.
    pub fn streamed_body_bytes(mut self, bytes: usize) -> Self {
        self.streamed_body_bytes = Some(bytes);
        self
    }

    /// How requests that did not reach GPTBots are repeated. Default [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// How the run handles this client makes (submits, resumes, batches) poll until a run
    /// ends, unless a call sets its own. Default [`PollPolicy::default`]; the embedded server's
    /// [`client`](crate::mock::MockServer::client) polls every few milliseconds.
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.poll_policy = Some(policy);
        self
    }

    /// Builds the HTTP client from this `reqwest::ClientBuilder` (its proxy, TLS, DNS and pool
    /// settings) instead of a default one.
    ///
    /// The crate's own rules are applied on top, whatever the builder says: redirects are never
    /// followed (a followed 307 would resend an invoke: a second paid run), and a loopback base
    /// URL bypasses every proxy (a plain-`http://` key must not leave the machine). The connect
    /// timeout is the builder's own unless [`ClientBuilder::connect_timeout`] is called; the
    /// other limits of this builder apply as usual. A built `reqwest::Client` is not accepted,
    /// since its redirect policy could no longer be changed.
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Some(builder);
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        check_base_url(&base_url, self.allow_insecure_http)?;

        if let Some(key) = &self.default_key {
            validate(key, KeySource::Default)?;
        }
        for (workflow_id, key) in &self.workflow_keys {
            validate(key, KeySource::Workflow(workflow_id))?;
        }
        for (name, key) in &self.env_keys {
            validate(key, KeySource::EnvVar(name))?;
        }

        let max_response_bytes = self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        if max_response_bytes == 0 {
            return Err(ConfigError::ZeroResponseLimit.into());
        }
        let request_timeout = self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
        let (http, connect_timeout) = match self.http {
            Some(http) => (http, self.connect_timeout),
            None => (reqwest::Client::builder(), Some(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))),
        };
        let http = match connect_timeout {
            Some(limit) => http.connect_timeout(limit),
            None => http,
        };
        // A redirected POST turns into a GET or goes to another host, or (307/308) resends an
        // invoke: none is what the caller asked for, so redirects come back as errors.
        let http = http.redirect(reqwest::redirect::Policy::none());
        // Plain http:// is allowed to loopback because the traffic stays on this machine; a
        // proxy from HTTP_PROXY would carry the key elsewhere, in clear.
        let stays_local = reqwest::Url::parse(&base_url).is_ok_and(|url| is_loopback(&url));
        let http = if stays_local { http.no_proxy() } else { http };
        let http = http.build().map_err(ConfigError::HttpClient)?;
        let mut transport = Transport::new(
            http,
            base_url,
            max_response_bytes,
            connect_timeout,
            request_timeout,
            self.overall_timeout,
            self.retry.unwrap_or_default(),
        )?;
        transport.streamed_body_bytes = self.streamed_body_bytes.unwrap_or(DEFAULT_STREAMED_BODY_BYTES);
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                default_key: self.default_key,
                workflow_keys: self.workflow_keys.into_iter().collect(),
                env_keys: self.env_keys.into_iter().collect(),
                user_id: self.user_id,
                poll_policy: self.poll_policy.unwrap_or_default(),
            }),
        })
    }
}

/// A base URL as errors show it: bounded, and without the `user:password@` a proxy may need.
pub(crate) fn shown_base_url(base_url: &str) -> String {
    crate::excerpt::bounded(&crate::async_run::redact_url(base_url))
}

fn check_base_url(base_url: &str, allow_insecure_http: bool) -> Result<(), ConfigError> {
    let shown = || shown_base_url(base_url);
    let parsed = reqwest::Url::parse(base_url)
        .map_err(|e| ConfigError::InvalidBaseUrl { base_url: shown(), reason: e.to_string() })?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure_http || is_loopback(&parsed) => Ok(()),
        "http" => Err(ConfigError::InsecureHttp { base_url: shown() }),
        _ => Err(ConfigError::UnsupportedScheme { base_url: shown() }),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn build(url: &str) -> Result<Client, Error> {
        Client::builder().base_url(url).build()
    }

    #[test]
    fn plain_http_is_refused_beyond_this_machine() {
        let insecure = |url| matches!(build(url), Err(Error::Config(ConfigError::InsecureHttp { .. })));
        assert!(insecure("http://api.example.com"));
        assert!(insecure("http://10.0.0.7:8080"));
        for local in ["http://localhost:3000", "http://127.0.0.1:9", "http://[::1]:80/"] {
            assert!(build(local).is_ok(), "{local}");
        }
        assert!(Client::builder().base_url("http://gateway.internal").allow_insecure_http().build().is_ok());
        assert!(build("https://gpt.example.com/").is_ok_and(|c| c.base_url() == "https://gpt.example.com"));
        assert!(matches!(build("ftp://api.gptbots.ai"), Err(Error::Config(ConfigError::UnsupportedScheme { .. }))));
        assert!(matches!(build("not a url"), Err(Error::Config(ConfigError::InvalidBaseUrl { .. }))));
    }

    #[test]
    fn a_key_variable_is_matched_to_its_workflow_as_its_name_is_built() {
        for id in ["wf_today_news", "wf-Today.news", "x"] {
            assert!(is_key_env_var_of(&key_env_var(id), id), "{id}");
        }
        assert!(!is_key_env_var_of("GPTBOTS_API_KEY_WF_TODAY", "wf_today_news"));
        assert!(!is_key_env_var_of("GPTBOTS_API_KEY_WF_TODAY_NEWS_2", "wf_today_news"));
        assert!(!is_key_env_var_of("OTHER_WF_TODAY_NEWS", "wf_today_news"));
    }

    #[test]
    fn a_password_in_the_base_url_shows_nowhere() {
        let refused = build("http://proxy-user:hunter2@gateway.example.com").unwrap_err().to_string();
        assert!(refused.contains("gateway.example.com") && !refused.contains("hunter2"), "{refused}");
        let client = build("https://proxy-user:hunter2@gateway.example.com").expect("client");
        assert!(!format!("{client:?}").contains("hunter2"), "{client:?}");
    }

    #[test]
    fn data_centres_map_to_their_hosts() {
        let client = Client::builder().data_center("jp").build().unwrap();
        assert_eq!(client.base_url(), "https://api-jp.gptbots.ai");
        assert_eq!(Client::builder().build().unwrap().base_url(), DEFAULT_BASE_URL);
    }

    #[test]
    fn keys_resolve_workflow_then_env_then_default() {
        let mut builder = Client::builder().api_key("default-key-1").workflow_key("wf_a", "own-key-for-a");
        builder.env_keys.push(("GPTBOTS_API_KEY_WF_B".into(), SecretString::from("env-key-for-b")));
        let client = builder.build().unwrap();
        assert_eq!(client.key_for("wf_a").unwrap().expose_secret(), "own-key-for-a");
        assert_eq!(client.key_for("wf_b").unwrap().expose_secret(), "env-key-for-b");
        assert_eq!(client.key_for("wf_c").unwrap().expose_secret(), "default-key-1");
        let without_default = Client::builder().workflow_key("wf_a", "own-key-for-a").build().unwrap();
        let error = without_default.key_for("wf_c").unwrap_err();
        assert!(error.to_string().contains("GPTBOTS_API_KEY_WF_C"), "{error}");
    }

    #[test]
    fn a_bad_key_is_named_by_its_source() {
        let error = Client::builder().workflow_key("wf_a", "ok-key-123").workflow_key("wf_b", "key\n").build();
        let message = error.unwrap_err().to_string();
        assert!(message.contains("workflow `wf_b`") && message.contains("control character"), "{message}");
        let mut builder = Client::builder();
        builder.env_keys.push(("GPTBOTS_API_KEY_WF_B".into(), SecretString::from("key\r\nX-Evil: 1")));
        let message = builder.build().unwrap_err().to_string();
        assert!(message.contains("GPTBOTS_API_KEY_WF_B") && !message.contains("Evil"), "{message}");
    }
}
