//! Faults the server injects into chosen answers, to test how a client copes with a broken
//! network, proxy or server.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use super::endpoint::Endpoint;
use super::registry::lock;

/// A fault injected into one answer of the embedded server.
///
/// Queue faults with [`MockServer::inject`](super::MockServer::inject) (next request of any
/// kind), [`MockServer::inject_on`](super::MockServer::inject_on) (next request to one
/// endpoint) or [`MockWorkflow::inject`](super::MockWorkflow::inject) (next request carrying
/// that workflow's key). Each queued fault is used by exactly one request, in queue order;
/// requests that match no queued fault are answered normally.
///
/// Each variant says whether the workflow runs: when it does, the request reached the server
/// and a run exists (and was paid for on the real service) even though the client never sees
/// a usable answer. A client must not resubmit those invokes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// The server reads the request, runs the workflow, then closes the connection without a
    /// byte of answer. (For a connection that is refused outright, point the client at
    /// [`MockServer::refused_url`](super::MockServer::refused_url).)
    CloseBeforeResponse,
    /// The server reads the request, runs the workflow, then resets the connection (TCP RST)
    /// without a byte of answer.
    ResetBeforeResponse,
    /// The workflow runs; the server sends the status line, the headers and half the body, then
    /// resets the connection.
    ResetMidBody,
    /// The workflow runs; the answer is HTTP 200 with the run's JSON cut in half (the
    /// `Content-Length` matches the cut body, so only the JSON is broken).
    TruncatedJson,
    /// An HTML error page with this status, as nginx or a load balancer sends it. The workflow
    /// does not run.
    HtmlErrorPage(u16),
    /// HTTP 429 with `{code, message}`, and `Retry-After: <seconds>` when given. The workflow
    /// does not run: a 429 says the request was not processed.
    TooManyRequests {
        /// The `Retry-After` header in whole seconds, or none.
        retry_after: Option<u64>,
    },
    /// This HTTP status (e.g. 500, 502, 503, 504) with a GPTBots `{"code": 50000, ...}` body.
    /// The workflow does not run.
    Status(u16),
    /// HTTP 503 with `Retry-After: <seconds>` and a `{code, message}` body, as a server that
    /// sheds load says "not now". The workflow does not run.
    ServiceUnavailable {
        /// The `Retry-After` header in whole seconds.
        retry_after: u64,
    },
    /// The workflow runs; the answer starts only after this delay.
    SlowHeaders(Duration),
    /// The workflow runs; the headers come at once, the body trickles in eight pieces spread
    /// over this duration.
    SlowBody(Duration),
    /// The workflow runs; the answer is its JSON padded with whitespace to this many bytes
    /// (still valid JSON), streamed without the server holding it in memory.
    OversizedBody(u64),
    /// The workflow runs; the answer announces `Content-Length: 1099511627776` (1 TiB), sends
    /// the run's JSON and closes.
    HugeContentLength,
    /// The workflow runs; the answer is its JSON with bytes that are not UTF-8 inside a string.
    InvalidUtf8,
    /// The workflow runs; the answer is its JSON labelled `Content-Type: text/plain`.
    WrongContentType,
    /// The workflow runs; the answer carries this status string instead of the real one.
    UnknownStatus(String),
    /// The workflow runs; the answer says `SUCCEED` but has no `output`.
    SucceedWithoutOutput,
    /// The workflow runs; the answer says `SUCCEED` with this `output` instead of the
    /// handler's.
    WrongOutput(Value),
    /// The workflow runs; the answer (and its output object) carry extra fields no client
    /// knows. Clients must accept it.
    ExtraFields,
    /// HTTP 200 with a `{code, message}` body instead of a run. The workflow does not run.
    ApiErrorInOk {
        /// GPTBots' error code, e.g. 20022 (not enough credits).
        code: i64,
        /// The message.
        message: String,
    },
}

impl Fault {
    /// True when the workflow's handler runs before the fault shapes the answer.
    pub fn runs_workflow(&self) -> bool {
        !matches!(
            self,
            Fault::HtmlErrorPage(_)
                | Fault::TooManyRequests { .. }
                | Fault::ServiceUnavailable { .. }
                | Fault::Status(_)
                | Fault::ApiErrorInOk { .. }
        )
    }
}

/// Which requests a queued fault may hit.
#[derive(Debug, Clone, Default)]
pub(super) struct Scope {
    pub workflow: Option<String>,
    pub endpoint: Option<Endpoint>,
}

impl Scope {
    fn matches(&self, endpoint: Option<Endpoint>, workflow: Option<&str>) -> bool {
        self.endpoint.is_none_or(|e| Some(e) == endpoint)
            && self.workflow.as_deref().is_none_or(|w| Some(w) == workflow)
    }
}

/// The faults waiting for their request.
#[derive(Default)]
pub(super) struct FaultQueue {
    queue: Mutex<VecDeque<(Scope, Fault)>>,
}

impl FaultQueue {
    pub fn push(&self, scope: Scope, fault: Fault) {
        lock(&self.queue).push_back((scope, fault));
    }

    /// Takes the first queued fault meant for a request to `endpoint` with `workflow`'s key.
    pub fn take(&self, endpoint: Option<Endpoint>, workflow: Option<&str>) -> Option<Fault> {
        let mut queue = lock(&self.queue);
        let index = queue.iter().position(|(scope, _)| scope.matches(endpoint, workflow))?;
        queue.remove(index).map(|(_, fault)| fault)
    }

    pub fn pending(&self) -> usize {
        lock(&self.queue).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(workflow: Option<&str>, endpoint: Option<Endpoint>) -> Scope {
        Scope { workflow: workflow.map(str::to_owned), endpoint }
    }

    #[test]
    fn a_fault_goes_to_the_first_request_its_scope_matches_in_queue_order() {
        let queue = FaultQueue::default();
        queue.push(scope(Some("wf_a"), Some(Endpoint::QueryResult)), Fault::Status(503));
        queue.push(scope(Some("wf_a"), None), Fault::Status(500));
        queue.push(scope(None, None), Fault::Status(502));

        assert_eq!(queue.take(Some(Endpoint::Invoke), Some("wf_b")), Some(Fault::Status(502)));
        assert_eq!(queue.take(Some(Endpoint::Invoke), Some("wf_b")), None);
        assert_eq!(queue.take(Some(Endpoint::Invoke), Some("wf_a")), Some(Fault::Status(500)));
        assert_eq!(queue.take(Some(Endpoint::Invoke), Some("wf_a")), None);
        assert_eq!(queue.take(Some(Endpoint::QueryResult), Some("wf_a")), Some(Fault::Status(503)));
        assert_eq!(queue.pending(), 0);
    }

    #[test]
    fn only_answers_that_refuse_the_call_skip_the_workflow() {
        assert!(!Fault::TooManyRequests { retry_after: None }.runs_workflow());
        assert!(!Fault::Status(503).runs_workflow());
        assert!(Fault::ResetBeforeResponse.runs_workflow());
        assert!(Fault::TruncatedJson.runs_workflow());
    }
}
