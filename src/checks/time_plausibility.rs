//! Task times must be epoch milliseconds of a plausible moment. The schema says only
//! `int64`, so a server sending epoch seconds (`1747132423`) or microseconds passes it, and
//! every client then shows dates in January 1970 or in the year 57000.
//!
//! The window is [`crate::contract::rules::EPOCH_MS_WINDOW`]; `0` is an unset time (see the unset
//! markers in [`crate::contract::rules`]) and not judged, nor is a time of the wrong type (the schema check's finding).

use std::time::{SystemTime, UNIX_EPOCH};

use super::task_view::{Slot, TaskView};
use super::Finding;
use crate::contract::rules::{EPOCH_MS_WINDOW, TIME_FIELDS, TIME_UNIT_GUESSES};
use crate::http::exchange::Exchange;

pub(super) fn check(exchange: &Exchange) -> Vec<Finding> {
    check_at(exchange, now_ms())
}

/// The check with the checker's clock given, so tests do not depend on today's date.
pub(super) fn check_at(exchange: &Exchange, now_ms: i64) -> Vec<Finding> {
    let Some(task) = TaskView::of(exchange) else {
        return Vec::new();
    };
    TIME_FIELDS
        .iter()
        .filter_map(|field| match task.time(field) {
            Slot::Set(time) if !EPOCH_MS_WINDOW.contains(time, now_ms) => Some(
                Finding::at(format!("/{field}"), implausible(time, now_ms))
                    .rule("epoch-ms")
                    .expected_actual("epoch milliseconds", time.to_string()),
            ),
            _ => None,
        })
        .collect()
}

/// Whether a set time is plausible; the lifecycle and order checks skip implausible times,
/// which this check reports.
pub(crate) fn plausible(time_ms: i64) -> bool {
    EPOCH_MS_WINDOW.contains(time_ms, now_ms())
}

fn implausible(time: i64, now_ms: i64) -> String {
    let window = format!(
        "epoch milliseconds from {} to {} (now + 1 day)",
        date(EPOCH_MS_WINDOW.earliest_ms),
        date(EPOCH_MS_WINDOW.latest_ms(now_ms))
    );
    let as_ms = if time < 0 {
        "a negative time".to_owned()
    } else {
        format!("{} as milliseconds", date(time))
    };
    let guess = TIME_UNIT_GUESSES
        .iter()
        .find(|(_, scale)| EPOCH_MS_WINDOW.contains(scale.to_ms(time), now_ms));
    match guess {
        Some((unit, scale)) => format!(
            "{time} is {as_ms}, expected {window}; read as {unit} it is {}, so the server sends {unit}",
            date(scale.to_ms(time))
        ),
        None => format!("{time} is {as_ms}, expected {window}"),
    }
}

/// The checker's clock in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// An epoch-millisecond time as a UTC calendar date (`2025-05-13`), for findings a person
/// reads. Days to civil date after Howard Hinnant's `civil_from_days`.
pub(crate) fn date(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    const NOW: i64 = 1_747_133_323_000;

    fn findings(body: &str) -> Vec<Finding> {
        check_at(&answer(200, Some("application/json"), body), NOW)
    }

    #[test]
    fn dates_are_calendar_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(EPOCH_MS_WINDOW.earliest_ms), "2015-01-01");
        assert_eq!(date(NOW), "2025-05-13");
        assert_eq!(date(951_782_400_000), "2000-02-29");
        assert_eq!(date(-86_400_000), "1969-12-31");
    }

    #[test]
    fn epoch_milliseconds_pass() {
        let body =
            r#"{"submitTime":1747132423020,"startTime":1747132424482,"finishTime":1747132463701}"#;
        assert!(findings(body).is_empty());
        // A mock created "now" passes, and so does a clock a little ahead of the checker's.
        let ahead = format!(r#"{{"submitTime":{}}}"#, NOW + 3_600_000);
        assert!(findings(&ahead).is_empty());
    }

    #[test]
    fn seconds_and_microseconds_are_named() {
        let seconds = findings(r#"{"submitTime":1747132423,"finishTime":1747132463}"#);
        assert_eq!(seconds.len(), 2);
        assert_eq!(seconds[0].pointer.as_deref(), Some("/submitTime"));
        assert!(
            seconds[0].message.contains("1970-01-21 as milliseconds"),
            "{}",
            seconds[0].message
        );
        assert!(seconds[0].message.contains("the server sends seconds"));
        assert!(seconds[0].message.contains("2025-05-13"));
        let micros = findings(r#"{"startTime":1747132424482000}"#);
        assert!(
            micros[0].message.contains("the server sends microseconds"),
            "{}",
            micros[0].message
        );
        let nanos = findings(r#"{"startTime":1747132424482000000}"#);
        assert!(nanos[0].message.contains("nanoseconds"));
        let negative = findings(r#"{"startTime":-1}"#);
        assert!(negative[0].message.contains("a negative time"));
        let future = findings(r#"{"finishTime":4102444800000}"#);
        assert!(future[0].message.contains("2100-01-01 as milliseconds"));
    }

    #[test]
    fn unset_and_mistyped_times_are_not_judged() {
        assert!(findings(r#"{"submitTime":0,"startTime":0,"finishTime":0}"#).is_empty());
        assert!(
            findings(r#"{"submitTime":"1747132423","startTime":1.7e9,"finishTime":null}"#)
                .is_empty()
        );
        assert!(findings(r#"{"submitTime":9223372036854775808}"#).is_empty());
        let not_a_task = answer(500, Some("application/json"), r#"{"submitTime":5}"#);
        assert!(check_at(&not_a_task, NOW).is_empty());
    }
}
