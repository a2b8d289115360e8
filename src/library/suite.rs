//! The conformance suite for other crates' tests: run it against a URL and read the outcome
//! as data, or make it a `harness = false` test target of their own.

use std::process::ExitCode;

use super::error::Error;
use super::outcome::Outcome;
use crate::commands::harness::{self, Mode};

/// A conformance run, set up as `mjconform check` would be: the builder's methods are its
/// flags, and [`Conformance::arg`] takes any other one. The `MJ_*` variables apply too, as
/// on the command line.
///
/// The run prints what `mjconform check` prints (libtest's lines on stdout, mjconform's on
/// stderr), writes reports only where asked (`--report`), and compares no snapshots unless
/// asked (`--snapshots compare`): a library run has no committed snapshots of its own.
#[derive(Clone, Default)]
pub struct Conformance {
    args: Vec<String>,
    snapshots_set: bool,
}

impl std::fmt::Debug for Conformance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key may be among the arguments.
        f.debug_struct("Conformance").finish_non_exhaustive()
    }
}

impl Conformance {
    /// A run against the server at `target_url` (its base URL: `http://host:port/`).
    pub fn against(target_url: impl Into<String>) -> Self {
        Conformance::default().arg("--target-url").arg(target_url)
    }

    /// A run against the embedded reference provider, which keeps the contract.
    pub fn embedded() -> Self {
        Conformance::default()
    }

    /// The API key the target accepts (else `MJ_API_KEY`).
    pub fn api_key(self, key: impl Into<String>) -> Self {
        self.arg("--api-key").arg(key)
    }

    /// A task id the target has; call again for several.
    pub fn task_id(self, id: impl Into<String>) -> Self {
        self.arg("--task-id").arg(id)
    }

    /// Check against a family's dialect rather than the doc (`mjconform dialects`).
    pub fn dialect(self, name: impl Into<String>) -> Self {
        self.arg("--dialect").arg(name)
    }

    /// Generated cases per fuzzed domain; 0 turns fuzzing off.
    pub fn fuzz_cases(self, cases: u32) -> Self {
        self.arg("--fuzz-cases").arg(cases.to_string())
    }

    /// The fuzzing seed, for a run that repeats exactly.
    pub fn seed(self, seed: u64) -> Self {
        self.arg("--seed").arg(seed.to_string())
    }

    /// Any other option of `mjconform check` (or a libtest filter), as one argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        let arg = arg.into();
        if arg == "--snapshots" || arg.starts_with("--snapshots=") {
            self.snapshots_set = true;
        }
        self.args.push(arg);
        self
    }

    fn argv(&self) -> Vec<String> {
        let mut argv = vec!["mjconform".to_owned()];
        argv.extend(self.args.iter().cloned());
        if !self.snapshots_set && std::env::var_os("MJ_SNAPSHOTS").is_none() {
            argv.extend(["--snapshots".to_owned(), "off".to_owned()]);
        }
        argv
    }

    /// Runs the suite and returns its outcome. An option the harness refuses (a malformed
    /// URL, an unknown flag, an unreachable target) is an [`Error::Usage`] naming it.
    pub fn run(&self) -> Result<Outcome, Error> {
        let (_, recorded) = harness::run_recorded(self.argv(), Mode::Cli)
            .map_err(|err| Error::Usage(err.to_string()))?;
        let (records, totals) = recorded
            .ok_or_else(|| Error::Usage("run trials: `--list` lists them only".to_owned()))?;
        Ok(Outcome::from_record(&records, &totals))
    }
}

/// The suite as a `harness = false` test target of your own crate: its trials are libtest
/// trials, and `cargo test -- --target-url URL --task-id ID` checks your server.
///
/// ```no_run
/// // tests/conformance.rs, with `[[test]] name = "conformance" harness = false`
/// fn main() -> std::process::ExitCode {
///     mjconform::test_harness_main()
/// }
/// ```
pub fn test_harness_main() -> ExitCode {
    harness::run(std::env::args().collect(), Mode::CargoTest)
}
