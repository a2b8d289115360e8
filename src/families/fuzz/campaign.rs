//! Sending the campaign: every generated request once, `--concurrency` at a time, shared
//! with the suite where the suite asks the same, kept with at most a short excerpt of its
//! body; and the answers shrinking asks for, within its budgets.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};

use proptest::strategy::ValueTree;

use crate::checks::{self, Check, Probe};
use crate::errors::RequestError;
use crate::http::client::RequestSpec;
use crate::http::exchange::Exchange;
use crate::run::context::RunContext;

use super::fuzzer::{Answer, Fuzzer, Record, RequestMap};
use super::input::{Domain, Input};
use super::ledger::SHRINK_REQUESTS_PER_PROPERTY;
use super::plan::Strategies;

/// Body bytes a kept answer holds at most (see [`shed`]).
pub(super) const SHED_BODY_KEPT: usize = crate::http::client::TRUNCATED_BODY_KEPT;

/// Keeps an answer for the run with at most [`SHED_BODY_KEPT`] bytes of its body. Fuzzing
/// keeps every answer until its trials end, and without this a server answering each probe
/// with a body just under `--max-body` would cost that body times the number of cases. The
/// schema check is the one property that reads a whole body, so a longer body is judged by
/// it now, and the verdict returned for `Fuzzer::schema_verdicts`; only an excerpt is kept
/// for reports.
pub(super) fn shed(
    context: &RunContext,
    mut answer: Result<Exchange, RequestError>,
) -> (Answer, Option<checks::Verdict>) {
    let mut verdict = None;
    if let Ok(exchange) = &mut answer {
        // Kept for the whole run, thousands of them: no decoded copy beside each body.
        exchange.parsed = crate::http::exchange::ParsedBody::not_kept();
        if exchange.body.len() > SHED_BODY_KEPT {
            let schema = Check::ResponseSchemaConformance;
            verdict = Some(schema.run(&context.contract.fetch, &Probe::KnownTask, exchange));
            // A copy of the excerpt, and the whole body freed at once: shrinking the
            // buffer in place would leave a hole a byte short of the next such body
            // behind each kept excerpt, and resident memory would grow with every probe.
            // Shrunk in place. (Copying the excerpt out and freeing the buffer measured
            // worse in `tests/hostile.rs`: +57 MiB against 4 MiB bodies, not +35.)
            exchange.body.truncate(SHED_BODY_KEPT);
            exchange.body.shrink_to_fit();
        }
    }
    (Arc::new(answer), verdict)
}

impl Fuzzer {
    pub(super) fn slot(&self, request: &RequestSpec) -> Arc<OnceLock<Answer>> {
        let mut answers = self
            .answers
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        // Looked up before inserting: most requests a campaign draws twice are long, and
        // `entry` would copy the request to ask.
        if let Some(slot) = answers.get(request) {
            return Arc::clone(slot);
        }
        Arc::clone(answers.entry(request.clone()).or_default())
    }

    pub(super) fn cached(&self, request: &RequestSpec) -> Option<Answer> {
        // A lookup, not `slot`: asking must not copy the request into the map.
        let answers = self
            .answers
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        answers.get(request).and_then(|slot| slot.get().cloned())
    }

    /// The suite's answer, when the suite plans this very request (no credential on the
    /// task the credential domain asks for is the suite's `missing_credential`).
    pub(super) fn suite_answer(&self, request: &RequestSpec) -> Option<Answer> {
        let case = self
            .context
            .cases
            .iter()
            .find(|case| case.request == *request)?;
        Some(Arc::new(self.context.answer(case).clone()))
    }

    /// Sends one request and keeps its answer for the run, with at most
    /// [`SHED_BODY_KEPT`] bytes of its body (see [`shed`]).
    pub(super) fn send_and_keep(&self, request: &RequestSpec) -> Answer {
        let (answer, verdict) = shed(&self.context, self.context.send_shared(request));
        if let Some(verdict) = verdict {
            self.lock_schema_verdicts().insert(request.clone(), verdict);
        }
        answer
    }

