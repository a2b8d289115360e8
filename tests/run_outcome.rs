//! A run as its users meet it, through the built binary: stdout is libtest's alone (JSON stays
//! JSON), a forgotten or refused key makes the checks that need it say they could not run, the
//! test binaries that test mjconform step aside when a target is given, and the reports are
//! written whatever happens (a faulty target, a stalled one, Ctrl-C) without the key.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};
use mjconform::provider::RunningProvider;

#[path = "support/provider.rs"]
mod support;

const KEY: &str = "zq7-outcome-k3y-91xv";

fn provider(faults: &[&str]) -> RunningProvider {
    support::with_faults(KEY, faults)
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("run_outcome")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch dir");
    dir
}

/// `mjconform check` with no `MJ_` variables from the environment.
fn mjconform(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    command
        .current_dir(dir)
        .arg("check")
        .args(args)
        .stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MJ_") || name == "GITHUB_STEP_SUMMARY" {
            command.env_remove(name);
        }
    }
    command
}

/// A keyed run against `url` asking for one task and writing `formats` into `reports`.
fn reporting(url: &str, id: &str, reports: &Path, formats: &str, extra: &[&str]) -> Command {
    let mut args = vec![
        "--target-url",
        url,
        "--task-id",
        id,
        "--api-key",
        KEY,
        "--report",
        formats,
        "--report-dir",
        reports.to_str().unwrap_or_default(),
    ];
    args.extend_from_slice(extra);
    let dir = reports.parent().unwrap_or(reports).to_owned();
    mjconform(&dir, &args)
}

fn expect(condition: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

fn text(output: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every file under `dir`, read as text.
fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text =
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
                found.push((path, text));
            }
        }
    }
    found
}

fn json_output_is_json_alone() -> Result<(), Failed> {
    let dir = scratch("json");
    let output = mjconform(&dir, &["--format", "json", "--fuzz-cases", "0"]).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    expect(output.status.success(), || text(&output))?;
    for line in stdout.lines().filter(|line| !line.trim().is_empty()) {
        serde_json::from_str::<serde_json::Value>(line)
            .map_err(|err| format!("not JSON ({err}): {line}\n{}", text(&output)))?;
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    expect(
        stderr.contains("mjconform: target") && stderr.contains("requests sent"),
        || format!("mjconform's own lines go to stderr:\n{}", text(&output)),
    )?;
    Ok(())
}

/// One refused key is one cause: with the key where the server does not read it, every
/// finding on an answer to a request that carried it could not run (the missing challenge on
/// those 401s included), the credential probes still fail on the server's own fault, and the
/// hint names the placement the server accepts.
fn a_refused_key_is_one_cause_and_the_hint_names_the_placement() -> Result<(), Failed> {
    let dir = scratch("refused-placement");
    let target = provider(&["no-challenge-on-401"]);
    let id = target.task_ids[0].clone();
    let output = reporting(
        target.base_url.as_str(),
        &id,
        &dir,
        "json",
        &[
            "--key-placement",
            "header:mj-api-secret",
            "--fuzz-cases",
            "0",
        ],
    )
    .output()?;
    let said = text(&output);
    expect(
        said.contains("the server accepts the key as `bearer`: rerun with --key-placement bearer"),
        || format!("the hint does not name the working placement:\n{said}"),
    )?;
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("report.json"))?)?;
    let trials = json["trials"].as_array().cloned().unwrap_or_default();
    let status = |name: &str| {
        trials
            .iter()
            .find(|trial| trial["name"] == name)
            .map(|trial| trial["status"].as_str().unwrap_or_default().to_owned())
    };
    let failed: Vec<String> = trials
        .iter()
        .filter(|trial| trial["status"] == "failed")
        .map(|trial| trial["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    expect(
        failed
            == [
                "www_authenticate_on_401::missing_credential",
                "www_authenticate_on_401::wrong_key",
            ],
        || format!("only the credential probes blame the server: {failed:?}\n{said}"),
    )?;
    for keyed in [
        format!("www_authenticate_on_401::task_{id}"),
        "www_authenticate_on_401::unknown_id".to_owned(),
        "www_authenticate_on_401::head".to_owned(),
        "www_authenticate_on_401::framing".to_owned(),
    ] {
        expect(status(&keyed).as_deref() == Some("errored"), || {
            format!("{keyed}: {:?}\n{said}", status(&keyed))
        })?;
    }
    Ok(())
}

