//! A child's `report.json` read back (a small local view of `schemas/report.schema.json`,
//! tolerant of fields added later) and turned into the matrix's cells: one per check, the
//! worst of its cases, linking to the first trial that explains the cell in the target's own
//! `report.html`, with the anchor that report gave it.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::model::{Cell, CellStatus, Counts};
use crate::reports::trial_anchors;

/// The part of a child's report the matrix reads.
#[derive(Debug, Deserialize)]
pub struct ChildReport {
    pub schema_version: u32,
    pub facts: ChildFacts,
    pub totals: ChildTotals,
    pub trials: Vec<ChildTrial>,
}

#[derive(Debug, Deserialize)]
pub struct ChildFacts {
    pub dialect: Option<String>,
    #[serde(default)]
    pub target_url: String,
    #[serde(default)]
    pub target_label: String,
}

#[derive(Debug, Deserialize)]
pub struct ChildTotals {
    pub requests_sent: usize,
    pub passed: usize,
    pub known: usize,
    pub failed: usize,
    pub errored: usize,
    pub ignored: usize,
    pub interrupted: Option<String>,
    pub verdict: String,
    #[serde(default)]
    pub exit_code: u8,
    #[serde(default)]
    pub duration_ms: u64,
}

#[derive(Debug, Deserialize)]
pub struct ChildTrial {
    pub name: String,
    pub check: String,
    pub status: String,
    #[serde(default)]
    pub findings: Vec<ChildFinding>,
    #[serde(default)]
    pub known: Vec<ChildFinding>,
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ChildFinding {
    pub pointer: Option<String>,
    pub message: String,
}

impl ChildReport {
    /// Reads a report's text; the one schema version this build knows.
    pub fn parse(text: &str) -> Result<ChildReport, String> {
        let report: ChildReport = serde_json::from_str(text).map_err(|err| err.to_string())?;
        if report.schema_version != crate::run::outcome::REPORT_SCHEMA_VERSION {
            return Err(format!(
                "schema version {} is not the {} this mjconform reads",
                report.schema_version,
                crate::run::outcome::REPORT_SCHEMA_VERSION
            ));
        }
        Ok(report)
    }

    pub fn counts(&self) -> Counts {
        Counts {
            passed: self.totals.passed,
            known: self.totals.known,
            failed: self.totals.failed,
            could_not_run: self.totals.errored,
            ignored: self.totals.ignored,
            requests_sent: self.totals.requests_sent,
        }
    }

