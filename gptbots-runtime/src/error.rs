use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::value::RawValue;

use crate::Status;
use crate::wire::INVOKE_PATH;

/// Everything that can go wrong when calling a workflow.
///
/// Each variant displays as one sentence that stands alone in a log: it names the endpoint
/// (with its host), the HTTP status, the workflow and the run it concerns. The underlying
/// cause, when there is one, is only in [`source()`](std::error::Error::source), so `{:#}`
/// (anyhow, eyre) prints every cause once. The API key is never part of an error, and text
/// quoted from the network is bounded, on one line, with control characters escaped.
///
/// Two questions decide what to do with an error:
///
/// - [`Error::may_have_started_run`]: could this failed call have started a paid run? If so,
///   do not submit the input again: query the run by [`Error::run_id`] when there is one
///   ([`Client::resume`](crate::Client::resume)).
/// - [`Error::is_retryable`]: may the same call succeed later (rate limits, server faults,
///   network trouble)? Only safe to act on when the call could not have started a run.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is not configured to call this workflow.
    #[error(
        "no GPTBots API key for workflow `{workflow_id}`: a key belongs to one workflow; set {env_var} or call ClientBuilder::workflow_key(\"{workflow_id}\", key)"
    )]
    #[non_exhaustive]
    MissingKey {
        /// The workflow that was called.
        workflow_id: String,
        /// The environment variable [`Client::from_env`](crate::Client::from_env) reads for it.
        env_var: String,
    },

    /// The client's configuration is invalid; nothing was sent.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// The input does not serialize to JSON; nothing was sent.
    #[error("the input of workflow `{workflow_id}` does not serialize to JSON")]
    #[non_exhaustive]
    Input {
        /// The workflow that was called.
        workflow_id: String,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },

    /// The request could not be sent or the response could not be read.
    #[error("GPTBots request to {endpoint} failed{}: {}", run_suffix(.run_id), transport_summary(.source))]
    #[non_exhaustive]
    Transport {
        /// The endpoint, with its host.
        endpoint: ApiEndpoint,
        /// The run concerned, when known.
        run_id: Option<String>,
        /// The underlying HTTP client error.
        #[source]
        source: reqwest::Error,
    },

    /// No response arrived in time.
    #[error("GPTBots request to {endpoint} timed out after {after:?}{}{}", if *.while_connecting { " while connecting" } else { "" }, run_suffix(.run_id))]
    #[non_exhaustive]
    Timeout {
        /// The endpoint, with its host.
        endpoint: ApiEndpoint,
        /// The limit that expired.
        after: Duration,
        /// The run concerned, when known.
        run_id: Option<String>,
        /// Whether the limit expired before a connection was made (nothing was sent).
        while_connecting: bool,
    },

    /// The server answered with an HTTP error status.
    #[error("GPTBots answered HTTP {status} on {endpoint}{}{}: {excerpt}", api_suffix(.api_code, .message), run_suffix(.run_id))]
    #[non_exhaustive]
    Http {
        /// The endpoint, with its host.
        endpoint: ApiEndpoint,
        /// The HTTP status code.
        status: u16,
        /// GPTBots' error code from a `{code, message}` body, when present.
        api_code: Option<i64>,
        /// GPTBots' error message, when present.
        message: Option<String>,
        /// The run concerned, when known.
        run_id: Option<String>,
        /// A bounded excerpt of the body, or `(empty body)`.
        excerpt: Box<str>,
        /// Whether the server said it did not process the request (HTTP 429, or 503 with
        /// `Retry-After`).
        refused: bool,
    },

    /// The server answered with a redirect, which is never followed: a redirected POST changes
    /// method or host, and a resent invoke would start a second paid run.
    #[error(
        "GPTBots answered HTTP {status} on {endpoint}, a redirect to {}, which was not followed; set the base URL to the final address",
        location.as_deref().unwrap_or("an unnamed location")
    )]
    #[non_exhaustive]
    Redirect {
        /// The endpoint, with its host.
        endpoint: ApiEndpoint,
        /// The HTTP status code (3xx).
        status: u16,
        /// The `Location` header, bounded, when there was one.
        location: Option<String>,
    },

    /// The server answered HTTP 200 with a `{code, message}` error body.
    #[error("GPTBots rejected the call to {endpoint}{} with code {code}: {message}", run_suffix(.run_id))]
    #[non_exhaustive]
    Api {
        /// The endpoint, with its host.
        endpoint: ApiEndpoint,
        /// GPTBots' error code (e.g. 40000 invalid parameter, 40127 authentication failed).
        code: i64,
        /// GPTBots' error message.
        message: String,
        /// The run the call was about (a query), when known.
        run_id: Option<String>,
    },

    /// The run finished with status `FAILED`.
    #[error(
        "workflow `{workflow_id}` run {run_id} FAILED: {}",
        reason.as_deref().unwrap_or("GPTBots gave no reason")
    )]
    #[non_exhaustive]
    RunFailed {
        /// The workflow id.
        workflow_id: String,
        /// The failed run.
        run_id: String,
        /// Why, as the body says (`errorMessage`, `message`, `error` or `msg`), bounded.
        reason: Option<String>,
        /// The input as the server echoed it (the user's data: never part of the message).
        input: Option<Box<RawValue>>,
        /// Credits the failed run reported (`totalCost`), when it did: a failed run may still
        /// have been paid for.
        cost: Option<f64>,
    },

    /// A synchronous invoke returned a status that is not `SUCCEED` or `FAILED`.
    #[error(
        "workflow `{workflow_id}` run {run_id} returned status {status} from a synchronous invoke; query the run later"
    )]
    #[non_exhaustive]
    UnexpectedStatus {
        /// The workflow id.
        workflow_id: String,
        /// The run, which may still complete.
        run_id: String,
        /// The status as received.
        status: Status,
    },

    /// The run succeeded but its output does not decode into the declared output type.
    #[error(
        "workflow `{workflow_id}` run {run_id} succeeded but its output does not fit `{output_type}` at `{path}`: {reason}; {}", shown_output(raw_output.as_deref())
    )]
    #[non_exhaustive]
    OutputMismatch {
        /// The workflow id.
        workflow_id: String,
        /// The (paid) run.
        run_id: String,
        /// The Rust output type.
        output_type: &'static str,
        /// The JSON path of the failing field, `.` for the root.
        path: String,
        /// What serde reported.
        reason: Box<str>,
        /// The complete raw `output` JSON, so the paid result is never lost. `None` for a body
        /// decoded chunk by chunk (see
        /// [`ClientBuilder::streamed_body_bytes`](crate::ClientBuilder::streamed_body_bytes)),
        /// whose text was freed: fetch the output again by `run_id`
        /// (`client.workflow(id).resume::<serde_json::Value>(run_id).wait()`).
        raw_output: Option<Box<str>>,
    },

    /// The response came from another workflow than the one declared.
    #[error(
        "the API key used for workflow `{declared}` belongs to workflow `{actual}` (run {run_id}): configure the key of `{declared}`"
    )]
    #[non_exhaustive]
    WorkflowMismatch {
        /// The id in `#[workflow(id = ...)]`.
        declared: String,
        /// The id the server reported.
        actual: String,
        /// The run that was started on the other workflow.
        run_id: String,
    },

    /// The response body is larger than the client's limit; reading stopped at the limit.
    #[error(
        "GPTBots response on {endpoint} (HTTP {status}) exceeds the {limit}-byte limit{}{}; raise ClientBuilder::max_response_bytes if outputs this large are expected",
        announced_suffix(.announced),
        run_suffix(.run_id)
    )]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The endpoint, with its host.
        endpoint: ApiEndpoint,
        /// The HTTP status code.
        status: u16,
        /// The limit in bytes.
        limit: u64,
        /// The size the server announced in `Content-Length`, when it did.
        announced: Option<u64>,
        /// The run concerned, when it could be read before the limit.
        run_id: Option<String>,
    },

    /// The response is not a GPTBots response this client understands.
    #[error("GPTBots sent an invalid response on {endpoint} (HTTP {status}){}: {reason}; body: {excerpt}", run_suffix(.run_id))]
    #[non_exhaustive]
    InvalidResponse {
        /// The endpoint, with its host.
        endpoint: ApiEndpoint,
        /// The HTTP status code.
        status: u16,
        /// The run concerned, when known.
        run_id: Option<String>,
        /// What is wrong with it.
        reason: String,
        /// A bounded excerpt of the body.
        excerpt: Box<str>,
    },

    /// An async run did not finish before the wait's deadline. The run goes on on the server:
    /// wait on it again, or rebuild its handle from the run id with
    /// [`Client::resume`](crate::Client::resume).
    #[error(
        "workflow `{workflow_id}` run {run_id} did not finish within {after:?}{}; it goes on running: wait again or resume it from its run id",
        deadline_suffix(.last_status, .last_error)
    )]
    #[non_exhaustive]
    Deadline {
        /// The workflow id.
        workflow_id: String,
        /// The run, still going on (or finished since).
        run_id: String,
        /// The deadline that passed.
        after: Duration,
        /// The status the last successful query reported.
        last_status: Option<Status>,
        /// The fault of the last query, when it failed.
        #[source]
        last_error: Option<Box<Error>>,
    },

    /// A webhook was refused before the run was submitted; nothing was sent.
    #[error(transparent)]
    Webhook(#[from] crate::async_run::WebhookError),

    /// A batch input was not submitted because the batch had spent its budget.
    #[error(
        "not submitted: the batch has spent {spent} credits, past its budget of {limit}; raise the budget or submit the rest later"
    )]
    #[non_exhaustive]
    BudgetExceeded {
        /// The budget in credits.
        limit: f64,
        /// The credits the finished runs of the batch reported.
        spent: f64,
    },

    /// A batch's journal could not be read or written, or belongs to another batch.
    #[cfg(feature = "journal")]
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),

    /// A submit of this input was sent before but never answered, so it may have started a
    /// paid run; the batch was asked not to decide ([`InDoubt::Ask`](crate::async_run::InDoubt::Ask)).
    #[cfg(feature = "journal")]
    #[error(
        "the input at position {position} of workflow `{workflow_id}` was submitted at {} and never answered: it may have started a run; look it up with Client::find_run before submitting it again",
        httpdate::fmt_http_date(*.sent_at)
    )]
    #[non_exhaustive]
    InDoubt {
        /// The workflow id.
        workflow_id: String,
        /// The input's position in the batch.
        position: u64,
        /// When the unanswered submit was sent.
        sent_at: std::time::SystemTime,
    },
}