fn without_a_key_the_checks_that_need_one_could_not_run() -> Result<(), Failed> {
    let dir = scratch("no-key");
    let target = provider(&[]);
    let id = target.task_ids[0].clone();
    let no_key = [
        "--target-url",
        target.base_url.as_str(),
        "--task-id",
        &id,
        "--fuzz-cases",
        "0",
        "--snapshots",
        "off",
    ];
    // An unset key is refused before any request (an unset CI secret, most likely)...
    let output = mjconform(&dir, &no_key).output()?;
    let said = text(&output);
    expect(
        output.status.code() == Some(2)
            && String::from_utf8_lossy(&output.stderr)
                .trim()
                .lines()
                .count()
                == 1
            && said.contains("set MJ_API_KEY")
            && said.contains("--no-key"),
        || said.clone(),
    )?;
    // ...and with `--no-key`, on purpose, the checks that need one could not run.
    let output = mjconform(&dir, &[&no_key[..], &["--no-key"]].concat()).output()?;
    let said = text(&output);
    expect(output.status.code() == Some(1), || said.clone())?;
    expect(
        said.contains("no credential given") && said.contains("0 new contract failures"),
        || format!("said up front, and no contract failure blamed on the server:\n{said}"),
    )?;
    expect(
        said.contains("no credential was given (--api-key or MJ_API_KEY)")
            && said.contains("ERROR: the check could not run"),
        || said.clone(),
    )?;
    // With a wrong key: the same, naming the key placement.
    let output = mjconform(
        &dir,
        &[
            "--target-url",
            target.base_url.as_str(),
            "--task-id",
            &id,
            "--api-key",
            "not-the-key-000",
            "--fuzz-cases",
            "0",
            "--snapshots",
            "off",
        ],
    )
    .output()?;
    let said = text(&output);
    expect(
        said.contains("refused on every request that carried it")
            && said.contains("no other key placement was accepted either")
            && said.contains("mjconform identify")
            && said.contains("0 new contract failures"),
        || said.clone(),
    )?;
    Ok(())
}

fn self_tests_step_aside_when_a_target_is_given() -> Result<(), Failed> {
    // This very binary is one of the self tests: given a target, it steps aside.
    let output = Command::new(std::env::current_exe()?)
        .args(["--target-url", "http://127.0.0.1:9/"])
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Each trial is listed as ignored with the reason, so `cargo test` says what it skipped.
    let this = "... ignored (`run_outcome` tests mjconform itself; with a target (--target-url or MJ_TARGET_URL) only the conformance suite runs)";
    expect(
        output.status.success()
            && stderr.contains("steps aside")
            && stdout.lines().any(|line| {
                line.starts_with("test run::self_tests_step_aside") && line.ends_with(this)
            })
            && !stdout.contains("... ok")
            && stdout.contains("0 passed"),
        || text(&output),
    )
}

/// Every report, written, parseable, and free of the key (in any form the tests can name).
fn expect_reports(dir: &Path, output: &Output) -> Result<(), Failed> {
    for name in ["junit.xml", "report.json", "summary.md", "report.html"] {
        let path = dir.join(name);
        expect(path.is_file(), || format!("no {name}:\n{}", text(output)))?;
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("report.json"))?)?;
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/report.schema.json"))?;
    let validator = jsonschema::validator_for(&schema).map_err(|err| err.to_string())?;
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    expect(errors.is_empty(), || {
        format!("report.json breaks its schema: {errors:?}")
    })?;
    for (path, content) in files_under(dir) {
        expect(
            !content.contains(KEY) && !content.contains(&KEY[4..16]),
            || format!("{} holds the key", path.display()),
        )?;
    }
    Ok(())
}