    pub(super) fn lock_schema_verdicts(
        &self,
    ) -> std::sync::MutexGuard<'_, RequestMap<checks::Verdict>> {
        // A poisoned map still holds whole verdicts: each insert is one call.
        self.schema_verdicts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An answer while shrinking: from the cache, or sent if the property's and the run's
    /// shrink budgets allow (`None` when they do not).
    pub(super) fn answer_for_shrinking(
        &self,
        request: &RequestSpec,
        sent_here: &mut usize,
    ) -> Option<Answer> {
        if let Some(answer) = self.cached(request) {
            return Some(answer);
        }
        if let Some(answer) = self.suite_answer(request) {
            let _ = self.slot(request).set(Arc::clone(&answer));
            return Some(answer);
        }
        if *sent_here >= SHRINK_REQUESTS_PER_PROPERTY || !self.ledger.reserve_shrink() {
            return None;
        }
        let slot = self.slot(request);
        let mut sent = false;
        let answer = Arc::clone(slot.get_or_init(|| {
            sent = true;
            self.send_and_keep(request)
        }));
        if sent {
            *sent_here += 1;
        } else {
            // Another trial answered it meanwhile; this one sent nothing.
            self.ledger.release_shrink();
        }
        Some(answer)
    }

    /// The generated cases of `domain` with their answers, sent on first use.
    pub fn campaign(&self, domain: Domain) -> &[Record] {
        self.campaigns[domain.index()].get_or_init(|| match &self.replay {
            Some(replay) if replay.0.domain() == domain => {
                let input = replay.0.clone();
                let request = self.request_for(&input);
                let answer = self.answer_once(&request);
                vec![self.record(0, "replayed case", input, request, answer)]
            }
            Some(_) => Vec::new(),
            None => self.generate_and_answer(domain),
        })
    }

    /// Draws the campaign's cases and answers them in one pass, `--concurrency` sender
    /// threads each drawing the next case, building its request and sending it.
    ///
    /// Drawing is done by the senders rather than before them: each case has its own random
    /// stream (`plan::case_rng`), so any thread can draw any case and the campaign is the
    /// same whoever draws it, and the drawing of one case overlaps the wait on another's
    /// answer instead of keeping the server idle while thousands are drawn first. Identical
    /// requests still go out once: the first sender to reach a request's slot sends it, a
    /// later one waits for that answer. Each sender holds one whole body at a time, as before.
    fn generate_and_answer(&self, domain: Domain) -> Vec<Record> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let senders = self
            .context
            .politeness
            .config()
            .concurrency
            .clamp(1, self.cases.max(1));
        // One vector for all senders, sized once: per-sender vectors merged at the end held
        // every record twice for a moment, which showed in peak memory.
        let drawn: Mutex<Vec<Record>> = Mutex::new(Vec::with_capacity(self.cases));
        std::thread::scope(|scope| {
            for _ in 0..senders {
                scope.spawn(|| {
                    let mut strategies = Strategies::default();
                    RunContext::with_blocking_sender(|| loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= self.cases {
                            break;
                        }
                        let Some((class, tree)) = self.tree_with(domain, index, &mut strategies)
                        else {
                            continue;
                        };
                        let input = tree.current();
                        drop(tree);
                        let request = self.request_for(&input);
                        let answer = self.answer_once(&request);
                        let record = self.record(index, class, input, request, answer);
                        drawn
                            .lock()
                            .unwrap_or_else(|poison| poison.into_inner())
                            .push(record);
                    });
                });
            }
        });
        let mut records = drawn.into_inner().unwrap_or_else(|poison| poison.into_inner());
        // In the order of the cases, whichever sender drew them: reports and shrinking
        // take the first failing case.
        records.sort_unstable_by_key(|record| record.index);
        records
    }

    /// The answer to `request`, sent unless it is answered (or being answered) already;
    /// the suite's own answer when the suite sends this very request.
    fn answer_once(&self, request: &RequestSpec) -> Answer {
        let slot = self.slot(request);
        let answer = slot.get_or_init(|| match self.suite_answer(request) {
            Some(answer) => {
                self.ledger.shared.fetch_add(1, Ordering::Relaxed);
                answer
            }
            None => {
                self.ledger.generated.fetch_add(1, Ordering::Relaxed);
                self.send_and_keep(request)
            }
        });
        Arc::clone(answer)
    }

    /// The record of one answered case.
    fn record(
        &self,
        index: usize,
        class: &'static str,
        input: Input,
        request: RequestSpec,
        answer: Answer,
    ) -> Record {
        Record {
            index,
            class,
            facts: self.facts(&input, &request),
            input,
            request,
            answer,
        }
    }

    /// The answer to the credential domain's task with the doc's own credential.
    pub(super) fn baseline(&self) -> Option<&Result<Exchange, RequestError>> {
        let case = self.context.cases.iter().find(|case| {
            case.task_id == self.probe_id
                && matches!(case.probe, Probe::KnownTask | Probe::UnknownTask)
        })?;
        Some(self.context.answer(case))
    }
}
