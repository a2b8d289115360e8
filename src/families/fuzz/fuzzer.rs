//! The fuzzing state of one run, shared by its trials: the run it belongs to, its seed and
//! case count, the replayed case if any, the answers kept, and the two campaigns. Its work is
//! spread by idea: drawing cases ([`super::plan`]), sending them once
//! ([`super::campaign`]), judging them ([`super::judging`]), reporting a broken property
//! ([`super::report`]) and the trials ([`super::trials`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::checks::{self, Probe};
use crate::errors::RequestError;
use crate::http::auth::ApiKey;
use crate::http::client::RequestSpec;
use crate::http::exchange::Exchange;
use crate::run::context::{unknown_id_like, RunContext};

use super::input::{Domain, Input};
use super::ledger::{Ledger, SHRINK_REQUESTS_PER_RUN};
use super::properties::{Facts, Property};
use super::replay::{self, ReplayCase};

/// The key credentials are built around when the run has none: every credential is then
/// invalid, which is what a server must refuse.
pub(super) const STAND_IN_KEY: &str = "mjconform-key";

pub type Answer = Arc<Result<Exchange, RequestError>>;

/// A map keyed by whole requests, hashed with foldhash: a generated id is up to 16 KiB and
/// each request is hashed several times, which SipHash made a visible cost.
pub(super) type RequestMap<V> = HashMap<RequestSpec, V, foldhash::fast::RandomState>;

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

/// The fuzzing state of one run, shared by its trials.
pub struct Fuzzer {
    pub(super) context: Arc<RunContext>,
    pub(super) seed: u64,
    pub(super) cases: usize,
    pub(super) replay: Option<ReplayCase>,
    /// The task the credential domain asks for: one that exists, when one is known.
    pub(super) probe_id: String,
    pub(super) failures_root: PathBuf,
    pub(super) ledger: Arc<Ledger>,
    pub(super) answers: Mutex<RequestMap<Arc<OnceLock<Answer>>>>,
    /// The schema check's verdict on each answer whose body was shed once read.
    pub(super) schema_verdicts: Mutex<RequestMap<checks::Verdict>>,
    pub(super) campaigns: [OnceLock<Vec<Record>>; 2],
    /// Each domain's fixed edits, worked out on first use.
    pub(super) fixed: [OnceLock<Vec<(&'static str, Input)>>; 2],
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
            answers: Mutex::new(RequestMap::default()),
            schema_verdicts: Mutex::new(RequestMap::default()),
            campaigns: [OnceLock::new(), OnceLock::new()],
            fixed: [OnceLock::new(), OnceLock::new()],
        }))
    }

    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// The run's key, if it has one.
    pub(super) fn key(&self) -> Option<&str> {
        self.context.key.as_ref().map(ApiKey::expose)
    }
}
