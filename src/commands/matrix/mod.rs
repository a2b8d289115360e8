//! `mjconform matrix TARGETS.toml`: the same run against many targets, one picture of the
//! result.
//!
//! Each target is a child process of this binary (`mjconform check`, with the target's
//! options as flags and its key only in the child's environment), so every check, the
//! baseline and the reports are the ones a single run has, a stalled target stalls only its
//! own child, and a child past its deadline can be stopped. At most `--concurrency` children
//! run at once. Each writes its JSON, JUnit and HTML reports into `<dir>/<target>/`; the matrix
//! reads each `report.json` back and writes `matrix.md`, `matrix.html` and `matrix.json`
//! (`schemas/matrix.schema.json`) beside them.
//!
//! One idea per file: [`config`] reads the file, [`mocks`] starts the embedded mocks,
//! `command` builds each child's command line, `child` runs one to its end or deadline,
//! `target` runs one target and judges it, `cells` reads a child's report into cells,
//! [`model`] is the outcome as data, `progress` the terminal lines, and `render_markdown`,
//! `render_html`, `render_json` the three files.

mod cells;
mod child;
mod command;
pub mod config;
mod from_reports;
pub mod mocks;
pub mod model;
mod progress;
mod render_html;
mod render_json;
mod render_markdown;
mod target;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use crate::commands::harness::{usage_exit, EXIT_FAILED, EXIT_INTERRUPTED};
use crate::errors::{MatrixError, UsageError};
use crate::message::redact::Redactor;
use crate::run::outcome::millis;
use config::{Matrix, Overrides};
use model::{MatrixOutcome, TargetOutcome, Verdict, MATRIX_SCHEMA_VERSION};

/// The options of `mjconform matrix`.
#[derive(Debug, Clone, clap::Args)]
pub struct MatrixArgs {
    /// The matrix file: global options and one `[[target]]` per server (docs/matrix.md).
    #[arg(value_name = "TARGETS.toml", required_unless_present = "from_reports")]
    pub file: Option<PathBuf>,
    /// Build the matrix from the `report.json` files of separate `mjconform check --report
    /// json` runs (a CI job matrix) instead of running targets: each DIR is a report file, a
    /// directory holding `report.json`, or a directory of such directories.
    #[arg(
        long,
        value_name = "DIR",
        num_args = 1..,
        conflicts_with_all = ["file", "concurrency", "deadline", "identify"]
    )]
    pub from_reports: Vec<PathBuf>,
    /// Most targets checked at once [default: the file's `concurrency`, else 4].
    #[arg(long, value_name = "N", value_parser = crate::run::cli::parse_concurrency)]
    pub concurrency: Option<u32>,
    /// Deadline of each target that sets none [default: the file's `deadline`, else 300s].
    #[arg(long, value_name = "DURATION", value_parser = crate::run::cli::parse_duration)]
    pub deadline: Option<Duration>,
    /// Where the matrix and each target's reports go [default: the file's `report_dir`,
    /// else `mjconform-matrix/`].
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Run `mjconform identify` first for each URL target that names no `dialect`, to show
    /// its family (task ids + 10 more requests per target, more if the key is refused).
    #[arg(long)]
    pub identify: bool,
}

/// The files the matrix writes into its directory.
pub const MARKDOWN_FILE: &str = "matrix.md";
pub const HTML_FILE: &str = "matrix.html";
pub const JSON_FILE: &str = "matrix.json";

