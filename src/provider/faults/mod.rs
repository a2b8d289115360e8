//! Deviations from the contract the reference provider can be told to make, one at a time or
//! several together: `mjconform mock --fault NAME`, or [`ProviderConfig::faults`] from Rust.
//!
//! They exist to prove the harness: a check that no fault can make fail is a check nobody
//! knows works. [`FAULT_CATALOGUE`] says, for each fault, exactly which trial families must
//! fail when the harness runs against a provider making it; `tests/selftest.rs` runs every
//! row, and docs/mock.md prints the table. Each fault is one deviation, modelled on what real
//! servers do (see `docs/providers.md`), so that it is caught by its own check
//! and by no other.
//!
//! Scope: body and answer faults bend the seeded tasks (and the unknown-id and credential
//! probes); the advancing task changes only under the lifecycle faults, so the lifecycle
//! watch stays a witness of the lifecycle rules alone.
//!
//! [`ProviderConfig::faults`]: super::ProviderConfig::faults

mod bending;
mod catalogue;
#[cfg(test)]
mod tests;

pub use bending::FaultSet;
pub use catalogue::{cases, Caught, Fault, FAULT_CATALOGUE};