    /// The cells by check. `html` is the target's `report.html` relative to the matrix's
    /// directory, when it was written.
    pub fn cells(&self, html: Option<&str>) -> BTreeMap<String, Cell> {
        // The same anchors report.html gave its trials: it saw them in this order.
        let anchors = trial_anchors(self.trials.iter().map(|trial| trial.name.as_str()));
        let mut by_check: BTreeMap<&str, Vec<&ChildTrial>> = BTreeMap::new();
        for trial in &self.trials {
            by_check.entry(&trial.check).or_default().push(trial);
        }
        by_check
            .into_iter()
            .map(|(check, trials)| {
                let count = |status: &str| trials.iter().filter(|t| t.status == status).count();
                let (failed, known, errored, ignored) = (
                    count("failed"),
                    count("known"),
                    count("errored"),
                    count("ignored"),
                );
                let warned = count("warned");
                let status = if failed > 0 {
                    CellStatus::Fail
                } else if errored > 0 {
                    CellStatus::CouldNotRun
                } else if known > 0 {
                    CellStatus::Known
                } else if warned > 0 {
                    CellStatus::Warn
                } else if ignored == trials.len() {
                    CellStatus::Ignored
                } else {
                    CellStatus::Pass
                };
                let wanted = match status {
                    CellStatus::Fail => Some("failed"),
                    CellStatus::CouldNotRun => Some("errored"),
                    CellStatus::Known => Some("known"),
                    CellStatus::Warn => Some("warned"),
                    _ => None,
                };
                let first = wanted.and_then(|wanted| trials.iter().find(|t| t.status == wanted));
                let link = first.zip(html).and_then(|(trial, html)| {
                    anchors
                        .get(trial.name.as_str())
                        .map(|anchor| format!("{html}#{anchor}"))
                });
                let cell = Cell {
                    status,
                    trials: trials.len(),
                    failed,
                    known,
                    warned,
                    could_not_run: errored,
                    ignored,
                    summary: first.map(|trial| summary(trial)),
                    reason: first
                        .filter(|_| status == CellStatus::CouldNotRun)
                        .and_then(|trial| trial.reason.clone()),
                    link,
                };
                (check.to_owned(), cell)
            })
            .collect()
    }
}

/// A trial in one line: its name and first finding (or why it could not run).
fn summary(trial: &ChildTrial) -> String {
    let finding = trial.findings.first().or(trial.known.first());
    let what = match (finding, &trial.reason) {
        (Some(finding), _) => match finding.pointer.as_deref() {
            Some("") => format!("(root): {}", finding.message),
            Some(pointer) => format!("{pointer}: {}", finding.message),
            None => finding.message.clone(),
        },
        (None, Some(reason)) => reason.clone(),
        (None, None) => trial.status.clone(),
    };
    let line = format!("{}: {what}", trial.name);
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// Where a check's row goes: the order a run lists its families in (the suite's checks,
/// then fuzzing, lifecycle, snapshots), read from the check's name.
pub fn family_rank(check: &str) -> u8 {
    match check {
        c if c.starts_with("fuzz::") => 1,
        "lifecycle" => 2,
        "snapshot" => 3,
        _ => 0,
    }
}

/// A cell for every check of a target that could not run at all (or whose run was cut
/// short): the reason stands in every cell.
pub fn could_not_run(reason: &str, checks: &[String]) -> BTreeMap<String, Cell> {
    checks
        .iter()
        .map(|check| {
            (
                check.clone(),
                Cell {
                    status: CellStatus::CouldNotRun,
                    trials: 0,
                    failed: 0,
                    known: 0,
                    warned: 0,
                    could_not_run: 0,
                    ignored: 0,
                    summary: None,
                    reason: Some(reason.to_owned()),
                    link: None,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(trials: &[(&str, &str, &str)]) -> ChildReport {
        let trials: Vec<serde_json::Value> = trials
            .iter()
            .map(|(name, check, status)| {
                serde_json::json!({
                    "name": name, "family": "check", "check": check, "status": status,
                    "findings": if *status == "failed" {
                        serde_json::json!([{"pointer": "/status", "message": "not in the enum", "extra": 1}])
                    } else { serde_json::json!([]) },
                    "known": [], "reason": null, "unknown_field": true
                })
            })
            .collect();
        let text = serde_json::json!({
            "schema_version": 1,
            "facts": {"target_url": "http://127.0.0.1:1/", "dialect": null, "more": 1},
            "totals": {"requests_sent": 3, "passed": 1, "known": 0, "failed": 1, "errored": 1,
                       "ignored": 0, "interrupted": null, "verdict": "fail"},
            "trials": trials,
        })
        .to_string();
        ChildReport::parse(&text).unwrap()
    }

    #[test]
    fn a_cell_is_the_worst_case_and_links_the_first_failure() {
        let report = report(&[
            ("a::x", "a", "passed"),
            ("a::y", "a", "failed"),
            ("a::z", "a", "failed"),
            ("b::x", "b", "errored"),
            ("c::x", "c", "passed"),
        ]);
        let cells = report.cells(Some("t/report.html"));
        assert_eq!(cells["a"].status, CellStatus::Fail);
        assert_eq!(cells["a"].failed, 2);
        assert_eq!(cells["a"].text(), "2 failures");
        assert_eq!(cells["a"].link.as_deref(), Some("t/report.html#t-a--y"));
        assert!(cells["a"].summary.as_deref().unwrap().contains("/status"));
        assert_eq!(cells["b"].status, CellStatus::CouldNotRun);
        assert_eq!(cells["c"].status, CellStatus::Pass);
        assert_eq!(cells["c"].link, None);
        assert_eq!(report.cells(None)["a"].link, None);
    }

    /// A check at level `warn` with findings is a warning cell, a pass for the target.
    #[test]
    fn warned_trials_make_a_warning_cell() {
        let report = report(&[
            ("head_supported::head", "head_supported", "warned"),
            ("a::x", "a", "passed"),
        ]);
        let cells = report.cells(Some("t/report.html"));
        let cell = &cells["head_supported"];
        assert_eq!(cell.status, CellStatus::Warn);
        assert_eq!((cell.warned, cell.text().as_str()), (1, "1 warning"));
        assert_eq!(
            cell.link.as_deref(),
            Some("t/report.html#t-head_supported--head")
        );
        assert!(CellStatus::Warn < CellStatus::Known && CellStatus::Pass < CellStatus::Warn);
    }

    #[test]
    fn another_schema_version_is_refused() {
        let err = ChildReport::parse(
            r#"{"schema_version": 9, "facts": {"target_url": "", "dialect": null},
                "totals": {"requests_sent": 0, "passed": 0, "known": 0, "failed": 0,
                "errored": 0, "ignored": 0, "interrupted": null, "verdict": "pass"}, "trials": []}"#,
        )
        .unwrap_err();
        assert!(err.contains("schema version 9"), "{err}");
    }
}
