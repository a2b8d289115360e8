//! The libtest-mimic runner: turns the contract's checks and the planned cases into
//! trials named `<check>::<case>`, runs them, and maps the outcome to an exit code.
//!
//! The same entry point serves `cargo test -- ...` (the `conformance` test binary) and
//! `mjconform check ...`; only the exit codes differ (libtest's 101 versus 1).

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use clap::Parser as _;
use libtest_mimic::{Arguments, Failed, Trial};

use crate::checks::{Check, Verdict};
use crate::cli::{first_line, parse_run_args, run_help, split_args};
use crate::context::{Case, RunContext};
use crate::errors::UsageError;
use crate::report;

/// Who is running the suite, which decides the exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A `harness = false` test binary under `cargo test`: libtest's exit codes.
    CargoTest,
    /// `mjconform check`: 0 all passed, 1 a check failed, 2 bad input.
    Cli,
}

/// Exit code for bad input: a malformed flag, an unreadable spec, an unreachable target.
pub const EXIT_USAGE: u8 = 2;
/// Exit code of `mjconform check` when a check failed.
pub const EXIT_FAILED: u8 = 1;

/// How the trials ended, beyond libtest's pass/fail: Hurl's distinction between "the
/// server broke the contract" and "the check could not run".
#[derive(Debug, Default)]
pub struct Tally {
    pub contract_failures: AtomicUsize,
    pub run_errors: AtomicUsize,
}

/// Runs the conformance suite with `args` (the program name first).
pub fn run(args: Vec<String>, mode: Mode) -> ExitCode {
    let (ours, theirs) = split_args(args);
    if theirs.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{}", run_help());
        println!("libtest options (filters, --exact, --list, --ignored, --test-threads N, --nocapture, --format) are accepted too.");
        return ExitCode::SUCCESS;
    }
    match prepare(&ours, theirs) {
        Ok((context, arguments)) => execute(context, arguments, mode),
        Err(err) => usage_exit(&err),
    }
}

/// Prints a one-line usage error and returns exit code 2.
pub fn usage_exit(err: &UsageError) -> ExitCode {
    eprintln!("error: failed to {err}");
    ExitCode::from(EXIT_USAGE)
}

fn prepare(
    ours: &[String],
    theirs: Vec<String>,
) -> Result<(Arc<RunContext>, Arguments), UsageError> {
    let run_args = parse_run_args(ours)?;
    let arguments = Arguments::try_parse_from(theirs)
        .map_err(|err| UsageError::Arguments(first_line(&err.to_string())))?;
    let context = RunContext::prepare(&run_args)?;
    if !arguments.list && !context.target.embedded {
        context.preflight()?;
    }
    Ok((context, arguments))
}

fn execute(context: Arc<RunContext>, arguments: Arguments, mode: Mode) -> ExitCode {
    let tally = Arc::new(Tally::default());
    let mut trials = check_trials(&context, &tally);
    trials.extend(crate::fuzz::trials(&context, &tally));
    trials.extend(crate::lifecycle::trials(&context, &tally));
    trials.extend(crate::snapshot::trials(&context, &tally));
    if !arguments.list {
        print_header(&context);
        context.prefetch(&selected_cases(&context, &arguments, &trials));
    }
    let conclusion = libtest_mimic::run(&arguments, trials);
    if !arguments.list {
        println!(
            "mjconform: {} requests sent; {} contract failures, {} checks could not run",
            context.requests_made(),
            tally.contract_failures.load(Ordering::Relaxed),
            tally.run_errors.load(Ordering::Relaxed),
        );
        for line in context.politeness.summary() {
            println!("{line}");
        }
        if let Some(line) = crate::fuzz::summary_line(&context) {
            println!("{line}");
        }
    }
    match mode {
        Mode::CargoTest => conclusion.exit_code(),
        Mode::Cli if conclusion.has_failed() => ExitCode::from(EXIT_FAILED),
        Mode::Cli => ExitCode::SUCCESS,
    }
}

