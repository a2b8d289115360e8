//! The trials arranged the way the Markdown table and the HTML grid show them: by family,
//! then by check, with each family's cases as columns.

use crate::run::outcome::{Family, TrialRecord, TrialStatus};

/// One family's trials: its checks as rows and its cases as columns.
pub struct FamilyGroup<'a> {
    pub family: Family,
    /// Cases in first-seen order (trials arrive in name order).
    pub cases: Vec<&'a str>,
    pub checks: Vec<CheckGroup<'a>>,
}

/// One check's trials, in name order.
pub struct CheckGroup<'a> {
    pub check: &'a str,
    pub trials: Vec<&'a TrialRecord>,
}

impl CheckGroup<'_> {
    pub fn count(&self, status: TrialStatus) -> usize {
        self.trials
            .iter()
            .filter(|trial| trial.status == status)
            .count()
    }

    /// The worst outcome among the check's trials, for colouring a row.
    pub fn worst(&self) -> TrialStatus {
        self.trials
            .iter()
            .map(|trial| trial.status)
            .max_by_key(|status| severity(*status))
            .unwrap_or(TrialStatus::Passed)
    }
}

/// How much an outcome asks for attention: errors and failures first.
pub fn severity(status: TrialStatus) -> u8 {
    match status {
        TrialStatus::Ignored => 0,
        TrialStatus::Passed => 1,
        TrialStatus::Known => 2,
        TrialStatus::Warned => 3,
        TrialStatus::Errored => 4,
        TrialStatus::Failed => 5,
    }
}

/// The families in the order a run lists them: checks, then fuzz, lifecycle, snapshots.
pub fn by_family(trials: &[TrialRecord]) -> Vec<FamilyGroup<'_>> {
    let order = [
        Family::Check,
        Family::Fuzz,
        Family::Lifecycle,
        Family::Snapshot,
    ];
    order
        .into_iter()
        .filter_map(|family| {
            let members: Vec<&TrialRecord> = trials
                .iter()
                .filter(|trial| trial.family == family)
                .collect();
            if members.is_empty() {
                return None;
            }
            let mut cases: Vec<&str> = Vec::new();
            let mut checks: Vec<CheckGroup> = Vec::new();
            for trial in members {
                if !cases.contains(&trial.case.as_str()) {
                    cases.push(&trial.case);
                }
                match checks.iter_mut().find(|group| group.check == trial.check) {
                    Some(group) => group.trials.push(trial),
                    None => checks.push(CheckGroup {
                        check: &trial.check,
                        trials: vec![trial],
                    }),
                }
            }
            Some(FamilyGroup {
                family,
                cases,
                checks,
            })
        })
        .collect()
}

/// A family's name as reports title it.
pub fn family_title(family: Family) -> &'static str {
    match family {
        Family::Check => "Checks",
        Family::Fuzz => "Fuzzing",
        Family::Lifecycle => "Lifecycle",
        Family::Snapshot => "Snapshots",
    }
}
