//! A task's status and its other fields must agree: a SUCCESS has its image, its finish time
//! and 100%; a FAILURE says why and when; a NOT_START has not started, has no image and is not
//! at 100%; nothing unfinished has a finish time. Clients branch on `status` and then read
//! those fields, so a SUCCESS without `imageUrl` crashes or shows an empty frame although
//! every field has the documented type.
//!
//! A body without a status (`{}`, an envelope, `"status": ""`) is not a task a client can
//! branch on: the spec's [`TaskIdentity`] (the harness decision) demands one, and the finding
//! lists the statuses the spec documents.
//!
//! The rules are [`crate::contract::rules::STATUS_RULES`]. An undocumented status is the schema check's
//! finding and no rule applies to it; a field of the wrong type counts as present (the schema
//! check reports its type); a malformed `progress` is `progress_format`'s finding.
//!
//! [`TaskIdentity`]: crate::contract::spec::TaskIdentity

use serde_json::Value;

use super::task_identity::{documented_statuses, documents_status_value, envelope_hint};
use super::task_view::{Slot, TaskView};
use super::{excerpt, Finding};
use crate::contract::rules::{is_fetchable_url, status_rule, FETCHABLE_SCHEMES, PROGRESS, URL_FIELDS};
use crate::contract::spec::FetchOperation;
use crate::http::exchange::Exchange;

pub(super) fn check(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
    let Some(task) = TaskView::of(exchange) else {
        return Vec::new();
    };
    let field = operation.task_identity.status_field.as_deref();
    let status = match field.map(|field| (field, task.string(field))) {
        Some((_, Slot::Set(status))) => status,
        Some((field, Slot::Unset))
            if task
                .raw(field)
                .is_some_and(|value| documents_status_value(operation, exchange.status, value)) =>
        {
            // The spec lists this empty status (a dialect's transient `""`): no rule applies.
            return Vec::new();
        }
        Some((field, slot @ (Slot::Missing | Slot::Unset))) => {
            return vec![no_status(operation, exchange, task.clone(), field, slot)];
        }
        // No status field in the spec's identity: read the rules' own `status`, if any.
        None => match task.status() {
            Some(status) => status,
            None => return Vec::new(),
        },
        Some((_, Slot::Mistyped)) => return Vec::new(),
    };
    let mut findings = Vec::new();
    // Whatever the status: a URL a client fetches is one it can fetch.
    for field in URL_FIELDS {
        if let Slot::Set(text) = task.string(field) {
            if !is_fetchable_url(text) {
                let expected = format!("an absolute {} URL", FETCHABLE_SCHEMES.join("/"));
                findings.push(
                    Finding::at(
                        format!("/{field}"),
                        format!(
                            "{} task has {field} `{}`, not {expected} a client can fetch",
                            a(status),
                            excerpt(text, 80)
                        ),
                    )
                    .rule("absolute-url")
                    .expected_actual(expected, excerpt(text, 80)),
                );
            }
        }
    }
    let Some(rule) = status_rule(status) else {
        return findings;
    };
    for field in rule.requires {
        match task.field(field) {
            Slot::Missing => findings.push(
                Finding::at(
                    format!("/{field}"),
                    format!("{} task has no {field}", a(status)),
                )
                .rule("status-requires"),
            ),
            Slot::Unset => findings.push(
                Finding::at(
                    format!("/{field}"),
                    format!(
                        "{} task has {field} unset (`0`, `\"\"` or `null`)",
                        a(status)
                    ),
                )
                .rule("status-requires"),
            ),
            Slot::Set(()) | Slot::Mistyped => {}
        }
    }
    for field in rule.forbids {
        if let Slot::Set(()) = task.field(field) {
            let value = task.raw(field).map(|v| v.to_string()).unwrap_or_default();
            findings.push(
                Finding::at(
                    format!("/{field}"),
                    format!(
                        "{} task has {field} {}; it must not be set yet",
                        a(status),
                        excerpt(&value, 40)
                    ),
                )
                .rule("status-forbids"),
            );
        }
    }
    if let Slot::Set(progress) = task.string("progress") {
        if let Some(actual) = PROGRESS.parse(progress) {
            if !rule.progress.allows(actual) {
                findings.push(
                    Finding::at(
                        "/progress",
                        format!(
                            "{} task has progress `{progress}`, expected {}",
                            a(status),
                            rule.progress.describe()
                        ),
                    )
                    .rule("status-progress")
                    .expected_actual(rule.progress.describe(), progress.to_string()),
                );
            }
        }
    }
    findings
}

