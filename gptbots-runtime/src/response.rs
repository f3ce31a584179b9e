//! Turns an answer of the run endpoints (invoke, query, a webhook call) into a typed
//! [`Outcome`]: a finished run, a run still in progress, or a failed run; or into a typed
//! [`Error`] when the answer is not a run.
//!
//! Every text quoted from the answer goes through the [`Quoter`] of the request, which scrubs
//! the key before cutting: this is the one place where errors get server text.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::ApiEndpoint;
use crate::excerpt::{EXCERPT_SOURCE_BYTES, Quoter};
use crate::response_body::Body;
use crate::wire::{ApiError, RawRunBody, RunBody};
use crate::{Error, Run, Status};

mod streamed;

/// The default of [`ClientBuilder::streamed_body_bytes`](crate::ClientBuilder::streamed_body_bytes):
/// run bodies this long or longer, when they arrived in several chunks, are decoded as they are
/// read rather than as one slice, so their output is built while the text is freed instead of
/// beside all of it. Such a body's raw output is not kept for [`Error::OutputMismatch`].
pub const DEFAULT_STREAMED_BODY_BYTES: usize = 512 * 1024;

/// What a run answer says about the run.
#[derive(Debug)]
pub(crate) enum Outcome<O> {
    /// `SUCCEED`, with the typed output.
    Finished(Run<O>),
    /// `PENDING`, `RUNNING` or a status this crate does not know: not finished yet.
    InProgress { run_id: String, status: Status },
    /// `FAILED`.
    Failed(FailedRun),
}

/// A run that ended `FAILED`, as its body describes it.
#[derive(Debug)]
pub(crate) struct FailedRun {
    pub run_id: String,
    pub reason: Option<String>,
    pub input: Option<Box<RawValue>>,
    pub cost: Option<f64>,
}

impl FailedRun {
    pub(crate) fn into_error(self, workflow_id: &str) -> Error {
        Error::RunFailed {
            workflow_id: workflow_id.to_owned(),
            run_id: self.run_id,
            reason: self.reason,
            input: self.input,
            cost: self.cost,
        }
    }
}

impl<O> Outcome<O> {
    /// The run id the outcome is about.
    pub(crate) fn run_id(&self) -> &str {
        match self {
            Outcome::Finished(run) => &run.run_id,
            Outcome::InProgress { run_id, .. } => run_id,
            Outcome::Failed(failed) => &failed.run_id,
        }
    }

    /// What a synchronous call returns: a finished run, or why there is none.
    pub(crate) fn into_finished(self, workflow_id: &str) -> Result<Run<O>, Error> {
        match self {
            Outcome::Finished(run) => Ok(run),
            Outcome::Failed(failed) => Err(failed.into_error(workflow_id)),
            Outcome::InProgress { run_id, status } => {
                Err(Error::UnexpectedStatus { workflow_id: workflow_id.to_owned(), run_id, status })
            }
        }
    }
}

/// The longest run id taken from a body that could not be parsed as a whole.
const MAX_RUN_ID_LEN: usize = 128;

/// The most blanks skipped on either side of the `:` when looking for a run id, so that the whole
/// `"workflowRunId" : "<id>"` fits in a known length, found alike in one slice or across chunks.
const MAX_SNIFFED_BLANKS: usize = 32;

/// The longest workflow or run id accepted; ids are short tokens, and errors quote them whole.
const MAX_ID_LEN: usize = 256;

/// The longest status string accepted (unknown ones are kept, and quoted by errors).
const MAX_STATUS_LEN: usize = 64;

/// The UTF-8 byte-order mark some servers put before JSON.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `T` read from a JSON object only. A struct that serde derives also accepts an array (its
/// fields by position), which no run body is; refusing it keeps the one-slice and the chunked
/// paths in step (the chunked path reads the input and output by name).
pub(crate) struct ObjectOnly<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
            type Value = ObjectOnly<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(ObjectOnly)
            }
        }
        deserializer.deserialize_map(Object(PhantomData))
    }
}

