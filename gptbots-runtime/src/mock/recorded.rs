//! The log of requests the server received, for tests to assert on.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::Value;

use super::endpoint::Endpoint;
use super::fault::Fault;
use super::registry::lock;

/// One request as the embedded server received it.
///
/// The API key never appears: the `authorization` header is kept with its value replaced by
/// `Bearer <redacted>`, and [`RecordedRequest::workflow_id`] tells which workflow's key it was.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The request target, e.g. `/v1/workflow/invoke`.
    pub path: String,
    /// The headers in arrival order, names lower-cased, the key's value redacted.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON; `None` when it was empty or not JSON.
    pub body: Option<Value>,
    /// The workflow the request's key belongs to; `None` for a missing or unknown key.
    pub workflow_id: Option<String>,
    /// The fault injected into the answer, if any.
    pub fault: Option<Fault>,
}

impl RecordedRequest {
    /// The endpoint the request went to, if it is one of the API's.
    pub fn endpoint(&self) -> Option<Endpoint> {
        Endpoint::from_path(&self.path)
    }

    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `input` object of an invoke body.
    pub fn input(&self) -> Option<&Value> {
        self.body.as_ref()?.get("input")
    }
}

/// The most requests kept; older ones are forgotten so a long-lived server stays bounded.
pub(super) const MAX_RECORDED: usize = 10_000;

/// The requests received, in arrival order (the latest [`MAX_RECORDED`]).
#[derive(Default)]
pub(super) struct Recorder {
    requests: Mutex<VecDeque<RecordedRequest>>,
}

impl Recorder {
    pub fn record(&self, request: RecordedRequest) {
        let mut requests = lock(&self.requests);
        if requests.len() == MAX_RECORDED {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    pub fn all(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).iter().cloned().collect()
    }

    pub fn clear(&self) {
        lock(&self.requests).clear();
    }
}

/// The value recorded for a header: the key of an `authorization` header is redacted.
pub(super) fn redact(name: &str, value: &str) -> String {
    if !name.eq_ignore_ascii_case("authorization") {
        return value.to_owned();
    }
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <redacted>"),
        None => "<redacted>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn only_the_authorization_value_is_redacted_keeping_its_scheme() {
        assert_eq!(redact("Authorization", "Bearer app-secret"), "Bearer <redacted>");
        assert_eq!(redact("authorization", "app-secret"), "<redacted>");
        assert_eq!(redact("content-type", "application/json"), "application/json");
    }
}
