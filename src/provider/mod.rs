//! The embedded reference provider: a mock `GET /mj/task/{id}/fetch` server that keeps the
//! contract (`spec/mj-task-fetch.openapi.yaml`) exactly.
//!
//! The harness needs something to point at that is known to conform, both to test itself and
//! to show users what a passing run looks like. Real servers all deviate somewhere (see
//! `docs/providers.md`), so this one is built from the doc, with the realistic
//! details (numeric ids, epoch-millisecond times, Discord-style buttons) kept where the doc
//! allows them.
//!
//! The pieces, one idea per file:
//! - [`config`]: the run's keys, clock, advancing speed and faults;
//! - [`tasks`]: the seeded task bodies;
//! - [`advancing`]: the task that goes through its life as it is polled;
//! - [`faults`]: deviations from the contract, each caught by a named check;
//! - [`dialect`]: answering as a family of real servers does, from its dialect document;
//! - [`auth`]: reading and judging the credential;
//! - [`state`]: the shared state and [`ProviderState::respond`], the answer to one fetch;
//! - [`reply`]: the JSON bodies of the answers;
//! - [`routes`]: the axum router;
//! - [`methods`]: the answers to HEAD, OPTIONS and the methods the path does not support;
//! - [`wire_faults`]: the framing faults hyper will not write, made on the socket;
//! - [`server`]: binding, serving and stopping.

pub mod advancing;
pub mod auth;
pub mod config;
pub mod dialect;
pub mod faults;
pub mod methods;
pub mod reply;
pub mod routes;
pub mod server;
pub mod state;
pub mod tasks;
pub mod wire_faults;

pub use advancing::ADVANCING_TASK_ID;
pub use config::ProviderConfig;
pub use faults::{Caught, Fault, FAULT_CATALOGUE};
pub use routes::router;
pub use server::{start, RunningProvider};
pub use state::ProviderState;
pub use tasks::seeded_tasks;
