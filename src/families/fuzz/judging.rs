//! Judging a campaign: every answer a property applies to, looking past the findings the
//! baseline accepts, to the first failure (then shrunk by [`super::report`]).

use crate::checks;
use crate::http::client::RequestSpec;

use super::fuzzer::Fuzzer;
use super::fuzzer::{Answer, Record};
use super::input::{Domain, Input};
use super::properties::{breach_is_known, judge_with, Facts, Judgement, Property};
use super::report::PropertyFailure;

/// How many answers a passing property judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Answers the property held on.
    pub judged: usize,
    /// Answers that were the HTTP layer's refusal, as an allowance permits.
    pub refused: usize,
    /// Answers that broke the property only in ways the baseline accepts.
    pub known: usize,
    /// Inputs the HTTP stack would not send.
    pub not_sendable: usize,
}

/// What one property trial concluded.
#[derive(Debug)]
pub enum PropertyOutcome {
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    Passed(Counts),
    /// Nothing the property applies to was generated (or another domain is replayed).
    NothingToCheck(String),
    Broken(Box<PropertyFailure>),
    /// No answer to judge; the message says which input and why.
    CouldNotRun(String),
}

impl Fuzzer {
    pub(super) fn judge(
        &self,
        property: Property,
        input: &Input,
        request: &RequestSpec,
        answer: &Answer,
    ) -> Judgement {
        self.judge_with_facts(property, &self.facts(input, request), request, answer)
    }

    /// [`Fuzzer::judge`] with the input's facts already worked out: a campaign's records
    /// carry theirs, since every property of the domain judges every record, and working
    /// them out each time cost more than judging.
    pub(super) fn judge_with_facts(
        &self,
        property: Property,
        facts: &Facts,
        request: &RequestSpec,
        answer: &Answer,
    ) -> Judgement {
        let baseline = if property == Property::SchemeCaseLikeBearer && facts.applies(property) {
            self.baseline()
        } else {
            None
        };
        // Only the schema property reads a verdict made before the body was shed.
        let schema_verdict = if property == Property::ResponseSchemaConformance {
            self.lock_schema_verdicts().get(request).cloned()
        } else {
            None
        };
        judge_with(
            property,
            facts,
            answer,
            &self.context.contract.fetch,
            baseline,
            schema_verdict.as_ref(),
        )
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// Checks `property` on every generated request of `domain`, shrinking the first
    /// failure.
    pub fn check(&self, domain: Domain, property: Property) -> PropertyOutcome {
        self.check_with(domain, property, &|_| false)
    }

    /// [`Fuzzer::check`], looking past failures the baseline accepts (`is_known` says which
    /// findings it accepts) for a new one.
    pub fn check_with(
        &self,
        domain: Domain,
        property: Property,
        is_known: &dyn Fn(&checks::Finding) -> bool,
    ) -> PropertyOutcome {
        let records = self.campaign(domain);
        if records.is_empty() {
            let reason = match &self.replay {
                Some(replay) => format!(
                    "replaying a {} case; this trial has none",
                    replay.0.domain().name()
                ),
                None => "no case was generated".to_owned(),
            };
            return PropertyOutcome::NothingToCheck(reason);
        }
        let mut counts = Counts::default();
        let mut unanswered: Option<(&Record, String)> = None;
        for record in records {
            match self.judge_with_facts(property, &record.facts, &record.request, &record.answer) {
                Judgement::Pass => counts.judged += 1,
                Judgement::Refused => counts.refused += 1,
                Judgement::NotSendable(_) => counts.not_sendable += 1,
                Judgement::NotApplicable => {}
                Judgement::CouldNotRun(reason) => {
                    unanswered.get_or_insert((record, reason));
                }
                Judgement::Fail(breach) if breach_is_known(&breach, is_known) => counts.known += 1,
                Judgement::Fail(_) => {
                    return PropertyOutcome::Broken(Box::new(self.failure(
                        domain,
                        property,
                        record,
                        records.len(),
                        is_known,
                    )))
                }
            }
        }
        let nothing_judged = counts.judged + counts.refused + counts.known == 0;
        match unanswered {
            Some((record, reason)) if nothing_judged || property == Property::NotAServerError => {
                PropertyOutcome::CouldNotRun(self.could_not_run(
                    domain,
                    property,
                    record,
                    records.len(),
                    &reason,
                ))
            }
            _ if nothing_judged => {
                PropertyOutcome::NothingToCheck(self.nothing_to_check(property, records.len()))
            }
            _ => PropertyOutcome::Passed(counts),
        }
    }

    pub(super) fn nothing_to_check(&self, property: Property, generated: usize) -> String {
        match property {
            Property::SchemeCaseLikeBearer if self.key().is_none() => {
                "without a key no credential is valid, so there is no scheme to compare".to_owned()
            }
            Property::SchemeCaseLikeBearer => format!(
                "the key placement `{}` has no scheme whose case could vary",
                self.context.placement
            ),
            _ => format!(
                "none of the {generated} generated requests is one this property applies to"
            ),
        }
    }
}
