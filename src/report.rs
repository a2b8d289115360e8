//! Renders what a person needs to act on a failed trial: the check, the request as a
//! curl command, the answer, and each finding. Every string passes through the
//! [`Redactor`], so the key never reaches the terminal, even when the server echoes it.

use std::fmt::Write as _;

use crate::checks::{Check, Finding};
use crate::client::ClientLimits;
use crate::exchange::{Exchange, SentRequest};
use crate::redact::{Redactor, SECRET_PLACEHOLDER};

/// Response headers worth showing: the ones that explain a status or a body.
const RELEVANT_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "transfer-encoding",
    "content-encoding",
    "location",
    "www-authenticate",
    "retry-after",
    "x-request-id",
];

/// How much of a body a report shows.
pub const BODY_EXCERPT_BYTES: usize = 1024;

/// The request as a curl command a person can paste. Credentials are printed as `***`
/// (through the redactor, and by header name as a second guard). `--path-as-is` keeps
/// curl from rewriting the path, so the server gets the same bytes.
pub fn curl_command(request: &SentRequest, limits: &ClientLimits, redactor: &Redactor) -> String {
    let mut command = format!(
        "curl -sS -i --path-as-is --max-time {} {}",
        limits.timeout.as_secs_f64().ceil() as u64,
        shell_quote(&request.url)
    );
    for (name, value) in &request.headers {
        let value = if is_credential_header(name) {
            mask_credential(value)
        } else {
            value.clone()
        };
        write!(command, " -H {}", shell_quote(&format!("{name}: {value}"))).unwrap();
    }
    redactor.redact(&command)
}

/// Request headers as reports show them: credentials masked, everything redacted.
pub fn masked_headers(headers: &[(String, String)], redactor: &Redactor) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if is_credential_header(name) {
                mask_credential(value)
            } else {
                value.clone()
            };
            (name.clone(), redactor.redact(&value))
        })
        .collect()
}

/// Whether a request header can carry a secret; its value is masked whatever it holds.
fn is_credential_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "authorization"
        || name == "proxy-authorization"
        || name.contains("secret")
        || name.contains("key")
        || name.contains("token")
}

/// Auth schemes shown as they are when they stand alone: a scheme with no token holds no
/// secret, and it is exactly what a reproduction of "empty bearer accepted" must send.
const BARE_SCHEMES: [&str; 5] = ["bearer", "basic", "token", "digest", "negotiate"];

/// Keeps a leading auth scheme (`Bearer`, `Basic`) visible, masks the rest.
fn mask_credential(value: &str) -> String {
    let is_bare_scheme = |word: &str| BARE_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(word));
    match value.split_once(' ') {
        _ if value.trim().is_empty() => value.to_owned(),
        Some((scheme, rest)) if rest.trim().is_empty() && is_bare_scheme(scheme) => {
            value.to_owned()
        }
        None if is_bare_scheme(value) => value.to_owned(),
        Some((scheme, rest))
            if !rest.trim().is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            format!("{scheme} {SECRET_PLACEHOLDER}")
        }
        _ => SECRET_PLACEHOLDER.to_owned(),
    }
}

/// POSIX shell single-quoting.
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b))
    {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The answer's status line, relevant headers and a capped body excerpt.
pub fn describe_answer(exchange: &Exchange, redactor: &Redactor) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "status:   {} ({} ms)",
        exchange.status,
        exchange.elapsed.as_millis()
    )
    .unwrap();
    for (name, value) in &exchange.headers {
        if RELEVANT_HEADERS.contains(&name.as_str()) {
            writeln!(out, "header:   {name}: {}", redactor.redact(value)).unwrap();
        }
    }
    let shown = exchange.body.len().min(BODY_EXCERPT_BYTES);
    let excerpt = redactor.redact_bytes(&exchange.body[..shown]);
    let mut note = Vec::new();
    if exchange.body_truncated {
        note.push(format!(
            "first {shown} bytes; the body is longer than the {}-byte cap and reading stopped there",
            exchange.body_cap
        ));
    } else if shown < exchange.body.len() {
        note.push(format!(
            "first {shown} of {} bytes read",
            exchange.body.len()
        ));
    }
    let note = if note.is_empty() {
        String::new()
    } else {
        format!(" ({})", note.join("; "))
    };
    if exchange.body.is_empty() {
        writeln!(out, "body:     (empty)").unwrap();
    } else {
        writeln!(out, "body{note}:").unwrap();
        for line in excerpt.lines() {
            writeln!(out, "  | {line}").unwrap();
        }
    }
    out
}