fn reports_of_a_faulty_target_name_the_failure() -> Result<(), Failed> {
    let dir = scratch("faulty");
    let reports = dir.join("reports");
    let target = provider(&["status-outside-enum"]);
    let id = target.task_ids[0].clone();
    let output = reporting(target.base_url.as_str(), &id, &reports, "all", &[]).output()?;
    expect(output.status.code() == Some(1), || text(&output))?;
    expect_reports(&reports, &output)?;
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json"))?)?;
    let failed: Vec<&str> = json["trials"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|trial| trial["status"] == "failed")
        .filter_map(|trial| trial["name"].as_str())
        .collect();
    expect(
        failed
            .iter()
            .any(|name| name.starts_with("response_schema_conformance::task_")),
        || format!("the schema failure is in the report: {failed:?}"),
    )?;
    let junit = std::fs::read_to_string(reports.join("junit.xml"))?;
    expect(junit.contains("<failure"), || junit.clone())?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    expect(stderr.contains("report written to"), || text(&output))?;
    Ok(())
}

/// A server that accepts connections and never answers.
fn stalled_server() -> Result<(std::net::TcpListener, String), Failed> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/", listener.local_addr()?);
    Ok((listener, url))
}

fn a_stalled_target_still_gets_its_reports() -> Result<(), Failed> {
    let dir = scratch("stalled");
    let reports = dir.join("reports");
    let (_listener, url) = stalled_server()?;
    let output = reporting(
        &url,
        "1",
        &reports,
        "junit,json,markdown,html",
        &["--timeout", "300ms"],
    )
    .output()?;
    expect(output.status.code() == Some(1), || text(&output))?;
    expect_reports(&reports, &output)?;
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json"))?)?;
    expect(
        json["totals"]["errored"].as_u64().unwrap_or(0) > 0
            && json["totals"]["interrupted"].is_string(),
        || format!("errors and the stall are in the report: {}", json["totals"]),
    )?;
    Ok(())
}

/// The connections waiting in a stalled server's queue: every connection a run opened to it
/// (the server never accepted one, so the kernel kept them all).
fn connections_received(listener: &std::net::TcpListener) -> Result<usize, Failed> {
    listener.set_nonblocking(true)?;
    let mut received = 0;
    while listener.accept().is_ok() {
        received += 1;
    }
    Ok(received)
}

