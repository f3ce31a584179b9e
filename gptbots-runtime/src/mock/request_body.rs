//! A request's body, read whole within the server's limits: its size, the time it may take,
//! and the bytes of bodies in flight across connections.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Response, StatusCode, header};
use hyper::body::Incoming;
use tokio::sync::OwnedSemaphorePermit;

use super::fault_answer::json_error;
use super::state::Shared;

/// Reads the whole body within the limits; the permit keeps its bytes counted against the
/// server's in-flight budget until the answer is made.
pub(super) async fn read_body(
    state: &Shared,
    parts: &Parts,
    body: Incoming,
) -> Result<(Bytes, OwnedSemaphorePermit), Response<Body>> {
    let limits = &state.limits;
    let announced = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if announced.is_some_and(|len| len > limits.max_body_bytes as u64) {
        return Err(too_large(limits.max_body_bytes));
    }
    // A body of unknown length (chunked) is counted at the largest it may grow to.
    let reserved =
        announced.map_or(limits.max_body_bytes, |len| len as usize).clamp(1, limits.max_body_bytes_in_flight);
    let body = Body::new(body);
    let Ok(permit) = Arc::clone(&state.body_budget).try_acquire_many_owned(permit_count(reserved)) else {
        // Read and dropped piece by piece, so the client gets the answer instead of a reset
        // for a body the server never read, and no memory is held for it.
        let drained = tokio::time::timeout(limits.body_timeout, discard(body, limits.max_body_bytes)).await;
        let message = format!(
            "the server is reading {} MiB of request bodies at once, its limit: retry later",
            limits.max_body_bytes_in_flight / (1024 * 1024)
        );
        let answer = retry_later(json_error(StatusCode::SERVICE_UNAVAILABLE, 50300, &message));
        return Err(if matches!(drained, Ok(true)) { answer } else { closing(answer) });
    };
    let read = axum::body::to_bytes(body, limits.max_body_bytes);
    match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(bytes)) => Ok((bytes, permit)),
        Ok(Err(_)) if announced.is_none() => Err(too_large(limits.max_body_bytes)),
        Ok(Err(_)) => Err(closing(json_error(
            StatusCode::BAD_REQUEST,
            40000,
            "invalid request: the body ended before its Content-Length",
        ))),
        Err(_) => Err(closing(json_error(
            StatusCode::REQUEST_TIMEOUT,
            40800,
            &format!("invalid request: the body was not received within {:?}", limits.body_timeout),
        ))),
    }
}

/// Reads `body` to its end without keeping it; false when it failed or went past `max` bytes.
async fn discard(body: Body, max: usize) -> bool {
    let mut stream = body.into_data_stream();
    let mut read = 0usize;
    while let Some(piece) = futures_util::StreamExt::next(&mut stream).await {
        match piece {
            Ok(bytes) if read + bytes.len() <= max => read += bytes.len(),
            _ => return false,
        }
    }
    true
}

/// Semaphore permits for `bytes`: one per KiB, so budgets of any size fit a `u32`.
pub(super) fn permit_count(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

fn too_large(max: usize) -> Response<Body> {
    let message = format!("invalid request: the body is larger than {} MiB", max / (1024 * 1024));
    closing(json_error(StatusCode::PAYLOAD_TOO_LARGE, 40000, &message))
}

/// Closes the connection after this answer: what is left of the request is not read.
pub(super) fn closing(mut answer: Response<Body>) -> Response<Body> {
    answer.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    answer
}

/// Tells the client it may send the request again in a second: nothing ran.
pub(super) fn retry_later(mut answer: Response<Body>) -> Response<Body> {
    answer.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    answer
}
