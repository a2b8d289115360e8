//! The dialects tested against each other: the suite under each dialect (and under the doc)
//! runs against the mock of each dialect (and the reference provider). The diagonal is green;
//! every other cell fails exactly the trials the two documents' differences predict, stated
//! below as data (each check family with the kind of case it fails on), with the reason. `mjconform identify` names each mock's family,
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
use mjconform::contract::dialect::{Dialect, DIALECTS};
use mjconform::provider::{self, ProviderConfig};

/// The advancing task's stage length, and how often the watch polls it.
const ADVANCE_STEP: Duration = Duration::from_millis(25);
const WATCH_INTERVAL: &str = "10ms";
const WATCH_DEADLINE: &str = "5s";

/// The documents: `doc` (the embedded spec; the reference provider as the mock) or a dialect.
const DOC: &str = "doc";

/// Marks a trial the run reported as "could not run" rather than as a contract failure.
const COULD_NOT_RUN: &str = " (could not run)";

/// Failed trials as the table states them: `<family>::<kind>` (see [`trial_kind`]).
macro_rules! trials {
    ($family:literal: $($kind:literal),+) => { [$(concat!($family, "::", $kind)),+] };
}

/// Every authenticated request refused: the suite puts the key where the mock does not read it
/// (the two documents' security schemes share no placement), so every 401 the run gets. The
/// checks that need an authenticated answer could not run (the refused-credential reading), and
/// so does the watch: one refused key is one cause.
const REFUSED: [&str; 10] = [
    "positive_data_acceptance::tasks (could not run)",
    "task_id_matches::tasks (could not run)",
    "time_plausibility::tasks (could not run)",
    "time_order::tasks (could not run)",
    "status_consistency::tasks (could not run)",
    "progress_format::tasks (could not run)",
    "button_custom_ids::tasks (could not run)",
    "distinct_results::tasks (could not run)",
    "unknown_id_not_found::unknown_id (could not run)",
    "lifecycle::watch (could not run)",
];

/// Every 401 of a refused run lacks the `WWW-Authenticate` challenge, which the doc's suite
/// judges by HTTP's own rules (the dialects accept it as their family's known deviation): a
/// failure on the credential probes, could not run on the requests that carried the refused key.
const NO_CHALLENGE_REFUSED: [&str; 6] = [
    "www_authenticate_on_401::tasks (could not run)",
    "www_authenticate_on_401::unknown_id (could not run)",
    "www_authenticate_on_401::missing_credential",
    "www_authenticate_on_401::wrong_key",
    "www_authenticate_on_401::head (could not run)",
    "www_authenticate_on_401::framing (could not run)",
];

/// The same where the key is read: only the credential probes get a 401.
const NO_CHALLENGE_PROBES: [&str; 2] =
    trials!("www_authenticate_on_401": "missing_credential", "wrong_key");

/// The mock's 401 has another content type than the suite's document gives 401: a failure on
/// the credential probes, could not run on the requests that carried the refused key.
const CONTENT_TYPE_ON_EVERY_401: [&str; 4] = [
    "content_type_conformance::tasks (could not run)",
    "content_type_conformance::unknown_id (could not run)",
    "content_type_conformance::missing_credential",
    "content_type_conformance::wrong_key",
];

/// The mock's 401 body does not match the suite's 401 schema, on the credential probes.
const SCHEMA_ON_PROBE_401: [&str; 2] =
    trials!("response_schema_conformance": "missing_credential", "wrong_key");

/// The documents state different unknown-id answers, with the mock's status undocumented.
const UNKNOWN_ID_UNDOCUMENTED: [&str; 2] = [
    "status_code_conformance::unknown_id",
    "unknown_id_not_found::unknown_id",
];

/// The task bodies break the suite's schema (button types, unset markers, statuses).
const SCHEMA_ON_TASKS: &str = "response_schema_conformance::tasks";

