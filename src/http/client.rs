//! The HTTP client to the target: one `reqwest::Client` per run, with a timeout on every
//! request, a cap on every body, and no redirects (a 3xx is an undocumented status, and
//! following one could carry the key to another origin).

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::errors::RequestError;
use crate::http::body::{give_back_unused, CappedBody};
use crate::http::exchange::{Exchange, SentRequest};

// The request's vocabulary lives in `request.rs`, below both readers of answers (this
// client and the wire reader), so neither has to import the other for it.
pub use crate::http::request::{
    encode_path_segment, ClientLimits, Method, Reader, RequestSpec, TRUNCATED_BODY_KEPT,
};

/// How long past the request deadline the outer guard waits before giving up on its
/// own. reqwest's timeout normally fires first; the guard only matters if some code
/// path (a name lookup, a future that never wakes) ignores it.
const DEADLINE_GUARD: Duration = Duration::from_millis(500);

/// The client to one target.
#[derive(Debug, Clone)]
pub struct TargetClient {
    http: reqwest::Client,
    base: Url,
    limits: ClientLimits,
    /// Where [`TargetClient::send_blocking`] connects: a plain `http` target named by an
    /// address or `localhost` (see [`crate::http::blocking::addresses_for`]).
    blocking: Option<std::sync::Arc<[std::net::SocketAddr]>>,
}

