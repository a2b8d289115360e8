//! One HTTP/1.1 exchange read off the socket, for what a library client hides.
//!
//! hyper (under reqwest) reads exactly the message its framing describes: it reads no body
//! after an answer to HEAD or a 204, stops at `Content-Length` and drops what follows, and
//! turns a body cut short into an error. That is right for a client, and it is why the
//! framing rules of RFC 9112 §6 cannot be judged from its view. This reader sends the same
//! request with `Connection: close`, reads the answer as bytes, and records where the
//! message ended by its own framing and what else arrived before the close
//! ([`WireFacts`]).
//!
//! It keeps the client's invariants: one deadline over connecting, the headers and every
//! read; a body cap (an oversized body keeps its first [`TRUNCATED_BODY_KEPT`] bytes); a
//! bounded header block; no redirect (a 3xx is an answer like any other). It speaks plain
//! HTTP only: an `https://` target is read by the library ([`crate::http::client::Reader`]).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use url::Url;

use crate::errors::RequestError;
use crate::http::body::ReadFailure;
use crate::http::exchange::{Exchange, SentRequest, WireFacts};
use crate::http::request::{ClientLimits, RequestSpec, TRUNCATED_BODY_KEPT};

/// The longest header block accepted; a longer one is refused, like hyper refuses one.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most header fields read from one answer.
const MAX_HEADERS: usize = 128;
/// The longest chunk-size or trailer line accepted in a chunked body.
const MAX_CHUNK_LINE: usize = 4096;
/// Bytes after the message are counted up to this, then reading stops: the count only has
/// to show that there were some.
const AFTER_MESSAGE_COUNTED: usize = 64 * 1024;
/// How long to wait for the close after a message ends. The request says `Connection:
/// close`, which a server MUST honour by closing after its answer (RFC 9112 §9.6), so a
/// conforming server closes at once; this bounds the wait on one that does not.
const CLOSE_GRACE: Duration = Duration::from_millis(1000);
/// Bytes read from the socket at a time.
const READ_SIZE: usize = 16 * 1024;

/// Sends `spec` to `url` over a fresh TCP connection and reads the answer off the wire.
pub async fn exchange(
    url: &Url,
    spec: &RequestSpec,
    limits: &ClientLimits,
) -> Result<Exchange, RequestError> {
    let started = Instant::now();
    let deadline = tokio::time::Instant::from_std(started + limits.timeout);
    let sent = SentRequest {
        method: spec.method.as_str().to_owned(),
        url: url.to_string(),
        raw_path: path_and_query(url),
        headers: spec.headers.clone(),
    };
    let stream = connect(url, limits, deadline).await?;
    let mut conn = Connection {
        stream,
        buffer: Vec::with_capacity(READ_SIZE),
        deadline,
        timeout_ms: u64::try_from(limits.timeout.as_millis()).unwrap_or(u64::MAX),
    };
    conn.write(&request_bytes(url, spec)).await?;
    let head = conn.read_head().await?;
    let status = head.status;
    let framing = framing(spec.method.as_str(), status, &head.headers);
    let cap = limits.max_body_bytes;
    let mut facts = WireFacts::default();
    let mut body = Body::new(cap, &framing);
    let message_ended = match framing {
        Framing::None => true,
        Framing::Length(length) => {
            let complete = conn.read_length(length, &mut body, status).await?;
            if !complete && !body.truncated {
                facts.short_of = Some(length);
            }
            complete
        }
        Framing::Chunked => match conn.read_chunked(&mut body, status).await? {
            Ok(()) => true,
            Err(problem) => {
                facts.chunk_error = Some(problem);
                false
            }
        },
        Framing::UntilClose => {
            conn.read_to_close(&mut body, status).await?;
            false
        }
    };
    if message_ended && !body.truncated {
        let (counted, closed) = conn.count_until_close().await;
        facts.bytes_after_message = counted;
        facts.closed_after_message = closed;
        facts.close_wait_ms = u64::try_from(CLOSE_GRACE.as_millis()).unwrap_or(u64::MAX);
    }
    facts.body_received = body.bytes.len();
    let (body, truncated) = body.finish();
    let (body, truncated, content_coding) =
        crate::http::coding::decode(&head.headers, body, truncated, cap);
    Ok(Exchange {
        request: sent,
        status,
        headers: head.headers,
        body,
        body_truncated: truncated,
        body_cap: cap,
        elapsed: started.elapsed(),
        time_limit: limits.max_response_time,
        wire: Some(facts),
        content_coding,
        parsed: Default::default(),
    })
}