/// What an envelope says about its run, before its input and output are read.
enum Verdict {
    Succeed,
    Failed,
    InProgress(Status),
}

/// A body as error excerpts see it: its start and its whole length.
#[derive(Clone, Copy)]
pub(crate) struct Shown<'b> {
    start: &'b [u8],
    len: usize,
}

impl<'b> Shown<'b> {
    /// A body held whole.
    pub(crate) fn whole(body: &'b [u8]) -> Self {
        Shown { start: body, len: body.len() }
    }
}

/// Decodes the answers of one request: which endpoint, for which workflow, scrubbing which key.
pub(crate) struct Decoder<'a> {
    pub endpoint: &'a ApiEndpoint,
    pub workflow_id: &'a str,
    pub quoter: Quoter<'a>,
}

impl Decoder<'_> {
    /// The error for an HTTP error status: GPTBots' `{code, message}` (or `msg`) and the run id
    /// when the body carries them, and a bounded excerpt whatever the body is. `refused`: the
    /// server said it did not process the request (429, 503 with `Retry-After`).
    pub(crate) fn error_status(&self, status: u16, refused: bool, body: &[u8]) -> Error {
        let body = strip_bom(body);
        let api = serde_json::from_slice::<ApiError<'_>>(body).ok();
        Error::Http {
            endpoint: self.endpoint.clone(),
            status,
            api_code: api.as_ref().map(|api| api.code),
            message: api.filter(|api| !api.message.is_empty()).map(|api| self.quoter.text(&api.message)),
            run_id: self.sniff_run_id(body),
            excerpt: self.quoter.excerpt(body).into(),
            refused,
        }
    }

    /// The error for a 3xx answer, which is never followed.
    pub(crate) fn redirect(&self, status: u16, location: Option<&[u8]>) -> Error {
        let location = location.map(|l| self.quoter.text(&String::from_utf8_lossy(l)));
        Error::Redirect { endpoint: self.endpoint.clone(), status, location }
    }

    /// The error for an answer that is not a GPTBots run.
    pub(crate) fn invalid(&self, status: u16, run_id: Option<String>, reason: String, body: &[u8]) -> Error {
        self.invalid_shown(status, run_id, reason, Shown::whole(body))
    }

    /// [`Decoder::invalid`] for a body given by its start and length.
    pub(crate) fn invalid_shown(&self, status: u16, run_id: Option<String>, reason: String, body: Shown<'_>) -> Error {
        Error::InvalidResponse {
            endpoint: self.endpoint.clone(),
            status,
            run_id,
            reason,
            excerpt: self.quoter.excerpt_of(body.start, body.len).into(),
        }
    }

    /// Decodes a 2xx body of the run endpoints: a body in one piece as one slice, a body kept
    /// as several chunks (a large one: see [`read_limited`](crate::body_limit::read_limited))
    /// chunk by chunk ([`Decoder::run_streamed`]), so its text is freed while its output is built.
    pub(crate) fn run_body<O: DeserializeOwned>(&self, http_status: u16, body: Body) -> Result<Outcome<O>, Error> {
        if body.chunk_count() < 2 {
            return self.run(http_status, &body.contiguous());
        }
        self.run_streamed(http_status, body)
    }

    /// Decodes a 2xx body into what it says about the run.
    pub(crate) fn run<O: DeserializeOwned>(&self, http_status: u16, body: &[u8]) -> Result<Outcome<O>, Error> {
        let body = strip_bom(body);
        // Checked once here, so the parser need not check each string again.
        let text = std::str::from_utf8(body)
            .map_err(|e| self.not_utf8(http_status, e.valid_up_to(), self.sniff_run_id(body), Shown::whole(body)))?;
        let ObjectOnly(outer) = serde_json::from_str::<ObjectOnly<RawRunBody<'_>>>(text).map_err(|e| {
            let reason = format!("the body is not a GPTBots run ({})", self.quoter.text(&e.to_string()));
            self.invalid(http_status, self.sniff_run_id(body), reason, body)
        })?;
        let envelope = match outer {
            // GPTBots' other endpoints wrap their answers: `{"code": 0, "message": "OK", "data": {...}}`.
            RawRunBody { workflow_run_id: None, code: Some(0), data: Some(data), .. } => {
                serde_json::from_str::<ObjectOnly<_>>(data.get())
                    .map_err(|e| {
                        let reason = format!("`data` is not a GPTBots run ({})", self.quoter.text(&e.to_string()));
                        self.invalid(http_status, self.sniff_run_id(body), reason, body)
                    })?
                    .0
            }
            envelope => envelope,
        };
        let (run_id, verdict) = self.verdict(http_status, &envelope, Shown::whole(body))?;
        match verdict {
            Verdict::InProgress(status) => Ok(Outcome::InProgress { run_id, status }),
            Verdict::Failed => {
                let input = envelope.input.map(ToOwned::to_owned);
                Ok(Outcome::Failed(self.failed(&run_id, &envelope, input)))
            }
            Verdict::Succeed => {
                let Some(raw_output) = envelope.output else {
                    return Err(self.no_output(http_status, &run_id, Shown::whole(body)));
                };
                let output = self.output::<O>(&run_id, raw_output)?;
                let input = envelope.input.map(ToOwned::to_owned);
                Ok(Outcome::Finished(self.finished(run_id, envelope, output, input)))
            }
        }
    }

    /// What an envelope says about its run before its input and output are read: the run id
    /// (as sent: it is what a query sends back) and the state; or why it is not a run.
    fn verdict<J>(
        &self,
        http_status: u16,
        envelope: &RunBody<'_, J>,
        body: Shown<'_>,
    ) -> Result<(String, Verdict), Error> {
        if let Some(reason) = implausible_identifier(envelope) {
            return Err(self.invalid_shown(http_status, None, reason, body));
        }
        let Some(run_id) = envelope.workflow_run_id.as_deref() else {
            if let Some(code) = envelope.code.filter(|code| *code != 0) {
                let message = envelope.message.as_deref().or(envelope.msg.as_deref()).unwrap_or_default();
                return Err(Error::Api {
                    endpoint: self.endpoint.clone(),
                    code,
                    message: self.quoter.text(message),
                    run_id: None,
                });
            }
            return Err(self.invalid_shown(http_status, None, "the body has no workflowRunId".into(), body));
        };
        if let Some(actual) = envelope.workflow_id.as_deref()
            && actual != self.workflow_id
        {
            return Err(Error::WorkflowMismatch {
                declared: self.workflow_id.to_owned(),
                actual: self.quoter.text(actual),
                run_id: self.quoter.text(run_id),
            });
        }
        let verdict = match &envelope.status {
            Some(Status::Succeed) => Verdict::Succeed,
            Some(Status::Failed) => Verdict::Failed,
            Some(Status::Other(other)) => Verdict::InProgress(Status::Other(self.quoter.text(other))),
            Some(status) => Verdict::InProgress(status.clone()),
            None => {
                let run_id = Some(self.quoter.text(run_id));
                return Err(self.invalid_shown(http_status, run_id, "the body has no status".into(), body));
            }
        };
        Ok((run_id.to_owned(), verdict))
    }

    /// The error for a body that is not UTF-8, as JSON text must be.
    fn not_utf8(&self, http_status: u16, at: usize, run_id: Option<String>, body: Shown<'_>) -> Error {
        let reason = format!("the body is not UTF-8 text (an invalid byte at offset {at})");
        self.invalid_shown(http_status, run_id, reason, body)
    }

    /// The error for a `SUCCEED` run without an output.
    fn no_output(&self, http_status: u16, run_id: &str, body: Shown<'_>) -> Error {
        let reason = "the run SUCCEED but the body has no output".into();
        self.invalid_shown(http_status, Some(self.quoter.text(run_id)), reason, body)
    }

    /// A `FAILED` run, its texts quoted.
    fn failed<J>(&self, run_id: &str, envelope: &RunBody<'_, J>, input: Option<Box<RawValue>>) -> FailedRun {
        FailedRun {
            run_id: self.quoter.text(run_id),
            reason: envelope.failure_reason().map(|reason| self.quoter.text(reason)),
            input,
            cost: cost_of(envelope.total_cost),
        }
    }

    /// A `SUCCEED` run with its decoded output.
    fn finished<J, O>(
        &self,
        run_id: String,
        envelope: RunBody<'_, J>,
        output: O,
        input: Option<Box<RawValue>>,
    ) -> Run<O> {
        Run {
            run_id,
            workflow_id: envelope.workflow_id.map_or_else(|| self.workflow_id.to_owned(), |id| id.into_owned()),
            workflow_name: envelope.workflow_name.map(|name| name.into_owned()),
            workflow_version: envelope.workflow_version.map(|version| version.into_owned()),
            status: Status::Succeed,
            output,
            execution_time: envelope.workflow_execution_time.and_then(millis),
            cost: cost_of(envelope.total_cost).unwrap_or(0.0),
            tokens: tokens_of(envelope.total_tokens).unwrap_or(0),
            start_time: envelope.start_time.and_then(epoch_millis),
            end_time: envelope.end_time.and_then(epoch_millis),
            input: input.unwrap_or_else(|| RawValue::NULL.to_owned()),
        }
    }

    /// Decodes a 2xx body that is read as a whole JSON document (an answer whose fields are not
    /// documented); a `{code, message}` body with a code other than 0 is GPTBots refusing.
    pub(crate) fn document(&self, http_status: u16, body: &[u8]) -> Result<serde_json::Value, Error> {
        let body = strip_bom(body);
        let document: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            let reason = format!("the body is not JSON ({})", self.quoter.text(&e.to_string()));
            self.invalid(http_status, None, reason, body)
        })?;
        if let Ok(api) = serde_json::from_slice::<ApiError<'_>>(body)
            && api.code != 0
        {
            return Err(Error::Api {
                endpoint: self.endpoint.clone(),
                code: api.code,
                message: self.quoter.text(&api.message),
                run_id: None,
            });
        }
        Ok(document)
    }

    fn output<O: DeserializeOwned>(&self, run_id: &str, raw_output: &RawValue) -> Result<O, Error> {
        decode_output(self.workflow_id, run_id, raw_output.get(), &self.quoter)
    }

    /// [`Decoder::sniff_run_id`] in a body held as chunks.
    pub(crate) fn sniff_run_id_in(&self, body: &Body) -> Option<String> {
        // The longest `"workflowRunId" : "<id>"` taken: the field, the blanks, the id, its quotes.
        const OVERLAP: usize = 15 + 2 * MAX_SNIFFED_BLANKS + 1 + MAX_RUN_ID_LEN + 2;
        body.scan(OVERLAP, |part| sniff_run_id(part).map(str::to_owned)).map(|id| self.quoter.text(&id))
    }

    /// [`Decoder::invalid`] for a body held as chunks, with the run id it names.
    pub(crate) fn invalid_body(&self, status: u16, reason: String, body: &Body) -> Error {
        let start = body.prefix(EXCERPT_SOURCE_BYTES);
        self.invalid_shown(status, self.sniff_run_id_in(body), reason, Shown { start: &start, len: body.len() })
    }

    /// Finds `"workflowRunId": "<id>"` in the part of a body that could be read (a body cut
    /// short by the size limit or a broken connection), so the error still names the paid run.
    pub(crate) fn sniff_run_id(&self, body: &[u8]) -> Option<String> {
        sniff_run_id(body).map(|id| self.quoter.text(id))
    }
}

