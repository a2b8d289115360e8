//! `honest_framing`: the answer says truthfully where it ends (RFC 9112 §6, RFC 9110 §8.6).
//!
//! A message's length is its framing: `Content-Length`, or chunked `Transfer-Encoding`, or
//! the close. A proxy, a cache or a pooled client that trusts a wrong length reads the rest
//! as the next answer (response splitting and desync). Each rule is a MUST of the RFCs:
//!
//! - no `Content-Length` beside `Transfer-Encoding` (RFC 9112 §6.2);
//! - no `Content-Length` or `Transfer-Encoding` on a 1xx or 204 (RFC 9110 §8.6, RFC 9112
//!   §6.1), and no content on a 204 or 304 (RFC 9110 §15.3.5, §15.4.5);
//! - `Content-Length` is one decimal number (RFC 9110 §8.6);
//! - and, read off the socket ([`crate::http::wire`], the `framing` and `head` probes on an
//!   `http://` target), the body is as long as `Content-Length` says, nothing follows the
//!   message before the close, and a chunked body is well formed (RFC 9112 §6.3, §7.1);
//!
//! Two leniencies, because the rule's letter is broken harmlessly by common servers:
//! `Content-Length: 0` on a 204 (the Node `cors` middleware answers every OPTIONS so) states
//! the true length and passes; and an OPTIONS answer without content needs no
//! `Content-Length: 0` (RFC 7231 §4.3.7 required it; RFC 9110 §9.3.7 dropped the rule, and
//! Node's `writeHead` then `end()` sends it chunked).
//!
//! Bytes after the header block of an answer to HEAD are `head_has_no_body`'s finding.

use super::{Finding, Probe};
use crate::http::exchange::Exchange;
use crate::http::wire::{content_length, ContentLength};

