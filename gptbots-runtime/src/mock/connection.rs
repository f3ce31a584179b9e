//! Connections, served by hyper like any server's: keep-alive between requests, chunked or
//! `Content-Length` request bodies, a timeout on each request's head and on its body.
//!
//! Each request is read in full, recorded and matched with its queued fault before anything
//! answers it; then the router answers it, or [`fault_answer`](super::fault_answer) shapes the
//! answer (and the connection's [`SocketSwitch`]) as the fault says. No fault needs bytes
//! written by hand: every one is a body or a socket behaviour under hyper.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tower::ServiceExt;

use super::endpoint::Endpoint;
use super::endpoints::bearer_key;
use super::fault::Fault;
use super::fault_answer::{self, json_error};
use super::recorded::{RecordedRequest, redact};
use super::request_body::{closing, read_body, retry_later};
use super::socket::{FaultySocket, SocketSwitch};
use super::state::Shared;

/// The longest request head accepted; hyper answers a longer one HTTP 431.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How long a connection over the cap may take to send the head its refusal answers.
const REFUSAL_HEAD_TIMEOUT: Duration = Duration::from_secs(2);

/// Accepts connections until the server is dropped.
pub(super) async fn accept_loop(listener: TcpListener, state: Arc<Shared>, router: Router) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                match Arc::clone(&state.connections).try_acquire_owned() {
                    Ok(permit) => {
                        let number = state.next_connection.fetch_add(1, Ordering::Relaxed) + 1;
                        state.spawn(serve(stream, number, Arc::clone(&state), router.clone(), permit));
                    }
                    Err(_) => state.spawn(refuse(stream, Arc::clone(&state))),
                }
            }
            // Out of file descriptors or a connection aborted while queued: try again shortly.
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// Serves one connection until the client closes it, a fault ends it, or it idles past the
/// head timeout.
async fn serve(stream: TcpStream, number: u64, state: Arc<Shared>, router: Router, _permit: OwnedSemaphorePermit) {
    let (socket, switch) = FaultySocket::new(stream);
    let head_timeout = state.limits.head_timeout;
    let service = hyper::service::service_fn(move |request| {
        let (state, router, switch) = (Arc::clone(&state), router.clone(), Arc::clone(&switch));
        async move { Ok::<_, Infallible>(handle(&state, number, router, &switch, request).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout)
        .max_header_size(MAX_HEAD_BYTES)
        .serve_connection(TokioIo::new(socket), service)
        .await;
}

/// A connection over the cap: every request on it is answered 503 with `Retry-After`, which a
/// client may safely repeat (nothing ran), and the connection closes.
async fn refuse(stream: TcpStream, state: Arc<Shared>) {
    let max = state.limits.max_connections;
    let service = hyper::service::service_fn(move |_request: Request<Incoming>| async move {
        let message = format!("the server has {max} connections open, its limit: retry later");
        Ok::<_, Infallible>(closing(retry_later(json_error(StatusCode::SERVICE_UNAVAILABLE, 50300, &message))))
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // A client that means it sends its head at once; a flood of silent connections must
        // not hold file descriptors for the whole head timeout.
        .header_read_timeout(state.limits.head_timeout.min(REFUSAL_HEAD_TIMEOUT))
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Answers one request.
async fn handle(
    state: &Shared,
    connection: u64,
    router: Router,
    switch: &SocketSwitch,
    request: Request<Incoming>,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let (body, _budget) = match read_body(state, &parts, body).await {
        Ok(read) => read,
        Err(answer) => return answer,
    };
    let endpoint = Endpoint::from_path(parts.uri.path());
    let workflow_id = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(bearer_key)
        .and_then(|key| state.registry.workflow_for_key(key));
    let fault = state.faults.take(endpoint, workflow_id.as_deref());
    state.recorder.record(recorded(&parts, &body, workflow_id, fault.clone(), connection));
    let request = Request::from_parts(parts, Body::from(body));
    match fault {
        Some(fault) => fault_answer::answer(fault, request, router, switch).await,
        None => match router.oneshot(request).await {
            Ok(answer) => answer,
            Err(infallible) => match infallible {},
        },
    }
}

/// The record of a request: its key redacted, its body kept as received.
fn recorded(
    parts: &Parts,
    body: &Bytes,
    workflow_id: Option<String>,
    fault: Option<Fault>,
    connection: u64,
) -> RecordedRequest {
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (name.as_str().to_owned(), redact(name.as_str(), &String::from_utf8_lossy(value.as_bytes())))
        })
        .collect();
    let path = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    RecordedRequest::new(parts.method.as_str().to_owned(), path, headers, body.clone(), workflow_id, fault, connection)
}