/// The full message of a failed trial: the server broke the contract.
pub fn contract_failure(
    check: Check,
    exchange: &Exchange,
    findings: &[Finding],
    limits: &ClientLimits,
    redactor: &Redactor,
) -> String {
    let mut out = String::new();
    writeln!(out, "FAILURE: the server broke the contract").unwrap();
    writeln!(out, "check:    {check}: {}", check.purpose()).unwrap();
    writeln!(
        out,
        "request:  {}",
        curl_command(&exchange.request, limits, redactor)
    )
    .unwrap();
    out.push_str(&describe_answer(exchange, redactor));
    writeln!(out, "findings:").unwrap();
    for finding in findings {
        writeln!(out, "  - {}", redactor.redact(&finding.to_string())).unwrap();
    }
    out
}

/// The known deviations of a failed trial, after its new findings: marked as such, each
/// with the baseline's reason. Empty when there are none.
pub fn known_deviations(known: &[(Finding, String)], redactor: &Redactor) -> String {
    if known.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "known deviations (accepted by the baseline, {}):\n",
        known.len()
    );
    for (finding, reason) in known {
        writeln!(
            out,
            "  ~ {} (known: {})",
            redactor.redact(&finding.to_string()),
            redactor.redact(reason)
        )
        .unwrap();
    }
    out
}

/// The full message of a trial whose check could not run (no answer to judge).
pub fn run_error(
    check: Check,
    request: &SentRequest,
    reason: &str,
    limits: &ClientLimits,
    redactor: &Redactor,
) -> String {
    let mut out = String::new();
    writeln!(out, "ERROR: the check could not run").unwrap();
    writeln!(out, "check:    {check}: {}", check.purpose()).unwrap();
    writeln!(out, "request:  {}", curl_command(request, limits, redactor)).unwrap();
    writeln!(out, "reason:   failed to {}", redactor.redact(reason)).unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::fixtures::answer;

    #[test]
    fn curl_masks_every_credential_form() {
        let redactor = Redactor::new(["sk-live-123"]);
        let mut request = answer(200, None, "").request;
        request.headers = vec![
            ("authorization".into(), "Bearer sk-live-123".into()),
            ("mj-api-secret".into(), "other-secret".into()),
        ];
        let curl = curl_command(&request, &ClientLimits::default(), &redactor);
        assert_eq!(
            curl,
            "curl -sS -i --path-as-is --max-time 10 http://127.0.0.1:1/mj/task/1/fetch \
             -H 'authorization: Bearer ***' -H 'mj-api-secret: ***'"
        );
    }

    #[test]
    fn raw_authorization_is_masked_whole() {
        assert_eq!(mask_credential("sk-123"), "***");
        assert_eq!(mask_credential("secretkey"), "***");
        assert_eq!(mask_credential(""), "");
        assert_eq!(mask_credential("Basic dXNlcg=="), "Basic ***");
    }

    #[test]
    fn a_scheme_without_a_token_is_shown_as_sent() {
        assert_eq!(mask_credential("Bearer"), "Bearer");
        assert_eq!(mask_credential("bearer "), "bearer ");
        assert_eq!(mask_credential("Bearer   "), "Bearer   ");
        assert_eq!(mask_credential("Token"), "Token");
        assert_eq!(mask_credential("Bearer x"), "Bearer ***");
    }

    #[test]
    fn shell_quoting_is_safe() {
        assert_eq!(shell_quote("abc"), "abc");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn echoed_keys_are_redacted_from_the_answer() {
        let redactor = Redactor::new(["sk-live-123"]);
        let mut exchange = answer(401, Some("text/plain"), "bad key sk-live-123");
        exchange
            .headers
            .push(("www-authenticate".into(), "Bearer sk-live-123".into()));
        let text = describe_answer(&exchange, &redactor);
        assert!(!text.contains("sk-live-123"), "{text}");
        assert!(text.contains("bad key ***"));
    }

    #[test]
    fn long_bodies_are_capped() {
        let body = "x".repeat(5000);
        let exchange = answer(200, Some("application/json"), &body);
        let text = describe_answer(&exchange, &Redactor::default());
        assert!(text.contains("first 1024 of 5000 bytes read"));
        assert!(text.len() < 1400);
    }
}
