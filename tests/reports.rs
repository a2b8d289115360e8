//! The report writers against sample runs built from the outcome model: a run with every
//! outcome (a contract failure with a hostile body, a run error, a known deviation, an ignored
//! trial, a snapshot diff, a fuzz failure), a stalled run, an interrupted run with nothing
//! recorded, and 500 failing fuzz trials.
//!
//! Each report is read back the way its consumer reads it: the JUnit with an XML parser, the
//! JSON against the committed schema with `jsonschema`, the HTML with an HTML parser. Every
//! file written is searched for the sample key, which the sample's requests, answers and
//! findings all hold before redaction.
//!
//! The full sample is also left in `target/tmp/reports/sample/` for `tests/html_screenshot.sh`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::LazyLock;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use mjconform::checks::Finding;
use mjconform::http::client::ClientLimits;
use mjconform::http::exchange::{Exchange, SentRequest};
use mjconform::message::redact::Redactor;
use mjconform::reports::{self, Format, Report};
use mjconform::run::outcome::{
    count, ExchangeRecord, Family, FindingRecord, RunFacts, RunTotals, TrialRecord, TrialStatus,
    REPORT_SCHEMA_VERSION,
};
use serde_json::Value;

/// A key distinctive enough that finding it (or a long piece of it) in a report is a leak.
const KEY: &str = "sk-mjc-report-4e1b7d2a9c6f30584a1e";

/// The hostile value the sample server puts where the contract wants a progress string.
const HOSTILE: &str = "<script>alert(1)</script>";

const SCHEMA: &str = include_str!("../schemas/report.schema.json");

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the committed schema is JSON");
    jsonschema::validator_for(&schema).expect("the committed schema compiles")
});

fn main() -> ExitCode {
    let arguments = mjconform::commands::self_tests::test_arguments();
    let trials = vec![
        trial(
            "writes_every_format_under_its_file_name",
            writes_every_format,
        ),
        trial("junit_counts_failures_errors_and_skips", junit_counts),
        trial("junit_failure_text_holds_findings_and_curl", junit_text),
        trial(
            "junit_survives_control_characters",
            junit_survives_control_characters,
        ),
        trial("json_validates_and_round_trips", json_round_trips),
        trial("schema_documents_every_field", schema_documents_every_field),
        trial(
            "schema_rejects_an_undocumented_field",
            schema_rejects_undocumented,
        ),
        trial("markdown_reads_as_a_summary", markdown_reads_as_a_summary),
        trial(
            "markdown_caps_details_at_many_failures",
            markdown_caps_details,
        ),
        trial("html_structure", html_structure),
        trial("html_escapes_a_hostile_body", html_escapes_hostile_body),
        trial("html_highlights_the_offending_value", html_highlights_value),
        trial("html_stays_compact_with_500_failures", html_500_failures),
        trial("a_stalled_run_writes_all_four", stalled_run),
        trial(
            "an_interrupted_empty_run_writes_all_four",
            interrupted_empty_run,
        ),
        trial("a_passing_run_says_pass", passing_run),
        trial(
            "a_strict_baseline_failure_is_a_failing_testcase_and_a_wrong_line",
            strict_baseline_failure,
        ),
        trial(
            "an_interrupted_run_says_exit_code_130_everywhere",
            interrupted_exit_code,
        ),
        trial(
            "known_deviations_group_per_entry_with_both_numbers",
            known_grouped,
        ),
        trial(
            "what_is_wrong_lists_the_distinct_rules_broken",
            what_is_wrong_distinct_rules,
        ),
        trial(
            "html_lays_out_the_body_and_reads_short_durations_in_ms",
            html_layout_and_durations,
        ),
        trial(
            "warnings_show_in_every_report_and_pass",
            warnings_in_every_report,
        ),
        trial("a_write_error_names_format_and_path", write_error),
    ];
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}

fn trial(name: &str, test: fn() -> Result<(), Failed>) -> Trial {
    Trial::test(name, test)
}

fn check(condition: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

// ---------------------------------------------------------------------------------------
// Sample runs, built the way the harness builds records: through the run's redactor.

fn redactor() -> &'static Redactor {
    static REDACTOR: LazyLock<Redactor> = LazyLock::new(|| Redactor::new([KEY]));
    &REDACTOR
}

fn request(path_id: &str) -> SentRequest {
    SentRequest {
        method: "GET".into(),
        url: format!("http://127.0.0.1:9/mj/task/{path_id}/fetch?token={KEY}"),
        raw_path: format!("/mj/task/{path_id}/fetch"),
        headers: vec![
            ("mj-api-secret".into(), KEY.into()),
            ("authorization".into(), format!("Bearer {KEY}")),
            ("accept".into(), "application/json".into()),
        ],
    }
}

fn exchange_record(path_id: &str, status: u16, body: &str) -> ExchangeRecord {
    let exchange = Exchange {
        request: request(path_id),
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-echo-key".into(), format!("Bearer {KEY}")),
        ],
        body: body.as_bytes().to_vec(),
        body_truncated: false,
        body_cap: ClientLimits::default().max_body_bytes,
        elapsed: Duration::from_millis(12),
        time_limit: None,
        wire: None,
        content_coding: None,
        parsed: Default::default(),
    };
    ExchangeRecord::of(&exchange, &ClientLimits::default(), redactor())
}

fn finding(
    pointer: &str,
    rule: &str,
    expected: &str,
    actual: &str,
    message: &str,
) -> FindingRecord {
    let finding = Finding::at(pointer, message)
        .rule(rule)
        .expected_actual(expected, actual);
    FindingRecord::of(&finding, redactor())
}

fn record(name: &str, family: Family, status: TrialStatus) -> TrialRecord {
    let (check, case) = name.rsplit_once("::").unwrap_or((name, ""));
    let (check, case) = match family {
        // `fuzz::<domain>::<property>`: the check is the property, the case the domain.
        Family::Fuzz => (
            name.to_owned(),
            name.split("::").nth(1).unwrap_or("").to_owned(),
        ),
        _ => (check.to_owned(), case.to_owned()),
    };
    TrialRecord {
        status,
        duration_ms: 3,
        ..TrialRecord::passed(name, family, check, case, "what the check guards")
    }
}

