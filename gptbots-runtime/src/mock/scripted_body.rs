//! Response bodies that misbehave on a schedule: pieces with pauses between them, padding
//! produced as it is sent, and an abrupt end that makes hyper drop the connection.
//!
//! A body that ends early under a `Content-Length` it announced, or that fails, is how a lying
//! `Content-Length` or a connection cut mid-body is produced inside hyper: hyper writes what the
//! body yielded, then closes the connection because the message cannot be completed.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};

/// What the body does next.
pub(super) enum Step {
    /// Sends these bytes.
    Data(Bytes),
    /// Waits. Also lets hyper flush what was sent before an [`Step::Abort`].
    Pause(Duration),
    /// Ends the body with an error: hyper stops and closes the connection.
    Abort,
}

/// A body playing `steps` in order.
pub(super) fn scripted(steps: impl Iterator<Item = Step> + Send + 'static) -> Body {
    let stream = futures_util::stream::unfold(steps, |mut steps| async move {
        loop {
            match steps.next()? {
                Step::Data(bytes) => return Some((Ok(bytes), steps)),
                Step::Pause(duration) => tokio::time::sleep(duration).await,
                Step::Abort => {
                    let error = io::Error::new(io::ErrorKind::ConnectionAborted, "an injected fault cuts the body");
                    return Some((Err(error), steps));
                }
            }
        }
    });
    Body::from_stream(stream)
}

/// The piece size of [`padding`].
const PADDING_CHUNK: usize = 64 * 1024;
static SPACES: [u8; PADDING_CHUNK] = [b' '; PADDING_CHUNK];

/// `len` bytes of JSON whitespace, made as they are sent so none of it is held in memory.
pub(super) fn padding(len: u64) -> impl Iterator<Item = Step> + Send + 'static {
    let full = len / PADDING_CHUNK as u64;
    let rest = (len % PADDING_CHUNK as u64) as usize;
    (0..full)
        .map(|_| Step::Data(Bytes::from_static(&SPACES)))
        .chain((rest > 0).then(|| Step::Data(Bytes::from_static(&SPACES[..rest]))))
}
