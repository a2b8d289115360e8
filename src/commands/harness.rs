//! The runner: gathers the trials of every family (the suite's checks, fuzzing, lifecycle,
//! snapshots), runs them with libtest-mimic, records each outcome in the run's
//! [`Recorder`], and at the end hands that one record to every reader: the last lines on
//! stderr, the baseline writer, the reports, the exit code.
//!
//! The same entry point serves `cargo test -- ...` (the `conformance` test binary) and
//! `mjconform check ...`; only the exit codes differ (libtest's 101 versus 1). libtest's
//! output is the run's stdout; everything mjconform says about the run goes to stderr, so
//! `--format json` or `--list` output stays machine-readable.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Parser as _;
use libtest_mimic::{Arguments, Completion, Trial};

use crate::checks::levels::{self, Level, Levels};
use crate::checks::Finding;
use crate::errors::UsageError;
use crate::reports::{self};
use crate::run::baseline::{Baseline, LoadRules};
use crate::run::cli::{first_line, parse_run_args, run_help, split_args};
use crate::run::context::RunContext;
use crate::run::outcome::{
    self, Conclusion, FindingRecord, Recorder, RunFacts, RunTotals, TrialRecord, TrialStatus,
};
use crate::run::trial::{PlannedTrial, Scope};
use crate::run::up_front;

use super::outputs::{
    check_writable, default_report_dir, step_summary, write_baseline, write_reports, ReportPlan,
};

/// Who is running the suite, which decides the exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A `harness = false` test binary under `cargo test`: libtest's exit codes.
    CargoTest,
    /// `mjconform check`: 0 all passed, 1 a check failed, 2 bad input.
    Cli,
}

impl Mode {
    /// How a person reruns this kind of run.
    pub fn invocation(self) -> &'static str {
        match self {
            Mode::CargoTest => "cargo test --",
            Mode::Cli => "mjconform check",
        }
    }
}

/// Exit code for bad input: a malformed flag, an unreadable spec, an unreachable target.
pub const EXIT_USAGE: u8 = 2;
/// Exit code of `mjconform check` when a check failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code of a run stopped by Ctrl-C (128 + SIGINT), after its reports are written.
pub const EXIT_INTERRUPTED: i32 = 130;

/// How many groups of known deviations (one per baseline entry) the last lines name.
const KNOWN_LINES: usize = 10;

/// Runs the conformance suite with `args` (the program name first).
pub fn run(args: Vec<String>, mode: Mode) -> ExitCode {
    let (ours, theirs) = split_args(args);
    if theirs.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{}", run_help());
        println!("libtest options (filters, --exact, --list, --ignored, --test-threads N, --nocapture, --format) are accepted too.");
        return ExitCode::SUCCESS;
    }
    match Run::prepare(&ours, theirs, mode) {
        Ok(run) => run.execute().0,
        Err(err) => usage_exit(&err),
    }
}

/// The record a finished run leaves: every trial's outcome and the run's totals (none for a
/// `--list` run, which runs nothing).
pub type Recorded = Option<(Arc<Vec<TrialRecord>>, RunTotals)>;

/// Runs the suite with `args` (the program name first) as [`run`] does, printing the same
/// lines and writing the same reports, and returns the record beside the exit code, for
/// callers that read the outcome as data (the library surface).
pub fn run_recorded(args: Vec<String>, mode: Mode) -> Result<(ExitCode, Recorded), UsageError> {
    let (ours, theirs) = split_args(args);
    Ok(Run::prepare(&ours, theirs, mode)?.execute())
}

/// Prints a one-line usage error and returns exit code 2.
pub fn usage_exit(err: &UsageError) -> ExitCode {
    eprintln!("error: failed to {err}");
    ExitCode::from(EXIT_USAGE)
}


/// A prepared run: its context, libtest's arguments, and what the run's readers need.
struct Run {
    context: Arc<RunContext>,
    arguments: Arguments,
    mode: Mode,
    baseline: Option<Arc<Baseline>>,
    reports: ReportPlan,
    recorder: Arc<Recorder>,
    /// The level of each check in this run.
    levels: Levels,
    started: Instant,
}

