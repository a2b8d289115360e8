//! An id that cannot exist must get the documented 404. Real servers answer 200 `null`,
//! 200 empty, 204 or 400 instead (see the research notes), and clients then mistake
//! "no such task" for "task without data".

use super::{excerpt, Finding};
use crate::exchange::Exchange;
use crate::spec::FetchOperation;

pub(super) fn check(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
    let Some(expected) = operation.not_found_status() else {
        // The spec documents no 404, so it makes no promise about unknown ids.
        return Vec::new();
    };
    if exchange.status == expected {
        return Vec::new();
    }
    let body = if exchange.body.is_empty() {
        "an empty body".to_owned()
    } else {
        format!(
            "body `{}`",
            excerpt(&String::from_utf8_lossy(&exchange.body), 80)
        )
    };
    let message = format!(
        "an id that cannot exist got {} with {body}, expected the documented {expected}",
        exchange.status
    );
    vec![Finding::status(
        exchange.status,
        expected.to_string(),
        message,
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::fixtures::answer;
    use crate::spec::Contract;

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
}
