//! Bad input to the built binary: each mistake gives exit code 2 and one line on stderr
//! that names the problem, before any request is sent.
//!
//! One trial per mistake, named after it, so a regression points at the input.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use libtest_mimic::{Failed, Trial};

/// Exit code of bad input (see docs/flags.md).
const USAGE: i32 = 2;

/// A bad input: the arguments after `mjconform`, extra environment, and the words the
/// one-line error must contain.
struct Mistake {
    name: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    words: Vec<String>,
}

fn mistake(name: &'static str, args: &[&str], words: &[&str]) -> Mistake {
    Mistake {
        name,
        args: args.iter().map(|arg| arg.to_string()).collect(),
        env: Vec::new(),
        words: words.iter().map(|word| word.to_string()).collect(),
    }
}

fn main() -> ExitCode {
    let arguments = mjconform::commands::self_tests::test_arguments();
    let files = SpecFiles::write();
    let refused = refused_url();
    let mut mistakes = vec![
        mistake(
            "malformed_url",
            &["check", "--target-url", "not a url"],
            &["use target URL `not a url`", "relative URL"],
        ),
        mistake(
            "empty_url",
            &["check", "--target-url", ""],
            &["use --target-url: the value is empty"],
        ),
        mistake(
            "ftp_scheme",
            &["check", "--target-url", "ftp://127.0.0.1/"],
            &["scheme `ftp` is not http or https"],
        ),
        mistake(
            "file_scheme",
            &["check", "--target-url", "file:///etc/passwd"],
            &["scheme `file`"],
        ),
        mistake(
            "no_host",
            &["check", "--target-url", "http://"],
            &["use target URL `http://`", "host"],
        ),
        mistake(
            "credentials_in_url",
            &["check", "--target-url", "http://user:secret@127.0.0.1:9/"],
            &["credentials in the URL"],
        ),
        mistake(
            "query_in_url",
            &["check", "--target-url", "http://127.0.0.1:9/?key=1"],
            &["without a query"],
        ),
        mistake(
            "unreachable_target",
            &[
                "check",
                "--target-url",
                &refused,
                "--no-key",
                "--task-id",
                "1",
            ],
            &["reach the target", "refused"],
        ),
        mistake(
            "missing_spec",
            &["check", "--spec", "/nonexistent/mjconform/spec.yaml"],
            &["read spec `/nonexistent/mjconform/spec.yaml`"],
        ),
        mistake(
            "spec_not_yaml",
            &["check", "--spec", &files.path("garbage.yaml")],
            &["parse spec", "garbage.yaml"],
        ),
        mistake(
            "spec_without_fetch",
            &["check", "--spec", &files.path("no-fetch.yaml")],
            &["find a GET operation for `/mj/task/{id}/fetch`"],
        ),
        mistake(
            "empty_task_id",
            &["check", "--task-id", ""],
            &["use --task-id: the value is empty"],
        ),
        mistake(
            "blank_task_id",
            &["check", "--task-id", "1", "--task-id", "   "],
            &["use --task-id: the value is empty"],
        ),
        mistake(
            "empty_item_in_task_id_list",
            &["check", "--task-id", "1,,2"],
            &["use --task-id: the value is empty"],
        ),
        mistake(
            "empty_unknown_id",
            &["check", "--unknown-id", ""],
            &["use --unknown-id: the value is empty"],
        ),
        mistake(
            "empty_watch",
            &["check", "--watch", ""],
            &["use --watch: the value is empty"],
        ),
        mistake(
            "empty_watch_inline",
            &["check", "--watch="],
            &["use --watch: the value is empty"],
        ),
        mistake(
            "empty_target_name",
            &["check", "--target-name", ""],
            &["use --target-name: the value is empty"],
        ),
        mistake(
            "empty_spec",
            &["check", "--spec", ""],
            &["use --spec: the value is empty"],
        ),
        mistake(
            "empty_api_key",
            &["check", "--api-key", ""],
            &["use --api-key: the value is empty"],
        ),
        mistake(
            "empty_fuzz_dir",
            &["check", "--fuzz-dir", ""],
            &["use --fuzz-dir: the value is empty"],
        ),
        mistake(
            "empty_mock_key",
            &["mock", "--api-key", ""],
            &["use --api-key: the value is empty"],
        ),
        mistake(
            "misspelt_command",
            &["chek"],
            &["unrecognized subcommand 'chek'", "did you mean 'check'?"],
        ),
        mistake(
            "misspelt_flag",
            &["check", "--taskid", "1"],
            &["'--taskid'", "did you mean '--task-id'?"],
        ),
        mistake(
            "misspelt_snapshot_mode",
            &["check", "--snapshots", "recrod"],
            &[
                "possible values: compare, record, off",
                "did you mean 'record'?",
            ],
        ),
        mistake(
            "word_fuzz_cases",
            &["check", "--fuzz-cases", "abc"],
            &["`abc` is not a whole number", "--fuzz-cases"],
        ),
        mistake(
            "negative_seed",
            &["check", "--seed", "-1"],
            &["`-1` is not a whole number", "--seed"],
        ),
        mistake(
            "word_mock_port",
            &["mock", "--port", "abc"],
            &["`abc` is not a whole number", "0 picks a free one"],
        ),
        mistake(
            "unresolvable_mock_host",
            &["mock", "--host", "no such host.invalid", "--port", "0"],
            &["`no such host.invalid` is not an address"],
        ),
        mistake(
            "replay_without_its_key",
            &[
                "check",
                "--target-url",
                &refused,
                "--task-id",
                "1",
                "--fuzz-replay",
                "ids:1@target,key=bearer,ids",
            ],
            &["replay the fuzz case", "set MJ_API_KEY"],
        ),
        mistake(
            "replay_of_a_target_case_without_a_target",
            &["check", "--fuzz-replay", "ids:1@target,nokey,noids"],
            &["replay the fuzz case", "--target-url"],
        ),
        mistake(
            "bad_replay_conditions",
            &["check", "--fuzz-replay", "ids:1@somewhere"],
            &["`somewhere`", "not a run condition"],
        ),
        mistake("word_timeout", &["check", "--timeout", "soon"], &["`soon`"]),
        mistake(
            "zero_timeout",
            &["check", "--timeout", "0s"],
            &["above zero"],
        ),
        mistake(
            "negative_connect_timeout",
            &["check", "--connect-timeout", "-1s"],
            &["`-1s` must be above zero"],
        ),
        mistake(
            "negative_rate",
            &["check", "--rate", "-5/s"],
            &["`-5/s` is not a rate above zero"],
        ),
        mistake(
            "negative_body_cap",
            &["check", "--max-body", "-1"],
            &["`-1` is not a size"],
        ),
        mistake(
            "zero_body_cap",
            &["check", "--max-body", "0"],
            &["at least one byte"],
        ),
        mistake(
            "word_body_cap",
            &["check", "--max-body", "lots"],
            &["`lots` is not a size"],
        ),
        mistake(
            "zero_rate",
            &["check", "--rate", "0/s"],
            &["not a rate above zero"],
        ),
        mistake("word_rate", &["check", "--rate", "fast"], &["`fast`"]),
        mistake(
            "zero_concurrency",
            &["check", "--concurrency", "0"],
            &["--concurrency", "0"],
        ),
        mistake(
            "huge_concurrency",
            &["check", "--concurrency", "100000"],
            &["--concurrency", "100000"],
        ),
        mistake(
            "word_max_retry_after",
            &["check", "--max-retry-after", "never"],
            &["`never`"],
        ),
        mistake(
            "unknown_key_placement",
            &["check", "--key-placement", "cookie"],
            &["`cookie`", "header:NAME"],
        ),
        mistake(
            "unknown_flag",
            &["check", "--frobnicate"],
            &["--frobnicate"],
        ),
        mistake(
            "flag_without_value",
            &["check", "--target-url"],
            &["--target-url"],
        ),
        mistake("unknown_command", &["frobnicate"], &["frobnicate"]),
    ];
    mistakes.push(Mistake {
        name: "bad_value_in_environment",
        args: vec!["check".to_owned()],
        env: vec![("MJ_TIMEOUT", "whenever".to_owned())],
        words: vec!["`whenever`".to_owned(), "MJ_TIMEOUT".to_owned()],
    });
    mistakes.push(mistake(
        "unknown_check_level_names_the_known_checks",
        &["check", "--deny", "head_supported,head_suported"],
        &[
            "`head_suported` is not a check",
            "known: not_a_server_error",
            "head_supported",
        ],
    ));
    mistakes.push(Mistake {
        name: "unknown_check_in_mj_allow_names_the_variable",
        args: vec!["check".to_owned()],
        env: vec![("MJ_ALLOW", "time_order,nope".to_owned())],
        words: vec![
            "MJ_ALLOW (read as --allow)".to_owned(),
            "`nope` is not a check".to_owned(),
        ],
    });
    mistakes.push(Mistake {
        name: "bad_rate_in_environment_names_the_variable",
        args: vec!["check".to_owned()],
        env: vec![("MJ_RATE", "abc".to_owned())],
        words: vec!["MJ_RATE (read as --rate)".to_owned()],
    });
    mistakes.push(Mistake {
        name: "empty_value_in_environment",
        args: vec!["check".to_owned()],
        env: vec![("MJ_WATCH", String::new())],
        words: vec!["use MJ_WATCH (read as --watch): the value is empty".to_owned()],
    });
    mistakes.push(Mistake {
        name: "empty_key_in_environment",
        args: vec!["check".to_owned()],
        env: vec![("MJ_API_KEY", " ".to_owned())],
        words: vec!["use MJ_API_KEY (read as --api-key): the value is empty".to_owned()],
    });
    mistakes.push(Mistake {
        name: "replay_with_an_extra_key",
        args: [
            "check",
            "--target-url",
            &refused,
            "--fuzz-replay",
            "ids:1@target,nokey,noids",
        ]
        .iter()
        .map(|arg| arg.to_string())
        .collect(),
        env: vec![("MJ_API_KEY", "sk-some-key".to_owned())],
        words: vec!["found without a key".to_owned()],
    });
    // Bad input that names a reachable target: the loopback server counts every connection,
    // and each trial below checks that none was made (the mistake is caught before a request).
    let counted = counting_server();
    let endpoint = format!("{counted}mj/task/1747132783114582/fetch");
    let hostport = counted
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let not_a_dir = files.path("garbage.yaml");
    let report_dir = format!("{not_a_dir}/reports");
    let bad_syntax = files.path("bad-syntax.toml");
    let bad_until = files.path("bad-until.toml");
    let target = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["check", "--target-url", &counted];
        args.extend_from_slice(extra);
        args.iter().map(|arg| arg.to_string()).collect()
    };
    let keyed = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["--api-key", "sk-cli-test", "--task-id", "1"];
        args.extend_from_slice(extra);
        target(&args)
    };
    for (name, args, env, words) in [
        (
            "endpoint_pasted_whole",
            vec![
                "check".to_owned(),
                "--target-url".to_owned(),
                endpoint.clone(),
                "--api-key".to_owned(),
                "k".to_owned(),
                "--task-id".to_owned(),
                "1".to_owned(),
            ],
            vec![],
            vec![
                "that is the fetch endpoint".to_owned(),
                format!("give `{counted}`"),
            ],
        ),
        (
            "address_without_scheme",
            vec![
                "check".to_owned(),
                "--target-url".to_owned(),
                hostport.clone(),
            ],
            vec![],
            vec![format!("add http:// (`http://{hostport}/`)")],
        ),
        (
            "localhost_without_scheme",
            vec![
                "check".to_owned(),
                "--target-url".to_owned(),
                "localhost:8080".to_owned(),
            ],
            vec![],
            vec!["add http:// (`http://localhost:8080/`)".to_owned()],
        ),
        (
            "unwritable_report_dir",
            keyed(&["--report", "json", "--report-dir", &report_dir]),
            vec![],
            vec!["the report directory".to_owned(), "not writable".to_owned()],
        ),
        (
            "bad_report_in_environment_names_the_variable",
            keyed(&[]),
            vec![("MJ_REPORT", "jnuit".to_owned())],
            vec![
                "MJ_REPORT (read as --report)".to_owned(),
                "`jnuit`".to_owned(),
            ],
        ),
        (
            "baseline_syntax_error_has_its_line",
            keyed(&["--baseline", &bad_syntax]),
            vec![],
            vec!["bad-syntax.toml".to_owned(), "line 3:".to_owned()],
        ),
        (
            "baseline_until_is_no_calendar_day",
            keyed(&["--baseline", &bad_until]),
            vec![],
            vec!["`until = \"2026-02-31\"` is not a YYYY-MM-DD date".to_owned()],
        ),
        (
            "external_target_without_a_key",
            target(&["--task-id", "1"]),
            vec![],
            vec![
                "no key given".to_owned(),
                "set MJ_API_KEY".to_owned(),
                "--no-key".to_owned(),
            ],
        ),
        (
            "external_target_with_a_key_and_no_key",
            target(&["--task-id", "1", "--no-key"]),
            vec![("MJ_API_KEY", "sk-cli-test".to_owned())],
            vec!["--no-key (MJ_NO_KEY) and a key".to_owned()],
        ),
        (
            "external_target_without_a_task",
            target(&["--api-key", "sk-cli-test"]),
            vec![],
            vec!["no task id given: add --task-id ID".to_owned()],
        ),
        (
            "external_target_without_a_task_nor_key_on_purpose",
            target(&["--no-key"]),
            vec![],
            vec!["add --task-id ID".to_owned()],
        ),
    ] {
        mistakes.push(Mistake {
            name,
            args,
            env,
            words,
        });
    }
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
    let busy_port = busy.local_addr().expect("an address").port().to_string();
    mistakes.push(mistake(
        "busy_mock_port",
        &["mock", "--port", &busy_port],
        &[&format!("listen on 127.0.0.1:{busy_port}"), "--port 0"],
    ));
    mistakes.push(mistake(
        "unwritable_mock_ready_file",
        &[
            "mock",
            "--port",
            "0",
            "--ready-file",
            "/nonexistent-mjconform-dir/ready.json",
        ],
        &["write the ready file /nonexistent-mjconform-dir/ready.json"],
    ));
    let mut trials: Vec<Trial> = mistakes
        .into_iter()
        .map(|mistake| Trial::test(mistake.name, move || exits_with_one_line(&mistake)))
        .collect();
    trials.extend([
        Trial::test(
            "no_arguments_show_the_usage_and_commands",
            no_arguments_show_the_usage,
        ),
        Trial::test("help_check_is_the_real_help", help_check_is_the_real_help),
        Trial::test(
            "check_version_prints_the_version",
            check_version_prints_the_version,
        ),
        Trial::test(
            "the_mock_prints_a_ready_command_and_stops_on_sigterm",
            the_mock_prints_a_ready_command_and_stops_on_sigterm,
        ),
        Trial::test(
            "a_closed_pipe_ends_the_output_without_a_panic",
            a_closed_pipe_ends_the_output_without_a_panic,
        ),
        Trial::test("identify_help_is_its_own", identify_help_is_its_own),
        Trial::test(
            "the_action_script_checks_writes_reports_and_outputs",
            the_action_script_checks_writes_reports_and_outputs,
        ),
    ]);
    let conclusion = mjconform::commands::self_tests::run_self_tests(&arguments, trials);
    drop(files);
    drop(busy);
    conclusion.exit_code()
}

