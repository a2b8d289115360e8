//! The commands: `check` (the [`harness`] that gathers every family's trials, runs them,
//! records their outcome and writes the reports), `identify`, `matrix`, and the command
//! line that dispatches to them and to `mock`.
//!
//! The top layer: it may import every other one.

pub mod harness;
pub mod identify;
pub mod command_line;
pub mod matrix;
mod outputs;
pub mod self_tests;
