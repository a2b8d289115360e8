//! This repository's own test binaries under `cargo test -- --target-url URL`: cargo
//! forwards the run options to every test binary, so each drops them before libtest reads
//! the rest, and, given a target, lists its trials as ignored with the reason (the run is
//! then the conformance suite alone).

use clap::Parser as _;
use libtest_mimic::{Arguments, Completion, Trial};

use crate::run::cli::{first_line, split_args};

use super::harness::EXIT_USAGE;

/// Why a self-test binary's trials are ignored on this run, once [`test_arguments`] saw a
/// target.
static STEPPING_ASIDE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

// Reached only by the test tree (tests/, benches/).
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
/// libtest-mimic arguments for a test binary that is not the conformance suite: cargo
/// forwards `cargo test -- --target-url ...` to every test binary, so each one drops the
/// run options before libtest parses the rest. Given a target, such a binary (it tests
/// mjconform itself) steps aside, so the run is the conformance suite alone: its trials are
/// listed as ignored, with the reason, by [`run_self_tests`].
pub fn test_arguments() -> Arguments {
    let (ours, theirs) = split_args(std::env::args());
    let target_given = ours
        .iter()
        .any(|arg| arg == "--target-url" || arg.starts_with("--target-url="))
        || std::env::var_os("MJ_TARGET_URL").is_some_and(|url| !url.is_empty());
    if target_given {
        let binary = std::env::args()
            .next()
            .and_then(|path| {
                std::path::Path::new(&path)
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
            })
            .unwrap_or_default();
        let binary = binary.split('-').next().unwrap_or_default().to_owned();
        eprintln!(
            "mjconform: `{binary}` tests mjconform itself and steps aside: with a target, the run is the conformance suite alone"
        );
        let _ = STEPPING_ASIDE.set(format!(
            "`{binary}` tests mjconform itself; with a target (--target-url or MJ_TARGET_URL) \
             only the conformance suite runs"
        ));
    }
    match Arguments::try_parse_from(theirs) {
        Ok(arguments) => arguments,
        Err(err) => {
            eprintln!(
                "error: failed to parse arguments: {}",
                first_line(&err.to_string())
            );
            std::process::exit(EXIT_USAGE.into());
        }
    }
}

// Reached only by the test tree (tests/, benches/).
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
/// Runs a self-test binary's trials, or, when a target was given (see [`test_arguments`]),
/// reports each as ignored with the reason: `cargo test` with `MJ_TARGET_URL` exported then
/// says how many self tests it did not run, rather than passing having run nothing.
pub fn run_self_tests(arguments: &Arguments, trials: Vec<Trial>) -> libtest_mimic::Conclusion {
    let trials = match STEPPING_ASIDE.get() {
        None => trials,
        Some(reason) => trials
            .into_iter()
            .map(|trial| {
                let reason = reason.clone();
                let kind = trial.kind().to_owned();
                Trial::ignorable_test(trial.name().to_owned(), move || {
                    Ok(Completion::ignored_with(reason))
                })
                .with_kind(kind)
            })
            .collect(),
    };
    libtest_mimic::run(arguments, trials)
}
