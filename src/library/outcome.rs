//! The outcome of a conformance run as plain data: a stable, small view of the run's record
//! (the same record the reports are written from), so callers do not depend on its insides.

use crate::run::outcome::{RunTotals, TrialRecord, TrialStatus};

/// How one trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// The server kept the contract on what this trial checks.
    Passed,
    /// It deviated only in ways the baseline (or the dialect) accepts.
    Known,
    /// It broke a rule of a check at level `warn`: shown, not a failure.
    Warned,
    /// The server broke the contract.
    Failed,
    /// The check could not run (no answer, a refused credential): not a verdict on the server.
    Errored,
    /// Not run (filtered out, nothing to check, not applicable to the target).
    Ignored,
}

/// One thing a trial found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The JSON pointer into the body it concerns (`/buttons/0/type`), if any.
    pub pointer: Option<String>,
    /// The rule broken (`type`, `required`, `status:200`, …), if it has a name.
    pub rule: Option<String>,
    /// One line saying what is wrong, with the key masked.
    pub message: String,
}

/// One trial: a check applied to one request (`<check>::<case>`), or a fuzz, lifecycle or
/// snapshot trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trial {
    /// Its libtest name, e.g. `response_schema_conformance::task_1320098173412546`.
    pub name: String,
    /// The check it runs, e.g. `response_schema_conformance`.
    pub check: String,
    /// How it ended.
    pub status: Status,
    /// What it found wrong (empty when it passed).
    pub findings: Vec<Finding>,
    /// Why it errored or was ignored, when it did.
    pub reason: Option<String>,
}

/// The outcome of a whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The exit code `mjconform check` would give: 0 kept the contract, 1 a check failed.
    pub exit_code: u8,
    /// Every trial that was planned, in run order.
    pub trials: Vec<Trial>,
    /// Requests that reached the wire.
    pub requests_sent: usize,
}

impl Outcome {
    /// Whether the server kept the contract (no failed and no errored trial).
    pub fn kept_the_contract(&self) -> bool {
        self.exit_code == 0
    }

    /// The trials that failed: the server broke the contract there.
    pub fn failures(&self) -> impl Iterator<Item = &Trial> {
        self.trials.iter().filter(|t| t.status == Status::Failed)
    }

    /// The trials with warnings: rules of checks at level `warn` that the server broke.
    pub fn warnings(&self) -> impl Iterator<Item = &Trial> {
        self.trials.iter().filter(|t| t.status == Status::Warned)
    }

    /// The trials that could not run.
    pub fn errors(&self) -> impl Iterator<Item = &Trial> {
        self.trials.iter().filter(|t| t.status == Status::Errored)
    }

    /// How many trials ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.trials.iter().filter(|t| t.status == status).count()
    }

    pub(crate) fn from_record(records: &[TrialRecord], totals: &RunTotals) -> Outcome {
        Outcome {
            exit_code: totals.exit_code,
            requests_sent: totals.requests_sent,
            trials: records.iter().map(trial_of).collect(),
        }
    }
}

fn trial_of(record: &TrialRecord) -> Trial {
    Trial {
        name: record.name.clone(),
        check: record.check.clone(),
        status: match record.status {
            TrialStatus::Passed => Status::Passed,
            TrialStatus::Known => Status::Known,
            TrialStatus::Warned => Status::Warned,
            TrialStatus::Failed => Status::Failed,
            TrialStatus::Errored => Status::Errored,
            TrialStatus::Ignored => Status::Ignored,
        },
        findings: record
            .findings
            .iter()
            .map(|finding| Finding {
                pointer: finding.pointer.clone(),
                rule: finding.rule.clone(),
                message: finding.message.clone(),
            })
            .collect(),
        reason: record.reason.clone(),
    }
}