/// Decodes a run's raw `output` into `O`; on failure, the error names the JSON path and keeps the
/// raw output. `quoter` bounds and scrubs every text taken from the network.
pub(crate) fn decode_output<O: DeserializeOwned>(
    workflow_id: &str,
    run_id: &str,
    raw_output: &str,
    quoter: &Quoter<'_>,
) -> Result<O, Error> {
    // Tracking the path costs as much again as decoding, so it only runs to explain a failure.
    if let Ok(output) = serde_json::from_str(raw_output) {
        return Ok(output);
    }
    let mut de = serde_json::Deserializer::from_str(raw_output);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        output_mismatch::<O>(quoter, workflow_id, run_id, &path, e.into_inner(), Some(raw_output))
    })
}

/// The [`Error::OutputMismatch`] of a run whose output does not decode as `O` at `path`, with
/// its raw output when it was kept; every server text in it quoted by `quoter`.
fn output_mismatch<O>(
    quoter: &Quoter<'_>,
    workflow_id: &str,
    run_id: &str,
    path: &str,
    reason: serde_json::Error,
    raw_output: Option<&str>,
) -> Error {
    Error::OutputMismatch {
        workflow_id: workflow_id.to_owned(),
        run_id: quoter.text(run_id),
        output_type: std::any::type_name::<O>(),
        path: quoter.text(path),
        reason: quoter.text(&reason.to_string()).into(),
        raw_output: raw_output.map(|raw| quoter.whole(raw)),
    }
}