/// Runs the matrix and maps its outcome to the exit code: 0 every target passed (known
/// deviations allowed), 1 a target failed or could not run, 2 bad input, 130 interrupted.
pub fn run(args: MatrixArgs) -> ExitCode {
    if !args.from_reports.is_empty() {
        let out_dir = args
            .report_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("mjconform-matrix"));
        return match from_reports::execute(&args.from_reports, &out_dir) {
            Ok(outcome) => ExitCode::from(outcome.exit_code),
            Err(err) => usage_exit(&UsageError::Matrix(err)),
        };
    }
    let Some(file) = args.file.as_ref() else {
        // clap requires the file unless --from-reports is given.
        return usage_exit(&UsageError::Arguments(
            "a matrix file (TARGETS.toml) or --from-reports DIR is required".to_owned(),
        ));
    };
    let overrides = Overrides {
        concurrency: args.concurrency.map(|n| n as usize),
        deadline: args.deadline,
        report_dir: args.report_dir.clone(),
        identify: args.identify,
    };
    let env = |name: &str| std::env::var(name).ok();
    let matrix = match config::load(file, &overrides, &env) {
        Ok(matrix) => matrix,
        Err(err) => return usage_exit(&UsageError::Matrix(err)),
    };
    match execute(&matrix) {
        Ok(outcome) => ExitCode::from(outcome.exit_code),
        Err(err) => usage_exit(&UsageError::Matrix(err)),
    }
}

/// Runs every target and writes the matrix.
pub fn execute(matrix: &Matrix) -> Result<MatrixOutcome, MatrixError> {
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let exe = std::env::current_exe().map_err(MatrixError::CurrentExe)?;
    let out_dir = &matrix.report_dir;
    std::fs::create_dir_all(out_dir).map_err(|source| MatrixError::CreateDir {
        path: out_dir.clone(),
        source,
    })?;
    let (mocks, endpoints) = mocks::start(&matrix.targets)?;
    let redactor = Redactor::new(
        endpoints
            .iter()
            .filter_map(|endpoint| endpoint.key.as_ref().map(|key| key.expose().to_owned())),
    );
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        mocks.runtime().spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nmjconform matrix: interrupted; stopping the running targets and writing what they gathered");
                stop.store(true, Ordering::Relaxed);
            }
        });
    }
    eprintln!("{}", progress::started_line(matrix));
    let launch = target::Launch {
        exe: &exe,
        out_dir,
        identify: matrix.identify,
        stop: &stop,
        redactor: &redactor,
    };
    let mut outcomes: Vec<Option<TargetOutcome>> = vec![None; matrix.targets.len()];
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<(usize, TargetOutcome)>();
    std::thread::scope(|scope| {
        let workers = matrix.concurrency.clamp(1, matrix.targets.len().max(1));
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, launch, endpoints, stop) = (&next, &launch, &endpoints, &stop);
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(target) = matrix.targets.get(index) else {
                    break;
                };
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let outcome = target::run(target, &endpoints[index], launch);
                if sender.send((index, outcome)).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        let total = matrix.targets.len();
        for (done, (index, outcome)) in receiver.iter().enumerate() {
            eprintln!("{}", progress::finished_line(done + 1, total, &outcome));
            outcomes[index] = Some(outcome);
        }
    });
    let interrupted = stop
        .load(Ordering::Relaxed)
        .then(|| "interrupted (Ctrl-C) before every target ended".to_owned());
    let targets: Vec<TargetOutcome> = outcomes
        .into_iter()
        .zip(&matrix.targets)
        .zip(&endpoints)
        .map(|((outcome, target), endpoint)| {
            outcome.unwrap_or_else(|| target::not_started(target, endpoint))
        })
        .collect();
    drop(mocks);
    let outcome = assemble(matrix, targets, started_at, started, interrupted);
    let written = write(&outcome, out_dir)?;
    for line in progress::summary_lines(&outcome) {
        eprintln!("{line}");
    }
    for path in written {
        eprintln!("mjconform matrix: written to {}", path.display());
    }
    append_step_summary(&outcome);
    Ok(outcome)
}

