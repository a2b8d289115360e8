//! The outcome of a matrix as data: one [`TargetOutcome`] per target with a [`Cell`] per
//! check, and the [`MatrixOutcome`] around them. The Markdown, HTML and JSON writers read this
//! one model; `matrix.json` is it serialised (`schemas/matrix.schema.json`).
//!
//! Nothing here holds a key: cells are made from the children's reports (redacted by each
//! child) and the matrix's own facts, which name a key's variable, never its value.

use std::collections::BTreeMap;

use serde::Serialize;

/// The version of `matrix.json`'s shape: bumped on any change a reader could notice.
pub const MATRIX_SCHEMA_VERSION: u32 = 1;

/// One check on one target, over all its cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// Every case was ignored: nothing to judge.
    Ignored,
    Pass,
    /// Passed, with warnings: findings of a check at level `warn`.
    Warn,
    /// Passed, with findings the target's baseline accepts.
    Known,
    /// The check could not run on some case (no answer, a refused key, a deadline).
    CouldNotRun,
    /// The server broke the contract on some case.
    Fail,
}

impl CellStatus {
    pub fn label(self) -> &'static str {
        match self {
            CellStatus::Ignored => "ignored",
            CellStatus::Pass => "pass",
            CellStatus::Warn => "warn",
            CellStatus::Known => "known",
            CellStatus::CouldNotRun => "could not run",
            CellStatus::Fail => "fail",
        }
    }

    /// The CSS class and the JSON value.
    pub fn class(self) -> &'static str {
        match self {
            CellStatus::Ignored => "ignored",
            CellStatus::Pass => "pass",
            CellStatus::Warn => "warn",
            CellStatus::Known => "known",
            CellStatus::CouldNotRun => "error",
            CellStatus::Fail => "fail",
        }
    }
}

/// A check's cell for one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub status: CellStatus,
    /// Trials of this check (one per case).
    pub trials: usize,
    pub failed: usize,
    pub known: usize,
    /// Trials whose findings are warnings (the check is at level `warn`).
    pub warned: usize,
    pub could_not_run: usize,
    pub ignored: usize,
    /// The first failing (or, failing none, erroring or known) trial in one line.
    pub summary: Option<String>,
    /// Why it could not run, when it could not.
    pub reason: Option<String>,
    /// The target's own `report.html` at that trial, relative to the matrix's directory.
    pub link: Option<String>,
}

impl Cell {
    /// What a failing or could-not-run cell is about, in at most `max` characters: the first
    /// finding (or reason) of its first such trial, without the trial's name.
    pub fn why(&self, max: usize) -> Option<String> {
        if !matches!(self.status, CellStatus::Fail | CellStatus::CouldNotRun) || self.trials == 0 {
            return None;
        }
        let summary = self.summary.as_deref().or(self.reason.as_deref())?;
        // A summary is `<trial name>: <what>`; trial names hold `::` but never `: `.
        let what = summary.split_once(": ").map_or(summary, |(_, what)| what);
        Some(match what.char_indices().nth(max) {
            Some((at, _)) => format!("{}…", &what[..at]),
            None => what.to_owned(),
        })
    }

    /// The words a cell shows: `pass`, `3 failures`, `known`, `could not run: deadline`.
    pub fn text(&self) -> String {
        match self.status {
            CellStatus::Fail => {
                let mut text = plural(self.failed, "failure", "failures");
                if self.could_not_run > 0 {
                    text.push_str(&format!(", {} could not run", self.could_not_run));
                }
                text
            }
            CellStatus::CouldNotRun => match &self.reason {
                Some(reason) if self.trials == 0 => format!("could not run: {reason}"),
                _ => "could not run".to_owned(),
            },
            CellStatus::Known => format!("known ({})", self.known),
            CellStatus::Warn => plural(self.warned, "warning", "warnings"),
            status => status.label().to_owned(),
        }
    }
}