impl Run {
    fn prepare(ours: &[String], theirs: Vec<String>, mode: Mode) -> Result<Run, UsageError> {
        let run_args = parse_run_args(ours)?;
        let arguments = Arguments::try_parse_from(theirs)
            .map_err(|err| UsageError::Arguments(first_line(&err.to_string())))?;
        let mut formats = Vec::new();
        // Name where a bad format came from, as clap does for `MJ_RATE`: a variable set in a
        // CI file is not where a person looks after reading "--report".
        let typed = ours
            .iter()
            .any(|word| word == "--report" || word.starts_with("--report="));
        let source = if typed {
            "--report"
        } else {
            "MJ_REPORT (read as --report)"
        };
        for value in &run_args.reports {
            formats.extend(
                reports::parse_formats(value)
                    .map_err(|err| UsageError::Report(format!("{source}: {err}")))?,
            );
        }
        formats.dedup();
        crate::families::fuzz::replay::for_run(&run_args).map_err(UsageError::Replay)?;
        let contract = run_args.contract()?;
        let rules = LoadRules {
            known_checks: crate::families::check_names(),
            allow_broad: run_args.allow_broad_baseline,
        };
        let baseline =
            Baseline::for_run(run_args.baseline.as_deref(), &contract, &rules)?.map(Arc::new);
        if let Some(path) = &run_args.write_baseline {
            check_writable(path)?;
        }
        let report_dir = run_args
            .report_dir
            .clone()
            .unwrap_or_else(default_report_dir);
        // Listing trials sends nothing, so it needs neither a key, a task nor a writable
        // directory.
        if !arguments.list {
            up_front::refuse_external_without_key_or_task(&run_args, &contract)?;
            if !formats.is_empty() {
                up_front::refuse_unwritable_report_dir(&report_dir)?;
            }
        }
        let context = RunContext::prepare(&run_args)?;
        if mode == Mode::CargoTest {
            // Before the preflight, which nextest's processes share too.
            context.share_answers_under_nextest();
        }
        if !arguments.list && !context.target.embedded {
            context.preflight()?;
        }
        let reports = ReportPlan {
            formats,
            dir: report_dir,
        };
        let recorder = Arc::new(Recorder::new(facts(&context, mode)));
        let levels = run_args.levels();
        Ok(Run {
            levels,
            context,
            arguments,
            mode,
            baseline,
            reports,
            recorder,
            started: Instant::now(),
        })
    }

    fn execute(self) -> (ExitCode, Recorded) {
        let context = &self.context;
        let mut planned = crate::families::suite::trials(context);
        planned.extend(crate::families::fuzz::trials(context));
        planned.extend(crate::families::lifecycle::trials(context));
        planned.extend(crate::families::snapshot::trials(context));
        let cases_run = cases_by_check(&planned);
        let mut skipped = Vec::new();
        let trials: Vec<Trial> = planned
            .into_iter()
            .map(|trial| {
                let skip_record = trial.ignored.as_ref().map(|reason| {
                    let mut record = TrialRecord::passed(
                        trial.name.clone(),
                        trial.family,
                        trial.check.clone(),
                        trial.case.clone(),
                        trial.purpose.clone(),
                    );
                    record.status = TrialStatus::Ignored;
                    record.reason = Some(self.context.redactor.redact(reason));
                    record
                });
                let libtest = self.libtest_trial(trial);
                if let Some(record) = skip_record {
                    skipped.push((libtest.name().to_owned(), record));
                }
                libtest
            })
            .collect();
        if self.arguments.list {
            let exit = to_exit(
                libtest_mimic::run(&self.arguments, trials),
                self.mode,
                false,
            );
            return (exit, None);
        }
        self.print_header(&trials);
        // libtest never runs an ignored trial's body, so it is recorded here: the reports
        // count it as the terminal does (`<skipped>` in JUnit).
        for trial in &trials {
            if self.arguments.is_ignored(trial) && !self.arguments.is_filtered_out(trial) {
                if let Some(at) = skipped.iter().position(|(name, _)| name == trial.name()) {
                    self.recorder.push(skipped.swap_remove(at).1);
                }
            }
        }
        self.stop_on_interrupt();
        context.prefetch(&selected_cases(
            context,
            &self.arguments,
            &trials,
            &self.levels,
        ));
        if context.key.is_some() {
            if let Some(problem) = context.credential_problem() {
                eprintln!("mjconform: {problem}");
            }
        }
        self.recorder.reserve(trials.len());
        let conclusion = libtest_mimic::run(&self.arguments, trials);
        let failed = conclusion.has_failed();
        let records = self.recorder.trials();
        let strict_failure = self.arguments_strict()
            && self
                .baseline
                .as_ref()
                .is_some_and(|b| !b.stale().is_empty() || !b.expired().is_empty());
        let totals = self.totals(&records, failed || strict_failure, None);
        self.print_summary(&records, &totals);
        let mut exit = to_exit(conclusion, self.mode, strict_failure);
        if let Some(path) = &self.context.args.write_baseline {
            match write_baseline(path, &records, &cases_run) {
                Ok(entries) => eprintln!(
                    "mjconform: baseline of {} written to {}",
                    count(entries, "entry"),
                    path.display()
                ),
                Err(err) => {
                    eprintln!("error: failed to {err}");
                    exit = ExitCode::from(EXIT_USAGE);
                }
            }
        }
        if let Err(err) = write_reports(&self.reports, &self.recorder.facts, &totals, &records) {
            eprintln!("error: failed to {err}");
            exit = ExitCode::from(EXIT_USAGE);
        }
        (exit, Some((records, totals)))
    }

