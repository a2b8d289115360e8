//! Snapshot trials: one `snapshot::<case>` per planned case, holding that case's exchange
//! (normalised, without secrets) and the verdict of every check that applies to it, kept
//! with insta under `snapshots/<target label>/<case>.snap`.
//!
//! Checks say whether an answer keeps the contract; snapshots say whether it is the same
//! answer as last time. A provider that changes one field of one task, within the contract,
//! fails exactly that task's snapshot, and the failure shows that field's line.
//!
//! The pieces:
//! - [`record`]: the text of one snapshot;
//! - [`store`]: where snapshots live, labels, modes, and the insta assertion;
//! - normalisation rules live in [`crate::message::redact`], with the secrets, so there is one list.
//!
//! The exchange is the one the checks read ([`RunContext::answer`]): snapshots add no
//! requests.

pub mod record;
pub mod store;

use std::path::PathBuf;
use std::sync::Arc;

use crate::checks::{Check, Finding, Probe, Verdict};
use crate::message::redact::Redactor;
use crate::run::context::{Case, RunContext};
use crate::run::outcome::{Conclusion, ExchangeRecord, Failure, Family};
use crate::run::trial::PlannedTrial;
use record::{IdClass, KeyUse, Subject};
use store::Comparison;

/// The mode is an option of the run, so it lives with the options.
pub use crate::run::cli::SnapshotMode;

/// What a run's snapshot trials share.
#[derive(Debug)]
struct Plan {
    /// `<root>/<label>`.
    dir: PathBuf,
    label: String,
    /// The run's redactor, made active: secrets, the target's origin, volatile values.
    redactor: Redactor,
}

/// The trials of this family: `snapshot::<case>` for every planned case of the contract (the
/// probes of HTTP's own rules are judged by their checks, not recorded).
///
/// In compare mode, a target without a baseline directory has them marked ignored at
/// planning time (with a note on stderr saying how to record one), so an independent
/// server that conforms passes with zero failures; `--ignored` runs them anyway, and they
/// then fail for want of a baseline.
pub fn trials(context: &Arc<RunContext>) -> Vec<PlannedTrial> {
    let mode = context.args.snapshots;
    if mode == SnapshotMode::Off || context.cases.is_empty() {
        return Vec::new();
    }
    let Layout {
        root,
        label,
        dir,
        skip,
    } = layout(context);
    store::configure_insta(mode, &root);
    let plan = Arc::new(Plan {
        dir,
        redactor: context
            .redactor
            .for_snapshots()
            .with_target(&context.target.base_url)
            .build(),
        label,
    });
    context
        .cases
        .iter()
        // The contract's answers; the probes of HTTP's own rules are judged, not recorded.
        .filter(|case| case.probe.is_documented_get())
        .map(|case| {
            let name = case.name.clone();
            let context = Arc::clone(context);
            let case = Arc::clone(case);
            let ignored = skip.then(|| format!("no snapshot baseline for `{}`", plan.label));
            let plan = Arc::clone(&plan);
            PlannedTrial::new(Family::Snapshot, "snapshot", name, PURPOSE, move |_| {
                run_snapshot(&context, &case, &plan)
            })
            .ignored(ignored)
        })
        .collect()
}

/// Where this run's snapshots live, and whether their trials are skipped for want of a
/// baseline.
struct Layout {
    root: PathBuf,
    label: String,
    dir: PathBuf,
    skip: bool,
}

fn layout(context: &RunContext) -> Layout {
    let root = store::root_dir(context.args.snapshot_dir.as_deref());
    // The embedded provider speaking a dialect is not the reference: its own label, so it is
    // never compared with the reference's committed baselines.
    let dialect_label = (context.target.embedded)
        .then_some(context.args.dialect)
        .flatten()
        .map(|dialect| format!("{}-{}", store::REFERENCE_LABEL, dialect.name));
    let label = store::label(
        context
            .args
            .target_name
            .as_deref()
            .or(dialect_label.as_deref()),
        &context.target.base_url,
        context.target.embedded,
    );
    let dir = root.join(&label);
    let insta_update = std::env::var("INSTA_UPDATE").ok();
    let skip =
        !dir.is_dir() && !store::writes_baselines(context.args.snapshots, insta_update.as_deref());
    Layout {
        root,
        label,
        dir,
        skip,
    }
}

