//! The dialects tested against each other: the suite under each dialect (and under the doc)
//! runs against the mock of each dialect (and the reference provider). The diagonal is green;
//! every other cell fails exactly the trial families the two documents' differences predict,
//! stated below as data, one reason per family. `mjconform identify` names each mock's family,
//! and `mjconform dialects` and `--dialect` behave at the command line.
//!
//! Each run is the real thing, as in `tests/selftest.rs`: the mock listens on 127.0.0.1:0 in
//! this process and the `mjconform check` binary runs against it, its verdicts read from
//! libtest's `test <name> ... FAILED` lines. Fuzzing and snapshots are off: the matrix is about
//! the documents, and a cell stays under a second.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, ExitCode, Output};
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use mjconform::dialect::{Dialect, DIALECTS};
use mjconform::provider::{self, ProviderConfig};

/// The advancing task's stage length, and how often the watch polls it.
const ADVANCE_STEP: Duration = Duration::from_millis(25);
const WATCH_INTERVAL: &str = "10ms";
const WATCH_DEADLINE: &str = "5s";

/// The documents: `doc` (the embedded spec; the reference provider as the mock) or a dialect.
const DOC: &str = "doc";

const SCHEMA: &str = "response_schema_conformance";
const STATUS: &str = "status_code_conformance";
const CONTENT_TYPE: &str = "content_type_conformance";
const UNKNOWN: &str = "unknown_id_not_found";
const POSITIVE: &str = "positive_data_acceptance";
const LIFECYCLE: &str = "lifecycle";

