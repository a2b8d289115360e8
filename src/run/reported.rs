//! What the suite's own checks report on the run's planned answers, so that another family
//! judging an answer of the same kind with the same check (a fuzz property) does not report
//! the same deviation again: one deviation, one finding. A finding is "the same" when its
//! check, rule and pointer pattern (array indices as `*`) are.

use std::collections::BTreeSet;

use crate::checks::{Check, Finding, Probe, Verdict};
use crate::run::baseline::generalise_pointer;
use crate::run::context::RunContext;

/// The kinds of findings the suite reports with one check: (rule, pointer pattern).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reported(BTreeSet<(Option<String>, Option<String>)>);

impl Reported {
    /// What `check` finds on the planned answers the run already has (the cases the selected
    /// suite trials read are answered before any trial runs). Answers the suite would not
    /// judge with the check (no task to read, a refusal caused by the run's own credential)
    /// add nothing.
    pub fn by_suite(context: &RunContext, check: Check) -> Reported {
        let mut kinds = BTreeSet::new();
        // Asked only of an answer that was refused: the question may send requests (the
        // planned ones not answered yet, a placement probe), and a run with no refusal has
        // no reason to spend them.
        let credential_refused = std::cell::OnceCell::new();
        for case in &context.cases {
            if !check.applies_to(&case.probe) {
                continue;
            }
            let Some(Ok(exchange)) = case.answered() else {
                continue;
            };
            if check.reads_task_body() && !(200..300).contains(&exchange.status) {
                continue;
            }
            if matches!(case.probe, Probe::KnownTask | Probe::UnknownTask)
                && matches!(exchange.status, 401 | 403)
                && *credential_refused.get_or_init(|| context.credential_problem().is_some())
            {
                continue;
            }
            if let Verdict::Fail(findings) = check.run(&context.contract.fetch, &case.probe, exchange)
            {
                kinds.extend(findings.iter().map(kind));
            }
        }
        Reported(kinds)
    }

    /// Whether the suite reports a finding of this kind.
    pub fn contains(&self, finding: &Finding) -> bool {
        self.0.contains(&kind(finding))
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn kind(finding: &Finding) -> (Option<String>, Option<String>) {
    (
        finding.rule.clone(),
        finding.pointer.as_deref().map(generalise_pointer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_kind_is_the_same_rule_at_the_same_place_whatever_the_index() {
        let mut reported = Reported::default();
        reported.0.insert(kind(
            &Finding::at("/buttons/3/type", "x").rule("type"),
        ));
        assert!(reported.contains(&Finding::at("/buttons/0/type", "y").rule("type")));
        assert!(!reported.contains(&Finding::at("/buttons/0/style", "y").rule("type")));
        assert!(!reported.contains(&Finding::at("/buttons/0/type", "y").rule("enum")));
        assert!(!reported.contains(&Finding::new("y").rule("type")));
    }
}
