//! The lifecycle check: `--watch ID` polls a task until it reaches a terminal status and
//! judges how it got there. One answer cannot show a task leaving SUCCESS, a progress bar
//! going backwards or a start time rewritten at every update, yet clients that poll (every
//! client of this API) break on exactly those.
//!
//! Rules, from [`crate::contract::rules`]: a status may only follow another as [`TRANSITIONS`] allows
//! (a finished task stays finished; a running task does not go back to the queue); progress
//! never goes down, except into FAILURE; a time never changes, nor disappears, once set; and
//! the task reaches SUCCESS or FAILURE before `--watch-deadline`. Every poll must answer with
//! the watched task (its id, as `task_id_matches` judges it): a poll answered with another
//! task, or a body without the id, ends the watch. After the first terminal
//! answer one more poll confirms the task stays there. The first violation ends the watch,
//! so a paid provider is not polled for nothing.
//!
//! Polls go through [`RunContext::send`], so they are counted and rate-limited like every
//! request. Against the embedded provider with no `--watch`, its advancing task is watched,
//! polling once per step of its life, so `cargo test` exercises this check in well under a
//! second.
//!
//! [`TRANSITIONS`]: crate::contract::rules::TRANSITIONS

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::checks::task_id_matches;
use crate::checks::task_view::{Slot, TaskView};
use crate::checks::{excerpt, Finding};
use crate::contract::rules::{
    status_rule, transition_allowed, PROGRESS, PROGRESS_MAY_DROP_INTO, TIME_FIELDS,
};
use crate::http::client::RequestSpec;
use crate::http::exchange::Exchange;
use crate::message::failure;
use crate::run::context::{task_case_name, RunContext};
use crate::run::outcome::{Conclusion, ExchangeRecord, Failure, Family};
use crate::run::trial::PlannedTrial;

/// The family name, the first part of every trial name.
pub const FAMILY: &str = "lifecycle";

/// What the family guards, printed with its failures.
pub const PURPOSE: &str = "a watched task only moves forward (a finished task stays finished, a running one does not go back to the queue), its progress never drops, its times never change once set, and it finishes before the deadline";

/// How much of the watch a failure report shows.
const TIMELINE_LINES: usize = 30;

/// One task to watch, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchPlan {
    pub id: String,
    pub interval: Duration,
    pub deadline: Duration,
}

/// One trial per watched task, named `lifecycle::task_<id>`.
pub fn trials(context: &Arc<RunContext>) -> Vec<PlannedTrial> {
    plans(context)
        .into_iter()
        .map(|plan| {
            let case = task_case_name(&context.redactor.redact(&plan.id));
            let context = Arc::clone(context);
            PlannedTrial::new(Family::Lifecycle, FAMILY, case, PURPOSE, move |_| {
                watch(&context, &plan)
            })
        })
        .collect()
}

/// The `--watch` ids, each once; or, against the embedded provider, its advancing task,
/// polled once per step so the watch takes a few steps, not `--watch-interval`s.
fn plans(context: &RunContext) -> Vec<WatchPlan> {
    let args = &context.args;
    let mut plans: Vec<WatchPlan> = Vec::new();
    for id in &args.watch {
        let id = id.trim();
        if !id.is_empty() && !plans.iter().any(|plan| plan.id == id) {
            plans.push(WatchPlan {
                id: id.to_owned(),
                interval: args.watch_interval,
                deadline: args.watch_deadline,
            });
        }
    }
    if plans.is_empty() {
        if let Some(provider) = context.provider() {
            plans.push(WatchPlan {
                id: provider.advancing_task_id.clone(),
                interval: args.watch_interval.min(provider.advance_step),
                deadline: args.watch_deadline,
            });
        }
    }
    plans
}

/// What one poll showed, as far as the lifecycle rules care. Values of the wrong type are
/// the schema check's finding and read as not shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub status: Option<String>,
    /// The progress, if it is well formed (`N%`).
    pub progress: Option<u32>,
    /// `submitTime`, `startTime`, `finishTime` in [`TIME_FIELDS`] order.
    pub times: [Slot<i64>; 3],
}

impl Observation {
    pub fn of(task: &TaskView) -> Observation {
        Observation {
            status: task.status().map(str::to_owned),
            progress: task
                .string("progress")
                .set()
                .and_then(|p| PROGRESS.parse(p)),
            times: TIME_FIELDS.map(|field| task.time(field)),
        }
    }

    /// A finished status: the watch is over once it is confirmed.
    pub fn is_terminal(&self) -> bool {
        self.status
            .as_deref()
            .and_then(status_rule)
            .is_some_and(|rule| rule.terminal)
    }