/// What each off-diagonal cell (suite's document, mock's document) fails, and why. A pair not
/// listed passes: the diagonal.
fn expectations() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let cell = |suite, mock, parts: &[&[&'static str]]| (suite, mock, parts.concat());
    vec![
        // The doc: bearer; 404 for unknown ids; 401 without documented content; string button
        // type/style; no nulls.
        cell(DOC, "java-original", &[&REFUSED, &NO_CHALLENGE_REFUSED]),
        cell(DOC, "plus", &[&REFUSED, &NO_CHALLENGE_REFUSED]),
        cell(DOC, "node-port", &[&REFUSED, &NO_CHALLENGE_REFUSED]),
        // Integer button type/style; the unknown id's 400 is undocumented.
        cell(
            DOC,
            "new-api",
            &[
                &[SCHEMA_ON_TASKS],
                &UNKNOWN_ID_UNDOCUMENTED,
                &NO_CHALLENGE_PROBES,
            ],
        ),
        // java-original: mj-api-secret; unknown id 200 with an empty body; 401 only; nulls;
        // the doc's 5 statuses; no buttons (so any buttons are undocumented extra keys).
        cell("java-original", DOC, &[&REFUSED]),
        // MODAL and CANCEL are outside java's status enum; the unknown id's 204 is undocumented.
        cell(
            "java-original",
            "plus",
            &[&[SCHEMA_ON_TASKS], &UNKNOWN_ID_UNDOCUMENTED],
        ),
        // The unknown id gets 200 `null`, not the empty body java states: the wrong body, and
        // then a 200 judged as a task.
        cell(
            "java-original",
            "node-port",
            &[&[
                "response_schema_conformance::unknown_id",
                "unknown_id_not_found::unknown_id",
            ]],
        ),
        // `""` and `0` mark unset fields where java uses null; the 400 is undocumented.
        cell(
            "java-original",
            "new-api",
            &[&[SCHEMA_ON_TASKS], &UNKNOWN_ID_UNDOCUMENTED],
        ),
        // plus: raw Authorization (else mj-api-secret); 401 with no Content-Type (so no media
        // type is documented and any 401 body passes); unknown id 204.
        cell("plus", DOC, &[&REFUSED]),
        cell("plus", "java-original", &[&REFUSED]),
        cell("plus", "node-port", &[&REFUSED]),
        cell("plus", "new-api", &[&REFUSED]),
        // node-port: mj-api-secret; 401 JSON `{"error": string}`; unknown id 200 `null`; unset
        // fields left out; emoji an object.
        cell(
            "node-port",
            DOC,
            // Refused, and the reference's 401 body `{"error": {…}}` breaks node's 401 schema
            // on every answer.
            &[
                &REFUSED,
                &[
                    "response_schema_conformance::tasks (could not run)",
                    "response_schema_conformance::unknown_id (could not run)",
                ],
                &SCHEMA_ON_PROBE_401,
            ],
        ),
        cell(
            "node-port",
            "java-original",
            // Nulls; the empty 401 (no Content-Type, not JSON); the unknown id's empty 200 is
            // not node's `null` (no Content-Type, not JSON, the wrong body).
            &[
                &[SCHEMA_ON_TASKS],
                &trials!("content_type_conformance": "missing_credential", "wrong_key", "unknown_id"),
                &SCHEMA_ON_PROBE_401,
                &[
                    "response_schema_conformance::unknown_id",
                    "unknown_id_not_found::unknown_id",
                ],
            ],
        ),
        cell(
            "node-port",
            "plus",
            // Nulls, string emoji, extra statuses; the text/plain 401; the 204 is undocumented.
            &[
                &[SCHEMA_ON_TASKS],
                &trials!("content_type_conformance": "missing_credential", "wrong_key"),
                &SCHEMA_ON_PROBE_401,
                &UNKNOWN_ID_UNDOCUMENTED,
            ],
        ),
        cell(
            "node-port",
            "new-api",
            // String emoji, `""` and `0` markers; the 401 body `{"error": {…}}`; the 400.
            &[
                &[SCHEMA_ON_TASKS],
                &SCHEMA_ON_PROBE_401,
                &UNKNOWN_ID_UNDOCUMENTED,
            ],
        ),
        // new-api: bearer (or mj-api-secret); 401 in JSON; unknown id 400; `""` and `0` unset.
        // String button type/style; the unknown id's 404 is undocumented.
        cell(
            "new-api",
            DOC,
            &[&[SCHEMA_ON_TASKS], &UNKNOWN_ID_UNDOCUMENTED],
        ),
        cell(
            "new-api",
            "java-original",
            &[&REFUSED, &CONTENT_TYPE_ON_EVERY_401],
        ),
        cell("new-api", "plus", &[&REFUSED, &CONTENT_TYPE_ON_EVERY_401]),
        // The Node port's 401 is JSON, as new-api's.
        cell("new-api", "node-port", &[&REFUSED]),
    ]
}

fn main() -> ExitCode {
    let mut arguments = mjconform::commands::self_tests::test_arguments();
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
    for (name, fact) in [
        (
            "dialects::facts::plus_401_has_no_content_type",
            plus_401_has_no_content_type as fn(&tokio::runtime::Runtime) -> Result<(), Failed>,
        ),
        (
            "dialects::facts::new_api_sends_null_buttons_and_properties",
            new_api_sends_null_buttons_and_properties,
        ),
        (
            "dialects::facts::node_port_answers_a_long_id_with_its_router_404",
            node_port_answers_a_long_id_with_its_router_404,
        ),
    ] {
        let runtime = Arc::clone(&runtime);
        trials.push(Trial::test(name, move || fact(&runtime)));
    }
    let runtime_for_refusal = Arc::clone(&runtime);
    {
        let runtime = Arc::clone(&runtime);
        trials.push(Trial::test(
            "dialects::identify::a_key_of_the_tools_own_words_keeps_them_whole",
            move || identify_keeps_its_own_words(&runtime),
        ));
    }
    trials.push(Trial::test(
        "dialects::identify::a_key_refused_everywhere_names_no_family",
        move || identify_refused(&runtime_for_refusal),
    ));
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}

/// With a key the server accepts in no place, identify tries each placement once, ranks the
/// refusals, names no family and exits 1.
fn identify_refused(runtime: &tokio::runtime::Runtime) -> Result<(), Failed> {
    let served = start_mock(runtime, "java-original")?;
    let mut command = mjconform();
    command.arg("identify");
    target_args(&mut command, &served);
    command.env("MJ_API_KEY", "not-the-key");
    let output = output(command)?;
    drop(served);
    let text = stdout(&output);
    let expected = [
        "no key placement was accepted",
        "ranking (deviations",
        "no family is named",
    ];
    if output.status.code() != Some(1)
        || expected.iter().any(|line| !text.contains(line))
        || text.contains("best fit")
    {
        return Err(format!(
            "exit {}; expected {expected:?}, no best fit\n{text}",
            output.status
        )
        .into());
    }
    Ok(())
}

fn dialect(name: &str) -> Option<&'static Dialect> {
    Dialect::find(name)
}

