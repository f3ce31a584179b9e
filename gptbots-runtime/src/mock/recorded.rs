//! The log of requests the server received, for tests to assert on.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use serde_json::Value;

use super::endpoint::Endpoint;
use super::fault::Fault;
use super::registry::lock;

/// One request as the embedded server received it.
///
/// The API key never appears: the `authorization` header is kept with its value replaced by
/// `Bearer <redacted>`, and [`RecordedRequest::workflow_id`] tells which workflow's key it was.
/// The body is kept as the bytes received (parse it with [`RecordedRequest::json`]), within the
/// server's budget of recorded bytes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The request target, e.g. `/v1/workflow/invoke`.
    pub path: String,
    /// The headers, names lower-cased, the key's value redacted.
    pub headers: Vec<(String, String)>,
    /// The workflow the request's key belongs to; `None` for a missing or unknown key.
    pub workflow_id: Option<String>,
    /// The fault injected into the answer, if any.
    pub fault: Option<Fault>,
    /// Which connection it came on: connections are numbered from 1 in the order the server
    /// accepted them, so requests with the same number shared a keep-alive connection.
    pub connection: u64,
    body: Bytes,
    body_len: usize,
}

impl RecordedRequest {
    pub(super) fn new(
        method: String,
        path: String,
        headers: Vec<(String, String)>,
        body: Bytes,
        workflow_id: Option<String>,
        fault: Option<Fault>,
        connection: u64,
    ) -> Self {
        let body_len = body.len();
        RecordedRequest { method, path, headers, workflow_id, fault, connection, body, body_len }
    }

    /// The endpoint the request went to, if it is one of the API's.
    pub fn endpoint(&self) -> Option<Endpoint> {
        Endpoint::from_path(&self.path)
    }

    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as received, or its first bytes when it alone was larger than the server's
    /// budget of recorded bytes (see [`RecordedRequest::body_truncated`]).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// True when only the first part of the body was kept.
    pub fn body_truncated(&self) -> bool {
        self.body.len() < self.body_len
    }

    /// The body parsed as JSON; `None` when it was empty, not JSON, or truncated.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The `input` object of an invoke body.
    pub fn input(&self) -> Option<Value> {
        match self.json()? {
            Value::Object(mut fields) => fields.remove("input"),
            _ => None,
        }
    }
}

/// The most requests kept; older ones are forgotten so a long-lived server stays bounded.
pub(super) const MAX_RECORDED: usize = 10_000;

/// The requests received, in arrival order: the latest [`MAX_RECORDED`], whose bodies together
/// fit the budget of recorded bytes.
pub(super) struct Recorder {
    requests: Mutex<Recorded>,
    max_bytes: usize,
}

#[derive(Default)]
struct Recorded {
    requests: VecDeque<RecordedRequest>,
    bytes: usize,
    /// How many requests arrived at each endpoint, forgotten ones included.
    counts: std::collections::HashMap<Option<Endpoint>, u64>,
}

impl Recorder {
    pub fn new(max_bytes: usize) -> Self {
        Recorder { requests: Mutex::default(), max_bytes }
    }

    pub fn record(&self, mut request: RecordedRequest) {
        if request.body.len() > self.max_bytes {
            // A copy: a truncated `Bytes` would keep the whole received buffer alive.
            request.body = Bytes::copy_from_slice(&request.body[..self.max_bytes]);
        }
        let mut recorded = lock(&self.requests);
        while recorded.requests.len() >= MAX_RECORDED || recorded.bytes + request.body.len() > self.max_bytes {
            let Some(oldest) = recorded.requests.pop_front() else { break };
            recorded.bytes -= oldest.body.len();
        }
        recorded.bytes += request.body.len();
        *recorded.counts.entry(request.endpoint()).or_default() += 1;
        recorded.requests.push_back(request);
    }

    /// How many requests arrived at `endpoint` since the start (or the last [`Recorder::clear`]),
    /// including those no longer kept.
    pub fn count(&self, endpoint: Endpoint) -> u64 {
        lock(&self.requests).counts.get(&Some(endpoint)).copied().unwrap_or(0)
    }

    pub fn all(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).requests.iter().cloned().collect()
    }

    /// The bytes of bodies held.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        lock(&self.requests).bytes
    }

    pub fn clear(&self) {
        let mut recorded = lock(&self.requests);
        recorded.requests.clear();
        recorded.bytes = 0;
        recorded.counts.clear();
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
    use super::*;

    fn request(body: &'static [u8]) -> RecordedRequest {
        RecordedRequest::new("POST".into(), "/".into(), Vec::new(), Bytes::from_static(body), None, None, 1)
    }

    #[test]
    fn recorded_bodies_stay_within_the_byte_budget_forgetting_the_oldest() {
        let recorder = Recorder::new(10);
        for body in [&b"1234"[..], b"5678", b"9abc"] {
            recorder.record(request(body));
        }
        assert_eq!(recorder.bytes(), 8);
        let bodies: Vec<Vec<u8>> = recorder.all().iter().map(|r| r.body().to_vec()).collect();
        assert_eq!(bodies, [b"5678".to_vec(), b"9abc".to_vec()]);

        recorder.record(request(b"a body longer than the whole budget"));
        let all = recorder.all();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].body(), b"a body lon");
        assert!(all[0].body_truncated());
        assert_eq!(all[0].json(), None);
        assert_eq!(recorder.bytes(), 10);
    }

    #[test]
    fn only_the_authorization_value_is_redacted_keeping_its_scheme() {
        assert_eq!(redact("Authorization", "Bearer app-secret"), "Bearer <redacted>");
        assert_eq!(redact("authorization", "app-secret"), "<redacted>");
        assert_eq!(redact("content-type", "application/json"), "application/json");
    }
}
