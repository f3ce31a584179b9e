use std::time::Duration;

use crate::Status;

/// Everything that can go wrong when calling a workflow.
///
/// Each variant displays as one sentence that stands alone in a log: it names the workflow or
/// run it concerns and the cause. The API key is never part of an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is not configured to call this workflow.
    #[error(
        "no GPTBots API key for workflow `{workflow_id}`: a key belongs to one workflow; set {env_var} or call ClientBuilder::workflow_key(\"{workflow_id}\", key)"
    )]
    MissingKey {
        /// The workflow that was called.
        workflow_id: String,
        /// The environment variable [`Client::from_env`](crate::Client::from_env) reads for it.
        env_var: String,
    },

    /// The client's configuration is invalid (base URL, key format, timeouts).
    #[error("invalid GPTBots client configuration: {message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// The base URL uses plain `http://` to another machine, which would send the API key
    /// unencrypted.
    #[error(
        "GPTBots base URL `{base_url}` uses plain http:// to a host other than this machine, which would send the API key unencrypted; use https:// or call ClientBuilder::allow_insecure_http()"
    )]
    InsecureUrl {
        /// The refused base URL.
        base_url: String,
    },

    /// The request could not be sent or the response could not be read.
    #[error("GPTBots request to {endpoint} failed{}: {}", run_suffix(.run_id), causes(.source))]
    Transport {
        /// The API path, e.g. `/v1/workflow/invoke`.
        endpoint: &'static str,
        /// The run concerned, when known.
        run_id: Option<String>,
        /// The underlying HTTP client error.
        #[source]
        source: reqwest::Error,
    },

    /// No response arrived in time.
    #[error("GPTBots request to {endpoint} timed out after {after:?}{}", run_suffix(.run_id))]
    Timeout {
        /// The API path.
        endpoint: &'static str,
        /// The limit that expired.
        after: Duration,
        /// The run concerned, when known.
        run_id: Option<String>,
    },

    /// The server answered with an HTTP error status.
    #[error("GPTBots answered HTTP {status} on {endpoint}{}{}: {excerpt}", api_suffix(.api_code, .message), run_suffix(.run_id))]
    Http {
        /// The API path.
        endpoint: &'static str,
        /// The HTTP status code.
        status: u16,
        /// GPTBots' error code from a `{code, message}` body, when present.
        api_code: Option<i64>,
        /// GPTBots' error message, when present.
        message: Option<String>,
        /// The run concerned, when known.
        run_id: Option<String>,
        /// A bounded excerpt of the body.
        excerpt: String,
    },

    /// The server answered HTTP 200 with a `{code, message}` error body.
    #[error("GPTBots rejected the call to {endpoint} with code {code}: {message}")]
    Api {
        /// The API path.
        endpoint: &'static str,
        /// GPTBots' error code (e.g. 40000 invalid parameter, 40127 authentication failed).
        code: i64,
        /// GPTBots' error message.
        message: String,
    },

    /// The run finished with status `FAILED`.
    #[error("workflow `{workflow_id}` run {run_id} FAILED: {excerpt}")]
    RunFailed {
        /// The workflow id.
        workflow_id: String,
        /// The failed run.
        run_id: String,
        /// A bounded excerpt of the response body (GPTBots documents no error field).
        excerpt: String,
    },

    /// A synchronous invoke returned a status that is not `SUCCEED` or `FAILED`.
    #[error(
        "workflow `{workflow_id}` run {run_id} returned status {status} from a synchronous invoke; query the run later"
    )]
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
        "workflow `{workflow_id}` run {run_id} succeeded but its output does not fit `{output_type}` at `{path}`: {reason}; output: {}", crate::response::excerpt(raw_output.as_bytes())
    )]
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
        /// The complete raw `output` JSON, so the paid result is never lost.
        raw_output: Box<str>,
    },

    /// The response came from another workflow than the one declared.
    #[error(
        "the API key used for workflow `{declared}` belongs to workflow `{actual}` (run {run_id}): configure the key of `{declared}`"
    )]
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
    ResponseTooLarge {
        /// The API path.
        endpoint: &'static str,
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
    InvalidResponse {
        /// The API path.
        endpoint: &'static str,
        /// The HTTP status code.
        status: u16,
        /// The run concerned, when known.
        run_id: Option<String>,
        /// What is wrong with it.
        reason: String,
        /// A bounded excerpt of the body.
        excerpt: String,
    },

    /// An async run did not finish before the wait's deadline. The run goes on on the server:
    /// wait on it again, or rebuild its handle from the run id with
    /// [`Client::resume`](crate::Client::resume).
    #[error(
        "workflow `{workflow_id}` run {run_id} did not finish within {after:?}{}; it goes on running: wait again or resume it from its run id",
        deadline_suffix(.last_status, .last_error)
    )]
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
    BudgetExceeded {
        /// The budget in credits.
        limit: f64,
        /// The credits the finished runs of the batch reported.
        spent: f64,
    },
}