fn hostile_body() -> String {
    format!(
        r#"{{"id":"1","status":"SUCCESS","progress":"{}","submitTime":"{KEY}","imageUrl":"https://x/?k={KEY}"}}"#,
        HOSTILE.replace('/', "\\/")
    )
}

/// A run with every outcome.
fn sample_trials() -> Vec<TrialRecord> {
    let mut schema = record(
        "response_schema_conformance::task_1",
        Family::Check,
        TrialStatus::Failed,
    );
    schema.findings = vec![
        finding(
            "/progress",
            "pattern",
            "a string matching ^\\d{1,3}%$",
            &format!("\"{HOSTILE}\""),
            &format!("\"{HOSTILE}\" does not match ^\\d{{1,3}}%$"),
        ),
        finding(
            "/submitTime",
            "type",
            "integer",
            &format!("\"{KEY}\""),
            &format!("\"{KEY}\" is not of type integer"),
        ),
    ];
    schema.exchange = Some(Box::new(exchange_record("1", 200, &hostile_body())));
    schema.message = Some(redactor().redact(&format!(
        "response_schema_conformance failed for task_1 (key {KEY})"
    )));

    let passed = record(
        "status_code_conformance::task_1",
        Family::Check,
        TrialStatus::Passed,
    );

    let mut errored = record(
        "not_a_server_error::unknown_id",
        Family::Check,
        TrialStatus::Errored,
    );
    errored.reason = Some("get an answer within 10000 ms: no response headers arrived".into());
    errored.exchange = Some(Box::new(ExchangeRecord::of_request(
        &request("unknown"),
        &ClientLimits::default(),
        redactor(),
    )));
    errored.message = Some("could not run: get an answer within 10000 ms".into());

    let mut known = record("time_order::task_1", Family::Check, TrialStatus::Known);
    let mut accepted = finding(
        "/finishTime",
        "time-order",
        "startTime <= finishTime",
        "finishTime before startTime",
        "finishTime is before startTime",
    );
    accepted.accepted_because = Some("provider bug #12, fixed in 2.3".into());
    known.known = vec![accepted];
    known.exchange = Some(Box::new(exchange_record("1", 200, r#"{"id":"1"}"#)));

    let mut ignored = record(
        "ignored_auth::missing_credential",
        Family::Check,
        TrialStatus::Ignored,
    );
    ignored.reason = Some("no key given: nothing to withhold".into());

    let mut snapshot = record("snapshot::task_1", Family::Snapshot, TrialStatus::Failed);
    snapshot.findings = vec![FindingRecord::of(
        &Finding::new("the answer differs from the recorded baseline").rule("snapshot"),
        redactor(),
    )];
    snapshot.diff = Some(
        "@@ -1,3 +1,3 @@\n status: 200\n-progress: \"100%\"\n+progress: \"<b>99%</b>\"\n".into(),
    );
    snapshot.exchange = Some(Box::new(exchange_record(
        "1",
        200,
        r#"{"progress":"<b>99%</b>"}"#,
    )));

    let mut fuzz = record(
        "fuzz::ids::not_a_server_error",
        Family::Fuzz,
        TrialStatus::Failed,
    );
    fuzz.findings = vec![FindingRecord::of(
        &Finding::status(500, "not 5xx", "the server failed on id \"%00\""),
        redactor(),
    )];
    fuzz.exchange = Some(Box::new(exchange_record(
        "%00",
        500,
        "Internal Server Error",
    )));
    fuzz.message = Some("replay: mjconform check --fuzz-replay ids:%00".into());

    let lifecycle = record(
        "lifecycle::advancing",
        Family::Lifecycle,
        TrialStatus::Passed,
    );

    let mut trials = vec![
        schema, passed, errored, known, ignored, snapshot, fuzz, lifecycle,
    ];
    trials.sort_by(|a, b| a.name.cmp(&b.name));
    trials
}

fn facts() -> RunFacts {
    RunFacts {
        mjconform_version: "0.1.0".into(),
        target_url: "http://127.0.0.1:9".into(),
        embedded_provider: false,
        target_label: "local".into(),
        spec: "spec/mj-task-fetch.openapi.yaml".into(),
        spec_digest: "sha256:0123abcd".into(),
        dialect: None,
        key_placement: "header:mj-api-secret".into(),
        credential_given: true,
        seed: 42,
        fuzz_cases: 64,
        task_ids: 1,
        started_at: "2026-05-01T10:00:00Z".into(),
        invocation: "mjconform check".into(),
    }
}

fn totals(trials: &[TrialRecord], interrupted: Option<&str>) -> RunTotals {
    let failed = count(trials, TrialStatus::Failed);
    let errored = count(trials, TrialStatus::Errored);
    let fail = failed + errored > 0 || interrupted.is_some();
    RunTotals {
        requests_sent: trials.len() + 3,
        fuzz_requests: Some("64 of at most 320".into()),
        duration_ms: 1234,
        passed: count(trials, TrialStatus::Passed),
        known: count(trials, TrialStatus::Known),
        warnings: count(trials, TrialStatus::Warned),
        failed,
        errored,
        ignored: count(trials, TrialStatus::Ignored),
        stale_baseline_entries: vec!["status_consistency::task_9 /status status-implies".into()],
        expired_baseline_entries: Vec::new(),
        strict_baseline: false,
        interrupted: interrupted.map(str::to_owned),
        verdict: if fail { "fail" } else { "pass" }.into(),
        exit_code: if fail { 1 } else { 0 },
    }
}

/// 500 failing fuzz trials: 10 properties × 50 domains, each with a body and a finding.
fn many_failures() -> Vec<TrialRecord> {
    let mut trials = Vec::new();
    for property in 0..10 {
        for domain in 0..50 {
            let name = format!("fuzz::d{domain:02}::property_{property}");
            let mut trial = record(&name, Family::Fuzz, TrialStatus::Failed);
            trial.check = format!("fuzz::property_{property}");
            trial.case = format!("d{domain:02}");
            trial.findings = vec![finding(
                "/status",
                "enum",
                "one of the task statuses",
                "\"BOGUS\"",
                "\"BOGUS\" is not one of the task statuses",
            )];
            let body = format!(
                r#"{{"id":"{domain}","status":"BOGUS","pad":"{}"}}"#,
                "x".repeat(3000)
            );
            trial.exchange = Some(Box::new(exchange_record(&domain.to_string(), 200, &body)));
            trials.push(trial);
        }
    }
    trials.sort_by(|a, b| a.name.cmp(&b.name));
    trials
}

/// Writes `trials` in every format into a fresh directory, then checks what every report
/// must hold whatever the run: the JSON is valid against the schema, no file holds the key.
fn write_all(
    name: &str,
    trials: &[TrialRecord],
    interrupted: Option<&str>,
) -> Result<Written, Failed> {
    write_with(name, trials, totals(trials, interrupted))
}

/// [`write_all`] with totals of the caller's making.
fn write_with(name: &str, trials: &[TrialRecord], totals: RunTotals) -> Result<Written, Failed> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("reports")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let facts = facts();
    let report = Report {
        facts: &facts,
        totals: &totals,
        trials,
    };
    let paths = reports::write(&report, &Format::ALL, &dir).map_err(|err| err.to_string())?;
    let written = Written {
        markdown_fn: reports::markdown(&report),
        paths,
        dir,
    };
    validate_json(&written.read(Format::Json)?)?;
    no_key_in(&written)?;
    Ok(written)
}

struct Written {
    paths: Vec<PathBuf>,
    dir: PathBuf,
    /// What `reports::markdown` returned for the same report.
    markdown_fn: String,
}

impl Written {
    fn read(&self, format: Format) -> Result<String, Failed> {
        let path = self.dir.join(format.file_name());
        std::fs::read_to_string(&path)
            .map_err(|err| format!("read {}: {err}", path.display()).into())
    }
}

fn validate_json(text: &str) -> Result<(), Failed> {
    let document: Value =
        serde_json::from_str(text).map_err(|err| format!("report.json: {err}"))?;
    let errors: Vec<String> = VALIDATOR
        .iter_errors(&document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    check(errors.is_empty(), || {
        format!("report.json breaks the schema:\n{}", errors.join("\n"))
    })
}

fn no_key_in(written: &Written) -> Result<(), Failed> {
    let redactor = redactor();
    for path in &written.paths {
        let text = std::fs::read_to_string(path)?;
        check(
            !redactor.leaks(&text) && !text.contains(&KEY[4..20]),
            || format!("{} holds the key", path.display()),
        )?;
    }
    Ok(())
}

fn junit_document(text: &str) -> Result<roxmltree::Document<'_>, Failed> {
    roxmltree::Document::parse(text)
        .map_err(|err| format!("junit.xml does not parse: {err}").into())
}

fn elements<'a>(doc: &'a roxmltree::Document, tag: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|node| node.has_tag_name(tag))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Trials.

fn writes_every_format() -> Result<(), Failed> {
    let written = write_all("sample", &sample_trials(), None)?;
    let names: Vec<String> = written
        .paths
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    check(
        names == ["junit.xml", "report.json", "summary.md", "report.html"],
        || format!("written: {names:?}"),
    )?;
    let leftovers: Vec<_> = std::fs::read_dir(&written.dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("partial"))
        .collect();
    check(leftovers.is_empty(), || {
        format!("partial files left: {leftovers:?}")
    })?;
    check(
        written.read(Format::Markdown)? == written.markdown_fn,
        || "summary.md differs from reports::markdown".into(),
    )?;
    // Asking for nothing writes nothing, and does not create the directory.
    let nowhere = written.dir.join("not-created");
    let facts = facts();
    let trials = sample_trials();
    let totals = totals(&trials, None);
    let report = Report {
        facts: &facts,
        totals: &totals,
        trials: &trials,
    };
    let none = reports::write(&report, &[], &nowhere).map_err(|err| err.to_string())?;
    check(none.is_empty() && !nowhere.exists(), || {
        "an empty format list wrote something".into()
    })
}

fn junit_counts() -> Result<(), Failed> {
    let written = write_all("junit-counts", &sample_trials(), None)?;
    let text = written.read(Format::Junit)?;
    let doc = junit_document(&text)?;
    let root = doc.root_element();
    check(root.has_tag_name("testsuites"), || {
        "root is not <testsuites>".into()
    })?;
    let attribute = |name| root.attribute(name).unwrap_or("?").to_owned();
    check(
        [
            attribute("tests"),
            attribute("failures"),
            attribute("errors"),
            attribute("skipped"),
        ] == ["8", "3", "1", "1"],
        || format!("testsuites counts: {}", root_line(&text)),
    )?;
    // Failures, errors and skips as elements, each inside its own testcase.
    for (tag, expected) in [
        ("failure", 3),
        ("error", 1),
        ("skipped", 1),
        ("testcase", 8),
    ] {
        let found = elements(&doc, tag).len();
        check(found == expected, || {
            format!("{found} <{tag}>, expected {expected}")
        })?;
    }
    let case = |name: &str| {
        elements(&doc, "testcase")
            .into_iter()
            .find(|node| node.attribute("name") == Some(name))
    };
    let schema = case("response_schema_conformance::task_1").ok_or("no schema testcase")?;
    check(
        schema.attribute("classname") == Some("response_schema_conformance"),
        || "the classname is not the check".into(),
    )?;
    let errored = case("not_a_server_error::unknown_id").ok_or("no errored testcase")?;
    check(
        errored.children().any(|child| child.has_tag_name("error")),
        || "a run error is not <error>".into(),
    )?;
    let known = case("time_order::task_1").ok_or("no known testcase")?;
    check(
        !known
            .children()
            .any(|child| child.has_tag_name("failure") || child.has_tag_name("error")),
        || "a known deviation is not a pass".into(),
    )?;
    let out = known
        .children()
        .find(|child| child.has_tag_name("system-out"))
        .and_then(|node| node.text())
        .unwrap_or_default();
    check(
        out.contains("known deviations") && out.contains("provider bug #12"),
        || format!("known system-out: {out}"),
    )?;
    // The run's facts are properties of each suite.
    let suites = elements(&doc, "testsuite");
    check(suites.len() == 4, || {
        format!("{} suites, expected one per family", suites.len())
    })?;
    for suite in suites {
        let properties: Vec<(String, String)> = suite
            .descendants()
            .filter(|node| node.has_tag_name("property"))
            .filter(|node| node.parent().and_then(|p| p.parent()) == Some(suite))
            .map(|node| {
                (
                    node.attribute("name").unwrap_or_default().to_owned(),
                    node.attribute("value").unwrap_or_default().to_owned(),
                )
            })
            .collect();
        for (name, value) in [
            ("target_url", "http://127.0.0.1:9"),
            ("seed", "42"),
            ("spec_digest", "sha256:0123abcd"),
            ("verdict", "fail"),
            ("requests_sent", "11"),
        ] {
            check(
                properties.contains(&(name.to_owned(), value.to_owned())),
                || {
                    format!(
                        "suite {:?} lacks property {name}={value}",
                        suite.attribute("name")
                    )
                },
            )?;
        }
    }
    Ok(())
}

fn root_line(text: &str) -> &str {
    text.lines()
        .find(|line| line.contains("<testsuites"))
        .unwrap_or("")
}

fn junit_text() -> Result<(), Failed> {
    let written = write_all("junit-text", &sample_trials(), None)?;
    let text = written.read(Format::Junit)?;
    let doc = junit_document(&text)?;
    let failure = elements(&doc, "failure")
        .into_iter()
        .find(|node| {
            node.parent().and_then(|p| p.attribute("name"))
                == Some("response_schema_conformance::task_1")
        })
        .ok_or("no failure for the schema trial")?;
    let body = failure.text().unwrap_or_default();
    for needle in [
        "/progress",
        "/submitTime",
        "rule pattern",
        "curl ",
        HOSTILE,
        "reproduce:",
    ] {
        check(body.contains(needle), || {
            format!("failure text lacks {needle:?}:\n{body}")
        })?;
    }
    check(failure.attribute("type") == Some("pattern"), || {
        format!("failure type: {:?}", failure.attribute("type"))
    })?;
    check(
        failure
            .attribute("message")
            .is_some_and(|m| m.contains("/progress")),
        || "the failure message does not name the first finding".into(),
    )?;
    let snapshot = elements(&doc, "failure")
        .into_iter()
        .find(|node| node.parent().and_then(|p| p.attribute("name")) == Some("snapshot::task_1"))
        .ok_or("no failure for the snapshot trial")?;
    check(
        snapshot.text().unwrap_or_default().contains("+progress"),
        || "the snapshot failure lacks its diff".into(),
    )?;
    // The fuzz replay command only the terminal message holds reaches the JUnit.
    check(text.contains("--fuzz-replay ids:%00"), || {
        "the terminal message is not in the JUnit".into()
    })
}

fn junit_survives_control_characters() -> Result<(), Failed> {
    let mut trials = sample_trials();
    let nasty = "nul\u{0} esc\u{1b}[31m cdata]]> <!-- --> &amp; \u{fffe}";
    trials[0]
        .findings
        .push(finding("/x", "type", "string", nasty, nasty));
    trials[0].reason = Some(nasty.into());
    let written = write_all("junit-control", &trials, None)?;
    let text = written.read(Format::Junit)?;
    let doc = junit_document(&text)?;
    check(
        doc.descendants().any(|node| {
            node.text()
                .is_some_and(|t| t.contains("cdata]]> <!-- --> &amp;"))
        }),
        || "the markup-like text did not survive as text".into(),
    )
}

fn json_round_trips() -> Result<(), Failed> {
    let trials = sample_trials();
    let written = write_all("json", &trials, None)?;
    let document: Value = serde_json::from_str(&written.read(Format::Json)?)?;
    check(document["schema_version"] == REPORT_SCHEMA_VERSION, || {
        format!("schema_version {}", document["schema_version"])
    })?;
    let records = document["trials"].as_array().ok_or("no trials array")?;
    check(records.len() == trials.len(), || {
        format!("{} trials", records.len())
    })?;
    let statuses: Vec<&str> = records
        .iter()
        .map(|trial| trial["status"].as_str().unwrap_or("?"))
        .collect();
    for status in ["passed", "known", "failed", "errored", "ignored"] {
        check(statuses.contains(&status), || {
            format!("no {status} trial: {statuses:?}")
        })?;
    }
    check(
        document["totals"]["failed"] == 3 && document["facts"]["seed"] == 42,
        || "totals or facts lost".into(),
    )?;
    let schema = records
        .iter()
        .find(|trial| trial["name"] == "response_schema_conformance::task_1")
        .ok_or("no schema trial")?;
    check(schema["findings"][0]["pointer"] == "/progress", || {
        "the finding's pointer is lost".into()
    })?;
    check(schema["exchange"]["request_headers"][0][1] == "***", || {
        format!(
            "credential header: {}",
            schema["exchange"]["request_headers"]
        )
    })
}

fn schema_documents_every_field() -> Result<(), Failed> {
    let schema: Value = serde_json::from_str(SCHEMA)?;
    check(
        schema["properties"]["schema_version"]["const"] == REPORT_SCHEMA_VERSION,
        || "the schema's version is not REPORT_SCHEMA_VERSION".into(),
    )?;
    let mut undocumented = Vec::new();
    let mut fields = 0;
    walk(&schema, "", &mut |path, value| {
        if let Some(properties) = value.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                fields += 1;
                let documented =
                    property.get("description").is_some() || property.get("$ref").is_some();
                if !documented {
                    undocumented.push(format!("{path}/properties/{name}"));
                }
            }
        }
    });
    check(undocumented.is_empty(), || {
        format!("no description: {undocumented:?}")
    })?;
    check(fields >= 50, || format!("only {fields} fields documented"))?;
    // A $ref target carries its own description.
    for (name, definition) in schema["$defs"].as_object().ok_or("no $defs")? {
        check(definition.get("description").is_some(), || {
            format!("$defs/{name} has no description")
        })?;
    }
    Ok(())
}

