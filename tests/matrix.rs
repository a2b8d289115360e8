//! `mjconform matrix` end to end: the built binary against several local servers of different
//! behaviour at once, started by this test (the reference provider, a plus-dialect mock, a
//! mock with a fault, a stalled socket that never answers, a server that refuses every key)
//! and an embedded mock the matrix starts itself.
//!
//! Each test reads what a user would: the exit code, the last lines on stderr, `matrix.json`
//! against the committed schema, `matrix.html` with an HTML parser (every failing cell links
//! to an element that exists in that target's own report), `matrix.md`, and every file under
//! the output directory searched for the distinctive keys. No wall-clock assertion: the
//! measurement of six targets at once against one after another is an ignored trial that
//! prints its numbers (`cargo test --test matrix -- --ignored`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::sync::LazyLock;
use std::time::Instant;

use libtest_mimic::{Failed, Trial};
use mjconform::contract::dialect::Dialect;
use mjconform::provider::{self, Fault, ProviderConfig, RunningProvider};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BIN: &str = env!("CARGO_BIN_EXE_mjconform");
const SCHEMA: &str = include_str!("../schemas/matrix.schema.json");

/// Distinctive keys, one per target: finding one in any file written is a leak.
const KEYS: [(&str, &str); 6] = [
    (
        "MATRIX_TEST_KEY_REFERENCE",
        "sk-mx-reference-5d1c9e27b4a8f063",
    ),
    ("MATRIX_TEST_KEY_PLUS", "sk-mx-plus-8a2f6b0d3e91c745"),
    ("MATRIX_TEST_KEY_FAULT", "sk-mx-fault-c3e7a19f05b2d648"),
    ("MATRIX_TEST_KEY_JAVA", "sk-mx-java-1f84d6c2a07e3b59"),
    ("MATRIX_TEST_KEY_STALLED", "sk-mx-stalled-9b05e3f7c1a2d486"),
    ("MATRIX_TEST_KEY_REFUSED", "sk-mx-refused-46e2b8d0f3a9c175"),
];

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the committed schema is JSON");
    jsonschema::validator_for(&schema).expect("the committed schema compiles")
});

fn main() -> ExitCode {
    let arguments = mjconform::commands::self_tests::test_arguments();
    let trials = vec![
        trial("six_targets_at_once_fill_every_cell", six_targets_at_once),
        trial(
            "only_known_deviations_and_passes_exit_0",
            only_known_deviations_exit_0,
        ),
        trial("bad_files_are_one_line_and_exit_2", bad_files_exit_2),
        trial(
            "from_reports_builds_the_matrix_of_separate_jobs",
            from_reports_of_separate_jobs,
        ),
        trial(
            "identify_names_the_family_of_a_url_target",
            identify_names_the_family,
        ),
        trial(
            "identify_finds_the_placement_the_check_uses",
            identify_finds_the_placement_the_check_uses,
        ),
        #[cfg(unix)]
        trial(
            "ctrl_c_writes_the_matrix_and_exits_130",
            ctrl_c_writes_the_matrix,
        ),
        trial(
            "measure_six_targets_at_once_and_one_after_another",
            measure_at_once_and_in_turn,
        )
        .with_ignored_flag(true),
    ];
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}

fn trial(name: &str, body: fn() -> Result<(), Failed>) -> Trial {
    Trial::test(name, body)
}

/// The local servers of one test, alive while it is.
struct Servers {
    // Declared last of the live parts so the providers stop before their runtime; the raw
    // servers' tasks end with it.
    _providers: Vec<RunningProvider>,
    _runtime: tokio::runtime::Runtime,
    reference: String,
    plus: String,
    fault: String,
    stalled: String,
    refusing: String,
}

