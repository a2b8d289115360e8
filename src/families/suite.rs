//! The suite's own trial family: one `<check>::<case>` trial per check and planned case it
//! applies to, each judging the case's one shared answer.
//!
//! Some checks need an answer to an authenticated request. When there is no credential, or
//! the target refused the credential on every request, their trials say they could not run
//! (with the fix) instead of blaming the server for a 401 the run itself caused.

use std::sync::Arc;

use crate::checks::{Check, Finding, Probe, Verdict};
use crate::message::failure;
use crate::run::context::{Case, RunContext};
use crate::run::outcome::{Conclusion, ExchangeRecord, Failure, Family};
use crate::run::trial::PlannedTrial;

/// One trial per check and case it applies to.
pub fn trials(context: &Arc<RunContext>) -> Vec<PlannedTrial> {
    let mut trials = Vec::new();
    for check in Check::ALL {
        for case in &context.cases {
            if !check.applies_to(&case.probe) {
                continue;
            }
            let context = Arc::clone(context);
            let case_for_body = Arc::clone(case);
            trials.push(PlannedTrial::new(
                Family::Check,
                check.name(),
                case.name.clone(),
                check.purpose(),
                move |scope| run_check(&context, &case_for_body, check, &|f| scope.is_known(f)),
            ));
        }
    }
    trials
}

/// Whether the check judges what an authenticated request got: with the run's key refused,
/// it has nothing to judge whatever the answer says.
fn needs_authenticated_answer(check: Check, probe: &Probe) -> bool {
    matches!(probe, Probe::KnownTask | Probe::UnknownTask)
        && (check.reads_task_body()
            || matches!(
                check,
                Check::PositiveDataAcceptance | Check::UnknownIdNotFound
            ))
}

/// Why the run cannot judge `case`'s answer, when it cannot: the request carried the run's
/// own key, and the refusal it got is the run's doing, not the server's deviation. One
/// refused key is one cause: every check on such an answer (a missing challenge on that 401,
/// a POST "served" with 401) could not run, and the credential probes, which carry no key or
/// a wrong one on purpose, still judge the server's refusals.
fn cannot_judge(context: &RunContext, case: &Case, status: u16) -> Option<String> {
    if !case.probe.carries_run_credential() || !matches!(status, 401 | 403) {
        return None;
    }
    context.credential_problem().map(|problem| {
        format!("judge an authenticated answer: the request got {status}; {problem}")
    })
}

fn run_check(
    context: &Arc<RunContext>,
    case: &Arc<Case>,
    check: Check,
    is_known: &dyn Fn(&Finding) -> bool,
) -> Conclusion {
    let limits = context.client.limits();
    let exchange = match context.answer(case) {
        Ok(exchange) => exchange,
        Err(err) => {
            let request = context.sent_request(case);
            return Conclusion::Errored {
                reason: context.redactor.redact(&err.to_string()),
                exchange: Some(ExchangeRecord::of_request(
                    &request,
                    limits,
                    &context.redactor,
                )),
                message: failure::run_error(
                    check,
                    &request,
                    &err.to_string(),
                    limits,
                    &context.redactor,
                ),
            };
        }
    };
    let refused_by_run = cannot_judge(context, case, exchange.status);
    let mut compared: Vec<String> = Vec::new();
    let verdict = match &refused_by_run {
        Some(_) if needs_authenticated_answer(check, &case.probe) => None,
        _ if check.reads_task_body() && !(200..300).contains(&exchange.status) => {
            return Conclusion::Ignored(format!(
                "no task to judge: the answer is {} (positive_data_acceptance reports it)",
                exchange.status
            ));
        }
        _ => Some(match check.compares_with() {
        // A judgement across answers of the run: the others are the planned cases of that
        // probe (this case aside). The trial records which it compared; its findings name them.
        Some(probe) => {
            let others: Vec<(String, &crate::http::exchange::Exchange)> = context
                .cases
                .iter()
                .filter(|other| other.probe == probe && other.name != case.name)
                .filter_map(|other| match context.answer(other) {
                    Ok(answer) => Some((other.name.clone(), answer)),
                    Err(_) => None,
                })
                .collect();
            if others.is_empty() {
                return Conclusion::Ignored(format!(
                    "nothing to compare with: no other `{}` answer",
                    probe.case_name()
                ));
            }
            compared = others.iter().map(|(name, _)| name.clone()).collect();
            let others: Vec<(&str, &crate::http::exchange::Exchange)> = others
                .iter()
                .map(|(name, answer)| (name.as_str(), *answer))
                .collect();
            check.run_compared(
                &context.contract.fetch,
                &case.probe,
                (case.name.as_str(), exchange),
                &others,
            )
        }
        None => check.run(&context.contract.fetch, &case.probe, exchange),
    }),
    };
    // A new finding on the answer to a refused key would blame the server for the run's key:
    // it could not run instead (a pass is still a pass, a known deviation still known).
    let blames_server = match &verdict {
        None => true,
        Some(Verdict::Fail(findings)) => !findings.iter().all(is_known),
        Some(Verdict::Pass) => false,
    };
    if let (Some(reason), true) = (refused_by_run, blames_server) {
        return Conclusion::Errored {
            exchange: Some(ExchangeRecord::of(exchange, limits, &context.redactor)),
            message: failure::run_error(
                check,
                &exchange.request,
                &reason,
                limits,
                &context.redactor,
            ),
            reason,
        };
    }
    match verdict {
        None | Some(Verdict::Pass) => Conclusion::Passed,
        Some(Verdict::Fail(findings)) => Conclusion::Failed(Failure {
            findings,
            compared,
            exchange: Some(ExchangeRecord::of(exchange, limits, &context.redactor)),
            diff: None,
            render: render_failure(context, case, check),
        }),
    }
}

/// The failure message, rendered once the baseline has split the findings. It reads the
/// case's cached answer again rather than holding a copy of a body that may be megabytes.
fn render_failure(
    context: &Arc<RunContext>,
    case: &Arc<Case>,
    check: Check,
) -> crate::run::outcome::Render {
    let context = Arc::clone(context);
    let case = Arc::clone(case);
    Box::new(move |findings: &[Finding], known: &[(Finding, String)]| {
        let Ok(exchange) = context.answer(&case) else {
            return String::new();
        };
        let mut message = failure::contract_failure(
            check,
            exchange,
            findings,
            context.client.limits(),
            &context.redactor,
        );
        message.push_str(&failure::known_deviations(known, &context.redactor));
        message
    })
}