/// The families the suite under `suite` fails against the mock of `mock`, and why. A cell not
/// listed passes (the diagonal, and pairs whose documents differ in nothing the mock shows).
///
/// Reasons that recur:
/// - *refused*: the suite puts the key where the mock does not read it (the two documents'
///   security schemes share no placement), so every authenticated request gets 401: no task
///   is served (`positive_data_acceptance`), the unknown id gets 401 (`unknown_id_not_found`),
///   the watched task cannot be read (`lifecycle`).
/// - *401 body*: the documents give 401 different content, and the credential probes get the
///   mock's.
/// - *unknown id*: the documents state different answers for an unknown id.
/// - *buttons*: the documents give button `type`/`style`/`emoji`/`label` different types.
/// - *unset*: the documents mark unset fields differently (`null` is the schema's finding,
///   `""` and `0` outside `x-mjconform-unset` are too).
const EXPECTED: &[(&str, &str, &[&str])] = &[
    // The doc's suite: bearer; 404 for unknown ids; string button fields; no nulls.
    (DOC, "java-original", &[POSITIVE, UNKNOWN, LIFECYCLE]), // refused
    (DOC, "plus", &[POSITIVE, UNKNOWN, LIFECYCLE]),          // refused
    (DOC, "node-port", &[POSITIVE, UNKNOWN, LIFECYCLE]),     // refused
    // new-api reads bearer: buttons are integers (schema); unknown id 400 is undocumented.
    (DOC, "new-api", &[SCHEMA, STATUS, UNKNOWN]),
    // java-original's suite: mj-api-secret; unknown id 200 empty; 401 only.
    (
        "java-original",
        DOC,
        // refused; the doc's 401 carries a JSON body where java documents none (allowed).
        &[POSITIVE, UNKNOWN, LIFECYCLE],
    ),
    (
        "java-original",
        "plus",
        // unknown id 204 is undocumented in java; plus's statuses MODAL/CANCEL are outside the
        // enum (schema).
        &[SCHEMA, STATUS, UNKNOWN],
    ),
    (
        "java-original",
        "node-port",
        // unknown id 200 `null` instead of an empty body: a 200 whose body is no task (schema),
        // and the wrong unknown-id body.
        &[SCHEMA, UNKNOWN],
    ),
    (
        "java-original",
        "new-api",
        // unknown id 400 undocumented; `""` and `0` mark unset fields where java uses null.
        &[SCHEMA, STATUS, UNKNOWN],
    ),
    // plus's suite: raw Authorization (or mj-api-secret); unknown id 204; 401 text/plain.
    ("plus", DOC, &[POSITIVE, UNKNOWN, LIFECYCLE, CONTENT_TYPE]), // refused; 401 body
    (
        "plus",
        "java-original",
        // refused; java's 401 has no Content-Type where plus documents text/plain.
        &[POSITIVE, UNKNOWN, LIFECYCLE, CONTENT_TYPE],
    ),
    (
        "plus",
        "node-port",
        // refused; node's 401 is JSON where plus documents text/plain.
        &[POSITIVE, UNKNOWN, LIFECYCLE, CONTENT_TYPE],
    ),
    (
        "plus",
        "new-api",
        // refused; new-api's 401 is JSON where plus documents text/plain.
        &[POSITIVE, UNKNOWN, LIFECYCLE, CONTENT_TYPE],
    ),
    // node-port's suite: mj-api-secret; unknown id 200 `null`; 401 JSON `{error: string}`.
    (
        "node-port",
        DOC,
        // refused, and the doc's 401 body `{error: {…}}` is not node's `{error: string}`.
        &[POSITIVE, UNKNOWN, LIFECYCLE, SCHEMA],
    ),
    (
        "node-port",
        "java-original",
        // java's nulls (schema); unknown id 200 empty instead of `null`; 401 without a body
        // where node documents JSON.
        &[SCHEMA, UNKNOWN, CONTENT_TYPE],
    ),
    (
        "node-port",
        "plus",
        // plus's nulls, string emoji, extra statuses (schema); unknown id 204 undocumented;
        // 401 in text/plain.
        &[SCHEMA, STATUS, UNKNOWN, CONTENT_TYPE],
    ),
    (
        "node-port",
        "new-api",
        // string emoji, `""` labels kept (schema: emoji must be an object); unknown id 400;
        // 401 body `{error: {…}}` (schema).
        &[SCHEMA, STATUS, UNKNOWN],
    ),
    // new-api's suite: bearer (or mj-api-secret); unknown id 400; "" and 0 for unset.
    ("new-api", DOC, &[SCHEMA, STATUS, UNKNOWN]), // string button fields; unknown id 404
    (
        "new-api",
        "java-original",
        &[POSITIVE, UNKNOWN, LIFECYCLE, CONTENT_TYPE],
    ), // refused
    (
        "new-api",
        "plus",
        &[POSITIVE, UNKNOWN, LIFECYCLE, CONTENT_TYPE],
    ), // refused
    ("new-api", "node-port", &[POSITIVE, UNKNOWN, LIFECYCLE]), // refused
];

fn main() -> ExitCode {
    let mut arguments = mjconform::harness::test_arguments();
    arguments.test_threads.get_or_insert(4);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => Arc::new(runtime),
        Err(err) => {
            eprintln!("error: failed to start the tokio runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let documents: Vec<&'static str> = std::iter::once(DOC)
        .chain(DIALECTS.iter().map(|dialect| dialect.name))
        .collect();
    let mut trials = vec![
        Trial::test(
            "dialects::every_cell_has_an_expectation_row",
            every_row_names_documents,
        ),
        Trial::test("dialects::list_names_each_dialect", list_names_each_dialect),
        Trial::test(
            "dialects::bad_dialect_flags_are_usage_errors",
            bad_dialect_flags,
        ),
    ];
    for suite in &documents {
        for mock in &documents {
            let (suite, mock) = (*suite, *mock);
            let runtime = Arc::clone(&runtime);
            trials.push(Trial::test(
                format!("dialects::matrix::suite_{suite}::mock_{mock}"),
                move || matrix_cell(&runtime, suite, mock),
            ));
        }
        let runtime = Arc::clone(&runtime);
        let mock = *suite;
        trials.push(Trial::test(
            format!("dialects::identify::mock_{mock}"),
            move || identify_names(&runtime, mock),
        ));
    }
    libtest_mimic::run(&arguments, trials).exit_code()
}

fn dialect(name: &str) -> Option<&'static Dialect> {
    Dialect::find(name)
}

/// The families a cell must fail.
fn expected(suite: &str, mock: &str) -> BTreeSet<&'static str> {
    EXPECTED
        .iter()
        .find(|(s, m, _)| *s == suite && *m == mock)
        .map(|(_, _, families)| families.iter().copied().collect())
        .unwrap_or_default()
}

