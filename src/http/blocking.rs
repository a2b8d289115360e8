//! One exchange over a blocking socket, read as the library reads it: the fuzz campaign's
//! sender threads send thousands of requests to a plain-`http` target this way.
//!
//! Why not reqwest there: each request through reqwest (hyper, a connection task on a
//! runtime, its channels and timers, epoll registration for every new socket) cost more CPU
//! than the kernel's own work for the connection, and on a small machine the harness and the
//! server share the cores, so that cost came off the server's rate. A sender thread blocks on
//! one request at a time anyway, so a blocking socket loses nothing.
//!
//! It must read an answer exactly as [`crate::http::client`] does, so a property judges the
//! same answer whichever reader fetched it: the same request line and headers (and
//! `Connection: close`, which says what both do: drop the connection after one answer),
//! interim 1xx
//! answers skipped, the message framed as hyper frames it (RFC 9112 §6.3; an unusable
//! `Content-Length` is an unparseable answer, bytes past the framing are ignored), repeated
//! header fields grouped by name as `http::HeaderMap` iterates them, the same body cap and
//! truncation, the same decoding of `Content-Encoding`, and the same kinds of
//! [`RequestError`]. `tests` below holds both readers to the same answers from raw servers.
//!
//! Its limits are the client's: one deadline over connecting, writing, the headers and every
//! read (socket timeouts set to what remains of it); no redirect; a bounded header block.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use url::Url;

use crate::errors::RequestError;
use crate::http::exchange::{Exchange, SentRequest};
use crate::http::body::{give_back_unused, CappedBody, ReadFailure};
use crate::http::request::{ClientLimits, RequestSpec};
use crate::http::wire::{content_length, ContentLength};

/// The longest header block accepted: hyper's default read buffer limit (`8192 + 4096 * 100`),
/// past which it refuses the answer too.
const MAX_HEAD_BYTES: usize = 8192 + 4096 * 100;
/// The most header fields read from one answer (hyper's client accepts 100).
const MAX_HEADERS: usize = 100;
/// The longest chunk-size or trailer line accepted in a chunked body.
const MAX_CHUNK_LINE: usize = 4096;
/// Bytes read from the socket at a time.
const READ_SIZE: usize = 16 * 1024;

/// The addresses a blocking sender connects to for `base`, when it can: a plain `http`
/// target whose host is an IP address or `localhost` (resolved once, from the hosts file,
/// here). `None` otherwise: name resolution has no deadline of its own, and `https` needs
/// the library's TLS, so those targets stay with the library reader.
pub fn addresses_for(base: &Url) -> Option<Vec<SocketAddr>> {
    if base.scheme() != "http" {
        return None;
    }
    let port = base.port_or_known_default()?;
    match base.host()? {
        url::Host::Ipv4(ip) => Some(vec![SocketAddr::from((ip, port))]),
        url::Host::Ipv6(ip) => Some(vec![SocketAddr::from((ip, port))]),
        url::Host::Domain(name) if name.eq_ignore_ascii_case("localhost") => {
            use std::net::ToSocketAddrs as _;
            let found: Vec<SocketAddr> = ("localhost", port).to_socket_addrs().ok()?.collect();
            (!found.is_empty()).then_some(found)
        }
        url::Host::Domain(_) => None,
    }
}