/// A reported cost that can count toward a budget: finite and not negative.
fn cost_of(total_cost: Option<f64>) -> Option<f64> {
    total_cost.filter(|cost| cost.is_finite() && *cost >= 0.0)
}

fn tokens_of(total_tokens: Option<f64>) -> Option<u64> {
    total_tokens.filter(|tokens| tokens.is_finite() && *tokens >= 0.0).map(|tokens| tokens as u64)
}

/// `body` without a UTF-8 byte-order mark in front.
pub(crate) fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(BOM).unwrap_or(body)
}

/// Names an id or status too long to be genuine, so no error quotes an unbounded string.
fn implausible_identifier<J>(envelope: &RunBody<'_, J>) -> Option<String> {
    let too_long = |field: &str, len: usize| format!("its {field} is {len} bytes long, too long to be genuine");
    if let Some(id) = envelope.workflow_run_id.as_ref().filter(|id| id.len() > MAX_ID_LEN) {
        return Some(too_long("workflowRunId", id.len()));
    }
    // The run id is kept verbatim (it is what a resume sends back), so it must be printable as
    // it is: a control character in it could forge lines in a log.
    if envelope.workflow_run_id.as_ref().is_some_and(|id| id.chars().any(char::is_control)) {
        return Some("its workflowRunId holds control characters, which no genuine id does".to_owned());
    }
    if let Some(id) = envelope.workflow_id.as_ref().filter(|id| id.len() > MAX_ID_LEN) {
        return Some(too_long("workflowId", id.len()));
    }
    match &envelope.status {
        Some(Status::Other(status)) if status.len() > MAX_STATUS_LEN => Some(too_long("status", status.len())),
        _ => None,
    }
}