fn every_row_names_documents() -> Result<(), Failed> {
    let mut seen = BTreeSet::new();
    for (suite, mock, families) in EXPECTED {
        for name in [suite, mock] {
            if *name != DOC && dialect(name).is_none() {
                return Err(format!("`{name}` is no document").into());
            }
        }
        if suite == mock || families.is_empty() {
            return Err(
                format!("row {suite}/{mock}: a row states failures off the diagonal").into(),
            );
        }
        if !seen.insert((suite, mock)) {
            return Err(format!("row {suite}/{mock} is listed twice").into());
        }
    }
    Ok(())
}

/// `mjconform` with no `MJ_*` settings inherited from whoever runs the tests.
fn mjconform() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MJ_") {
            command.env_remove(name);
        }
    }
    command
}

struct Mock {
    running: provider::RunningProvider,
}

fn start_mock(runtime: &tokio::runtime::Runtime, mock: &str) -> Result<Mock, Failed> {
    let config = ProviderConfig {
        advance_step: ADVANCE_STEP,
        dialect: dialect(mock),
        ..ProviderConfig::with_random_key()
    };
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let running = runtime
        .block_on(provider::start(config, loopback))
        .map_err(|err| format!("the {mock} mock did not start: {err}"))?;
    Ok(Mock { running })
}

fn target_args(command: &mut Command, mock: &Mock) {
    let running = &mock.running;
    command.env("MJ_API_KEY", &running.api_key);
    command.args(["--target-url", running.base_url.as_str()]);
    for id in &running.task_ids {
        command.args(["--task-id", id]);
    }
}

