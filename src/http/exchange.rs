//! One request the harness sent and what came back, as data that checks inspect and
//! reports print. Nothing here talks to the network.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// What was sent. `headers` hold the real credential; print them only through
/// [`crate::message::failure`], which redacts.
#[derive(Debug, Clone)]
pub struct SentRequest {
    pub method: String,
    /// The full URL, exactly as sent (the path already percent-encoded).
    pub url: String,
    /// The raw request path and query, as the server received them.
    pub raw_path: String,
    pub headers: Vec<(String, String)>,
}

/// A completed exchange with the target.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: SentRequest,
    pub status: u16,
    /// Response headers, names lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, at most the configured cap. Of a body longer than the cap, only the
    /// first [`crate::http::request::TRUNCATED_BODY_KEPT`] bytes are kept: enough to show, and
    /// every kept answer stays small, however many a run keeps.
    pub body: Vec<u8>,
    /// The body was longer than the cap and reading stopped there.
    pub body_truncated: bool,
    /// The cap (`--max-body`) the body was read under.
    pub body_cap: usize,
    pub elapsed: Duration,
    /// `--max-response-time`, when given: the longest `elapsed` the run accepts.
    pub time_limit: Option<Duration>,
    /// What the socket showed beyond the library's view, when the answer was read off the
    /// wire ([`crate::http::request::Reader::Wire`]).
    pub wire: Option<WireFacts>,
    /// The `Content-Encoding` the body was decoded from ([`crate::http::coding`]): `body`
    /// is then the decoded body, unless the coding's `problem` says it would not decode.
    pub content_coding: Option<crate::http::coding::ContentCoding>,
    /// The body decoded once for every check that reads it ([`Exchange::json_shared`]);
    /// `ParsedBody::default()` when building an exchange.
    pub parsed: ParsedBody,
}

/// Bodies up to this size keep their decoded JSON with the exchange, so the dozen checks
/// and fuzz properties that read one answer decode it once. A larger body is decoded again
/// by each reader, as before: its decoded form is several times its size, and a run keeps
/// its answers, so keeping it would make peak memory grow with the number of kept answers
/// times the cap (the bound `benches/load.rs` and `tests/hostile.rs` assert).
pub const PARSED_BODY_KEPT_UP_TO: usize = 64 * 1024;

/// The strict decoding of an exchange's body, made on first use and kept.
///
/// It remembers which body it decoded (where it lives, its length, whether it was cut at the
/// cap): a body replaced or cut after decoding (the fuzzer sheds long bodies to an excerpt,
/// unit tests rewrite bodies) is decoded afresh rather than answered from a stale value.
pub struct ParsedBody {
    decoded: Mutex<Option<Decoded>>,
    /// Whether a decoding is kept at all (see [`ParsedBody::not_kept`]).
    keep: bool,
}

impl Default for ParsedBody {
    fn default() -> Self {
        ParsedBody {
            decoded: Mutex::new(None),
            keep: true,
        }
    }
}

impl ParsedBody {
    /// For answers kept by the thousand (the fuzzer's): each reader decodes the body again
    /// rather than every kept answer holding its decoded form as well as its text. Measured on
    /// a 5,000-case campaign, keeping them cost 2 MiB of peak memory (+4 %).
    pub fn not_kept() -> ParsedBody {
        ParsedBody {
            decoded: Mutex::new(None),
            keep: false,
        }
    }
}

struct Decoded {
    body_at: usize,
    body_len: usize,
    truncated: bool,
    outcome: Result<Arc<Value>, BodyProblem>,
}

impl Clone for ParsedBody {
    /// A clone of an exchange copies its body elsewhere, so the copy decodes its own.
    fn clone(&self) -> Self {
        ParsedBody {
            decoded: Mutex::new(None),
            keep: self.keep,
        }
    }
}

impl std::fmt::Debug for ParsedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body itself is printed by whoever prints the exchange; not twice.
        f.write_str("ParsedBody")
    }
}

/// How an answer read off the socket was framed, against what its headers said.
///
/// A library client (hyper) stops where the framing says the message ends and never shows
/// what came after, or fails when the connection closes early; the wire reader keeps both,
/// so that the framing rules can be judged as contract failures rather than lost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WireFacts {
    /// Bytes that arrived after the message ended by its own framing (past `Content-Length`,
    /// after the last chunk, after the header block of an answer that has no body such as one
    /// to HEAD or a 204), before the connection closed. Counted up to a small limit.
    pub bytes_after_message: usize,
    /// The `Content-Length` announced, when the connection closed before that many body bytes
    /// arrived.
    pub short_of: Option<u64>,
    /// The body bytes that arrived (however many of them are kept).
    pub body_received: usize,
    /// The chunked body was malformed here; reading stopped.
    pub chunk_error: Option<String>,
    /// Whether the server closed the connection within the wait after a message that ended
    /// by its own framing (the request said `Connection: close`); `None` when that could not
    /// be seen (a body read up to the close, or cut at the cap).
    pub closed_after_message: Option<bool>,
    /// How long the reader waited for the close, in milliseconds.
    pub close_wait_ms: u64,
}

