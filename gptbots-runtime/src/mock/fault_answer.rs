//! How a [`Fault`] shapes the answer to its request, inside hyper: the router answers as usual
//! (when the fault lets the workflow run), then the fault rewrites that answer's body, delays
//! it, sends it under a lying `Content-Length`, or throws the connection's switch so the bytes
//! never leave or the connection is reset.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::fault::Fault;
use super::scripted_body::{Step, padding, scripted};
use super::socket::{Ending, SocketSwitch};

/// What `HugeContentLength` announces: 1 TiB.
const HUGE_CONTENT_LENGTH: u64 = 1 << 40;
/// The pieces a slow body is sent in.
const SLOW_BODY_PIECES: u32 = 8;
/// How long a body that is cut waits before the cut, so the client reads what came before.
const BEFORE_CUT: Duration = Duration::from_millis(50);
/// The most of the router's answer a fault reads to reshape it; answers are run bodies, far
/// smaller.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

const HTML_PAGE: &str = "<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n<center><h1>{status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// Answers `request` as `fault` says, running the workflow (through `router`) first when the
/// fault lets it run.
pub(super) async fn answer(
    fault: Fault,
    request: Request<Body>,
    router: Router,
    switch: &SocketSwitch,
) -> Response<Body> {
    if !fault.runs_workflow() {
        return refusal(fault);
    }
    let answer = match router.oneshot(request).await {
        Ok(answer) => answer,
        Err(infallible) => match infallible {},
    };
    let status = answer.status();
    let body = axum::body::to_bytes(answer.into_body(), MAX_ANSWER_BYTES).await.unwrap_or_default();
    match fault {
        Fault::CloseBeforeResponse => {
            switch.end_with(Ending::CloseBeforeAnswer);
            respond(status, JSON, body)
        }
        Fault::ResetBeforeResponse => {
            switch.end_with(Ending::ResetBeforeAnswer);
            respond(status, JSON, body)
        }
        Fault::ResetMidBody => {
            switch.end_with(Ending::ResetOnClose);
            let half = body.slice(..body.len() / 2);
            let steps = [Step::Data(half), Step::Pause(BEFORE_CUT), Step::Abort];
            with_length(status, body.len() as u64, scripted(steps.into_iter()))
        }
        Fault::TruncatedJson => respond(status, JSON, body.slice(..body.len() / 2)),
        Fault::SlowHeaders(delay) => {
            tokio::time::sleep(delay).await;
            respond(status, JSON, body)
        }
        Fault::SlowBody(duration) => {
            let piece = body.len().div_ceil(SLOW_BODY_PIECES as usize).max(1);
            let pause = duration / SLOW_BODY_PIECES;
            let pieces: Vec<Bytes> =
                (0..body.len()).step_by(piece).map(|at| body.slice(at..(at + piece).min(body.len()))).collect();
            let steps = pieces.into_iter().flat_map(move |bytes| [Step::Pause(pause), Step::Data(bytes)]);
            with_length(status, body.len() as u64, scripted(steps))
        }
        Fault::OversizedBody(size) => {
            let size = size.max(body.len() as u64);
            let rest = size - body.len() as u64;
            let steps = std::iter::once(Step::Data(body)).chain(padding(rest));
            with_length(status, size, scripted(steps))
        }
        Fault::HugeContentLength => {
            let steps = [Step::Data(body), Step::Pause(BEFORE_CUT), Step::Abort];
            with_length(status, HUGE_CONTENT_LENGTH, scripted(steps.into_iter()))
        }
        Fault::InvalidUtf8 => {
            let mut bytes = body.to_vec();
            // Inside the first string of the body, so the JSON is well-formed but not UTF-8.
            let at = bytes.iter().position(|b| *b == b'"').map_or(0, |p| p + 1);
            bytes.splice(at..at, [0xff, 0xfe, 0xc3]);
            respond(status, JSON, bytes.into())
        }
        Fault::WrongContentType => respond(status, "text/plain; charset=utf-8", body),
        Fault::UnknownStatus(run_status) => edited(status, &body, |fields| {
            fields.insert("status".into(), run_status.into());
        }),
        Fault::SucceedWithoutOutput => edited(status, &body, |fields| {
            fields.insert("status".into(), "SUCCEED".into());
            fields.remove("output");
        }),
        Fault::WrongOutput(output) => edited(status, &body, |fields| {
            fields.insert("status".into(), "SUCCEED".into());
            fields.insert("output".into(), output);
        }),
        Fault::ExtraFields => edited(status, &body, |fields| {
            fields.insert("workflowTraceId".into(), "trace_0001".into());
            fields.insert("billing".into(), json!({ "plan": "enterprise", "credits": [1, 2, 3] }));
            if let Some(Value::Object(output)) = fields.get_mut("output") {
                output.insert("generatedBy".into(), "gpt-unknown".into());
            }
        }),
        // Refusals were answered above.
        Fault::HtmlErrorPage(_)
        | Fault::TooManyRequests { .. }
        | Fault::ServiceUnavailable { .. }
        | Fault::Status(_)
        | Fault::ApiErrorInOk { .. } => refusal(fault),
    }
}

/// The answer of a fault that turns the request away before the workflow runs.
fn refusal(fault: Fault) -> Response<Body> {
    match fault {
        Fault::HtmlErrorPage(status) => {
            let status = status_code(status);
            let title = format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("Unknown"));
            respond(status, "text/html", HTML_PAGE.replace("{status}", &title).into())
        }
        Fault::TooManyRequests { retry_after } => {
            let mut answer = json_error(StatusCode::TOO_MANY_REQUESTS, 42900, "too many requests, slow down");
            if let Some(seconds) = retry_after {
                answer.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            answer
        }
        Fault::ServiceUnavailable { retry_after } => {
            let mut answer = json_error(StatusCode::SERVICE_UNAVAILABLE, 50300, "service unavailable, try again later");
            answer.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            answer
        }
        Fault::Status(status) => {
            let status = status_code(status);
            let reason = status.canonical_reason().unwrap_or("Unknown");
            json_error(status, 50000, &format!("internal error ({} {reason})", status.as_u16()))
        }
        Fault::ApiErrorInOk { code, message } => json_error(StatusCode::OK, code, &message),
        _ => json_error(StatusCode::INTERNAL_SERVER_ERROR, 50000, "internal error"),
    }
}

const JSON: &str = "application/json";

/// A GPTBots `{code, message}` answer.
pub(super) fn json_error(status: StatusCode, code: i64, message: &str) -> Response<Body> {
    let body = serde_json::to_vec(&json!({ "code": code, "message": message })).unwrap_or_default();
    respond(status, JSON, body.into())
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut answer = Response::new(Body::from(body));
    *answer.status_mut() = status;
    answer.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    answer
}

/// A JSON answer whose `Content-Length` is `announced`, whatever `body` sends.
fn with_length(status: StatusCode, announced: u64, body: Body) -> Response<Body> {
    let mut answer = Response::new(body);
    *answer.status_mut() = status;
    let headers = answer.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
    answer
}

/// The router's JSON answer with its top-level fields edited.
fn edited(status: StatusCode, body: &[u8], edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Response<Body> {
    let mut value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        edit(fields);
    }
    respond(status, JSON, serde_json::to_vec(&value).unwrap_or_default().into())
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
