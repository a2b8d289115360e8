//! One target of the matrix from start to end: its dialect (given, a mock's, or identified
//! with `--identify`), its `check` child within the deadline, and its outcome read back
//! from the report the child wrote.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::cells::ChildReport;
use super::child::{self, Ended};
use super::command::{self, FUZZ_FAILURES};
use super::config::{Source, Target};
use super::mocks::Endpoint;
use super::model::{
    CellStatus, DialectFact, DialectSource, MockFacts, TargetFiles, TargetOutcome, Verdict,
};
use crate::message::redact::Redactor;
use crate::reports::Format;
use crate::run::outcome::millis;

/// What every target's run shares.
pub struct Launch<'a> {
    /// This very binary.
    pub exe: &'a Path,
    /// The matrix's directory; each target writes into `<dir>/<name>/`.
    pub out_dir: &'a Path,
    pub identify: bool,
    /// Set on Ctrl-C: running children are interrupted, waiting targets do not start.
    pub stop: &'a AtomicBool,
    /// Every key of the matrix, for the children's output.
    pub redactor: &'a Redactor,
}

/// The log of each child, beside its reports.
const CHECK_LOG: &str = "check.log";
const IDENTIFY_LOG: &str = "identify.log";

/// Runs `target` and reads its outcome. Cells of a target that could not run are filled in
/// by the caller, which knows every check.
pub fn run(target: &Target, endpoint: &Endpoint, launch: &Launch) -> TargetOutcome {
    let started = Instant::now();
    let dir = launch.out_dir.join(&target.name);
    let mut outcome = blank(target, endpoint);
    if let Err(err) = fresh_dir(&dir) {
        outcome.reason = Some(format!("could not prepare {}: {err}", dir.display()));
        return outcome;
    }
    let mut found_placement = None;
    outcome.dialect = dialect_of(
        target,
        endpoint,
        launch,
        &dir,
        &mut outcome.files,
        &mut found_placement,
    );
    // The placement identify found is where the check puts the key, unless the file says.
    let mut checked = target.clone();
    if checked.key_placement.is_none() {
        checked.key_placement = found_placement;
    }
    let remaining = target.deadline.saturating_sub(started.elapsed());
    let ended = if remaining.is_zero() {
        None
    } else {
        let command = command::check(launch.exe, &checked, endpoint, &dir);
        match child::run(command, remaining, launch.stop, launch.redactor) {
            Ok(ended) => Some(ended),
            Err(err) => {
                outcome.reason = Some(format!("could not start the check: {err}"));
                outcome.duration_ms = millis(started.elapsed());
                return outcome;
            }
        }
    };
    if let Some(ended) = &ended {
        if write_log(&dir.join(CHECK_LOG), ended) {
            outcome.files.log = Some(relative(&target.name, CHECK_LOG));
        }
        outcome.exit_code = ended.exit_code;
    }
    let present = |format: Format| {
        dir.join(format.file_name())
            .is_file()
            .then(|| relative(&target.name, format.file_name()))
    };
    outcome.files.json = present(Format::Json);
    outcome.files.junit = present(Format::Junit);
    outcome.files.html = present(Format::Html);
    let report = outcome.files.json.as_ref().map(|_| {
        std::fs::read_to_string(dir.join(Format::Json.file_name()))
            .map_err(|err| err.to_string())
            .and_then(|text| ChildReport::parse(&text))
    });
    outcome.duration_ms = millis(started.elapsed());
    judge(&mut outcome, ended.as_ref(), report, target.deadline);
    outcome
}

/// A target that never started: the matrix was interrupted first.
pub fn not_started(target: &Target, endpoint: &Endpoint) -> TargetOutcome {
    let mut outcome = blank(target, endpoint);
    outcome.reason = Some("interrupted before it started".to_owned());
    outcome
}

/// The outcome before anything ran: could not run, no files, no cells.
fn blank(target: &Target, endpoint: &Endpoint) -> TargetOutcome {
    TargetOutcome {
        name: target.name.clone(),
        url: endpoint.url.to_string(),
        mock: match &target.source {
            Source::Mock { dialect, faults } => Some(MockFacts {
                dialect: dialect.map(|d| d.name.to_owned()),
                faults: faults.iter().map(|f| f.name().to_owned()).collect(),
            }),
            Source::Url(_) => None,
        },
        key_env: target.key_env.clone(),
        checked_against: target
            .dialect
            .map_or_else(|| "doc".to_owned(), |d| d.name.to_owned()),
        dialect: DialectFact {
            name: None,
            source: DialectSource::Unknown,
            detail: None,
        },
        verdict: Verdict::CouldNotRun,
        reason: None,
        exit_code: None,
        deadline_hit: false,
        duration_ms: 0,
        deadline_ms: millis(target.deadline),
        files: TargetFiles::default(),
        counts: None,
        cells: BTreeMap::new(),
    }
}