/// Why a client could not be built, or a per-call option was refused. Nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL does not parse.
    #[error("GPTBots base URL `{base_url}` is not a URL ({reason}); give one like {}", crate::DEFAULT_BASE_URL)]
    #[non_exhaustive]
    InvalidBaseUrl {
        /// The URL as given (bounded).
        base_url: String,
        /// What the URL parser reported.
        reason: String,
    },
    /// The base URL is neither `https://` nor `http://`.
    #[error("GPTBots base URL `{base_url}` must start with https://")]
    #[non_exhaustive]
    UnsupportedScheme {
        /// The URL as given.
        base_url: String,
    },
    /// The base URL uses plain `http://` to another machine, which would send the API key
    /// unencrypted.
    #[error(
        "GPTBots base URL `{base_url}` uses plain http:// to a host other than this machine, which would send the API key unencrypted; use https:// or call ClientBuilder::allow_insecure_http()"
    )]
    #[non_exhaustive]
    InsecureHttp {
        /// The refused base URL.
        base_url: String,
    },
    /// An API key cannot be sent in an `Authorization` header.
    #[error("{key} {problem}; copy the key again from the workflow's API page")]
    #[non_exhaustive]
    InvalidKey {
        /// Which key: "the default API key", "the API key of workflow `wf_x`", "the API key in
        /// GPTBOTS_API_KEY_WF_X". Never the key itself.
        key: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// `max_response_bytes(0)`.
    #[error("max_response_bytes is 0; give a limit of at least a few KiB")]
    ZeroResponseLimit,
    /// reqwest could not build its client (TLS back end, resolver).
    #[error("the HTTP client could not be built")]
    HttpClient(#[source] reqwest::Error),
    /// The blocking client's background runtime or thread could not be started.
    #[error("the blocking client's {what} could not be started")]
    BlockingRuntime {
        /// `runtime` or `thread`.
        what: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// The endpoint a request went to, as errors name it: the URL without credentials or query
/// (`https://api.gptbots.ai/v1/workflow/invoke`), and its API path. Cheap to clone.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiEndpoint(Arc<EndpointName>);

#[derive(PartialEq, Eq)]
struct EndpointName {
    path: &'static str,
    shown: Box<str>,
}

impl ApiEndpoint {
    /// `path` on `base_url`; userinfo and query are left out, as they may carry secrets.
    pub(crate) fn new(base_url: &reqwest::Url, path: &'static str) -> Self {
        let host = base_url.host_str().unwrap_or_default();
        let port = base_url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let base_path = base_url.path().trim_end_matches('/');
        let shown = format!("{}://{host}{port}{base_path}{path}", base_url.scheme());
        ApiEndpoint(Arc::new(EndpointName { path, shown: crate::excerpt::bounded(&shown).into() }))
    }

    /// An endpoint with no host, for bodies decoded outside a request (a webhook callback).
    pub(crate) fn named(path: &'static str) -> Self {
        ApiEndpoint(Arc::new(EndpointName { path, shown: path.into() }))
    }

    /// The API path, e.g. `/v1/workflow/invoke`.
    pub fn path(&self) -> &'static str {
        self.0.path
    }

    /// Whether this is the endpoint that starts runs.
    fn starts_runs(&self) -> bool {
        self.0.path == INVOKE_PATH
    }
}

impl fmt::Display for ApiEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.shown)
    }
}

