//! JUnit XML, as GitLab's test report, Jenkins and the GitHub actions that read JUnit accept
//! it, through the nextest project's `quick-junit` (which also strips the control characters
//! XML 1.0 cannot hold, so a hostile body cannot break the document).
//!
//! Layout: one `<testsuite>` per trial family (checks, fuzzing, lifecycle, snapshots), each
//! `<testcase>` named by its full trial name (what `cargo test -- NAME --exact` reruns) with
//! the check as its `classname`, so readers that group by class group by check. A contract
//! failure is `<failure>`, a run error `<error>`, an ignored trial `<skipped>`; a known
//! deviation passes, with a `<system-out>` listing what the baseline accepted; a warning (a
//! check at level `warn`) passes too, with a `warnings` property and its findings in
//! `<system-out>` under "warning:", as JUnit has no warning status. The run's facts
//! and totals are each suite's `<properties>`. A run that stopped early adds an errored
//! `run::interrupted` case, so no reader shows an interrupted run as green; under
//! `--strict-baseline`, stale and expired entries are failing `baseline::stale` and
//! `baseline::expired` cases.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::grouping::{by_family, family_title};
use super::text::{fact_pairs, failure_text, finding_line, summary};
use super::Report;
use crate::errors::ReportError;
use crate::run::outcome::{TrialRecord, TrialStatus};

pub fn render(report: &Report) -> Result<String, ReportError> {
    let mut junit = quick_junit::Report::new("mjconform");
    if let Ok(started) = chrono::DateTime::parse_from_rfc3339(&report.facts.started_at) {
        junit.set_timestamp(started);
    }
    junit.set_time(Duration::from_millis(report.totals.duration_ms));
    let properties = run_properties(report);

    for group in by_family(report.trials) {
        let mut suite = TestSuite::new(format!("mjconform {}", family_title(group.family)));
        suite.add_properties(properties.iter().cloned());
        for check in &group.checks {
            suite.add_test_cases(check.trials.iter().map(|trial| test_case(trial)));
        }
        junit.add_test_suite(suite);
    }
    let baseline = super::wrong::baseline_lines(report);
    if !baseline.is_empty() {
        // Under --strict-baseline, stale and expired entries fail the run on their own: a
        // failing testcase each, so no reader shows `failures="0"` beside exit code 1.
        let mut suite = TestSuite::new("mjconform baseline");
        suite.add_properties(properties.iter().cloned());
        for (name, line) in baseline {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(xml(&line));
            status.set_type(format!("{}_baseline_entry", super::baseline_kind(name)));
            status.set_description(xml(&line));
            let mut case = TestCase::new(name, status);
            case.set_classname("baseline");
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    if let Some(reason) = &report.totals.interrupted {
        let mut suite = TestSuite::new("mjconform run");
        suite.add_properties(properties.iter().cloned());
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(xml(&format!("the run stopped early: {reason}")));
        status.set_type("interrupted");
        status.set_description(xml(&format!(
            "the run stopped early: {reason}\n{} trials were recorded before it stopped; \
             the trials that did not run are not in this report.",
            report.trials.len()
        )));
        let mut case = TestCase::new("run::interrupted", status);
        case.set_classname("run");
        suite.add_test_case(case);
        junit.add_test_suite(suite);
    }
    if junit.test_suites.is_empty() {
        // No trial ran: an empty suite still carries the facts a reader needs.
        let mut suite = TestSuite::new("mjconform");
        suite.add_properties(properties);
        junit.add_test_suite(suite);
    }
    junit.to_string().map_err(|err| ReportError::Render {
        format: "junit".to_owned(),
        message: err.to_string(),
    })
}

fn test_case(trial: &TrialRecord) -> TestCase {
    let status = match trial.status {
        TrialStatus::Passed | TrialStatus::Known | TrialStatus::Warned => {
            TestCaseStatus::success()
        }
        TrialStatus::Failed => non_success(trial, NonSuccessKind::Failure),
        TrialStatus::Errored => non_success(trial, NonSuccessKind::Error),
        TrialStatus::Ignored => {
            let mut status = TestCaseStatus::skipped();
            if let Some(reason) = &trial.reason {
                status.set_message(xml(reason));
            }
            status
        }
    };
    let mut case = TestCase::new(xml(&trial.name), status);
    case.set_classname(xml(&trial.check));
    case.set_time(Duration::from_millis(trial.duration_ms));
    case.add_property(Property::new("case", xml(&trial.case)));
    if !trial.known.is_empty() {
        case.add_property(Property::new(
            "known_deviations",
            trial.known.len().to_string(),
        ));
    }
    let mut out = String::new();
    if trial.status == TrialStatus::Warned {
        case.add_property(Property::new(
            "warnings",
            trial.findings.len().to_string(),
        ));
        out.push_str("warning: passed with findings of a check at level warn:\n");
        for finding in &trial.findings {
            out.push_str(&format!("  - warning: {}\n", finding_line(finding)));
        }
    }
    if trial.status == TrialStatus::Known {
        out.push_str("passed with known deviations (accepted by the baseline):\n");
        for finding in &trial.known {
            out.push_str(&format!("  - {}\n", finding_line(finding)));
        }
    }
    if trial.status.is_failure() {
        if let Some(message) = &trial.message {
            // The terminal's report: it holds what only the family knows (a fuzz replay
            // command, a snapshot's next steps).
            out.push_str(message);
        }
    }
    if !out.is_empty() {
        case.set_system_out(xml(&out));
    }
    case
}

fn non_success(trial: &TrialRecord, kind: NonSuccessKind) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(xml(&summary(trial)));
    let ty = match kind {
        NonSuccessKind::Failure => trial
            .findings
            .first()
            .and_then(|finding| finding.rule.clone())
            .unwrap_or_else(|| "contract failure".to_owned()),
        NonSuccessKind::Error => "run error".to_owned(),
    };
    status.set_type(xml(&ty));
    status.set_description(xml(&failure_text(trial)));
    status
}

/// The run's facts and totals as `name = value` properties, every field of both: a field
/// the model gains appears here without a change.
fn run_properties(report: &Report) -> Vec<Property> {
    fact_pairs(report)
        .into_iter()
        .map(|(name, value)| Property::new(xml(&name), xml(&value)))
        .collect()
}

/// `text` with every character XML 1.0 cannot hold replaced by U+FFFD. quick-junit drops
/// control characters but passes U+FFFE and U+FFFF, which a server can send in a body and
/// which make the whole document unparseable for every reader.
fn xml(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}
