//! Every status must be one the spec documents for the operation: a client is written
//! against that list, and anything else (a redirect, a 204, a 400) falls through it.

use super::Finding;
use crate::contract::spec::FetchOperation;
use crate::http::exchange::Exchange;

pub(super) fn check(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
    if operation.is_documented(exchange.status) {
        return Vec::new();
    }
    let documented: Vec<String> = operation
        .responses
        .iter()
        .map(|response| response.status.to_string())
        .collect();
    let message = format!(
        "status {} is not documented; the spec documents {}",
        exchange.status,
        documented.join(", ")
    );
    vec![Finding::status(
        exchange.status,
        documented.join(" or "),
        message,
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn documented_codes_pass_and_others_fail() {
        let contract = Contract::embedded();
        for status in [200, 401, 403, 404] {
            assert!(check(&contract.fetch, &answer(status, None, "")).is_empty());
        }
        for status in [204, 302, 400, 418, 500] {
            let findings = check(&contract.fetch, &answer(status, None, ""));
            assert_eq!(findings.len(), 1, "{status}");
            assert!(findings[0].message.contains("200, 401, 403, 404"));
        }
    }
}
