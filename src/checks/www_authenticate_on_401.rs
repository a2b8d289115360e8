//! `www_authenticate_on_401`: a 401 says how to authenticate.
//!
//! RFC 9110 §15.5.2: "The server generating a 401 response MUST send a WWW-Authenticate
//! header field containing at least one challenge applicable to the target resource";
//! §11.6.1 gives the challenge its grammar, an auth-scheme token first. RFC 6750 §3 repeats
//! the obligation for bearer tokens. Clients read the challenge to know what to send (and
//! SDKs to decide whether a retry with a fresh token can help). Many frameworks let a 401 go
//! out without it; the finding shows the header as seen, so a user can accept it knowingly.

use super::allow_on_405::is_token;
use super::{excerpt, Finding};
use crate::http::exchange::Exchange;

pub fn check(exchange: &Exchange) -> Vec<Finding> {
    if exchange.status != 401 {
        return Vec::new();
    }
    let challenges: Vec<&str> = exchange
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, value)| value.trim())
        .collect();
    if challenges.is_empty() {
        return vec![Finding::new(
            "401 Unauthorized without a WWW-Authenticate header; RFC 9110 §15.5.2 (and RFC 6750 \
             §3 for bearer tokens) requires at least one challenge, e.g. \
             `WWW-Authenticate: Bearer realm=\"api\"`",
        )
        .rule("www-authenticate-on-401")
        .expected_actual("a WWW-Authenticate challenge", "no WWW-Authenticate header")];
    }
    let malformed = challenges.iter().find(|value| {
        let scheme = value.split([' ', ',']).next().unwrap_or_default();
        !is_token(scheme)
    });
    match malformed {
        Some(value) => vec![Finding::new(format!(
            "the WWW-Authenticate header `{}` does not start with an auth-scheme (RFC 9110 \
             §11.6.1: a challenge is `scheme [params]`, e.g. `Bearer realm=\"api\"`)",
            excerpt(value, 120)
        ))
        .rule("www-authenticate-syntax")
        .expected_actual("a challenge such as `Bearer`", excerpt(value, 120))],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    fn unauthorized(challenges: &[&str]) -> Exchange {
        let mut exchange = answer(401, Some("application/json"), "{}");
        for value in challenges {
            exchange
                .headers
                .push(("www-authenticate".into(), value.to_string()));
        }
        exchange
    }

    #[test]
    fn a_401_with_a_challenge_passes() {
        for challenges in [
            &["Bearer"][..],
            &[r#"Bearer realm="x", error="invalid_token""#],
            &["Basic realm=\"a\", Bearer"],
            &["Newauth realm=\"apps\", type=1", "Basic realm=\"simple\""],
        ] {
            assert!(
                check(&unauthorized(challenges)).is_empty(),
                "{challenges:?}"
            );
        }
        assert!(check(&answer(403, None, "")).is_empty());
    }

    #[test]
    fn a_401_without_a_challenge_fails() {
        let findings = check(&unauthorized(&[]));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule.as_deref(), Some("www-authenticate-on-401"));
        for value in ["", "\"Bearer\"", "=x"] {
            let findings = check(&unauthorized(&[value]));
            assert_eq!(findings.len(), 1, "{value}");
            assert_eq!(findings[0].rule.as_deref(), Some("www-authenticate-syntax"));
        }
    }
}