/// How the answer's body is delimited, by RFC 9112 §6.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body whatever the headers say: an answer to HEAD, 1xx, 204, 304 (§6.3 item 1).
    None,
    /// `Content-Length` (item 5).
    Length(u64),
    /// `Transfer-Encoding` ending in `chunked` (item 4).
    Chunked,
    /// Up to the close: no length, another transfer coding, or an unusable `Content-Length`
    /// (which the `honest_framing` check reports from the headers).
    UntilClose,
}

fn framing(method: &str, status: u16, headers: &[(String, String)]) -> Framing {
    if method == "HEAD" || status < 200 || status == 204 || status == 304 {
        return Framing::None;
    }
    let values = |name: &str| -> Vec<&str> {
        headers
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .collect()
    };
    let codings = values("transfer-encoding");
    if !codings.is_empty() {
        return match codings.last() {
            Some(last) if last.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            _ => Framing::UntilClose,
        };
    }
    match content_length(headers) {
        ContentLength::Absent | ContentLength::Invalid => Framing::UntilClose,
        ContentLength::Valid(length) => Framing::Length(length),
    }
}

/// What the `Content-Length` fields of a message say together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentLength {
    Absent,
    /// One decimal value (repeated identically at most, which RFC 9110 §8.6 lets a
    /// recipient accept).
    Valid(u64),
    /// Not a decimal number, or different values.
    Invalid,
}

/// The `Content-Length` of `headers` (names lowercase), read as RFC 9110 §8.6 defines it.
pub fn content_length(headers: &[(String, String)]) -> ContentLength {
    let mut seen: Option<u64> = None;
    for (_, value) in headers.iter().filter(|(key, _)| key == "content-length") {
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return ContentLength::Invalid;
            }
            let Ok(length) = part.parse::<u64>() else {
                return ContentLength::Invalid;
            };
            if seen.is_some_and(|earlier| earlier != length) {
                return ContentLength::Invalid;
            }
            seen = Some(length);
        }
    }
    seen.map_or(ContentLength::Absent, ContentLength::Valid)
}

/// The body as it arrives, held to the cap.
struct Body {
    bytes: Vec<u8>,
    cap: usize,
    truncated: bool,
}

impl Body {
    fn new(cap: usize, framing: &Framing) -> Body {
        let reserve = match framing {
            Framing::Length(length) => usize::try_from(*length).unwrap_or(usize::MAX),
            _ => READ_SIZE,
        };
        Body {
            bytes: Vec::with_capacity(reserve.min(cap).min(READ_SIZE * 4)),
            cap,
            truncated: false,
        }
    }

    /// Appends `chunk`; false once the cap is passed (the body is then truncated).
    fn push(&mut self, chunk: &[u8]) -> bool {
        let room = self.cap - self.bytes.len();
        if chunk.len() > room {
            self.bytes.extend_from_slice(&chunk[..room]);
            self.truncated = true;
            return false;
        }
        self.bytes.extend_from_slice(chunk);
        true
    }

    fn finish(mut self) -> (Vec<u8>, bool) {
        if self.truncated {
            self.bytes.truncate(TRUNCATED_BODY_KEPT.min(self.cap));
            self.bytes.shrink_to_fit();
        }
        (self.bytes, self.truncated)
    }
}

