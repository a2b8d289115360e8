//! `single_header_fields`: a header field that RFC 9110 defines as one value is sent once.
//!
//! RFC 9110 §5.3: "A sender MUST NOT generate multiple field lines with the same name in a
//! message ... unless that field's definition allows multiple field line values to be
//! recombined as a comma-separated list". The fields below are defined as one value, and
//! clients trip on a second line: Node's `http` (llhttp) refuses an answer with two
//! `Content-Length` lines even when they agree, `fetch` joins two `Content-Type` lines into
//! `application/json, application/json` (which no JSON reader recognises), and Node keeps the
//! first of two `Location`, `ETag` or `Retry-After` lines while Python keeps both.
//!
//! Both readers keep every field line as it came (names lowercase): the library's header map
//! keeps repeated names, and the wire reader records each line. `Date` and `Server` are left
//! out: a second one misleads no client, and proxies in front of conforming servers add them.

use super::Finding;
use crate::http::exchange::Exchange;

/// Fields RFC 9110 defines as a single value (not a list), with the section that does.
pub const SINGLETON_FIELDS: &[(&str, &str)] = &[
    ("content-type", "RFC 9110 §8.3"),
    ("content-length", "RFC 9110 §8.6"),
    ("content-location", "RFC 9110 §8.7"),
    ("location", "RFC 9110 §10.2.2"),
    ("retry-after", "RFC 9110 §10.2.3"),
    ("etag", "RFC 9110 §8.8.3"),
    ("last-modified", "RFC 9110 §8.8.2"),
];

pub fn check(exchange: &Exchange) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (field, section) in SINGLETON_FIELDS {
        let values: Vec<&str> = exchange
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(field))
            .map(|(_, value)| value.as_str())
            .collect();
        if values.len() < 2 {
            continue;
        }
        let shown: Vec<String> = values
            .iter()
            .map(|value| format!("`{}`", super::excerpt(value, 60)))
            .collect();
        findings.push(
            Finding::new(format!(
                "the answer carries {} `{field}` field lines ({}); {section} defines it as one value, and RFC 9110 §5.3: a sender MUST NOT repeat it",
                values.len(),
                shown.join(", ")
            ))
            .rule(format!("single:{field}"))
            .expected_actual("one field line", format!("{} field lines", values.len())),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn a_repeated_singleton_fails_and_lists_may_repeat() {
        let mut exchange = answer(200, Some("application/json"), "{}");
        exchange
            .headers
            .push(("vary".into(), "accept-encoding".into()));
        exchange.headers.push(("vary".into(), "origin".into()));
        exchange.headers.push(("date".into(), "x".into()));
        exchange.headers.push(("date".into(), "x".into()));
        assert!(check(&exchange).is_empty());
        exchange
            .headers
            .push(("content-type".into(), "application/json".into()));
        let findings = check(&exchange);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule.as_deref(), Some("single:content-type"));
        assert!(findings[0].message.starts_with(
            "the answer carries 2 `content-type` field lines (`application/json`, `application/json`)"
        ));
    }
}
