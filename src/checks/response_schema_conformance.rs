//! The body must match the schema the spec documents for the status it came with. The
//! body is parsed strictly whatever its Content-Type says (a wrong type is
//! `content_type_conformance`'s finding), so an invalid body is reported here.

use serde_json::Value;

use super::{excerpt, Finding};
use crate::contract::rules::UnsetMarker;
use crate::contract::spec::{FetchOperation, FieldKind, UnsetConvention};
use crate::http::exchange::Exchange;

pub(super) fn check(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
    let Some(response) = operation.documented(exchange.status) else {
        return Vec::new();
    };
    // With several documented media types, validate against the one the server claims;
    // without a usable claim, against the first that has a schema.
    let media = exchange
        .content_type()
        .and_then(|actual| response.media.iter().find(|media| media.matches(actual)))
        .filter(|media| media.schema.is_some())
        .or_else(|| response.media.iter().find(|media| media.schema.is_some()));
    let Some(schema) = media.and_then(|media| media.schema.as_ref()) else {
        return Vec::new();
    };
    let body = match exchange.json_shared() {
        Ok(body) => body,
        Err(problem) => {
            // An empty body has no start to quote ("body starts ``" reads as a glitch); the
            // problem already says it is empty.
            let message = if exchange.body.is_empty() {
                problem.to_string()
            } else {
                format!(
                    "{problem}; body starts `{}`",
                    excerpt(&String::from_utf8_lossy(&exchange.body), 80)
                )
            };
            return vec![Finding::new(message).rule("json")];
        }
    };
    let unset = media
        .and_then(|media| media.unset.as_deref())
        .map(|convention| unset_findings(convention, &body))
        .unwrap_or_default();
    schema
        .validate(&body)
        .into_iter()
        .map(|violation| {
            Finding::at(
                violation.instance_path.clone(),
                format!(
                    "{}: expected {}, got {}",
                    violation.kind, violation.expected, violation.actual
                ),
            )
            .rule(violation.kind.to_string())
            .expected_actual(violation.expected.clone(), violation.actual.clone())
        })
        .chain(unset)
        .collect()
}

/// Top-level fields holding an unset marker (`""` in a string, `0` in an integer) that the
/// document's `x-mjconform-unset` does not list for them: the body marks "unset" another
/// family's way, and a client of this family reads `0` as 1970 or `""` as a value. `null` is
/// left to the schema (`nullable`), so it is reported once.
fn unset_findings(convention: &UnsetConvention, body: &Value) -> Vec<Finding> {
    let Some(object) = body.as_object() else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for field in &convention.fields {
        let Some(value) = object.get(&field.name) else {
            continue;
        };
        let marker = match (field.kind, UnsetMarker::of_value(value)) {
            (FieldKind::String, Some(UnsetMarker::EmptyString)) => UnsetMarker::EmptyString,
            (FieldKind::Integer, Some(UnsetMarker::Zero)) => UnsetMarker::Zero,
            _ => continue,
        };
        if field.markers.contains(&marker) {
            continue;
        }
        let documented: Vec<&str> = field.markers.iter().map(|m| m.describe()).collect();
        findings.push(
            Finding::at(
                format!("/{}", field.name),
                format!(
                    "{} marks {} unset, but the document marks it with {}",
                    marker.describe(),
                    field.name,
                    documented.join(" or ")
                ),
            )
            .rule(UNSET_RULE)
            .expected_actual(documented.join(" or "), marker.describe()),
        );
    }
    findings
}

/// The rule of an unset-marker finding: the extension it reads.
const UNSET_RULE: &str = "x-mjconform-unset";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use crate::http::exchange::fixtures::answer;

    fn findings(body: &str) -> Vec<Finding> {
        check(
            &Contract::embedded().fetch,
            &answer(200, Some("application/json"), body),
        )
    }

    #[test]
    fn a_conforming_task_passes() {
        let body = r#"{"id":"1","status":"SUCCESS","action":"IMAGINE","submitTime":1700000000000,
            "buttons":[{"customId":"MJ::JOB::upsample::1::x","label":"U1","type":"2","style":"2","emoji":""}],
            "properties":{},"extra":"allowed"}"#;
        assert_eq!(findings(body), Vec::new());
    }

    #[test]
    fn each_violation_names_its_pointer() {
        let body = r#"{"status":"DONE","submitTime":"1700000000000","buttons":[{"customId":"x","label":"","type":2,"style":"2"}]}"#;
        let pointers: Vec<String> = findings(body)
            .into_iter()
            .filter_map(|finding| finding.pointer)
            .collect();
        for expected in ["/status", "/submitTime", "/buttons/0/type", "/buttons/0"] {
            assert!(
                pointers.iter().any(|p| p == expected),
                "{expected} in {pointers:?}"
            );
        }
    }

    #[test]
    fn invalid_json_is_a_finding() {
        let found = findings("{\"id\":");
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("not valid JSON"));
    }

    #[test]
    fn unset_markers_outside_the_convention_are_findings() {
        let spec = crate::contract::spec::DEFAULT_SPEC.replace(
            "    Task:\n      type: object\n",
            "    Task:\n      type: object\n      x-mjconform-unset: [null, absent]\n",
        );
        let contract = Contract::from_str(&spec, "t").unwrap();
        let body = r#"{"id":"1","startTime":0,"failReason":"","progress":"0%","properties":{}}"#;
        let found = check(
            &contract.fetch,
            &answer(200, Some("application/json"), body),
        );
        let pointers: Vec<_> = found.iter().filter_map(|f| f.pointer.as_deref()).collect();
        assert_eq!(pointers, ["/failReason", "/startTime"], "{found:?}");
        assert_eq!(found[0].rule.as_deref(), Some("x-mjconform-unset"));
        assert!(found[1].message.contains("0 marks startTime unset"));
        // The doc states no convention: every marker reads as unset, nothing is reported.
        assert_eq!(findings(body), Vec::new());
    }

    #[test]
    fn statuses_without_a_schema_are_not_checked() {
        let exchange = answer(404, Some("text/plain"), "nope");
        assert!(check(&Contract::embedded().fetch, &exchange).is_empty());
    }

    #[test]
    fn the_fixtures_keep_their_family_contract() {
        let validate = |name: &str, body: &str| {
            let contract = crate::contract::dialect::Dialect::find(name)
                .unwrap()
                .contract();
            let exchange =
                crate::http::exchange::fixtures::answer(200, Some("application/json"), body);
            crate::checks::Check::ResponseSchemaConformance.run(
                &contract.fetch,
                &crate::checks::Probe::KnownTask,
                &exchange,
            )
        };
        let new_api = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/real-world/new-api-provider-doc-success.json"
        ));
        let original = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/real-world/original-proxy-doc-success.json"
        ));
        assert_eq!(validate("new-api", new_api), crate::checks::Verdict::Pass);
        assert_eq!(
            validate("java-original", original),
            crate::checks::Verdict::Pass
        );
        assert_ne!(
            validate("java-original", new_api),
            crate::checks::Verdict::Pass
        );
    }
}