pub fn check(probe: &Probe, exchange: &Exchange) -> Vec<Finding> {
    let status = exchange.status;
    let has = |name: &str| {
        exchange
            .headers
            .iter()
            .any(|(key, _)| key.eq_ignore_ascii_case(name))
    };
    let length_header = || -> String {
        exchange
            .headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case("content-length"))
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let no_content_status = status < 200 || status == 204;
    let mut findings = Vec::new();
    if has("transfer-encoding") && has("content-length") {
        findings.push(
            Finding::new(format!(
                "the answer carries both Transfer-Encoding `{}` and Content-Length `{}`; RFC \
                 9112 §6.2: a sender MUST NOT send Content-Length in a message that has \
                 Transfer-Encoding (a recipient that trusts the length desynchronises)",
                exchange.header("transfer-encoding").unwrap_or_default(),
                length_header()
            ))
            .rule("content-length-with-transfer-encoding")
            .expected_actual("one of the two", "both"),
        );
    }
    if no_content_status {
        for (name, section) in [
            ("content-length", "RFC 9110 §8.6"),
            ("transfer-encoding", "RFC 9112 §6.1"),
        ] {
            let value = exchange.header(name);
            let harmless = name == "content-length" && value.is_some_and(|v| v.trim() == "0");
            if let Some(value) = value.filter(|_| !harmless) {
                findings.push(
                    Finding::new(format!(
                        "a {status} carries `{name}: {value}`; {section}: a server MUST NOT send \
                         it in a 1xx or 204 response, which ends with its header block (a client \
                         that believed it would wait for content that never comes)"
                    ))
                    .rule(format!("{name}-on-{status}"))
                    .expected_actual(format!("no {name}"), format!("{name}: {value}")),
                );
            }
        }
    }
    if content_length(&exchange.headers) == ContentLength::Invalid {
        findings.push(
            Finding::new(format!(
                "Content-Length `{}` is not one decimal number; RFC 9110 §8.6 defines it as \
                 1*DIGIT, and RFC 9112 §6.3 makes an invalid one an unrecoverable framing error",
                length_header()
            ))
            .rule("content-length-invalid")
            .expected_actual("one decimal number", length_header()),
        );
    }
    if let Some(wire) = &exchange.wire {
        if let Some(announced) = wire.short_of {
            let received = wire.body_received;
            findings.push(
                Finding::new(format!(
                    "Content-Length announced {announced} bytes, but the connection closed after \
                     {received}; RFC 9112 §6.3: the message is then incomplete, and RFC 9110 \
                     §8.6 has Content-Length give the length of the content actually sent"
                ))
                .rule("content-length-longer-than-body")
                .expected_actual(format!("{announced} bytes"), format!("{received} bytes")),
            );
        }
        if let Some(problem) = &wire.chunk_error {
            findings.push(
                Finding::new(format!(
                    "the chunked body is malformed: {problem} (RFC 9112 §7.1)"
                ))
                .rule("chunked-encoding")
                .expected_actual("a well-formed chunked body", problem.clone()),
            );
        }
        let after = wire.bytes_after_message;
        if after > 0 && *probe != Probe::Head {
            let finding = if status == 204 || status == 304 || status < 200 {
                Finding::new(format!(
                    "a {status} was followed by {after} bytes of content; RFC 9110 §15.3.5 and \
                     §15.4.5: a 204 or 304 ends with its header block and cannot carry content"
                ))
                .rule(format!("body-on-{status}"))
            } else {
                let framed_by = match content_length(&exchange.headers) {
                    ContentLength::Valid(length) if !has("transfer-encoding") => {
                        format!("its Content-Length of {length}")
                    }
                    _ => "its last chunk".to_owned(),
                };
                Finding::new(format!(
                    "{after} more bytes arrived after the message ended by {framed_by}; RFC \
                     9112 §6.3: they would be read as the start of the next answer on the \
                     connection"
                ))
                .rule("bytes-after-message")
            };
            findings.push(finding.expected_actual("nothing", format!("{after} bytes")));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;
    use crate::http::exchange::WireFacts;

    fn with(status: u16, headers: &[(&str, &str)], body: &str) -> Exchange {
        let mut exchange = answer(status, Some("application/json"), body);
        for (name, value) in headers {
            exchange.headers.push((name.to_string(), value.to_string()));
        }
        exchange
    }

    fn rules(probe: &Probe, exchange: &Exchange) -> Vec<String> {
        check(probe, exchange)
            .into_iter()
            .filter_map(|finding| finding.rule)
            .collect()
    }

    #[test]
    fn honest_answers_pass() {
        let get = Probe::KnownTask;
        assert!(rules(&get, &with(200, &[("content-length", "2")], "{}")).is_empty());
        assert!(rules(&get, &with(200, &[("transfer-encoding", "chunked")], "{}")).is_empty());
        assert!(rules(&get, &with(204, &[], "")).is_empty());
        // A 304 may carry the Content-Length a 200 would have (RFC 9110 §8.6).
        assert!(rules(&get, &with(304, &[("content-length", "120")], "")).is_empty());
        let options = Probe::Options;
        assert!(rules(&options, &with(200, &[("content-length", "0")], "")).is_empty());
        assert!(rules(
            &options,
            &with(200, &[("transfer-encoding", "chunked")], "")
        )
        .is_empty());
        assert!(rules(&options, &with(204, &[], "")).is_empty());
        // The letter of RFC 9110 §8.6, bent harmlessly by the Node `cors` middleware.
        assert!(rules(&options, &with(204, &[("content-length", "0")], "")).is_empty());
        let mut wire = with(200, &[("content-length", "2")], "{}");
        wire.wire = Some(WireFacts::default());
        assert!(rules(&Probe::Framing, &wire).is_empty());
    }

    #[test]
    fn each_dishonest_header_is_named() {
        let get = Probe::KnownTask;
        assert_eq!(
            rules(
                &get,
                &with(
                    200,
                    &[("transfer-encoding", "chunked"), ("content-length", "2")],
                    "{}"
                )
            ),
            ["content-length-with-transfer-encoding"]
        );
        assert_eq!(
            rules(&get, &with(204, &[("content-length", "12")], "")),
            ["content-length-on-204"]
        );
        assert_eq!(
            rules(&get, &with(204, &[("transfer-encoding", "chunked")], "")),
            ["transfer-encoding-on-204"]
        );
        assert_eq!(
            rules(&get, &with(200, &[("content-length", "2, 3")], "{}")),
            ["content-length-invalid"]
        );
    }

    #[test]
    fn what_the_wire_showed_is_named() {
        let mut short = with(200, &[("content-length", "100")], "{}");
        short.wire = Some(WireFacts {
            short_of: Some(100),
            body_received: 2,
            ..WireFacts::default()
        });
        assert_eq!(
            rules(&Probe::Framing, &short),
            ["content-length-longer-than-body"]
        );
        let mut long = with(200, &[("content-length", "2")], "{}");
        long.wire = Some(WireFacts {
            bytes_after_message: 40,
            ..WireFacts::default()
        });
        assert_eq!(rules(&Probe::Framing, &long), ["bytes-after-message"]);
        // After a HEAD answer, the bytes are head_has_no_body's finding.
        assert!(rules(&Probe::Head, &long).is_empty());
        let mut no_content = with(204, &[], "");
        no_content.wire = Some(WireFacts {
            bytes_after_message: 5,
            ..WireFacts::default()
        });
        assert_eq!(rules(&Probe::Framing, &no_content), ["body-on-204"]);
        let mut chunks = with(200, &[("transfer-encoding", "chunked")], "");
        chunks.wire = Some(WireFacts {
            chunk_error: Some("`zz` is not a chunk size".into()),
            ..WireFacts::default()
        });
        assert_eq!(rules(&Probe::Framing, &chunks), ["chunked-encoding"]);
    }
}
