//! Answers written byte by byte to the socket: the faults, which axum cannot produce
//! (resets, lying `Content-Length`, bodies that trickle or never end).

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::connection::IncomingRequest;
use super::endpoints::{Reply, dispatch};
use super::fault::Fault;
use super::state::Shared;

/// What `HugeContentLength` announces: 1 TiB.
const HUGE_CONTENT_LENGTH: u64 = 1 << 40;
/// The pieces a slow body is sent in.
const SLOW_BODY_PIECES: usize = 8;
const PADDING_CHUNK: usize = 64 * 1024;

const HTML_PAGE: &str = "<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n<center><h1>{status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// Answers `request` as `fault` says, running the workflow first when the fault needs it.
pub(super) async fn answer_with_fault(
    mut stream: TcpStream,
    state: &Arc<Shared>,
    request: &IncomingRequest,
    fault: Fault,
) {
    let reply = if fault.runs_workflow() {
        dispatch(state, &request.method, &request.path, request.header("authorization"), request.body()).await
    } else {
        Reply::error(500, 50000, "internal error")
    };
    // Write errors mean the client went away, which is the client's business in a fault test.
    let _ = write_fault(&mut stream, reply, fault).await;
}

async fn write_fault(stream: &mut TcpStream, reply: Reply, fault: Fault) -> std::io::Result<()> {
    match fault {
        Fault::CloseBeforeResponse => stream.shutdown().await,
        Fault::ResetBeforeResponse => reset(stream),
        Fault::ResetMidBody => {
            let body = to_bytes(&reply.body);
            stream.write_all(&head(reply.status, "application/json", body.len() as u64, &[])).await?;
            stream.write_all(&body[..body.len() / 2]).await?;
            stream.flush().await?;
            // Lets the client read the head before the reset discards what is in flight.
            tokio::time::sleep(Duration::from_millis(50)).await;
            reset(stream)
        }
        Fault::TruncatedJson => {
            let body = to_bytes(&reply.body);
            write_all(stream, reply.status, "application/json", &body[..body.len() / 2], &[]).await
        }
        Fault::HtmlErrorPage(status) => {
            let title = format!("{status} {}", reason(status));
            write_all(stream, status, "text/html", HTML_PAGE.replace("{status}", &title).as_bytes(), &[]).await
        }
        Fault::TooManyRequests { retry_after } => {
            let extra: Vec<(&str, String)> = retry_after.map(|s| ("retry-after", s.to_string())).into_iter().collect();
            let body = to_bytes(&json!({ "code": 42900, "message": "too many requests, slow down" }));
            write_all(stream, 429, "application/json", &body, &extra).await
        }
        Fault::ServiceUnavailable { retry_after } => {
            let body = to_bytes(&json!({ "code": 50300, "message": "service unavailable, try again later" }));
            write_all(stream, 503, "application/json", &body, &[("retry-after", retry_after.to_string())]).await
        }
        Fault::Status(status) => {
            let body =
                to_bytes(&json!({ "code": 50000, "message": format!("internal error ({status} {})", reason(status)) }));
            write_all(stream, status, "application/json", &body, &[]).await
        }
        Fault::SlowHeaders(delay) => {
            tokio::time::sleep(delay).await;
            write_reply_to(stream, &reply).await
        }
        Fault::SlowBody(duration) => {
            let body = to_bytes(&reply.body);
            stream.write_all(&head(reply.status, "application/json", body.len() as u64, &[])).await?;
            stream.flush().await?;
            let piece = body.len().div_ceil(SLOW_BODY_PIECES).max(1);
            for chunk in body.chunks(piece) {
                tokio::time::sleep(duration / SLOW_BODY_PIECES as u32).await;
                stream.write_all(chunk).await?;
                stream.flush().await?;
            }
            stream.shutdown().await
        }
        Fault::OversizedBody(size) => {
            let body = to_bytes(&reply.body);
            let size = size.max(body.len() as u64);
            stream.write_all(&head(reply.status, "application/json", size, &[])).await?;
            stream.write_all(&body).await?;
            let padding = vec![b' '; PADDING_CHUNK];
            let mut left = size - body.len() as u64;
            while left > 0 {
                let n = left.min(PADDING_CHUNK as u64) as usize;
                stream.write_all(&padding[..n]).await?;
                left -= n as u64;
            }
            stream.shutdown().await
        }
        Fault::HugeContentLength => {
            let body = to_bytes(&reply.body);
            stream.write_all(&head(reply.status, "application/json", HUGE_CONTENT_LENGTH, &[])).await?;
            stream.write_all(&body).await?;
            stream.shutdown().await
        }
        Fault::InvalidUtf8 => {
            let mut body = to_bytes(&reply.body);
            // Inside the first string of the body, so the JSON is well-formed but not UTF-8.
            let at = body.iter().position(|b| *b == b'"').map_or(0, |p| p + 1);
            body.splice(at..at, [0xff, 0xfe, 0xc3]);
            write_all(stream, reply.status, "application/json", &body, &[]).await
        }
        Fault::WrongContentType => {
            write_all(stream, reply.status, "text/plain; charset=utf-8", &to_bytes(&reply.body), &[]).await
        }
        Fault::UnknownStatus(status) => {
            let body = with_fields(reply.body, |fields| {
                fields.insert("status".into(), status.into());
            });
            write_all(stream, reply.status, "application/json", &to_bytes(&body), &[]).await
        }
        Fault::SucceedWithoutOutput => {
            let body = with_fields(reply.body, |fields| {
                fields.insert("status".into(), "SUCCEED".into());
                fields.remove("output");
            });
            write_all(stream, reply.status, "application/json", &to_bytes(&body), &[]).await
        }
        Fault::WrongOutput(output) => {
            let body = with_fields(reply.body, |fields| {
                fields.insert("status".into(), "SUCCEED".into());
                fields.insert("output".into(), output);
            });
            write_all(stream, reply.status, "application/json", &to_bytes(&body), &[]).await
        }
        Fault::ExtraFields => {
            let body = with_fields(reply.body, |fields| {
                fields.insert("workflowTraceId".into(), "trace_0001".into());
                fields.insert("billing".into(), json!({ "plan": "enterprise", "credits": [1, 2, 3] }));
                if let Some(Value::Object(output)) = fields.get_mut("output") {
                    output.insert("generatedBy".into(), "gpt-unknown".into());
                }
            });
            write_all(stream, reply.status, "application/json", &to_bytes(&body), &[]).await
        }
        Fault::ApiErrorInOk { code, message } => {
            let body = to_bytes(&json!({ "code": code, "message": message }));
            write_all(stream, 200, "application/json", &body, &[]).await
        }
    }
}

/// Writes a complete JSON answer and closes the connection.
pub(super) async fn write_reply(stream: &mut TcpStream, reply: &Reply) {
    let _ = write_reply_to(stream, reply).await;
}

async fn write_reply_to(stream: &mut TcpStream, reply: &Reply) -> std::io::Result<()> {
    write_all(stream, reply.status, "application/json", &to_bytes(&reply.body), &[]).await
}

async fn write_all(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    extra: &[(&str, String)],
) -> std::io::Result<()> {
    let mut bytes = head(status, content_type, body.len() as u64, extra);
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await?;
    stream.shutdown().await
}

fn head(status: u16, content_type: &str, content_length: u64, extra: &[(&str, String)]) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ncontent-length: {content_length}\r\nconnection: close\r\n",
        reason(status)
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Unknown")
}

fn to_bytes(body: &Value) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

fn with_fields(mut body: Value, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    if let Value::Object(fields) = &mut body {
        edit(fields);
    }
    body
}

/// Resets the connection: with a zero linger, closing sends RST instead of FIN.
fn reset(stream: &TcpStream) -> std::io::Result<()> {
    stream.set_zero_linger()
}
