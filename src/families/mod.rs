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