    fn arguments_strict(&self) -> bool {
        self.context.args.strict_baseline
    }

    /// Wraps a planned trial for libtest: runs its body, splits its findings with the
    /// baseline, records the outcome and tells libtest pass, fail or ignored.
    fn libtest_trial(&self, planned: PlannedTrial) -> Trial {
        let PlannedTrial {
            name,
            family,
            check,
            case,
            purpose,
            ignored,
            body,
        } = planned;
        let recorder = Arc::clone(&self.recorder);
        let baseline = self.baseline.clone();
        let redactor = self.context.redactor.clone();
        let is_ignored = ignored.is_some();
        let trial_name = name.clone();
        let level = levels::level_name(&check).map(|name| self.levels.of(name));
        Trial::ignorable_test(name, move || {
            let started = Instant::now();
            let scope = Scope {
                check: &check,
                case: &case,
                baseline: baseline.as_deref(),
            };
            // An allowed check is not run: its body (and the request it would read) is
            // never reached.
            let conclusion = if level == Some(Level::Allow) {
                Conclusion::Ignored(levels::ALLOWED_REASON.to_owned())
            } else {
                body(scope)
            };
            let mut record =
                TrialRecord::passed(trial_name, family, check.clone(), case.clone(), purpose);
            let verdict = match conclusion {
                Conclusion::Passed => Ok(Completion::Completed),
                Conclusion::Ignored(reason) => {
                    record.status = TrialStatus::Ignored;
                    record.reason = Some(redactor.redact(&reason));
                    Ok(Completion::ignored_with(redactor.redact(&reason)))
                }
                Conclusion::Errored {
                    reason,
                    exchange,
                    message,
                } => {
                    record.status = TrialStatus::Errored;
                    record.reason = Some(redactor.redact(&reason));
                    record.exchange = exchange.map(Box::new);
                    let message = redactor.redact(&message);
                    record.message = Some(message.clone());
                    Err(message.into())
                }
                Conclusion::Failed(failure) => {
                    let (new, known) = match baseline.as_deref() {
                        Some(baseline) => baseline.split(&check, &case, failure.findings),
                        None => (failure.findings, Vec::new()),
                    };
                    record.exchange = failure.exchange.map(Box::new);
                    record.diff = failure.diff.map(|diff| redactor.redact(&diff));
                    record.compared = failure.compared;
                    record.findings = new
                        .iter()
                        .map(|finding| FindingRecord::of(finding, &redactor))
                        .collect();
                    record.known = known_records(&known, &redactor);
                    if new.is_empty() && !known.is_empty() {
                        record.status = TrialStatus::Known;
                        Ok(Completion::Completed)
                    } else if level == Some(Level::Warn) {
                        // A warning is shown and counted, never a failure: libtest sees a pass.
                        record.status = TrialStatus::Warned;
                        record.message = Some(redactor.redact(&(failure.render)(&new, &known)));
                        Ok(Completion::Completed)
                    } else {
                        record.status = TrialStatus::Failed;
                        let message = redactor.redact(&(failure.render)(&new, &known));
                        record.message = Some(message.clone());
                        Err(message.into())
                    }
                }
            };
            if let Some(baseline) = baseline.as_deref() {
                if matches!(
                    record.status,
                    TrialStatus::Passed | TrialStatus::Failed | TrialStatus::Known
                ) {
                    baseline.ran(&check, &case);
                }
            }
            record.duration_ms = outcome::millis(started.elapsed());
            recorder.push(record);
            verdict
        })
        .with_ignored_flag(is_ignored)
    }