/// What a run says about its snapshots before the trials (not on `--list`): that it records
/// a baseline, or that there is none to compare with.
pub fn notes(context: &RunContext) -> Vec<String> {
    let mode = context.args.snapshots;
    if mode == SnapshotMode::Off || context.cases.is_empty() {
        return Vec::new();
    }
    let Layout {
        label, dir, skip, ..
    } = layout(context);
    let mut notes = Vec::new();
    if mode == SnapshotMode::Record {
        notes.push(format!(
            "mjconform: recording the snapshots of `{label}` into {}",
            store::display_path(&dir)
        ));
    }
    if skip {
        notes.push(format!(
            "mjconform: no snapshot baseline for `{label}` in {}: the snapshot::* trials are \
             ignored; record one with `--snapshots record` (or MJ_SNAPSHOTS=record)",
            store::display_path(&dir)
        ));
    }
    notes
}

/// What the family guards, printed with its failures.
const PURPOSE: &str = "the answer is the same as the target's recorded snapshot";

fn run_snapshot(context: &RunContext, case: &Case, plan: &Plan) -> Conclusion {
    let exchange = match context.answer(case) {
        Ok(exchange) => exchange,
        Err(err) => {
            return Conclusion::Errored {
                reason: plan.redactor.redact(&err.to_string()),
                exchange: None,
                message: plan.redactor.redact(&format!(
                    "ERROR: the snapshot could not be taken\nreason:   failed to {err}"
                )),
            };
        }
    };
    let outcomes: Vec<(Check, Verdict)> = Check::ALL
        .into_iter()
        .filter(|check| check.applies_to(&case.probe))
        .map(|check| {
            let verdict = check.run(&context.contract.fetch, &case.probe, exchange);
            (check, verdict)
        })
        .collect();
    let subject = Subject {
        path_template: &context.contract.fetch.path_template,
        id_class: if context.task_ids.contains(&case.task_id) {
            IdClass::Known
        } else {
            IdClass::Unknown
        },
        key: key_use(case),
        exchange,
        outcomes: &outcomes,
    };
    let content = record::render(&subject, &plan.redactor);
    if plan.redactor.leaks(&content) {
        // Unreachable by construction; checked because a key in a committed file is the
        // one mistake a snapshot must never make.
        return Conclusion::Errored {
            reason: "refusing to write a snapshot that holds a secret".to_owned(),
            exchange: None,
            message: "ERROR: refusing to write a snapshot that holds a secret".to_owned(),
        };
    }
    let description = format!(
        "snapshot::{} against `{}`: {} {} ({} id, credential: {})",
        case.name,
        plan.label,
        case.request.method,
        context.contract.fetch.path_template,
        match subject.id_class {
            IdClass::Known => "known",
            IdClass::Unknown => "unknown",
        },
        match subject.key {
            KeyUse::Valid => "the run's key",
            KeyUse::Wrong => "a wrong key",
            KeyUse::None => "none",
        }
    );
    match store::assert_snapshot(&plan.dir, &case.name, &description, &content) {
        Comparison::Matched => Conclusion::Passed,
        Comparison::Differs {
            baseline,
            pending,
            message,
        } => {
            let file = plan.dir.join(format!("{}.snap", case.name));
            let report = difference_report(
                &file,
                baseline.as_deref(),
                &content,
                pending.as_deref(),
                &message,
                store::cargo_insta_installed(),
            );
            let record = ExchangeRecord::of(exchange, context.client.limits(), &context.redactor);
            let finding = Finding::new(format!(
                "the answer differs from the snapshot in {}",
                file.display()
            ))
            .rule("snapshot");
            let diff = plan.redactor.redact(&report);
            let mut failure = Failure::with_message(vec![finding], Some(record), diff.clone());
            failure.diff = Some(diff);
            Conclusion::Failed(failure)
        }
    }
}

/// Which key the case's request carried.
fn key_use(case: &Case) -> KeyUse {
    match case.probe {
        Probe::MissingCredential | Probe::UnknownWithoutCredential => KeyUse::None,
        Probe::WrongKey => KeyUse::Wrong,
        _ if case.request.headers.is_empty() => KeyUse::None,
        _ => KeyUse::Valid,
    }
}