fn ctrl_c_writes_what_was_gathered() -> Result<(), Failed> {
    let dir = scratch("interrupted");
    let reports = dir.join("reports");
    let (listener, url) = stalled_server()?;
    let mut child = reporting(&url, "1", &reports, "all", &["--timeout", "30s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Wait until the run has started (its first line), then interrupt it.
    let mut stderr = child.stderr.take().ok_or("a piped stderr")?;
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    let started = Instant::now();
    while !String::from_utf8_lossy(&seen).contains("mjconform: target")
        && started.elapsed() < Duration::from_secs(20)
    {
        if stderr.read(&mut byte)? == 0 {
            break;
        }
        seen.push(byte[0]);
    }
    std::thread::sleep(Duration::from_millis(300));
    // SIGINT, as a terminal's Ctrl-C sends it.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("the run did not stop on SIGINT".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut rest = String::new();
    let _ = stderr.read_to_string(&mut rest);
    let said = format!("{}{rest}", String::from_utf8_lossy(&seen));
    expect(status.code() == Some(130), || {
        format!("exit {status}:\n{said}")
    })?;
    let fake = Output {
        status,
        stdout: Vec::new(),
        stderr: said.clone().into_bytes(),
    };
    expect_reports(&reports, &fake)?;
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json"))?)?;
    expect(
        json["totals"]["interrupted"]
            .as_str()
            .is_some_and(|why| why.contains("interrupted")),
        || format!("the report says it was interrupted: {}", json["totals"]),
    )?;
    // Every report gives the exit code the process gave, and the requests the server got
    // (in flight when the run was stopped, so never answered).
    expect(json["totals"]["exit_code"] == 130, || {
        format!("report.json: {}", json["totals"])
    })?;
    let received = connections_received(&listener)?;
    expect(
        received > 1 && json["totals"]["requests_sent"] == received,
        || {
            format!(
                "the server received {received}; report.json: {}",
                json["totals"]
            )
        },
    )?;
    let junit = std::fs::read_to_string(reports.join("junit.xml"))?;
    expect(
        junit.contains(r#"<property name="exit_code" value="130"/>"#)
            && !junit.contains(r#"<property name="exit_code" value="1"/>"#),
        || "junit.xml's exit_code property".into(),
    )?;
    let summary = std::fs::read_to_string(reports.join("summary.md"))?;
    expect(
        !summary.contains("exit code 1")
            && summary
                .lines()
                .next()
                .is_some_and(|l| l.contains("interrupted")),
        || format!("summary.md: {}", summary.lines().next().unwrap_or_default()),
    )?;
    Ok(())
}

fn main() -> ExitCode {
    let arguments = mjconform::commands::self_tests::test_arguments();
    let _ = std::io::stdout().flush();
    let trials = vec![
        Trial::test("run::json_output_is_json_alone", json_output_is_json_alone),
        Trial::test(
            "run::a_refused_key_is_one_cause_and_the_hint_names_the_placement",
            a_refused_key_is_one_cause_and_the_hint_names_the_placement,
        ),
        Trial::test(
            "run::without_a_key_the_checks_that_need_one_could_not_run",
            without_a_key_the_checks_that_need_one_could_not_run,
        ),
        Trial::test(
            "run::self_tests_step_aside_when_a_target_is_given",
            self_tests_step_aside_when_a_target_is_given,
        ),
        Trial::test(
            "reports::of_a_faulty_target_name_the_failure",
            reports_of_a_faulty_target_name_the_failure,
        ),
        Trial::test(
            "reports::a_stalled_target_still_gets_its_reports",
            a_stalled_target_still_gets_its_reports,
        ),
        Trial::test(
            "reports::ctrl_c_writes_what_was_gathered",
            ctrl_c_writes_what_was_gathered,
        ),
        Trial::test(
            "reports::ignored_trials_are_skipped_as_the_terminal_counts_them",
            ignored_trials_are_skipped,
        ),
    ];
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}

/// Against an external target with no snapshot baseline, the snapshot trials are ignored:
/// JUnit's `tests=` and `skipped=` and the JSON totals count them as libtest's line does.
fn ignored_trials_are_skipped() -> Result<(), Failed> {
    let dir = scratch("ignored");
    let reports = dir.join("reports");
    let target = provider(&[]);
    let id = target.task_ids[0].clone();
    let output = reporting(
        target.base_url.as_str(),
        &id,
        &reports,
        "junit,json",
        &["--fuzz-cases", "0"],
    )
    .output()?;
    expect(output.status.success(), || text(&output))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result = stdout
        .lines()
        .find(|line| line.starts_with("test result:"))
        .ok_or_else(|| format!("no test result line\n{}", text(&output)))?;
    let number_before = |word: &str| -> Option<usize> {
        let words: Vec<&str> = result.split_whitespace().collect();
        let at = words
            .iter()
            .position(|w| w.trim_end_matches([';', ',']) == word)?;
        words.get(at.checked_sub(1)?)?.parse().ok()
    };
    let passed = number_before("passed").ok_or("no passed count")?;
    let ignored = number_before("ignored").ok_or("no ignored count")?;
    expect(ignored > 0, || format!("nothing ignored: {result}"))?;
    let junit = std::fs::read_to_string(reports.join("junit.xml"))?;
    let doc = roxmltree::Document::parse(&junit).map_err(|err| err.to_string())?;
    let root = doc.root_element();
    expect(
        root.attribute("skipped") == Some(ignored.to_string().as_str())
            && root.attribute("tests") == Some((passed + ignored).to_string().as_str()),
        || {
            format!(
                "{result}\njunit: tests={:?} skipped={:?}",
                root.attribute("tests"),
                root.attribute("skipped")
            )
        },
    )?;
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json"))?)?;
    expect(json["totals"]["ignored"] == ignored, || {
        format!("{result}\n{}", json["totals"])
    })
}