    fn print_header(&self, trials: &[Trial]) {
        let context = &self.context;
        let target = if context.target.embedded {
            let what = match context.args.dialect {
                Some(dialect) => format!("the embedded mock of the {} dialect", dialect.name),
                None => "embedded reference provider".to_owned(),
            };
            format!("{} ({what})", context.target.base_url)
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
        eprintln!(
            "mjconform: target {target}; spec {}; {}; credential {credential}",
            context.contract.origin,
            count(context.task_ids.len(), "task id")
        );
        if context.key.is_none() && context.contract.fetch.requires_auth {
            eprintln!(
                "mjconform: no credential given (--api-key or MJ_API_KEY): the spec requires one, \
                 so the checks that judge an authenticated answer will report that they could not run"
            );
        }
        if context.task_ids.is_empty() {
            eprintln!("mjconform: no --task-id given: only unknown-id and credential checks run");
        }
        for note in crate::families::snapshot::notes(context) {
            eprintln!("{note}");
        }
        if let Some(baseline) = self.baseline.as_ref().filter(|b| b.user_entries() > 0) {
            eprintln!(
                "mjconform: baseline {}: {} accepted as known",
                baseline.path.display(),
                count(baseline.user_entries(), "deviation")
            );
        }
        let fuzz_selected = trials.iter().any(|trial| {
            trial.name().starts_with("fuzz::")
                && !self.arguments.is_filtered_out(trial)
                && !self.arguments.is_ignored(trial)
        });
        if fuzz_selected {
            if let Some(line) = crate::families::fuzz::plan_line(context) {
                eprintln!("{line}");
            }
        }
    }

    /// On Ctrl-C, write what was gathered, then stop: a run interrupted in CI still leaves
    /// its reports.
    fn stop_on_interrupt(&self) {
        if self.reports.formats.is_empty() && step_summary().is_none() {
            return;
        }
        let recorder = Arc::clone(&self.recorder);
        let reports = self.reports.clone();
        let context = Arc::clone(&self.context);
        let started = self.started;
        self.context.runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            let records = recorder.trials();
            let mut totals = totals_of(
                &context,
                None,
                &records,
                started,
                true,
                Some("interrupted (Ctrl-C) before every trial ended".to_owned()),
            );
            // The exit code this process is about to give, in every report.
            totals.exit_code = EXIT_INTERRUPTED as u8;
            eprintln!("\nmjconform: interrupted; writing the reports of the trials that ended");
            if let Err(err) = write_reports(&reports, &recorder.facts, &totals, &records) {
                eprintln!("error: failed to {err}");
            }
            std::process::exit(EXIT_INTERRUPTED);
        });
    }

    fn totals(
        &self,
        records: &[TrialRecord],
        failed: bool,
        interrupted: Option<String>,
    ) -> RunTotals {
        let mut totals = totals_of(
            &self.context,
            self.baseline.as_deref(),
            records,
            self.started,
            failed,
            interrupted,
        );
        if failed && self.mode == Mode::CargoTest {
            totals.exit_code = 101;
        }
        totals
    }

    fn print_summary(&self, records: &[TrialRecord], totals: &RunTotals) {
        let snapshot_changes = records
            .iter()
            .filter(|r| r.family == outcome::Family::Snapshot && r.status == TrialStatus::Failed)
            .count();
        let contract_failures = totals.failed - snapshot_changes;
        let known_phrase =
            reports::known_phrase(records).unwrap_or_else(|| "0 known deviations".to_owned());
        let mut line = format!(
            "mjconform: {} sent; {}, {known_phrase}, {} could not run",
            count(totals.requests_sent, "request"),
            count(contract_failures, "new contract failure"),
            count(totals.errored, "check"),
        );
        if totals.warnings > 0 {
            line.push_str(&format!("; {}", count(totals.warnings, "warning")));
        }
        if snapshot_changes > 0 {
            line.push_str(&format!("; {}", count(snapshot_changes, "snapshot change")));
        }
        if self.baseline.as_ref().is_some_and(|b| b.user_entries() > 0) {
            line.push_str(&format!(
                "; {}",
                count(totals.stale_baseline_entries.len(), "stale baseline entry")
            ));
        }
        eprintln!("{line}");
        // One line per baseline entry that accepted something (check, rule, reason), with
        // how many findings and trials it covers: not one line per trial.
        let groups = reports::known::groups(records);
        for group in groups.iter().take(KNOWN_LINES) {
            eprintln!(
                "mjconform: known: {}{}: {} ({}){}",
                group.check,
                group
                    .rule
                    .map(|rule| format!(" rule `{rule}`"))
                    .unwrap_or_default(),
                group.counts(),
                group.cases(3),
                group
                    .reason
                    .map(|reason| format!("; accepted: {reason}"))
                    .unwrap_or_default()
            );
        }
        if groups.len() > KNOWN_LINES {
            eprintln!(
                "mjconform: known: {} more groups of known deviations (the reports list them all)",
                groups.len() - KNOWN_LINES
            );
        }
        let warned: Vec<&TrialRecord> = records
            .iter()
            .filter(|r| r.status == TrialStatus::Warned)
            .collect();
        for record in warned.iter().take(KNOWN_LINES) {
            let first = record
                .findings
                .first()
                .map(FindingRecord::line)
                .unwrap_or_default();
            eprintln!(
                "mjconform: warning: {} (level warn; --deny {} makes it fail): {first}",
                record.name,
                levels::level_name(&record.check).unwrap_or(&record.check)
            );
        }
        if warned.len() > KNOWN_LINES {
            eprintln!(
                "mjconform: warning: {} more trials have warnings (the reports list them all)",
                warned.len() - KNOWN_LINES
            );
        }
        for entry in &totals.stale_baseline_entries {
            eprintln!("mjconform: stale baseline entry (matched nothing; fixed upstream? remove it): {entry}");
        }
        if let Some(baseline) = self.baseline.as_deref() {
            for entry in baseline.not_checked() {
                eprintln!("mjconform: baseline entry not checked this run (its check did not run): {entry}");
            }
        }
        for entry in &totals.expired_baseline_entries {
            eprintln!("mjconform: expired baseline entry (no longer accepted): {entry}");
        }
        if self.arguments_strict()
            && (!totals.stale_baseline_entries.is_empty()
                || !totals.expired_baseline_entries.is_empty())
        {
            eprintln!("mjconform: --strict-baseline: stale or expired entries fail the run");
        }
        for line in self.context.politeness.summary() {
            eprintln!("{line}");
        }
        if let Some(line) = crate::families::fuzz::summary_line(&self.context) {
            eprintln!("{line}");
        }
    }
}