impl Servers {
    fn start() -> Servers {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        let local = SocketAddr::from(([127, 0, 0, 1], 0));
        let provider = |key: &str, dialect: Option<&'static Dialect>, faults: Vec<Fault>| {
            let mut config = ProviderConfig::with_random_key();
            config.api_key = key.to_owned();
            config.dialect = dialect;
            config.faults = faults;
            runtime
                .block_on(provider::start(config, local))
                .expect("a provider starts")
        };
        let reference = provider(KEYS[0].1, None, Vec::new());
        let plus = provider(KEYS[1].1, Dialect::find("plus"), Vec::new());
        let fault = provider(KEYS[2].1, None, vec![Fault::TimeAsString]);
        let stalled = runtime.block_on(stalled_server());
        let refusing = runtime.block_on(refusing_server());
        Servers {
            reference: reference.base_url.to_string(),
            plus: plus.base_url.to_string(),
            fault: fault.base_url.to_string(),
            stalled,
            refusing,
            _providers: vec![reference, plus, fault],
            _runtime: runtime,
        }
    }
}

/// Accepts connections and never answers: every request waits out its timeout.
async fn stalled_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

/// Answers every GET with 401: the key is refused wherever it is sent. It keeps HTTP's own
/// rules (no body for HEAD, 405 for a method it does not serve), so the only thing wrong is
/// the refused key.
async fn refusing_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                });
                let _ = read.await;
                let method = String::from_utf8_lossy(&request)
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let body = r#"{"error":"invalid key"}"#;
                let answer = match method.as_str() {
                    "GET" | "HEAD" | "OPTIONS" => format!(
                        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nWWW-Authenticate: Bearer\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                        body.len(),
                        if method == "HEAD" { "" } else { body }
                    ),
                    _ => "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                };
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

/// A scratch directory of its own for each test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("matrix")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The six targets: four families and faults, a stalled one, one that refuses the key.
fn six_targets(servers: &Servers, stalled_deadline: &str) -> String {
    format!(
        r#"
deadline = "120s"
[[target]]
name = "reference"
url = "{reference}"
key_env = "{k0}"
task_ids = ["1747132423020537"]
fuzz_cases = 4

[[target]]
name = "plus"
url = "{plus}"
key_env = "{k1}"
dialect = "plus"
task_ids = ["1747132423020537"]
fuzz_cases = 4

[[target]]
name = "times-as-strings"
url = "{fault}"
key_env = "{k2}"
task_ids = ["1747132423020537"]
fuzz_cases = 4
concurrency = 2
rate = 200

[[target]]
name = "java-embedded"
mock = {{ dialect = "java-original" }}
key_env = "{k3}"
fuzz_cases = 4

[[target]]
name = "stalled"
url = "{stalled}"
key_env = "{k4}"
task_ids = ["1"]
timeout = "30s"
deadline = "{stalled_deadline}"

[[target]]
name = "refusing"
url = "{refusing}"
key_env = "{k5}"
task_ids = ["1"]
fuzz_cases = 4
"#,
        reference = servers.reference,
        plus = servers.plus,
        fault = servers.fault,
        stalled = servers.stalled,
        refusing = servers.refusing,
        k0 = KEYS[0].0,
        k1 = KEYS[1].0,
        k2 = KEYS[2].0,
        k3 = KEYS[3].0,
        k4 = KEYS[4].0,
        k5 = KEYS[5].0,
    )
}

/// Runs `mjconform matrix FILE ARGS` in `dir` with the test keys in its environment.
fn matrix(dir: &Path, file: &str, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.arg("matrix").arg(file).args(args).current_dir(dir);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MJ_") {
            command.env_remove(name);
        }
    }
    command.env_remove("GITHUB_STEP_SUMMARY");
    for (name, key) in KEYS {
        command.env(name, key);
    }
    command.output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn read_json(path: &Path) -> Result<Value, Failed> {
    let text = std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
    serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()).into())
}

fn targets_by_name(matrix: &Value) -> BTreeMap<String, Value> {
    matrix["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|target| {
            (
                target["name"].as_str().unwrap_or("").to_owned(),
                target.clone(),
            )
        })
        .collect()
}

fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

