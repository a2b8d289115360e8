//! One run: its options (`cli`), its shared state and the one choke point every request
//! goes through (`context`), the shape of a trial (`trial`), the outcome as data
//! (`outcome`), known deviations (`baseline`), what the suite reports (`reported`), the
//! answers shared between processes under cargo-nextest (`shared_answers`), and the
//! refusals of a run that would spend requests to learn nothing (`up_front`).
//!
//! Imports [`crate::provider`] (the embedded target) and everything below it.

pub mod baseline;
mod case_names;
pub mod cli;
pub mod context;
pub mod outcome;
pub mod reported;
pub mod shared_answers;
mod target_url;
pub mod trial;
pub mod up_front;