/// The id after the first `"workflowRunId"` field that has a plausible one (an earlier one may be
/// cut or broken, as in a body cut short).
fn sniff_run_id(body: &[u8]) -> Option<&str> {
    const FIELD: &[u8] = b"\"workflowRunId\"";
    let mut rest = body;
    while let Some(at) = rest.windows(FIELD.len()).position(|w| w == FIELD) {
        if let Some(id) = run_id_after_field(&rest[at + FIELD.len()..]) {
            return Some(id);
        }
        // One byte on, not past the field: its closing quote may open the next one
        // (`"workflowRunId"workflowRunId":...`), and a chunk cut there would find that one.
        rest = &rest[at + 1..];
    }
    None
}

/// The id in `: "<id>"` at the start of `rest`, if it is a plain token of a plausible length.
fn run_id_after_field(rest: &[u8]) -> Option<&str> {
    let rest = trim_start(rest);
    let rest = trim_start(rest.strip_prefix(b":")?);
    let rest = rest.strip_prefix(b"\"")?;
    let len = rest.iter().take(MAX_RUN_ID_LEN + 1).position(|&b| b == b'"')?;
    let id = &rest[..len];
    let plain = id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    if plain && !id.is_empty() { std::str::from_utf8(id).ok() } else { None }
}

/// `bytes` without the blanks in front, up to [`MAX_SNIFFED_BLANKS`] of them.
fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take(MAX_SNIFFED_BLANKS).take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[skip..]
}