fn walk(value: &Value, path: &str, visit: &mut dyn FnMut(&str, &Value)) {
    visit(path, value);
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                walk(child, &format!("{path}/{key}"), visit);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                walk(child, &format!("{path}/{index}"), visit);
            }
        }
        _ => {}
    }
}

fn schema_rejects_undocumented() -> Result<(), Failed> {
    let written = write_all("json-extra", &sample_trials(), None)?;
    let mut document: Value = serde_json::from_str(&written.read(Format::Json)?)?;
    document["trials"][0]["surprise"] = Value::from(1);
    check(!VALIDATOR.is_valid(&document), || {
        "an undocumented field passed: the schema would not notice the model drifting".into()
    })?;
    let mut document: Value = serde_json::from_str(&written.read(Format::Json)?)?;
    document["trials"][0]["status"] = Value::from("flaky");
    check(!VALIDATOR.is_valid(&document), || {
        "an unknown status passed".into()
    })
}

fn markdown_reads_as_a_summary() -> Result<(), Failed> {
    let written = write_all("markdown", &sample_trials(), None)?;
    let text = written.read(Format::Markdown)?;
    let first = text.lines().next().unwrap_or_default();
    check(
        first.starts_with("## ❌ mjconform: FAIL: 3 contract failures and 1 run error in 8 trials"),
        || format!("verdict line: {first}"),
    )?;
    check(
        text.contains("| check | pass | known | warn | fail | error | ignored |"),
        || "no check × outcome table".into(),
    )?;
    check(
        text.contains("| ❌ response\\_schema\\_conformance |  |  |  | **1** |  |  |"),
        || format!("the schema check's row is not as expected:\n{text}"),
    )?;
    let details = text.matches("<details><summary>").count();
    check(details == 4, || {
        format!("{details} <details> blocks, expected one per failure")
    })?;
    check(text.contains("```sh\ncurl "), || "no curl block".into())?;
    check(text.contains("```diff\n@@"), || "no snapshot diff".into())?;
    let failures_at = text.find("### Failures (4)").ok_or("no failures heading")?;
    let known_at = text
        .find("### Known deviations (1")
        .ok_or("no known heading")?;
    check(failures_at < known_at, || {
        "known deviations come before the failures".into()
    })?;
    let failures = &text[failures_at..known_at];
    check(
        !failures.contains("time\\_order") && !failures.contains("time_order"),
        || "a known deviation is listed as a failure".into(),
    )?;
    check(text[known_at..].contains("provider bug #12"), || {
        "the baseline's reason is missing".into()
    })?;
    check(
        text.contains("Baseline entries that matched nothing"),
        || "no stale entries".into(),
    )?;
    check(!text.contains("<script"), || {
        "markup from the target reached the Markdown".into()
    })
}