impl TargetClient {
    /// A client for `base` (scheme, host, port and an optional path prefix).
    ///
    /// Besides the deadlines: no redirects (a 3xx is judged as it is, and following one
    /// could carry the key to another origin); no connection reuse, so a server that lies
    /// about `Content-Length` cannot make its leftover bytes the next request's answer;
    /// no automatic retries, so every request on the wire is one the run counted; and no
    /// decompression in reqwest (built without gzip, brotli, deflate and zstd, it sends no
    /// `Accept-Encoding`): a coded body is read under the cap as the bytes it is, then
    /// decoded under the cap again by [`crate::http::coding`], for both readers alike.
    pub fn new(base: Url, limits: ClientLimits) -> Result<Self, RequestError> {
        let mut builder = reqwest::Client::builder();
        if base.scheme() == "http" {
            // A plain-http target never needs a certificate (no redirect is followed to an
            // https one): without this, building the client reads and parses every root
            // certificate on the machine, a few milliseconds and several hundred KiB a run.
            builder = builder.tls_certs_only(Vec::new());
        }
        let http = builder
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .pool_max_idle_per_host(0)
            .timeout(limits.timeout)
            .connect_timeout(limits.connect_timeout)
            .no_proxy()
            .user_agent(concat!("mjconform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| RequestError::Build(error_chain(&err)))?;
        let blocking = crate::http::blocking::addresses_for(&base).map(Into::into);
        Ok(TargetClient {
            http,
            base,
            limits,
            blocking,
        })
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn limits(&self) -> &ClientLimits {
        &self.limits
    }

    /// The URL for a raw path: the base's own path prefix is kept, so a target served under
    /// `https://relay.example/api/` gets `/api/mj/task/{id}/fetch`.
    pub fn url_for(&self, raw_path: &str) -> String {
        let origin = self.base.origin().ascii_serialization();
        let prefix = self.base.path().trim_end_matches('/');
        format!("{origin}{prefix}{raw_path}")
    }

    /// Sends the request and reads the answer, by the library or (for [`Reader::Wire`] on an
    /// `http://` target) off the socket. Never follows a redirect; one deadline and the body
    /// cap hold either way.
    pub async fn send(&self, spec: &RequestSpec) -> Result<Exchange, RequestError> {
        if spec.reader == Reader::Wire && self.base.scheme() == "http" {
            let url = self.url_for(&spec.raw_path);
            let parsed =
                Url::parse(&url).map_err(|err| RequestError::Build(format!("{url}: {err}")))?;
            // The same validation as the library's, so no header can smuggle a line break.
            sendable_headers(&spec.headers)?;
            return crate::http::wire::exchange(&parsed, spec, &self.limits).await;
        }
        self.send_by_library(spec).await
    }

    /// Whether [`TargetClient::send_blocking`] can send `spec`: a request read by the
    /// library, to a plain `http` target it can connect to without a name lookup.
    pub fn sends_blocking(&self, spec: &RequestSpec) -> bool {
        spec.reader == Reader::Library && self.blocking.is_some()
    }

    /// Sends the request over a blocking socket from the calling thread and reads the
    /// answer as [`TargetClient::send`] reads it (see [`crate::http::blocking`]), for sender
    /// threads that wait on one request at a time. Falls back to nothing: callers ask
    /// [`TargetClient::sends_blocking`] first.
    pub fn send_blocking(&self, spec: &RequestSpec) -> Result<Exchange, RequestError> {
        let Some(addresses) = &self.blocking else {
            return Err(RequestError::Build(
                "this target is not sent to over a blocking socket".to_owned(),
            ));
        };
        let url = self.url_for(&spec.raw_path);
        let parsed =
            Url::parse(&url).map_err(|err| RequestError::Build(format!("{url}: {err}")))?;
        sendable_headers(&spec.headers)?;
        crate::http::blocking::exchange(addresses, &parsed, spec, &self.limits)
    }

    /// Sends the request through reqwest and reads the body up to the cap.
    ///
    /// Ends within the timeout (plus [`DEADLINE_GUARD`]) whatever the server does: one
    /// deadline covers connecting, the headers and every body chunk, so a server that
    /// drips a byte a second is cut off like one that never answers.
    async fn send_by_library(&self, spec: &RequestSpec) -> Result<Exchange, RequestError> {
        let url = self.url_for(&spec.raw_path);
        let parsed =
            Url::parse(&url).map_err(|err| RequestError::Build(format!("{url}: {err}")))?;
        let mut headers = sendable_headers(&spec.headers)?;
        if spec.method.announces_empty_body() {
            headers.insert(
                reqwest::header::CONTENT_LENGTH,
                HeaderValue::from_static("0"),
            );
        }
        let sent = SentRequest {
            method: spec.method.as_str().to_owned(),
            url: parsed.to_string(),
            raw_path: path_and_query(&parsed),
            headers: spec.headers.clone(),
        };
        let started = Instant::now();
        let guard = tokio::time::Instant::from_std(started + self.limits.timeout + DEADLINE_GUARD);
        let request = self
            .http
            .request(spec.method.to_reqwest(), parsed)
            .headers(headers)
            .send();
        let mut response = match tokio::time::timeout_at(guard, request).await {
            Ok(Ok(response)) => response,
            Ok(Err(err)) => return Err(self.classify_send(&err)),
            Err(_) => return Err(self.timeout()),
        };
        let status = response.status().as_u16();
        let response_headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        let announced = response.content_length();
        let cap = self.limits.max_body_bytes;
        let mut body = CappedBody::new(cap, announced);
        // Stream the body so memory stays near the cap whatever the server sends.
        loop {
            let chunk = match tokio::time::timeout_at(guard, response.chunk()).await {
                Ok(Ok(Some(chunk))) => chunk,
                Ok(Ok(None)) => break,
                Ok(Err(err)) => {
                    return Err(self.classify_body(&err, status, body.received(), announced))
                }
                Err(_) => return Err(self.body_timeout(status, body.received())),
            };
            // Past the cap, or (announced too long) at what is kept: stop reading.
            if !body.push(&chunk) {
                break;
            }
        }
        // Dropping the response here closes the connection, which also stops an endless
        // body at the cap.
        drop(response);
        let (body, truncated) = body.finish();
        let (mut body, truncated, content_coding) =
            crate::http::coding::decode(&response_headers, body, truncated, cap);
        give_back_unused(&mut body);
        Ok(Exchange {
            request: sent,
            status,
            headers: response_headers,
            body,
            body_truncated: truncated,
            body_cap: cap,
            elapsed: started.elapsed(),
            time_limit: self.limits.max_response_time,
            wire: None,
            content_coding,
            parsed: Default::default(),
        })
    }

    fn timeout_ms(&self) -> u64 {
        u64::try_from(self.limits.timeout.as_millis()).unwrap_or(u64::MAX)
    }

    fn timeout(&self) -> RequestError {
        RequestError::Timeout {
            timeout_ms: self.timeout_ms(),
        }
    }

    fn body_timeout(&self, status: u16, received: usize) -> RequestError {
        RequestError::BodyTimeout {
            timeout_ms: self.timeout_ms(),
            status,
            received,
        }
    }

    /// Names what went wrong before the response headers arrived.
    fn classify_send(&self, err: &reqwest::Error) -> RequestError {
        let url = self.base.to_string();
        if err.is_connect() {
            if err.is_timeout() {
                let timeout_ms = self.limits.connect_timeout.as_millis();
                let stage = if self.base.scheme() == "https" {
                    "the TCP connection and TLS handshake"
                } else {
                    "the TCP connection"
                };
                return RequestError::ConnectTimeout {
                    url,
                    timeout_ms: u64::try_from(timeout_ms).unwrap_or(u64::MAX),
                    stage,
                };
            }
            // A TCP connection that was refused or never routed fails with an OS error;
            // anything else while connecting to an `https` target happened in the TLS
            // handshake (rustls reports through `InvalidData` and `UnexpectedEof`).
            if self.base.scheme() == "https" && !is_tcp_failure(err) {
                return RequestError::Tls {
                    url,
                    reason: error_chain(err),
                };
            }
            return RequestError::Connect {
                url,
                reason: error_chain(err),
            };
        }
        if err.is_timeout() {
            return self.timeout();
        }
        RequestError::Transport(describe_early_close(err))
    }

    /// Names what went wrong while the body was arriving.
    fn classify_body(
        &self,
        err: &reqwest::Error,
        status: u16,
        received: usize,
        announced: Option<u64>,
    ) -> RequestError {
        if err.is_timeout() {
            return self.body_timeout(status, received);
        }
        let reason = if has_io_kind(err, std::io::ErrorKind::ConnectionReset) {
            format!("the connection was reset after {received} body bytes")
        } else if let Some(length) = announced.filter(|length| (received as u64) < *length) {
            format!(
                "the connection closed after {received} of the {length} bytes its Content-Length announced ({})",
                error_chain(err)
            )
        } else {
            format!("{} after {received} body bytes", error_chain(err))
        };
        RequestError::Body { status, reason }
    }
}

/// The request headers as a `HeaderMap`, refusing a name or value that cannot be sent as it
/// is (a line break in a value would start another header).
pub(crate) fn sendable_headers(headers: &[(String, String)]) -> Result<HeaderMap, RequestError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| RequestError::Build(format!("header name `{name}` is not sendable")))?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            RequestError::Build(format!("the value of header `{name}` is not sendable"))
        })?;
        map.append(name, value);
    }
    Ok(map)
}