/// Decodes a run response body as the client does, for property tests, benchmarks and fuzzing
/// of the decoder. Not a stable API.
#[doc(hidden)]
pub fn decode_run_body<O: DeserializeOwned>(workflow_id: &str, http_status: u16, body: &[u8]) -> Result<Run<O>, Error> {
    let endpoint = ApiEndpoint::named(crate::wire::INVOKE_PATH);
    let decoder = Decoder { endpoint: &endpoint, workflow_id, quoter: Quoter::default() };
    match http_status {
        200..=299 => decoder.run::<O>(http_status, body)?.into_finished(workflow_id),
        300..=399 => Err(decoder.redirect(http_status, None)),
        _ => Err(decoder.error_status(http_status, false, body)),
    }
}

/// [`decode_run_body`] for a 2xx body that arrived as `chunks`, decoded as a large body is
/// (read twice, its chunks freed as they are passed) whatever its length. Not a stable API.
#[doc(hidden)]
pub fn decode_run_chunks<O: DeserializeOwned>(workflow_id: &str, chunks: &[&[u8]]) -> Result<Run<O>, Error> {
    let endpoint = ApiEndpoint::named(crate::wire::INVOKE_PATH);
    let decoder = Decoder { endpoint: &endpoint, workflow_id, quoter: Quoter::default() };
    let mut body = Body::default();
    for chunk in chunks {
        body.push(bytes::Bytes::copy_from_slice(chunk));
    }
    decoder.run_streamed::<O>(200, body)?.into_finished(workflow_id)
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
            sniff_run_id(br#"{"workflowId":"wf","workflowRunId" : "run_51b0","output":{"news":[{"ti"#),
            Some("run_51b0")
        );
        assert_eq!(sniff_run_id(br#"{"workflowRunId":"run_51"#), None);
        assert_eq!(sniff_run_id(br#"{"workflowRunId":"<script>"}"#), None);
        assert_eq!(sniff_run_id(br#"{"workflowRunId""x","workflowRunId":"run_52"}"#), Some("run_52"));
        assert_eq!(sniff_run_id(br#"{"workflowRunId"workflowRunId":"run_54"}"#), Some("run_54"));
        let blanks = |n: usize| format!(r#"{{"workflowRunId"{}:"run_53"}}"#, " ".repeat(n));
        assert_eq!(sniff_run_id(blanks(MAX_SNIFFED_BLANKS).as_bytes()), Some("run_53"));
        assert_eq!(sniff_run_id(blanks(MAX_SNIFFED_BLANKS + 1).as_bytes()), None);
        assert_eq!(sniff_run_id(b"<html>502</html>"), None);
    }

    #[test]
    fn errors_never_quote_unbounded_server_strings() {
        let long = "x".repeat(100_000);
        let bodies = [
            format!(r#"{{"workflowRunId":"r","status":"{long}"}}"#),
            format!(r#"{{"workflowRunId":"{long}","status":"SUCCEED","output":{{}}}}"#),
            format!(r#"{{"workflowRunId":"r","status":"SUCCEED","output":{{"news":"{long}"}}}}"#),
            format!(r#"{{"workflowRunId":"r","status":"FAILED","errorMessage":"{long}"}}"#),
            format!(r#"{{"code":40000,"message":"{long}"}}"#),
        ];
        for body in bodies {
            let error = decode_run_body::<Vec<u8>>("wf", 200, body.as_bytes()).unwrap_err();
            assert!(error.to_string().len() < 4096, "{}", &error.to_string()[..200]);
        }
    }

    #[test]
    fn envelope_details_never_cost_the_output() {
        let run = r#"{"workflowRunId":"r","status":"SUCCEED","output":7,"totalCost":"0.6928","totalTokens":"1745"}"#;
        let decoded = decode_run_body::<u8>("wf", 200, run.as_bytes()).unwrap();
        assert_eq!((decoded.output, decoded.cost, decoded.tokens), (7, 0.6928, 1745));

        let with_bom = [BOM, run.as_bytes()].concat();
        assert_eq!(decode_run_body::<u8>("wf", 200, &with_bom).unwrap().output, 7);

        let wrapped = format!(r#"{{"code":0,"message":"OK","data":{run}}}"#);
        assert_eq!(decode_run_body::<u8>("wf", 200, wrapped.as_bytes()).unwrap().run_id, "r");

        let unreadable = r#"{"workflowRunId":"r","status":"SUCCEED","output":7,"totalCost":"n/a"}"#;
        assert_eq!(decode_run_body::<u8>("wf", 200, unreadable.as_bytes()).unwrap().cost, 0.0);
    }

    #[test]
    fn a_failed_run_says_why_and_never_quotes_its_input() {
        let body = r#"{"workflowRunId":"r","status":"FAILED","input":{"document":"private text"},"message":"quota of the model exceeded"}"#;
        let error = decode_run_body::<u8>("wf", 200, body.as_bytes()).unwrap_err();
        assert_eq!(error.failure_reason(), Some("quota of the model exceeded"));
        assert_eq!(error.echoed_input().map(RawValue::get), Some(r#"{"document":"private text"}"#));
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("private text") && shown.contains("quota of the model exceeded"), "{shown}");
    }

    #[test]
    fn a_run_id_with_control_characters_is_refused_so_it_never_reaches_a_log_line() {
        let body = "{\"workflowRunId\":\"r1\\nINFO forged\",\"status\":\"RUNNING\"}";
        let error = decode_run_body::<u8>("wf", 200, body.as_bytes()).unwrap_err();
        assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
        assert!(!error.to_string().contains('\n'), "{error}");
    }

    #[test]
    fn error_answers_name_an_empty_body_and_a_redirect() {
        let empty = decode_run_body::<u8>("wf", 502, b"").unwrap_err();
        assert!(empty.to_string().ends_with("(empty body)"), "{empty}");
        let endpoint = ApiEndpoint::named(crate::wire::INVOKE_PATH);
        let decoder = Decoder { endpoint: &endpoint, workflow_id: "wf", quoter: Quoter::default() };
        let redirect = decoder.redirect(307, Some(b"https://elsewhere.example/v1"));
        let message = redirect.to_string();
        assert!(
            message.contains("redirect to https://elsewhere.example/v1") && message.contains("not followed"),
            "{message}"
        );
    }

    #[test]
    fn the_key_is_scrubbed_from_every_server_field() {
        let key = "app-Zx81Q0pLmXXXXXXXXX";
        let endpoint = ApiEndpoint::named(crate::wire::INVOKE_PATH);
        let decoder = Decoder { endpoint: &endpoint, workflow_id: "wf", quoter: Quoter::new(key) };
        let bodies = [
            format!(r#"{{"workflowRunId":"{key}","status":"FAILED","errorMessage":"bad key {key}"}}"#),
            format!(r#"{{"workflowRunId":"r","status":"{key}"}}"#),
            format!(r#"{{"workflowRunId":"r","workflowId":"{key}","status":"SUCCEED","output":1}}"#),
            format!(r#"{{"workflowRunId":"{key}","status":"SUCCEED","output":{{"{key}":1}}}}"#),
            format!(r#"{{"code":40127,"message":"Bearer {key}"}}"#),
        ];
        for body in &bodies {
            let shown = match decoder.run::<Vec<u8>>(200, body.as_bytes()) {
                Ok(Outcome::InProgress { status, .. }) => status.to_string(),
                Ok(Outcome::Failed(failed)) => {
                    let error = failed.into_error("wf");
                    format!("{error} {error:?} {:?}", error.run_id())
                }
                Ok(Outcome::Finished(_)) => panic!("{body}"),
                Err(error) => format!("{error} {error:?} {:?} {:?}", error.run_id(), error.raw_output()),
            };
            assert!(!shown.contains(&key[..12]), "{shown}");
        }
        let http = decoder.error_status(
            401,
            false,
            format!(r#"{{"code":1,"message":"{key}","workflowRunId":"{key}"}}"#).as_bytes(),
        );
        assert!(!format!("{http} {:?}", http.run_id()).contains(&key[..12]), "{http}");
    }
}
