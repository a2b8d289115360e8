//! The `fuzz::<domain>::<property>` trials: one per property of each domain, sharing the
//! run's [`Fuzzer`].

use std::path::PathBuf;
use std::sync::Arc;

use crate::run::context::RunContext;
use crate::run::outcome::{Conclusion, Failure, Family};
use crate::run::reported::Reported;
use crate::run::trial::{PlannedTrial, Scope};

use super::fuzzer::{trial_name, Fuzzer};
use super::input::Domain;
use super::judging::PropertyOutcome;
use super::ledger::register;
use super::persistence::FAILURES_DIR;
use super::properties::Property;

/// The trials `fuzz::<domain>::<property>`, or none when fuzzing is off.
pub fn trials(context: &Arc<RunContext>) -> Vec<PlannedTrial> {
    let dir = context
        .args
        .fuzz_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(FAILURES_DIR));
    let Some(fuzzer) = Fuzzer::new(context, dir) else {
        return Vec::new();
    };
    register(context, fuzzer.ledger());
    let mut trials = Vec::new();
    for domain in Domain::ALL {
        for &property in domain.properties() {
            let fuzzer = Arc::clone(&fuzzer);
            let name = trial_name(domain, property);
            trials.push(
                PlannedTrial::new(
                    Family::Fuzz,
                    name.clone(),
                    domain.name(),
                    property.purpose(),
                    move |scope| fuzzer.trial(domain, property, scope),
                )
                .named(name),
            );
        }
    }
    trials
}

impl Fuzzer {
    /// The body of trial `fuzz::<domain>::<property>`.
    pub(super) fn trial(&self, domain: Domain, property: Property, scope: Scope<'_>) -> Conclusion {
        // Ids are fuzzed with the run's credential; when the run's own credential is what the
        // server refuses, "unknown ids get 404" cannot be seen.
        if domain == Domain::Ids && property == Property::UnknownIdNotFound {
            if let Some(problem) = self.context.credential_problem() {
                return Conclusion::Errored {
                    message: format!(
                        "ERROR: the check could not run\ncheck:    {}: {}\nreason:   failed to judge an authenticated answer: {problem}\n",
                        trial_name(domain, property),
                        property.purpose()
                    ),
                    reason: problem,
                    exchange: None,
                };
            }
        }
        // One deviation, one finding: what the suite already reports with the same check
        // (same rule, same place) is the suite's finding, not this property's too.
        let reported = property
            .check()
            .map(|check| Reported::by_suite(&self.context, check))
            .unwrap_or_default();
        let seen = |finding: &crate::checks::Finding| {
            scope.is_known(finding) || reported.contains(finding)
        };
        let outcome = self.check_with(domain, property, &seen);
        // Ids are fuzzed with the run's key: with that key refused everywhere, a finding on
        // their answers (the 401's content type, say) is the run's doing. One refused key is
        // one cause.
        if let (PropertyOutcome::Broken(_), Domain::Ids) = (&outcome, domain) {
            if let Some(problem) = self.context.credential_problem() {
                return Conclusion::Errored {
                    message: format!(
                        "ERROR: the check could not run\ncheck:    {}: {}\nreason:   failed to judge an answer to the run's refused key: {problem}\n",
                        trial_name(domain, property),
                        property.purpose()
                    ),
                    reason: problem,
                    exchange: None,
                };
            }
        }
        match outcome {
            PropertyOutcome::Passed(_) => Conclusion::Passed,
            PropertyOutcome::NothingToCheck(reason) => Conclusion::Ignored(reason),
            PropertyOutcome::Broken(failure) => {
                let mut findings = failure.findings.clone();
                if findings.iter().any(|finding| !reported.contains(finding)) {
                    findings.retain(|finding| !reported.contains(finding));
                }
                Conclusion::Failed(Failure::with_message(
                    findings,
                    failure.exchange.clone(),
                    failure.message.clone(),
                ))
            }
            PropertyOutcome::CouldNotRun(message) => Conclusion::Errored {
                reason: message
                    .lines()
                    .find_map(|line| line.strip_prefix("reason:"))
                    .map(|reason| reason.trim().to_owned())
                    .unwrap_or_else(|| "no answer to judge".to_owned()),
                exchange: None,
                message,
            },
        }
    }
}
