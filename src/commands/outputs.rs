//! What a finished run writes besides its last lines: the baseline of what it found
//! (`--write-baseline`), the reports (`--report`), and the step summary on GitHub Actions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::checks::Finding;
use crate::errors::{BaselineError, UsageError};
use crate::reports::{self, Format};
use crate::run::baseline::{self, Observed};
use crate::run::outcome::{self, RunFacts, RunTotals, TrialRecord};

/// Where the reports of a run go.
#[derive(Debug, Clone)]
pub(super) struct ReportPlan {
    pub(super) formats: Vec<Format>,
    pub(super) dir: PathBuf,
}

/// Writes every finding of the run (new and known) as a baseline; returns how many entries.
pub(super) fn write_baseline(
    path: &std::path::Path,
    records: &[TrialRecord],
    cases_run: &BTreeMap<String, BTreeSet<String>>,
) -> Result<usize, BaselineError> {
    let observed: Vec<Observed> = records
        .iter()
        .filter(|record| record.family != outcome::Family::Snapshot)
        .flat_map(|record| {
            record
                .findings
                .iter()
                .chain(&record.known)
                .map(|finding| Observed {
                    check: record.check.clone(),
                    case: record.case.clone(),
                    finding: Finding {
                        pointer: finding.pointer.clone(),
                        rule: finding.rule.clone(),
                        expected: finding.expected.clone(),
                        actual: finding.actual.clone(),
                        message: finding.message.clone(),
                    },
                })
        })
        .collect();
    let text = baseline::render(&observed, cases_run);
    std::fs::write(path, &text).map_err(|source| BaselineError::Write {
        path: path.to_owned(),
        source,
    })?;
    Ok(text.matches("[[deviation]]").count())
}

pub(super) fn check_writable(path: &std::path::Path) -> Result<(), UsageError> {
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if parent.is_dir() {
        Ok(())
    } else {
        Err(UsageError::Baseline(BaselineError::Write {
            path: path.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the directory {} does not exist", parent.display()),
            ),
        }))
    }
}

/// `target/mjconform/` of the package when cargo runs us, else `mjconform-reports/`.
pub(super) fn default_report_dir() -> PathBuf {
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) => PathBuf::from(dir).join("target").join("mjconform"),
        None => PathBuf::from("mjconform-reports"),
    }
}

/// Writes the asked-for reports and prints where each went; with `GITHUB_STEP_SUMMARY` set,
/// appends the Markdown summary there too.
pub(super) fn write_reports(
    plan: &ReportPlan,
    facts: &RunFacts,
    totals: &RunTotals,
    records: &[TrialRecord],
) -> Result<(), crate::errors::ReportError> {
    let report = reports::Report {
        facts,
        totals,
        trials: records,
    };
    if !plan.formats.is_empty() {
        for path in reports::write(&report, &plan.formats, &plan.dir)? {
            eprintln!("mjconform: report written to {}", path.display());
        }
    }
    if let Some(summary) = step_summary() {
        use std::io::Write as _;
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .and_then(|mut file| file.write_all(reports::markdown(&report).as_bytes()));
        match written {
            Ok(()) => eprintln!("mjconform: summary appended to $GITHUB_STEP_SUMMARY"),
            Err(err) => eprintln!(
                "mjconform: could not append the summary to {}: {err}",
                PathBuf::from(summary).display()
            ),
        }
    }
    Ok(())
}

/// The file `GITHUB_STEP_SUMMARY` names, when set.
pub(super) fn step_summary() -> Option<std::ffi::OsString> {
    std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty())
}

