//! Turns an HTTP response of the run endpoints into a typed [`Run`] or a typed [`Error`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;

use crate::wire::{ApiErrorBody, RunEnvelope};
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

/// Decodes the body of an invoke or query response for `workflow_id` into a finished run.
pub(crate) fn decode_run<O: DeserializeOwned>(
    endpoint: &'static str,
    workflow_id: &str,
    http_status: u16,
    body: &[u8],
) -> Result<Run<O>, Error> {
    if !(200..300).contains(&http_status) {
        let api = serde_json::from_slice::<ApiErrorBody>(body).ok();
        return Err(Error::Http {
            endpoint,
            status: http_status,
            api_code: api.as_ref().map(|a| a.code),
            message: api.map(|a| a.message),
            run_id: None,
            excerpt: excerpt(body),
        });
    }
    let envelope: RunEnvelope<'_> = serde_json::from_slice(body).map_err(|e| Error::InvalidResponse {
        endpoint,
        status: http_status,
        run_id: None,
        reason: format!("the body is not a GPTBots run ({e})"),
        excerpt: excerpt(body),
    })?;
    let Some(run_id) = envelope.workflow_run_id.clone() else {
        if let Some(code) = envelope.code {
            return Err(Error::Api { endpoint, code, message: envelope.message.unwrap_or_default() });
        }
        return Err(Error::InvalidResponse {
            endpoint,
            status: http_status,
            run_id: None,
            reason: "the body has no workflowRunId".into(),
            excerpt: excerpt(body),
        });
    };
    if let Some(actual) = &envelope.workflow_id {
        if actual != workflow_id {
            return Err(Error::WorkflowMismatch { declared: workflow_id.to_owned(), actual: actual.clone(), run_id });
        }
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
            reason: e.inner().to_string(),
            excerpt: excerpt(raw_output.get().as_bytes()),
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
