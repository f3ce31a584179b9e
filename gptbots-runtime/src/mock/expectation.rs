//! Expectations on how often a workflow is called, checked when the server is dropped (or on
//! [`MockServer::verify`](super::MockServer::verify)), as wiremock's `expect(n)` does.

use std::fmt;
use std::ops::{Range, RangeFrom, RangeInclusive, RangeTo, RangeToInclusive};
use std::sync::Mutex;

use super::endpoint::Endpoint;
use super::recorded::RecordedRequest;
use super::registry::lock;

/// How many requests an expectation allows: a number (`2`) or a range (`1..`, `..=3`, `2..5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    min: usize,
    /// Inclusive; `None` is unbounded.
    max: Option<usize>,
}

impl Times {
    fn allows(self, count: usize) -> bool {
        count >= self.min && self.max.is_none_or(|max| count <= max)
    }
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (min, Some(max)) if min == max => write!(f, "exactly {min}"),
            (0, Some(max)) => write!(f, "at most {max}"),
            (min, None) => write!(f, "at least {min}"),
            (min, Some(max)) => write!(f, "between {min} and {max}"),
        }
    }
}

impl From<usize> for Times {
    fn from(n: usize) -> Self {
        Times { min: n, max: Some(n) }
    }
}

impl From<Range<usize>> for Times {
    fn from(range: Range<usize>) -> Self {
        Times { min: range.start, max: Some(range.end.saturating_sub(1)) }
    }
}

impl From<RangeInclusive<usize>> for Times {
    fn from(range: RangeInclusive<usize>) -> Self {
        Times { min: *range.start(), max: Some(*range.end()) }
    }
}

impl From<RangeFrom<usize>> for Times {
    fn from(range: RangeFrom<usize>) -> Self {
        Times { min: range.start, max: None }
    }
}

impl From<RangeTo<usize>> for Times {
    fn from(range: RangeTo<usize>) -> Self {
        Times { min: 0, max: Some(range.end.saturating_sub(1)) }
    }
}

impl From<RangeToInclusive<usize>> for Times {
    fn from(range: RangeToInclusive<usize>) -> Self {
        Times { min: 0, max: Some(range.end) }
    }
}

/// One expectation: requests at `endpoint` carrying `workflow_id`'s key.
#[derive(Debug, Clone)]
struct Expectation {
    workflow_id: String,
    endpoint: Endpoint,
    times: Times,
}

/// The expectations set on a server's workflows.
#[derive(Default)]
pub(super) struct Expectations {
    list: Mutex<Vec<Expectation>>,
}

impl Expectations {
    /// Expects `times` requests at `endpoint` with `workflow_id`'s key; replaces an earlier
    /// expectation on the same pair.
    pub fn set(&self, workflow_id: &str, endpoint: Endpoint, times: Times) {
        let mut list = lock(&self.list);
        list.retain(|e| !(e.workflow_id == workflow_id && e.endpoint == endpoint));
        list.push(Expectation { workflow_id: workflow_id.to_owned(), endpoint, times });
    }

    /// Checks every expectation against `received`.
    pub fn verify(&self, received: &[RecordedRequest]) -> Result<(), UnmetExpectations> {
        let mut unmet = Vec::new();
        for expectation in lock(&self.list).iter() {
            let matching: Vec<&RecordedRequest> = received
                .iter()
                .filter(|r| {
                    r.workflow_id.as_deref() == Some(expectation.workflow_id.as_str())
                        && r.endpoint() == Some(expectation.endpoint)
                })
                .collect();
            if !expectation.times.allows(matching.len()) {
                unmet.push(format!(
                    "workflow `{}` expected {} request(s) at {} {}, received {}{}",
                    expectation.workflow_id,
                    expectation.times,
                    method(expectation.endpoint),
                    expectation.endpoint.path(),
                    matching.len(),
                    listing(&matching),
                ));
            }
        }
        if unmet.is_empty() {
            return Ok(());
        }
        Err(UnmetExpectations { unmet, received: received.len() })
    }
}

fn method(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::VerifyKey | Endpoint::RunLogs => "GET",
        Endpoint::Invoke | Endpoint::QueryResult => "POST",
    }
}

/// The most characters of one body quoted in the message.
const BODY_EXCERPT: usize = 200;

fn listing(requests: &[&RecordedRequest]) -> String {
    let mut text = String::new();
    for (i, request) in requests.iter().enumerate() {
        let body = String::from_utf8_lossy(request.body());
        let mut excerpt: String =
            body.chars().take(BODY_EXCERPT).map(|c| if c.is_control() { ' ' } else { c }).collect();
        if body.chars().count() > BODY_EXCERPT {
            excerpt.push('…');
        }
        text.push_str(&format!("\n    {}. {} {} {excerpt}", i + 1, request.method, request.path));
        if let Some(fault) = &request.fault {
            text.push_str(&format!(" (fault: {fault:?})"));
        }
    }
    text
}

/// The expectations a [`MockServer`](super::MockServer) found unmet, with what it received.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmetExpectations {
    unmet: Vec<String>,
    received: usize,
}

impl fmt::Display for UnmetExpectations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} expectation(s) of the embedded GPTBots server unmet ({} request(s) received in all):",
            self.unmet.len(),
            self.received
        )?;
        for unmet in &self.unmet {
            write!(f, "\n  - {unmet}")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnmetExpectations {}

#[cfg(test)]
mod tests {
    use super::Times;

    #[test]
    fn times_allow_what_they_say() {
        let cases: [(Times, &str, &[usize], &[usize]); 5] = [
            (2.into(), "exactly 2", &[2], &[1, 3]),
            ((1..).into(), "at least 1", &[1, 9], &[0]),
            ((..=3).into(), "at most 3", &[0, 3], &[4]),
            ((2..5).into(), "between 2 and 4", &[2, 4], &[1, 5]),
            ((0..=0).into(), "exactly 0", &[0], &[1]),
        ];
        for (times, shown, allowed, refused) in cases {
            assert_eq!(times.to_string(), shown);
            assert!(allowed.iter().all(|n| times.allows(*n)), "{shown}");
            assert!(!refused.iter().any(|n| times.allows(*n)), "{shown}");
        }
    }
}
