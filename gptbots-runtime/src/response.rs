//! Turns an HTTP response of the run endpoints into a typed [`Run`] or a typed [`Error`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;

use crate::wire::RunEnvelope;
use crate::{Error, Run, Status};

/// The most characters of a body quoted in an error.
pub(crate) const EXCERPT_CHARS: usize = 512;

/// A bounded, printable excerpt of a body for error messages.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(EXCERPT_CHARS * 4)]);
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if out.len() < text.len() || bytes.len() > EXCERPT_CHARS * 4 {
        out.push_str(&format!("... ({} bytes in all)", bytes.len()));
    }
    out
}

/// The error for an HTTP error status: GPTBots' `{code, message}` (or `msg`) and the run id when
/// the body carries them, and a bounded excerpt whatever the body is.
pub(crate) fn http_error(endpoint: &'static str, status: u16, body: &[u8]) -> Error {
    let parsed = serde_json::from_slice::<RunEnvelope<'_>>(body).ok();
    let (api_code, message, run_id) = match parsed {
        Some(envelope) => {
            (envelope.code, envelope.message, envelope.workflow_run_id.filter(|id| id.len() <= MAX_ID_LEN))
        }
        None => (None, None, sniff_run_id(body)),
    };
    Error::Http { endpoint, status, api_code, message: message.map(|m| bounded(&m)), run_id, excerpt: excerpt(body) }
}

/// The longest run id taken from a body that could not be parsed as a whole.
const MAX_RUN_ID_LEN: usize = 128;

/// The longest workflow or run id accepted; ids are short tokens, and errors quote them whole.
const MAX_ID_LEN: usize = 256;

/// The longest status string accepted (unknown ones are kept, and quoted by errors).
const MAX_STATUS_LEN: usize = 64;

/// Names an id or status too long to be genuine, so no error quotes an unbounded string.
fn implausible_identifier(envelope: &RunEnvelope<'_>) -> Option<String> {
    let too_long = |field: &str, len: usize| format!("its {field} is {len} bytes long, too long to be genuine");
    if let Some(id) = envelope.workflow_run_id.as_ref().filter(|id| id.len() > MAX_ID_LEN) {
        return Some(too_long("workflowRunId", id.len()));
    }
    if let Some(id) = envelope.workflow_id.as_ref().filter(|id| id.len() > MAX_ID_LEN) {
        return Some(too_long("workflowId", id.len()));
    }
    match &envelope.status {
        Some(Status::Other(status)) if status.len() > MAX_STATUS_LEN => Some(too_long("status", status.len())),
        _ => None,
    }
}

/// Finds `"workflowRunId": "<id>"` in the part of a body that could be read (a body cut short
/// by the size limit or a broken connection), so the error still names the paid run.
pub(crate) fn sniff_run_id(body: &[u8]) -> Option<String> {
    const FIELD: &[u8] = b"\"workflowRunId\"";
    let start = body.windows(FIELD.len()).position(|w| w == FIELD)? + FIELD.len();
    let rest = trim_start(&body[start..]);
    let rest = trim_start(rest.strip_prefix(b":")?);
    let rest = rest.strip_prefix(b"\"")?;
    let len = rest.iter().take(MAX_RUN_ID_LEN + 1).position(|&b| b == b'"')?;
    let id = &rest[..len];
    let plain = id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    (plain && !id.is_empty()).then(|| String::from_utf8_lossy(id).into_owned())
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[skip..]
}

/// A server-sent message cut to the excerpt length.
fn bounded(text: &str) -> String {
    excerpt(text.as_bytes())
}

/// Decodes a run response body as the client does, for property tests and fuzzing of the
/// decoder. Not a stable API.
#[doc(hidden)]
pub fn decode_run_body<O: DeserializeOwned>(workflow_id: &str, http_status: u16, body: &[u8]) -> Result<Run<O>, Error> {
    decode_run(crate::wire::INVOKE_PATH, workflow_id, http_status, body)
}

