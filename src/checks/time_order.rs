//! A task is submitted, then started, then finished: `submitTime <= startTime <= finishTime`
//! wherever the times are set. Out-of-order times break every duration a client computes
//! (queue time, render time) and usually mean a server writes the wrong column.
//!
//! Only set, plausible times are compared: unset (`0`), absent and mistyped times have no
//! order, and an implausible one (seconds among milliseconds) is `time_plausibility`'s
//! finding, which an order finding would only repeat.

use super::task_view::TaskView;
use super::time_plausibility;
use super::Finding;
use crate::contract::rules::TIME_FIELDS;
use crate::http::exchange::Exchange;

pub(super) fn check(exchange: &Exchange) -> Vec<Finding> {
    check_with(exchange, time_plausibility::plausible)
}

/// The check with the plausibility test given, so tests do not depend on today's date.
pub(super) fn check_with(exchange: &Exchange, plausible: impl Fn(i64) -> bool) -> Vec<Finding> {
    let Some(task) = TaskView::of(exchange) else {
        return Vec::new();
    };
    let times: Vec<(&str, i64)> = TIME_FIELDS
        .iter()
        .filter_map(|field| {
            let time = task.time(field).set()?;
            plausible(time).then_some((*field, time))
        })
        .collect();
    let mut findings = Vec::new();
    for (index, (earlier, earlier_time)) in times.iter().enumerate() {
        for (later, later_time) in &times[index + 1..] {
            if earlier_time > later_time {
                findings.push(Finding::at(
                    format!("/{later}"),
                    format!(
                        "{later} {later_time} is {} ms before {earlier} {earlier_time}; expected {earlier} <= {later}",
                        earlier_time - later_time
                    ),
                )
                .rule("time-order")
                .expected_actual(format!("{earlier} <= {later}"), later_time.to_string()));
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    fn findings(body: &str) -> Vec<Finding> {
        check_with(&answer(200, Some("application/json"), body), |time| {
            time > 1_000_000_000_000
        })
    }

    #[test]
    fn ordered_and_equal_times_pass() {
        assert!(findings(
            r#"{"submitTime":1747132423020,"startTime":1747132424482,"finishTime":1747132463701}"#
        )
        .is_empty());
        assert!(findings(
            r#"{"submitTime":1747132423020,"startTime":1747132423020,"finishTime":1747132423020}"#
        )
        .is_empty());
        assert!(findings(r#"{"submitTime":1747132423020,"finishTime":1747132463701}"#).is_empty());
    }

    #[test]
    fn each_inversion_is_a_finding() {
        let swapped = findings(
            r#"{"submitTime":1747132423020,"startTime":1747132463701,"finishTime":1747132424482}"#,
        );
        assert_eq!(swapped.len(), 1);
        assert_eq!(swapped[0].pointer.as_deref(), Some("/finishTime"));
        assert!(
            swapped[0].message.contains("39219 ms before startTime"),
            "{}",
            swapped[0].message
        );
        let reversed = findings(
            r#"{"submitTime":1747132463701,"startTime":1747132424482,"finishTime":1747132423020}"#,
        );
        assert_eq!(reversed.len(), 3);
        let no_start = findings(r#"{"submitTime":1747132463701,"finishTime":1747132423020}"#);
        assert_eq!(no_start.len(), 1);
    }

    #[test]
    fn unset_mistyped_and_implausible_times_are_not_compared() {
        assert!(
            findings(r#"{"submitTime":1747132423020,"startTime":0,"finishTime":0}"#).is_empty()
        );
        assert!(findings(r#"{"submitTime":1747132463701,"startTime":"1747132423020"}"#).is_empty());
        assert!(findings(r#"{"submitTime":1747132463701,"startTime":1747132424}"#).is_empty());
        assert!(check_with(
            &answer(404, None, r#"{"submitTime":2,"startTime":1}"#),
            |_| true
        )
        .is_empty());
    }
}
