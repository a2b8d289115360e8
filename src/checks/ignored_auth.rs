//! A request without a valid credential must be refused: no credential gets 401, a wrong
//! key 401 or 403, and neither ever gets task data back. This is the check for a server
//! that ignores or accepts any credential, and for one that refuses with the right status
//! but sends the task all the same (the body is what leaks, whatever the status says).
//!
//! Task data is what [`find_task`] finds in the body: an object (at the root, or inside an
//! envelope) carrying the asked id in the spec's id field or a documented status in its status
//! field. An error body that merely repeats the id in a sentence is not task data.

use super::task_id_matches::asked_id;
use super::task_identity::{documented_statuses, find_task};
use super::{excerpt, Finding, Probe};
use crate::contract::spec::FetchOperation;
use crate::http::exchange::Exchange;

pub(super) fn check(
    operation: &FetchOperation,
    probe: &Probe,
    exchange: &Exchange,
) -> Vec<Finding> {
    if !operation.requires_auth {
        // The spec does not demand a credential, so refusing is not promised.
        return Vec::new();
    }
    let documented = operation.auth_failure_statuses();
    let expected: Vec<u16> = match probe {
        Probe::MissingCredential if documented.contains(&401) => vec![401],
        _ if documented.is_empty() => vec![401, 403],
        _ => documented,
    };
    if let Probe::PathVariant(variant) = probe {
        return path_variant(operation, variant, exchange);
    }
    let what = match probe {
        Probe::MissingCredential => "a request without a credential",
        Probe::WrongKey => "a request with a wrong key",
        _ => return Vec::new(),
    };
    let carried = task_in_body(operation, exchange);
    let mut findings = Vec::new();
    if (200..300).contains(&exchange.status) {
        let data = match &carried {
            Some(pointer) => format!("the task{}", at(pointer)),
            None if exchange.body.is_empty() => "an empty body".to_owned(),
            None => "a body".to_owned(),
        };
        findings.push(
            Finding::new(format!(
                "{what} got {} with {data}: the server ignored the credential",
                exchange.status
            ))
            .rule(format!("status:{}", exchange.status))
            .expected_actual("401 or 403", exchange.status.to_string()),
        );
        return findings;
    }
    if !expected.contains(&exchange.status) {
        let expected: Vec<String> = expected.iter().map(u16::to_string).collect();
        let message = format!(
            "{what} got {}, expected {}",
            exchange.status,
            expected.join(" or ")
        );
        findings.push(Finding::status(
            exchange.status,
            expected.join(" or "),
            message,
        ));
    }
    if let Some(pointer) = carried {
        findings.push(
            Finding::at(
                pointer.clone(),
                format!(
                    "{what} got {} with the task in the body{}: the server refused the credential and sent the task all the same",
                    exchange.status,
                    at(&pointer)
                ),
            )
            .rule("task-behind-refusal")
            .expected_actual("no task data", excerpt(
                    &String::from_utf8_lossy(&exchange.body[..exchange.body.len().min(1024)]),
                    80,
                )),
        );
    }
    findings
}

/// A path a router may take for the fetch path, without a credential: whatever the status (a
/// router's 404, a 301 to the canonical path, a 401), it never carries the task.
fn path_variant(operation: &FetchOperation, variant: &str, exchange: &Exchange) -> Vec<Finding> {
    let Some(pointer) = task_in_body(operation, exchange) else {
        return Vec::new();
    };
    vec![Finding::at(
        pointer.clone(),
        format!(
            "a request without a credential to `{}` (the fetch path, {} variant) got {} with the task{}: a router took it for the fetch path and skipped the credential",
            exchange.request.raw_path,
            variant.replace('_', " "),
            exchange.status,
            at(&pointer)
        ),
    )
    .rule("path-variant")
    .expected_actual("no task data", exchange.status.to_string())]
}

/// Where in the body the task was found, for a finding ("" at the root).
fn at(pointer: &str) -> String {
    if pointer.is_empty() {
        String::new()
    } else {
        format!(" (under {pointer})")
    }
}

