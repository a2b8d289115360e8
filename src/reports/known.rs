//! Known deviations grouped the way a baseline accepts them: one group per check, rule and
//! accepting reason (one baseline entry, in practice), so ninety near-identical findings that
//! two entries accept read as two lines, each with how many findings and trials it covers.

use super::plural;
use crate::run::outcome::{FindingRecord, TrialRecord};

/// The known findings one baseline entry accepted in a run.
pub struct KnownGroup<'a> {
    pub check: &'a str,
    pub rule: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// The first finding of the group, as the example a reader sees.
    pub first: &'a FindingRecord,
    pub findings: usize,
    /// The trials holding the group's findings, in name order, each once.
    pub trials: Vec<&'a TrialRecord>,
}

impl KnownGroup<'_> {
    /// "12 known deviations in 12 trials".
    pub fn counts(&self) -> String {
        format!(
            "{} in {}",
            plural(self.findings, "known deviation", "known deviations"),
            plural(self.trials.len(), "trial", "trials")
        )
    }

    /// The cases of the group's trials, at most `shown` of them, then how many more.
    pub fn cases(&self, shown: usize) -> String {
        let mut cases: Vec<&str> = self
            .trials
            .iter()
            .take(shown)
            .map(|trial| trial.case.as_str())
            .collect();
        if self.trials.len() > shown {
            cases.push("…");
            let more = format!("{} more", self.trials.len() - shown);
            return format!("{} {more}", cases.join(", "));
        }
        cases.join(", ")
    }
}

/// The known findings of `trials`, grouped by check, rule and reason, in first-seen order.
pub fn groups(trials: &[TrialRecord]) -> Vec<KnownGroup<'_>> {
    let mut groups: Vec<KnownGroup> = Vec::new();
    for trial in trials {
        for finding in &trial.known {
            let rule = finding.rule.as_deref();
            let reason = finding.accepted_because.as_deref();
            match groups
                .iter_mut()
                .find(|g| g.check == trial.check && g.rule == rule && g.reason == reason)
            {
                Some(group) => {
                    group.findings += 1;
                    if !group.trials.iter().any(|t| std::ptr::eq(*t, trial)) {
                        group.trials.push(trial);
                    }
                }
                None => groups.push(KnownGroup {
                    check: &trial.check,
                    rule,
                    reason,
                    first: finding,
                    findings: 1,
                    trials: vec![trial],
                }),
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::outcome::{Family, TrialStatus};

    fn known(case: &str, pointer: &str, rule: &str, reason: &str) -> TrialRecord {
        let mut trial = TrialRecord::passed(
            format!("schema::{case}"),
            Family::Check,
            "schema",
            case,
            "",
        );
        trial.status = TrialStatus::Known;
        trial.known.push(FindingRecord {
            pointer: Some(pointer.to_owned()),
            rule: Some(rule.to_owned()),
            expected: None,
            actual: None,
            message: "m".to_owned(),
            accepted_because: Some(reason.to_owned()),
        });
        trial
    }

    #[test]
    fn one_group_per_check_rule_and_reason() {
        let mut trials: Vec<TrialRecord> = (0..45)
            .map(|n| known(&format!("task_{n:02}"), "/progress", "type", "ints"))
            .collect();
        trials.extend((0..45).map(|n| known(&format!("u_{n:02}"), "/label", "required", "no label")));
        let again = trials[0].known[0].clone();
        trials[0].known.push(again);
        let groups = groups(&trials);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].counts(), "46 known deviations in 45 trials");
        assert_eq!(groups[1].counts(), "45 known deviations in 45 trials");
        assert_eq!(groups[0].cases(2), "task_00, task_01, … 43 more");
    }
}