/// The status line and headers of the final answer.
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
}

/// A connection and the bytes read from it but not consumed yet.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
    deadline: tokio::time::Instant,
    timeout_ms: u64,
}

impl Connection {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), RequestError> {
        match tokio::time::timeout_at(self.deadline, self.stream.write_all(bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(RequestError::Transport(format!(
                "the request could not be written: {err}"
            ))),
            Err(_) => Err(self.timeout()),
        }
    }

    /// Reads more bytes into the buffer, until `until`: the count read, 0 at the close.
    async fn fill(&mut self, until: tokio::time::Instant) -> Result<usize, ReadFailure> {
        let mut chunk = [0u8; READ_SIZE];
        match tokio::time::timeout_at(until, self.stream.read(&mut chunk)).await {
            Ok(Ok(read)) => {
                self.buffer.extend_from_slice(&chunk[..read]);
                Ok(read)
            }
            Ok(Err(err)) => Err(ReadFailure::Io(err)),
            Err(_) => Err(ReadFailure::Deadline),
        }
    }

    fn timeout(&self) -> RequestError {
        RequestError::Timeout {
            timeout_ms: self.timeout_ms,
        }
    }

    fn body_failure(&self, failure: ReadFailure, status: u16, received: usize) -> RequestError {
        failure.body_error(self.timeout_ms, status, received)
    }

