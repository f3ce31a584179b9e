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
        Some(envelope) => (envelope.code, envelope.message, envelope.workflow_run_id),
        None => (None, None, sniff_run_id(body)),
    };
    Error::Http { endpoint, status, api_code, message: message.map(|m| bounded(&m)), run_id, excerpt: excerpt(body) }
}

/// The longest run id taken from a body that could not be parsed as a whole.
const MAX_RUN_ID_LEN: usize = 128;

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
        reason: format!("the body is not a GPTBots run ({e})"),
        excerpt: excerpt(body),
    })?;
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
            path: e.path().to_string(),
            reason: e.inner().to_string().into(),
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
        execution_time: envelope
            .workflow_execution_time
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| Duration::from_secs_f64(ms / 1000.0)),
        cost: envelope.total_cost.unwrap_or(0.0),
        tokens: envelope.total_tokens.filter(|t| t.is_finite() && *t >= 0.0).map_or(0, |t| t as u64),
        start_time: envelope.start_time.and_then(epoch_millis),
        end_time: envelope.end_time.and_then(epoch_millis),
        input,
    })
}

fn epoch_millis(ms: f64) -> Option<SystemTime> {
    if !ms.is_finite() || ms < 0.0 {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::from_secs_f64(ms / 1000.0))
}
