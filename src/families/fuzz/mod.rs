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
mod campaign;
pub mod credentials;
mod failure;
mod fuzzer;
pub mod ids;
pub mod input;
mod judging;
mod ledger;
pub mod persistence;
mod plan;
pub mod properties;
mod property;
pub mod replay;
mod report;
mod shrink;
mod trials;

pub use allowances::{Allowance, Trait, ALLOWANCES, OVERSIZE_BYTES};
pub use fuzzer::Record;
pub use fuzzer::{trial_name, Fuzzer};
pub use input::{Domain, Input};
pub use judging::{Counts, PropertyOutcome};
pub use ledger::{
    plan_line, summary_line, Ledger, SHRINK_REQUESTS_PER_PROPERTY, SHRINK_REQUESTS_PER_RUN,
};
pub use persistence::FAILURES_DIR;
pub use properties::{Facts, Property};
pub use replay::{parse_replay_arg, ReplayCase};
pub use report::PropertyFailure;
pub use trials::trials;

/// Every `fuzz::<domain>::<property>` trial name, fuzzing on or off.
pub fn property_trial_names() -> Vec<String> {
    Domain::ALL
        .iter()
        .flat_map(|&domain| {
            domain
                .properties()
                .iter()
                .map(move |&property| trial_name(domain, property))
        })
        .collect()
}