fn six_targets_at_once() -> Result<(), Failed> {
    let servers = Servers::start();
    let dir = scratch("six");
    std::fs::write(dir.join("targets.toml"), six_targets(&servers, "3s"))?;
    let output = matrix(
        &dir,
        "targets.toml",
        &["--concurrency", "6", "--report-dir", "out"],
    );
    let err = stderr(&output);
    ensure(output.status.code() == Some(1), || {
        format!(
            "a failing and a stalled target exit 1, got {:?}:\n{err}",
            output.status.code()
        )
    })?;
    // One progress line per target as it finishes, and a summary line per target.
    for done in 1..=6 {
        ensure(err.contains(&format!("[{done}/6] ")), || {
            format!("no progress line {done}/6:\n{err}")
        })?;
    }
    let summary = err
        .split("mjconform matrix: summary")
        .nth(1)
        .ok_or_else(|| format!("no summary:\n{err}"))?;
    for name in [
        "reference",
        "plus",
        "times-as-strings",
        "java-embedded",
        "stalled",
        "refusing",
    ] {
        ensure(
            summary
                .lines()
                .any(|line| line.trim_start().starts_with(name)),
            || format!("no summary line for {name}:\n{err}"),
        )?;
    }

    let out = dir.join("out");
    let document = read_json(&out.join("matrix.json"))?;
    let errors: Vec<String> = VALIDATOR
        .iter_errors(&document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    ensure(errors.is_empty(), || {
        format!("matrix.json breaks its schema: {errors:?}")
    })?;
    let targets = targets_by_name(&document);
    let verdict = |name: &str| targets[name]["verdict"].as_str().unwrap_or("").to_owned();
    for (name, expected) in [
        ("reference", "pass"),
        ("plus", "known"),
        ("times-as-strings", "fail"),
        ("java-embedded", "fail"),
        ("stalled", "could_not_run"),
        ("refusing", "could_not_run"),
    ] {
        ensure(verdict(name) == expected, || {
            format!(
                "{name}: verdict {} where {expected} is expected:\n{err}",
                verdict(name)
            )
        })?;
    }
    let checks: Vec<&str> = document["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    ensure(
        checks.contains(&"response_schema_conformance") && checks.len() > 20,
        || format!("the rows are every check: {checks:?}"),
    )?;
    let cell = |target: &str, check: &str| targets[target]["cells"][check].clone();

    // The reference passes every cell it has; the fault fails the schema cell and only the
    // cells its catalogue row names.
    for (check, value) in targets["reference"]["cells"]
        .as_object()
        .into_iter()
        .flatten()
    {
        ensure(
            matches!(value["status"].as_str(), Some("pass" | "ignored")),
            || format!("reference: {check} is {}", value["status"]),
        )?;
    }
    let schema_cell = cell("times-as-strings", "response_schema_conformance");
    ensure(
        schema_cell["status"] == "fail" && schema_cell["failed"].as_u64() > Some(0),
        || format!("the fault's schema cell: {schema_cell}"),
    )?;
    let caught: Vec<String> = Fault::TimeAsString
        .caught_by()
        .iter()
        .map(|check| check.trim_end_matches("::").to_owned())
        .collect();
    for (check, value) in targets["times-as-strings"]["cells"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let failing = value["status"] == "fail";
        // A fuzz property is judged by the suite's check of its name.
        let expected = caught
            .iter()
            .any(|caught| check == caught || check.ends_with(&format!("::{caught}")));
        ensure(!failing || expected, || {
            format!(
                "times-as-strings: {check} is {} (caught by {caught:?})",
                value["status"]
            )
        })?;
    }
    // The plus mock under its own dialect: the family's known deviation, nothing failing.
    ensure(
        cell("plus", "www_authenticate_on_401")["status"] == "known",
        || format!("plus: {}", cell("plus", "www_authenticate_on_401")),
    )?;
    ensure(targets["plus"]["dialect"]["source"] == "given", || {
        format!("plus dialect: {}", targets["plus"]["dialect"])
    })?;
    ensure(
        targets["java-embedded"]["dialect"]["name"] == "java-original"
            && targets["java-embedded"]["dialect"]["source"] == "mock"
            && targets["java-embedded"]["mock"]["dialect"] == "java-original",
        || format!("java-embedded: {}", targets["java-embedded"]["dialect"]),
    )?;
    // The stalled target was stopped at its deadline: every cell reads so.
    let stalled = &targets["stalled"];
    ensure(stalled["deadline_hit"] == true, || {
        format!("stalled: {stalled}")
    })?;
    for (check, value) in stalled["cells"].as_object().into_iter().flatten() {
        ensure(
            value["status"] == "could_not_run" && value["reason"] == "deadline",
            || format!("stalled: {check} is {value}"),
        )?;
    }
    // Whether the interrupted child left its partial reports is recorded either way.
    let stalled_json = out.join("stalled").join("report.json");
    ensure(
        stalled["files"]["json"].is_null() != stalled_json.is_file(),
        || {
            format!(
                "stalled: files {} but report.json exists: {}",
                stalled["files"],
                stalled_json.is_file()
            )
        },
    )?;
    // The refused key: checks that needed an authenticated answer could not run.
    let refused_cells = targets["refusing"]["cells"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    ensure(
        refused_cells
            .values()
            .any(|value| value["status"] == "could_not_run"),
        || format!("refusing: {refused_cells:?}"),
    )?;

    // Every target but the stalled one wrote its own three reports beside the matrix.
    for name in [
        "reference",
        "plus",
        "times-as-strings",
        "java-embedded",
        "refusing",
    ] {
        for file in ["report.json", "junit.xml", "report.html"] {
            ensure(out.join(name).join(file).is_file(), || {
                format!("{name}/{file} missing")
            })?;
        }
    }

    // Every linked cell points at an element its target's report really has.
    let mut links = 0;
    for target in targets.values() {
        for (check, value) in target["cells"].as_object().into_iter().flatten() {
            let Some(link) = value["link"].as_str() else {
                ensure(value["status"] != "fail", || {
                    format!("{check}: a failing cell without a link")
                })?;
                continue;
            };
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let html =
                std::fs::read_to_string(out.join(file)).map_err(|err| format!("{link}: {err}"))?;
            if !anchor.is_empty() {
                let page = scraper::Html::parse_document(&html);
                let selector = scraper::Selector::parse(&format!("[id=\"{anchor}\"]"))
                    .map_err(|err| format!("{anchor}: {err:?}"))?;
                ensure(page.select(&selector).next().is_some(), || {
                    format!("{link}: no element with that id")
                })?;
                links += 1;
            }
        }
    }
    ensure(links >= 3, || format!("only {links} cells link to a trial"))?;

    // The HTML card: a failing cell for each failing cell of the JSON, each linking into its
    // target's report.
    let page = std::fs::read_to_string(out.join("matrix.html"))?;
    let page = scraper::Html::parse_document(&page);
    let failing = scraper::Selector::parse("a.cell.fail").expect("a selector");
    let hrefs: Vec<String> = page
        .select(&failing)
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    let json_failing = targets
        .values()
        .flat_map(|t| {
            t["cells"]
                .as_object()
                .cloned()
                .unwrap_or_default()
                .into_values()
        })
        .filter(|value| value["status"] == "fail")
        .count();
    ensure(hrefs.len() == json_failing && json_failing > 0, || {
        format!(
            "{} failing cells in the HTML, {json_failing} in the JSON",
            hrefs.len()
        )
    })?;
    for href in &hrefs {
        ensure(href.contains("/report.html#t-"), || {
            format!("failing cell links to {href}")
        })?;
    }
    let markdown = std::fs::read_to_string(out.join("matrix.md"))?;
    ensure(markdown.contains("could not run: deadline"), || {
        markdown.clone()
    })?;
    ensure(
        markdown.contains("times-as-strings/report.html#t-response_schema_conformance--"),
        || markdown.clone(),
    )?;

    no_key_in(&out, 15)?;
    ensure(!KEYS.iter().any(|(_, key)| err.contains(key)), || {
        format!("a key on stderr:\n{err}")
    })?;
    drop(servers);
    Ok(())
}

/// Every file under `dir` (at least `least` of them) is free of every test key.
fn no_key_in(dir: &Path, least: usize) -> Result<(), Failed> {
    let mut files = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
            continue;
        }
        files += 1;
        let bytes = std::fs::read(&path)?;
        let text = String::from_utf8_lossy(&bytes);
        for (name, key) in KEYS {
            ensure(!text.contains(key), || {
                format!("{} holds the key of {name}", path.display())
            })?;
        }
    }
    ensure(files >= least, || {
        format!("only {files} files were searched")
    })
}