/// The facts every report states.
fn facts(context: &RunContext, mode: Mode) -> RunFacts {
    RunFacts {
        mjconform_version: env!("CARGO_PKG_VERSION").to_owned(),
        target_url: context.redactor.redact(context.target.base_url.as_str()),
        embedded_provider: context.target.embedded,
        target_label: crate::families::snapshot::store::label(
            context.args.target_name.as_deref(),
            &context.target.base_url,
            context.target.embedded,
        ),
        spec: context.contract.origin.clone(),
        spec_digest: context.contract.digest.clone(),
        dialect: context.args.dialect.map(|dialect| dialect.name.to_owned()),
        key_placement: context.placement.to_string(),
        credential_given: context.key.is_some(),
        seed: context.args.seed,
        fuzz_cases: context.args.fuzz_cases,
        task_ids: context.task_ids.len(),
        started_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        invocation: mode.invocation().to_owned(),
    }
}

fn totals_of(
    context: &RunContext,
    baseline: Option<&Baseline>,
    records: &[TrialRecord],
    started: Instant,
    failed: bool,
    interrupted: Option<String>,
) -> RunTotals {
    let exit_code = if failed { EXIT_FAILED } else { 0 };
    RunTotals {
        requests_sent: context.requests_made(),
        fuzz_requests: crate::families::fuzz::summary_line(context)
            .map(|line| line.trim_start_matches("mjconform: fuzz: ").to_owned()),
        duration_ms: outcome::millis(started.elapsed()),
        passed: outcome::count(records, TrialStatus::Passed),
        known: outcome::count(records, TrialStatus::Known),
        warnings: outcome::count(records, TrialStatus::Warned),
        failed: outcome::count(records, TrialStatus::Failed),
        errored: outcome::count(records, TrialStatus::Errored),
        ignored: outcome::count(records, TrialStatus::Ignored),
        stale_baseline_entries: baseline.map(Baseline::stale).unwrap_or_default(),
        expired_baseline_entries: baseline.map(Baseline::expired).unwrap_or_default(),
        strict_baseline: context.args.strict_baseline,
        interrupted: interrupted.or_else(|| {
            context
                .politeness
                .is_stalled()
                .then(|| "the target stalled: requests stopped after too many timeouts".to_owned())
        }),
        verdict: if failed { "fail" } else { "pass" }.to_owned(),
        exit_code,
    }
}

