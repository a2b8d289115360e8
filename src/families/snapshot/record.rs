//! What one snapshot holds: a case's request (as a template, never the URL or the key),
//! its answer, normalised, and the verdict of every check that applies to it.
//!
//! The text is laid out one fact per line, with the body pretty-printed and its keys
//! sorted, so a change in one field of one answer is a one-line diff in one snapshot.

use std::fmt::Write as _;

use crate::checks::{Check, Verdict};
use crate::http::exchange::Exchange;
use crate::message::redact::{Redactor, SECRET_PLACEHOLDER};

/// Response headers a snapshot keeps: the ones a client acts on. Per-request noise
/// (`date`, `content-length`, `server`, `set-cookie`, `cf-ray`, rate-limit counters) would
/// make every rerun differ; `content-type` has its own line.
pub const SNAPSHOT_HEADERS: [&str; 8] = [
    "www-authenticate",
    "location",
    "allow",
    "cache-control",
    "content-encoding",
    "content-language",
    "vary",
    "access-control-allow-origin",
];

/// At most this much of a body that is not JSON goes into a snapshot.
pub const TEXT_BODY_LIMIT: usize = 16 * 1024;

/// Which kind of id the request asked for. The id itself is in the case name; the class
/// says what the harness expected of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdClass {
    /// An id the run was told exists.
    Known,
    /// An id that cannot exist.
    Unknown,
}

impl IdClass {
    fn as_str(self) -> &'static str {
        match self {
            IdClass::Known => "known",
            IdClass::Unknown => "unknown",
        }
    }
}

/// Which key the request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// The run's key (`--api-key`, or the embedded provider's).
    Valid,
    /// The wrong-key probe: the run's key with every letter and digit shifted.
    Wrong,
    /// No credential at all.
    None,
}

impl KeyUse {
    fn as_str(self) -> &'static str {
        match self {
            KeyUse::Valid => "the run's key",
            KeyUse::Wrong => "a wrong key of the same shape",
            KeyUse::None => "none",
        }
    }
}

/// Everything a snapshot is made of.
#[derive(Debug)]
pub struct Subject<'a> {
    /// The operation's path template from the contract, e.g. `/mj/task/{id}/fetch`.
    pub path_template: &'a str,
    pub id_class: IdClass,
    pub key: KeyUse,
    pub exchange: &'a Exchange,
    /// Every check that applies to the case, in [`Check::ALL`] order, with its verdict.
    pub outcomes: &'a [(Check, Verdict)],
}

/// The snapshot text for `subject`. Every string passes through `redactor` (an active one,
/// for snapshots), and credential values are never read at all: only the header name and
/// the auth scheme are shown.
pub fn render(subject: &Subject<'_>, redactor: &Redactor) -> String {
    let exchange = subject.exchange;
    let mut out = String::new();
    out.push_str("request:\n");
    writeln!(out, "  method: {}", exchange.request.method).unwrap();
    writeln!(
        out,
        "  path: {}",
        redactor.normalize_text(subject.path_template)
    )
    .unwrap();
    writeln!(out, "  id: {}", subject.id_class.as_str()).unwrap();
    writeln!(
        out,
        "  credential: {}",
        credential_line(&exchange.request.headers, redactor)
    )
    .unwrap();
    writeln!(out, "  key: {}", subject.key.as_str()).unwrap();

    out.push_str("response:\n");
    writeln!(out, "  status: {}", exchange.status).unwrap();
    let content_type = exchange
        .content_type()
        .map(|value| redactor.normalize_header("content-type", value))
        .unwrap_or_else(|| "(none)".to_owned());
    writeln!(out, "  content-type: {content_type}").unwrap();
    let headers = kept_headers(exchange, redactor);
    if headers.is_empty() {
        out.push_str("  headers: (none kept)\n");
    } else {
        out.push_str("  headers:\n");
        for (name, value) in headers {
            writeln!(out, "    {name}: {value}").unwrap();
        }
    }
    render_body(&mut out, exchange, redactor);

    out.push_str("checks:\n");
    for (check, verdict) in subject.outcomes {
        match verdict {
            Verdict::Pass => writeln!(out, "  {check}: pass").unwrap(),
            Verdict::Fail(findings) => {
                writeln!(out, "  {check}: FAIL").unwrap();
                let mut lines: Vec<String> = findings
                    .iter()
                    .map(|finding| redactor.normalize_text(&finding.to_string()))
                    .collect();
                // The validator's order is an implementation detail; sorted is stable.
                lines.sort();
                for line in lines {
                    writeln!(out, "    - {}", single_line(&line)).unwrap();
                }
            }
        }
    }
    out
}