    fn summary(&self) -> String {
        let mut line = self.status.clone().unwrap_or_else(|| "(no status)".into());
        if let Some(progress) = self.progress {
            write!(line, " {progress}%").unwrap();
        }
        for (field, time) in TIME_FIELDS.iter().zip(&self.times) {
            if let Slot::Set(time) = time {
                write!(line, " {field}={time}").unwrap();
            }
        }
        line
    }
}

/// The lifecycle rules applied to successive observations of one task.
#[derive(Debug, Default)]
pub struct Watcher {
    /// The last status the rules know (undocumented ones are skipped).
    status: Option<String>,
    progress: Option<u32>,
    times: [Option<i64>; 3],
}

impl Watcher {
    /// Judges the next observation against everything seen before, then remembers it: each
    /// finding as the rule it breaks and a line for people.
    pub fn observe(&mut self, next: &Observation) -> Vec<(&'static str, String)> {
        let mut findings = Vec::new();
        if let Some(to) = next.status.as_deref() {
            if let Some(from) = self.status.as_deref() {
                if !transition_allowed(from, to) {
                    let why = if status_rule(from).is_some_and(|rule| rule.terminal) {
                        "a finished task must stay finished"
                    } else {
                        "a task that started must not go back to the queue"
                    };
                    findings.push((
                        "transition",
                        format!("status went from {from} to {to}: {why}"),
                    ));
                }
            }
            if status_rule(to).is_some() {
                self.status = Some(to.to_owned());
            }
        }
        if let Some(progress) = next.progress {
            let may_drop = next
                .status
                .as_deref()
                .is_some_and(|status| PROGRESS_MAY_DROP_INTO.contains(&status));
            if let Some(before) = self.progress {
                if progress < before && !may_drop {
                    findings.push((
                        "progress-drop",
                        format!("progress went down from {before}% to {progress}%"),
                    ));
                }
            }
            self.progress = Some(progress);
        }
        for ((field, seen), now) in TIME_FIELDS.iter().zip(&mut self.times).zip(&next.times) {
            match (*seen, now) {
                (Some(before), Slot::Set(after)) if before != *after => findings.push((
                    "time-changed",
                    format!("{field} changed from {before} to {after} after it was set"),
                )),
                (Some(before), Slot::Missing | Slot::Unset) => findings.push((
                    "time-vanished",
                    format!("{field} was {before} and is now unset; a set time must stay"),
                )),
                (None, Slot::Set(after)) => *seen = Some(*after),
                _ => {}
            }
        }
        findings
    }
}

/// One line of the watch's history, for reports.
struct Poll {
    number: usize,
    at: Duration,
    summary: String,
}

fn watch(context: &RunContext, plan: &WatchPlan) -> Conclusion {
    let request = RequestSpec::get(context.path_for(&plan.id), context.credential());
    let started = Instant::now();
    let mut watcher = Watcher::default();
    let mut timeline: Vec<Poll> = Vec::new();
    let mut confirming = false;
    let mut number = 0;
    loop {
        number += 1;
        let exchange = match context.send(&request) {
            Ok(exchange) => exchange,
            Err(err) => {
                let reason = format!("poll {number}: {err}");
                return Conclusion::Errored {
                    message: run_error(context, &request, &reason),
                    reason,
                    exchange: None,
                };
            }
        };
        // A poll refused when the run's own key is refused everywhere: the run's doing, not
        // the task's life (one refused key is one cause).
        if matches!(exchange.status, 401 | 403) {
            if let Some(problem) = context.credential_problem() {
                let reason = format!(
                    "poll {number}: the request got {}; {problem}",
                    exchange.status
                );
                return Conclusion::Errored {
                    message: run_error(context, &request, &reason),
                    exchange: Some(ExchangeRecord::of(
                        &exchange,
                        context.client.limits(),
                        &context.redactor,
                    )),
                    reason,
                };
            }
        }
        let at = started.elapsed();
        let fail = |findings: Vec<Finding>, timeline: &[Poll]| -> Conclusion {
            let limits = context.client.limits();
            let record = ExchangeRecord::of(&exchange, limits, &context.redactor);
            let message = failure(context, &exchange, timeline, &findings);
            Conclusion::Failed(Failure::with_message(findings, Some(record), message))
        };
        let Some(task) = TaskView::of(&exchange) else {
            let why = unreadable(&exchange);
            let finding = format!(
                "poll {number} (+{:.2}s): {why}; the watch cannot follow the task",
                at.as_secs_f64()
            );
            return fail(vec![Finding::new(finding).rule("unreadable")], &timeline);
        };
        let observation = Observation::of(&task);
        // A poll answered with another task (or none) says nothing of the watched one.
        if let Some(mismatch) =
            task_id_matches::judge(&context.contract.fetch, exchange.status, &plan.id, task)
        {
            let finding = Finding::new(format!(
                "poll {number} (+{:.2}s): {}; the watch cannot follow the task",
                at.as_secs_f64(),
                mismatch.message
            ))
            .rule("lifecycle-id");
            return fail(vec![finding], &timeline);
        }
        let summary = observation.summary();
        if timeline.last().is_none_or(|last| last.summary != summary) {
            timeline.push(Poll {
                number,
                at,
                summary,
            });
        }
        let findings = watcher.observe(&observation);
        if !findings.is_empty() {
            let findings = findings
                .into_iter()
                .map(|(rule, text)| {
                    Finding::new(format!("poll {number} (+{:.2}s): {text}", at.as_secs_f64()))
                        .rule(rule)
                })
                .collect();
            return fail(findings, &timeline);
        }
        if confirming {
            return Conclusion::Passed;
        }
        if observation.is_terminal() {
            confirming = true;
        } else if at + plan.interval > plan.deadline {
            let finding = format!(
                "no terminal status (SUCCESS or FAILURE) within the {:.1}s deadline: still {} after {number} polls (--watch-deadline sets the deadline)",
                plan.deadline.as_secs_f64(),
                observation.summary()
            );
            return fail(vec![Finding::new(finding).rule("deadline")], &timeline);
        }
        std::thread::sleep(plan.interval);
    }
}