    /// Reads the status line and headers, skipping interim (1xx) answers.
    async fn read_head(&mut self) -> Result<Head, RequestError> {
        loop {
            let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut fields);
            match response.parse(&self.buffer) {
                Ok(httparse::Status::Complete(length)) => {
                    let status = response.code.unwrap_or_default();
                    let headers = response
                        .headers
                        .iter()
                        .map(|field| {
                            (
                                field.name.to_ascii_lowercase(),
                                String::from_utf8_lossy(field.value).into_owned(),
                            )
                        })
                        .collect();
                    self.buffer.drain(..length);
                    // 101 would switch protocols; the harness never asks to, so it is final.
                    if (100..200).contains(&status) && status != 101 {
                        continue;
                    }
                    return Ok(Head { status, headers });
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
                    "the header block is longer than {MAX_HEAD_BYTES} bytes"
                )));
            }
            match self.fill(self.deadline).await {
                Ok(0) if self.buffer.is_empty() => {
                    return Err(RequestError::Transport(
                        "the server closed the connection without answering".to_owned(),
                    ))
                }
                Ok(0) => {
                    return Err(RequestError::Transport(
                        "the connection closed inside the header block".to_owned(),
                    ))
                }
                Ok(_) => {}
                Err(ReadFailure::Deadline) => return Err(self.timeout()),
                Err(ReadFailure::Io(err)) => {
                    return Err(RequestError::Transport(format!(
                        "the connection broke before the response headers arrived ({err})"
                    )))
                }
            }
        }
    }

    /// Reads a body of `length` bytes: true if it all arrived (or the cap was reached),
    /// false if the connection closed first.
    async fn read_length(
        &mut self,
        length: u64,
        body: &mut Body,
        status: u16,
    ) -> Result<bool, RequestError> {
        let mut remaining = length;
        loop {
            let take = usize::try_from(remaining)
                .unwrap_or(usize::MAX)
                .min(self.buffer.len());
            let chunk: Vec<u8> = self.buffer.drain(..take).collect();
            remaining -= take as u64;
            if !body.push(&chunk) {
                return Ok(true);
            }
            if remaining == 0 {
                return Ok(true);
            }
            match self.fill(self.deadline).await {
                Ok(0) => return Ok(false),
                Ok(_) => {}
                Err(failure) => return Err(self.body_failure(failure, status, body.bytes.len())),
            }
        }
    }

    /// Reads a chunked body (RFC 9112 §7.1) and its trailers. The inner error names how the
    /// encoding broke; reading stops there.
    async fn read_chunked(
        &mut self,
        body: &mut Body,
        status: u16,
    ) -> Result<Result<(), String>, RequestError> {
        loop {
            let line = match self.line(body, status).await? {
                Some(line) => line,
                None => return Ok(Err("the connection closed inside the chunked body".into())),
            };
            let size_text = line.split(|&b| b == b';').next().unwrap_or_default();
            let size_text = String::from_utf8_lossy(size_text).trim().to_owned();
            let Ok(size) = u64::from_str_radix(&size_text, 16) else {
                return Ok(Err(format!(
                    "`{}` is not a chunk size",
                    crate::http::exchange::excerpt(&size_text, 40)
                )));
            };
            if size == 0 {
                // Trailer fields, up to the empty line that ends the message.
                loop {
                    match self.line(body, status).await? {
                        Some(line) if line.is_empty() => return Ok(Ok(())),
                        Some(_) => {}
                        None => {
                            return Ok(Err("the connection closed before the chunked body's \
                                           final empty line"
                                .into()))
                        }
                    }
                }
            }
            if !self.read_length(size, body, status).await? {
                return Ok(Err(format!(
                    "the connection closed inside a chunk of {size} bytes"
                )));
            }
            if body.truncated {
                return Ok(Ok(()));
            }
            match self.line(body, status).await? {
                Some(line) if line.is_empty() => {}
                Some(_) => {
                    return Ok(Err(format!(
                        "a chunk of {size} bytes is longer than its size says"
                    )))
                }
                None => return Ok(Err("the connection closed after a chunk's data".into())),
            }
        }
    }

    /// One CRLF-ended line (without the CRLF); `None` at the close or past
    /// [`MAX_CHUNK_LINE`].
    async fn line(&mut self, body: &Body, status: u16) -> Result<Option<Vec<u8>>, RequestError> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|pair| pair == b"\r\n") {
                let line: Vec<u8> = self.buffer.drain(..end + 2).take(end).collect();
                return Ok(Some(line));
            }
            if self.buffer.len() > MAX_CHUNK_LINE {
                return Ok(None);
            }
            match self.fill(self.deadline).await {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(failure) => return Err(self.body_failure(failure, status, body.bytes.len())),
            }
        }
    }

    /// Reads a body that ends at the close, up to the cap.
    async fn read_to_close(&mut self, body: &mut Body, status: u16) -> Result<(), RequestError> {
        loop {
            let chunk = std::mem::take(&mut self.buffer);
            if !body.push(&chunk) {
                return Ok(());
            }
            match self.fill(self.deadline).await {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(failure) => return Err(self.body_failure(failure, status, body.bytes.len())),
            }
        }
    }

    /// Counts the bytes after the message until the close, within [`CLOSE_GRACE`] and the
    /// deadline, up to [`AFTER_MESSAGE_COUNTED`]. A failed read ends the count: what it
    /// measures is what arrived.
    ///
    /// Also says whether the connection closed within that wait: `Some(false)` when the wait
    /// ran out with the connection open (and the request deadline had not cut it short),
    /// `None` when the count stopped first.
    async fn count_until_close(&mut self) -> (usize, Option<bool>) {
        let grace_end = tokio::time::Instant::now() + CLOSE_GRACE;
        let until = self.deadline.min(grace_end);
        let mut counted = self.buffer.len();
        self.buffer.clear();
        let mut closed = None;
        while counted < AFTER_MESSAGE_COUNTED {
            match self.fill(until).await {
                // A reset is a close too.
                Ok(0) | Err(ReadFailure::Io(_)) => {
                    closed = Some(true);
                    break;
                }
                Err(ReadFailure::Deadline) => {
                    closed = (until == grace_end).then_some(false);
                    break;
                }
                Ok(read) => {
                    counted += read;
                    self.buffer.clear();
                }
            }
        }
        (counted.min(AFTER_MESSAGE_COUNTED), closed)
    }
}

