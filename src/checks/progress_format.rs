//! `progress` must read `N%` with N a whole number from 0 to 100. The schema says only
//! `string`, so `"45"`, `"0.45"`, `"150%"` pass it, and clients that strip the `%` and parse a
//! number (to draw a progress bar) break or overflow.
//!
//! The pattern is [`crate::contract::rules::PROGRESS`]. An empty string is an unset progress (some
//! servers send `""` on failure), and a progress of the wrong type is the schema check's
//! finding.

use super::task_view::{Slot, TaskView};
use super::{excerpt, Finding};
use crate::contract::rules::PROGRESS;
use crate::http::exchange::Exchange;

pub(super) fn check(exchange: &Exchange) -> Vec<Finding> {
    let Some(task) = TaskView::of(exchange) else {
        return Vec::new();
    };
    match task.string("progress") {
        Slot::Set(progress) if PROGRESS.parse(progress).is_none() => vec![Finding::at(
            "/progress",
            format!(
                "progress `{}` is not {}",
                excerpt(progress, 40),
                PROGRESS.describe()
            ),
        )
        .rule("progress")
        .expected_actual(PROGRESS.describe(), excerpt(progress, 40))],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    fn findings(body: &str) -> Vec<Finding> {
        check(&answer(200, Some("application/json"), body))
    }

    #[test]
    fn percentages_from_0_to_100_pass() {
        for body in [
            r#"{"progress":"0%"}"#,
            r#"{"progress":"45%"}"#,
            r#"{"progress":"100%"}"#,
            r#"{"progress":""}"#,
            r#"{"status":"SUBMITTED"}"#,
        ] {
            assert!(findings(body).is_empty(), "{body}");
        }
    }

    #[test]
    fn other_strings_fail_with_the_pattern_named() {
        for body in [
            r#"{"progress":"45"}"#,
            r#"{"progress":"150%"}"#,
            r#"{"progress":"0.45"}"#,
            r#"{"progress":"45.5%"}"#,
            r#"{"progress":"-1%"}"#,
            r#"{"progress":"done"}"#,
        ] {
            let found = findings(body);
            assert_eq!(found.len(), 1, "{body}");
            assert_eq!(found[0].pointer.as_deref(), Some("/progress"));
            assert!(found[0]
                .message
                .contains("a whole number from 0 to 100 followed by `%`"));
        }
    }

    #[test]
    fn mistyped_progress_and_non_tasks_are_left_to_other_checks() {
        assert!(findings(r#"{"progress":45}"#).is_empty());
        assert!(findings(r#"{"progress":null}"#).is_empty());
        assert!(check(&answer(500, None, r#"{"progress":"x"}"#)).is_empty());
    }
}