/// Why an answer is not a task the watch can read.
fn unreadable(exchange: &Exchange) -> String {
    if !(200..300).contains(&exchange.status) {
        return format!("the answer is status {}, not a task", exchange.status);
    }
    match exchange.json() {
        Ok(value) => format!(
            "the body is not a JSON object: `{}`",
            excerpt(&value.to_string(), 60)
        ),
        Err(problem) => problem.to_string(),
    }
}

fn failure(
    context: &RunContext,
    exchange: &Exchange,
    timeline: &[Poll],
    findings: &[Finding],
) -> String {
    let redactor = &context.redactor;
    let mut out = String::new();
    writeln!(out, "FAILURE: the server broke the contract").unwrap();
    writeln!(out, "check:    {FAMILY}: {PURPOSE}").unwrap();
    writeln!(
        out,
        "request:  {}",
        failure::curl_command(&exchange.request, context.client.limits(), redactor)
    )
    .unwrap();
    if !timeline.is_empty() {
        writeln!(out, "polls (each change):").unwrap();
        let skipped = timeline.len().saturating_sub(TIMELINE_LINES);
        if skipped > 0 {
            writeln!(out, "  ({skipped} earlier changes not shown)").unwrap();
        }
        for poll in &timeline[skipped..] {
            let line = format!(
                "  poll {:>3} +{:>6.2}s  {}",
                poll.number,
                poll.at.as_secs_f64(),
                poll.summary
            );
            writeln!(out, "{}", redactor.redact(&line)).unwrap();
        }
    }
    writeln!(out, "last answer:").unwrap();
    out.push_str(&failure::describe_answer(exchange, redactor));
    writeln!(out, "findings:").unwrap();
    for finding in findings {
        writeln!(out, "  - {}", redactor.redact(&finding.to_string())).unwrap();
    }
    out
}