/// Connects to the URL's host and port within the connect timeout and the deadline.
async fn connect(
    url: &Url,
    limits: &ClientLimits,
    deadline: tokio::time::Instant,
) -> Result<TcpStream, RequestError> {
    let origin = url.origin().ascii_serialization();
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let until = deadline.min(tokio::time::Instant::now() + limits.connect_timeout);
    match tokio::time::timeout_at(until, TcpStream::connect((host.as_str(), port))).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(err)) => Err(RequestError::Connect {
            url: format!("{origin}/"),
            reason: err.to_string(),
        }),
        Err(_) => Err(RequestError::ConnectTimeout {
            url: format!("{origin}/"),
            timeout_ms: u64::try_from(limits.connect_timeout.as_millis()).unwrap_or(u64::MAX),
            stage: "the TCP connection",
        }),
    }
}

/// The request as bytes: the method, the path as given, `Host`, the harness's own
/// `User-Agent`, `Connection: close` and the spec's headers (already checked to be
/// sendable), with `Content-Length: 0` for a method that defines content.
fn request_bytes(url: &Url, spec: &RequestSpec) -> Vec<u8> {
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let mut text = format!(
        "{} {} HTTP/1.1\r\nhost: {host}\r\nuser-agent: mjconform/{}\r\naccept: */*\r\nconnection: close\r\n",
        spec.method.as_str(),
        path_and_query(url),
        env!("CARGO_PKG_VERSION"),
    );
    if spec.method.announces_empty_body() {
        text.push_str("content-length: 0\r\n");
    }
    for (name, value) in &spec.headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn content_length_is_read_as_rfc_9110_defines_it() {
        assert_eq!(content_length(&headers(&[])), ContentLength::Absent);
        assert_eq!(
            content_length(&headers(&[("content-length", "42")])),
            ContentLength::Valid(42)
        );
        assert_eq!(
            content_length(&headers(&[("content-length", "42, 42")])),
            ContentLength::Valid(42)
        );
        for bad in ["-1", "4 2", "0x10", "", "42, 43", "99999999999999999999999"] {
            assert_eq!(
                content_length(&headers(&[("content-length", bad)])),
                ContentLength::Invalid,
                "{bad}"
            );
        }
        assert_eq!(
            content_length(&headers(&[
                ("content-length", "1"),
                ("content-length", "2")
            ])),
            ContentLength::Invalid
        );
    }

    #[test]
    fn framing_follows_rfc_9112_section_6_3() {
        let chunked = headers(&[
            ("transfer-encoding", "gzip, chunked"),
            ("content-length", "3"),
        ]);
        assert_eq!(framing("GET", 200, &chunked), Framing::Chunked);
        assert_eq!(framing("HEAD", 200, &chunked), Framing::None);
        assert_eq!(framing("GET", 204, &chunked), Framing::None);
        assert_eq!(framing("GET", 304, &chunked), Framing::None);
        let gzip_only = headers(&[("transfer-encoding", "gzip")]);
        assert_eq!(framing("GET", 200, &gzip_only), Framing::UntilClose);
        let length = headers(&[("content-length", "3")]);
        assert_eq!(framing("GET", 200, &length), Framing::Length(3));
        assert_eq!(framing("GET", 200, &[]), Framing::UntilClose);
    }

    #[test]
    fn the_request_closes_the_connection_and_announces_empty_content() {
        let url = Url::parse("http://127.0.0.1:8080/mj/task/1/fetch").unwrap();
        let mut spec = RequestSpec::get("/mj/task/1/fetch", vec![("x-a".into(), "b".into())]);
        spec.method = crate::http::request::Method::Post;
        let text = String::from_utf8(request_bytes(&url, &spec)).unwrap();
        assert!(text.starts_with("POST /mj/task/1/fetch HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n"));
        assert!(text.contains("connection: close\r\n"));
        assert!(text.contains("content-length: 0\r\n"));
        assert!(text.ends_with("x-a: b\r\n\r\n"));
    }
}
