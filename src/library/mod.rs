//! The library surface: what a Rust user of the crate reaches, re-exported from `lib.rs`.
//!
//! Two kinds of users take the crate as a dev-dependency:
//! - teams writing a *client* of the API want the reference provider in their own tests
//!   ([`provider::ReferenceProvider`]);
//! - teams writing a *server* want the conformance suite in their own `tests/`, as data
//!   ([`suite::Conformance`]) or as their own libtest harness ([`suite::test_harness_main`]).
//!
//! The top layer: it imports whatever it needs below, and nothing imports it.

pub mod error;
pub mod outcome;
pub mod provider;
pub mod suite;