/// Why a body is not the JSON document a check wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyProblem {
    Empty,
    Truncated {
        cap: usize,
    },
    ByteOrderMark,
    NotUtf8 {
        valid_up_to: usize,
    },
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON whose object repeats a name: parsers disagree on which value counts.
    DuplicateKey(crate::http::duplicate_keys::DuplicateKey),
    /// Labelled with a `Content-Encoding` it does not decode as (or one no client knows).
    Undecodable { label: String, problem: String },
}

impl std::fmt::Display for BodyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyProblem::Empty => f.write_str("the body is empty, expected a JSON document"),
            BodyProblem::Truncated { cap } => {
                write!(f, "the body is longer than the {cap}-byte cap; reading stopped there")
            }
            BodyProblem::ByteOrderMark => {
                f.write_str("the body starts with a UTF-8 byte order mark (EF BB BF), which JSON forbids (RFC 8259 §8.1)")
            }
            BodyProblem::NotUtf8 { valid_up_to } => {
                write!(f, "the body is not valid UTF-8 (bad byte at offset {valid_up_to})")
            }
            BodyProblem::InvalidJson {
                line,
                column,
                message,
            } => write!(f, "the body is not valid JSON at line {line} column {column}: {message}"),
            BodyProblem::Undecodable { label, problem } => write!(
                f,
                "the body is labelled `Content-Encoding: {label}` but {problem}; a client fails on it (RFC 9110 §8.4)"
            ),
            BodyProblem::DuplicateKey(duplicate) => write!(
                f,
                "{duplicate}; JSON names should be unique (RFC 8259 §4) and clients disagree on which value counts"
            ),
        }
    }
}

impl Exchange {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    pub fn is_server_error(&self) -> bool {
        (500..600).contains(&self.status)
    }

    /// The body as JSON, strictly (see [`Exchange::json_shared`]), as a value of one's own.
    pub fn json(&self) -> Result<serde_json::Value, BodyProblem> {
        self.json_shared().map(Arc::unwrap_or_clone)
    }

    /// The body as JSON, strictly: a BOM, invalid UTF-8 or a truncated body is a problem,
    /// not something to paper over, because a strict client would fail on it too.
    ///
    /// Decoded once per answer and shared by every reader (a body over
    /// [`PARSED_BODY_KEPT_UP_TO`] is decoded per call, see there).
    pub fn json_shared(&self) -> Result<Arc<Value>, BodyProblem> {
        if self.body.len() > PARSED_BODY_KEPT_UP_TO || !self.parsed.keep {
            return self.decode().map(Arc::new);
        }
        let mut cache = self
            .parsed
            .decoded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (body_at, body_len) = (self.body.as_ptr() as usize, self.body.len());
        match &*cache {
            Some(decoded)
                if decoded.body_at == body_at
                    && decoded.body_len == body_len
                    && decoded.truncated == self.body_truncated =>
            {
                decoded.outcome.clone()
            }
            _ => {
                let outcome = self.decode().map(Arc::new);
                *cache = Some(Decoded {
                    body_at,
                    body_len,
                    truncated: self.body_truncated,
                    outcome: outcome.clone(),
                });
                outcome
            }
        }
    }

    fn decode(&self) -> Result<serde_json::Value, BodyProblem> {
        if let Some(coding) = &self.content_coding {
            if let Some(problem) = &coding.problem {
                return Err(BodyProblem::Undecodable {
                    label: coding.label(),
                    problem: problem.clone(),
                });
            }
        }
        if self.body_truncated {
            return Err(BodyProblem::Truncated { cap: self.body_cap });
        }
        if self.body.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return Err(BodyProblem::ByteOrderMark);
        }
        let text = std::str::from_utf8(&self.body).map_err(|err| BodyProblem::NotUtf8 {
            valid_up_to: err.valid_up_to(),
        })?;
        if text.trim().is_empty() {
            return Err(BodyProblem::Empty);
        }
        let value = serde_json::from_str(text).map_err(|err| BodyProblem::InvalidJson {
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        })?;
        match crate::http::duplicate_keys::first_duplicate_key(text) {
            Some(duplicate) => Err(BodyProblem::DuplicateKey(duplicate)),
            None => Ok(value),
        }
    }
}

