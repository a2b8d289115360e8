//! How a reference provider is set up: the keys it accepts or refuses, its clock, how fast
//! its advancing task moves, and the deviations from the contract it is told to make.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::faults::Fault;

/// How long each stage of the advancing task lasts by default: short, because a test run
/// watches the whole life of the task. `mjconform mock --advance-step` slows it down for
/// people watching by hand.
pub const DEFAULT_ADVANCE_STEP: Duration = Duration::from_millis(25);

/// The reference provider's settings.
///
/// `Debug` is written by hand so that printing a config never prints a key.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The one key answered with 200 (or 404 for an unknown task).
    pub api_key: String,
    /// A key that is known but refused with 403, as a banned user's key is on real servers.
    pub disabled_key: Option<String>,
    /// "Now" in epoch milliseconds, which the seeded task times are relative to.
    /// `None` reads the system clock once, when the state is built.
    pub now_ms: Option<i64>,
    /// The least time the advancing task spends in each stage of its life.
    pub advance_step: Duration,
    /// Deviations from the contract to make, for proving that each check can fail. Empty for
    /// the reference behaviour.
    pub faults: Vec<Fault>,
    /// Answer as this family does (`mjconform mock --dialect NAME`); `None` keeps the doc.
    pub dialect: Option<&'static crate::contract::dialect::Dialect>,
}

impl ProviderConfig {
    /// A config with fresh keys, so that no key is ever a constant someone could rely on or leak.
    ///
    /// The randomness only has to make keys differ between runs, not resist an attacker: the
    /// provider listens on loopback for the length of a test run.
    pub fn with_random_key() -> Self {
        ProviderConfig {
            api_key: format!("mjc-test-{:016x}", random_u64()),
            disabled_key: Some(format!("mjc-disabled-{:016x}", random_u64())),
            now_ms: None,
            advance_step: DEFAULT_ADVANCE_STEP,
            faults: Vec::new(),
            dialect: None,
        }
    }

    /// The configured clock, or the system clock when none is configured.
    pub fn resolve_now_ms(&self) -> i64 {
        self.now_ms.unwrap_or_else(system_now_ms)
    }
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("api_key", &"***")
            .field("disabled_key", &self.disabled_key.as_ref().map(|_| "***"))
            .field("now_ms", &self.now_ms)
            .field("advance_step", &self.advance_step)
            .field("faults", &self.faults)
            .field("dialect", &self.dialect.map(|dialect| dialect.name))
            .finish()
    }
}

/// Epoch milliseconds from the system clock; a clock set before 1970 reads as 0.
fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A cheap random number without a new crate: std's per-process random hash keys, fed the
/// time and a counter so two calls in the same nanosecond still differ.
fn random_u64() -> u64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    hasher.write_u128(nanos);
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_keys_have_the_documented_shape_and_differ() {
        let first = ProviderConfig::with_random_key();
        let second = ProviderConfig::with_random_key();
        let hex = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let key = first.api_key.strip_prefix("mjc-test-").expect("key prefix");
        assert!(hex(key), "{key}");
        let disabled = first.disabled_key.as_deref().expect("a disabled key");
        let disabled = disabled
            .strip_prefix("mjc-disabled-")
            .expect("disabled prefix");
        assert!(hex(disabled), "{disabled}");
        assert_ne!(first.api_key, second.api_key);
        assert_ne!(Some(first.api_key.as_str()), first.disabled_key.as_deref());
        assert_eq!(first.now_ms, None);
        assert!(first.faults.is_empty());
    }

    #[test]
    fn debug_never_prints_a_key() {
        let config = ProviderConfig::with_random_key();
        let printed = format!("{config:?}");
        assert!(!printed.contains(&config.api_key));
        assert!(!printed.contains(config.disabled_key.as_deref().unwrap_or_default()));
    }

    #[test]
    fn configured_clock_wins_over_the_system_clock() {
        let config = ProviderConfig {
            now_ms: Some(42),
            ..ProviderConfig::with_random_key()
        };
        assert_eq!(config.resolve_now_ms(), 42);
        let system = ProviderConfig::with_random_key().resolve_now_ms();
        assert!(system > 1_700_000_000_000, "{system}");
    }
}
