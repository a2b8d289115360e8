//! The faults hyper will not write: a body after the answer to HEAD, a `Content-Length`
//! longer than the body, a `Content-Length` on a 204. hyper frames every answer correctly (that is its job), so a
//! provider making these faults serves through [`FaultyListener`], whose connections rewrite
//! the header block of an answer carrying the [`WIRE_MARKER`] header:
//!
//! - `append <hex>`: the marker is removed and the bytes follow the header block;
//! - `length-plus <n>`: the marker is removed and `content-length` grows by `n`;
//! - `header <name: value>`: the marker is removed and the header line added;
//! - `hold-open`: the marker and any `connection: close` are removed, and the connection stays
//!   open for [`HOLD_OPEN`] after the answer, though the client asked to close it.
//!
//! Only answers the provider marked (under those faults) are touched; everything else passes
//! through byte for byte.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::methods::WIRE_MARKER;

/// How long a `hold-open` connection stays open after its answer: past the wire reader's
/// grace for the close, well inside any request timeout.
pub const HOLD_OPEN: std::time::Duration = std::time::Duration::from_secs(3);

/// A listener whose connections act on the marker.
pub struct FaultyListener(pub TcpListener);

impl axum::serve::Listener for FaultyListener {
    type Io = FaultyIo;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (
            FaultyIo {
                inner: Some(stream),
                pending: Vec::new(),
                hold_open: false,
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection that rewrites marked header blocks on their way out.
pub struct FaultyIo {
    /// The socket; taken only when the connection is dropped under `hold-open`.
    inner: Option<TcpStream>,
    /// Rewritten bytes accepted from hyper and not yet on the socket.
    pending: Vec<u8>,
    /// An answer said `hold-open`: shutting down and dropping leave the socket open.
    hold_open: bool,
}

impl Drop for FaultyIo {
    fn drop(&mut self) {
        if !self.hold_open {
            return;
        }
        if let (Some(stream), Ok(runtime)) =
            (self.inner.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(async move {
                tokio::time::sleep(HOLD_OPEN).await;
                drop(stream);
            });
        }
    }
}

impl FaultyIo {
    fn stream(&mut self) -> Pin<&mut TcpStream> {
        Pin::new(self.inner.as_mut().expect("the socket is held until the connection drops"))
    }

    /// Writes `pending` out; ready once it is all on the socket.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            let result = self.stream().poll_write(cx, &pending);
            self.pending = pending;
            match result {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(written)) => {
                    self.pending.drain(..written);
                }
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for FaultyIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stream().poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultyIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other.map(|result| result.map(|()| 0)),
        }
        let (rewritten, hold_open) = rewrite(buf);
        self.pending = rewritten;
        self.hold_open |= hold_open;
        // The bytes are accepted; what the socket does not take now, flush and the next
        // write finish.
        if let Poll::Ready(Err(err)) = self.drain(cx) {
            return Poll::Ready(Err(err));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => self.stream().poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) if self.hold_open => Poll::Ready(Ok(())),
            Poll::Ready(Ok(())) => self.stream().poll_shutdown(cx),
            other => other,
        }
    }
}

/// `bytes` with a marked header block rewritten (unmarked bytes unchanged), and whether the
/// connection is to be held open.
fn rewrite(bytes: &[u8]) -> (Vec<u8>, bool) {
    let mut hold_open = false;
    let rewritten = rewrite_block(bytes, &mut hold_open);
    (rewritten, hold_open)
}

fn rewrite_block(bytes: &[u8], hold_open: &mut bool) -> Vec<u8> {
    let marker = format!("{}: ", WIRE_MARKER.as_str());
    let Some(head_end) = find(bytes, b"\r\n\r\n").map(|at| at + 4) else {
        return bytes.to_vec();
    };
    let Ok(head) = std::str::from_utf8(&bytes[..head_end]) else {
        return bytes.to_vec();
    };
    let Some(instruction) = head
        .split("\r\n")
        .find_map(|line| line.strip_prefix(&marker))
        .map(str::to_owned)
    else {
        return bytes.to_vec();
    };
    let (operation, argument) = instruction.split_once(' ').unwrap_or((&instruction, ""));
    let mut lines: Vec<String> = head
        .trim_end_matches("\r\n")
        .split("\r\n")
        .filter(|line| !line.starts_with(&marker))
        .map(str::to_owned)
        .collect();
    let mut appended = Vec::new();
    match operation {
        "append" => appended = unhex(argument),
        "length-plus" => {
            let extra: u64 = argument.trim().parse().unwrap_or(0);
            for line in &mut lines {
                if let Some(length) = line.strip_prefix("content-length: ") {
                    let length: u64 = length.trim().parse().unwrap_or(0);
                    *line = format!("content-length: {}", length + extra);
                }
            }
        }
        "header" => lines.push(argument.to_owned()),
        "hold-open" => {
            *hold_open = true;
            lines.retain(|line| !line.eq_ignore_ascii_case("connection: close"));
        }
        _ => {}
    }
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(&appended);
    out.extend_from_slice(&bytes[head_end..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn unhex(text: &str) -> Vec<u8> {
    text.as_bytes()
        .chunks(2)
        .filter_map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmarked_bytes_pass_through() {
        let bytes = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(rewrite(bytes), (bytes.to_vec(), false));
        assert_eq!(rewrite(b"{}"), (b"{}".to_vec(), false));
    }

    #[test]
    fn marked_blocks_are_rewritten() {
        let head = b"HTTP/1.1 200 OK\r\nx-mjconform-wire: append 7b7d\r\ncontent-length: 2\r\n\r\n";
        assert_eq!(
            rewrite(head).0,
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".to_vec()
        );
        let long =
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-mjconform-wire: length-plus 10\r\n\r\n{}";
        assert_eq!(
            rewrite(long).0,
            b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{}".to_vec()
        );
        let held = b"HTTP/1.1 200 OK\r\nconnection: close\r\nx-mjconform-wire: hold-open\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(
            rewrite(held),
            (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".to_vec(), true)
        );
    }
}
