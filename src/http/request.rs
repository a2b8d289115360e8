//! A request as data, before any client sends it: the run's limits, what to send, which
//! reader reads the answer, and how a task id travels as one path segment.

use std::time::Duration;

/// Limits that apply to every request of a run.
#[derive(Debug, Clone)]
pub struct ClientLimits {
    /// Whole-request deadline: connect, headers and body.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Reading stops after this many body bytes.
    pub max_body_bytes: usize,
    /// `--max-response-time`: recorded on each exchange for the `max_response_time` check;
    /// it does not cut the request short (the timeout does).
    pub max_response_time: Option<Duration>,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            // A task is a few KiB; 8 MiB leaves room for any real answer. The cap bounds
            // memory per request in flight; the fuzzer sheds the bodies no schema reads.
            max_body_bytes: 8 * 1024 * 1024,
            max_response_time: None,
        }
    }
}

/// One request to make: the method, the raw path (already encoded) and the headers to send.
/// Every request goes without a body: the harness only ever asks, even with an unsafe method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestSpec {
    pub raw_path: String,
    pub headers: Vec<(String, String)>,
    /// GET for everything but the probes of HTTP's own method rules.
    pub method: Method,
    /// How the answer is read off the connection.
    pub reader: Reader,
}

impl RequestSpec {
    /// A GET of `raw_path` with `headers`, read by the HTTP library: what most requests are.
    pub fn get(raw_path: impl Into<String>, headers: Vec<(String, String)>) -> Self {
        RequestSpec {
            raw_path: raw_path.into(),
            headers,
            method: Method::Get,
            reader: Reader::Library,
        }
    }
}

/// The methods the harness sends. Only GET is documented; the others probe how the server
/// refuses what it does not support (see `docs/http-rules.md` for why each is safe to send).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Method {
    #[default]
    Get,
    Head,
    Options,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether a request with this method announces an empty body with `Content-Length: 0`:
    /// RFC 9110 §8.6 has a client send it for methods that define a meaning for content, and
    /// a server may refuse a POST without it with 411 before routing ever looks at the method.
    pub fn announces_empty_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Options => reqwest::Method::OPTIONS,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who reads the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Reader {
    /// reqwest (hyper): what a real client sees. hyper enforces framing, so it hides what
    /// a server sent beyond it: the body of an answer to HEAD, bytes past `Content-Length`.
    #[default]
    Library,
    /// [`crate::http::wire`]: the answer read off the socket as bytes, keeping what the framing
    /// does not account for. Plain `http://` targets only; an `https://` target is read by
    /// the library, and the wire-level framing rules are then not observed.
    Wire,
}

/// Percent-encodes a task id as one path segment, so the server decodes exactly the id
/// that was meant: everything but RFC 3986 unreserved characters is encoded.
///
/// The ids `.` and `..` cannot travel as a segment at all: RFC 3986 makes `%2E` equal to
/// `.`, and URL parsers remove dot segments, so `/mj/task/../fetch` becomes `/mj/fetch`.
/// The exchange records the path actually sent, so a report shows that.
pub fn encode_path_segment(id: &str) -> String {
    // Built as bytes, without a `format!` per escape or a `char` per byte: fuzzing encodes
    // ids of up to 16 KiB thousands of times, and both showed in a profile.
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(id.len());
    for &byte in id.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte);
        } else {
            out.extend_from_slice(&[
                b'%',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0x0f)],
            ]);
        }
    }
    // Only ASCII was written, so this cannot fail.
    String::from_utf8(out).unwrap_or_default()
}

/// Bytes kept of a body longer than the cap: enough to show and recognise it. Answers are
/// kept for the whole run (the suite's, and each fuzzed one), so keeping the whole cap of
/// every oversized answer would make peak memory grow with the number of requests.
pub const TRUNCATED_BODY_KEPT: usize = 16 * 1024;
