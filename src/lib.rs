//! mjconform: a contract-testing and conformance harness for the Midjourney-proxy task API.
//!
//! The contract is an OpenAPI document (`spec/`); every check derives from it. See
//! `ARCHITECTURE.md` for the map of modules.

pub mod checks;
pub mod commands;
pub mod contract;
pub mod errors;
pub mod families;
pub mod http;
pub mod message;
pub mod provider;
pub mod reports;
pub mod run;
