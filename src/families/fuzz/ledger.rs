//! What fuzzing sends, against its caps: the [`Ledger`] of a run, and the lines printed
//! before the trials (the most it will send) and after them (what it sent).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::run::context::RunContext;

use super::ids;
use super::input::Domain;

/// Most requests one property may send while shrinking its failure.
pub const SHRINK_REQUESTS_PER_PROPERTY: usize = 48;

/// Most requests all properties together may send while shrinking: the hard cap on top
/// of the generated cases.
pub const SHRINK_REQUESTS_PER_RUN: usize = 192;

/// Requests fuzzing sent, against its caps.
#[derive(Debug, Default)]
pub struct Ledger {
    pub(super) generated: AtomicUsize,
    pub(super) shrinking: AtomicUsize,
    pub(super) shared: AtomicUsize,
    pub(super) generated_cap: usize,
    pub(super) shrink_cap: usize,
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

    pub(super) fn reserve_shrink(&self) -> bool {
        self.shrinking
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |sent| {
                (sent < self.shrink_cap).then_some(sent + 1)
            })
            .is_ok()
    }

    pub(super) fn release_shrink(&self) {
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

/// The ledgers of live runs, so the harness can print what fuzzing sent after the trials.
static LEDGERS: Mutex<Vec<(Weak<RunContext>, Arc<Ledger>)>> = Mutex::new(Vec::new());

pub(super) fn register(context: &Arc<RunContext>, ledger: &Arc<Ledger>) {
    let mut ledgers = LEDGERS.lock().unwrap_or_else(|poison| poison.into_inner());
    ledgers.retain(|(context, _)| context.strong_count() > 0);
    ledgers.push((Arc::downgrade(context), Arc::clone(ledger)));
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