/// The verdict, reason and cells from how the child ended and what it wrote.
pub(super) fn judge(
    outcome: &mut TargetOutcome,
    ended: Option<&Ended>,
    report: Option<Result<ChildReport, String>>,
    deadline: Duration,
) {
    let partial = match (&report, &outcome.files.html) {
        (Some(Ok(_)), _) => "its partial reports are beside it",
        _ => "it wrote no report",
    };
    let stopped = match ended {
        None => Some(format!(
            "deadline ({}) reached before the check started",
            seconds(deadline)
        )),
        Some(ended) if ended.deadline_hit => {
            outcome.deadline_hit = true;
            Some(format!(
                "deadline ({}) reached; {partial}",
                seconds(deadline)
            ))
        }
        Some(ended) if ended.interrupted => Some(format!("interrupted; {partial}")),
        // Ctrl-C reaches the child too: it wrote its reports and exited 130.
        Some(ended) if ended.exit_code == Some(130) => {
            Some(format!("interrupted (Ctrl-C); {partial}"))
        }
        Some(ended) if ended.exit_code == Some(2) => Some(
            ended
                .error_line()
                .map(|line| format!("bad input or unreachable: {line}"))
                .unwrap_or_else(|| "the check exited 2 (bad input)".to_owned()),
        ),
        Some(ended) if !matches!(ended.exit_code, Some(0 | 1)) => Some(format!(
            "the check ended abnormally ({})",
            ended.exit_code.map_or_else(
                || "killed by a signal".to_owned(),
                |c| format!("exit code {c}")
            )
        )),
        Some(_) => None,
    };
    if let Some(Ok(report)) = &report {
        outcome.counts = Some(report.counts());
    }
    if let Some(reason) = stopped {
        outcome.verdict = Verdict::CouldNotRun;
        outcome.reason = Some(reason);
        return;
    }
    let report = match report {
        Some(Ok(report)) => report,
        Some(Err(err)) => {
            outcome.reason = Some(format!("its report.json could not be read: {err}"));
            return;
        }
        None => {
            outcome.reason = Some("it wrote no report.json".to_owned());
            return;
        }
    };
    outcome.cells = report.cells(outcome.files.html.as_deref());
    let worst = outcome.cells.values().map(|cell| cell.status).max();
    outcome.verdict = match worst {
        Some(CellStatus::Fail) => Verdict::Fail,
        Some(CellStatus::CouldNotRun) => Verdict::CouldNotRun,
        Some(CellStatus::Known) => Verdict::Known,
        _ => Verdict::Pass,
    };
    if report.totals.verdict == "fail" && !outcome.verdict.is_failure() {
        // A failure no cell shows: stale or expired baseline entries under --strict-baseline.
        outcome.verdict = Verdict::Fail;
        outcome.reason = Some("the run failed without a failing trial (see its report)".to_owned());
    }
    if let Some(why) = &report.totals.interrupted {
        outcome
            .reason
            .get_or_insert_with(|| format!("the run stopped early: {why}"));
    }
    if outcome.dialect.name.is_none() {
        if let Some(dialect) = &report.facts.dialect {
            outcome.dialect.name = Some(dialect.clone());
        }
    }
}

/// The dialect shown for the target; runs `identify` when asked and nothing else says.
fn dialect_of(
    target: &Target,
    endpoint: &Endpoint,
    launch: &Launch,
    dir: &Path,
    files: &mut TargetFiles,
    found_placement: &mut Option<crate::http::auth::KeyPlacement>,
) -> DialectFact {
    let fact = |name: Option<String>, source, detail| DialectFact {
        name,
        source,
        detail,
    };
    if let Some(dialect) = target.dialect {
        return fact(Some(dialect.name.to_owned()), DialectSource::Given, None);
    }
    if let Source::Mock { dialect, .. } = &target.source {
        let name = dialect.map_or("doc", |d| d.name);
        return fact(Some(name.to_owned()), DialectSource::Mock, None);
    }
    if !launch.identify {
        return fact(None, DialectSource::Unknown, None);
    }
    let command = command::identify(launch.exe, target, endpoint);
    match child::run(command, target.deadline, launch.stop, launch.redactor) {
        Ok(ended) => {
            if write_log(&dir.join(IDENTIFY_LOG), &ended) {
                files
                    .log
                    .get_or_insert_with(|| relative(&target.name, IDENTIFY_LOG));
            }
            if ended.deadline_hit {
                return fact(
                    None,
                    DialectSource::Unknown,
                    Some("identify did not finish before the deadline".to_owned()),
                );
            }
            *found_placement = command::identified_placement(&ended.stdout);
            match command::identified(&ended.stdout) {
                Ok(name) => {
                    let detail = ended
                        .stdout
                        .lines()
                        .find(|line| line.starts_with("best fit: "))
                        .map(str::to_owned);
                    fact(Some(name), DialectSource::Identified, detail)
                }
                Err(why) => {
                    // A refused option or an unreachable target says so on stderr.
                    let why = ended.error_line().unwrap_or(why);
                    fact(None, DialectSource::Unknown, Some(why))
                }
            }
        }
        Err(err) => fact(
            None,
            DialectSource::Unknown,
            Some(format!("identify could not start: {err}")),
        ),
    }
}

/// Removes what an earlier matrix left in the target's directory, so a report that this run
/// did not write is never read as this run's.
fn fresh_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for format in Format::ALL {
        remove_if_present(&dir.join(format.file_name()))?;
    }
    remove_if_present(&dir.join(CHECK_LOG))?;
    remove_if_present(&dir.join(IDENTIFY_LOG))?;
    // Named by host and port, which a mock changes every run: old ones would pile up.
    match std::fs::remove_dir_all(dir.join(FUZZ_FAILURES)) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// The child's output (already redacted) for a person to read; whether it was written.
fn write_log(path: &Path, ended: &Ended) -> bool {
    let text = format!(
        "exit code: {}\n--- stderr ---\n{}\n--- stdout ---\n{}",
        ended.exit_code.map_or_else(
            || "none (stopped by a signal)".to_owned(),
            |c| c.to_string()
        ),
        ended.stderr,
        ended.stdout
    );
    std::fs::write(path, text).is_ok()
}

/// A file of the target, as the matrix's pages link it.
fn relative(name: &str, file: &str) -> String {
    format!("{name}/{file}")
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}
