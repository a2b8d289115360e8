//! The harness tested against itself: the whole suite runs against the reference provider,
//! once clean (no trial may fail) and once per fault in `FAULT_CATALOGUE` (exactly the
//! catalogued trial families must fail, as contract failures). A check no fault can make
//! fail is a check nobody knows works; a fault no check catches is a missing check.
//!
//! Each run is the real thing: the provider, bent by the fault, listens on 127.0.0.1:0 in
//! this process, and the `mjconform check` binary runs against it as a user would run it
//! against a relay, its verdicts read from libtest's `test <name> ... FAILED` lines. Runs
//! are independent, so libtest's threads run them side by side.
//!
//! A row names exact trials and the finding each must carry, so a row passes only when its
//! fault's own rule fired on exactly the trials it bends: a trial failing for another reason,
//! or a rule that stopped firing while another still fails the trial, fails the row.
//!
//! The `fuzz::` rows need generated requests (no planned request carries an odd id or an
//! empty bearer token), so only their runs fuzz. A row whose trials never ran (a build
//! without the fuzz families, a listing that failed) fails, naming the trials that did not
//! run: a row that proves nothing must not pass, nor hide as ignored.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, ExitCode, Output};
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use mjconform::checks::{levels, Check};
use mjconform::provider::{self, Caught, Fault, ProviderConfig, FAULT_CATALOGUE};

/// The advancing task's stage length in these runs: long enough that a poll every
/// [`WATCH_INTERVAL`] sees each stage, short enough that a watch takes a fraction of a second.
const ADVANCE_STEP: Duration = Duration::from_millis(25);
const WATCH_INTERVAL: &str = "10ms";
/// Only `never-finishes` reaches it; everything else finishes in about 8 steps. Generous, so
/// a loaded machine does not turn the clean run's watch into a deadline failure.
const WATCH_DEADLINE: &str = "5s";

/// Trial families owned by other trial sources than the checks: snapshots record what one
/// target answered, so they are not a contract verdict and are left out of these runs.
const SKIPPED_FAMILIES: &[&str] = &["snapshot::"];

/// Runs in parallel unless told otherwise: each run mostly waits on its child process and
/// the watch's polls (a whole self-test uses about 3 s of CPU), so more runs than cores fit.
const DEFAULT_PARALLEL_RUNS: usize = 4;

