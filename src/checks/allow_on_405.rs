//! `allow_on_405`: a 405 Method Not Allowed names the methods the resource does support.
//!
//! RFC 9110 §15.5.6: "The origin server MUST generate an Allow header field in a 405
//! response containing a list of the target resource's currently supported methods." A
//! client (or a person reading a failure) learns from it what to send instead. §10.2.1 gives
//! its grammar, `#method`, and lets it be empty (the resource allows nothing); the method just
//! refused cannot be among those allowed.

use super::{excerpt, Finding};
use crate::http::exchange::Exchange;

pub fn check(exchange: &Exchange) -> Vec<Finding> {
    if exchange.status != 405 {
        return Vec::new();
    }
    let values: Vec<&str> = exchange
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("allow"))
        .map(|(_, value)| value.as_str())
        .collect();
    if values.is_empty() {
        return vec![Finding::new(
            "405 Method Not Allowed without an Allow header; RFC 9110 §15.5.6 requires one \
             listing the methods the resource supports (e.g. `Allow: GET, HEAD`)",
        )
        .rule("allow-on-405")
        .expected_actual("an Allow header", "no Allow header")];
    }
    let joined = values.join(", ");
    let methods: Vec<&str> = joined
        .split(',')
        .map(str::trim)
        .filter(|method| !method.is_empty())
        .collect();
    let mut findings = Vec::new();
    if let Some(bad) = methods.iter().find(|method| !is_token(method)) {
        findings.push(
            Finding::new(format!(
                "the Allow header `{}` holds `{}`, which is not a method name (RFC 9110 §10.2.1: \
                 a comma-separated list of method tokens)",
                excerpt(&joined, 120),
                excerpt(bad, 40)
            ))
            .rule("allow-syntax")
            .expected_actual("a comma-separated list of methods", excerpt(&joined, 120)),
        );
    }
    let refused = exchange.request.method.as_str();
    if methods.contains(&refused) {
        findings.push(
            Finding::new(format!(
                "405 refuses {refused}, yet its Allow header `{}` lists {refused} among the \
                 methods the resource supports (RFC 9110 §15.5.6)",
                excerpt(&joined, 120)
            ))
            .rule("allow-lists-refused-method")
            .expected_actual(
                format!("an Allow list without {refused}"),
                excerpt(&joined, 120),
            ),
        );
    }
    findings
}

/// RFC 9110 §5.6.2 `token`: what a method name is made of.
pub(crate) fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    fn refused(allow: &[&str]) -> Exchange {
        let mut exchange = answer(405, None, "");
        exchange.request.method = "POST".into();
        for value in allow {
            exchange.headers.push(("allow".into(), value.to_string()));
        }
        exchange
    }

    #[test]
    fn a_405_with_allow_passes() {
        assert!(check(&refused(&["GET, HEAD"])).is_empty());
        assert!(check(&refused(&["GET", "HEAD"])).is_empty());
        assert!(check(&refused(&["GET,HEAD,OPTIONS"])).is_empty());
        // An empty list is legal: the resource allows nothing right now.
        assert!(check(&refused(&[""])).is_empty());
        // Not a 405: not this check's business.
        assert!(check(&answer(404, None, "")).is_empty());
    }

    #[test]
    fn a_405_without_allow_fails() {
        let findings = check(&refused(&[]));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule.as_deref(), Some("allow-on-405"));
        assert!(findings[0].message.contains("§15.5.6"));
    }

    #[test]
    fn a_malformed_or_contradicting_allow_fails() {
        let findings = check(&refused(&["GET HEAD"]));
        assert_eq!(findings[0].rule.as_deref(), Some("allow-syntax"));
        let findings = check(&refused(&["GET, POST"]));
        assert_eq!(
            findings[0].rule.as_deref(),
            Some("allow-lists-refused-method")
        );
    }
}