impl fmt::Debug for ApiEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0.shown, f)
    }
}

fn deadline_suffix(last_status: &Option<Status>, last_error: &Option<Box<Error>>) -> String {
    match (last_status, last_error) {
        (_, Some(error)) => match error.http_status() {
            Some(status) => format!(" (the last query failed with HTTP {status})"),
            None => " (the last query failed)".to_owned(),
        },
        (Some(status), None) => format!(" (last status {status})"),
        (None, None) => String::new(),
    }
}

/// The end of an `OutputMismatch` message: an excerpt of the raw output, or where to get it.
fn shown_output(raw_output: Option<&str>) -> String {
    match raw_output {
        Some(raw) => format!("output: {}", crate::excerpt::Quoter::default().excerpt(raw.as_bytes())),
        None => {
            "the body was decoded chunk by chunk, so its raw output was not kept: fetch it again by run id".to_owned()
        }
    }
}

fn run_suffix(run_id: &Option<String>) -> String {
    match run_id {
        Some(id) => format!(" (run {id})"),
        None => String::new(),
    }
}

/// What went wrong, in a few words: reqwest's own message ("error sending request") says
/// little, and the causes themselves belong to `source()`, so this names the kind of failure.
fn transport_summary(error: &reqwest::Error) -> String {
    let io_kind = std::iter::successors(std::error::Error::source(error), |cause| cause.source())
        .find_map(|cause| cause.downcast_ref::<std::io::Error>().map(std::io::Error::kind));
    let unresolved = std::iter::successors(std::error::Error::source(error), |cause| cause.source())
        .any(|cause| cause.to_string().to_ascii_lowercase().contains("dns"));
    let what = match io_kind {
        _ if unresolved => "the host name could not be resolved",
        Some(std::io::ErrorKind::ConnectionRefused) => "the connection was refused",
        Some(std::io::ErrorKind::ConnectionReset) => "the connection was reset",
        Some(std::io::ErrorKind::ConnectionAborted) => "the connection was aborted",
        Some(std::io::ErrorKind::UnexpectedEof) => "the connection closed early",
        Some(std::io::ErrorKind::TimedOut) => "the connection timed out",
        _ if error.is_timeout() => "timed out",
        _ if error.is_connect() => "could not connect",
        _ if error.is_body() || error.is_decode() => "the connection broke while the response was read",
        _ if error.is_request() => "the request could not be sent, or the connection closed before the answer",
        _ => "the HTTP client failed",
    };
    if error.is_connect() { format!("{what} (nothing was sent)") } else { what.to_owned() }
}