fn main() -> ExitCode {
    let mut arguments = mjconform::commands::self_tests::test_arguments();
    arguments.test_threads.get_or_insert(DEFAULT_PARALLEL_RUNS);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => Arc::new(runtime),
        Err(err) => {
            eprintln!("error: failed to start the tokio runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let mut trials = vec![
        {
            let runtime = Arc::clone(&runtime);
            Trial::test("selftest::clean_provider_fails_nothing", move || {
                clean_run(&runtime)
            })
        },
        Trial::test(
            "selftest::every_check_has_a_fault_that_fails_it",
            every_check_can_fail,
        ),
        Trial::test("selftest::list_faults_names_every_fault", list_faults),
    ];
    // The one run that waits out its watch deadline starts first, so the others run alongside.
    let mut catalogue = FAULT_CATALOGUE.to_vec();
    catalogue.sort_by_key(|(fault, _)| *fault != Fault::NeverFinishes);
    for (fault, expected) in catalogue {
        let runtime = Arc::clone(&runtime);
        trials.push(Trial::test(
            format!("selftest::fault::{}", fault.name()),
            move || fault_run(&runtime, fault, expected),
        ));
    }
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}

/// What one harness run reported.
struct Run {
    output: Output,
    failed: Vec<String>,
    passed: Vec<String>,
}

impl Run {
    /// The report libtest printed for failed trial `name` (its `---- name ----` block).
    fn failure_report(&self, name: &str) -> Option<String> {
        let stdout = self.stdout();
        let header = format!("\n---- {name} ----\n");
        let start = stdout.find(&header)? + header.len();
        let rest = &stdout[start..];
        let end = rest
            .find("\n---- ")
            .or_else(|| rest.find("\nfailures:\n"))
            .unwrap_or(rest.len());
        Some(rest[..end].to_owned())
    }
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// The harness's own count of checks that could not run (as opposed to failures).
    fn run_errors(&self) -> Option<usize> {
        // The last lines are mjconform's own words, on stderr: `…, N checks could not run`.
        let stderr = String::from_utf8_lossy(&self.output.stderr).into_owned();
        let line = stderr
            .lines()
            .find(|line| line.contains(" could not run"))?;
        let before = line.split(" could not run").next()?;
        let before = before
            .trim_end_matches(" checks")
            .trim_end_matches(" check");
        before.rsplit(' ').next()?.parse().ok()
    }

    /// The run's output for a failure message, capped so a report stays readable.
    fn evidence(&self) -> String {
        let stdout = self.stdout();
        let start = stdout.find("failures:").unwrap_or(0);
        let shown: String = stdout[start..].chars().take(6_000).collect();
        format!(
            "exit status: {}\nstderr: {}\nstdout (from the failures):\n{shown}",
            self.output.status,
            String::from_utf8_lossy(&self.output.stderr).trim()
        )
    }
}

/// Starts a provider making `faults` and runs `mjconform check` against it.
fn run_against(
    runtime: &tokio::runtime::Runtime,
    faults: &[Fault],
    extra: &[&str],
) -> Result<Run, Failed> {
    let config = ProviderConfig {
        advance_step: ADVANCE_STEP,
        faults: faults.to_vec(),
        ..ProviderConfig::with_random_key()
    };
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let running = runtime
        .block_on(provider::start(config, loopback))
        .map_err(|err| format!("the provider did not start: {err}"))?;
    let workdir = WorkDir::new()?;
    let mut command = harness_command(&running.api_key);
    command.current_dir(&workdir.0);
    command.args(["--target-url", running.base_url.as_str()]);
    for id in &running.task_ids {
        command.args(["--task-id", id]);
    }
    command.args([
        "--watch",
        &running.advancing_task_id,
        "--watch-interval",
        WATCH_INTERVAL,
        "--watch-deadline",
        WATCH_DEADLINE,
    ]);
    command.args(extra);
    let output = command
        .output()
        .map_err(|err| format!("mjconform did not run: {err}"))?;
    drop(running);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut failed = Vec::new();
    let mut passed = Vec::new();
    for line in stdout.lines() {
        let Some((name, outcome)) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.split_once(" ... "))
        else {
            continue;
        };
        match outcome.trim() {
            "FAILED" => failed.push(name.trim().to_owned()),
            "ok" => passed.push(name.trim().to_owned()),
            _ => {}
        }
    }
    Ok(Run {
        output,
        failed,
        passed,
    })
}

/// A fresh directory for one child run, removed afterwards: a run may write files relative
/// to its working directory (fuzz failure reports), and those belong to no checkout.
struct WorkDir(std::path::PathBuf);

