//! Property-based fuzzing of task ids and credentials: the `fuzz::<domain>::<property>`
//! trials.
//!
//! A run generates `--fuzz-cases` inputs per domain with proptest strategies seeded by
//! `--seed` ([`ids`], [`credentials`]), sends each once, and shares the answers among the
//! property trials of the domain (the campaign, computed once in a `OnceLock`, as the
//! suite's `Case`s are). Each property trial judges every answer it applies to
//! ([`properties`], with the allowances of [`allowances`]); on the first failure it shrinks
//! the input (more requests, capped per property and per run), writes the report under
//! `.mjconform/fuzz-failures/` ([`persistence`]) and prints the one command that replays
//! the minimal case ([`replay`]).
//!
//! Fuzzing a paid provider costs money, so every request counts: identical requests are
//! sent once, requests the suite makes anyway are shared with it, and the total is bounded
//! by `2 × --fuzz-cases` plus [`SHRINK_REQUESTS_PER_RUN`], printed before and after the run.

mod allowances;
pub mod credentials;
mod failure;
pub mod ids;
pub mod input;
pub mod persistence;
pub mod properties;
mod property;
pub mod replay;
mod shrink;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use url::Url;

use crate::checks::{self, Check, Probe};
use crate::errors::RequestError;
use crate::http::auth::ApiKey;
use crate::http::client::RequestSpec;
use crate::http::exchange::{Exchange, SentRequest};
use crate::message::redact::SECRET_PLACEHOLDER;
use crate::run::context::{unknown_id_like, RunContext};
use crate::run::outcome::{Conclusion, Failure, Family};
use crate::run::trial::{PlannedTrial, Scope};

pub use allowances::{Allowance, Trait, ALLOWANCES, OVERSIZE_BYTES};
pub use input::{Domain, Input};
pub use persistence::FAILURES_DIR;
pub use properties::Property;
pub use replay::{parse_replay_arg, ReplayCase};

use allowances::Leniency;
use failure::{Parts, Verdict};
pub use properties::Facts;
use properties::{judge_with, Judgement};

/// Most requests one property may send while shrinking its failure.
pub const SHRINK_REQUESTS_PER_PROPERTY: usize = 48;

/// Most requests all properties together may send while shrinking: the hard cap on top
/// of the generated cases.
pub const SHRINK_REQUESTS_PER_RUN: usize = 192;

/// Most inputs one shrink tries (answered from the cache or judged without a request
/// included), so a shrink ends even when every step is free.
const MAX_SHRINK_TRIES: usize = 512;

/// The key credentials are built around when the run has none: every credential is then
/// invalid, which is what a server must refuse.
const STAND_IN_KEY: &str = "mjconform-key";

type Answer = Arc<Result<Exchange, RequestError>>;

/// Body bytes a kept answer holds at most (see [`shed`]).
const SHED_BODY_KEPT: usize = crate::http::client::TRUNCATED_BODY_KEPT;

