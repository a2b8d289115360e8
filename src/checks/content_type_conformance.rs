//! The Content-Type must be one the spec documents for the status. Where the spec
//! documents no content for a status (the doc's 401/403/404), any content type is allowed.

use super::Finding;
use crate::contract::spec::FetchOperation;
use crate::http::exchange::Exchange;

pub(super) fn check(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
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
    fn statuses_without_documented_content_accept_anything() {
        let contract = Contract::embedded();
        assert!(check(&contract.fetch, &answer(401, Some("text/plain"), "no")).is_empty());
        assert!(check(&contract.fetch, &answer(404, None, "")).is_empty());
    }
}