impl WorkDir {
    fn new() -> Result<WorkDir, Failed> {
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("mjconform-selftest-{}-{run}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|err| format!("cannot create {}: {err}", path.display()))?;
        Ok(WorkDir(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `mjconform check` with the key in the environment (not on a command line others can
/// read), the skipped families, and no `MJ_*` settings inherited from whoever runs the tests.
fn harness_command(api_key: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MJ_") {
            command.env_remove(name);
        }
    }
    command.env("MJ_API_KEY", api_key);
    command.args(["check", "--color", "never"]);
    // Every check at `deny`: a fault for a check whose default is `warn` (`head-refused`)
    // must still fail its row, so every check can fail. (tests/http_rules.rs proves the
    // default levels: the same refusal is a warning there.)
    let warn_by_default: Vec<&str> = levels::DEFAULT_LEVELS
        .iter()
        .filter(|row| row.level != levels::Level::Deny)
        .map(|row| row.check)
        .collect();
    command.args(["--deny", &warn_by_default.join(",")]);
    for family in SKIPPED_FAMILIES {
        command.args(["--skip", family]);
    }
    command
}

fn clean_run(runtime: &tokio::runtime::Runtime) -> Result<(), Failed> {
    let run = run_against(runtime, &[], &["--fuzz-cases", "0"])?;
    if !run.failed.is_empty() || !run.output.status.success() {
        return Err(format!(
            "the clean reference provider failed {:?}\n{}",
            run.failed,
            run.evidence()
        )
        .into());
    }
    // The run must have exercised every family a fault is supposed to fail.
    let mut families: Vec<String> = Check::ALL
        .iter()
        .map(|check| format!("{}::", check.name()))
        .collect();
    families.push("lifecycle::".to_owned());
    for family in families {
        if !run.passed.iter().any(|name| name.starts_with(&family)) {
            return Err(format!("the clean run had no `{family}` trial\n{}", run.stdout()).into());
        }
    }
    Ok(())
}

fn fault_run(
    runtime: &tokio::runtime::Runtime,
    fault: Fault,
    expected: &[Caught],
) -> Result<(), Failed> {
    let fuzz = expected
        .iter()
        .any(|caught| caught.family.starts_with("fuzz::"));
    let mut extra: Vec<&str> = if fuzz {
        vec![]
    } else {
        vec!["--fuzz-cases", "0"]
    };
    extra.extend(fault.run_flags());
    let run = run_against(runtime, &[fault], &extra)?;
    let wanted: BTreeSet<String> = expected.iter().flat_map(Caught::trials).collect();
    let unexpected: BTreeSet<&str> = run
        .failed
        .iter()
        .filter(|name| !wanted.contains(*name))
        .map(String::as_str)
        .collect();
    let passed: Vec<&str> = wanted
        .iter()
        .filter(|name| run.passed.contains(name))
        .map(String::as_str)
        .collect();
    let never_ran: Vec<&str> = wanted
        .iter()
        .filter(|name| !run.passed.contains(name) && !run.failed.contains(name))
        .map(String::as_str)
        .collect();
    if !unexpected.is_empty() || !passed.is_empty() || !never_ran.is_empty() {
        return Err(format!(
            "fault `{fault}` ({}): expected exactly {wanted:?} to fail\n\
             failed but not expected: {unexpected:?}\nexpected but passed: {passed:?}\n\
             expected but never ran: {never_ran:?}\n{}",
            fault.description(),
            run.evidence()
        )
        .into());
    }
    let mut without_finding = Vec::new();
    for caught in expected {
        for trial in caught.trials() {
            let report = run.failure_report(&trial).unwrap_or_default();
            if !report.contains(caught.finding) {
                without_finding.push(format!(
                    "{trial} lacks `{}`; its report:\n{report}",
                    caught.finding
                ));
            }
        }
    }
    if !without_finding.is_empty() {
        return Err(format!(
            "fault `{fault}` ({}): failed the right trials, but not with the fault's finding:\n{}",
            fault.description(),
            without_finding.join("\n")
        )
        .into());
    }
    if run.output.status.code() != Some(1) {
        return Err(format!(
            "fault `{fault}`: `mjconform check` exited with {}, expected 1\n{}",
            run.output.status,
            run.evidence()
        )
        .into());
    }
    if run.run_errors() != Some(0) {
        return Err(format!(
            "fault `{fault}` must be caught as contract failures, not as checks that could not run\n{}",
            run.evidence()
        )
        .into());
    }
    Ok(())
}

/// Every check (and the lifecycle family) appears in some catalogue row: each can fail.
fn every_check_can_fail() -> Result<(), Failed> {
    let caught: BTreeSet<String> = FAULT_CATALOGUE
        .iter()
        .flat_map(|(_, caught)| caught.iter().map(|c| format!("{}::", c.family)))
        .collect();
    let mut families: Vec<String> = Check::ALL
        .iter()
        .map(|check| format!("{}::", check.name()))
        .collect();
    families.push(format!("{}::", mjconform::families::lifecycle::FAMILY));
    let uncaught: Vec<&String> = families
        .iter()
        .filter(|family| !caught.contains(*family))
        .collect();
    if uncaught.is_empty() {
        Ok(())
    } else {
        Err(format!("no fault makes these fail: {uncaught:?}").into())
    }
}

/// `mjconform mock --list-faults` prints every fault with its description.
fn list_faults() -> Result<(), Failed> {
    let output = Command::new(env!("CARGO_BIN_EXE_mjconform"))
        .args(["mock", "--list-faults"])
        .output()
        .map_err(|err| format!("mjconform did not run: {err}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("exit status {}: {stdout}", output.status).into());
    }
    for fault in Fault::all() {
        let listed = stdout.lines().any(|line| {
            line.starts_with(&format!("{} ", fault.name())) && line.contains(fault.description())
        });
        if !listed {
            return Err(format!("`{fault}` is not listed:\n{stdout}").into());
        }
    }
    Ok(())
}
