//! A request without a valid credential must be refused: no credential gets 401, a wrong
//! key 401 or 403, and neither ever gets task data back. This is the check for a server
//! that ignores or accepts any credential.

use super::{Finding, Probe};
use crate::exchange::Exchange;
use crate::spec::FetchOperation;

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
    let what = match probe {
        Probe::MissingCredential => "a request without a credential",
        Probe::WrongKey => "a request with a wrong key",
        _ => return Vec::new(),
    };
    let mut findings = Vec::new();
    if (200..300).contains(&exchange.status) {
        let data = if exchange.body.is_empty() {
            "an empty body"
        } else {
            "task data"
        };
        findings.push(
            Finding::new(format!(
                "{what} got {} with {data}: the server ignored the credential",
                exchange.status
            ))
            .rule(format!("status:{}", exchange.status))
            .expected_actual("401 or 403", exchange.status.to_string()),
        );
    } else if !expected.contains(&exchange.status) {
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
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::fixtures::answer;
    use crate::spec::Contract;

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
}
