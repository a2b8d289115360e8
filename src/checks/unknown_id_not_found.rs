//! An id that cannot exist must get the documented answer: 404 in the doc, or whatever the
//! document states with `x-mjconform-unknown-id` (a dialect's 200 `null`, 204, 400 with its
//! error body). Real servers rarely answer the doc's 404, and clients then mistake "no such
//! task" for "task without data".

use super::{excerpt, Finding};
use crate::contract::spec::FetchOperation;
use crate::http::exchange::Exchange;

pub(super) fn check(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
    let Some(expected) = operation.not_found_status() else {
        // The spec documents no 404, so it makes no promise about unknown ids.
        return Vec::new();
    };
    // An id too long for the family's router gets the router's own answer, as documented.
    let long_id = operation.unknown_id.as_ref().and_then(|answer| answer.long_id);
    if let Some(long) = long_id {
        let chars = super::task_id_matches::asked_id(operation, &exchange.request.raw_path)
            .map_or(0, |id| id.chars().count());
        if long.matches(chars, exchange.status) {
            return Vec::new();
        }
    }
    let documented = match &operation.unknown_id {
        Some(answer) if answer.matches(exchange.status, &exchange.body) => return Vec::new(),
        Some(answer) => answer.to_string(),
        None if exchange.status == expected => return Vec::new(),
        None => expected.to_string(),
    };
    let body = if exchange.body.is_empty() {
        "an empty body".to_owned()
    } else {
        format!(
            "body `{}`",
            excerpt(&String::from_utf8_lossy(&exchange.body), 80)
        )
    };
    let message = format!(
        "an id that cannot exist got {} with {body}, expected the documented {documented}",
        exchange.status
    );
    if exchange.status == expected {
        // The status is right and the body is not: a body finding, not a status one.
        return vec![Finding::new(message)
            .rule("unknown-id-body")
            .expected_actual(documented, body)];
    }
    vec![Finding::status(exchange.status, documented, message)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn only_404_passes() {
        let operation = Contract::embedded().fetch;
        assert!(check(&operation, &answer(404, None, "")).is_empty());
        let null = check(&operation, &answer(200, Some("application/json"), "null"));
        assert!(null[0].message.contains("got 200 with body `null`"));
        let empty = check(&operation, &answer(204, None, ""));
        assert!(empty[0].message.contains("an empty body"));
        assert_eq!(check(&operation, &answer(400, None, "{}")).len(), 1);
    }

    #[test]
    fn the_extension_states_status_and_body() {
        let mut operation = Contract::embedded().fetch;
        operation.unknown_id = Some(crate::contract::spec::UnknownIdAnswer {
            status: 200,
            body: Some("null".into()),
            long_id: None,
        });
        assert!(check(&operation, &answer(200, Some("application/json"), "null")).is_empty());
        let empty = check(&operation, &answer(200, None, ""));
        assert_eq!(empty[0].rule.as_deref(), Some("unknown-id-body"));
        assert!(empty[0]
            .message
            .contains("expected the documented 200 with body `null`"));
        let not_found = check(&operation, &answer(404, None, ""));
        assert_eq!(not_found[0].rule.as_deref(), Some("status:404"));
    }
}