/// Keeps an answer for the run with at most [`SHED_BODY_KEPT`] bytes of its body. Fuzzing
/// keeps every answer until its trials end, and without this a server answering each probe
/// with a body just under `--max-body` would cost that body times the number of cases. The
/// schema check is the one property that reads a whole body, so a longer body is judged by
/// it now, and the verdict returned for `Fuzzer::schema_verdicts`; only an excerpt is kept
/// for reports.
fn shed(
    context: &RunContext,
    mut answer: Result<Exchange, RequestError>,
) -> (Answer, Option<checks::Verdict>) {
    let mut verdict = None;
    if let Ok(exchange) = &mut answer {
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

/// Requests fuzzing sent, against its caps.
#[derive(Debug, Default)]
pub struct Ledger {
    generated: AtomicUsize,
    shrinking: AtomicUsize,
    shared: AtomicUsize,
    generated_cap: usize,
    shrink_cap: usize,
}

impl Ledger {
    /// Requests sent for generated (or replayed) cases.
    pub fn generated(&self) -> usize {
        self.generated.load(Ordering::Relaxed)
    }

    /// Requests sent while shrinking failures.
    pub fn shrinking(&self) -> usize {
        self.shrinking.load(Ordering::Relaxed)
    }

    /// Generated requests that were the suite's own, answered once for both.
    pub fn shared(&self) -> usize {
        self.shared.load(Ordering::Relaxed)
    }

    /// Most requests fuzzing may send in this run.
    pub fn cap(&self) -> usize {
        self.generated_cap + self.shrink_cap
    }

    fn reserve_shrink(&self) -> bool {
        self.shrinking
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |sent| {
                (sent < self.shrink_cap).then_some(sent + 1)
            })
            .is_ok()
    }

    fn release_shrink(&self) {
        self.shrinking.fetch_sub(1, Ordering::Relaxed);
    }

    /// One line on what fuzzing sent.
    pub fn line(&self) -> String {
        format!(
            "{} ({} for generated cases, {} to shrink failures; {} more shared with the suite), at most {}",
            ids::count(self.generated() + self.shrinking(), "fuzz request"),
            self.generated(),
            self.shrinking(),
            self.shared(),
            self.cap()
        )
    }
}

/// One generated case and its answer.
#[derive(Debug)]
pub struct Record {
    /// Its position in the campaign, which with the seed regenerates it.
    pub index: usize,
    /// The family it was drawn from.
    pub class: &'static str,
    pub input: Input,
    /// What is known about the input before its answer, which every property reads.
    pub facts: Facts,
    pub request: RequestSpec,
    pub answer: Answer,
}

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

/// A property the server broke, after shrinking.
#[derive(Debug)]
pub struct PropertyFailure {
    pub trial: String,
    /// What the minimal case broke, for reports and baselines.
    pub findings: Vec<checks::Finding>,
    /// The minimal case's request and answer, redacted.
    pub exchange: Option<crate::run::outcome::ExchangeRecord>,
    /// The smallest input found that breaks the property.
    pub minimal: Input,
    /// The generated input shrinking started from.
    pub original: Input,
    pub case_index: usize,
    pub class: &'static str,
    pub shrink_steps: usize,
    pub shrink_requests: usize,
    pub shrink_stopped: Option<&'static str>,
    pub replay: ReplayCase,
    /// The one command line that reruns exactly this case.
    pub rerun: String,
    /// The request path as sent for the minimal input.
    pub raw_path: String,
    /// Where the report was written, relative to the failures root.
    pub saved: Result<PathBuf, persistence::SaveError>,
    /// The trial's message, redacted.
    pub message: String,
}

/// What one property trial concluded.
#[derive(Debug)]
pub enum PropertyOutcome {
    Passed(Counts),
    /// Nothing the property applies to was generated (or another domain is replayed).
    NothingToCheck(String),
    Broken(Box<PropertyFailure>),
    /// No answer to judge; the message says which input and why.
    CouldNotRun(String),
}

/// The fuzzing state of one run, shared by its trials.
pub struct Fuzzer {
    context: Arc<RunContext>,
    seed: u64,
    cases: usize,
    replay: Option<ReplayCase>,
    /// The task the credential domain asks for: one that exists, when one is known.
    probe_id: String,
    failures_root: PathBuf,
    ledger: Arc<Ledger>,
    answers: Mutex<HashMap<RequestSpec, Arc<OnceLock<Answer>>>>,
    /// The schema check's verdict on each answer whose body was shed once read.
    schema_verdicts: Mutex<HashMap<RequestSpec, checks::Verdict>>,
    campaigns: [OnceLock<Vec<Record>>; 2],
}

impl std::fmt::Debug for Fuzzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fuzzer")
            .field("seed", &self.seed)
            .field("cases", &self.cases)
            .field("replay", &self.replay.as_ref().map(ToString::to_string))
            .finish_non_exhaustive()
    }
}

/// Trial name of `property` in `domain`.
pub fn trial_name(domain: Domain, property: Property) -> String {
    format!("fuzz::{}::{}", domain.name(), property.name())
}

