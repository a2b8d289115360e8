//! `mjconform matrix --from-reports DIR…`: the matrix from `report.json` files that separate
//! `mjconform check --report json` jobs wrote (a CI job matrix: one job per provider, on its
//! own runner, then one job that downloads every job's reports and builds the matrix). The
//! cells, verdicts, links and files are those of a matrix that ran the targets itself.
//!
//! Each file is checked against `schemas/report.schema.json` first: a file that is not an
//! mjconform report is bad input (one line, exit 2), never a target that "could not run".

use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;
use std::time::Instant;

use super::cells::ChildReport;
use super::child::Ended;
use super::config::Matrix;
use super::model::{DialectFact, DialectSource, TargetFiles, TargetOutcome, Verdict};
use crate::errors::MatrixError;
use crate::reports::Format;

const REPORT_SCHEMA: &str = include_str!("../../../schemas/report.schema.json");

static VALIDATOR: LazyLock<Result<jsonschema::Validator, String>> = LazyLock::new(|| {
    let schema: serde_json::Value =
        serde_json::from_str(REPORT_SCHEMA).map_err(|err| err.to_string())?;
    jsonschema::validator_for(&schema).map_err(|err| err.to_string())
});

/// The `report.json` files under `inputs`: each input is a report file, a directory holding
/// `report.json`, or a directory whose subdirectories (one level: one per CI job's
/// artifact) hold one. In the order given, subdirectories by name.
pub fn find(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, MatrixError> {
    let name = Format::Json.file_name();
    let mut found = Vec::new();
    for input in inputs {
        if input.is_file() {
            found.push(input.clone());
            continue;
        }
        if input.join(name).is_file() {
            found.push(input.join(name));
            continue;
        }
        let entries = std::fs::read_dir(input).map_err(|source| MatrixError::Report {
            path: input.clone(),
            reason: source.to_string(),
        })?;
        let mut inside: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path().join(name))
            .filter(|path| path.is_file())
            .collect();
        if inside.is_empty() {
            return Err(MatrixError::Report {
                path: input.clone(),
                reason: format!("no {name} in it nor in a directory inside it"),
            });
        }
        inside.sort();
        found.extend(inside);
    }
    Ok(found)
}

/// Reads one report: schema-checked, then parsed.
pub fn read(path: &Path) -> Result<ChildReport, MatrixError> {
    let not_a_report = |reason: String| MatrixError::Report {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|err| not_a_report(err.to_string()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| not_a_report(format!("not an mjconform report: not JSON ({err})")))?;
    let validator = VALIDATOR.as_ref().map_err(|err| not_a_report(err.clone()))?;
    if let Some(error) = validator.iter_errors(&value).next() {
        let at = error.instance_path().to_string();
        return Err(not_a_report(format!(
            "not an mjconform report (schemas/report.schema.json): {}{}",
            first_line(&error.to_string()),
            if at.is_empty() {
                String::new()
            } else {
                format!(" at {at}")
            }
        )));
    }
    ChildReport::parse(&text).map_err(|err| not_a_report(format!("not an mjconform report: {err}")))
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

/// The matrix of the reports under `inputs`, written into `out_dir`.
pub fn outcomes(inputs: &[PathBuf], out_dir: &Path) -> Result<Vec<TargetOutcome>, MatrixError> {
    let paths = find(inputs)?;
    let mut targets: Vec<TargetOutcome> = Vec::new();
    for path in paths {
        let report = read(&path)?;
        let mut name = report.facts.target_label.clone();
        let mut number = 1;
        while targets.iter().any(|target| target.name == name) {
            number += 1;
            name = format!("{}-{number}", report.facts.target_label);
        }
        targets.push(outcome(name, &path, report, out_dir));
    }
    Ok(targets)
}

fn outcome(name: String, path: &Path, report: ChildReport, out_dir: &Path) -> TargetOutcome {
    let beside = |format: Format| {
        let file = path.with_file_name(format.file_name());
        file.is_file().then(|| relative_to(out_dir, &file))
    };
    let dialect = report.facts.dialect.clone();
    let mut outcome = TargetOutcome {
        name,
        url: report.facts.target_url.clone(),
        mock: None,
        key_env: None,
        checked_against: dialect.clone().unwrap_or_else(|| "doc".to_owned()),
        dialect: DialectFact {
            name: dialect.clone(),
            source: if dialect.is_some() {
                DialectSource::Given
            } else {
                DialectSource::Unknown
            },
            detail: None,
        },
        verdict: Verdict::CouldNotRun,
        reason: None,
        exit_code: Some(i32::from(report.totals.exit_code)),
        deadline_hit: false,
        duration_ms: report.totals.duration_ms,
        deadline_ms: 0,
        files: TargetFiles {
            json: Some(relative_to(out_dir, path)),
            junit: beside(Format::Junit),
            html: beside(Format::Html),
            log: None,
        },
        counts: None,
        cells: Default::default(),
    };
    // The job's own exit code, as the matrix would have seen its child end.
    let ended = Ended {
        exit_code: Some(i32::from(report.totals.exit_code)),
        deadline_hit: false,
        interrupted: false,
        stdout: String::new(),
        stderr: String::new(),
    };
    super::target::judge(&mut outcome, Some(&ended), Some(Ok(report)), Default::default());
    outcome
}

/// `file` as a path relative to `dir` (both made absolute first), with `/` separators, for
/// links from the matrix's pages.
fn relative_to(dir: &Path, file: &Path) -> String {
    let absolute = |path: &Path| {
        std::fs::canonicalize(path).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|cwd| cwd.join(path))
                .unwrap_or_else(|_| path.to_owned())
        })
    };
    let (dir, file) = (absolute(dir), absolute(file));
    let dir: Vec<Component> = dir.components().collect();
    let file: Vec<Component> = file.components().collect();
    let common = dir
        .iter()
        .zip(&file)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".to_owned(); dir.len() - common];
    parts.extend(
        file[common..]
            .iter()
            .map(|part| part.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// A stand-in matrix file for [`super::assemble`]: what `file` says, and no targets to run.
pub fn matrix(inputs: &[PathBuf], out_dir: &Path) -> Matrix {
    let given: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    Matrix {
        path: PathBuf::from(format!("--from-reports {}", given.join(" "))),
        concurrency: 1,
        report_dir: out_dir.to_owned(),
        identify: false,
        targets: Vec::new(),
    }
}

/// Builds and writes the matrix; the started time is the build's.
pub fn execute(inputs: &[PathBuf], out_dir: &Path) -> Result<super::model::MatrixOutcome, MatrixError> {
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    std::fs::create_dir_all(out_dir).map_err(|source| MatrixError::CreateDir {
        path: out_dir.to_owned(),
        source,
    })?;
    let targets = outcomes(inputs, out_dir)?;
    let outcome = super::assemble(&matrix(inputs, out_dir), targets, started_at, started, None);
    let written = super::write(&outcome, out_dir)?;
    for line in super::progress::summary_lines(&outcome) {
        eprintln!("{line}");
    }
    for path in written {
        eprintln!("mjconform matrix: written to {}", path.display());
    }
    super::append_step_summary(&outcome);
    Ok(outcome)
}