/// Where the credential went, as `name: Scheme ***` or `name: ***`, or `none`.
fn credential_line(headers: &[(String, String)], redactor: &Redactor) -> String {
    if headers.is_empty() {
        return "none".to_owned();
    }
    let shown: Vec<String> = headers
        .iter()
        .map(|(name, value)| {
            let name = redactor.normalize_text(&name.to_ascii_lowercase());
            match value.split_once(' ') {
                Some((scheme, rest))
                    if !rest.trim().is_empty()
                        && !scheme.is_empty()
                        && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
                {
                    format!("{name}: {scheme} {SECRET_PLACEHOLDER}")
                }
                _ => format!("{name}: {SECRET_PLACEHOLDER}"),
            }
        })
        .collect();
    shown.join("; ")
}

/// The kept response headers, sorted by name (values of one name in the order received).
fn kept_headers(exchange: &Exchange, redactor: &Redactor) -> Vec<(String, String)> {
    let mut kept: Vec<(String, String)> = exchange
        .headers
        .iter()
        .filter(|(name, _)| SNAPSHOT_HEADERS.contains(&name.to_ascii_lowercase().as_str()))
        .map(|(name, value)| {
            let name = name.to_ascii_lowercase();
            let value = single_line(&redactor.normalize_header(&name, value));
            (name, value)
        })
        .collect();
    kept.sort_by(|(a, _), (b, _)| a.cmp(b));
    kept
}

/// The body: pretty JSON with sorted keys when it parses, otherwise its text.
fn render_body(out: &mut String, exchange: &Exchange, redactor: &Redactor) {
    if exchange.body.is_empty() {
        out.push_str("  body: empty\n");
        return;
    }
    if exchange.body_truncated {
        writeln!(
            out,
            "  body: truncated at the {}-byte cap, first bytes as text",
            exchange.body.len()
        )
        .unwrap();
        push_text(out, &String::from_utf8_lossy(&exchange.body), redactor);
        return;
    }
    match exchange.json() {
        Ok(value) => {
            out.push_str("  body: json\n");
            let normalized = redactor.normalize_json(&value);
            let pretty = serde_json::to_string_pretty(&normalized)
                .unwrap_or_else(|_| normalized.to_string());
            for line in pretty.lines() {
                writeln!(out, "    {line}").unwrap();
            }
        }
        Err(problem) => {
            let text = match std::str::from_utf8(&exchange.body) {
                Ok(_) => "text",
                Err(_) => "not UTF-8, shown lossily",
            };
            writeln!(
                out,
                "  body: {text} ({})",
                single_line(&problem.to_string())
            )
            .unwrap();
            push_text(out, &String::from_utf8_lossy(&exchange.body), redactor);
        }
    }
}