/// Decodes the body of an invoke or query response for `workflow_id` into a finished run.
pub(crate) fn decode_run<O: DeserializeOwned>(
    endpoint: &'static str,
    workflow_id: &str,
    http_status: u16,
    body: &[u8],
) -> Result<Run<O>, Error> {
    if !(200..300).contains(&http_status) {
        return Err(http_error(endpoint, http_status, body));
    }
    let envelope: RunEnvelope<'_> = serde_json::from_slice(body).map_err(|e| Error::InvalidResponse {
        endpoint,
        status: http_status,
        run_id: sniff_run_id(body),
        reason: format!("the body is not a GPTBots run ({})", bounded(&e.to_string())),
        excerpt: excerpt(body),
    })?;
    if let Some(reason) = implausible_identifier(&envelope) {
        return Err(Error::InvalidResponse {
            endpoint,
            status: http_status,
            run_id: None,
            reason,
            excerpt: excerpt(body),
        });
    }
    let Some(run_id) = envelope.workflow_run_id.clone() else {
        if let Some(code) = envelope.code {
            let message = envelope.message.as_deref().map(bounded).unwrap_or_default();
            return Err(Error::Api { endpoint, code, message });
        }
        return Err(Error::InvalidResponse {
            endpoint,
            status: http_status,
            run_id: None,
            reason: "the body has no workflowRunId".into(),
            excerpt: excerpt(body),
        });
    };
    if let Some(actual) = &envelope.workflow_id
        && actual != workflow_id
    {
        return Err(Error::WorkflowMismatch { declared: workflow_id.to_owned(), actual: actual.clone(), run_id });
    }
    let status = match &envelope.status {
        Some(status) => status.clone(),
        None => {
            return Err(Error::InvalidResponse {
                endpoint,
                status: http_status,
                run_id: Some(run_id),
                reason: "the body has no status".into(),
                excerpt: excerpt(body),
            });
        }
    };
    match status {
        Status::Succeed => {}
        Status::Failed => {
            return Err(Error::RunFailed { workflow_id: workflow_id.to_owned(), run_id, excerpt: excerpt(body) });
        }
        other => {
            return Err(Error::UnexpectedStatus { workflow_id: workflow_id.to_owned(), run_id, status: other });
        }
    }
    let Some(raw_output) = envelope.output else {
        return Err(Error::InvalidResponse {
            endpoint,
            status: http_status,
            run_id: Some(run_id),
            reason: "the run SUCCEED but the body has no output".into(),
            excerpt: excerpt(body),
        });
    };
    let output: O = {
        let mut de = serde_json::Deserializer::from_str(raw_output.get());
        serde_path_to_error::deserialize(&mut de).map_err(|e| Error::OutputMismatch {
            workflow_id: workflow_id.to_owned(),
            run_id: run_id.clone(),
            output_type: std::any::type_name::<O>(),
            path: bounded(&e.path().to_string()),
            reason: bounded(&e.inner().to_string()).into(),
            raw_output: raw_output.get().into(),
        })?
    };
    let input = match envelope.input {
        Some(raw) => serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null),
        None => serde_json::Value::Null,
    };
    Ok(Run {
        run_id,
        workflow_id: envelope.workflow_id.unwrap_or_else(|| workflow_id.to_owned()),
        workflow_name: envelope.workflow_name,
        workflow_version: envelope.workflow_version,
        status,
        output,
        execution_time: envelope.workflow_execution_time.and_then(millis),
        cost: envelope.total_cost.unwrap_or(0.0),
        tokens: envelope.total_tokens.filter(|t| t.is_finite() && *t >= 0.0).map_or(0, |t| t as u64),
        start_time: envelope.start_time.and_then(epoch_millis),
        end_time: envelope.end_time.and_then(epoch_millis),
        input,
    })
}

/// A server-sent millisecond count; `None` for negative, non-finite or absurdly large values
/// (`Duration::from_secs_f64` would panic on those).
fn millis(ms: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(ms / 1000.0).ok()
}

fn epoch_millis(ms: f64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(millis(ms)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_times_are_dropped_not_fatal() {
        // Found by the fuzz target: a huge workflowExecutionTime made Duration panic.
        for ms in ["8.3e130", "-1", "1e308", "18446744073709551616000"] {
            let body = format!(
                r#"{{"workflowRunId":"r","status":"SUCCEED","output":1,"workflowExecutionTime":{ms},"startTime":{ms},"endTime":{ms}}}"#
            );
            let run = decode_run_body::<u8>("wf", 200, body.as_bytes()).unwrap();
            assert_eq!((run.execution_time, run.start_time, run.end_time), (None, None, None), "{ms}");
        }
        let body = r#"{"workflowRunId":"r","status":"SUCCEED","output":1,"workflowExecutionTime":8347.5}"#;
        let run = decode_run_body::<u8>("wf", 200, body.as_bytes()).unwrap();
        assert_eq!(run.execution_time, Some(Duration::from_micros(8_347_500)));
    }

    #[test]
    fn run_ids_are_found_in_cut_bodies() {
        assert_eq!(
            sniff_run_id(br#"{"workflowId":"wf","workflowRunId" : "run_51b0","output":{"news":[{"ti"#).as_deref(),
            Some("run_51b0")
        );
        assert_eq!(sniff_run_id(br#"{"workflowRunId":"run_51"#), None);
        assert_eq!(sniff_run_id(br#"{"workflowRunId":"<script>"}"#), None);
        assert_eq!(sniff_run_id(b"<html>502</html>"), None);
    }

    #[test]
    fn excerpts_are_bounded_and_say_how_long_the_body_was() {
        let body = "é".repeat(10_000);
        let cut = excerpt(body.as_bytes());
        assert!(cut.chars().count() < EXCERPT_CHARS + 40, "{}", cut.len());
        assert!(cut.ends_with("(20000 bytes in all)"), "{cut}");
        assert_eq!(excerpt(b"{\"code\":1}"), "{\"code\":1}");
    }

    #[test]
    fn errors_never_quote_unbounded_server_strings() {
        let long = "x".repeat(100_000);
        let bodies = [
            format!(r#"{{"workflowRunId":"r","status":"{long}"}}"#),
            format!(r#"{{"workflowRunId":"{long}","status":"SUCCEED","output":{{}}}}"#),
            format!(r#"{{"workflowRunId":"r","status":"SUCCEED","output":{{"news":"{long}"}}}}"#),
            format!(r#"{{"workflowRunId":"r","totalCost":"{long}"}}"#),
            format!(r#"{{"code":40000,"message":"{long}"}}"#),
        ];
        for body in bodies {
            let error = decode_run_body::<Vec<u8>>("wf", 200, body.as_bytes()).unwrap_err();
            assert!(error.to_string().len() < 4096, "{}", &error.to_string()[..200]);
        }
    }
}