fn announced_suffix(announced: &Option<u64>) -> String {
    match announced {
        Some(len) => format!(" (Content-Length announced {len} bytes)"),
        None => String::new(),
    }
}

fn api_suffix(code: &Option<i64>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!(" with code {code} ({message})"),
        (Some(code), None) => format!(" with code {code}"),
        (None, Some(message)) => format!(" ({message})"),
        (None, None) => String::new(),
    }
}

impl Error {
    /// The run this error concerns, when one was started.
    pub fn run_id(&self) -> Option<&str> {
        match self {
            Error::Transport { run_id, .. }
            | Error::Timeout { run_id, .. }
            | Error::Http { run_id, .. }
            | Error::Api { run_id, .. }
            | Error::ResponseTooLarge { run_id, .. }
            | Error::InvalidResponse { run_id, .. } => run_id.as_deref(),
            Error::RunFailed { run_id, .. }
            | Error::UnexpectedStatus { run_id, .. }
            | Error::OutputMismatch { run_id, .. }
            | Error::WorkflowMismatch { run_id, .. }
            | Error::Deadline { run_id, .. } => Some(run_id),
            Error::MissingKey { .. }
            | Error::Config(_)
            | Error::Input { .. }
            | Error::Redirect { .. }
            | Error::Webhook(_)
            | Error::BudgetExceeded { .. } => None,
            #[cfg(feature = "journal")]
            Error::Journal(_) | Error::InDoubt { .. } => None,
        }
    }

