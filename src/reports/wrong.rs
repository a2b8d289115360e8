//! "What is wrong": one entry per failing check with the distinct rules it broke (not its
//! first finding and a count, which hides every other kind of problem behind the first),
//! and the baseline entries that fail a `--strict-baseline` run.

use super::{baseline_kind, plural, Report};
use crate::run::outcome::{TrialRecord, TrialStatus};

/// Distinct rules listed per check; more are counted.
pub const MAX_RULES: usize = 8;

/// One distinct problem of a check: a rule broken (or, for a check that could not run, a
/// reason), an example finding, and how many findings and trials share it.
pub struct Problem {
    /// The rule (`type`, `required`, `status:404`, a semantic rule); `None` for a finding
    /// without one or a could-not-run reason.
    pub rule: Option<String>,
    /// The first finding's line (or reason) as the example.
    pub example: String,
    pub findings: usize,
    pub trials: usize,
}

impl Problem {
    /// "rule `type`: /progress: … (3 findings in 2 trials)", as plain text.
    pub fn text(&self) -> String {
        let mut text = match &self.rule {
            Some(rule) => format!("rule `{rule}`: {}", self.example),
            None => self.example.clone(),
        };
        if self.findings > 1 || self.trials > 1 {
            text.push_str(&format!(
                " ({} in {})",
                plural(self.findings, "finding", "findings"),
                plural(self.trials, "trial", "trials")
            ));
        }
        text
    }
}

/// The distinct problems of a check's failing trials, in the order they first appear.
pub fn problems(bad: &[&TrialRecord]) -> Vec<Problem> {
    let mut problems: Vec<(String, Problem, Option<*const TrialRecord>)> = Vec::new();
    let mut add = |key: String, rule: Option<String>, example: String, trial: &TrialRecord| {
        match problems.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, problem, last)) => {
                problem.findings += 1;
                if *last != Some(trial as *const _) {
                    problem.trials += 1;
                    *last = Some(trial as *const _);
                }
            }
            None => problems.push((
                key,
                Problem {
                    rule,
                    example,
                    findings: 1,
                    trials: 1,
                },
                Some(trial as *const _),
            )),
        }
    };
    for trial in bad {
        if trial.status == TrialStatus::Errored || trial.findings.is_empty() {
            let reason = super::text::summary(trial);
            add(format!("reason\u{0}{reason}"), None, reason, trial);
            continue;
        }
        for finding in &trial.findings {
            let key = match &finding.rule {
                Some(rule) => format!("rule\u{0}{rule}"),
                None => format!("message\u{0}{}", finding.message),
            };
            add(key, finding.rule.clone(), finding.line(), trial);
        }
    }
    problems.into_iter().map(|(_, problem, _)| problem).collect()
}

/// The lines that say why the baseline fails the run (`--strict-baseline`), one per kind.
pub fn baseline_lines(report: &Report) -> Vec<(&'static str, String)> {
    report
        .baseline_failures()
        .into_iter()
        .map(|(name, entries)| {
            let kind = baseline_kind(name);
            let what = if kind == "stale" {
                "matched nothing in this run"
            } else {
                "past the `until` date"
            };
            (
                name,
                format!(
                    "{} ({what}); --strict-baseline fails the run: {}",
                    plural(
                        entries.len(),
                        &format!("{kind} baseline entry"),
                        &format!("{kind} baseline entries")
                    ),
                    entries.join("; ")
                ),
            )
        })
        .collect()
}
