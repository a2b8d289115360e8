//! mjconform: a contract-testing and conformance harness for the Midjourney-proxy task API
//! (`GET /mj/task/{id}/fetch`).
//!
//! Most people run it as a command (`mjconform check --target-url URL`). As a library it
//! serves two kinds of tests:
//!
//! **A client of the API** starts the reference provider in its own tests: a server that
//! keeps the contract (or breaks it in one named way, or answers as a real family does),
//! on a free loopback port, stopped when dropped.
//!
//! ```no_run
//! let provider = mjconform::ReferenceProvider::builder()
//!     .fault("button-integer-type-style")
//!     .start()?;
//! let url = provider.fetch_url(&provider.task_ids()[0]);
//! let key = provider.api_key();
//! // … point your client at `url` with `Authorization: Bearer {key}` …
//! # Ok::<(), mjconform::Error>(())
//! ```
//!
//! **A server of the API** runs the conformance suite against itself and reads the outcome
//! as data, or makes the suite a `harness = false` test target ([`test_harness_main`]).
//!
//! ```no_run
//! let outcome = mjconform::Conformance::against("http://127.0.0.1:8080/")
//!     .api_key("sk-…")
//!     .task_id("1320098173412546")
//!     .run()?;
//! for trial in outcome.failures() {
//!     eprintln!("{}: {:?}", trial.name, trial.findings);
//! }
//! assert!(outcome.kept_the_contract());
//! # Ok::<(), mjconform::Error>(())
//! ```
//!
//! Everything else in the crate is its own business: `ARCHITECTURE.md` maps it, and
//! `docs/library.md` shows both uses end to end.

#![warn(missing_docs)]
// The layers' folders re-export what this repository's tests and benches reach; a plain
// build (no `internals` feature) has no use for those re-exports.
#![cfg_attr(not(feature = "internals"), allow(unused_imports))]

/// Declares a layer: crate-private, except to this repository's own tests and benches
/// (the `internals` feature, which only its dev-dependency on itself turns on).
macro_rules! layer {
    ($name:ident) => {
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        #[cfg(not(feature = "internals"))]
        pub(crate) mod $name;
    };
}

layer!(errors);
layer!(http);
layer!(contract);
layer!(checks);
layer!(message);
layer!(provider);
layer!(run);
layer!(families);
layer!(reports);
layer!(commands);
mod library;

pub use library::error::Error;
pub use library::outcome::{Finding, Outcome, Status, Trial};
pub use library::provider::{dialect_names, fault_names, ProviderBuilder, ReferenceProvider};
pub use library::suite::{test_harness_main, Conformance};

/// The `mjconform` command line (`check`, `mock`, `identify`, `matrix`, `dialects`), as the
/// binary runs it: reads `std::env::args`, returns the process's exit code.
pub fn command_line_main() -> std::process::ExitCode {
    commands::command_line::main()
}