    /// Credits a `FAILED` run reported: a failed run may still have been paid for. `None` when
    /// it reported no cost (or one that is not a finite, non-negative number).
    pub fn cost(&self) -> Option<f64> {
        match self {
            Error::RunFailed { cost, .. } => cost.filter(|cost| cost.is_finite() && *cost >= 0.0),
            _ => None,
        }
    }

    /// GPTBots' error code, when the server sent one.
    pub fn api_code(&self) -> Option<i64> {
        match self {
            Error::Api { code, .. } => Some(*code),
            Error::Http { api_code, .. } => *api_code,
            _ => None,
        }
    }

    /// The HTTP status of the response that caused this error, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. }
            | Error::Redirect { status, .. }
            | Error::InvalidResponse { status, .. }
            | Error::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The raw output of a run that succeeded but did not decode, when it was kept: see
    /// [`Error::OutputMismatch`].
    pub fn raw_output(&self) -> Option<&str> {
        match self {
            Error::OutputMismatch { raw_output, .. } => raw_output.as_deref(),
            _ => None,
        }
    }

    /// Why a run `FAILED`, as the server said (`errorMessage`, `message`, `error` or `msg`).
    pub fn failure_reason(&self) -> Option<&str> {
        match self {
            Error::RunFailed { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }

    /// The input a `FAILED` run's body echoed back: the caller's own data, kept here and never
    /// in a message.
    pub fn echoed_input(&self) -> Option<&RawValue> {
        match self {
            Error::RunFailed { input, .. } => input.as_deref(),
            _ => None,
        }
    }

    /// Could the failed call have started a paid run?
    ///
    /// `true` when a run surely exists (the error names it: [`Error::run_id`]) and when an invoke
    /// may have reached GPTBots without a clear answer (a broken connection, a timeout after
    /// sending, HTTP 5xx, an unreadable answer). Do not submit the input again then: query the
    /// run by its id where there is one ([`Client::resume`](crate::Client::resume)), or look it
    /// up in the run list ([`Client::find_run`](crate::Client::find_run)).
    ///
    /// `false` when nothing was sent (configuration, a missing key, no connection), when the
    /// server said it did not process the request (any HTTP 4xx, such as a rejected key or
    /// input or a rate limit, 503 with `Retry-After`, a `{code, message}` refusal inside HTTP
    /// 200), and for errors of reads that start nothing (polling a run).
    pub fn may_have_started_run(&self) -> bool {
        if self.run_id().is_some() {
            return true;
        }
        match self {
            Error::Transport { endpoint, source, .. } => endpoint.starts_runs() && !source.is_connect(),
            Error::Timeout { endpoint, while_connecting, .. } => endpoint.starts_runs() && !while_connecting,
            // A 4xx rejects the request as the client's mistake: HTTP semantics say it was not
            // acted on.
            Error::Http { endpoint, refused, status, .. } => {
                endpoint.starts_runs() && !refused && !(400..500).contains(status)
            }
            Error::Redirect { endpoint, .. }
            | Error::ResponseTooLarge { endpoint, .. }
            | Error::InvalidResponse { endpoint, .. } => endpoint.starts_runs(),
            _ => false,
        }
    }

    /// True when the same call may succeed if made again later: rate limits, server faults,
    /// network trouble. The client has already repeated what its [`RetryPolicy`](crate::RetryPolicy)
    /// allows.
    ///
    /// It does not say the call is safe to repeat. An invoke that reached the server may have
    /// started a paid run, so check [`Error::may_have_started_run`] first: when it is `true`,
    /// resume the run by [`Error::run_id`] instead of invoking again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Http { status, .. } => *status == 429 || *status >= 500,
            Error::Api { code, .. } => *code == 50000,
            _ => false,
        }
    }