/// Whether a connect error is about TCP itself (refused, unreachable, reset during the
/// handshake, name resolution), as opposed to TLS.
fn is_tcp_failure(err: &reqwest::Error) -> bool {
    use std::io::ErrorKind;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.raw_os_error().is_some()
                || matches!(
                    io.kind(),
                    ErrorKind::ConnectionRefused
                        | ErrorKind::AddrNotAvailable
                        | ErrorKind::HostUnreachable
                        | ErrorKind::NetworkUnreachable
                )
            {
                return true;
            }
        }
        source = cause.source();
    }
    // A name that did not resolve is reported by the resolver, not as an io error.
    error_chain(err).contains("dns error")
}

/// Whether an io error of `kind` is among the causes of `err`.
fn has_io_kind(err: &reqwest::Error, kind: std::io::ErrorKind) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The error chain, with the two cases a hostile server produces most often named in
/// words: a connection closed before any answer, and bytes that are not HTTP.
fn describe_early_close(err: &reqwest::Error) -> String {
    let chain = error_chain(err);
    if has_io_kind(err, std::io::ErrorKind::ConnectionReset) {
        format!("the connection was reset before the response headers arrived ({chain})")
    } else if chain.contains("connection closed before message completed") {
        format!("the server closed the connection without answering ({chain})")
    } else if chain.contains("invalid HTTP") || chain.contains("parse") {
        format!("the answer is not HTTP/1.x ({chain})")
    } else {
        chain
    }
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The error and its causes on one line: reqwest's top-level message alone ("error
/// sending request") does not say what went wrong.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_encoded_as_one_segment() {
        assert_eq!(encode_path_segment("1747132423020537"), "1747132423020537");
        assert_eq!(encode_path_segment("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(encode_path_segment("%2F"), "%252F");
        assert_eq!(encode_path_segment("../x"), "..%2Fx");
        assert_eq!(encode_path_segment("a.b"), "a.b");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment(""), "");
    }

    #[test]
    fn url_keeps_the_base_path_prefix() {
        let client = TargetClient::new(
            Url::parse("http://127.0.0.1:9/api/").unwrap(),
            ClientLimits::default(),
        )
        .unwrap();
        assert_eq!(
            client.url_for("/mj/task/1/fetch"),
            "http://127.0.0.1:9/api/mj/task/1/fetch"
        );
        let bare = TargetClient::new(
            Url::parse("http://127.0.0.1:9").unwrap(),
            ClientLimits::default(),
        )
        .unwrap();
        assert_eq!(
            bare.url_for("/mj/task/1/fetch"),
            "http://127.0.0.1:9/mj/task/1/fetch"
        );
    }

    #[test]
    fn dot_segment_ids_are_resolved_by_the_url_parser() {
        // Documented limitation: the recorded raw path is what the server really gets.
        let url = Url::parse(&format!(
            "http://127.0.0.1:9/mj/task/{}/fetch",
            encode_path_segment("..")
        ))
        .unwrap();
        assert_eq!(url.path(), "/mj/fetch");
        let odd = Url::parse(&format!(
            "http://127.0.0.1:9/mj/task/{}/fetch",
            encode_path_segment("../x y")
        ))
        .unwrap();
        assert_eq!(odd.path(), "/mj/task/..%2Fx%20y/fetch");
    }
}