fn known_records(
    known: &[(Finding, String)],
    redactor: &crate::message::redact::Redactor,
) -> Vec<FindingRecord> {
    known
        .iter()
        .map(|(finding, reason)| {
            let mut record = FindingRecord::of(finding, redactor);
            record.accepted_because = Some(redactor.redact(reason));
            record
        })
        .collect()
}

/// The cases each check ran on, for exact case globs in a recorded baseline.
fn cases_by_check(planned: &[PlannedTrial]) -> BTreeMap<String, BTreeSet<String>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for trial in planned {
        map.entry(trial.check.clone())
            .or_default()
            .insert(trial.case.clone());
    }
    map
}

fn to_exit(conclusion: libtest_mimic::Conclusion, mode: Mode, strict_failure: bool) -> ExitCode {
    match mode {
        Mode::CargoTest if strict_failure && !conclusion.has_failed() => ExitCode::from(101),
        Mode::CargoTest => conclusion.exit_code(),
        Mode::Cli if conclusion.has_failed() || strict_failure => ExitCode::from(EXIT_FAILED),
        Mode::Cli => ExitCode::SUCCESS,
    }
}

/// `1 request`, `2 requests`.
pub fn count(n: usize, noun: &str) -> String {
    let plural = match noun {
        _ if noun.ends_with("entry") => format!("{}entries", &noun[..noun.len() - 5]),
        _ if noun.ends_with('y') && !noun.ends_with("ey") => {
            format!("{}ies", &noun[..noun.len() - 1])
        }
        _ => format!("{noun}s"),
    };
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {plural}")
    }
}

/// The cases some selected trial reads (`<check>::<case>`, `snapshot::<case>`): only those
/// are prefetched, so a filtered run (`cargo test -- ignored_auth`) sends no other request.
fn selected_cases(
    context: &RunContext,
    arguments: &Arguments,
    trials: &[Trial],
    levels: &Levels,
) -> Vec<Arc<crate::run::context::Case>> {
    let selected: Vec<&str> = trials
        .iter()
        .filter(|trial| !arguments.is_filtered_out(trial) && !arguments.is_ignored(trial))
        .filter(|trial| {
            // An allowed check's trial is not run, so it reads no answer.
            let check = trial.name().split("::").next().unwrap_or_default();
            levels::level_name(check).is_none_or(|name| levels.of(name) != Level::Allow)
        })
        .map(Trial::name)
        .collect();
    context
        .cases
        .iter()
        .filter(|case| {
            let read_by =
                |family: &str| selected.contains(&format!("{family}::{}", case.name).as_str());
            read_by("snapshot")
                || crate::checks::Check::ALL
                    .iter()
                    .any(|check| check.applies_to(&case.probe) && read_by(check.name()))
        })
        .cloned()
        .collect()
}