fn deadline_suffix(last_status: &Option<Status>, last_error: &Option<Box<Error>>) -> String {
    match (last_status, last_error) {
        (_, Some(error)) => format!(" (last query failed: {error})"),
        (Some(status), None) => format!(" (last status {status})"),
        (None, None) => String::new(),
    }
}

fn run_suffix(run_id: &Option<String>) -> String {
    match run_id {
        Some(id) => format!(" (run {id})"),
        None => String::new(),
    }
}

/// The error and its causes in one line: reqwest's own message ("error sending request") says
/// little without the cause underneath ("connection refused").
fn causes(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
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
            | Error::ResponseTooLarge { run_id, .. }
            | Error::InvalidResponse { run_id, .. } => run_id.as_deref(),
            Error::RunFailed { run_id, .. }
            | Error::UnexpectedStatus { run_id, .. }
            | Error::OutputMismatch { run_id, .. }
            | Error::WorkflowMismatch { run_id, .. }
            | Error::Deadline { run_id, .. } => Some(run_id),
            Error::MissingKey { .. }
            | Error::Config { .. }
            | Error::InsecureUrl { .. }
            | Error::Api { .. }
            | Error::Webhook(_)
            | Error::BudgetExceeded { .. } => None,
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
            | Error::InvalidResponse { status, .. }
            | Error::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The raw output of a run that succeeded but did not decode.
    pub fn raw_output(&self) -> Option<&str> {
        match self {
            Error::OutputMismatch { raw_output, .. } => Some(raw_output),
            _ => None,
        }
    }

    /// True when the same call may succeed if made again later (rate limits, server faults,
    /// network trouble). It does not say the call is safe to repeat: an invoke that reached the
    /// server may have started a paid run.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Http { status, .. } => *status == 429 || *status >= 500,
            Error::Api { code, .. } => *code == 50000,
            _ => false,
        }
    }

    /// Fills in the run id of an error that arose before the run id was known, for callers
    /// that know it (polling a run).
    pub(crate) fn with_run_id(mut self, id: &str) -> Self {
        match &mut self {
            Error::Transport { run_id, .. }
            | Error::Timeout { run_id, .. }
            | Error::Http { run_id, .. }
            | Error::ResponseTooLarge { run_id, .. }
            | Error::InvalidResponse { run_id, .. } => {
                run_id.get_or_insert_with(|| id.to_owned());
            }
            _ => {}
        }
        self
    }

    /// Removes `secret` from every text the server sent back: a proxy that echoes request
    /// headers into its error page must not put the API key into an error message or a log.
    pub(crate) fn redact(mut self, secret: &str) -> Self {
        // Shorter strings would blank out ordinary words; configured keys are far longer.
        if secret.len() < 8 {
            return self;
        }
        let scrub = |text: &mut String| {
            if text.contains(secret) {
                *text = text.replace(secret, "<redacted>");
            }
        };
        match &mut self {
            Error::Http { message, excerpt, .. } => {
                message.iter_mut().for_each(scrub);
                scrub(excerpt);
            }
            Error::Api { message, .. } => scrub(message),
            Error::RunFailed { excerpt, .. } => scrub(excerpt),
            Error::InvalidResponse { reason, excerpt, .. } => {
                scrub(reason);
                scrub(excerpt);
            }
            Error::OutputMismatch { reason, raw_output, .. } => {
                for text in [reason, raw_output] {
                    if text.contains(secret) {
                        *text = text.replace(secret, "<redacted>").into_boxed_str();
                    }
                }
            }
            Error::UnexpectedStatus { status: crate::Status::Other(text), .. } => scrub(text),
            Error::WorkflowMismatch { actual, .. } => scrub(actual),
            _ => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_stay_small() {
        // Every `Result<_, Error>` carries this much; large payloads are boxed.
        assert!(std::mem::size_of::<Error>() <= 120, "{}", std::mem::size_of::<Error>());
    }

    #[test]
    fn echoed_keys_are_scrubbed_from_server_text() {
        let key = "app-Zx81Q0pLm";
        let error = Error::Http {
            endpoint: "/v1/workflow/invoke",
            status: 401,
            api_code: Some(40127),
            message: Some(format!("bad key {key}")),
            run_id: None,
            excerpt: format!("<pre>Authorization: Bearer {key}</pre>"),
        }
        .redact(key);
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(key) && shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn run_ids_are_added_only_where_missing() {
        let timeout = Error::Timeout { endpoint: "/q", after: Duration::from_secs(1), run_id: None };
        assert_eq!(timeout.with_run_id("run_1").run_id(), Some("run_1"));
        let known = Error::Timeout { endpoint: "/q", after: Duration::from_secs(1), run_id: Some("run_0".into()) };
        assert_eq!(known.with_run_id("run_1").run_id(), Some("run_0"));
    }
}
