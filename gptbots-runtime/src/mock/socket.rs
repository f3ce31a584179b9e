//! The socket under hyper, with a switch a request's fault can throw to end the connection the
//! way a broken network does: refusing the answer's bytes, or resetting (TCP RST) on close.
//!
//! hyper serves the connection as usual; only the switch, set while one request is handled,
//! decides what happens to the bytes of that request's answer. Requests before and after on the
//! same keep-alive connection are untouched (a connection that ends stays ended, as on a real
//! network).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// How the connection ends, set by the fault of the request being answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Ending {
    /// Like any server: answers are written, the connection stays open between requests.
    Normal = 0,
    /// No byte of the answer is written; the connection closes with a FIN.
    CloseBeforeAnswer = 1,
    /// No byte of the answer is written; the connection is reset.
    ResetBeforeAnswer = 2,
    /// The answer is written as far as it goes; when the connection closes, it is reset.
    ResetOnClose = 3,
}

impl Ending {
    fn from_u8(value: u8) -> Self {
        match value {
            1 => Ending::CloseBeforeAnswer,
            2 => Ending::ResetBeforeAnswer,
            3 => Ending::ResetOnClose,
            _ => Ending::Normal,
        }
    }

    fn refuses_writes(self) -> bool {
        matches!(self, Ending::CloseBeforeAnswer | Ending::ResetBeforeAnswer)
    }

    fn resets(self) -> bool {
        matches!(self, Ending::ResetBeforeAnswer | Ending::ResetOnClose)
    }
}

/// The switch, shared by the socket and the service answering its requests.
#[derive(Debug, Default)]
pub(super) struct SocketSwitch {
    ending: AtomicU8,
}

impl SocketSwitch {
    pub fn end_with(&self, ending: Ending) {
        self.ending.store(ending as u8, Ordering::Release);
    }

    fn ending(&self) -> Ending {
        Ending::from_u8(self.ending.load(Ordering::Acquire))
    }
}

/// A TCP stream that obeys its [`SocketSwitch`].
pub(super) struct FaultySocket {
    stream: TcpStream,
    switch: Arc<SocketSwitch>,
}

impl FaultySocket {
    pub fn new(stream: TcpStream) -> (Self, Arc<SocketSwitch>) {
        let switch = Arc::new(SocketSwitch::default());
        (FaultySocket { stream, switch: Arc::clone(&switch) }, switch)
    }
}

fn aborted() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "an injected fault ends the connection before its answer")
}

impl AsyncRead for FaultySocket {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultySocket {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.switch.ending().refuses_writes() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.switch.ending().refuses_writes() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A FIN before the reset would let the client read a clean end of stream.
        if self.switch.ending().resets() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl Drop for FaultySocket {
    fn drop(&mut self) {
        if self.switch.ending().resets() {
            // With a zero linger, closing sends RST instead of FIN.
            let _ = self.stream.set_zero_linger();
        }
    }
}
