//! `head_has_no_body`: an answer to HEAD ends with its header block.
//!
//! RFC 9110 §9.3.2: "the server MUST NOT send content in the response" to HEAD, and RFC 9112
//! §6.3 has every client read none, whatever `Content-Length` says (which may, and should,
//! be the length GET would send). Bytes after the header block are therefore read as the
//! start of the next answer on the connection: a desynchronised stream. A library client
//! never shows them, so the HEAD probe is read off the socket ([`crate::http::wire`]); on an
//! `https://` target it cannot be, and this check then has nothing to judge.

use super::Finding;
use crate::http::exchange::Exchange;

pub fn check(exchange: &Exchange) -> Vec<Finding> {
    let sent = exchange
        .wire
        .as_ref()
        .map_or(0, |wire| wire.bytes_after_message)
        .max(exchange.body.len());
    if sent == 0 {
        return Vec::new();
    }
    vec![Finding::new(format!(
        "the answer to HEAD carried {sent} bytes after its header block; RFC 9110 §9.3.2: the \
         server MUST NOT send content in a response to HEAD (a Content-Length header alone, \
         giving GET's length, is fine)"
    ))
    .rule("head-has-no-body")
    .expected_actual("no bytes after the header block", format!("{sent} bytes"))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;
    use crate::http::exchange::WireFacts;

    #[test]
    fn bytes_after_the_head_fail() {
        let mut exchange = answer(200, Some("application/json"), "");
        exchange
            .headers
            .push(("content-length".into(), "120".into()));
        exchange.wire = Some(WireFacts::default());
        assert!(check(&exchange).is_empty());
        exchange.wire = Some(WireFacts {
            bytes_after_message: 120,
            ..WireFacts::default()
        });
        let findings = check(&exchange);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].actual.as_deref(), Some("120 bytes"));
    }
}