/// The pointer of the task data in the answer's body, if it carries any. The body is read as
/// JSON whatever the status or Content-Type say: a client that reads it gets the task.
fn task_in_body(operation: &FetchOperation, exchange: &Exchange) -> Option<String> {
    let body = exchange.json_shared().ok()?;
    let asked = asked_id(operation, &exchange.request.raw_path);
    let statuses = documented_statuses(operation, 200);
    find_task(
        &body,
        &operation.task_identity,
        asked.as_deref(),
        statuses.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn missing_credential_must_get_401() {
        let operation = Contract::embedded().fetch;
        let probe = Probe::MissingCredential;
        assert!(check(&operation, &probe, &answer(401, None, "")).is_empty());
        assert_eq!(check(&operation, &probe, &answer(403, None, "")).len(), 1);
        let accepted = check(&operation, &probe, &answer(200, None, "{\"id\":\"1\"}"));
        assert!(accepted[0].message.contains("ignored the credential"));
    }

    #[test]
    fn wrong_key_may_get_401_or_403() {
        let operation = Contract::embedded().fetch;
        let probe = Probe::WrongKey;
        assert!(check(&operation, &probe, &answer(401, None, "")).is_empty());
        assert!(check(&operation, &probe, &answer(403, None, "")).is_empty());
        assert_eq!(check(&operation, &probe, &answer(404, None, "")).len(), 1);
        assert_eq!(check(&operation, &probe, &answer(200, None, "{}")).len(), 1);
    }

    #[test]
    fn task_data_behind_a_refusal_fails_whatever_the_status() {
        let operation = Contract::embedded().fetch;
        let task = r#"{"id":"1","status":"SUCCESS","progress":"100%"}"#;
        for probe in [Probe::MissingCredential, Probe::WrongKey] {
            let found = check(
                &operation,
                &probe,
                &answer(401, Some("application/json"), task),
            );
            assert_eq!(found.len(), 1, "{probe:?}: {found:?}");
            assert_eq!(found[0].rule.as_deref(), Some("task-behind-refusal"));
            assert!(
                found[0]
                    .message
                    .contains("got 401 with the task in the body"),
                "{}",
                found[0]
            );
            let envelope = r#"{"code":1,"description":"success","result":{"id":"1"}}"#;
            let found = check(&operation, &probe, &answer(401, None, envelope));
            assert_eq!(found.len(), 1);
            assert!(found[0].message.contains("(under /result)"), "{}", found[0]);
            assert_eq!(found[0].pointer.as_deref(), Some("/result"));
        }
        // A 403 for a missing credential with the task: both the status and the body.
        let found = check(
            &operation,
            &Probe::MissingCredential,
            &answer(403, None, task),
        );
        assert_eq!(found.len(), 2);
        let served = check(&operation, &Probe::WrongKey, &answer(200, None, task));
        assert_eq!(served.len(), 1);
        assert!(
            served[0]
                .message
                .contains("got 200 with the task: the server ignored"),
            "{}",
            served[0]
        );
    }

    #[test]
    fn real_error_bodies_are_not_task_data() {
        let operation = Contract::embedded().fetch;
        for body in [
            "",
            "Authorization header missing.",
            r#"{"error":"Unauthorized"}"#,
            r#"{"error":{"message":"invalid token for task 1","type":"new_api_error"}}"#,
            r#"{"code":401,"status":401,"message":"unauthorized"}"#,
            r#"{"id":"2","status":"unauthorized"}"#,
        ] {
            for probe in [Probe::MissingCredential, Probe::WrongKey] {
                let found = check(
                    &operation,
                    &probe,
                    &answer(401, Some("application/json"), body),
                );
                assert!(found.is_empty(), "{body}: {found:?}");
            }
        }
    }

    #[test]
    fn a_spec_documenting_only_403_expects_403_for_a_missing_credential() {
        let spec = crate::contract::spec::DEFAULT_SPEC.replace(
            "        \"401\":\n          description: Unauthorized\n",
            "",
        );
        let operation = Contract::from_str(&spec, "only-403.yaml")
            .expect("a spec")
            .fetch;
        assert_eq!(operation.auth_failure_statuses(), [403]);
        let probe = Probe::MissingCredential;
        assert!(check(&operation, &probe, &answer(403, None, "")).is_empty());
        let found = check(&operation, &probe, &answer(401, None, ""));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].expected.as_deref(), Some("403"));
    }
}
