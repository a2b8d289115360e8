//! The snapshot trials end to end: the built `mjconform` binary against in-process axum
//! servers on 127.0.0.1, with snapshots in scratch directories under cargo's target tmp dir.
//!
//! Each run is a separate process because insta reads its mode from the environment once
//! per process; the environment of every child is set explicitly (`CI`, no `INSTA_*`, no
//! `MJ_*`), so the outcome does not depend on the shell the tests run in.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use axum::extract::Path as UrlPath;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use libtest_mimic::{Failed, Trial};
use mjconform::http::auth::wrong_key_like;
use mjconform::provider::{self, seeded_tasks, ProviderConfig, ProviderState};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// "Now" of the first provider; the second one runs an hour later.
const NOW_MS: i64 = 1_747_133_323_000;
const HOUR_MS: i64 = 3_600_000;

fn main() {
    let arguments = mjconform::commands::self_tests::test_arguments();
    let trials = vec![
        Trial::test(
            "a_changed_field_fails_exactly_its_snapshot",
            a_changed_field_fails_exactly_its_snapshot,
        ),
        Trial::test(
            "an_echoed_key_never_reaches_a_snapshot",
            an_echoed_key_never_reaches_a_snapshot,
        ),
        Trial::test(
            "a_target_without_a_baseline_passes_with_its_snapshots_ignored",
            a_target_without_a_baseline_passes_with_its_snapshots_ignored,
        ),
        Trial::test(
            "a_relative_snapshot_dir_is_taken_from_the_current_directory",
            a_relative_snapshot_dir_is_taken_from_the_current_directory,
        ),
        Trial::test(
            "snapshots_off_plans_no_trials",
            snapshots_off_plans_no_trials,
        ),
        Trial::test(
            "committed_baselines_hold_no_key_and_no_port",
            committed_baselines_hold_no_key_and_no_port,
        ),
    ];
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit();
}

/// A server on 127.0.0.1:0 for the length of a test; dropping it stops the server.
struct Server {
    url: String,
    _shutdown: oneshot::Sender<()>,
    _runtime: tokio::runtime::Runtime,
}

fn serve(router: Router) -> Result<Server, Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|err| format!("a runtime: {err}"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(SocketAddr::from((
            Ipv4Addr::LOCALHOST,
            0,
        ))))
        .map_err(|err| format!("bind 127.0.0.1:0: {err}"))?;
    let addr = listener
        .local_addr()
        .map_err(|err| format!("the local address: {err}"))?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    runtime.spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(Server {
        url: format!("http://{addr}/"),
        _shutdown: shutdown,
        _runtime: runtime,
    })
}

/// The reference provider with `tasks`, on a fresh port, with `config`'s key.
fn reference_with(config: &ProviderConfig, tasks: Vec<Value>) -> Result<Server, Failed> {
    serve(provider::router(ProviderState::with_tasks(
        config.clone(),
        tasks,
    )))
}

fn config_at(now_ms: i64) -> ProviderConfig {
    ProviderConfig {
        now_ms: Some(now_ms),
        ..ProviderConfig::with_random_key()
    }
}

/// A directory of its own under cargo's target tmp dir, emptied first.
fn scratch(name: &str) -> Result<PathBuf, Failed> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("snapshots-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|err| format!("empty {}: {err}", dir.display()))?;
    }
    Ok(dir)
}

/// Whether the child runs as on CI (`CI=true`) or on a developer's machine (no `CI`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Env {
    Ci,
    Local,
}

/// `mjconform check ARGS` with a controlled environment.
fn mjconform(args: &[&str], env: Env) -> Result<Output, Failed> {
    command(args, env)
        .output()
        .map_err(|err| format!("run mjconform: {err}").into())
}

