//! Every check derives from the loaded spec, so a second spec changes what is checked.
//!
//! Each trial serves the reference provider with one fault on 127.0.0.1:0, runs the
//! `mjconform check` binary against it with the embedded spec (the fault must fail the
//! named trials), then with a variant of that spec which documents the faulty behaviour
//! (the same run must pass). Nothing about the fault is special-cased in code: only the
//! document differs between the two runs.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use libtest_mimic::{Failed, Trial};
use mjconform::contract::spec::DEFAULT_SPEC;
use mjconform::provider::{self, Fault, ProviderConfig, RunningProvider};

fn main() -> ExitCode {
    let arguments = mjconform::commands::self_tests::test_arguments();
    let trials = vec![
        Trial::test(
            "a_spec_documenting_400_for_unknown_ids_accepts_them",
            a_spec_documenting_400_for_unknown_ids_accepts_them,
        ),
        Trial::test(
            "a_spec_listing_another_status_accepts_it",
            a_spec_listing_another_status_accepts_it,
        ),
    ];
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}

/// new-api answers an unknown id with 400. Documented as such, with no 404, the same
/// answers keep the contract.
fn a_spec_documenting_400_for_unknown_ids_accepts_them() -> Result<(), Failed> {
    let variant = edit(
        DEFAULT_SPEC,
        "        \"404\":\n          description: Not Found\n",
        "        \"400\":\n          description: Bad Request (new-api's answer to an unknown id)\n",
    )?;
    compare_specs(
        Fault::UnknownId400,
        &variant,
        "unknown-id-400",
        &[
            "status_code_conformance::unknown_id",
            "unknown_id_not_found::unknown_id",
        ],
    )
}

/// The plus proxies add `CANCEL` to the statuses; a spec that lists it accepts it.
fn a_spec_listing_another_status_accepts_it() -> Result<(), Failed> {
    let variant = edit(
        DEFAULT_SPEC,
        "enum: [NOT_START, SUBMITTED, IN_PROGRESS, FAILURE, SUCCESS]",
        "enum: [NOT_START, SUBMITTED, IN_PROGRESS, FAILURE, SUCCESS, CANCEL]",
    )?;
    compare_specs(
        Fault::StatusOutsideEnum,
        &variant,
        "status-outside-enum",
        &["response_schema_conformance::task_"],
    )
}

/// `text` with `from` replaced by `to`, failing if `from` is not there (a changed spec
/// would otherwise make the variant silently equal to the original).
fn edit(text: &str, from: &str, to: &str) -> Result<String, Failed> {
    if !text.contains(from) {
        return Err(format!("the embedded spec no longer contains {from:?}").into());
    }
    Ok(text.replace(from, to))
}

/// Runs against `fault` twice: with the embedded spec every `expected_failures` prefix
/// must fail (and nothing else), with `variant` nothing may fail.
fn compare_specs(
    fault: Fault,
    variant: &str,
    label: &str,
    expected_failures: &[&str],
) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|err| format!("start a tokio runtime: {err}"))?;
    let config = ProviderConfig {
        faults: vec![fault],
        ..ProviderConfig::with_random_key()
    };
    let running = runtime
        .block_on(provider::start(
            config,
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        ))
        .map_err(|err| format!("start the provider: {err}"))?;
    let dir = WorkDir::new(label)?;
    let spec_path = dir.0.join("variant.openapi.yaml");
    std::fs::write(&spec_path, variant).map_err(|err| format!("write the variant: {err}"))?;

    let (code, failed, output) = check(&running, &dir.0, None)?;
    if code != Some(1) {
        return Err(format!("with the embedded spec: exit {code:?}, expected 1\n{output}").into());
    }
    for prefix in expected_failures {
        if !failed.iter().any(|name| name.starts_with(prefix)) {
            return Err(
                format!("with the embedded spec, no `{prefix}` trial failed\n{output}").into(),
            );
        }
    }
    if let Some(other) = failed.iter().find(|name| {
        !expected_failures
            .iter()
            .any(|prefix| name.starts_with(prefix))
    }) {
        return Err(format!("with the embedded spec, `{other}` failed too\n{output}").into());
    }

    let (code, failed, output) = check(&running, &dir.0, Some(&spec_path))?;
    if code != Some(0) || !failed.is_empty() {
        return Err(format!(
            "with the variant spec: exit {code:?}, failed {failed:?}, expected a clean run\n{output}"
        )
        .into());
    }
    if !output.contains("variant.openapi.yaml") {
        return Err(format!("the run does not name the spec it used\n{output}").into());
    }
    Ok(())
}

/// `mjconform check` against `running` (fuzzing and snapshots off: they are not what
/// differs here), with `spec` if given: its exit code, failed trials and output.
fn check(
    running: &RunningProvider,
    cwd: &Path,
    spec: Option<&Path>,
) -> Result<(Option<i32>, Vec<String>, String), Failed> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MJ_") {
            command.env_remove(name);
        }
    }
    command
        .current_dir(cwd)
        .env("MJ_API_KEY", &running.api_key)
        .args(["check", "--target-url", running.base_url.as_str()])
        .args(["--fuzz-cases", "0", "--snapshots", "off"]);
    for id in &running.task_ids {
        command.args(["--task-id", id]);
    }
    if let Some(spec) = spec {
        command.arg("--spec").arg(spec);
    }
    let output = command
        .output()
        .map_err(|err| format!("run mjconform: {err}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let failed = text
        .lines()
        .filter_map(|line| line.strip_prefix("test "))
        .filter_map(|line| line.strip_suffix(" ... FAILED"))
        .map(|name| name.trim().to_owned())
        .collect();
    Ok((output.status.code(), failed, text))
}

/// A scratch directory of its own, removed when the trial ends.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(label: &str) -> Result<WorkDir, Failed> {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("second-spec-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .map_err(|err| format!("create {}: {err}", path.display()))?;
        Ok(WorkDir(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
