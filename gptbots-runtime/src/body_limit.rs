//! Reading a response body without letting the server decide how much memory it takes.

use bytes::{Bytes, BytesMut};

use crate::response_body::{Body, Gathering};

/// The default cap on a response body: a run's output is JSON text, and 32 MiB of it is far
/// beyond any documented workflow while still safe to hold for hundreds of calls at once.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// How much of an error response (HTTP 4xx/5xx) is read: enough for a `{code, message}` body and
/// an excerpt; the rest of, say, a proxy's HTML page is not needed.
pub(crate) const ERROR_BODY_BYTES: usize = 64 * 1024;

/// The first allocation for an error body (which is read only up to [`ERROR_BODY_BYTES`]).
const INITIAL_CAPACITY: usize = 64 * 1024;

/// Why a body could not be read in full.
pub(crate) enum BodyError {
    /// The body is larger than the cap. `read` holds what was read before stopping (empty when
    /// `Content-Length` alone gave it away).
    TooLarge { announced: Option<u64>, read: Body },
    /// The connection failed while reading; `read` holds what arrived before.
    Transport { source: reqwest::Error, read: Body },
}

/// Reads the whole body of `response` unless it exceeds `limit` bytes.
///
/// This is where a body's size decides how it is decoded: the [`Body`] comes back in one piece
/// (decoded as one slice) unless it is at least `chunks_from` bytes long.
///
/// A `Content-Length` over the limit is refused before anything is read. A body announced
/// shorter than `chunks_from` is copied into one buffer sized from its `Content-Length` as it
/// arrives (each chunk freed once copied). Any other is kept as the chunks the connection
/// handed over (small chunks are copied together: see [`Gathering`]), and put in one piece at
/// the end if it turns out shorter than `chunks_from` (a body whose length was not announced).
/// Reading stops at the first chunk that crosses the limit, so at most `limit` bytes plus one
/// chunk are ever held.
pub(crate) async fn read_limited(
    response: &mut reqwest::Response,
    limit: usize,
    chunks_from: usize,
) -> Result<Body, BodyError> {
    let announced = response.content_length();
    if announced.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { announced, read: Body::default() });
    }
    if let Some(len) = announced.filter(|len| *len < chunks_from as u64) {
        return read_into_one_buffer(response, limit, announced, len as usize).await.map(Body::from);
    }
    let mut body = Gathering::default();
    let stop = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    break Stop::TooLarge;
                }
                body.push(chunk);
            }
            Ok(None) => break Stop::End,
            Err(source) => break Stop::Failed(source),
        }
    };
    let body = body.finish();
    match stop {
        Stop::End if body.len() < chunks_from && body.chunk_count() > 1 => {
            Ok(Body::from(Bytes::from(body.contiguous().into_owned())))
        }
        Stop::End => Ok(body),
        Stop::TooLarge => Err(BodyError::TooLarge { announced, read: body }),
        Stop::Failed(source) => Err(BodyError::Transport { source, read: body }),
    }
}

/// Why [`read_limited`] stopped reading chunks.
enum Stop {
    End,
    TooLarge,
    Failed(reqwest::Error),
}

/// The body in one buffer of `capacity` bytes (its announced length, within the limit: a server
/// that announces more than it sends costs at most the limit).
async fn read_into_one_buffer(
    response: &mut reqwest::Response,
    limit: usize,
    announced: Option<u64>,
    capacity: usize,
) -> Result<Bytes, BodyError> {
    let mut body = BytesMut::with_capacity(capacity);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(BodyError::TooLarge { announced, read: body.freeze().into() });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body.freeze()),
            Err(source) => return Err(BodyError::Transport { source, read: body.freeze().into() }),
        }
    }
}

/// Reads at most `limit` bytes of `response` and drops the rest: for error pages, where an
/// excerpt is all that is needed. Read failures end the body where it stopped.
pub(crate) async fn read_prefix(response: &mut reqwest::Response, limit: usize) -> Bytes {
    let mut body = BytesMut::with_capacity(limit.min(INITIAL_CAPACITY));
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body.freeze()
}
