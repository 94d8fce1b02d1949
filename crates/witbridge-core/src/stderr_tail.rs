//! The end of what a guest wrote to its WASI stderr during the running call.
//!
//! A Rust guest's panic message goes to stderr and nowhere else: the trap
//! that follows only says `unreachable`. So every guest with WASI gets its
//! stderr teed through a [`StderrTail`], which keeps the last
//! [`TAIL_BYTES`] written since the call began, wherever the stream goes
//! (inherited, captured, discarded or a Python file object), and the `Trap`
//! of a failed call carries them.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// How much of the end of a call's stderr a `Trap` shows: a panic message
/// and its location, with room for what the guest logged just before.
pub const TAIL_BYTES: usize = 4096;

/// The last [`TAIL_BYTES`] bytes written to one instance's stderr since
/// [`StderrTail::clear`]; clones share them.
#[derive(Clone, Default)]
pub struct StderrTail(Arc<Shared>);

#[derive(Default)]
struct Shared {
    tail: Mutex<Tail>,
    /// Whether `tail` may hold anything: lets the clear at every call's
    /// start skip the lock when the guest wrote nothing (the usual case).
    written: AtomicBool,
}

#[derive(Default)]
struct Tail {
    bytes: VecDeque<u8>,
    /// Whether older bytes were pushed out.
    cut: bool,
}

/// The tail as text, for a `Trap`.
pub struct TailText {
    pub text: String,
    /// Whether the guest wrote more than [`TAIL_BYTES`], so `text` is its end only.
    pub cut: bool,
}

impl StderrTail {
    fn tail(&self) -> std::sync::MutexGuard<'_, Tail> {
        self.0.tail.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets what was written: a new call begins.
    pub fn clear(&self) {
        // A plain load: a swap would be a locked instruction on every call.
        if !self.0.written.load(Ordering::Relaxed) {
            return;
        }
        self.0.written.store(false, Ordering::Relaxed);
        let mut tail = self.tail();
        tail.bytes.clear();
        tail.cut = false;
    }

    fn record(&self, written: &[u8]) {
        let mut tail = self.tail();
        self.0.written.store(true, Ordering::Relaxed);
        let keep = &written[written.len().saturating_sub(TAIL_BYTES)..];
        let overflow = (tail.bytes.len() + keep.len()).saturating_sub(TAIL_BYTES);
        tail.cut |= overflow > 0 || keep.len() < written.len();
        tail.bytes.drain(..overflow);
        tail.bytes.extend(keep);
    }

    /// What was written since the call began, decoded as UTF-8 (invalid
    /// bytes replaced); `None` if nothing was.
    pub fn text(&self) -> Option<TailText> {
        let tail = self.tail();
        if tail.bytes.is_empty() {
            return None;
        }
        let (front, back) = tail.bytes.as_slices();
        let mut bytes = [front, back].concat();
        if tail.cut {
            // The cut may have split a character: drop its leftover
            // continuation bytes rather than show a replacement character.
            let partial = bytes
                .iter()
                .take(3)
                .take_while(|b| (**b & 0xc0) == 0x80)
                .count();
            bytes.drain(..partial);
        }
        Some(TailText {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            cut: tail.cut,
        })
    }

    /// `stream`, with everything written to it also kept here.
    pub fn tee<S: StdoutStream + 'static>(&self, stream: S) -> Teed<S> {
        Teed {
            stream,
            tail: self.clone(),
        }
    }
}

/// A guest's stderr that also feeds a [`StderrTail`].
pub struct Teed<S> {
    stream: S,
    tail: StderrTail,
}

impl<S: IsTerminal> IsTerminal for Teed<S> {
    fn is_terminal(&self) -> bool {
        self.stream.is_terminal()
    }
}

impl<S: StdoutStream> StdoutStream for Teed<S> {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(TeedOutput {
            inner: self.stream.p2_stream(),
            tail: self.tail.clone(),
        })
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(TeedAsync {
            inner: Pin::from(self.stream.async_stream()),
            tail: self.tail.clone(),
        })
    }
}

/// One WASI output stream of a [`Teed`] stderr.
struct TeedOutput {
    inner: Box<dyn OutputStream>,
    tail: StderrTail,
}

#[wasmtime_wasi::async_trait]
impl OutputStream for TeedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.tail.record(&bytes);
        self.inner.write(bytes)
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.inner.flush()
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.inner.check_write()
    }

    // The inner stream's own ways of blocking and cancelling are kept.
    async fn blocking_write_and_flush(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.tail.record(&bytes);
        self.inner.blocking_write_and_flush(bytes).await
    }

    async fn cancel(&mut self) {
        self.inner.cancel().await
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for TeedOutput {
    async fn ready(&mut self) {
        self.inner.ready().await
    }
}

/// The WASI 0.3 (async) form of a [`Teed`] stderr; witbridge links 0.2,
/// but a stream must offer both.
struct TeedAsync {
    inner: Pin<Box<dyn tokio::io::AsyncWrite + Send + Sync>>,
    tail: StderrTail,
}

impl tokio::io::AsyncWrite for TeedAsync {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = self.inner.as_mut().poll_write(cx, buf);
        if let Poll::Ready(Ok(written)) = polled {
            self.tail.record(&buf[..written]);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.inner.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.inner.as_mut().poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_bytes_since_clear() {
        let tail = StderrTail::default();
        assert!(tail.text().is_none());
        tail.record(b"old");
        tail.clear();
        assert!(tail.text().is_none());
        tail.record(b"panicked at src/lib.rs:1:1:\n");
        tail.record(b"boom\n");
        let kept = tail.text().unwrap();
        assert_eq!(kept.text, "panicked at src/lib.rs:1:1:\nboom\n");
        assert!(!kept.cut);
    }

    #[test]
    fn a_long_stderr_keeps_its_end_whole_characters_only() {
        let tail = StderrTail::default();
        tail.record(&vec![b'x'; TAIL_BYTES]);
        // "é" is two bytes: one of them falls off the front.
        tail.record("é".repeat(TAIL_BYTES / 2).as_bytes());
        tail.record(b"!");
        let kept = tail.text().unwrap();
        assert!(kept.cut);
        assert_eq!(kept.text, format!("{}!", "é".repeat(TAIL_BYTES / 2 - 1)));
        let tail = StderrTail::default();
        tail.record(&vec![b'y'; TAIL_BYTES + 10]);
        let kept = tail.text().unwrap();
        assert!(kept.cut);
        assert_eq!(kept.text.len(), TAIL_BYTES);
    }
}