    /// The variant's name, for `Debug` and the spans' `error.type`.
    pub(crate) fn variant(&self) -> &'static str {
        match self {
            Error::MissingKey { .. } => "MissingKey",
            Error::Config(_) => "Config",
            Error::Input { .. } => "Input",
            Error::Transport { .. } => "Transport",
            Error::Timeout { .. } => "Timeout",
            Error::Http { .. } => "Http",
            Error::Redirect { .. } => "Redirect",
            Error::Api { .. } => "Api",
            Error::RunFailed { .. } => "RunFailed",
            Error::UnexpectedStatus { .. } => "UnexpectedStatus",
            Error::OutputMismatch { .. } => "OutputMismatch",
            Error::WorkflowMismatch { .. } => "WorkflowMismatch",
            Error::ResponseTooLarge { .. } => "ResponseTooLarge",
            Error::InvalidResponse { .. } => "InvalidResponse",
            Error::Deadline { .. } => "Deadline",
            Error::Webhook(_) => "Webhook",
            Error::BudgetExceeded { .. } => "BudgetExceeded",
            #[cfg(feature = "journal")]
            Error::Journal(_) => "Journal",
            #[cfg(feature = "journal")]
            Error::InDoubt { .. } => "InDoubt",
        }
    }
}

/// As bounded as `Display`: the variant, its message and its causes' messages. The raw output
/// of an [`Error::OutputMismatch`] (up to the response limit) and a failed run's echoed input
/// are left out, so an `unwrap()` cannot flood a log; read them with [`Error::raw_output`] and
/// [`Error::echoed_input`].
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        let mut debug = f.debug_struct(self.variant());
        debug.field("message", &self.to_string());
        if !causes.is_empty() {
            debug.field("causes", &causes);
        }
        debug.finish()
    }
}