/// The command [`mjconform`] runs, for tests that change its directory or environment.
fn command(args: &[&str], env: Env) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    // Out of the package root: a run writes fuzz failure reports under its working
    // directory, and a test run must leave the checkout as it found it.
    command
        .arg("check")
        .args(args)
        .current_dir(env!("CARGO_TARGET_TMPDIR"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("MJ_") || name.starts_with("INSTA_") || name == "TF_BUILD" {
            command.env_remove(&name);
        }
    }
    match env {
        Env::Ci => command.env("CI", "true"),
        Env::Local => command.env_remove("CI"),
    };
    command
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The arguments of a snapshot-only run against `url`.
fn snapshot_run<'a>(
    url: &'a str,
    key: &'a str,
    ids: &'a [String],
    dir: &'a Path,
    mode: &'a str,
) -> Vec<&'a str> {
    let mut args = vec![
        "--target-url",
        url,
        "--api-key",
        key,
        "--target-name",
        "provider",
        "--snapshots",
        mode,
        "--snapshot-dir",
        dir.to_str().unwrap_or_default(),
        "--fuzz-cases",
        "0",
    ];
    for id in ids {
        args.push("--task-id");
        args.push(id);
    }
    // A libtest filter: only the snapshot trials run (they make the requests they need).
    args.push("snapshot::");
    args
}

fn ids_of(tasks: &[Value]) -> Vec<String> {
    tasks
        .iter()
        .filter_map(|task| task["id"].as_str().map(str::to_owned))
        .collect()
}

/// The `test NAME ... RESULT` lines of a run, as (name, result).
fn results(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, result) = rest.split_once(" ... ")?;
            Some((name.to_owned(), result.trim().to_owned()))
        })
        .collect()
}

/// The `-`/`+` lines of the diffs in a run's failure messages.
fn changed_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(str::trim_start)
        .filter(|line| {
            (line.starts_with('-') || line.starts_with('+'))
                && !line.starts_with("---")
                && !line.starts_with("+++")
        })
        .map(str::to_owned)
        .collect()
}

/// Every file under `dir`, recursively, with its contents.
fn files_under(dir: &Path) -> Result<Vec<(PathBuf, String)>, Failed> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|err| format!("list {}: {err}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|err| err.to_string())?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path)
                    .map_err(|err| format!("read {}: {err}", path.display()))?;
                files.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    files.sort();
    Ok(files)
}

