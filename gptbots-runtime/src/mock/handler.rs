//! Workflow handlers: the code that plays a workflow inside the embedded server.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Workflow;

/// Why a handler did not produce an output: the run failed, or the API refused the call.
///
/// Return it from a handler to script the unhappy paths of a workflow:
///
/// ```
/// use gptbots_runtime::mock::Rejection;
///
/// let failed = Rejection::failed("the news source timed out"); // run ends with status FAILED
/// let no_credits = Rejection::api_error(20022, "not enough credits"); // {code, message} in an HTTP 200
/// let bad_input = Rejection::http_error(400, 40000, "topic must not be empty"); // {code, message} with HTTP 400
/// # let _ = (failed, no_credits, bad_input);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub(super) kind: RejectionKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum RejectionKind {
    /// The run exists and ends `FAILED`.
    Failed { message: String },
    /// No run: the API answers `{code, message}` with this HTTP status.
    Api { http_status: u16, code: i64, message: String },
}

impl Rejection {
    /// The run ends with status `FAILED`; `message` appears in the run body as `errorMessage`
    /// (GPTBots documents no error field for failed runs, so clients quote the whole body).
    pub fn failed(message: impl Into<String>) -> Self {
        Rejection { kind: RejectionKind::Failed { message: message.into() } }
    }

    /// The API refuses the call with `{code, message}` inside an HTTP 200, as GPTBots does for
    /// some errors. No run is created.
    pub fn api_error(code: i64, message: impl Into<String>) -> Self {
        Self::http_error(200, code, message)
    }

    /// The API refuses the call with `{code, message}` and HTTP status `http_status`. No run
    /// is created.
    pub fn http_error(http_status: u16, code: i64, message: impl Into<String>) -> Self {
        Rejection { kind: RejectionKind::Api { http_status, code, message: message.into() } }
    }

    /// Code 40000 (invalid parameter) with HTTP 400, the answer to an input that does not fit.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::http_error(400, 40000, message)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RejectionKind::Failed { message } => write!(f, "run failed: {message}"),
            RejectionKind::Api { http_status, code, message } => {
                write!(f, "API error {code} (HTTP {http_status}): {message}")
            }
        }
    }
}

impl std::error::Error for Rejection {}

/// What a handler returns: the typed output, or a [`Rejection`].
pub type HandlerResult<T> = Result<T, Rejection>;

pub(super) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A handler with its types erased: JSON input in, JSON output out.
pub(super) type ErasedHandler = Arc<dyn Fn(Value) -> BoxFuture<HandlerResult<Value>> + Send + Sync>;

/// Wraps a typed handler: the input is decoded into `W` (an input that does not fit answers
/// code 40000 naming the field), the output is encoded to JSON.
pub(super) fn typed<W, F, Fut>(handler: F) -> ErasedHandler
where
    W: Workflow + DeserializeOwned + 'static,
    W::Output: Serialize,
    F: Fn(W) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult<W::Output>> + Send + 'static,
{
    let handler = Arc::new(handler);
    Arc::new(move |input: Value| {
        let handler = Arc::clone(&handler);
        Box::pin(async move {
            let input: W = serde_path_to_error::deserialize(input).map_err(|e| {
                let field = match e.path().to_string().as_str() {
                    "." => "input".to_owned(),
                    path => format!("input.{path}"),
                };
                Rejection::invalid_parameter(format!(
                    "invalid parameter `{field}` of workflow `{}`: {}",
                    W::ID,
                    e.inner()
                ))
            })?;
            let output = handler(input).await?;
            serde_json::to_value(output).map_err(|e| {
                Rejection::failed(format!("the handler's output for workflow `{}` does not serialize: {e}", W::ID))
            })
        })
    })
}

/// Wraps a handler that works on JSON values.
pub(super) fn raw<F, Fut>(handler: F) -> ErasedHandler
where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult<Value>> + Send + 'static,
{
    let handler = Arc::new(handler);
    Arc::new(move |input: Value| {
        let handler = Arc::clone(&handler);
        Box::pin(async move { handler(input).await })
    })
}

/// Runs a handler in a task of its own, so that a handler that panics (an `assert!` in a test
/// handler, say) fails its run instead of dropping the connection.
pub(super) async fn call(handler: &ErasedHandler, input: Value) -> HandlerResult<Value> {
    let mut task = AbortOnDrop(tokio::spawn(handler(input)));
    match (&mut task.0).await {
        Ok(result) => result,
        Err(error) => {
            let message = match error.try_into_panic() {
                Ok(panic) => panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".to_owned()),
                Err(_) => "it was cancelled".to_owned(),
            };
            Err(Rejection::failed(format!("the workflow's handler panicked: {message}")))
        }
    }
}

/// Stops the handler's task when the request is abandoned (e.g. the server is dropped).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