impl Error {
    /// Fills in the run id of an error that arose before the run id was known, for callers
    /// that know it (polling a run).
    pub(crate) fn with_run_id(mut self, id: &str) -> Self {
        match &mut self {
            Error::Transport { run_id, .. }
            | Error::Timeout { run_id, .. }
            | Error::Http { run_id, .. }
            | Error::Api { run_id, .. }
            | Error::ResponseTooLarge { run_id, .. }
            | Error::InvalidResponse { run_id, .. } => {
                run_id.get_or_insert_with(|| id.to_owned());
            }
            _ => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::QUERY_PATH;

    fn http(path: &'static str, status: u16, refused: bool) -> Error {
        Error::Http {
            endpoint: ApiEndpoint::named(path),
            status,
            api_code: None,
            message: None,
            run_id: None,
            excerpt: "(empty body)".into(),
            refused,
        }
    }

    #[test]
    fn results_stay_small() {
        // Every `Result<_, Error>` carries this much; large payloads are boxed.
        assert!(std::mem::size_of::<Error>() <= 120, "{}", std::mem::size_of::<Error>());
    }

    #[test]
    fn run_ids_are_added_only_where_missing() {
        let timeout = |run_id| Error::Timeout {
            endpoint: ApiEndpoint::named(QUERY_PATH),
            after: Duration::from_secs(1),
            run_id,
            while_connecting: false,
        };
        assert_eq!(timeout(None).with_run_id("run_1").run_id(), Some("run_1"));
        assert_eq!(timeout(Some("run_0".into())).with_run_id("run_1").run_id(), Some("run_0"));
    }

    #[test]
    fn only_invokes_that_may_have_reached_the_server_may_have_started_a_run() {
        assert!(http(INVOKE_PATH, 502, false).may_have_started_run());
        assert!(http(INVOKE_PATH, 502, false).is_retryable());
        assert!(!http(INVOKE_PATH, 429, true).may_have_started_run());
        assert!(!http(INVOKE_PATH, 401, false).may_have_started_run(), "a rejected key starts nothing");
        assert!(!http(INVOKE_PATH, 400, false).may_have_started_run());
        assert!(!http(QUERY_PATH, 502, false).may_have_started_run());
        let connecting = Error::Timeout {
            endpoint: ApiEndpoint::named(INVOKE_PATH),
            after: Duration::from_secs(1),
            run_id: None,
            while_connecting: true,
        };
        assert!(!connecting.may_have_started_run());
        let failed =
            Error::RunFailed { workflow_id: "wf".into(), run_id: "r".into(), reason: None, input: None, cost: None };
        assert!(failed.may_have_started_run() && !failed.is_retryable());
        assert!(!Error::Config(ConfigError::ZeroResponseLimit).may_have_started_run());
    }

    #[test]
    fn debug_is_as_bounded_as_display() {
        let error = Error::OutputMismatch {
            workflow_id: "wf".into(),
            run_id: "r".into(),
            output_type: "T",
            path: ".".into(),
            reason: "invalid type".into(),
            raw_output: Some(format!("\"{}\"", "x".repeat(1 << 20)).into()),
        };
        let shown = format!("{error:?}");
        assert!(shown.len() < 2048 && shown.starts_with("OutputMismatch"), "{}", shown.len());
        assert_eq!(error.raw_output().map(str::len), Some((1 << 20) + 2));
    }

    #[test]
    fn the_message_does_not_repeat_the_cause() {
        let inner = http(QUERY_PATH, 503, false);
        let deadline = Error::Deadline {
            workflow_id: "wf".into(),
            run_id: "r".into(),
            after: Duration::from_secs(1),
            last_status: None,
            last_error: Some(Box::new(inner)),
        };
        let message = deadline.to_string();
        assert!(message.contains("HTTP 503") && !message.contains("(empty body)"), "{message}");
        let cause = std::error::Error::source(&deadline).map(ToString::to_string).unwrap_or_default();
        assert!(cause.contains("(empty body)"), "{cause}");
    }
}