/// `text`, normalised, one indented line per line, cut at [`TEXT_BODY_LIMIT`].
fn push_text(out: &mut String, text: &str, redactor: &Redactor) {
    let mut cut = text.len().min(TEXT_BODY_LIMIT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let normalized = redactor.normalize_text(&text[..cut]);
    for line in normalized.lines() {
        writeln!(out, "    | {}", line.trim_end()).unwrap();
    }
    if cut < text.len() {
        writeln!(out, "    (cut at {TEXT_BODY_LIMIT} bytes)").unwrap();
    }
}

/// Control characters (a CR in a header value, a newline in a finding) would break the
/// one-fact-per-line layout; they are shown as spaces.
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Finding;
    use crate::http::exchange::fixtures::answer;

    fn redactor() -> Redactor {
        Redactor::new(["sk-live-0123456789"])
            .for_snapshots()
            .build()
    }

    fn subject<'a>(exchange: &'a Exchange, outcomes: &'a [(Check, Verdict)]) -> Subject<'a> {
        Subject {
            path_template: "/mj/task/{id}/fetch",
            id_class: IdClass::Known,
            key: KeyUse::Valid,
            exchange,
            outcomes,
        }
    }

    #[test]
    fn renders_request_answer_and_checks() {
        let mut exchange = answer(
            200,
            Some("application/json"),
            r#"{"status":"SUCCESS","id":"1747132423020537","submitTime":1747132423020}"#,
        );
        exchange.request.headers =
            vec![("authorization".into(), "Bearer sk-live-0123456789".into())];
        exchange
            .headers
            .push(("date".into(), "Tue, 13 May 2025 10:00:00 GMT".into()));
        exchange
            .headers
            .push(("Vary".into(), "Accept-Encoding".into()));
        let outcomes = [
            (Check::NotAServerError, Verdict::Pass),
            (
                Check::ResponseSchemaConformance,
                Verdict::Fail(vec![
                    Finding::at("/b", "type: expected string, got 2"),
                    Finding::at("/a", "at 1747132423020"),
                ]),
            ),
        ];
        let text = render(&subject(&exchange, &outcomes), &redactor());
        assert_eq!(
            text,
            "\
request:
  method: GET
  path: /mj/task/{id}/fetch
  id: known
  credential: authorization: Bearer ***
  key: the run's key
response:
  status: 200
  content-type: application/json
  headers:
    vary: Accept-Encoding
  body: json
    {
      \"id\": \"1747132423020537\",
      \"status\": \"SUCCESS\",
      \"submitTime\": \"[epoch-ms]\"
    }
checks:
  not_a_server_error: pass
  response_schema_conformance: FAIL
    - /a: at [epoch-ms]
    - /b: type: expected string, got 2
"
        );
    }

    #[test]
    fn credentials_show_the_header_and_scheme_only() {
        let redactor = Redactor::default().for_snapshots().build();
        let headers = |name: &str, value: &str| vec![(name.to_owned(), value.to_owned())];
        assert_eq!(credential_line(&[], &redactor), "none");
        assert_eq!(
            credential_line(&headers("Authorization", "Bearer anything"), &redactor),
            "authorization: Bearer ***"
        );
        assert_eq!(
            credential_line(&headers("mj-api-secret", "raw-key"), &redactor),
            "mj-api-secret: ***"
        );
        assert_eq!(
            credential_line(&headers("authorization", "two words-key"), &redactor),
            "authorization: two ***"
        );
    }

    #[test]
    fn a_key_echoed_anywhere_is_redacted() {
        let key = "sk-live-0123456789";
        let body = format!(r#"{{"echo":"Bearer {key}","{key}":1,"url":"https://x/?k={key}"}}"#);
        let mut exchange = answer(200, Some("application/json"), &body);
        exchange
            .headers
            .push(("www-authenticate".into(), format!("Bearer error=\"{key}\"")));
        let text = render(&subject(&exchange, &[]), &redactor());
        assert!(!text.contains(key), "{text}");
        assert!(!redactor().leaks(&text), "{text}");
        assert!(text.contains(r#""echo": "Bearer ***""#), "{text}");
        assert!(
            text.contains("www-authenticate: Bearer error=\"***\""),
            "{text}"
        );
    }

    #[test]
    fn bodies_that_are_not_json() {
        let exchange = answer(
            502,
            Some("text/html"),
            "<h1>Bad gateway</h1>\r\n<p>2025-05-13</p>",
        );
        let text = render(&subject(&exchange, &[]), &redactor());
        assert!(
            text.contains("  body: text (the body is not valid JSON at line 1 column 1: expected value at line 1 column 1)\n    | <h1>Bad gateway</h1>\n    | <p>[date]</p>\n"),
            "{text}"
        );
        let empty = answer(404, None, "");
        let text = render(&subject(&empty, &[]), &redactor());
        assert!(text.contains("  content-type: (none)\n"), "{text}");
        assert!(text.contains("  body: empty\n"), "{text}");
        let mut truncated = answer(200, None, "{\"a\":");
        truncated.body_truncated = true;
        let text = render(&subject(&truncated, &[]), &redactor());
        assert!(
            text.contains("  body: truncated at the 5-byte cap"),
            "{text}"
        );
    }

    #[test]
    fn long_text_bodies_are_cut() {
        let long = "é".repeat(TEXT_BODY_LIMIT);
        let exchange = answer(500, Some("text/plain"), &long);
        let text = render(&subject(&exchange, &[]), &redactor());
        assert!(text.contains("(cut at 16384 bytes)"), "{}", &text[..200]);
        assert!(text.len() < TEXT_BODY_LIMIT + 2048);
    }
}