/// The failure message of a snapshot trial: what changed, where the baseline is, and what
/// to do about it.
pub fn difference_report(
    file: &std::path::Path,
    baseline: Option<&str>,
    current: &str,
    pending: Option<&std::path::Path>,
    insta_message: &str,
    insta_installed: bool,
) -> String {
    let mut out = String::new();
    let shown = store::display_path(file);
    match baseline {
        Some(baseline) => {
            let diff = store::diff(baseline, current);
            if diff.trim().is_empty() {
                out.push_str(&format!(
                    "ERROR: insta could not compare `{shown}`: {insta_message}\n"
                ));
                return out;
            }
            out.push_str(
                "CHANGED: the answer differs from the recorded baseline \
                 (a regression to review; the checks judge the contract)\n",
            );
            out.push_str(&format!("snapshot: {shown}\n"));
            out.push_str("diff (- baseline, + this run):\n");
            for line in diff.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        None => {
            out.push_str(&format!(
                "NEW: there is no baseline for this case at `{shown}`\n"
            ));
            out.push_str("this run:\n");
            for line in current.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    // Say what to run with what is installed: `cargo insta review` only when cargo-insta is
    // on PATH; otherwise what accepts a change without it, and how to get it.
    match (pending, insta_installed) {
        (Some(pending), true) => out.push_str(&format!(
            "pending:  {} (accept with `cargo insta review`, or rerun with `--snapshots record`)\n",
            store::display_path(pending)
        )),
        (Some(pending), false) => {
            let pending = store::display_path(pending);
            out.push_str(&format!(
                "pending:  {pending} (accept this one with `mv {pending} {shown}`, or every \
                 change by rerunning with `--snapshots record`; `cargo insta review` needs \
                 `cargo install cargo-insta --locked`)\n"
            ));
        }
        (None, true) => out.push_str(
            "pending:  nothing was written (CI=true or INSTA_UPDATE=no); rerun without CI \
             to leave a `.snap.new` for `cargo insta review`, or with `--snapshots record`\n",
        ),
        (None, false) => out.push_str(
            "pending:  nothing was written (CI=true or INSTA_UPDATE=no); accept the change by \
             rerunning with `--snapshots record` where the baseline is committed from\n",
        ),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_changed_field_reports_only_its_line() {
        let baseline = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n";
        let current = "a: 1\nb: 2\nc: 3\nd: 40\ne: 5\nf: 6\n";
        let report = difference_report(
            Path::new("/nowhere/reference/task_1.snap"),
            Some(baseline),
            current,
            None,
            "",
            true,
        );
        assert!(report.starts_with("CHANGED:"), "{report}");
        let changed: Vec<&str> = report
            .lines()
            .map(str::trim_start)
            .filter(|line| {
                (line.starts_with('-') || line.starts_with('+'))
                    && !line.starts_with("---")
                    && !line.starts_with("+++")
            })
            .collect();
        assert_eq!(changed, ["-d: 4", "+d: 40"], "{report}");
        assert!(report.contains("nothing was written"), "{report}");
    }

    #[test]
    fn a_missing_baseline_shows_the_new_snapshot_and_where_it_went() {
        let report = difference_report(
            Path::new("/nowhere/x/task_1.snap"),
            None,
            "status: 200\n",
            Some(Path::new("/nowhere/x/task_1.snap.new")),
            "",
            true,
        );
        assert!(report.starts_with("NEW:"), "{report}");
        assert!(report.contains("  status: 200\n"), "{report}");
        assert!(report.contains("/nowhere/x/task_1.snap.new"), "{report}");
        assert!(report.contains("accept with `cargo insta review`"), "{report}");
    }

    #[test]
    fn without_cargo_insta_the_failure_says_what_works_without_it() {
        let pending = Path::new("/nowhere/x/task_1.snap.new");
        let report = difference_report(
            Path::new("/nowhere/x/task_1.snap"),
            Some("a: 1\n"),
            "a: 2\n",
            Some(pending),
            "",
            false,
        );
        assert!(
            report.contains("`mv /nowhere/x/task_1.snap.new /nowhere/x/task_1.snap`"),
            "{report}"
        );
        assert!(report.contains("`--snapshots record`"), "{report}");
        assert!(
            report.contains("needs `cargo install cargo-insta --locked`"),
            "{report}"
        );
        assert!(!report.contains("accept with `cargo insta review`"), "{report}");
        let on_ci = difference_report(
            Path::new("/nowhere/x/task_1.snap"),
            Some("a: 1\n"),
            "a: 2\n",
            None,
            "",
            false,
        );
        assert!(!on_ci.contains("for `cargo insta review`"), "{on_ci}");
        assert!(on_ci.contains("`--snapshots record`"), "{on_ci}");
    }

    #[test]
    fn an_insta_error_is_not_reported_as_a_change() {
        let report = difference_report(
            Path::new("/nowhere/x/task_1.snap"),
            Some("same\n"),
            "same\n",
            None,
            "permission denied",
            true,
        );
        assert!(
            report.starts_with("ERROR: insta could not compare"),
            "{report}"
        );
        assert!(report.contains("permission denied"), "{report}");
    }
}