fn run_error(context: &RunContext, request: &RequestSpec, reason: &str) -> String {
    let sent = crate::http::exchange::SentRequest {
        method: "GET".to_owned(),
        url: context.client.url_for(&request.raw_path),
        raw_path: request.raw_path.clone(),
        headers: request.headers.clone(),
    };
    let redactor = &context.redactor;
    let mut out = String::new();
    writeln!(out, "ERROR: the check could not run").unwrap();
    writeln!(out, "check:    {FAMILY}: {PURPOSE}").unwrap();
    writeln!(
        out,
        "request:  {}",
        failure::curl_command(&sent, context.client.limits(), redactor)
    )
    .unwrap();
    writeln!(out, "reason:   failed to {}", redactor.redact(reason)).unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn observation(body: serde_json::Value) -> Observation {
        Observation::of(&TaskView::from_value(body).expect("an object"))
    }

    /// The findings of watching `bodies` in order, each with its poll number.
    fn watch_bodies(bodies: &[serde_json::Value]) -> Vec<(usize, String)> {
        let mut watcher = Watcher::default();
        let mut findings = Vec::new();
        for (index, body) in bodies.iter().enumerate() {
            for (_, finding) in watcher.observe(&observation(body.clone())) {
                findings.push((index + 1, finding));
            }
        }
        findings
    }

    const T0: i64 = 1_747_133_330_000;

    #[test]
    fn a_normal_life_passes() {
        let life = [
            json!({"status": "NOT_START", "progress": "0%", "submitTime": T0, "startTime": 0}),
            json!({"status": "SUBMITTED", "progress": "0%", "submitTime": T0}),
            json!({"status": "SUBMITTED", "submitTime": T0}),
            json!({"status": "IN_PROGRESS", "progress": "10%", "submitTime": T0, "startTime": T0 + 5}),
            json!({"status": "IN_PROGRESS", "progress": "10%", "submitTime": T0, "startTime": T0 + 5}),
            json!({"status": "IN_PROGRESS", "progress": "80%", "submitTime": T0, "startTime": T0 + 5}),
            json!({"status": "SUCCESS", "progress": "100%", "submitTime": T0, "startTime": T0 + 5, "finishTime": T0 + 9}),
            json!({"status": "SUCCESS", "progress": "100%", "submitTime": T0, "startTime": T0 + 5, "finishTime": T0 + 9}),
        ];
        assert_eq!(watch_bodies(&life), []);
        assert!(observation(life[6].clone()).is_terminal());
        assert!(!observation(life[5].clone()).is_terminal());
    }

    #[test]
    fn a_failure_may_reset_progress() {
        let life = [
            json!({"status": "IN_PROGRESS", "progress": "45%"}),
            json!({"status": "FAILURE", "progress": "0%", "failReason": "banned"}),
        ];
        assert_eq!(watch_bodies(&life), []);
        assert!(observation(life[1].clone()).is_terminal());
    }

    #[test]
    fn illegal_transitions_are_named() {
        let back = watch_bodies(&[
            json!({"status": "IN_PROGRESS"}),
            json!({"status": "SUBMITTED"}),
        ]);
        assert_eq!(
            back,
            [(2, "status went from IN_PROGRESS to SUBMITTED: a task that started must not go back to the queue".to_owned())]
        );
        let left = watch_bodies(&[
            json!({"status": "SUCCESS"}),
            json!({"status": "IN_PROGRESS"}),
        ]);
        assert!(
            left[0].1.contains("a finished task must stay finished"),
            "{left:?}"
        );
        let failed_then_succeeded =
            watch_bodies(&[json!({"status": "FAILURE"}), json!({"status": "SUCCESS"})]);
        assert_eq!(failed_then_succeeded.len(), 1);
        // An undocumented status in between does not hide a return to the queue.
        let hidden = watch_bodies(&[
            json!({"status": "IN_PROGRESS"}),
            json!({"status": "MODAL"}),
            json!({"status": "NOT_START"}),
        ]);
        assert_eq!(hidden.len(), 1, "{hidden:?}");
        assert_eq!(hidden[0].0, 3);
    }

    #[test]
    fn progress_going_down_is_named() {
        let found = watch_bodies(&[
            json!({"status": "IN_PROGRESS", "progress": "55%"}),
            json!({"status": "IN_PROGRESS", "progress": "30%"}),
        ]);
        assert_eq!(
            found,
            [(2, "progress went down from 55% to 30%".to_owned())]
        );
        // Malformed or mistyped progress is other checks' finding and not compared.
        let skipped = watch_bodies(&[
            json!({"status": "IN_PROGRESS", "progress": "55%"}),
            json!({"status": "IN_PROGRESS", "progress": "3"}),
            json!({"status": "IN_PROGRESS", "progress": 3}),
            json!({"status": "IN_PROGRESS", "progress": ""}),
        ]);
        assert_eq!(skipped, []);
    }

    #[test]
    fn times_must_not_change_once_set() {
        let changed = watch_bodies(&[json!({"startTime": T0}), json!({"startTime": T0 + 1})]);
        assert_eq!(
            changed,
            [(
                2,
                format!("startTime changed from {T0} to {} after it was set", T0 + 1)
            )]
        );
        let vanished = watch_bodies(&[json!({"finishTime": T0}), json!({"finishTime": 0})]);
        assert!(vanished[0].1.contains("finishTime was"), "{vanished:?}");
        let mistyped = watch_bodies(&[json!({"submitTime": T0}), json!({"submitTime": "x"})]);
        assert_eq!(mistyped, []);
        let set_late = watch_bodies(&[json!({"startTime": 0}), json!({"startTime": T0})]);
        assert_eq!(set_late, []);
    }

    #[test]
    fn case_names_are_clean() {
        assert_eq!(task_case_name("1747133330250817"), "task_1747133330250817");
        assert_eq!(task_case_name("a b/c"), "task_a_b_c");
    }
}