fn markdown_caps_details() -> Result<(), Failed> {
    let written = write_all("markdown-many", &many_failures(), None)?;
    let text = written.read(Format::Markdown)?;
    let details = text.matches("<details><summary>fail:").count();
    check(details == 50, || format!("{details} detailed failures"))?;
    check(text.contains("450 more failures"), || {
        "the rest are not counted".into()
    })?;
    check(text.len() < 512 * 1024, || {
        format!("{} bytes: past a job summary's limit", text.len())
    })
}

fn html_document(written: &Written) -> Result<scraper::Html, Failed> {
    Ok(scraper::Html::parse_document(&written.read(Format::Html)?))
}

fn select<'a>(document: &'a scraper::Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = scraper::Selector::parse(selector).expect("a valid selector");
    document.select(&selector).collect()
}

/// Every failing cell is a link to an element that exists; returns how many cells there are.
fn grid_cells_link(document: &scraper::Html) -> Result<usize, Failed> {
    let cells = select(document, "#grid .cell");
    let ids: std::collections::HashMap<&str, usize> = select(document, "[id]").iter().fold(
        std::collections::HashMap::new(),
        |mut ids, element| {
            *ids.entry(element.value().id().unwrap_or_default())
                .or_default() += 1;
            ids
        },
    );
    for cell in &cells {
        let classes: Vec<&str> = cell.value().classes().collect();
        let failing = classes.contains(&"fail") || classes.contains(&"error");
        let href = cell.value().attr("href");
        if failing || href.is_some() {
            let target = href
                .and_then(|href| href.strip_prefix('#'))
                .ok_or_else(|| format!("a failing cell does not link: {}", cell.html()))?;
            let found = ids.get(target).copied().unwrap_or(0);
            check(found == 1, || {
                format!("cell links to #{target}, found {found} elements")
            })?;
        }
    }
    Ok(cells.len())
}

