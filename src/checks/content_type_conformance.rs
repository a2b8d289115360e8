//! The Content-Type must be one the spec documents for the status. Where the spec
//! documents no content for a status (the doc's 401/403/404), any content type is allowed.
//!
//! Its parameters count too: JSON is UTF-8 (RFC 8259 §8.1: JSON exchanged between systems
//! "MUST be encoded using UTF-8"), so a JSON answer that declares another `charset` makes a
//! client that honours the label (a browser's `TextDecoder`, Python's `requests`) decode it
//! wrongly, silently. `charset=utf-8` (any case, quoted or not) is legal and passes.

use super::Finding;
use crate::contract::spec::FetchOperation;
use crate::http::exchange::Exchange;

pub(super) fn check(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
    let mut findings: Vec<Finding> = exchange
        .content_type()
        .and_then(foreign_json_charset)
        .into_iter()
        .collect();
    findings.extend(media_type(operation, exchange));
    findings
}

/// The finding for a JSON media type that declares a charset other than UTF-8.
fn foreign_json_charset(content_type: &str) -> Option<Finding> {
    let mut parts = content_type.split(';');
    let essence = parts.next()?.trim().to_ascii_lowercase();
    if !(essence == "application/json" || essence.ends_with("+json")) {
        return None;
    }
    let charset = parts.find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    })?;
    if charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8") {
        return None;
    }
    Some(
        Finding::new(format!(
            "Content-Type `{content_type}` declares charset `{charset}`, but JSON is UTF-8 (RFC 8259 §8.1); a client that honours the label decodes the body wrongly"
        ))
        .rule("charset")
        .expected_actual("utf-8 (or no charset)", charset),
    )
}

fn media_type(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
    let Some(response) = operation.documented(exchange.status) else {
        return Vec::new();
    };
    if response.media.is_empty() {
        return Vec::new();
    }
    let expected: Vec<&str> = response
        .media
        .iter()
        .map(|media| media.media_type.as_str())
        .collect();
    match exchange.content_type() {
        None => vec![Finding::new(format!(
            "no Content-Type header; the spec documents {} for status {}",
            expected.join(" or "),
            exchange.status
        ))
        .rule("content-type")
        .expected_actual(expected.join(" or "), "(none)")],
        Some(actual) if response.media.iter().any(|media| media.matches(actual)) => Vec::new(),
        Some(actual) => vec![Finding::new(format!(
            "Content-Type `{actual}` is not documented for status {}; expected {}",
            exchange.status,
            expected.join(" or ")
        ))
        .rule("content-type")
        .expected_actual(expected.join(" or "), actual)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn json_with_parameters_passes() {
        let contract = Contract::embedded();
        assert!(check(
            &contract.fetch,
            &answer(200, Some("application/json"), "{}")
        )
        .is_empty());
        assert!(check(
            &contract.fetch,
            &answer(200, Some("application/json; charset=utf-8"), "{}")
        )
        .is_empty());
    }

    #[test]
    fn other_or_missing_types_fail_for_200() {
        let contract = Contract::embedded();
        let wrong = check(&contract.fetch, &answer(200, Some("text/plain"), "{}"));
        assert_eq!(wrong.len(), 1);
        assert!(wrong[0].message.contains("text/plain"));
        let missing = check(&contract.fetch, &answer(200, None, "{}"));
        assert!(missing[0].message.contains("no Content-Type"));
    }

    #[test]
    fn json_declares_no_charset_but_utf_8() {
        let contract = Contract::embedded();
        for legal in [
            "application/json; charset=UTF-8",
            "application/json;charset=\"utf-8\"",
        ] {
            assert!(
                check(&contract.fetch, &answer(200, Some(legal), "{}")).is_empty(),
                "{legal}"
            );
        }
        let latin = check(
            &contract.fetch,
            &answer(200, Some("application/json; charset=iso-8859-1"), "{}"),
        );
        assert_eq!(latin.len(), 1);
        assert_eq!(latin[0].rule.as_deref(), Some("charset"));
        assert!(latin[0].message.contains("declares charset `iso-8859-1`, but JSON is UTF-8"));
        let on_401 = check(
            &contract.fetch,
            &answer(401, Some("application/json; charset=gbk"), "{}"),
        );
        assert_eq!(on_401.len(), 1);
    }

    #[test]
    fn statuses_without_documented_content_accept_anything() {
        let contract = Contract::embedded();
        assert!(check(&contract.fetch, &answer(401, Some("text/plain"), "no")).is_empty());
        assert!(check(&contract.fetch, &answer(404, None, "")).is_empty());
    }
}