fn only_known_deviations_exit_0() -> Result<(), Failed> {
    let dir = scratch("known");
    std::fs::create_dir_all(dir.join("baselines"))?;
    std::fs::write(
        dir.join("baselines").join("integer-buttons.toml"),
        r#"version = 1

[[deviation]]
check = "response_schema_conformance"
pointer = "/buttons/*/type"
rule = "type"
reason = "every real family sends integer button types"

[[deviation]]
check = "response_schema_conformance"
pointer = "/buttons/*/style"
rule = "type"
reason = "every real family sends integer button styles"
"#,
    )?;
    std::fs::write(
        dir.join("targets.toml"),
        r#"
concurrency = 3
[[target]]
name = "reference"
mock = {}
fuzz_cases = 0

[[target]]
name = "new-api"
mock = { dialect = "new-api" }
dialect = "new-api"
fuzz_cases = 0

[[target]]
name = "integer-buttons"
mock = { faults = ["button-integer-type-style"] }
baseline = "baselines/integer-buttons.toml"
fuzz_cases = 0
"#,
    )?;
    let output = matrix(&dir, "targets.toml", &["--report-dir", "out"]);
    let err = stderr(&output);
    ensure(output.status.code() == Some(0), || {
        format!(
            "only passes and known deviations exit 0, got {:?}:\n{err}",
            output.status.code()
        )
    })?;
    let document = read_json(&dir.join("out").join("matrix.json"))?;
    let targets = targets_by_name(&document);
    ensure(targets["reference"]["verdict"] == "pass", || {
        format!("{}", targets["reference"])
    })?;
    ensure(targets["new-api"]["verdict"] == "known", || {
        format!("{}", targets["new-api"]["verdict"])
    })?;
    ensure(targets["integer-buttons"]["verdict"] == "known", || {
        format!(
            "integer-buttons: {}\n{err}",
            targets["integer-buttons"]["verdict"]
        )
    })?;
    let cell = &targets["integer-buttons"]["cells"]["response_schema_conformance"];
    ensure(
        cell["status"] == "known" && cell["link"].as_str().is_some_and(|l| l.contains("#t-")),
        || format!("the known cell links to the known deviation: {cell}"),
    )?;
    ensure(
        document["exit_code"] == 0 && document["verdict"] == "pass",
        || document.to_string(),
    )?;
    Ok(())
}

