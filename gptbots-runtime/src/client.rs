use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::response::decode_run;
use crate::wire::{INVOKE_PATH, InvokeRequest};
use crate::{Error, Run, Workflow};

/// The default GPTBots endpoint (Singapore data centre).
pub const DEFAULT_BASE_URL: &str = "https://api.gptbots.ai";

/// A GPTBots API client: the base URL, the API keys and one shared connection pool.
///
/// Cheap to clone (an `Arc` inside), `Send + Sync`. Build one per application with
/// [`Client::builder`] or [`Client::from_env`] and share it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    default_key: Option<SecretString>,
    workflow_keys: HashMap<String, SecretString>,
    /// Keys from `GPTBOTS_API_KEY_<ID>`, by variable name.
    env_keys: HashMap<String, SecretString>,
    user_id: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut workflows: Vec<&str> = self.inner.workflow_keys.keys().map(String::as_str).collect();
        workflows.sort_unstable();
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("default_key", &self.inner.default_key.as_ref().map(|_| "<redacted>"))
            .field("workflow_keys", &workflows)
            .field("user_id", &self.inner.user_id)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from the environment:
    ///
    /// - `GPTBOTS_API_KEY`: the default key, used for workflows without a key of their own;
    /// - `GPTBOTS_API_KEY_<ID>`: the key of one workflow, where `<ID>` is the workflow id
    ///   upper-cased with every character other than `A-Z` and `0-9` replaced by `_`
    ///   (see [`key_env_var`]): `wf_today_news` reads `GPTBOTS_API_KEY_WF_TODAY_NEWS`;
    /// - `GPTBOTS_BASE_URL`: the endpoint, default [`DEFAULT_BASE_URL`].
    pub fn from_env() -> Result<Self, Error> {
        let mut builder = Client::builder();
        if let Some(url) = env_var("GPTBOTS_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Some(key) = env_var("GPTBOTS_API_KEY") {
            builder = builder.api_key(key);
        }
        for (name, value) in std::env::vars_os() {
            let (Some(name), Some(value)) = (name.to_str(), value.to_str()) else { continue };
            if let Some(suffix) = name.strip_prefix("GPTBOTS_API_KEY_") {
                if !suffix.is_empty() && !value.is_empty() {
                    builder.env_keys.push((suffix.to_owned(), SecretString::from(value)));
                }
            }
        }
        builder.build()
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Runs `workflow` synchronously and returns its typed output.
    ///
    /// The invoke is sent once: a run costs credits, so it is never repeated unless the
    /// request surely did not reach the server.
    pub async fn invoke<W: Workflow>(&self, workflow: &W) -> Result<Run<W::Output>, Error> {
        self.invoke_inner(workflow, self.inner.user_id.as_deref()).await
    }

    /// Like [`Client::invoke`], tagging the run with `user_id` instead of the client's default.
    pub async fn invoke_as<W: Workflow>(&self, workflow: &W, user_id: &str) -> Result<Run<W::Output>, Error> {
        self.invoke_inner(workflow, Some(user_id)).await
    }

    async fn invoke_inner<W: Workflow>(&self, workflow: &W, user_id: Option<&str>) -> Result<Run<W::Output>, Error> {
        let key = self.key_for(W::ID)?;
        let body = serde_json::to_vec(&InvokeRequest { user_id, input: workflow, is_async: false }).map_err(|e| {
            Error::Config { message: format!("the input of workflow `{}` does not serialize to JSON: {e}", W::ID) }
        })?;
        let span = tracing::info_span!(
            "gptbots.invoke",
            workflow_id = W::ID,
            run_id = tracing::field::Empty,
            status = tracing::field::Empty,
            cost = tracing::field::Empty,
            tokens = tracing::field::Empty,
            duration_ms = tracing::field::Empty
        );
        let _entered = span.enter();
        let response = self.post_json(INVOKE_PATH, key, body).await?;
        let run = decode_run::<W::Output>(INVOKE_PATH, W::ID, response.status, &response.body)?;
        span.record("run_id", run.run_id.as_str());
        span.record("status", run.status.as_str());
        span.record("cost", run.cost);
        span.record("tokens", run.tokens);
        if let Some(t) = run.execution_time {
            span.record("duration_ms", t.as_millis() as u64);
        }
        Ok(run)
    }

    /// Sends one POST with a JSON body and reads the whole response.
    pub(crate) async fn post_json(
        &self,
        endpoint: &'static str,
        key: &SecretString,
        body: Vec<u8>,
    ) -> Result<RawResponse, Error> {
        let response = self
            .inner
            .http
            .post(format!("{}{endpoint}", self.inner.base_url))
            .bearer_auth(key.expose_secret())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|source| transport_error(endpoint, None, source))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|source| transport_error(endpoint, None, source))?;
        Ok(RawResponse { status, body })
    }

    /// The end-user id sent with every run unless a call overrides it.
    pub(crate) fn default_user_id(&self) -> Option<&str> {
        self.inner.user_id.as_deref()
    }

    pub(crate) fn key_for(&self, workflow_id: &str) -> Result<&SecretString, Error> {
        let env_var = key_env_var(workflow_id);
        self.inner
            .workflow_keys
            .get(workflow_id)
            .or_else(|| self.inner.env_keys.get(&env_var))
            .or(self.inner.default_key.as_ref())
            .ok_or_else(|| Error::MissingKey { workflow_id: workflow_id.to_owned(), env_var })
    }
}

