//! `unsupported_method`, after Schemathesis's check of the same name: a method the spec does
//! not document for the fetch path must be refused, not served.
//!
//! RFC 9110 §15.5.6 gives the refusal its status, 405 Method Not Allowed (whose `Allow`
//! header is `allow_on_405`'s to judge); §15.6.2 makes 501 Not Implemented right for a
//! method the server supports for no resource at all. Frameworks commonly answer 404 for a
//! method no route matches (gin by default, Express, plain routers): that is lenient, not a
//! use of the method, so it passes here and `docs/http-rules.md` lists it. Anything else says
//! the request reached a handler that took the method: a 2xx served it, a 400 or 415 judged
//! its (absent) body, a 5xx broke on it.

use super::Finding;
use crate::http::exchange::Exchange;

/// Statuses that refuse a method: 405 and 501 by the RFC, 404 as the common leniency.
const REFUSALS: [u16; 3] = [405, 501, 404];

pub fn check(exchange: &Exchange) -> Vec<Finding> {
    let status = exchange.status;
    if REFUSALS.contains(&status) {
        return Vec::new();
    }
    let method = &exchange.request.method;
    let expected = "405 Method Not Allowed (or 501, or 404)";
    let message = if (200..300).contains(&status) {
        format!(
            "the server accepted {method} with {status}, a method the spec does not document \
             for this path; it should refuse it with 405 Method Not Allowed and an Allow header \
             (RFC 9110 §15.5.6)"
        )
    } else {
        format!(
            "{method}, a method the spec does not document for this path, got {status}: neither \
             405 Method Not Allowed (RFC 9110 §15.5.6) nor 501 Not Implemented (§15.6.2), so a \
             handler took the method instead of the server refusing it"
        )
    };
    vec![Finding::status(status, expected, message)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    fn with_method(status: u16, method: &str) -> Exchange {
        let mut exchange = answer(status, Some("application/json"), "{}");
        exchange.request.method = method.to_owned();
        exchange
    }

    #[test]
    fn refusals_pass() {
        for status in [405, 501, 404] {
            assert!(check(&with_method(status, "POST")).is_empty(), "{status}");
        }
    }

    #[test]
    fn serving_or_judging_the_method_fails() {
        let findings = check(&with_method(200, "POST"));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule.as_deref(), Some("status:200"));
        assert!(
            findings[0].message.contains("accepted POST"),
            "{}",
            findings[0]
        );
        for status in [201, 204, 400, 415, 500, 302] {
            let findings = check(&with_method(status, "PUT"));
            assert_eq!(findings.len(), 1, "{status}");
            assert!(findings[0].message.contains("PUT"));
        }
    }
}
