//! `no_existence_oracle`: without a credential, a server does not tell which ids exist.
//!
//! A server that looks the id up before it checks the credential answers a missing
//! credential with 401 for a task that exists and 404 for one that does not, so anyone can
//! enumerate task ids (and so time, count and target other users' jobs) without a key:
//! CWE-204, "observable response discrepancy"; RFC 6750 §3.1 has a request without a
//! credential refused, whatever it asks for. Every family the dialects describe checks the
//! key first (a middleware or interceptor before the handler).
//!
//! This judges two answers of one run, and says which: the `missing_credential` probe (no
//! credential, an existing task) and the `missing_credential_unknown_id` probe (no
//! credential, the id that cannot exist). Only statuses are compared: bodies carry request
//! ids and paths that differ between any two requests. When the spec requires no credential,
//! or the existing task was not refused (that is `ignored_auth`'s finding), there is nothing
//! to compare.

use super::Finding;
use crate::contract::spec::FetchOperation;
use crate::http::exchange::Exchange;

/// `unknown` is the answer to the unknown id without a credential; `known` the answer to an
/// existing task without one.
pub fn check(operation: &FetchOperation, known: &Exchange, unknown: &Exchange) -> Vec<Finding> {
    if !operation.requires_auth || !matches!(known.status, 401 | 403) {
        return Vec::new();
    }
    if unknown.status == known.status {
        return Vec::new();
    }
    vec![Finding::new(format!(
        "without a credential, the id that cannot exist got {} while an existing task ({} {}) got {}: the answers tell which ids exist, so anyone can enumerate tasks without a key; compared the answers to `missing_credential` and `missing_credential_unknown_id`",
        unknown.status, known.request.method, known.request.raw_path, known.status
    ))
    .rule("existence-oracle")
    .expected_actual(known.status.to_string(), unknown.status.to_string())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn a_lookup_before_the_key_check_is_an_oracle() {
        let operation = Contract::embedded().fetch;
        let known = answer(401, None, "");
        assert!(check(&operation, &known, &answer(401, None, "other body")).is_empty());
        let findings = check(&operation, &known, &answer(404, None, ""));
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.starts_with(
            "without a credential, the id that cannot exist got 404 while an existing task (GET /mj/task/1/fetch) got 401"
        ));
        // Served without a key: ignored_auth's finding, nothing to compare.
        assert!(check(&operation, &answer(200, None, "{}"), &answer(404, None, "")).is_empty());
    }
}