fn check(condition: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

/// Recorded once, rerun an hour later on another port with another key (still passing:
/// times, port and key are normalised), then served with one task's `prompt` changed:
/// exactly that task's snapshot fails, and its diff is the `prompt` line and nothing else.
fn a_changed_field_fails_exactly_its_snapshot() -> Result<(), Failed> {
    let dir = scratch("changed-field")?;
    let first = config_at(NOW_MS);
    let tasks = seeded_tasks(NOW_MS);
    let ids = ids_of(&tasks);
    let server = reference_with(&first, tasks)?;
    let record = mjconform(
        &snapshot_run(&server.url, &first.api_key, &ids, &dir, "record"),
        Env::Ci,
    )?;
    let (stdout, stderr) = text(&record);
    check(record.status.success(), || {
        format!("recording failed:\n{stdout}\n{stderr}")
    })?;
    let recorded = files_under(&dir.join("provider"))?;
    check(recorded.len() == ids.len() + 3, || {
        format!("expected one snapshot per case: {recorded:#?}")
    })?;
    drop(server);

    let later = config_at(NOW_MS + HOUR_MS);
    let server = reference_with(&later, seeded_tasks(NOW_MS + HOUR_MS))?;
    let rerun = mjconform(
        &snapshot_run(&server.url, &later.api_key, &ids, &dir, "compare"),
        Env::Ci,
    )?;
    let (stdout, stderr) = text(&rerun);
    check(rerun.status.success(), || {
        format!("an unchanged provider must match its baseline:\n{stdout}\n{stderr}")
    })?;
    drop(server);

    let changed_id = "1747132783114582";
    let mut tasks = seeded_tasks(NOW_MS + HOUR_MS);
    let task = tasks
        .iter_mut()
        .find(|task| task["id"] == changed_id)
        .ok_or("the seeded fox imagine")?;
    task["prompt"] = json!("a grey fox curled up in fresh snow --v 6.1");
    let server = reference_with(&later, tasks)?;
    let args = snapshot_run(&server.url, &later.api_key, &ids, &dir, "compare");

    let on_ci = mjconform(&args, Env::Ci)?;
    let (stdout, stderr) = text(&on_ci);
    check(on_ci.status.code() == Some(1), || {
        format!("a changed field must fail the run:\n{stdout}\n{stderr}")
    })?;
    let failed: Vec<String> = results(&stdout)
        .into_iter()
        .filter(|(_, result)| result != "ok")
        .map(|(name, _)| name)
        .collect();
    check(failed == [format!("snapshot::task_{changed_id}")], || {
        format!("exactly the changed task's snapshot must fail, got {failed:?}:\n{stdout}")
    })?;
    let diff = changed_lines(&stdout);
    check(
        diff.len() == 2
            && diff[0].starts_with("-")
            && diff[0].contains("\"prompt\": \"a red fox curled up in fresh snow")
            && diff[1] == "+      \"prompt\": \"a grey fox curled up in fresh snow --v 6.1\",",
        || format!("the diff must be the prompt line alone, got {diff:#?}:\n{stdout}"),
    )?;
    let pending: Vec<PathBuf> = files_under(&dir)?
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path.to_string_lossy().ends_with(".snap.new"))
        .collect();
    check(pending.is_empty(), || {
        format!("on CI nothing may be written: {pending:?}")
    })?;

    let local = mjconform(&args, Env::Local)?;
    let (stdout, stderr) = text(&local);
    check(local.status.code() == Some(1), || {
        format!("the change must fail off CI too:\n{stdout}\n{stderr}")
    })?;
    let pending: Vec<PathBuf> = files_under(&dir)?
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path.to_string_lossy().ends_with(".snap.new"))
        .collect();
    let expected = dir
        .join("provider")
        .join(format!("task_{changed_id}.snap.new"));
    check(pending == [expected.clone()], || {
        format!("off CI, one `.snap.new` for review, got {pending:?}")
    })?;
    let baseline = insta::Snapshot::from_file(&expected.with_extension(""))
        .map_err(|err| format!("read the baseline: {err}"))?;
    let proposed = insta::Snapshot::from_file(&expected)
        .map_err(|err| format!("read the pending snapshot: {err}"))?;
    let (baseline, proposed) = (
        baseline.contents().as_text().map(ToString::to_string),
        proposed.contents().as_text().map(ToString::to_string),
    );
    let (Some(baseline), Some(proposed)) = (baseline, proposed) else {
        return Err("text snapshots expected".into());
    };
    let differing: Vec<(&str, &str)> = baseline
        .lines()
        .zip(proposed.lines())
        .filter(|(a, b)| a != b)
        .collect();
    check(
        baseline.lines().count() == proposed.lines().count() && differing.len() == 1,
        || format!("the pending snapshot must differ in one line: {differing:#?}"),
    )?;
    // Recording replaces the baseline: the `.snap.new` of the compare run is stale, and goes.
    let record = snapshot_run(&server.url, &later.api_key, &ids, &dir, "record");
    let recorded = mjconform(&record, Env::Local)?;
    let (stdout, stderr) = text(&recorded);
    check(recorded.status.success(), || {
        format!("recording must pass:\n{stdout}\n{stderr}")
    })?;
    check(!expected.exists(), || {
        format!(
            "the stale {} must be removed by the record",
            expected.display()
        )
    })?;
    std::fs::remove_dir_all(&dir).map_err(|err| err.to_string())?;
    Ok(())
}