/// A 32-byte ChaCha seed for case `index` of `domain`, from the run's seed (splitmix64):
/// each case has its own stream, so case 7 is the same whether or not case 6 was drawn,
/// and shrinking can regenerate a case alone.
fn case_rng(seed: u64, domain: Domain, index: usize) -> TestRng {
    let mut state = seed
        ^ (domain.index() as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

impl Fuzzer {
    /// The fuzzer of a run, or `None` when fuzzing is off (`--fuzz-cases 0`, no replay).
    /// Failure reports are written under `failures_dir` (one subdirectory per target).
    pub fn new(context: &Arc<RunContext>, failures_dir: PathBuf) -> Option<Arc<Fuzzer>> {
        let args = &context.args;
        // Checked when the run was prepared (`replay::for_run`).
        let replay = replay::for_run(args).ok().flatten().map(|arg| arg.case);
        let cases = usize::try_from(args.fuzz_cases).unwrap_or(usize::MAX);
        if cases == 0 && replay.is_none() {
            return None;
        }
        let probe_id = context
            .task_ids
            .first()
            .cloned()
            .or_else(|| {
                context
                    .cases
                    .iter()
                    .find(|case| case.probe == Probe::UnknownTask)
                    .map(|case| case.task_id.clone())
            })
            .unwrap_or_else(|| unknown_id_like(&[]));
        let (generated_cap, shrink_cap) = match replay {
            Some(_) => (1, 0),
            None => (
                cases.saturating_mul(Domain::ALL.len()),
                SHRINK_REQUESTS_PER_RUN,
            ),
        };
        Some(Arc::new(Fuzzer {
            context: Arc::clone(context),
            seed: args.seed,
            cases,
            replay,
            probe_id,
            failures_root: failures_dir,
            ledger: Arc::new(Ledger {
                generated_cap,
                shrink_cap,
                ..Ledger::default()
            }),
            answers: Mutex::new(HashMap::new()),
            schema_verdicts: Mutex::new(HashMap::new()),
            campaigns: [OnceLock::new(), OnceLock::new()],
        }))
    }

    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// The run's key, if it has one.
    fn key(&self) -> Option<&str> {
        self.context.key.as_ref().map(ApiKey::expose)
    }

    fn strategy(&self, domain: Domain, index: usize) -> (&'static str, BoxedStrategy<Input>) {
        match domain {
            Domain::Ids => {
                let class = ids::class_for(index, !self.context.task_ids.is_empty());
                let strategy = ids::strategy(class, &self.context.task_ids);
                (class.name(), strategy.prop_map(Input::Id).boxed())
            }
            Domain::Credentials => {
                let placement = &self.context.placement;
                let class = credentials::class_for(index, placement);
                let key_len = self.key().unwrap_or(STAND_IN_KEY).chars().count();
                let strategy = credentials::strategy(class, placement, key_len);
                (class.name(), strategy.prop_map(Input::Credential).boxed())
            }
        }
    }

    /// The value tree of case `index`, the same every time for the same seed. The
    /// strategies have no filters, so generating cannot be rejected; an error here would
    /// be a bug in a strategy, and the case is then left out.
    fn tree(
        &self,
        domain: Domain,
        index: usize,
    ) -> Option<(&'static str, Box<dyn ValueTree<Value = Input>>)> {
        let (class, strategy) = self.strategy(domain, index);
        let rng = case_rng(self.seed, domain, index);
        let mut runner = TestRunner::new_with_rng(Config::default(), rng);
        let tree = strategy.new_tree(&mut runner).ok()?;
        Some((class, tree))
    }

    /// The request for an input.
    pub fn request_for(&self, input: &Input) -> RequestSpec {
        match input {
            Input::Id(id) => {
                RequestSpec::get(self.context.path_for(&id.id()), self.context.credential())
            }
            Input::Credential(credential) => RequestSpec::get(
                self.context.path_for(&self.probe_id),
                credential.headers(&self.context.placement, self.key().unwrap_or(STAND_IN_KEY)),
            ),
        }
    }

    fn facts(&self, input: &Input, request: &RequestSpec) -> Facts {
        let validity = match input {
            Input::Credential(credential) => {
                Some(credential.validity(&self.context.placement, self.key()))
            }
            Input::Id(_) => None,
        };
        let traits = allowances::traits(input, request, validity);
        let credential = match input {
            Input::Credential(credential) => Some(credential),
            Input::Id(_) => None,
        };
        Facts {
            domain: input.domain(),
            validity,
            scheme_case_variant: credential.is_some_and(|c| c.is_scheme_case_variant()),
            credential_absent: credential.is_some_and(|c| c.is_absent()),
            leniency: Leniency::for_traits(&traits),
        }
    }

    fn slot(&self, request: &RequestSpec) -> Arc<OnceLock<Answer>> {
        let mut answers = self
            .answers
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        Arc::clone(answers.entry(request.clone()).or_default())
    }

    fn cached(&self, request: &RequestSpec) -> Option<Answer> {
        // A lookup, not `slot`: asking must not copy the request into the map.
        let answers = self
            .answers
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        answers.get(request).and_then(|slot| slot.get().cloned())
    }

    /// The suite's answer, when the suite plans this very request (no credential on the
    /// task the credential domain asks for is the suite's `missing_credential`).
    fn suite_answer(&self, request: &RequestSpec) -> Option<Answer> {
        let case = self
            .context
            .cases
            .iter()
            .find(|case| case.request == *request)?;
        Some(Arc::new(self.context.answer(case).clone()))
    }

    /// Sends one request and keeps its answer for the run, with at most
    /// [`SHED_BODY_KEPT`] bytes of its body (see [`shed`]).
    fn send_and_keep(&self, request: &RequestSpec) -> Answer {
        let (answer, verdict) = shed(&self.context, self.context.send_shared(request));
        if let Some(verdict) = verdict {
            self.lock_schema_verdicts().insert(request.clone(), verdict);
        }
        answer
    }

    fn lock_schema_verdicts(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<RequestSpec, checks::Verdict>> {
        // A poisoned map still holds whole verdicts: each insert is one call.
        self.schema_verdicts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers every request not answered yet, each once, `--concurrency` at a time.
    ///
    /// One sender thread per permit, each taking the next request and shedding its body
    /// before it sends another, so at most `--concurrency` whole bodies are held. (Sender
    /// tasks on the runtime instead held more memory against bodies of several MiB, as
    /// `benches/load.rs` measures.)
    fn answer_all(&self, requests: &[RequestSpec]) {
        let mut pending: Vec<&RequestSpec> = Vec::new();
        let mut seen: HashSet<&RequestSpec> = HashSet::new();
        for request in requests {
            if !seen.insert(request) || self.cached(request).is_some() {
                continue;
            }
            if let Some(answer) = self.suite_answer(request) {
                let _ = self.slot(request).set(answer);
                self.ledger.shared.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            pending.push(request);
        }
        self.ledger
            .generated
            .fetch_add(pending.len(), Ordering::Relaxed);
        let senders = self
            .context
            .politeness
            .config()
            .concurrency
            .clamp(1, pending.len().max(1));
        let queue = Mutex::new(pending.into_iter());
        std::thread::scope(|scope| {
            for _ in 0..senders {
                scope.spawn(|| loop {
                    let next = queue.lock().map(|mut queue| queue.next());
                    let Ok(Some(request)) = next else { return };
                    let answer = self.send_and_keep(request);
                    let _ = self.slot(request).set(answer);
                });
            }
        });
    }

    /// An answer while shrinking: from the cache, or sent if the property's and the run's
    /// shrink budgets allow (`None` when they do not).
    fn answer_for_shrinking(&self, request: &RequestSpec, sent_here: &mut usize) -> Option<Answer> {
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
        self.campaigns[domain.index()].get_or_init(|| {
            let generated: Vec<(usize, &'static str, Input)> = match &self.replay {
                Some(replay) if replay.0.domain() == domain => {
                    vec![(0, "replayed case", replay.0.clone())]
                }
                Some(_) => Vec::new(),
                None => (0..self.cases)
                    .filter_map(|index| {
                        let (class, tree) = self.tree(domain, index)?;
                        Some((index, class, tree.current()))
                    })
                    .collect(),
            };
            let requests: Vec<RequestSpec> = generated
                .iter()
                .map(|(_, _, input)| self.request_for(input))
                .collect();
            self.answer_all(&requests);
            generated
                .into_iter()
                .zip(requests)
                .map(|((index, class, input), request)| {
                    // Answered above; a sender thread that died is made up for here.
                    let answer = self.cached(&request).unwrap_or_else(|| {
                        let answer = self.send_and_keep(&request);
                        let _ = self.slot(&request).set(Arc::clone(&answer));
                        answer
                    });
                    Record {
                        index,
                        class,
                        facts: self.facts(&input, &request),
                        input,
                        request,
                        answer,
                    }
                })
                .collect()
        })
    }

    /// The answer to the credential domain's task with the doc's own credential.
    fn baseline(&self) -> Option<&Result<Exchange, RequestError>> {
        let case = self.context.cases.iter().find(|case| {
            case.task_id == self.probe_id
                && matches!(case.probe, Probe::KnownTask | Probe::UnknownTask)
        })?;
        Some(self.context.answer(case))
    }

    fn judge(
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
    fn judge_with_facts(
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

    fn nothing_to_check(&self, property: Property, generated: usize) -> String {
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

    /// Shrinks the failure of `property` on `record` and reports the minimal input.
    fn failure(
        &self,
        domain: Domain,
        property: Property,
        record: &Record,
        total: usize,
        is_known: &dyn Fn(&checks::Finding) -> bool,
    ) -> PropertyFailure {
        let trial = trial_name(domain, property);
        let mut shrink_requests = 0;
        let mut still_fails = |candidate: &Input| {
            // Deleting characters can walk a mutation back to the task it came from.
            if let Input::Id(id) = candidate {
                if ids::names_known(&id.id(), &self.context.task_ids) {
                    return Some(false);
                }
            }
            let request = self.request_for(candidate);
            if !self.facts(candidate, &request).applies(property) {
                return Some(false);
            }
            let answer = self.answer_for_shrinking(&request, &mut shrink_requests)?;
            // A candidate that breaks the property only in known ways is not the failure
            // being shrunk.
            Some(matches!(
                self.judge(property, candidate, &request, &answer),
                Judgement::Fail(breach) if !breach_is_known(&breach, is_known)
            ))
        };
        let shrunk = match (&self.replay, self.tree(domain, record.index)) {
            (None, Some((_, mut tree))) => {
                debug_assert_eq!(tree.current(), record.input);
                let mut shrunk = shrink::shrink(
                    tree.as_mut(),
                    record.input.clone(),
                    MAX_SHRINK_TRIES,
                    &mut still_fails,
                );
                shrink::drop_characters(
                    &mut shrunk,
                    MAX_SHRINK_TRIES,
                    Input::one_char_shorter,
                    &mut still_fails,
                );
                Some(shrunk)
            }
            _ => None,
        };
        // The minimal input, its request and its (cached) answer; the generated one if
        // anything about the shrunk one went missing.
        let minimal = shrunk
            .as_ref()
            .map(|shrunk| shrunk.value.clone())
            .unwrap_or_else(|| record.input.clone());
        let minimal_request = self.request_for(&minimal);
        let (minimal, request, answer, breach) = match self.cached(&minimal_request).map(|answer| {
            let judged = self.judge(property, &minimal, &minimal_request, &answer);
            (answer, judged)
        }) {
            Some((answer, Judgement::Fail(breach))) if !breach_is_known(&breach, is_known) => {
                (minimal, minimal_request, answer, breach)
            }
            _ => {
                let Judgement::Fail(breach) =
                    self.judge(property, &record.input, &record.request, &record.answer)
                else {
                    unreachable!("the generated record failed this property");
                };
                (
                    record.input.clone(),
                    record.request.clone(),
                    Arc::clone(&record.answer),
                    breach,
                )
            }
        };
        let provenance = match &shrunk {
            None if self.replay.is_some() => "replayed with --fuzz-replay (not shrunk)".to_owned(),
            None => format!("{}; case {} of {total}", record.class, record.index + 1),
            Some(shrunk) => {
                let mut text = format!(
                    "{}; case {} of {total}; shrunk in {} ({}) from {}",
                    record.class,
                    record.index + 1,
                    ids::count(shrunk.steps, "step"),
                    ids::count(shrink_requests, "request"),
                    record.input.describe(&self.context.placement),
                );
                if let Some(why) = shrunk.stopped {
                    text.push_str(&format!("; shrinking stopped early: {why}"));
                }
                text
            }
        };
        let replay = ReplayCase(minimal.clone());
        let rerun = self.rerun(&replay, &trial);
        let sent = self.sent_request(&minimal, &request, &answer);
        let verdict = Verdict::Breach(&breach);
        let report = self.render(
            &trial,
            property,
            verdict,
            &minimal,
            &provenance,
            &sent,
            &answer,
            &rerun,
        );
        let label =
            persistence::target_label(&self.context.target.base_url, self.context.target.embedded);
        let saved = persistence::save(
            &self.failures_root,
            &label,
            &trial,
            &report,
            &self.context.redactor,
        );
        let message = match &saved {
            Ok(path) => format!("{report}saved:    {}\n", path.display()),
            Err(err) => format!("{report}saved:    not saved: failed to {err}\n"),
        };
        PropertyFailure {
            trial,
            original: record.input.clone(),
            case_index: record.index,
            class: record.class,
            shrink_steps: shrunk.as_ref().map_or(0, |shrunk| shrunk.steps),
            shrink_requests,
            shrink_stopped: shrunk.as_ref().and_then(|shrunk| shrunk.stopped),
            replay,
            rerun,
            raw_path: sent.raw_path.clone(),
            saved,
            message: self.context.redactor.redact(&message),
            findings: breach.findings(),
            exchange: Some(self.exchange_record(&sent, &answer)),
            minimal,
        }
    }

    fn could_not_run(
        &self,
        domain: Domain,
        property: Property,
        record: &Record,
        total: usize,
        reason: &str,
    ) -> String {
        let trial = trial_name(domain, property);
        let provenance = format!("{}; case {} of {total}", record.class, record.index + 1);
        let replay = ReplayCase(record.input.clone());
        let rerun = self.rerun(&replay, &trial);
        let sent = self.sent_request(&record.input, &record.request, &record.answer);
        self.render(
            &trial,
            property,
            Verdict::Error(reason),
            &record.input,
            &provenance,
            &sent,
            &record.answer,
            &rerun,
        )
    }

    /// The record reports keep of a fuzz case: the request in symbolic form, the answer.
    fn exchange_record(
        &self,
        sent: &SentRequest,
        answer: &Answer,
    ) -> crate::run::outcome::ExchangeRecord {
        let limits = self.context.client.limits();
        let redactor = &self.context.redactor;
        let request = crate::run::outcome::ExchangeRecord::of_request(sent, limits, redactor);
        match answer.as_ref() {
            Ok(exchange) => crate::run::outcome::ExchangeRecord {
                method: request.method,
                url: request.url,
                request_headers: request.request_headers,
                curl: request.curl,
                ..crate::run::outcome::ExchangeRecord::of(exchange, limits, redactor)
            },
            Err(_) => request,
        }
    }

    fn rerun(&self, replay: &ReplayCase, trial: &str) -> String {
        replay::rerun_command(
            &self.context.args,
            self.context.target.embedded,
            &self.context.placement,
            replay,
            trial,
            &self.context.args.invocation,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn render(
        &self,
        trial: &str,
        property: Property,
        verdict: Verdict<'_>,
        input: &Input,
        provenance: &str,
        sent: &SentRequest,
        answer: &Answer,
        rerun: &str,
    ) -> String {
        let parts = Parts {
            trial,
            property,
            verdict,
            input,
            placement: &self.context.placement,
            provenance,
            request: sent,
            answer: answer.as_ref().as_ref().ok(),
            seed: self.seed,
            rerun,
            needs_key: self.key().is_some() && !self.context.target.embedded,
            requests: &self.ledger.line(),
        };
        failure::render(&parts, self.context.client.limits(), &self.context.redactor)
    }

    /// The request as sent, for reports: the URL and raw path the client produced (dot
    /// segments resolved), and the credential in symbolic form so no part of the key shows,
    /// whatever the header is called.
    fn sent_request(&self, input: &Input, request: &RequestSpec, answer: &Answer) -> SentRequest {
        let url = match answer.as_ref() {
            Ok(exchange) => exchange.request.url.clone(),
            Err(_) => self.context.client.url_for(&request.raw_path),
        };
        let raw_path = match answer.as_ref() {
            Ok(exchange) => exchange.request.raw_path.clone(),
            Err(_) => Url::parse(&url)
                .map(|parsed| parsed.path().to_owned())
                .unwrap_or_else(|_| request.raw_path.clone()),
        };
        let headers = match input {
            Input::Credential(credential) => credential.symbolic_headers(&self.context.placement),
            Input::Id(_) => self
                .key()
                .map(|_| vec![self.context.placement.credential(SECRET_PLACEHOLDER)])
                .unwrap_or_default(),
        };
        SentRequest {
            method: "GET".to_owned(),
            url,
            raw_path,
            headers,
        }
    }

    /// The body of trial `fuzz::<domain>::<property>`.
    fn trial(&self, domain: Domain, property: Property, scope: Scope<'_>) -> Conclusion {
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
        match self.check_with(domain, property, &|finding| scope.is_known(finding)) {
            PropertyOutcome::Passed(_) => Conclusion::Passed,
            PropertyOutcome::NothingToCheck(reason) => Conclusion::Ignored(reason),
            PropertyOutcome::Broken(failure) => Conclusion::Failed(Failure::with_message(
                failure.findings.clone(),
                failure.exchange.clone(),
                failure.message.clone(),
            )),
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

/// Whether every finding of a breach is one the baseline accepts.
fn breach_is_known(
    breach: &properties::Breach,
    is_known: &dyn Fn(&checks::Finding) -> bool,
) -> bool {
    let findings = breach.findings();
    !findings.is_empty() && findings.iter().all(is_known)
}

/// The ledgers of live runs, so the harness can print what fuzzing sent after the trials.
static LEDGERS: Mutex<Vec<(Weak<RunContext>, Arc<Ledger>)>> = Mutex::new(Vec::new());

fn register(context: &Arc<RunContext>, ledger: &Arc<Ledger>) {
    let mut ledgers = LEDGERS.lock().unwrap_or_else(|poison| poison.into_inner());
    ledgers.retain(|(context, _)| context.strong_count() > 0);
    ledgers.push((Arc::downgrade(context), Arc::clone(ledger)));
}

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

/// The line printed before the trials: the seed and the most requests fuzzing will send.
pub fn plan_line(context: &RunContext) -> Option<String> {
    let args = &context.args;
    if let Some(replay) = &args.fuzz_replay {
        return Some(format!(
            "mjconform: fuzz: replaying `{replay}` (one request, no shrinking)"
        ));
    }
    if args.fuzz_cases == 0 {
        return None;
    }
    let cases = usize::try_from(args.fuzz_cases).unwrap_or(usize::MAX);
    let generated = cases.saturating_mul(Domain::ALL.len());
    Some(format!(
        "mjconform: fuzz: seed {}; {cases} cases each for ids and credentials ({generated} requests at most), \
         up to {SHRINK_REQUESTS_PER_RUN} more to shrink failures: at most {} fuzz requests (--fuzz-cases 0 turns fuzzing off)",
        args.seed,
        generated.saturating_add(SHRINK_REQUESTS_PER_RUN)
    ))
}

/// The line printed after the trials: what fuzzing sent, if it ran in this run.
pub fn summary_line(context: &RunContext) -> Option<String> {
    let ledgers = LEDGERS.lock().unwrap_or_else(|poison| poison.into_inner());
    let (_, ledger) = ledgers
        .iter()
        .find(|(registered, _)| std::ptr::eq(registered.as_ptr(), context))?;
    Some(format!("mjconform: fuzz: {}", ledger.line()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_case_has_its_own_stream() {
        use proptest::prelude::Rng;
        let mut a = case_rng(1, Domain::Ids, 0);
        let mut again = case_rng(1, Domain::Ids, 0);
        assert_eq!(a.next_u64(), again.next_u64());
        let mut b = case_rng(1, Domain::Ids, 1);
        let mut c = case_rng(1, Domain::Credentials, 0);
        let mut d = case_rng(2, Domain::Ids, 0);
        let first = case_rng(1, Domain::Ids, 0).next_u64();
        for other in [b.next_u64(), c.next_u64(), d.next_u64()] {
            assert_ne!(first, other);
        }
    }

    #[test]
    fn the_ledger_caps_shrinking() {
        let ledger = Ledger {
            generated_cap: 4,
            shrink_cap: 2,
            ..Ledger::default()
        };
        assert!(ledger.reserve_shrink());
        assert!(ledger.reserve_shrink());
        assert!(!ledger.reserve_shrink());
        ledger.release_shrink();
        assert!(ledger.reserve_shrink());
        assert_eq!(ledger.cap(), 6);
        assert!(ledger.line().contains("at most 6"));
    }
}