fn bad_files_exit_2() -> Result<(), Failed> {
    let dir = scratch("bad");
    let cases: [(&str, &str, &[&str]); 8] = [
        (
            "key-in-file.toml",
            "[[target]]\nname = \"relay\"\nurl = \"http://127.0.0.1:9/\"\napi_key = \"sk-written-in-the-file-0042\"\n",
            &["key-in-file.toml", "target `relay`", "`api_key`", "key_env"],
        ),
        (
            "key-in-url.toml",
            "[[target]]\nname = \"relay\"\nurl = \"http://127.0.0.1:9/?api_key=sk-written-in-the-file-0042\"\n",
            &["key-in-url.toml", "target `relay`", "`url`", "query string", "key_env"],
        ),
        (
            "unknown-key.toml",
            "[[target]]\nname = \"relay\"\nurl = \"http://127.0.0.1:9/\"\nconcurency = 2\n",
            &["unknown-key.toml", "target `relay`", "unknown field `concurency`"],
        ),
        (
            "missing-variable.toml",
            "[[target]]\nname = \"relay\"\nurl = \"http://127.0.0.1:9/\"\nkey_env = \"MATRIX_TEST_NOT_SET\"\n",
            &["missing-variable.toml", "target `relay`", "`MATRIX_TEST_NOT_SET`", "not set"],
        ),
        (
            "malformed.toml",
            "[[target]\nname = \"relay\"\n",
            &["malformed.toml", "line 1"],
        ),
        (
            "missing-baseline.toml",
            "[[target]]\nname = \"relay\"\nmock = {}\nbaseline = \"nowhere.toml\"\n",
            &["missing-baseline.toml", "target `relay`", "`baseline`", "nowhere.toml"],
        ),
        (
            "unknown-fault.toml",
            "[[target]]\nname = \"relay\"\nmock = { faults = [\"no-such-fault\"] }\n",
            &["unknown-fault.toml", "`mock.faults`", "no-such-fault"],
        ),
        ("absent.toml", "", &["absent.toml"]),
    ];
    for (file, text, expected) in cases {
        if !text.is_empty() {
            std::fs::write(dir.join(file), text)?;
        }
        let output = matrix(&dir, file, &["--report-dir", "out"]);
        let err = stderr(&output);
        ensure(output.status.code() == Some(2), || {
            format!(
                "{file}: exit {:?}, expected 2:\n{err}",
                output.status.code()
            )
        })?;
        ensure(err.trim_end().lines().count() == 1, || {
            format!("{file}: not one line:\n{err}")
        })?;
        for fragment in expected {
            ensure(err.contains(fragment), || {
                format!("{file}: `{fragment}` not in: {err}")
            })?;
        }
        ensure(!err.contains("sk-written-in-the-file-0042"), || {
            format!("{file}: the key echoed: {err}")
        })?;
        ensure(!dir.join("out").exists(), || {
            format!("{file}: bad input wrote reports")
        })?;
    }
    Ok(())
}

