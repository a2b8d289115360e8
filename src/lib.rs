//! mjconform: a contract-testing and conformance harness for the Midjourney-proxy task API.
//!
//! The contract is an OpenAPI document (`spec/`); every check derives from it. See
//! `ARCHITECTURE.md` for the map of modules.

#![warn(missing_docs)]
// Items only the test tree reaches are dead to a plain build; being removed item by item.
#![cfg_attr(not(feature = "internals"), allow(dead_code, unused_imports))]

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

/// The `mjconform` command line (`check`, `mock`, `identify`, `matrix`, `dialects`), as the
/// binary runs it: reads `std::env::args`, returns the process's exit code.
pub fn command_line_main() -> std::process::ExitCode {
    commands::command_line::main()
}
