//! The faults hyper will not write: a body after the answer to HEAD, a `Content-Length`
//! longer than the body, a `Content-Length` on a 204. hyper frames every answer correctly (that is its job), so a
//! provider making these faults serves through [`FaultyListener`], whose connections rewrite
//! the header block of an answer carrying the [`WIRE_MARKER`] header:
//!
//! - `append <hex>`: the marker is removed and the bytes follow the header block;
//! - `length-plus <n>`: the marker is removed and `content-length` grows by `n`;
//! - `header <name: value>`: the marker is removed and the header line added.
//!
//! Only answers the provider marked (under those faults) are touched; everything else passes
//! through byte for byte.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::methods::WIRE_MARKER;

/// A listener whose connections act on the marker.
pub struct FaultyListener(pub TcpListener);

impl axum::serve::Listener for FaultyListener {
    type Io = FaultyIo;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (
            FaultyIo {
                inner: stream,
                pending: Vec::new(),
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
    inner: TcpStream,
    /// Rewritten bytes accepted from hyper and not yet on the socket.
    pending: Vec<u8>,
}

impl FaultyIo {
    /// Writes `pending` out; ready once it is all on the socket.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.pending) {
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
        Pin::new(&mut self.inner).poll_read(cx, buf)
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
        self.pending = rewrite(buf);
        // The bytes are accepted; what the socket does not take now, flush and the next
        // write finish.
        if let Poll::Ready(Err(err)) = self.drain(cx) {
            return Poll::Ready(Err(err));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

/// `bytes` with a marked header block rewritten; unmarked bytes unchanged.
fn rewrite(bytes: &[u8]) -> Vec<u8> {
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
        assert_eq!(rewrite(bytes), bytes.to_vec());
        assert_eq!(rewrite(b"{}"), b"{}".to_vec());
    }

    #[test]
    fn marked_blocks_are_rewritten() {
        let head = b"HTTP/1.1 200 OK\r\nx-mjconform-wire: append 7b7d\r\ncontent-length: 2\r\n\r\n";
        assert_eq!(
            rewrite(head),
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".to_vec()
        );
        let long =
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-mjconform-wire: length-plus 10\r\n\r\n{}";
        assert_eq!(
            rewrite(long),
            b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{}".to_vec()
        );
    }
}