/// A server that echoes the credential everywhere it can: in the body (raw, inside a URL
/// percent-encoded, JSON-escaped), in an error description and in a redirect location.
fn echo_router() -> Router {
    async fn fetch(UrlPath(id): UrlPath<String>, headers: HeaderMap) -> Response {
        let credential = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let key = credential.strip_prefix("Bearer ").unwrap_or(&credential);
        let encoded = percent_encode(key);
        let body = json!({
            "id": id,
            "status": "SUCCESS",
            "progress": "100%",
            "description": format!("fetched with {credential}"),
            "imageUrl": format!("https://cdn.example/a.png?key={encoded}&width=512"),
            "properties": { "apiKey": key, "echo": { key: credential } },
        });
        let mut response = (StatusCode::OK, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let described = format!("Bearer error_description=\"{key}\"");
        if let Ok(value) = HeaderValue::from_str(&described) {
            headers.insert(WWW_AUTHENTICATE, value);
        }
        let lowercase = encoded.replace("%2F", "%2f").replace("%2B", "%2b");
        if let Ok(value) = HeaderValue::from_str(&format!("/login?key={lowercase}")) {
            headers.insert(LOCATION, value);
        }
        if let Ok(value) = HeaderValue::from_str(&credential) {
            headers.insert("x-echo-authorization", value);
        }
        response
    }
    Router::new().route("/mj/task/{id}/fetch", get(fetch))
}

/// `text` percent-encoded the way URL libraries do: RFC 3986 unreserved bytes stay.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Recording against a server that echoes the key writes snapshots that show where the
/// key went (`***`) and never the key itself, in any form, in any file; nor does the run's
/// output hold it.
fn an_echoed_key_never_reaches_a_snapshot() -> Result<(), Failed> {
    let dir = scratch("echo")?;
    // Characters that change under percent-encoding and JSON escaping.
    let key = "sk-echo/0123+456\"789";
    let server = serve(echo_router())?;
    let ids = vec!["1747132783114582".to_owned()];
    let run = mjconform(
        &snapshot_run(&server.url, key, &ids, &dir, "record"),
        Env::Ci,
    )?;
    let (stdout, stderr) = text(&run);
    check(run.status.success(), || {
        format!("recording failed:\n{stdout}\n{stderr}")
    })?;
    let encoded = percent_encode(key);
    let escaped = serde_json::to_string(key).map_err(|err| err.to_string())?;
    let escaped = escaped.trim_matches('"').to_owned();
    let wrong = wrong_key_like(key);
    let lowercase = encoded.to_lowercase();
    let forms = [key.to_owned(), encoded, lowercase, escaped, wrong];
    let files = files_under(&dir)?;
    check(files.len() == 4, || {
        format!("expected four snapshots: {files:#?}")
    })?;
    for (path, contents) in files
        .iter()
        .map(|(path, text)| (path.display().to_string(), text))
    {
        for form in &forms {
            check(!contents.contains(form.as_str()), || {
                format!("{path} holds a form of the key:\n{contents}")
            })?;
        }
    }
    for (stream, name) in [(&stdout, "stdout"), (&stderr, "stderr")] {
        for form in &forms {
            check(!stream.contains(form.as_str()), || {
                format!("{name} holds a form of the key:\n{stream}")
            })?;
        }
    }
    let known = files
        .iter()
        .find(|(path, _)| path.ends_with("provider/task_1747132783114582.snap"))
        .map(|(_, contents)| contents.as_str())
        .ok_or("the known task's snapshot")?;
    for shown in [
        "  credential: authorization: Bearer ***\n",
        "\"apiKey\": \"***\"",
        "\"description\": \"fetched with Bearer ***\"",
        "\"imageUrl\": \"https://cdn.example/a.png?key=***&width=512\"",
        "www-authenticate: Bearer error_description=\"***\"",
        "location: /login?key=***",
    ] {
        check(known.contains(shown), || {
            format!("the snapshot should show `{shown}`:\n{known}")
        })?;
    }
    std::fs::remove_dir_all(&dir).map_err(|err| err.to_string())?;
    Ok(())
}

/// An independent server nobody recorded yet passes: its snapshot trials are ignored, the
/// run says how to record, and nothing is written.
fn a_target_without_a_baseline_passes_with_its_snapshots_ignored() -> Result<(), Failed> {
    let dir = scratch("no-baseline")?;
    let config = config_at(NOW_MS);
    let tasks = seeded_tasks(NOW_MS);
    let ids = ids_of(&tasks);
    let server = reference_with(&config, tasks)?;
    let run = mjconform(
        &snapshot_run(&server.url, &config.api_key, &ids, &dir, "compare"),
        Env::Local,
    )?;
    let (stdout, stderr) = text(&run);
    check(run.status.success(), || {
        format!("a target without a baseline must pass:\n{stdout}\n{stderr}")
    })?;
    let outcomes = results(&stdout);
    check(
        outcomes.len() == ids.len() + 3 && outcomes.iter().all(|(_, result)| result == "ignored"),
        || format!("every snapshot trial ignored:\n{stdout}"),
    )?;
    check(stderr.contains("--snapshots record"), || {
        format!("the run must say how to record:\n{stderr}")
    })?;
    check(!dir.exists(), || "nothing may be written".to_owned())?;
    Ok(())
}

/// An installed binary (no `CARGO_MANIFEST_DIR`) given a relative `--snapshot-dir` writes
/// under the current directory, not under the source tree it was built from.
fn a_relative_snapshot_dir_is_taken_from_the_current_directory() -> Result<(), Failed> {
    let cwd = scratch("relative")?;
    std::fs::create_dir_all(&cwd).map_err(|err| err.to_string())?;
    let config = config_at(NOW_MS);
    let tasks = seeded_tasks(NOW_MS);
    let ids = ids_of(&tasks)[..1].to_vec();
    let server = reference_with(&config, tasks)?;
    let args = snapshot_run(
        &server.url,
        &config.api_key,
        &ids,
        Path::new("baselines"),
        "record",
    );
    let mut record = command(&args, Env::Local);
    record.current_dir(&cwd).env_remove("CARGO_MANIFEST_DIR");
    let output = record.output().map_err(|err| err.to_string())?;
    let (stdout, stderr) = text(&output);
    check(output.status.success(), || format!("{stdout}\n{stderr}"))?;
    let written: Vec<PathBuf> = files_under(&cwd)?
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    let task_case = format!("task_{}", ids[0]);
    let mut expected: Vec<PathBuf> = ["missing_credential", &task_case, "unknown_id", "wrong_key"]
        .iter()
        .map(|case| cwd.join("baselines/provider").join(format!("{case}.snap")))
        .collect();
    expected.sort();
    check(written == expected, || {
        format!("expected {expected:#?}, written {written:#?}")
    })?;
    std::fs::remove_dir_all(&cwd).map_err(|err| err.to_string())?;
    Ok(())
}

/// `--snapshots off` plans no snapshot trial at all.
fn snapshots_off_plans_no_trials() -> Result<(), Failed> {
    let listed = mjconform(&["--snapshots", "off", "--list"], Env::Ci)?;
    let (stdout, stderr) = text(&listed);
    check(listed.status.success(), || format!("{stdout}\n{stderr}"))?;
    check(
        stdout.contains("not_a_server_error::") && !stdout.contains("snapshot::"),
        || format!("checks listed, snapshots not:\n{stdout}"),
    )?;
    let listed = mjconform(&["--list"], Env::Ci)?;
    let (stdout, _) = text(&listed);
    check(stdout.contains("snapshot::unknown_id: test"), || {
        format!("by default the snapshot trials are planned:\n{stdout}")
    })
}

/// The committed baselines of the embedded provider exist and hold neither its keys
/// (`mjc-test-…`, `mjc-disabled-…`) nor its random port.
fn committed_baselines_hold_no_key_and_no_port() -> Result<(), Failed> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let files = files_under(&dir)?;
    check(
        files
            .iter()
            .any(|(path, _)| path.starts_with(dir.join("reference"))),
        || format!("no committed baseline under {}", dir.display()),
    )?;
    for (path, contents) in &files {
        for needle in ["mjc-test-", "mjc-disabled-", "127.0.0.1:", "localhost:"] {
            check(!contents.contains(needle), || {
                format!("{} holds `{needle}`", path.display())
            })?;
        }
    }
    Ok(())
}