fn identify_names_the_family() -> Result<(), Failed> {
    let servers = Servers::start();
    let dir = scratch("identify");
    std::fs::write(
        dir.join("targets.toml"),
        format!(
            "[[target]]\nname = \"unknown-family\"\nurl = \"{}\"\nkey_env = \"{}\"\nkey_placement = \"raw\"\ntask_ids = [\"1747132423020537\"]\nfuzz_cases = 0\n",
            servers.plus, KEYS[1].0
        ),
    )?;
    let output = matrix(&dir, "targets.toml", &["--identify", "--report-dir", "out"]);
    let err = stderr(&output);
    let document = read_json(&dir.join("out").join("matrix.json"))?;
    let dialect = &document["targets"][0]["dialect"];
    ensure(
        dialect["name"] == "plus" && dialect["source"] == "identified",
        || format!("identify named {dialect}:\n{err}"),
    )?;
    // Identify names the family; the check still judges against the doc.
    ensure(document["targets"][0]["checked_against"] == "doc", || {
        document.to_string()
    })?;
    ensure(
        dir.join("out/unknown-family/identify.log").is_file(),
        || err.clone(),
    )?;
    no_key_in(&dir.join("out"), 5)
}

/// A target that names no placement, on a server that does not read the doc's bearer:
/// identify finds where the server reads the key, and the check puts it there.
fn identify_finds_the_placement_the_check_uses() -> Result<(), Failed> {
    let servers = Servers::start();
    let dir = scratch("identify-placement");
    std::fs::write(
        dir.join("targets.toml"),
        format!(
            "[[target]]\nname = \"no-placement\"\nurl = \"{}\"\nkey_env = \"{}\"\ntask_ids = [\"1747132423020537\"]\nfuzz_cases = 0\n",
            servers.plus, KEYS[1].0
        ),
    )?;
    let output = matrix(&dir, "targets.toml", &["--identify", "--report-dir", "out"]);
    let err = stderr(&output);
    let report = read_json(&dir.join("out").join("no-placement").join("report.json"))?;
    let placement = &report["facts"]["key_placement"];
    ensure(placement != "bearer", || {
        format!("the check kept the refused bearer placement ({placement}):\n{err}")
    })?;
    let log = std::fs::read_to_string(dir.join("out/no-placement/identify.log"))?;
    ensure(
        log.contains(&format!(
            "the server reads the key as `{}`",
            placement.as_str().unwrap_or_default()
        )),
        || format!("the check's placement {placement} is not identify's:\n{log}"),
    )?;
    ensure(report["totals"]["errored"] == 0, || {
        format!(
            "checks could not run with identify's placement: {}",
            report["totals"]
        )
    })?;
    no_key_in(&dir.join("out"), 5)
}