/// The cases some selected trial reads (`<check>::<case>`, `snapshot::<case>`): only those
/// are prefetched, so a filtered run (`cargo test -- ignored_auth`) sends no other request.
fn selected_cases(context: &RunContext, arguments: &Arguments, trials: &[Trial]) -> Vec<Arc<Case>> {
    let selected: Vec<&str> = trials
        .iter()
        .filter(|trial| !arguments.is_filtered_out(trial) && !arguments.is_ignored(trial))
        .map(Trial::name)
        .collect();
    context
        .cases
        .iter()
        .filter(|case| {
            let read_by =
                |family: &str| selected.contains(&format!("{family}::{}", case.name).as_str());
            read_by("snapshot")
                || Check::ALL
                    .iter()
                    .any(|check| check.applies_to(&case.probe) && read_by(check.name()))
        })
        .cloned()
        .collect()
}

fn print_header(context: &RunContext) {
    let target = if context.target.embedded {
        format!("{} (embedded reference provider)", context.target.base_url)
    } else {
        context.target.base_url.to_string()
    };
    let credential = match &context.key {
        Some(_) => {
            let (name, value) = context.placement.credential("***");
            format!("{name}: {value}")
        }
        None => "none (no --api-key given)".to_owned(),
    };
    println!(
        "mjconform: target {target}; spec {}; {} task id(s); credential {credential}",
        context.contract.origin,
        context.task_ids.len()
    );
    if context.task_ids.is_empty() {
        println!("mjconform: no --task-id given: only unknown-id and credential checks run");
    }
    if let Some(line) = crate::fuzz::plan_line(context) {
        println!("{line}");
    }
}

/// libtest-mimic arguments for a test binary that is not the conformance suite: cargo
/// forwards `cargo test -- --target-url ...` to every test binary, so each one drops the
/// run options before libtest parses the rest.
pub fn test_arguments() -> Arguments {
    let (_ours, theirs) = split_args(std::env::args());
    match Arguments::try_parse_from(theirs) {
        Ok(arguments) => arguments,
        Err(err) => {
            eprintln!(
                "error: failed to parse arguments: {}",
                first_line(&err.to_string())
            );
            std::process::exit(EXIT_USAGE.into());
        }
    }
}

/// One trial per check and case it applies to.
pub fn check_trials(context: &Arc<RunContext>, tally: &Arc<Tally>) -> Vec<Trial> {
    let mut trials = Vec::new();
    for check in Check::ALL {
        for case in &context.cases {
            if !check.applies_to(&case.probe) {
                continue;
            }
            let name = format!("{}::{}", check.name(), case.name);
            let context = Arc::clone(context);
            let case = Arc::clone(case);
            let tally = Arc::clone(tally);
            trials.push(Trial::test(name, move || {
                run_check(&context, &case, check, &tally)
            }));
        }
    }
    trials
}

fn run_check(context: &RunContext, case: &Case, check: Check, tally: &Tally) -> Result<(), Failed> {
    let limits = context.client.limits();
    match context.answer(case) {
        Ok(exchange) => match check.run(&context.contract.fetch, &case.probe, exchange) {
            Verdict::Pass => Ok(()),
            Verdict::Fail(findings) => {
                tally.contract_failures.fetch_add(1, Ordering::Relaxed);
                Err(
                    report::contract_failure(check, exchange, &findings, limits, &context.redactor)
                        .into(),
                )
            }
        },
        Err(err) => {
            tally.run_errors.fetch_add(1, Ordering::Relaxed);
            let request = crate::exchange::SentRequest {
                method: case.request.method.as_str().to_owned(),
                url: context.client.url_for(&case.request.raw_path),
                raw_path: case.request.raw_path.clone(),
                headers: case.request.headers.clone(),
            };
            Err(
                report::run_error(check, &request, &err.to_string(), limits, &context.redactor)
                    .into(),
            )
        }
    }
}