fn html_structure() -> Result<(), Failed> {
    let trials = sample_trials();
    let written = write_all("html", &trials, None)?;
    let document = html_document(&written)?;
    let verdict = select(&document, "#verdict");
    let verdict_text: String = verdict.first().ok_or("no verdict")?.text().collect();
    check(
        verdict_text.contains("FAIL") && verdict_text.contains("http://127.0.0.1:9"),
        || format!("verdict: {verdict_text}"),
    )?;
    // One cell per trial, the legend's samples aside.
    let cells = grid_cells_link(&document)?;
    check(cells == trials.len(), || {
        format!("{cells} grid cells for {} trials", trials.len())
    })?;
    let failing = select(&document, "#grid a.cell.fail, #grid a.cell.error").len();
    check(failing == 4, || format!("{failing} failing cells"))?;
    let blocks = select(&document, "details.trial");
    check(blocks.len() == 4, || {
        format!("{} failure blocks", blocks.len())
    })?;
    check(blocks[0].value().attr("open").is_some(), || {
        "the first failure is not open".into()
    })?;
    let wrong = select(&document, "#wrong > ul > li");
    check(wrong.len() == 4, || {
        format!("{} checks under 'what is wrong'", wrong.len())
    })?;
    check(!select(&document, "#known a[id]").is_empty(), || {
        "no known deviations".into()
    })?;
    check(!select(&document, "pre.diff .add").is_empty(), || {
        "the diff is not coloured".into()
    })?;
    let curl: String = select(&document, "pre.curl")
        .first()
        .ok_or("no curl line")?
        .text()
        .collect();
    check(curl.starts_with("curl ") && curl.contains("***"), || {
        format!("curl: {curl}")
    })?;
    // Self-contained: no external resources, no script.
    let html = written.read(Format::Html)?;
    check(
        !html.contains("src=") && !html.contains("<link") && select(&document, "script").is_empty(),
        || "the page loads something".into(),
    )
}