/// A failed trial as the table states it: its family, and its case reduced to a kind
/// (`tasks` for every known task, `watch` for the watched one; `unknown_id`,
/// `missing_credential` and `wrong_key` as they are).
fn trial_kind(name: &str) -> String {
    let (family, case) = name.split_once("::").unwrap_or((name, ""));
    let kind = match case {
        _ if family == "lifecycle" => "watch",
        case if case.starts_with("task_") => "tasks",
        case => case,
    };
    format!("{family}::{kind}")
}

/// The trials a cell must fail.
fn expected(suite: &str, mock: &str) -> BTreeSet<&'static str> {
    expectations()
        .into_iter()
        .find(|(s, m, _)| *s == suite && *m == mock)
        .map(|(_, _, trials)| trials.into_iter().collect())
        .unwrap_or_default()
}

fn every_row_names_documents() -> Result<(), Failed> {
    let mut seen = BTreeSet::new();
    for (suite, mock, trials) in expectations() {
        for name in [suite, mock] {
            if name != DOC && dialect(name).is_none() {
                return Err(format!("`{name}` is no document").into());
            }
        }
        if suite == mock || trials.is_empty() {
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
        .map(|name| {
            let name = name.trim();
            let could_not_run = text
                .split_once(&format!("---- {name} ----\n"))
                .is_some_and(|(_, report)| report.starts_with("ERROR: the check could not run"));
            let kind = trial_kind(name);
            if could_not_run {
                format!("{kind}{COULD_NOT_RUN}")
            } else {
                kind
            }
        })
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

/// A key made of the tool's own words (`dk-java-original`): identify's printed command and
/// ranking keep the dialect's name and description whole, and the key itself never shows.
fn identify_keeps_its_own_words(runtime: &tokio::runtime::Runtime) -> Result<(), Failed> {
    const KEY: &str = "dk-java-original";
    let config = ProviderConfig {
        advance_step: ADVANCE_STEP,
        dialect: dialect("java-original"),
        api_key: KEY.to_owned(),
        ..ProviderConfig::with_random_key()
    };
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let served = Mock {
        running: runtime
            .block_on(provider::start(config, loopback))
            .map_err(|err| format!("the mock did not start: {err}"))?,
    };
    let mut command = mjconform();
    command.arg("identify");
    target_args(&mut command, &served);
    let output = output(command)?;
    drop(served);
    let text = format!(
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    for words in [
        "next: mjconform check --dialect java-original --target-url",
        "the original Java proxy",
    ] {
        if !text.contains(words) {
            return Err(format!("`{words}` is not printed whole\n{text}").into());
        }
    }
    if text.contains(KEY) {
        return Err(format!("the key leaked\n{text}").into());
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
    let received = served.running.received.connections();
    drop(served);
    let text = stdout(&output);
    let best = if mock == DOC {
        "best fit: the doc itself, with 0 deviation(s)".to_owned()
    } else {
        format!("best fit: {mock} with 0 remaining deviation(s) (0 finding(s))")
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
        // the six requests without a credential again.
        _ => (Some("header:mj-api-secret"), planned + 1 + (planned - 6)),
    };
    if let Some(found) = found {
        let said = format!("the server reads the key as `{found}`");
        if !text.contains(&said) {
            return Err(format!("expected `{said}`\n{text}").into());
        }
    }
    // The preflight's connection counts too; the count is what the mock received.
    let sent = sent + 1;
    if received != sent {
        return Err(
            format!("the mock received {received} connections, expected {sent}\n{text}").into(),
        );
    }
    let total = format!("mjconform identify: {received} requests sent");
    if !text.contains(&total) {
        return Err(format!("expected `{total}` (what the mock received)\n{text}").into());
    }
    Ok(())
}

/// Status, headers (names lowercase) and body of an answer.
type RawAnswer = (u16, Vec<(String, String)>, String);

/// One plain HTTP/1.1 GET to `running` (no client library in between).
fn raw_get(
    running: &provider::RunningProvider,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<RawAnswer, Failed> {
    use std::io::{Read as _, Write as _};
    let host = running.base_url.host_str().unwrap_or("127.0.0.1");
    let port = running.base_url.port().unwrap_or(80);
    let mut stream = std::net::TcpStream::connect((host, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status line in {head}"))?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect::<Vec<_>>();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    let body = if chunked {
        // Each chunk: a hex size line, the bytes, CRLF; the last has size 0.
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 || tail.len() < size {
                break;
            }
            out.push_str(&tail[..size]);
            rest = tail[size..].trim_start_matches("\r\n");
        }
        out
    } else {
        body.to_owned()
    };
    Ok((status, headers, body))
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(found, _)| found == name)
        .map(|(_, value)| value.as_str())
}

/// trueai-org/midjourney-proxy, `SimpleAuthMiddleware.Invoke`: the 401 is written with
/// `HttpResponse.WriteAsync(string)`, which sets no Content-Type, and carries no challenge.
/// The plus document declares no media type for it, so its mock sends none, and a server
/// answering so is judged under plus without a Content-Type finding.
fn plus_401_has_no_content_type(runtime: &tokio::runtime::Runtime) -> Result<(), Failed> {
    let served = start_mock(runtime, "plus")?;
    let id = served.running.task_ids[0].clone();
    let (status, headers, _) = raw_get(&served.running, &format!("/mj/task/{id}/fetch"), &[])?;
    if status != 401 || header(&headers, "content-type").is_some() {
        return Err(format!("plus's 401 has no Content-Type: got {status} {headers:?}").into());
    }
    let documented = dialect("plus")
        .ok_or("no plus dialect")?
        .contract()
        .fetch
        .documented(401)
        .map(|response| response.media.len());
    if documented != Some(0) {
        return Err(format!("plus documents its 401 without media: {documented:?}").into());
    }
    Ok(())
}

/// Calcium-Ion/new-api and QuantumNous/new-api, `dto/midjourney.go` (`MidjourneyDto`: `Buttons
/// any`, `Properties *Properties`, no omitempty) filled by `coverMidjourneyTaskDto` only from
/// stored values: a task without buttons is sent with `"buttons": null`, never without the key;
/// `properties` likewise. The DTO has no `mode`, `proxy`, `imageHeight` or `imageWidth`.
fn new_api_sends_null_buttons_and_properties(
    runtime: &tokio::runtime::Runtime,
) -> Result<(), Failed> {
    let served = start_mock(runtime, "new-api")?;
    let bearer = format!("Bearer {}", served.running.api_key);
    let mut null_buttons = 0;
    for id in &served.running.task_ids {
        let (status, _, body) = raw_get(
            &served.running,
            &format!("/mj/task/{id}/fetch"),
            &[("Authorization", &bearer)],
        )?;
        let task: serde_json::Value = serde_json::from_str(&body)
            .map_err(|err| format!("task {id}: {status} {err}: {body}"))?;
        for key in ["buttons", "properties"] {
            if task.get(key).is_none() {
                return Err(format!("task {id} has no `{key}` key: {body}").into());
            }
        }
        for key in ["mode", "proxy", "imageHeight", "imageWidth"] {
            if task.get(key).is_some() {
                return Err(format!("task {id} has `{key}`, which the DTO lacks: {body}").into());
            }
        }
        if task["buttons"].is_null() {
            null_buttons += 1;
        }
    }
    if null_buttons == 0 {
        return Err("no task of the new-api mock is sent with `\"buttons\": null`".into());
    }
    Ok(())
}

/// cipher-x-sudo/midjourney-proxy `src/app.ts` sets no `maxParamLength`, so Fastify's default
/// of 100 applies: find-my-way's `Router.find` returns null for a longer id and Fastify's
/// `basic404` answers 404 with its JSON body, before the route's preHandler checks the key.
/// The node-port document states it (`long-id`), its mock answers so, and a fuzzed run under
/// node-port against that mock (its long ids included) passes.
fn node_port_answers_a_long_id_with_its_router_404(
    runtime: &tokio::runtime::Runtime,
) -> Result<(), Failed> {
    let served = start_mock(runtime, "node-port")?;
    let long = "a".repeat(101);
    let (status, headers, body) = raw_get(&served.running, &format!("/mj/task/{long}/fetch"), &[])?;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    if status != 404
        || !header(&headers, "content-type")
            .is_some_and(|value| value.starts_with("application/json"))
        || json["error"] != "Not Found"
    {
        return Err(
            format!("a 101-character id without a key: {status} {headers:?} {body}").into(),
        );
    }
    // Counted after percent-decoding: 101 `é` are 101 characters.
    let encoded = "%C3%A9".repeat(101);
    let (status, _, _) = raw_get(&served.running, &format!("/mj/task/{encoded}/fetch"), &[])?;
    if status != 404 {
        return Err(format!("101 encoded characters: {status}").into());
    }
    // 100 characters reach the route: the key is checked first.
    let (status, _, _) = raw_get(
        &served.running,
        &format!("/mj/task/{}/fetch", "a".repeat(100)),
        &[],
    )?;
    if status != 401 {
        return Err(format!("a 100-character id without a key gets the 401: got {status}").into());
    }
    let mut command = mjconform();
    command.args([
        "check",
        "--dialect",
        "node-port",
        "--key-placement",
        "header:mj-api-secret",
    ]);
    command.args(["--snapshots", "off", "--fuzz-cases", "64"]);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dialects-long-id");
    command.args(["--fuzz-dir", dir.to_str().unwrap_or_default()]);
    target_args(&mut command, &served);
    let output = output(command)?;
    if !output.status.success() {
        return Err(format!(
            "a fuzzed node-port run against the node-port mock is green:\n{}{}",
            stdout(&output),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(())
}

/// The planned requests for a mock: one per task id, the unknown id, two credential probes.
fn served_cases(mock: &str) -> usize {
    let extra = match mock {
        "plus" => 2, // MODAL and CANCEL
        _ => 0,
    };
    // The task ids, an unknown id, seven credential probes (no credential for a task, for the
    // unknown id and on four path variants, a wrong key) and seven probes of HTTP's rules.
    10 + extra + 1 + 7 + 7
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