/// How a target ended, worst cell first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    /// Passed with known deviations only.
    Known,
    Fail,
    CouldNotRun,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Known => "PASS (known)",
            Verdict::Fail => "FAIL",
            Verdict::CouldNotRun => "COULD NOT RUN",
        }
    }

    /// Whether the target makes the matrix exit 1.
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::CouldNotRun)
    }

    pub fn class(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Known => "known",
            Verdict::Fail => "fail",
            Verdict::CouldNotRun => "error",
        }
    }
}

/// Where the dialect shown for a target came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DialectSource {
    /// The target's `dialect` key.
    Given,
    /// An embedded mock speaks it.
    Mock,
    /// `mjconform identify` ranked it best (`--identify`).
    Identified,
    /// Not known: no `dialect`, and `--identify` was not given or named no family.
    Unknown,
}

/// The dialect of a target, as far as the matrix knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DialectFact {
    /// `doc` or a dialect name; `None` when unknown.
    pub name: Option<String>,
    pub source: DialectSource,
    /// What identify said, when it ran (its best-fit line, or why it named none).
    pub detail: Option<String>,
}

impl DialectFact {
    pub fn text(&self) -> String {
        match (&self.name, self.source) {
            (Some(name), DialectSource::Given) => format!("{name} (given)"),
            (Some(name), DialectSource::Mock) => format!("{name} (mock)"),
            (Some(name), DialectSource::Identified) => format!("{name} (identified)"),
            _ => "not identified".to_owned(),
        }
    }
}

/// The embedded mock a target was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MockFacts {
    /// `None` for the reference provider (the doc).
    pub dialect: Option<String>,
    pub faults: Vec<String>,
}

/// The files of a target, relative to the matrix's directory; `None` when not written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TargetFiles {
    pub json: Option<String>,
    pub junit: Option<String>,
    pub html: Option<String>,
    /// The child's terminal output (redacted).
    pub log: Option<String>,
}

/// A target's counts, from its own report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub known: usize,
    pub failed: usize,
    pub could_not_run: usize,
    pub ignored: usize,
    pub requests_sent: usize,
}

/// One target's row (or column) of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct TargetOutcome {
    pub name: String,
    /// The URL checked (for a mock, its loopback URL of this run).
    pub url: String,
    pub mock: Option<MockFacts>,
    /// The environment variable the key came from; never the key.
    pub key_env: Option<String>,
    /// The contract the run judged against: `doc` or a dialect name.
    pub checked_against: String,
    pub dialect: DialectFact,
    pub verdict: Verdict,
    /// Why the target could not run, when it could not (a deadline, bad input, no report).
    pub reason: Option<String>,
    /// The child's exit code; `None` when it was stopped at its deadline.
    pub exit_code: Option<i32>,
    pub deadline_hit: bool,
    pub duration_ms: u64,
    pub deadline_ms: u64,
    pub files: TargetFiles,
    /// From its report; `None` when it wrote none.
    pub counts: Option<Counts>,
    /// By check name; a check with no trial on this target has no cell.
    pub cells: BTreeMap<String, Cell>,
}

impl TargetOutcome {
    /// Counts in one line, for the terminal and the tables.
    pub fn counts_line(&self) -> String {
        match &self.counts {
            Some(c) => format!(
                "{} passed, {} known, {} failed, {} could not run",
                c.passed, c.known, c.failed, c.could_not_run
            ),
            None => "no report".to_owned(),
        }
    }
}

/// The whole matrix.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixOutcome {
    pub schema_version: u32,
    pub mjconform_version: String,
    /// The matrix file, as given.
    pub file: String,
    pub started_at: String,
    pub duration_ms: u64,
    /// Children run at once.
    pub concurrency: usize,
    /// Why the matrix stopped early (Ctrl-C), if it did.
    pub interrupted: Option<String>,
    /// `pass` or `fail`.
    pub verdict: String,
    pub exit_code: u8,
    /// Every check any target ran, in display order (checks, fuzz, lifecycle, snapshot).
    pub checks: Vec<String>,
    /// In the file's order.
    pub targets: Vec<TargetOutcome>,
}

pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