fn html_escapes_hostile_body() -> Result<(), Failed> {
    let written = write_all("html-hostile", &sample_trials(), None)?;
    let document = html_document(&written)?;
    check(select(&document, "script").is_empty(), || {
        "a <script> from the body became an element".into()
    })?;
    let bodies: String = select(&document, "pre.json")
        .iter()
        .flat_map(|pre| pre.text())
        .collect();
    check(
        bodies.contains(HOSTILE.replace('/', "\\/").as_str()),
        || format!("the hostile body is not shown as text: {bodies}"),
    )?;
    let findings: String = select(&document, "table.findings")
        .iter()
        .flat_map(|t| t.text())
        .collect();
    check(findings.contains(HOSTILE), || {
        "the hostile finding is not shown as text".into()
    })
}

fn html_highlights_value() -> Result<(), Failed> {
    let written = write_all("html-mark", &sample_trials(), None)?;
    let document = html_document(&written)?;
    let marks: Vec<(String, String)> = select(&document, "pre.json mark")
        .iter()
        .map(|mark| {
            (
                mark.value().attr("title").unwrap_or_default().to_owned(),
                mark.text().collect(),
            )
        })
        .collect();
    let progress = format!("\"{}\"", HOSTILE.replace('/', "\\/"));
    check(
        marks.contains(&("/progress".to_owned(), progress.clone())),
        || format!("marks: {marks:?}, expected /progress = {progress}"),
    )?;
    check(
        marks.contains(&("/submitTime".to_owned(), "\"***\"".to_owned())),
        || format!("marks: {marks:?}"),
    )
}

fn html_500_failures() -> Result<(), Failed> {
    let trials = many_failures();
    let written = write_all("html-many", &trials, None)?;
    let html = written.read(Format::Html)?;
    let document = scraper::Html::parse_document(&html);
    let cells = grid_cells_link(&document)?;
    check(cells == 500, || format!("{cells} cells for 500 trials"))?;
    check(!select(&document, "td.strip").is_empty(), || {
        "50 cases per check did not fold into strips".into()
    })?;
    let blocks = select(&document, "details.trial").len();
    check(blocks <= 150, || {
        format!("{blocks} expanded failure blocks")
    })?;
    let rows = select(&document, "table.rest tr[id]").len();
    check(blocks + rows == 500, || {
        format!("{blocks} blocks + {rows} rows for 500 failures")
    })?;
    check(html.len() < 3 * 1024 * 1024, || {
        format!("{} bytes", html.len())
    })?;
    let wrong = select(&document, "#wrong > ul > li").len();
    check(wrong == 10, || {
        format!("{wrong} lines under 'what is wrong'")
    })
}

fn stalled_run() -> Result<(), Failed> {
    let reason = "send the request: 3 requests in a row got no answer within 10000 ms";
    let trials: Vec<TrialRecord> = ["status_code_conformance", "response_schema_conformance"]
        .iter()
        .flat_map(|check| ["task_1", "unknown_id"].map(|case| format!("{check}::{case}")))
        .map(|name| {
            let mut trial = record(&name, Family::Check, TrialStatus::Errored);
            trial.reason = Some(reason.into());
            trial.exchange = Some(Box::new(ExchangeRecord::of_request(
                &request("1"),
                &ClientLimits::default(),
                redactor(),
            )));
            trial
        })
        .collect();
    let written = write_all("stalled", &trials, Some("the target stalled"))?;
    let junit = written.read(Format::Junit)?;
    let doc = junit_document(&junit)?;
    check(elements(&doc, "error").len() == 5, || {
        "expected 4 errored trials and the interruption as <error>".into()
    })?;
    check(elements(&doc, "failure").is_empty(), || {
        "a run error became a <failure>".into()
    })?;
    let markdown = written.read(Format::Markdown)?;
    check(
        markdown.contains("4 run errors") && markdown.contains("stopped early"),
        || format!("markdown: {}", markdown.lines().next().unwrap_or_default()),
    )?;
    let document = html_document(&written)?;
    check(grid_cells_link(&document)? == 4, || "cells".into())?;
    check(!select(&document, ".stopped").is_empty(), || {
        "the stop is not stated".into()
    })
}

fn interrupted_empty_run() -> Result<(), Failed> {
    let written = write_all("interrupted", &[], Some("interrupted (Ctrl-C)"))?;
    check(written.paths.len() == 4, || "not all four written".into())?;
    let junit = written.read(Format::Junit)?;
    let doc = junit_document(&junit)?;
    check(elements(&doc, "error").len() == 1, || {
        "an interrupted run with no trial must not read green".into()
    })?;
    let markdown = written.read(Format::Markdown)?;
    check(markdown.contains("No trial ran"), || "markdown".into())?;
    let document = html_document(&written)?;
    let verdict: String = select(&document, "#verdict")
        .first()
        .ok_or("no verdict")?
        .text()
        .collect();
    check(
        verdict.contains("FAIL") && verdict.contains("Ctrl-C"),
        || format!("verdict: {verdict}"),
    )
}

/// A trial whose check is at level `warn`: every report shows its finding as a warning and
/// counts it, and the run passes.
fn warnings_in_every_report() -> Result<(), Failed> {
    let mut warned = record("head_supported::head", Family::Check, TrialStatus::Warned);
    warned.findings = vec![FindingRecord::of(
        &Finding::status(
            405,
            "the status GET gets",
            "HEAD got 405: the server refuses HEAD",
        ),
        redactor(),
    )];
    warned.exchange = Some(Box::new(exchange_record("1", 405, "")));
    let passed = record(
        "status_code_conformance::task_1",
        Family::Check,
        TrialStatus::Passed,
    );
    let written = write_all("warnings", &[warned, passed], None)?;
    let json: Value = serde_json::from_str(&written.read(Format::Json)?)?;
    check(json["totals"]["warnings"] == 1, || {
        format!("totals: {}", json["totals"])
    })?;
    check(json["totals"]["verdict"] == "pass", || "not a pass".into())?;
    check(json["trials"][0]["status"] == "warned", || {
        format!("status: {}", json["trials"][0]["status"])
    })?;
    let markdown = written.read(Format::Markdown)?;
    check(
        markdown.starts_with("## ✅ mjconform: PASS: 2 of 2 trials passed (1 warning)")
            && markdown.contains("### Warnings (1,")
            && markdown.contains("- warning: head\\_supported::head: HEAD got 405"),
        || format!("markdown:\n{markdown}"),
    )?;
    let document = html_document(&written)?;
    check(!select(&document, "#verdict.pass").is_empty(), || {
        "the HTML verdict is not a pass".into()
    })?;
    let section: String = select(&document, "#warnings")
        .iter()
        .map(|node| node.text().collect::<String>())
        .collect();
    check(section.contains("warning: HEAD got 405"), || {
        format!("the HTML warnings section: {section:?}")
    })?;
    let junit = written.read(Format::Junit)?;
    let doc = junit_document(&junit)?;
    check(
        elements(&doc, "failure").is_empty() && elements(&doc, "error").is_empty(),
        || "a warning is a JUnit failure".into(),
    )?;
    let out: String = elements(&doc, "system-out")
        .iter()
        .filter_map(|node| node.text())
        .collect();
    check(out.contains("warning: HEAD got 405"), || {
        format!("JUnit system-out: {out}")
    })?;
    check(
        elements(&doc, "property")
            .iter()
            .any(|node| node.attribute("name") == Some("warnings")),
        || "no warnings property in the JUnit".into(),
    )
}