/// Connections the counting server accepted: bad input must leave it at zero.
static CONNECTIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A loopback server that counts every connection and closes it; its URL.
fn counting_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
    let url = format!("http://{}/", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            CONNECTIONS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    url
}

/// The URL of a loopback port that was free a moment ago: connecting is refused.
fn refused_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or(9);
    format!("http://127.0.0.1:{port}/")
}

/// Spec files for the trials, in a temp dir removed at the end.
struct SpecFiles(PathBuf);

impl SpecFiles {
    fn write() -> SpecFiles {
        let dir = std::env::temp_dir().join(format!("mjconform-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        std::fs::write(dir.join("garbage.yaml"), "openapi: [unclosed\n  - : :\n")
            .expect("write a spec");
        std::fs::write(
            dir.join("no-fetch.yaml"),
            "openapi: 3.0.3\ninfo:\n  title: other\n  version: '1'\npaths:\n  /health:\n    get:\n      responses:\n        '200':\n          description: ok\n",
        )
        .expect("write a spec");
        // An unclosed string on line 3: the error names line 3.
        std::fs::write(
            dir.join("bad-syntax.toml"),
            "version = 1\n[[deviation]]\ncheck = \"x\nreason = \"y\"\n",
        )
        .expect("write a baseline");
        std::fs::write(
            dir.join("bad-until.toml"),
            "version = 1\n[[deviation]]\ncheck = \"response_schema_conformance\"\nrule = \"type\"\npointer = \"/status\"\nreason = \"y\"\nuntil = \"2026-02-31\"\n",
        )
        .expect("write a baseline");
        SpecFiles(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for SpecFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the built binary with `args` and no `MJ_` variables: exit code, stdout, stderr.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    command.args(args).stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MJ_") {
            command.env_remove(name);
        }
    }
    let output = command.output().expect("run mjconform");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `mjconform` alone is a usage error, but one that shows the usage and the commands.
fn no_arguments_show_the_usage() -> Result<(), Failed> {
    let (code, stdout, stderr) = run(&[]);
    let shown = format!("exit {code:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    if code != Some(USAGE) {
        return Err(format!("expected exit code {USAGE}; {shown}").into());
    }
    for word in [
        "Usage: mjconform <COMMAND>",
        "check",
        "mock",
        "mjconform check",
    ] {
        if !stderr.contains(word) {
            return Err(format!("`{word}` missing; {shown}").into());
        }
    }
    if stderr.contains("failed to parse arguments") {
        return Err(format!("the help is shown as an error; {shown}").into());
    }
    Ok(())
}

/// `mjconform help check` shows the options of `check`, as `mjconform check --help` does.
fn help_check_is_the_real_help() -> Result<(), Failed> {
    let (code, help, _) = run(&["help", "check"]);
    let (_, flag_help, _) = run(&["check", "--help"]);
    for word in [
        "--target-url",
        "--api-key",
        "--task-id",
        "--fuzz-dir",
        "libtest options",
    ] {
        if !help.contains(word) || !flag_help.contains(word) {
            return Err(format!("`{word}` missing in:\n{help}\n---\n{flag_help}").into());
        }
    }
    if code != Some(0) {
        return Err(format!("exit {code:?}").into());
    }
    Ok(())
}

fn check_version_prints_the_version() -> Result<(), Failed> {
    let expected = format!("mjconform {}", env!("CARGO_PKG_VERSION"));
    for args in [
        &["check", "--version"][..],
        &["check", "-V"],
        &["--version"],
    ] {
        let (code, stdout, stderr) = run(args);
        if code != Some(0) || stdout.trim() != expected {
            return Err(format!("{args:?}: exit {code:?}\n{stdout}\n{stderr}").into());
        }
    }
    Ok(())
}

/// `mjconform mock --port 0`: each id with its kind, a `check it:` command that passes as
/// printed (with a stable `--target-name`), the same URL, key and ids in the `--ready-file`
/// JSON that scripts read, and a clean exit on SIGTERM that removes the ready file.
#[cfg(unix)]
fn the_mock_prints_a_ready_command_and_stops_on_sigterm() -> Result<(), Failed> {
    use std::io::BufRead as _;
    let scratch = std::env::temp_dir().join(format!("mjconform-cli-ready-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let ready_file = scratch.join("ready.json");
    let mut mock = Command::new(env!("CARGO_BIN_EXE_mjconform"))
        .args([
            "mock",
            "--port",
            "0",
            "--host",
            "localhost",
            "--advance-step",
            "20ms",
        ])
        .arg("--ready-file")
        .arg(&ready_file)
        .env_remove("MJ_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("spawn: {err}"))?;
    let stdout = mock.stdout.take().ok_or("no stdout")?;
    let mut printed = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line?;
        let done = line.starts_with("check it: ");
        printed.push(line);
        if done {
            break;
        }
    }
    let stop = |mock: &mut std::process::Child| {
        let _ = Command::new("kill")
            .args(["-TERM", &mock.id().to_string()])
            .status();
    };
    let result = (|| -> Result<(), Failed> {
        let text = printed.join("\n");
        let ids: Vec<&str> = printed
            .iter()
            .filter_map(|line| line.strip_prefix("  "))
            .filter_map(|line| line.split_once("  "))
            .map(|(id, _kind)| id.trim())
            .collect();
        if ids.len() < 5 || !text.contains("  1747132783114582  IMAGINE SUCCESS") {
            return Err(format!("no ids with their kinds in:\n{text}").into());
        }
        let ready = printed
            .last()
            .and_then(|line| line.strip_prefix("check it: "))
            .ok_or_else(|| format!("no ready command in:\n{text}"))?;
        if !ready.contains("--target-name mock") || !ids.iter().all(|id| ready.contains(id)) {
            return Err(format!("the ready command lacks an id or the label: {ready}").into());
        }
        ready_file_matches(&ready_file, &text, &ids)?;
        let run = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{ready} --watch-interval 20ms --fuzz-cases 0 --snapshots off"
            ))
            .stdin(Stdio::null())
            .output()?;
        if !run.status.success() {
            return Err(format!(
                "`{ready}` failed: {:?}\n{}\n{}",
                run.status,
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            )
            .into());
        }
        Ok(())
    })();
    stop(&mut mock);
    // A hang guard, not a timing assertion: a graceful stop exits 0 at once.
    let mut status = None;
    for _ in 0..1_500 {
        status = mock.try_wait()?;
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let Some(status) = status else {
        let _ = mock.kill();
        let _ = mock.wait();
        return Err("the mock did not stop on SIGTERM".into());
    };
    let left_behind = ready_file.exists();
    let _ = std::fs::remove_dir_all(&scratch);
    result?;
    if status.code() != Some(0) {
        return Err(format!("the mock ended with {status:?} on SIGTERM, not a clean exit").into());
    }
    if left_behind {
        return Err("the ready file outlived the mock".into());
    }
    Ok(())
}

/// The `--ready-file` JSON says what the human lines say: the URL, the generated key, the
/// ids in the same order and the advancing task; readable by its owner alone.
#[cfg(unix)]
fn ready_file_matches(path: &std::path::Path, printed: &str, ids: &[&str]) -> Result<(), Failed> {
    use std::os::unix::fs::PermissionsExt as _;
    // Written before the mock waits for a signal, after the lines printed: poll briefly.
    for _ in 0..250 {
        if path.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
    let ready: serde_json::Value = serde_json::from_str(&text)?;
    let url = ready["url"].as_str().unwrap_or_default();
    let key = ready["api_key"].as_str().unwrap_or_default();
    let advancing = ready["advancing_task_id"].as_str().unwrap_or_default();
    let task_ids: Vec<&str> = ready["task_ids"]
        .as_array()
        .map(|ids| ids.iter().filter_map(|id| id.as_str()).collect())
        .unwrap_or_default();
    if url.is_empty()
        || !printed.contains(&format!("listening on {url}"))
        || key.is_empty()
        || !printed.contains(&format!("api key: {key}"))
        || task_ids != ids
        || advancing.is_empty()
        || !printed.contains(&format!("from its first fetch): {advancing}"))
        || ready["key_hint"] != "Authorization: Bearer <key>"
    {
        return Err(
            format!("the ready file does not match the printed lines:\n{text}\n{printed}").into(),
        );
    }
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode != 0o600 {
        return Err(format!("the ready file holds the key but has mode {mode:o}").into());
    }
    Ok(())
}

#[cfg(not(unix))]
fn the_mock_prints_a_ready_command_and_stops_on_sigterm() -> Result<(), Failed> {
    Ok(())
}

/// Runs the binary on the mistake; it must exit 2 with one line on stderr naming it,
/// nothing on stdout, and within a few seconds (no request is waited for).
fn exits_with_one_line(mistake: &Mistake) -> Result<(), Failed> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    command.args(&mistake.args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MJ_") {
            command.env_remove(name);
        }
    }
    for (name, value) in &mistake.env {
        command.env(name, value);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|err| format!("spawn: {err}"))?;
    let mut status = None;
    // Bad input is refused before any network wait: 30 s is a "must not hang" bound.
    for _ in 0..1_500 {
        status = child.try_wait().map_err(|err| format!("wait: {err}"))?;
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        return Err("the binary did not exit within 30 s".into());
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        let _ = pipe.read_to_string(&mut stdout);
    }
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let shown = format!(
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        status.code()
    );
    if status.code() != Some(USAGE) {
        return Err(format!("expected exit code {USAGE}; {shown}").into());
    }
    let line = stderr.trim_end();
    if line.lines().count() != 1 || !line.starts_with("error: failed to ") {
        return Err(format!("expected one line `error: failed to …`; {shown}").into());
    }
    if !stdout.trim().is_empty() {
        return Err(format!("bad input printed to stdout; {shown}").into());
    }
    for word in &mistake.words {
        if !line.contains(word.as_str()) {
            return Err(format!("expected `{word}` in the error; {shown}").into());
        }
    }
    let reached = CONNECTIONS.load(std::sync::atomic::Ordering::SeqCst);
    if reached != 0 {
        return Err(
            format!("bad input reached the counting server {reached} time(s); {shown}").into(),
        );
    }
    Ok(())
}

/// `mjconform mock --list-faults | head -1` and the like: a reader that hangs up ends the
/// output quietly (SIGPIPE, as for any Unix tool), never with a panic. The pipe is closed
/// before anything is read, so every write meets it closed.
#[cfg(unix)]
fn a_closed_pipe_ends_the_output_without_a_panic() -> Result<(), Failed> {
    use std::os::unix::process::ExitStatusExt as _;
    for args in [
        &["mock", "--list-faults"][..],
        &["identify", "--help"],
        &["check", "--help"],
        &["help", "check"],
        &["dialects"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mjconform"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        drop(child.stdout.take());
        let output = child.wait_with_output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let quiet = output.status.code() == Some(0) || output.status.signal() == Some(13);
        if !quiet || stderr.contains("panicked") || stderr.contains("Broken pipe") {
            return Err(format!("{args:?}: {:?}\n{stderr}", output.status).into());
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn a_closed_pipe_ends_the_output_without_a_panic() -> Result<(), Failed> {
    Ok(())
}

/// `mjconform identify --help` is identify's help: its usage, the options it reads, and
/// nothing of `check` (its usage line, description or the options identify ignores).
fn identify_help_is_its_own() -> Result<(), Failed> {
    let (code, help, stderr) = run(&["identify", "--help"]);
    let shown = format!("exit {code:?}\n{help}\n{stderr}");
    if code != Some(0) || !help.contains("Usage: mjconform identify") {
        return Err(shown.into());
    }
    for present in [
        "--target-url",
        "--api-key",
        "--task-id",
        "--key-placement",
        "rank the doc",
    ] {
        if !help.contains(present) {
            return Err(format!("`{present}` missing; {shown}").into());
        }
    }
    for absent in [
        "mjconform check [OPTIONS]",
        "Run the conformance suite",
        "--fuzz-cases",
        "--snapshots",
        "--report",
        "--baseline",
        "--watch",
    ] {
        if help.contains(absent) {
            return Err(format!("`{absent}` is check's, not identify's; {shown}").into());
        }
    }
    Ok(())
}

/// A `mjconform mock --port 0` child (stopped on drop): its URL and task ids.
struct MockChild {
    child: std::process::Child,
    url: String,
    ids: Vec<String>,
}

impl MockChild {
    fn start(key: &str, faults: &[&str]) -> Result<MockChild, Failed> {
        use std::io::BufRead as _;
        let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
        command.args(["mock", "--port", "0", "--api-key", key]);
        for fault in faults {
            command.args(["--fault", fault]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (mut url, mut ids) = (String::new(), Vec::new());
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line?;
            if let Some((_, rest)) = line.split_once("listening on ") {
                url = rest.trim().to_owned();
            } else if let Some((id, _)) = line.strip_prefix("  ").and_then(|l| l.split_once("  ")) {
                ids.push(id.trim().to_owned());
            } else if line.starts_with("check it: ") {
                break;
            }
        }
        if url.is_empty() || ids.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the mock printed no URL or ids".into());
        }
        Ok(MockChild { child, url, ids })
    }
}

impl Drop for MockChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A finished run of the Action's script and the directory it ran in.
struct ScriptRun {
    output: std::process::Output,
    dir: PathBuf,
}

impl ScriptRun {
    fn shown(&self) -> String {
        format!(
            "exit {:?}\nstdout:\n{}\nstderr:\n{}",
            self.output.status.code(),
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    fn expect_code(&self, code: i32) -> Result<(), Failed> {
        if self.output.status.code() == Some(code) {
            Ok(())
        } else {
            Err(format!("expected exit {code}; {}", self.shown()).into())
        }
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }
}

/// The Action's run step (scripts/action-run.sh, which action.yml calls) against the mock,
/// with a fake `GITHUB_STEP_SUMMARY` and `GITHUB_OUTPUT`: a clean target passes and leaves
/// the reports, the summary and the outputs; a faulty one fails the step under `deny` and
/// only warns under `warn`; an unset key secret is refused before any request.
fn the_action_script_checks_writes_reports_and_outputs() -> Result<(), Failed> {
    let key = "sk-action-test-0042";
    let dir = std::env::temp_dir().join(format!("mjconform-action-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/action-run.sh");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_mjconform"))
        .parent()
        .ok_or("no binary directory")?
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |name: &str,
               mock: &MockChild,
               inputs: &[(&str, &str)]|
     -> Result<ScriptRun, Failed> {
        let at = dir.join(name);
        std::fs::create_dir_all(&at)?;
        let mut command = Command::new("bash");
        command.arg(script).current_dir(&at).stdin(Stdio::null());
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("MJ_") || name.starts_with("INPUT_") || name.starts_with("GITHUB_")
            {
                command.env_remove(name.as_ref());
            }
        }
        command
            .env("PATH", &path)
            .env("CI", "true")
            .env("GITHUB_STEP_SUMMARY", at.join("step-summary.md"))
            .env("GITHUB_OUTPUT", at.join("github-output"))
            .env("INPUT_TARGET_URL", &mock.url)
            .env("INPUT_TASK_IDS", mock.ids.join(","))
            .env("INPUT_FUZZ_CASES", "0")
            .env("INPUT_ARGS", "--snapshots off --concurrency 2");
        for (name, value) in inputs {
            command.env(name, value);
        }
        Ok(ScriptRun {
            output: command.output()?,
            dir: at,
        })
    };
    let clean = MockChild::start(key, &[])?;
    let passed = run("clean", &clean, &[("INPUT_API_KEY", key)])?;
    passed.expect_code(0)?;
    let outputs = passed.file("github-output");
    if !outputs.contains("exit-code=0\n") || !outputs.contains("report-dir=mjconform-reports\n") {
        return Err(format!("outputs: {outputs:?}; {}", passed.shown()).into());
    }
    for file in ["junit.xml", "report.json", "summary.md", "report.html"] {
        if passed.file(&format!("mjconform-reports/{file}")).is_empty() {
            return Err(format!("{file} missing; {}", passed.shown()).into());
        }
    }
    let summary = passed.file("step-summary.md");
    if summary.trim().is_empty() || summary.contains(key) {
        return Err(format!("step summary: {summary:?}").into());
    }
    drop(clean);

    let faulty = MockChild::start(key, &["time-in-seconds"])?;
    let denied = run("deny", &faulty, &[("INPUT_API_KEY", key)])?;
    denied.expect_code(1)?;
    if !denied.file("github-output").contains("exit-code=1\n") {
        return Err(format!("no exit-code=1 output; {}", denied.shown()).into());
    }
    let warned = run(
        "warn",
        &faulty,
        &[("INPUT_API_KEY", key), ("INPUT_WARN", "all")],
    )?;
    warned.expect_code(0)?;
    if !String::from_utf8_lossy(&warned.output.stdout).contains("::warning title=mjconform::") {
        return Err(format!("no warning annotation; {}", warned.shown()).into());
    }
    // A check name is a level of the check itself: the fault's check at `warn` is a
    // warning in the reports and a green step, with no annotation of a failed run.
    let check_warned = run(
        "warn-check",
        &faulty,
        &[("INPUT_API_KEY", key), ("INPUT_WARN", "time_plausibility")],
    )?;
    check_warned.expect_code(0)?;
    if !check_warned.file("github-output").contains("exit-code=0\n") {
        return Err(format!("no exit-code=0 output; {}", check_warned.shown()).into());
    }
    let bad_level = run(
        "bad-level",
        &faulty,
        &[("INPUT_API_KEY", key), ("INPUT_WARN", "time")],
    )?;
    bad_level.expect_code(2)?;
    // An unset secret arrives empty: refused in one line, before any request.
    let unset = run("unset-key", &faulty, &[("INPUT_API_KEY", "")])?;
    unset.expect_code(2)?;
    if !unset.shown().contains("set MJ_API_KEY") {
        return Err(unset.shown().into());
    }
    drop(faulty);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
