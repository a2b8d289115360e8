//! The trial families: each plans [`crate::run::trial::PlannedTrial`]s and concludes them,
//! never counting or printing outcomes itself.
//!
//! - `suite`: one `<check>::<case>` trial per check and planned request;
//! - `fuzz`: generated ids and credentials, judged by properties, shrunk;
//! - `lifecycle`: watched tasks polled through their life;
//! - `snapshot`: normalised answers compared with committed snapshots.
//!
//! Imports [`crate::run`] and everything below it; no family imports another.

pub mod fuzz;
pub mod lifecycle;
pub mod snapshot;
pub mod suite;

/// Every name a trial's check can have, whatever the run's flags: the suite's checks, each
/// fuzz property of each domain, `lifecycle` and `snapshot`. A baseline entry naming another
/// is refused.
pub fn check_names() -> Vec<String> {
    let mut names: Vec<String> = crate::checks::Check::ALL
        .iter()
        .map(|check| check.name().to_owned())
        .collect();
    names.extend(fuzz::property_trial_names());
    names.push(lifecycle::FAMILY.to_owned());
    names.push("snapshot".to_owned());
    names
}