/// The status with its article: "a SUCCESS", "an IN_PROGRESS".
fn a(status: &str) -> String {
    let vowel = status
        .chars()
        .next()
        .is_some_and(|c| "AEIOUaeiou".contains(c));
    format!("{} {status}", if vowel { "an" } else { "a" })
}

/// The finding for a 2xx task body without a status.
fn no_status(
    operation: &FetchOperation,
    exchange: &Exchange,
    task: TaskView,
    field: &str,
    slot: Slot<&str>,
) -> Finding {
    let statuses = documented_statuses(operation, exchange.status);
    let expected = match &statuses {
        Some(statuses) if !statuses.is_empty() => format!("one of {}", statuses.join(", ")),
        _ => "a status".to_owned(),
    };
    let what = match slot {
        Slot::Unset => format!(
            "the body's `{field}` is {}",
            task.raw(field).map(Value::to_string).unwrap_or_default()
        ),
        _ if task.is_empty() => format!("the body is an empty object, with no `{field}`"),
        _ => format!("the body has no `{field}`"),
    };
    let asked = super::task_id_matches::asked_id(operation, &exchange.request.raw_path);
    let hint = envelope_hint(
        &task.into_value(),
        &operation.task_identity,
        asked.as_deref(),
        statuses.as_deref(),
    );
    Finding::at(
        format!("/{}", field.replace('~', "~0").replace('/', "~1")),
        format!("{what}; a task has {expected}{hint}"),
    )
    .rule("status-missing")
    .expected_actual(
        expected,
        if matches!(slot, Slot::Unset) {
            "empty"
        } else {
            "absent"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use crate::http::exchange::fixtures::answer;

    fn findings(body: &str) -> Vec<String> {
        check(
            &Contract::embedded().fetch,
            &answer(200, Some("application/json"), body),
        )
        .into_iter()
        .map(|finding| finding.to_string())
        .collect()
    }

    const SUCCESS: &str = r#"{"status":"SUCCESS","progress":"100%","imageUrl":"https://x/y.png","finishTime":1747132463701,"failReason":""}"#;

    #[test]
    fn consistent_tasks_pass() {
        assert!(findings(SUCCESS).is_empty());
        for body in [
            r#"{"status":"FAILURE","failReason":"banned","finishTime":1747132463701}"#,
            r#"{"status":"FAILURE","failReason":"banned","finishTime":1747132463701,"progress":"100%"}"#,
            r#"{"status":"FAILURE","failReason":"banned","finishTime":1747132463701,"progress":""}"#,
            r#"{"status":"NOT_START","progress":"0%","startTime":0,"finishTime":0}"#,
            r#"{"status":"NOT_START"}"#,
            r#"{"status":"SUBMITTED","progress":"0%","failReason":""}"#,
            r#"{"status":"SUBMITTED"}"#,
            r#"{"status":"IN_PROGRESS","progress":"45%","startTime":1747132424482}"#,
            r#"{"status":"IN_PROGRESS","progress":"45%","imageUrl":"https://x/preview.png"}"#,
            // No buttons, as each family says it: [] (C#), null (new-api), absent.
            r#"{"status":"IN_PROGRESS","buttons":[]}"#,
            r#"{"status":"SUBMITTED","buttons":null}"#,
            r#"{"status":"NOT_START","buttons":[]}"#,
        ] {
            assert!(findings(body).is_empty(), "{body}: {:?}", findings(body));
        }
    }

    #[test]
    fn success_needs_image_finish_time_and_100() {
        let found = findings(r#"{"status":"SUCCESS","progress":"99%","imageUrl":""}"#);
        assert_eq!(
            found,
            [
                "/imageUrl: a SUCCESS task has imageUrl unset (`0`, `\"\"` or `null`)",
                "/finishTime: a SUCCESS task has no finishTime",
                "/progress: a SUCCESS task has progress `99%`, expected 100%",
            ]
        );
        let no_progress =
            findings(r#"{"status":"SUCCESS","imageUrl":"https://u/x.png","finishTime":1747132463701}"#);
        assert_eq!(no_progress, ["/progress: a SUCCESS task has no progress"]);
    }

    #[test]
    fn failure_needs_a_reason_and_not_start_has_not_started() {
        assert_eq!(
            findings(r#"{"status":"FAILURE","finishTime":1747132463701}"#),
            ["/failReason: a FAILURE task has no failReason"]
        );
        assert_eq!(
            findings(r#"{"status":"FAILURE","failReason":"x","finishTime":0}"#),
            ["/finishTime: a FAILURE task has finishTime unset (`0`, `\"\"` or `null`)"]
        );
        assert_eq!(
            findings(r#"{"status":"NOT_START","startTime":1747132424482}"#),
            ["/startTime: a NOT_START task has startTime 1747132424482; it must not be set yet"]
        );
    }

    #[test]
    fn null_is_unset() {
        assert_eq!(
            findings(
                r#"{"status":"SUCCESS","progress":"100%","imageUrl":null,"finishTime":1747132463701}"#
            ),
            ["/imageUrl: a SUCCESS task has imageUrl unset (`0`, `\"\"` or `null`)"]
        );
        assert!(
            findings(r#"{"status":"NOT_START","startTime":null,"failReason":null}"#).is_empty()
        );
    }

    #[test]
    fn schema_findings_are_not_repeated() {
        // Mistyped fields count as present; malformed progress is progress_format's finding.
        for body in [
            r#"{"status":"SUCCESS","progress":100,"imageUrl":"https://u/x.png","finishTime":"1747132463701"}"#,
            r#"{"status":"SUCCESS","progress":"100","imageUrl":"https://u/x.png","finishTime":1.7e12}"#,
            r#"{"status":"NOT_START","startTime":"1747132424482"}"#,
            r#"{"status":"success"}"#,
            r#"{"status":"MODAL"}"#,
            r#"{"status":3}"#,
        ] {
            assert!(findings(body).is_empty(), "{body}: {:?}", findings(body));
        }
        assert!(check(
            &Contract::embedded().fetch,
            &answer(404, None, r#"{"status":"SUCCESS"}"#)
        )
        .is_empty());
    }

    #[test]
    fn a_body_without_a_status_is_not_a_task() {
        assert_eq!(
            findings("{}"),
            ["/status: the body is an empty object, with no `status`; a task has one of NOT_START, SUBMITTED, IN_PROGRESS, FAILURE, SUCCESS"]
        );
        assert_eq!(
            findings(r#"{"failReason":"x"}"#),
            ["/status: the body has no `status`; a task has one of NOT_START, SUBMITTED, IN_PROGRESS, FAILURE, SUCCESS"]
        );
        assert_eq!(
            findings(r#"{"id":"1","status":""}"#),
            ["/status: the body's `status` is \"\"; a task has one of NOT_START, SUBMITTED, IN_PROGRESS, FAILURE, SUCCESS"]
        );
        let envelope = findings(
            r#"{"code":1,"description":"success","result":{"id":"1","status":"SUCCESS"}}"#,
        );
        assert_eq!(envelope.len(), 1);
        assert!(
            envelope[0].ends_with("; the body looks like an envelope: the task is under /result"),
            "{envelope:?}"
        );
        let found = check(
            &Contract::embedded().fetch,
            &answer(200, Some("application/json"), r#"{"status":null}"#),
        );
        assert_eq!(found[0].rule.as_deref(), Some("status-missing"));
        assert_eq!(found[0].actual.as_deref(), Some("empty"));
    }

    #[test]
    fn a_spec_may_waive_the_status() {
        let mut fetch = Contract::embedded().fetch;
        fetch.task_identity.status_field = None;
        let exchange = answer(200, Some("application/json"), "{}");
        assert!(check(&fetch, &exchange).is_empty());
        let not_start = answer(
            200,
            Some("application/json"),
            r#"{"status":"NOT_START","finishTime":1747132463701}"#,
        );
        assert_eq!(check(&fetch, &not_start).len(), 1, "the rules still apply");
    }

    #[test]
    fn unfinished_tasks_have_no_finish_time_and_are_not_at_100() {
        assert_eq!(
            findings(
                r#"{"status":"NOT_START","finishTime":1747132463701,"imageUrl":"https://x/y.png","progress":"100%"}"#
            ),
            [
                "/finishTime: a NOT_START task has finishTime 1747132463701; it must not be set yet",
                "/imageUrl: a NOT_START task has imageUrl \"https://x/y.png\"; it must not be set yet",
                "/progress: a NOT_START task has progress `100%`, expected below 100%",
            ]
        );
        assert_eq!(
            findings(r#"{"status":"IN_PROGRESS","finishTime":1747132463701,"progress":"100%"}"#),
            [
                "/finishTime: an IN_PROGRESS task has finishTime 1747132463701; it must not be set yet",
                "/progress: an IN_PROGRESS task has progress `100%`, expected below 100%",
            ]
        );
        assert_eq!(
            findings(r#"{"status":"SUBMITTED","finishTime":1747132463701}"#).len(),
            1
        );
        // The unset spellings of every family are not "set".
        for body in [
            r#"{"status":"NOT_START","startTime":0,"finishTime":0,"imageUrl":"","progress":""}"#,
            r#"{"status":"NOT_START","startTime":null,"finishTime":null,"imageUrl":null,"progress":null}"#,
            r#"{"status":"IN_PROGRESS","finishTime":0,"progress":"99%"}"#,
            r#"{"status":"SUBMITTED","startTime":1747132424482,"progress":"0%"}"#,
        ] {
            assert!(findings(body).is_empty(), "{body}: {:?}", findings(body));
        }
    }

    #[test]
    fn unfinished_tasks_offer_no_buttons() {
        let buttons = r#"[{"customId":"MJ::JOB::upsample::1::6dc7beb8"}]"#;
        for status in ["NOT_START", "SUBMITTED", "IN_PROGRESS"] {
            let body = format!(r#"{{"status":"{status}","buttons":{buttons}}}"#);
            let found = findings(&body);
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(
                found[0].starts_with("/buttons: a") && found[0].contains("task has buttons [{"),
                "{found:?}"
            );
        }
        let success = SUCCESS.replace(r#""failReason":"""#, &format!(r#""buttons":{buttons}"#));
        assert!(findings(&success).is_empty());
    }

    #[test]
    fn a_set_image_url_is_an_absolute_http_url() {
        let placeholder = SUCCESS.replace("https://x/y.png", "pending");
        assert_eq!(
            findings(&placeholder),
            ["/imageUrl: a SUCCESS task has imageUrl `pending`, not an absolute http/https URL a client can fetch"]
        );
        let relative = r#"{"status":"IN_PROGRESS","imageUrl":"/preview.png"}"#;
        assert_eq!(findings(relative).len(), 1);
        assert!(findings(r#"{"status":"IN_PROGRESS","imageUrl":""}"#).is_empty());
    }

    #[test]
    fn a_spec_that_lists_the_empty_status_accepts_it() {
        let spec = crate::contract::spec::DEFAULT_SPEC.replace(
            "enum: [NOT_START, SUBMITTED, IN_PROGRESS, FAILURE, SUCCESS]",
            "enum: [\"\", NOT_START, SUBMITTED, IN_PROGRESS, FAILURE, SUCCESS]",
        );
        let fetch = Contract::from_str(&spec, "dialect.yaml")
            .expect("a spec")
            .fetch;
        let blank = answer(200, Some("application/json"), r#"{"id":"1","status":""}"#);
        assert!(check(&fetch, &blank).is_empty());
        let missing = answer(200, Some("application/json"), r#"{"id":"1"}"#);
        assert_eq!(check(&fetch, &missing).len(), 1, "absent is still missing");
        assert_eq!(check(&Contract::embedded().fetch, &blank).len(), 1);
    }
}