/// Ctrl-C while a stalled target runs: the running child is interrupted, the waiting target
/// never starts, and the matrix is still written, marked interrupted.
#[cfg(unix)]
fn ctrl_c_writes_the_matrix() -> Result<(), Failed> {
    let servers = Servers::start();
    let dir = scratch("interrupt");
    std::fs::write(
        dir.join("targets.toml"),
        format!(
            "concurrency = 1\n[[target]]\nname = \"stalled\"\nurl = \"{}\"\ntask_ids = [\"1\"]\ntimeout = \"60s\"\n[[target]]\nname = \"waiting\"\nmock = {{}}\n",
            servers.stalled
        ),
    )?;
    let mut command = Command::new(BIN);
    command
        .args(["matrix", "targets.toml", "--report-dir", "out"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn()?;
    // The target's directory is made once the matrix watches for Ctrl-C, just before the
    // stalled child starts (a child interrupted before it set its own handler ends all the
    // same: the matrix records it as interrupted either way).
    let started = Instant::now();
    while !dir.join("out/stalled").exists()
        && started.elapsed() < std::time::Duration::from_secs(30)
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = libc::pid_t::try_from(child.id()).map_err(|err| err.to_string())?;
    // SAFETY: kill(2) on the child this test spawned and has not waited for.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    let output = child.wait_with_output()?;
    let err = stderr(&output);
    ensure(output.status.code() == Some(130), || {
        format!("exit {:?}:\n{err}", output.status.code())
    })?;
    let document = read_json(&dir.join("out").join("matrix.json"))?;
    let targets = targets_by_name(&document);
    ensure(
        document["interrupted"].is_string() && document["exit_code"] == 130,
        || document.to_string(),
    )?;
    ensure(
        targets["waiting"]["reason"] == "interrupted before it started",
        || format!("{}", targets["waiting"]),
    )?;
    ensure(targets["stalled"]["verdict"] == "could_not_run", || {
        format!("{}", targets["stalled"])
    })?;
    ensure(VALIDATOR.is_valid(&document), || {
        "matrix.json breaks its schema".to_owned()
    })
}

fn measure_at_once_and_in_turn() -> Result<(), Failed> {
    let servers = Servers::start();
    let dir = scratch("measure");
    std::fs::write(dir.join("targets.toml"), six_targets(&servers, "10s"))?;
    let mut times = Vec::new();
    for concurrency in ["6", "1"] {
        let started = Instant::now();
        let output = matrix(
            &dir,
            "targets.toml",
            &["--concurrency", concurrency, "--report-dir", "out"],
        );
        let elapsed = started.elapsed();
        ensure(output.status.code() == Some(1), || stderr(&output))?;
        eprintln!(
            "six targets, --concurrency {concurrency}: {:.2} s wall\n{}",
            elapsed.as_secs_f64(),
            stderr(&output)
                .lines()
                .filter(|line| line.starts_with("  "))
                .collect::<Vec<_>>()
                .join("\n")
        );
        times.push(elapsed);
    }
    eprintln!(
        "at once: {:.2} s; one after another: {:.2} s",
        times[0].as_secs_f64(),
        times[1].as_secs_f64()
    );
    Ok(())
}

/// One CI job: `mjconform check` for one target, its reports in `jobs/<name>/`.
fn check_job(dir: &Path, name: &str, url: &str, key: &str) -> Result<Output, Failed> {
    let mut command = Command::new(BIN);
    for (variable, _) in std::env::vars_os() {
        if variable.to_string_lossy().starts_with("MJ_") {
            command.env_remove(variable);
        }
    }
    command.env_remove("GITHUB_STEP_SUMMARY");
    let report_dir = format!("jobs/{name}");
    let output = command
        .current_dir(dir)
        .env("MJ_API_KEY", key)
        .args(["check", "--target-url", url, "--target-name", name])
        .args(["--task-id", "1747132423020537", "--fuzz-cases", "0"])
        .args(["--snapshots", "off", "--report", "json,html"])
        .args(["--report-dir", &report_dir])
        .output()?;
    Ok(output)
}

fn from_reports_of_separate_jobs() -> Result<(), Failed> {
    let servers = Servers::start();
    let dir = scratch("from-reports");
    let passing = check_job(&dir, "reference", &servers.reference, KEYS[0].1)?;
    ensure(passing.status.code() == Some(0), || stderr(&passing))?;
    let failing = check_job(&dir, "broken", &servers.fault, KEYS[2].1)?;
    ensure(failing.status.code() == Some(1), || stderr(&failing))?;

    let output = matrix(&dir, "--from-reports", &["jobs", "--report-dir", "out"]);
    ensure(output.status.code() == Some(1), || {
        format!("exit {:?}:\n{}", output.status.code(), stderr(&output))
    })?;
    let document = read_json(&dir.join("out").join("matrix.json"))?;
    ensure(VALIDATOR.is_valid(&document), || {
        "matrix.json breaks its schema".to_owned()
    })?;
    let targets = targets_by_name(&document);
    ensure(targets.len() == 2, || {
        format!("targets: {:?}", targets.keys())
    })?;
    ensure(targets["reference"]["verdict"] == "pass", || {
        targets["reference"].to_string()
    })?;
    ensure(targets["broken"]["verdict"] == "fail", || {
        targets["broken"].to_string()
    })?;
    // The failing cell links into the job's own report, at the failure, and says what broke.
    let failing_cells: Vec<&Value> = targets["broken"]["cells"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, cell)| cell)
        .filter(|cell| cell["status"] == "fail")
        .collect();
    ensure(!failing_cells.is_empty(), || targets["broken"].to_string())?;
    for cell in failing_cells {
        let link = cell["link"]
            .as_str()
            .ok_or("a failing cell without a link")?;
        let (file, anchor) = link.split_once('#').ok_or("a link without an anchor")?;
        let page = std::fs::read_to_string(dir.join("out").join(file))
            .map_err(|err| format!("{link}: {err}"))?;
        ensure(page.contains(&format!("id=\"{anchor}\"")), || {
            format!("{link}: no such anchor")
        })?;
        ensure(cell["summary"].is_string(), || cell.to_string())?;
    }
    let markdown = std::fs::read_to_string(dir.join("out").join("matrix.md"))?;
    ensure(markdown.contains("<sub>"), || {
        "a failing cell shows no finding".to_owned()
    })?;

    // A file that is not a report: one line, exit 2, before any matrix is written.
    std::fs::create_dir_all(dir.join("bad/job"))?;
    std::fs::write(dir.join("bad/job/report.json"), r#"{"schema_version": 1}"#)?;
    let output = matrix(
        &dir,
        "--from-reports",
        &["jobs", "bad", "--report-dir", "out-bad"],
    );
    let err = stderr(&output);
    ensure(output.status.code() == Some(2), || err.clone())?;
    ensure(
        err.lines().count() == 1
            && err.contains("not an mjconform report")
            && err.contains("report.json"),
        || err.clone(),
    )?;
    ensure(!dir.join("out-bad/matrix.json").exists(), || {
        "a matrix was written from a bad report".to_owned()
    })?;
    // A directory with no report in it.
    std::fs::create_dir_all(dir.join("empty"))?;
    let output = matrix(&dir, "--from-reports", &["empty"]);
    let err = stderr(&output);
    ensure(
        output.status.code() == Some(2) && err.lines().count() == 1,
        || err.clone(),
    )
}