fn output(mut command: Command) -> Result<Output, Failed> {
    command
        .output()
        .map_err(|err| format!("mjconform did not run: {err}").into())
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn matrix_cell(runtime: &tokio::runtime::Runtime, suite: &str, mock: &str) -> Result<(), Failed> {
    let served = start_mock(runtime, mock)?;
    let mut command = mjconform();
    command.args([
        "check",
        "--color",
        "never",
        "--fuzz-cases",
        "0",
        "--snapshots",
        "off",
    ]);
    target_args(&mut command, &served);
    command.args([
        "--watch",
        &served.running.advancing_task_id,
        "--watch-interval",
        WATCH_INTERVAL,
        "--watch-deadline",
        WATCH_DEADLINE,
    ]);
    if suite != DOC {
        command.args(["--dialect", suite]);
    }
    let output = output(command)?;
    drop(served);
    let text = stdout(&output);
    let failed: BTreeSet<String> = text
        .lines()
        .filter_map(|line| line.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(|name| name.split("::").next().unwrap_or(name).to_owned())
        .collect();
    let failed: BTreeSet<&str> = failed.iter().map(String::as_str).collect();
    let expected = expected(suite, mock);
    let evidence = || {
        let start = text.find("failures:").unwrap_or(0);
        let shown: String = text[start..].chars().take(5_000).collect();
        format!(
            "exit status: {}\nstderr: {}\n{shown}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )
    };
    if failed != expected {
        return Err(format!(
            "suite {suite} against mock {mock}: expected exactly {expected:?} to fail, got {failed:?}\n{}",
            evidence()
        )
        .into());
    }
    let code = output.status.code();
    let expected_code = if expected.is_empty() { 0 } else { 1 };
    if code != Some(expected_code) {
        return Err(format!("exit {code:?}, expected {expected_code}\n{}", evidence()).into());
    }
    Ok(())
}

/// `mjconform identify` against a mock ranks its family first. The key goes where the doc puts
/// it, so the mocks that read it elsewhere make identify try the other placements.
fn identify_names(runtime: &tokio::runtime::Runtime, mock: &str) -> Result<(), Failed> {
    let served = start_mock(runtime, mock)?;
    let mut command = mjconform();
    command.arg("identify");
    target_args(&mut command, &served);
    let output = output(command)?;
    drop(served);
    let text = stdout(&output);
    let best = if mock == DOC {
        "best fit: the doc itself, with 0 deviation(s)".to_owned()
    } else {
        format!("best fit: {mock} with 0 remaining deviation(s)")
    };
    if !output.status.success() || !text.contains(&best) {
        return Err(format!("expected `{best}`; exit {}\n{text}", output.status).into());
    }
    let next = if mock == DOC {
        "next: mjconform check --target-url".to_owned()
    } else {
        format!("next: mjconform check --dialect {mock} --target-url")
    };
    if !text.contains(&next) {
        return Err(format!("no `{next}` command\n{text}").into());
    }
    let planned = served_cases(mock);
    if !text.contains(&format!("sending {planned} requests once")) {
        return Err(format!("the request count ({planned}) is not announced\n{text}").into());
    }
    // A mock that does not read the doc's bearer makes identify try the other placements, one
    // request each, and send the requests that carry a credential again with the one it reads.
    let (found, sent) = match mock {
        DOC | "new-api" => (None, planned),
        // mj-api-secret is tried first, and these mocks read it: one probe, then all but
        // the request without a credential again.
        _ => (Some("header:mj-api-secret"), planned + 1 + (planned - 1)),
    };
    if let Some(found) = found {
        let said = format!("the server reads the key as `{found}`");
        if !text.contains(&said) {
            return Err(format!("expected `{said}`\n{text}").into());
        }
    }
    let total = format!("mjconform identify: {sent} requests sent");
    if !text.contains(&total) {
        return Err(format!("expected `{total}`\n{text}").into());
    }
    Ok(())
}

/// The planned requests for a mock: one per task id, the unknown id, two credential probes.
fn served_cases(mock: &str) -> usize {
    let extra = match mock {
        "plus" => 2, // MODAL and CANCEL
        _ => 0,
    };
    10 + extra + 3
}

fn list_names_each_dialect() -> Result<(), Failed> {
    let mut command = mjconform();
    command.arg("dialects");
    let output = output(command)?;
    let text = stdout(&output);
    if !output.status.success() || text.lines().count() != DIALECTS.len() {
        return Err(format!(
            "exit {}: one line per dialect expected\n{text}",
            output.status
        )
        .into());
    }
    for dialect in DIALECTS {
        let line = text
            .lines()
            .find(|line| line.starts_with(dialect.name))
            .ok_or_else(|| format!("`{}` is not listed\n{text}", dialect.name))?;
        if !line.contains(dialect.description) {
            return Err(format!("`{}` lacks its description\n{text}", dialect.name).into());
        }
    }
    Ok(())
}

fn bad_dialect_flags() -> Result<(), Failed> {
    let cases: [(&[&str], &str); 3] = [
        (
            &["check", "--dialect", "cobol"],
            "java-original, plus, node-port, new-api",
        ),
        (
            &["check", "--dialect", "plus", "--spec", "x.yaml"],
            "cannot be used with",
        ),
        (
            &["mock", "--dialect", "cobol"],
            "java-original, plus, node-port, new-api",
        ),
    ];
    for (args, needle) in cases {
        let mut command = mjconform();
        command.args(args);
        let output = output(command)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() != Some(2)
            || stderr.trim().lines().count() != 1
            || !stderr.contains(needle)
        {
            return Err(format!(
                "{args:?}: expected exit 2 and one line containing `{needle}`, got {} and {stderr:?}",
                output.status
            )
            .into());
        }
    }
    Ok(())
}
