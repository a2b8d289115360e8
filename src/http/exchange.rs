//! One request the harness sent and what came back, as data that checks inspect and
//! reports print. Nothing here talks to the network.

use std::time::Duration;

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

    /// The body as JSON, strictly: a BOM, invalid UTF-8 or a truncated body is a problem,
    /// not something to paper over, because a strict client would fail on it too.
    pub fn json(&self) -> Result<serde_json::Value, BodyProblem> {
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
