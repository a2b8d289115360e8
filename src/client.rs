//! The HTTP client to the target: one `reqwest::Client` per run, with a timeout on every
//! request, a cap on every body, and no redirects (a 3xx is an undocumented status, and
//! following one could carry the key to another origin).

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::errors::RequestError;
use crate::exchange::{Exchange, SentRequest};

/// Limits that apply to every request of a run.
#[derive(Debug, Clone)]
pub struct ClientLimits {
    /// Whole-request deadline: connect, headers and body.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Reading stops after this many body bytes.
    pub max_body_bytes: usize,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 8 * 1024 * 1024,
        }
    }
}

/// One request to make: the raw path (already encoded) and the headers to send.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestSpec {
    pub raw_path: String,
    pub headers: Vec<(String, String)>,
}

/// Percent-encodes a task id as one path segment, so the server decodes exactly the id
/// that was meant: everything but RFC 3986 unreserved characters is encoded.
///
/// The ids `.` and `..` cannot travel as a segment at all: RFC 3986 makes `%2E` equal to
/// `.`, and URL parsers remove dot segments, so `/mj/task/../fetch` becomes `/mj/fetch`.
/// The exchange records the path actually sent, so a report shows that.
pub fn encode_path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
        if unreserved {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The client to one target.
#[derive(Debug, Clone)]
pub struct TargetClient {
    http: reqwest::Client,
    base: Url,
    limits: ClientLimits,
}

impl TargetClient {
    /// A client for `base` (scheme, host, port and an optional path prefix).
    pub fn new(base: Url, limits: ClientLimits) -> Result<Self, RequestError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.timeout)
            .connect_timeout(limits.connect_timeout)
            .no_proxy()
            .user_agent(concat!("mjconform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| RequestError::Build(err.to_string()))?;
        Ok(TargetClient { http, base, limits })
    }

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

    /// Sends a GET and reads the body up to the cap. Never follows a redirect.
    pub async fn get(&self, spec: &RequestSpec) -> Result<Exchange, RequestError> {
        let url = self.url_for(&spec.raw_path);
        let parsed =
            Url::parse(&url).map_err(|err| RequestError::Build(format!("{url}: {err}")))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &spec.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                RequestError::Build(format!("header name `{name}` is not sendable"))
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                RequestError::Build(format!("the value of header `{name}` is not sendable"))
            })?;
            headers.append(name, value);
        }
        let sent = SentRequest {
            method: "GET".to_owned(),
            url: parsed.to_string(),
            raw_path: path_and_query(&parsed),
            headers: spec.headers.clone(),
        };
        let started = Instant::now();
        // reqwest's timeout covers connect, headers and body; the outer one is a second
        // guard so that no code path can wait longer than the deadline plus a little.
        let deadline = self.limits.timeout + Duration::from_millis(500);
        let outcome = tokio::time::timeout(deadline, self.exchange(parsed, headers)).await;
        let (status, response_headers, body, body_truncated) = match outcome {
            Ok(result) => result?,
            Err(_) => {
                return Err(RequestError::Timeout {
                    timeout_ms: self.limits.timeout.as_millis() as u64,
                })
            }
        };
        Ok(Exchange {
            request: sent,
            status,
            headers: response_headers,
            body,
            body_truncated,
            elapsed: started.elapsed(),
        })
    }

    async fn exchange(
        &self,
        url: Url,
        headers: HeaderMap,
    ) -> Result<(u16, Vec<(String, String)>, Vec<u8>, bool), RequestError> {
        let mut response = self
            .http
            .get(url)
            .headers(headers)
            .send()
            .await
            .map_err(|err| self.classify(err))?;
        let status = response.status().as_u16();
        let response_headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        let cap = self.limits.max_body_bytes;
        let mut body = Vec::new();
        let mut truncated = false;
        // Stream the body so memory stays near the cap whatever the server sends.
        while let Some(chunk) = response.chunk().await.map_err(|err| self.classify(err))? {
            let room = cap - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, response_headers, body, truncated))
    }

    fn classify(&self, err: reqwest::Error) -> RequestError {
        if err.is_timeout() {
            RequestError::Timeout {
                timeout_ms: self.limits.timeout.as_millis() as u64,
            }
        } else if err.is_connect() {
            RequestError::Connect {
                url: self.base.to_string(),
                reason: error_chain(&err),
            }
        } else {
            RequestError::Transport(error_chain(&err))
        }
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