/// A response read in full.
pub(crate) struct RawResponse {
    pub status: u16,
    pub body: bytes::Bytes,
}

fn transport_error(endpoint: &'static str, run_id: Option<String>, source: reqwest::Error) -> Error {
    Error::Transport { endpoint, run_id, source: source.without_url() }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The environment variable [`Client::from_env`] reads for the key of `workflow_id`:
/// `GPTBOTS_API_KEY_` followed by the id upper-cased, every character other than `A-Z` and
/// `0-9` replaced by `_`.
pub fn key_env_var(workflow_id: &str) -> String {
    let suffix: String =
        workflow_id.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("GPTBOTS_API_KEY_{suffix}")
}

/// Configures a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    default_key: Option<SecretString>,
    workflow_keys: Vec<(String, SecretString)>,
    env_keys: Vec<(String, SecretString)>,
    user_id: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("workflows_with_keys", &self.workflow_keys.iter().map(|(id, _)| id).collect::<Vec<_>>())
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The endpoint, e.g. a white-label host. Default [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Uses a GPTBots data centre: `"sg"` (the default), `"th"` or `"jp"`.
    pub fn data_center(self, endpoint: &str) -> Self {
        self.base_url(format!("https://api-{endpoint}.gptbots.ai"))
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

    /// The limit for a whole request, response body included. Default: none beyond the
    /// connect timeout, since a synchronous run may take minutes.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The limit for establishing a connection. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Uses this `reqwest::Client` (and its connection pool, proxy and TLS settings); the
    /// timeouts of this builder are then ignored.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| Error::Config {
            message: format!("base URL `{base_url}` is not a URL ({e}); give one like {DEFAULT_BASE_URL}"),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Config { message: format!("base URL `{base_url}` must start with https://") });
        }
        let workflow_keys: HashMap<String, SecretString> = self.workflow_keys.into_iter().collect();
        let env_keys: HashMap<String, SecretString> =
            self.env_keys.into_iter().map(|(suffix, key)| (format!("GPTBOTS_API_KEY_{suffix}"), key)).collect();
        let http = match self.http {
            Some(http) => http,
            None => {
                let mut builder =
                    reqwest::Client::builder().connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)));
                if let Some(timeout) = self.timeout {
                    builder = builder.timeout(timeout);
                }
                builder
                    .build()
                    .map_err(|e| Error::Config { message: format!("the HTTP client could not be built: {e}") })?
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                default_key: self.default_key,
                workflow_keys,
                env_keys,
                user_id: self.user_id,
            }),
        })
    }
}