/// A short, single-line view of a JSON value or body for findings. Only the shown part is
/// read, so an excerpt of a body at the 8 MiB cap costs `max_chars`, not a copy of the body.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut shown: String = text
        .chars()
        .take(max_chars)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(max_chars).is_some() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// An exchange with the given answer, for check unit tests.
    pub fn answer(status: u16, content_type: Option<&str>, body: &str) -> Exchange {
        let mut headers = Vec::new();
        if let Some(value) = content_type {
            headers.push(("content-type".to_owned(), value.to_owned()));
        }
        Exchange {
            request: SentRequest {
                method: "GET".into(),
                url: "http://127.0.0.1:1/mj/task/1/fetch".into(),
                raw_path: "/mj/task/1/fetch".into(),
                headers: vec![("authorization".into(), "Bearer k".into())],
            },
            status,
            headers,
            body: body.as_bytes().to_vec(),
            body_truncated: false,
            body_cap: crate::http::request::ClientLimits::default().max_body_bytes,
            elapsed: Duration::from_millis(1),
            time_limit: None,
            wire: None,
            content_coding: None,
            parsed: ParsedBody::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::answer;
    use super::*;

    #[test]
    fn excerpts_are_short_and_single_line() {
        assert_eq!(excerpt("a\nb", 10), "a b");
        assert_eq!(excerpt("abcdef", 6), "abcdef");
        assert_eq!(excerpt("abcdefg", 6), "abcdef…");
        assert_eq!(excerpt("🦊🦊🦊", 2), "🦊🦊…");
        assert_eq!(excerpt("", 3), "");
    }

    #[test]
    fn parses_json_bodies() {
        let exchange = answer(200, Some("application/json"), r#"{"id":"1"}"#);
        assert_eq!(exchange.json().unwrap()["id"], "1");
    }

    #[test]
    fn names_each_body_problem() {
        assert_eq!(answer(200, None, " ").json(), Err(BodyProblem::Empty));
        assert_eq!(
            answer(200, None, "\u{feff}{}").json(),
            Err(BodyProblem::ByteOrderMark)
        );
        let mut bad_utf8 = answer(200, None, "");
        bad_utf8.body = b"{\"a\":\"\xff\"}".to_vec();
        assert_eq!(
            bad_utf8.json(),
            Err(BodyProblem::NotUtf8 { valid_up_to: 6 })
        );
        match answer(200, None, "{\"a\":").json() {
            Err(BodyProblem::InvalidJson { line: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
        let mut truncated = answer(200, None, "{}");
        truncated.body_truncated = true;
        truncated.body_cap = 2;
        assert_eq!(truncated.json(), Err(BodyProblem::Truncated { cap: 2 }));
    }

    #[test]
    fn a_body_is_decoded_once_and_again_when_it_changes() {
        let mut exchange = answer(200, Some("application/json"), r#"{"id":"1"}"#);
        let first = exchange.json_shared().unwrap();
        let second = exchange.json_shared().unwrap();
        assert!(Arc::ptr_eq(&first, &second), "the second reader shares the first decoding");
        exchange.body = br#"{"id":"2"}"#.to_vec();
        assert_eq!(exchange.json_shared().unwrap()["id"], "2");
        exchange.body.truncate(5);
        assert!(matches!(
            exchange.json_shared(),
            Err(BodyProblem::InvalidJson { .. })
        ));
        exchange.body_truncated = true;
        assert!(matches!(
            exchange.json_shared(),
            Err(BodyProblem::Truncated { .. })
        ));
        let copy = exchange.clone();
        assert!(matches!(copy.json(), Err(BodyProblem::Truncated { .. })));
    }

    #[test]
    fn a_large_body_is_decoded_per_reader_and_not_kept() {
        let body = format!(r#"{{"pad":"{}"}}"#, "x".repeat(PARSED_BODY_KEPT_UP_TO));
        let exchange = answer(200, Some("application/json"), &body);
        let first = exchange.json_shared().unwrap();
        let second = exchange.json_shared().unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
        assert!(exchange.parsed.decoded.lock().unwrap().is_none());
    }

    #[test]
    fn an_answer_kept_by_the_thousand_keeps_no_decoding() {
        let mut exchange = answer(200, Some("application/json"), r#"{"id":"1"}"#);
        exchange.parsed = ParsedBody::not_kept();
        assert_eq!(exchange.json_shared().unwrap()["id"], "1");
        assert!(exchange.parsed.decoded.lock().unwrap().is_none());
        assert!(exchange.clone().parsed.decoded.lock().unwrap().is_none());
    }

    #[test]
    fn a_repeated_name_is_a_body_problem() {
        match answer(200, None, r#"{"status":"SUCCESS","status":"FAILURE"}"#).json() {
            Err(BodyProblem::DuplicateKey(duplicate)) => assert_eq!(duplicate.key, "status"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn header_lookup_ignores_case() {
        let exchange = answer(200, Some("application/json"), "{}");
        assert_eq!(exchange.header("Content-Type"), Some("application/json"));
        assert_eq!(exchange.content_type(), Some("application/json"));
    }
}
