//! One accepted connection: the request is read in full first, so that it can be recorded and
//! a fault chosen for it; then axum answers it, or the fault writes raw bytes.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tower::ServiceExt;

use super::endpoint::Endpoint;
use super::endpoints::{Reply, bearer_key};
use super::raw;
use super::recorded::{RecordedRequest, redact};
use super::state::Shared;

/// The longest request head accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The largest request body accepted.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
const MAX_HEADERS: usize = 64;

/// A request read in full.
pub(super) struct IncomingRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// Everything read from the socket: head, then body.
    bytes: Vec<u8>,
    body_start: usize,
}

impl IncomingRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn body(&self) -> &[u8] {
        &self.bytes[self.body_start..]
    }
}

/// Serves one connection: one request, then the connection closes.
pub(super) async fn serve(mut stream: TcpStream, state: Arc<Shared>, router: Router) {
    let request = match read_request(&mut stream).await {
        Ok(Some(request)) => request,
        Ok(None) => return,
        Err(reply) => {
            raw::write_reply(&mut stream, &reply).await;
            return;
        }
    };
    let endpoint = Endpoint::from_path(&request.path);
    let workflow_id =
        request.header("authorization").map(bearer_key).and_then(|key| state.registry.workflow_for_key(key));
    let fault = state.faults.take(endpoint, workflow_id.as_deref());
    state.recorder.record(RecordedRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        headers: request.headers.iter().map(|(name, value)| (name.clone(), redact(name, value))).collect(),
        body: serde_json::from_slice(request.body()).ok(),
        workflow_id,
        fault: fault.clone(),
    });
    match fault {
        Some(fault) => raw::answer_with_fault(stream, &state, &request, fault).await,
        None => {
            let io = TokioIo::new(Replay { prefix: request.bytes, read: 0, stream });
            let service = hyper::service::service_fn(move |req| router.clone().oneshot(req));
            // One request per connection: the next request must come through `serve` again
            // to be recorded and to meet its fault.
            let _ = hyper::server::conn::http1::Builder::new().keep_alive(false).serve_connection(io, service).await;
        }
    }
}

/// Reads a request head and its `Content-Length` body. `Ok(None)` when the peer closed first.
async fn read_request(stream: &mut TcpStream) -> Result<Option<IncomingRequest>, Reply> {
    let mut bytes = Vec::with_capacity(4096);
    let mut scanned: usize = 0;
    let head_end = loop {
        if let Some(pos) = bytes[scanned.saturating_sub(3)..].windows(4).position(|w| w == b"\r\n\r\n") {
            break scanned.saturating_sub(3) + pos + 4;
        }
        scanned = bytes.len();
        if bytes.len() > MAX_HEAD_BYTES {
            return Err(Reply::error(431, 40000, "invalid request: the request head is too large"));
        }
        if !read_more(stream, &mut bytes).await {
            return Ok(None);
        }
    };
    let mut header_slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut header_slots);
    if !matches!(parsed.parse(&bytes[..head_end]), Ok(httparse::Status::Complete(_))) {
        return Err(Reply::error(400, 40000, "invalid request: malformed HTTP request head"));
    }
    let method = parsed.method.unwrap_or_default().to_owned();
    let path = parsed.path.unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned()))
        .collect();
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim());
    if header("transfer-encoding").is_some() {
        return Err(Reply::error(411, 40000, "invalid request: send the body with a Content-Length, not chunked"));
    }
    let body_len = match header("content-length").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(len)) if len <= MAX_BODY_BYTES => len,
        Some(Ok(_)) => return Err(Reply::error(413, 40000, "invalid request: the body is larger than 8 MiB")),
        Some(Err(_)) => return Err(Reply::error(400, 40000, "invalid request: Content-Length is not a number")),
    };
    let total = head_end + body_len;
    while bytes.len() < total {
        if !read_more(stream, &mut bytes).await {
            return Ok(None);
        }
    }
    bytes.truncate(total);
    Ok(Some(IncomingRequest { method, path, headers, bytes, body_start: head_end }))
}

/// Appends what the socket has; false when it is closed or failed.
async fn read_more(stream: &mut TcpStream, bytes: &mut Vec<u8>) -> bool {
    bytes.reserve(8192);
    matches!(stream.read_buf(bytes).await, Ok(n) if n > 0)
}

/// The socket with the already-read request put back in front, for hyper to read again.
struct Replay {
    prefix: Vec<u8>,
    read: usize,
    stream: TcpStream,
}

impl AsyncRead for Replay {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.read < this.prefix.len() {
            let rest = &this.prefix[this.read..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.read += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Replay {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
