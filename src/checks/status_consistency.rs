//! A task's status and its other fields must agree: a SUCCESS has its image, its finish time
//! and 100%; a FAILURE says why and when; a NOT_START has not started. Clients branch on
//! `status` and then read those fields, so a SUCCESS without `imageUrl` crashes or shows an
//! empty frame although every field has the documented type.
//!
//! The rules are [`crate::rules::STATUS_RULES`]. An undocumented status is the schema check's
//! finding and no rule applies to it; a field of the wrong type counts as present (the schema
//! check reports its type); a malformed `progress` is `progress_format`'s finding.

use super::task_view::{Slot, TaskView};
use super::{excerpt, Finding};
use crate::exchange::Exchange;
use crate::rules::{status_rule, PROGRESS};

pub(super) fn check(exchange: &Exchange) -> Vec<Finding> {
    let Some(task) = TaskView::of(exchange) else {
        return Vec::new();
    };
    let Some(status) = task.status() else {
        return Vec::new();
    };
    let Some(rule) = status_rule(status) else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for field in rule.requires {
        match task.field(field) {
            Slot::Missing => findings.push(
                Finding::at(
                    format!("/{field}"),
                    format!("a {status} task has no {field}"),
                )
                .rule("status-requires"),
            ),
            Slot::Unset => findings.push(
                Finding::at(
                    format!("/{field}"),
                    format!("a {status} task has {field} unset (`0`, `\"\"` or `null`)"),
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
                        "a {status} task has {field} {}; it must not be set yet",
                        excerpt(&value, 40)
                    ),
                )
                .rule("status-forbids"),
            );
        }
    }
    if let (Some(expected), Slot::Set(progress)) = (rule.progress, task.string("progress")) {
        if let Some(actual) = PROGRESS.parse(progress) {
            if actual != expected {
                findings.push(
                    Finding::at(
                        "/progress",
                        format!(
                            "a {status} task has progress `{progress}`, expected `{expected}%`"
                        ),
                    )
                    .rule("status-progress")
                    .expected_actual(format!("{expected}%"), progress.to_string()),
                );
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::fixtures::answer;

    fn findings(body: &str) -> Vec<String> {
        check(&answer(200, Some("application/json"), body))
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
                "/progress: a SUCCESS task has progress `99%`, expected `100%`",
            ]
        );
        let no_progress =
            findings(r#"{"status":"SUCCESS","imageUrl":"u","finishTime":1747132463701}"#);
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
            r#"{"status":"SUCCESS","progress":100,"imageUrl":"u","finishTime":"1747132463701"}"#,
            r#"{"status":"SUCCESS","progress":"100","imageUrl":"u","finishTime":1.7e12}"#,
            r#"{"status":"NOT_START","startTime":"1747132424482"}"#,
            r#"{"status":"success"}"#,
            r#"{"status":"MODAL"}"#,
            r#"{"status":3}"#,
            r#"{"failReason":"x"}"#,
        ] {
            assert!(findings(body).is_empty(), "{body}: {:?}", findings(body));
        }
        assert!(check(&answer(404, None, r#"{"status":"SUCCESS"}"#)).is_empty());
    }
}