/// The matrix from the targets' outcomes: the checks as the union of what the targets ran,
/// the cells of targets that could not run filled in, the verdict and exit code.
fn assemble(
    matrix: &Matrix,
    mut targets: Vec<TargetOutcome>,
    started_at: String,
    started: Instant,
    interrupted: Option<String>,
) -> MatrixOutcome {
    let checks = checks_of(&targets);
    for target in &mut targets {
        if target.cells.is_empty() && target.verdict == Verdict::CouldNotRun {
            let reason = target
                .reason
                .as_deref()
                .map(short_reason)
                .unwrap_or("no report");
            target.cells = cells::could_not_run(reason, &checks);
            if let Some(html) = &target.files.html {
                // A partial report is still worth a click from every cell.
                for cell in target.cells.values_mut() {
                    cell.link = Some(html.clone());
                }
            }
        }
    }
    let failed = targets.iter().any(|target| target.verdict.is_failure());
    let exit_code = match (&interrupted, failed) {
        (Some(_), _) => EXIT_INTERRUPTED as u8,
        (None, true) => EXIT_FAILED,
        (None, false) => 0,
    };
    MatrixOutcome {
        schema_version: MATRIX_SCHEMA_VERSION,
        mjconform_version: env!("CARGO_PKG_VERSION").to_owned(),
        file: matrix.path.display().to_string(),
        started_at,
        duration_ms: millis(started.elapsed()),
        concurrency: matrix.concurrency,
        interrupted,
        verdict: if exit_code == 0 { "pass" } else { "fail" }.to_owned(),
        exit_code,
        checks,
        targets,
    }
}

/// Every check some target ran, in the order a run lists them; the suite's checks when no
/// target wrote a report.
fn checks_of(targets: &[TargetOutcome]) -> Vec<String> {
    let mut checks: Vec<(u8, String)> = Vec::new();
    for target in targets {
        for check in target.cells.keys() {
            if !checks.iter().any(|(_, known)| known == check) {
                checks.push((cells::family_rank(check), check.clone()));
            }
        }
    }
    if checks.is_empty() {
        checks = crate::checks::Check::ALL
            .iter()
            .map(|check| (0, check.name().to_owned()))
            .collect();
    }
    checks.sort();
    checks.into_iter().map(|(_, check)| check).collect()
}

/// The gist of a reason, for a cell: `deadline` rather than the whole sentence.
fn short_reason(reason: &str) -> &str {
    if reason.starts_with("deadline") {
        "deadline"
    } else if reason.starts_with("interrupted") {
        "interrupted"
    } else if reason.starts_with("bad input or unreachable") {
        "bad input or unreachable"
    } else {
        "no report"
    }
}

/// Writes the three files, each whole or not at all; returns their paths.
fn write(outcome: &MatrixOutcome, dir: &Path) -> Result<Vec<PathBuf>, MatrixError> {
    let json = render_json::render(outcome).map_err(|err| MatrixError::Write {
        what: "JSON",
        path: dir.join(JSON_FILE),
        source: std::io::Error::other(err),
    })?;
    let files = [
        ("Markdown", MARKDOWN_FILE, render_markdown::render(outcome)),
        ("HTML", HTML_FILE, render_html::render(outcome)),
        ("JSON", JSON_FILE, json),
    ];
    let mut written = Vec::new();
    for (what, name, text) in files {
        let path = dir.join(name);
        let partial = dir.join(format!(".{name}.partial"));
        std::fs::write(&partial, text)
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|source| MatrixError::Write {
                what,
                path: path.clone(),
                source,
            })?;
        written.push(path);
    }
    Ok(written)
}

/// With `GITHUB_STEP_SUMMARY` set, the Markdown matrix goes on the job page (the children
/// append nothing: the matrix is the summary).
fn append_step_summary(outcome: &MatrixOutcome) {
    let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) else {
        return;
    };
    use std::io::Write as _;
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&summary)
        .and_then(|mut file| file.write_all(render_markdown::render(outcome).as_bytes()));
    match written {
        Ok(()) => eprintln!("mjconform matrix: summary appended to $GITHUB_STEP_SUMMARY"),
        Err(err) => eprintln!(
            "mjconform matrix: could not append the summary to {}: {err}",
            PathBuf::from(summary).display()
        ),
    }
}
