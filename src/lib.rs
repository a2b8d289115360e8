//! mjconform: a contract-testing and conformance harness for the Midjourney-proxy task API.
//!
//! The contract is an OpenAPI document (`spec/`); every check derives from it. See
//! `ARCHITECTURE.md` for the map of modules.

pub mod auth;
pub mod baseline;
pub mod checks;
pub mod cli;
pub mod client;
pub mod context;
pub mod dialect;
pub mod duplicate_keys;
pub mod errors;
pub mod exchange;
pub mod fuzz;
pub mod harness;
pub mod identify;
pub mod lifecycle;
pub mod matrix;
pub mod outcome;
pub mod pointer_span;
pub mod politeness;
pub mod preflight;
pub mod provider;
pub mod redact;
pub mod report;
pub mod reports;
pub mod rules;
pub mod shared_answers;
pub mod snapshot;
pub mod spec;
pub mod suite;
pub mod trial;
pub mod validate;
pub mod wire;