fn passing_run() -> Result<(), Failed> {
    let trials: Vec<TrialRecord> = sample_trials()
        .into_iter()
        .filter(|trial| !trial.status.is_failure())
        .collect();
    let written = write_all("passing", &trials, None)?;
    let markdown = written.read(Format::Markdown)?;
    check(
        markdown.starts_with(
            "## ✅ mjconform: PASS: 3 of 4 trials passed (1 known deviation in 1 trial, 1 ignored)",
        ),
        || {
            format!(
                "verdict line: {}",
                markdown.lines().next().unwrap_or_default()
            )
        },
    )?;
    let document = html_document(&written)?;
    check(!select(&document, "#verdict.pass").is_empty(), || {
        "the verdict is not a pass".into()
    })?;
    check(select(&document, "#failures").is_empty(), || {
        "a failures section without failures".into()
    })?;
    let junit = written.read(Format::Junit)?;
    let doc = junit_document(&junit)?;
    check(
        elements(&doc, "failure").is_empty() && elements(&doc, "error").is_empty(),
        || "a passing run has failures in the JUnit".into(),
    )
}

fn write_error() -> Result<(), Failed> {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("reports")
        .join("write-error");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("report.json"))?;
    let facts = facts();
    let trials = sample_trials();
    let totals = totals(&trials, None);
    let report = Report {
        facts: &facts,
        totals: &totals,
        trials: &trials,
    };
    let err = reports::write(&report, &[Format::Json], &base).expect_err("a directory in the way");
    let message = err.to_string();
    check(
        message.starts_with("write the json report to ") && message.contains("report.json"),
        || format!("message: {message}"),
    )?;
    let file = base.join("a-file");
    std::fs::write(&file, "x")?;
    let err =
        reports::write(&report, &[Format::Html], &file.join("sub")).expect_err("a file in the way");
    check(
        err.to_string().starts_with("create the report directory "),
        || format!("message: {err}"),
    )
}

// ---------------------------------------------------------------------------------------
// The reports tell the same story as the exit code.

fn text_of(node: &scraper::ElementRef) -> String {
    node.text().collect::<String>()
}

fn strict_baseline_failure() -> Result<(), Failed> {
    let trials = vec![record(
        "status_code_conformance::task_1",
        Family::Check,
        TrialStatus::Passed,
    )];
    let mut totals = totals(&trials, None);
    totals.strict_baseline = true;
    totals.expired_baseline_entries = vec!["time_order::* /finishTime (until 2026-01-01)".into()];
    totals.verdict = "fail".into();
    totals.exit_code = 1;
    let written = write_with("strict-baseline", &trials, totals)?;
    let junit = written.read(Format::Junit)?;
    let doc = junit_document(&junit)?;
    let root = doc.root_element();
    check(root.attribute("failures") == Some("2"), || {
        format!("root: {}", root_line(&junit))
    })?;
    let failing: Vec<&str> = elements(&doc, "testcase")
        .into_iter()
        .filter(|case| case.children().any(|child| child.has_tag_name("failure")))
        .filter_map(|case| case.attribute("name"))
        .collect();
    check(failing == ["baseline::stale", "baseline::expired"], || {
        format!("failing testcases: {failing:?}")
    })?;
    check(root.attribute("tests") == Some("3"), || {
        format!("root: {}", root_line(&junit))
    })?;
    let markdown = written.read(Format::Markdown)?;
    let wrong = markdown
        .split("### What is wrong")
        .nth(1)
        .ok_or("no What is wrong in the summary")?;
    check(
        wrong.contains("baseline::stale") && wrong.contains("baseline::expired"),
        || format!("markdown: {wrong}"),
    )?;
    check(
        markdown
            .lines()
            .next()
            .unwrap_or_default()
            .contains("stale baseline entry"),
        || format!("headline: {}", markdown.lines().next().unwrap_or_default()),
    )?;
    let document = html_document(&written)?;
    let lines = select(&document, "#wrong li.baseline");
    check(lines.len() == 2, || {
        format!("{} baseline lines", lines.len())
    })?;
    let headline = text_of(
        select(&document, ".headline")
            .first()
            .ok_or("no headline")?,
    );
    check(
        headline.contains("1 stale baseline entry")
            && headline.contains("1 expired baseline entry"),
        || format!("headline: {headline}"),
    )
}

fn interrupted_exit_code() -> Result<(), Failed> {
    let trials = vec![record(
        "status_code_conformance::task_1",
        Family::Check,
        TrialStatus::Passed,
    )];
    let mut totals = totals(
        &trials,
        Some("interrupted (Ctrl-C) before every trial ended"),
    );
    totals.exit_code = 130;
    let written = write_with("interrupted-130", &trials, totals)?;
    let json: Value = serde_json::from_str(&written.read(Format::Json)?)?;
    check(json["totals"]["exit_code"] == 130, || {
        format!("json exit code {}", json["totals"]["exit_code"])
    })?;
    let junit = written.read(Format::Junit)?;
    let doc = junit_document(&junit)?;
    let codes: Vec<&str> = elements(&doc, "property")
        .into_iter()
        .filter(|property| property.attribute("name") == Some("exit_code"))
        .filter_map(|property| property.attribute("value"))
        .collect();
    check(
        !codes.is_empty() && codes.iter().all(|code| *code == "130"),
        || format!("junit exit_code properties {codes:?}"),
    )?;
    let markdown = written.read(Format::Markdown)?;
    let headline = markdown.lines().next().unwrap_or_default();
    check(
        headline.contains("interrupted") && !headline.contains("exit code 1"),
        || format!("headline: {headline}"),
    )
}

