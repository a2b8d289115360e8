//! The conformance suite as a `cargo test` target:
//! `cargo test -- --target-url URL --api-key KEY --task-id ID`, or plain `cargo test` to
//! check the embedded reference provider.

use std::process::ExitCode;

fn main() -> ExitCode {
    mjconform::commands::harness::run(
        std::env::args().collect(),
        mjconform::commands::harness::Mode::CargoTest,
    )
}