/// Sends `spec` to `url` (already checked sendable) over a new connection to one of
/// `addresses`, and reads the answer as the library reader would.
pub fn exchange(
    addresses: &[SocketAddr],
    url: &Url,
    spec: &RequestSpec,
    limits: &ClientLimits,
) -> Result<Exchange, RequestError> {
    let started = Instant::now();
    let mut conn = Connection {
        stream: connect(addresses, url, limits, started)?,
        buffer: Vec::with_capacity(READ_SIZE),
        deadline: started + limits.timeout,
        timeout_ms: millis(limits.timeout),
    };
    conn.write(&request_bytes(url, spec))?;
    let (status, headers) = conn.read_head()?;
    let framing = framing(spec.method.as_str(), status, &headers)?;
    let cap = limits.max_body_bytes;
    let announced = match framing {
        Framing::Length(length) => Some(length),
        _ => None,
    };
    let mut body = CappedBody::new(cap, announced);
    match framing {
        Framing::None => {}
        Framing::Length(length) => conn.read_length(length, &mut body, status, true)?,
        Framing::Chunked => conn.read_chunked(&mut body, status)?,
        Framing::UntilClose => conn.read_to_close(&mut body, status)?,
    }
    // Dropping the connection here closes it, which also ends an endless body at the cap.
    drop(conn);
    let (body, truncated) = body.finish();
    let (mut body, truncated, content_coding) =
        crate::http::coding::decode(&headers, body, truncated, cap);
    give_back_unused(&mut body);
    Ok(Exchange {
        request: SentRequest {
            method: spec.method.as_str().to_owned(),
            url: url.to_string(),
            raw_path: path_and_query(url),
            headers: spec.headers.clone(),
        },
        status,
        headers,
        body,
        body_truncated: truncated,
        body_cap: cap,
        elapsed: started.elapsed(),
        time_limit: limits.max_response_time,
        wire: None,
        content_coding,
        parsed: Default::default(),
    })
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Connects to the first address that accepts, within the connect timeout and the deadline.
fn connect(
    addresses: &[SocketAddr],
    url: &Url,
    limits: &ClientLimits,
    started: Instant,
) -> Result<TcpStream, RequestError> {
    let origin = format!("{}/", url.origin().ascii_serialization());
    let budget = limits.connect_timeout.min(limits.timeout);
    let until = started + budget;
    let mut last = None;
    for address in addresses {
        let remaining = until.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(address, remaining) {
            Ok(stream) => {
                // As reqwest does: a request is one small write, sent at once.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(err) => last = Some(err),
        }
    }
    match last {
        Some(err) if !matches!(err.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
            Err(RequestError::Connect {
                url: origin,
                reason: err.to_string(),
            })
        }
        _ => Err(RequestError::ConnectTimeout {
            url: origin,
            timeout_ms: millis(budget),
            stage: "the TCP connection",
        }),
    }
}

/// The request as reqwest writes it for this client (the harness's `User-Agent`, `Accept:
/// */*`, the spec's headers, `Host`, and `Content-Length: 0` for a method that defines
/// content), and `Connection: close`: the connection is not reused, and RFC 9112 §9.6 has a
/// client say so. The answer is still read by its framing, never by waiting for the close,
/// so a server that keeps the connection open costs nothing.
fn request_bytes(url: &Url, spec: &RequestSpec) -> Vec<u8> {
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let path = path_and_query(url);
    let mut text = String::with_capacity(path.len() + 160);
    for part in [
        spec.method.as_str(),
        " ",
        &path,
        " HTTP/1.1\r\nuser-agent: mjconform/",
        env!("CARGO_PKG_VERSION"),
        "\r\naccept: */*\r\n",
    ] {
        text.push_str(part);
    }
    for (name, value) in &spec.headers {
        for part in [name.as_str(), ": ", value, "\r\n"] {
            text.push_str(part);
        }
    }
    if spec.method.announces_empty_body() {
        text.push_str("content-length: 0\r\n");
    }
    for part in ["host: ", &host, "\r\nconnection: close\r\n\r\n"] {
        text.push_str(part);
    }
    text.into_bytes()
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// How hyper delimits an answer's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// An answer to HEAD, a 204 or a 304: no body whatever the headers say.
    None,
    Length(u64),
    /// `Transfer-Encoding` ending in `chunked`.
    Chunked,
    /// No length, or a transfer coding other than chunked last: the body ends at the close.
    UntilClose,
}

fn framing(method: &str, status: u16, headers: &[(String, String)]) -> Result<Framing, RequestError> {
    if method == "HEAD" || status == 204 || status == 304 {
        return Ok(Framing::None);
    }
    let mut codings = headers
        .iter()
        .filter(|(name, _)| name == "transfer-encoding")
        .flat_map(|(_, value)| value.split(','))
        .map(str::trim)
        .filter(|coding| !coding.is_empty())
        .peekable();
    if codings.peek().is_some() {
        return Ok(match codings.last() {
            Some(last) if last.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            _ => Framing::UntilClose,
        });
    }
    match content_length(headers) {
        ContentLength::Absent => Ok(Framing::UntilClose),
        ContentLength::Valid(length) => Ok(Framing::Length(length)),
        // hyper refuses the whole answer.
        ContentLength::Invalid => Err(RequestError::Transport(
            "the answer is not HTTP/1.x (its Content-Length is not one number)".to_owned(),
        )),
    }
}

/// A connection and the bytes read from it but not consumed yet.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
    deadline: Instant,
    timeout_ms: u64,
}

impl Connection {
    fn remaining(&self) -> Option<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), RequestError> {
        let timeout = || RequestError::Timeout {
            timeout_ms: self.timeout_ms,
        };
        let remaining = self.remaining().ok_or_else(timeout)?;
        let _ = self.stream.set_write_timeout(Some(remaining));
        match self.stream.write_all(bytes) {
            Ok(()) => Ok(()),
            Err(err) if matches!(err.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                Err(timeout())
            }
            Err(err) => Err(RequestError::Transport(format!(
                "the request could not be written: {err}"
            ))),
        }
    }

    /// Reads more bytes into the buffer: the count read, 0 at the close.
    fn fill(&mut self) -> Result<usize, ReadFailure> {
        let remaining = self.remaining().ok_or(ReadFailure::Deadline)?;
        let _ = self.stream.set_read_timeout(Some(remaining));
        let start = self.buffer.len();
        self.buffer.resize(start + READ_SIZE, 0);
        let outcome = loop {
            match self.stream.read(&mut self.buffer[start..]) {
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match outcome {
            Ok(read) => {
                self.buffer.truncate(start + read);
                Ok(read)
            }
            Err(err) => {
                self.buffer.truncate(start);
                if matches!(err.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) {
                    Err(ReadFailure::Deadline)
                } else {
                    Err(ReadFailure::Io(err))
                }
            }
        }
    }

    fn body_failure(&self, failure: ReadFailure, status: u16, received: usize) -> RequestError {
        failure.body_error(self.timeout_ms, status, received)
    }

    /// The status and headers of the final answer (interim 1xx answers skipped), with
    /// repeated fields grouped under the first of their name, as `HeaderMap` gives them.
    fn read_head(&mut self) -> Result<(u16, Vec<(String, String)>), RequestError> {
        loop {
            let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut fields);
            match response.parse(&self.buffer) {
                Ok(httparse::Status::Complete(length)) => {
                    let status = response.code.unwrap_or_default();
                    let headers = grouped(response.headers);
                    self.buffer.drain(..length);
                    if (100..200).contains(&status) && status != 101 {
                        continue;
                    }
                    return Ok((status, headers));
                }
                Ok(httparse::Status::Partial) => {}
                Err(err) => {
                    return Err(RequestError::Transport(format!(
                        "the answer is not HTTP/1.x ({err})"
                    )))
                }
            }
            if self.buffer.len() > MAX_HEAD_BYTES {
                return Err(RequestError::Transport(format!(
                    "the answer is not HTTP/1.x (a header block longer than {MAX_HEAD_BYTES} bytes)"
                )));
            }
            match self.fill() {
                Ok(0) => {
                    return Err(RequestError::Transport(
                        "the server closed the connection without answering".to_owned(),
                    ))
                }
                Ok(_) => {}
                Err(ReadFailure::Deadline) => {
                    return Err(RequestError::Timeout {
                        timeout_ms: self.timeout_ms,
                    })
                }
                Err(ReadFailure::Io(err)) if err.kind() == ErrorKind::ConnectionReset => {
                    return Err(RequestError::Transport(format!(
                        "the connection was reset before the response headers arrived ({err})"
                    )))
                }
                Err(ReadFailure::Io(err)) => {
                    return Err(RequestError::Transport(format!(
                        "the connection broke before the response headers arrived ({err})"
                    )))
                }
            }
        }
    }

    /// Reads `length` body bytes. A close before they all arrive is an error when
    /// `announced` (hyper's "incomplete message"), the end of a chunk's data otherwise.
    fn read_length(
        &mut self,
        length: u64,
        body: &mut CappedBody,
        status: u16,
        announced: bool,
    ) -> Result<(), RequestError> {
        let mut remaining = length;
        let received_before = body.received();
        loop {
            let take = usize::try_from(remaining)
                .unwrap_or(usize::MAX)
                .min(self.buffer.len());
            let more = body.push(&self.buffer[..take]);
            self.buffer.drain(..take);
            remaining -= take as u64;
            if !more || remaining == 0 {
                return Ok(());
            }
            match self.fill() {
                Ok(0) => {
                    let received = body.received();
                    let reason = if announced {
                        format!(
                            "the connection closed after {} of the {length} bytes its Content-Length announced",
                            received - received_before
                        )
                    } else {
                        format!("the connection closed inside a chunk after {received} body bytes")
                    };
                    return Err(RequestError::Body { status, reason });
                }
                Ok(_) => {}
                Err(failure) => return Err(self.body_failure(failure, status, body.received())),
            }
        }
    }

    /// Reads a chunked body (RFC 9112 §7.1) and its trailers; a broken encoding is a body
    /// error, as hyper makes it.
    fn read_chunked(&mut self, body: &mut CappedBody, status: u16) -> Result<(), RequestError> {
        let broken = |what: String, received: usize| RequestError::Body {
            status,
            reason: format!("{what} after {received} body bytes"),
        };
        loop {
            let line = self.line(body, status)?;
            let Some(size) = line.as_deref().and_then(chunk_size) else {
                return Err(broken(
                    "a chunk size line is missing or not hexadecimal".to_owned(),
                    body.received(),
                ));
            };
            if size == 0 {
                loop {
                    match self.line(body, status)? {
                        Some(line) if line.is_empty() => return Ok(()),
                        Some(_) => {}
                        None => {
                            return Err(broken(
                                "the chunked body ended without its final empty line".to_owned(),
                                body.received(),
                            ))
                        }
                    }
                }
            }
            self.read_length(size, body, status, false)?;
            if body.is_truncated() {
                return Ok(());
            }
            match self.line(body, status)? {
                Some(line) if line.is_empty() => {}
                _ => {
                    return Err(broken(
                        format!("a chunk of {size} bytes is not followed by CRLF"),
                        body.received(),
                    ))
                }
            }
        }
    }

    /// One CRLF-ended line (without the CRLF); `None` at the close or past
    /// [`MAX_CHUNK_LINE`].
    fn line(&mut self, body: &CappedBody, status: u16) -> Result<Option<Vec<u8>>, RequestError> {
        // Where the search resumes after a read: one byte back, in case the CR came last.
        let mut from: usize = 0;
        loop {
            if let Some(end) = self.buffer[from..]
                .windows(2)
                .position(|pair| pair == b"\r\n")
            {
                let end = end + from;
                let line = self.buffer[..end].to_vec();
                self.buffer.drain(..end + 2);
                return Ok(Some(line));
            }
            from = self.buffer.len().saturating_sub(1);
            if self.buffer.len() > MAX_CHUNK_LINE {
                return Ok(None);
            }
            match self.fill() {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(failure) => return Err(self.body_failure(failure, status, body.received())),
            }
        }
    }

    /// Reads a body that ends at the close, up to the cap.
    fn read_to_close(&mut self, body: &mut CappedBody, status: u16) -> Result<(), RequestError> {
        loop {
            let more = body.push(&self.buffer);
            self.buffer.clear();
            if !more {
                return Ok(());
            }
            match self.fill() {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(failure) => return Err(self.body_failure(failure, status, body.received())),
            }
        }
    }
}

/// The size of a chunk from its size line (extensions after `;` ignored), if it is one.
fn chunk_size(line: &[u8]) -> Option<u64> {
    let size = line.split(|&byte| byte == b';').next()?;
    let size = std::str::from_utf8(size).ok()?.trim_matches([' ', '\t']);
    if size.is_empty() || !size.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(size, 16).ok()
}

/// Header fields with lowercase names, each name's fields together in the order its first
/// field arrived: the order `http::HeaderMap` iterates, so both readers list them alike.
fn grouped(fields: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::with_capacity(fields.len());
    let mut order: Vec<String> = Vec::with_capacity(fields.len());
    for field in fields {
        let name = field.name.to_ascii_lowercase();
        if !order.contains(&name) {
            order.push(name.clone());
        }
        headers.push((name, String::from_utf8_lossy(field.value).into_owned()));
    }
    if order.len() == headers.len() {
        return headers;
    }
    let mut sorted = Vec::with_capacity(headers.len());
    for name in &order {
        sorted.extend(headers.iter().filter(|(key, _)| key == name).cloned());
    }
    sorted
}

#[cfg(test)]
mod tests;