fn known_grouped() -> Result<(), Failed> {
    // Ninety near-identical known findings that two baseline entries accept.
    let mut trials = Vec::new();
    for n in 0..45 {
        for (check, pointer, rule, reason) in [
            (
                "response_schema_conformance",
                "/progress",
                "type",
                "integers as strings",
            ),
            (
                "time_order",
                "/finishTime",
                "time-order",
                "provider bug #12",
            ),
        ] {
            let mut trial = record(
                &format!("{check}::task_{n:02}"),
                Family::Check,
                TrialStatus::Known,
            );
            let mut accepted = finding(pointer, rule, "x", "y", "a known deviation");
            accepted.accepted_because = Some(reason.into());
            trial.known = vec![accepted];
            trials.push(trial);
        }
    }
    trials.sort_by(|a, b| a.name.cmp(&b.name));
    let written = write_all("known-grouped", &trials, None)?;
    let markdown = written.read(Format::Markdown)?;
    let section = markdown
        .split("### Known deviations")
        .nth(1)
        .ok_or("no known section")?;
    let lines = section
        .lines()
        .take_while(|line| !line.starts_with("###") && !line.starts_with("<sub>"))
        .filter(|line| line.starts_with("- "))
        .count();
    check(lines == 2, || format!("{lines} known lines:\n{section}"))?;
    check(section.contains("90 known deviations in 90 trials"), || {
        section.lines().next().unwrap_or_default().to_owned()
    })?;
    check(section.contains("45 known deviations in 45 trials"), || {
        section.to_owned()
    })?;
    check(
        markdown
            .lines()
            .next()
            .unwrap_or_default()
            .contains("90 known deviations in 90 trials"),
        || markdown.lines().next().unwrap_or_default().to_owned(),
    )?;
    let document = html_document(&written)?;
    let rows = select(&document, "#known tbody tr");
    check(rows.len() == 2, || format!("{} known rows", rows.len()))?;
    // Every grid cell still links to an anchor on the page.
    grid_cells_link(&document)?;
    Ok(())
}

fn what_is_wrong_distinct_rules() -> Result<(), Failed> {
    let mut trials = Vec::new();
    for n in 0..10 {
        let mut trial = record(
            &format!("response_schema_conformance::task_{n}"),
            Family::Check,
            TrialStatus::Failed,
        );
        trial.findings = vec![finding(
            "/progress",
            "pattern",
            "a percentage",
            "\"🙂\"",
            "\"🙂\" is not a percentage",
        )];
        if n > 0 {
            trial.findings.push(finding(
                "/submitTime",
                "type",
                "integer",
                "\"1\"",
                "\"1\" is not of type integer",
            ));
        }
        if n == 9 {
            trial.findings.push(finding(
                "",
                "required",
                "label",
                "absent",
                "\"label\" is a required property",
            ));
        }
        trials.push(trial);
    }
    let written = write_all("distinct-rules", &trials, None)?;
    let document = html_document(&written)?;
    let items: Vec<String> = select(&document, "#wrong > ul > li > ul > li")
        .iter()
        .map(text_of)
        .collect();
    check(items.len() == 3, || format!("{items:#?}"))?;
    for (item, rule) in items.iter().zip(["pattern", "type", "required"]) {
        check(item.contains(&format!("`{rule}`")), || {
            format!("{item} lacks {rule}")
        })?;
    }
    check(items[1].contains("9 findings in 9 trials"), || {
        items[1].clone()
    })?;
    check(
        !text_of(select(&document, "#wrong").first().ok_or("no #wrong")?).contains("more)"),
        || "a count of hidden findings instead of the rules".into(),
    )?;
    let markdown = written.read(Format::Markdown)?;
    check(
        markdown.contains("rule \\`required\\`") || markdown.contains("`required`"),
        || markdown.clone(),
    )
}

fn html_layout_and_durations() -> Result<(), Failed> {
    let mut trial = record(
        "response_schema_conformance::task_1",
        Family::Check,
        TrialStatus::Failed,
    );
    trial.findings = vec![finding(
        "/progress",
        "type",
        "string",
        "12345678901234567890",
        "not a string",
    )];
    trial.exchange = Some(Box::new(exchange_record(
        "1",
        200,
        r#"{"id":"1","status":"SUCCESS","progress":12345678901234567890,"buttons":[{"customId":"MJ::JOB::upsample::1"}]}"#,
    )));
    let trials = vec![trial];
    let mut totals = totals(&trials, None);
    totals.duration_ms = 46;
    let written = write_with("layout", &trials, totals)?;
    let document = html_document(&written)?;
    let body = select(&document, "pre.json")
        .first()
        .map(text_of)
        .ok_or("no body")?;
    check(body.lines().count() > 5, || format!("one line: {body}"))?;
    check(
        body.lines()
            .any(|line| line.trim() == "\"progress\": 12345678901234567890,"),
        || body.clone(),
    )?;
    check(
        body.contains("\"customId\": \"MJ::JOB::upsample::1\""),
        || body.clone(),
    )?;
    let mark = select(&document, "pre.json mark")
        .first()
        .map(text_of)
        .ok_or("no mark")?;
    check(mark == "12345678901234567890", || mark.clone())?;
    let tiles: Vec<String> = select(&document, ".tile").iter().map(text_of).collect();
    check(tiles.iter().any(|tile| tile == "46 msduration"), || {
        format!("{tiles:?}")
    })?;
    let headings: Vec<String> = select(&document, "#grid h3").iter().map(text_of).collect();
    check(
        headings.iter().any(|h| h.contains("(1 check × 1 case)")),
        || format!("{headings:?}"),
    )?;
    let markdown = written.read(Format::Markdown)?;
    check(markdown.contains("| 46 ms |"), || markdown.clone())
}
