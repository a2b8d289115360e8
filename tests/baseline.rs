//! The baseline loop end to end, through the built binary against the reference provider
//! with faults: record a baseline against a faulty target, rerun green, add a second fault
//! and see only it fail, fix the first and see its entries reported stale, expire an entry,
//! and refuse a malformed file with one line and exit 2.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};

use libtest_mimic::{Failed, Trial};
use mjconform::provider::RunningProvider;

#[path = "support/provider.rs"]
mod support;

const KEY: &str = "k7f3a9c2e1b5d";

fn provider(faults: &[&str]) -> RunningProvider {
    support::with_faults(KEY, faults)
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("baseline")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch dir");
    dir
}

/// `mjconform check` against `target` with `extra` flags; fuzzing and snapshots off so the
/// loop is about the suite's checks.
fn check(target: &RunningProvider, dir: &Path, extra: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    command
        .current_dir(dir)
        .args(["check", "--target-url", target.base_url.as_str()])
        .args(["--api-key", KEY, "--snapshots", "off", "--fuzz-cases", "0"])
        .env_remove("MJ_BASELINE")
        .env_remove("GITHUB_STEP_SUMMARY");
    for id in &target.task_ids {
        command.args(["--task-id", id]);
    }
    command.args(extra);
    command.output().expect("mjconform runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn expect(condition: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

/// The trials that failed, from libtest's `failures:` list.
fn failed_trials(output: &Output) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut names: Vec<String> = stdout
        .lines()
        .filter_map(|line| {
            let line = line.strip_prefix("test ")?;
            let (name, verdict) = line.split_once(" ... ")?;
            verdict
                .starts_with("FAILED")
                .then(|| name.trim().to_owned())
        })
        .collect();
    names.sort();
    names
}

fn the_whole_loop() -> Result<(), Failed> {
    let dir = scratch("loop");
    let baseline = dir.join("baseline.toml");
    let baseline_arg = baseline.to_str().unwrap_or_default();
    // 1. Record against a target whose times are strings.
    let first = provider(&["time-as-string"]);
    let recorded = check(&first, &dir, &["--write-baseline", baseline_arg]);
    expect(recorded.status.code() == Some(1), || {
        format!(
            "recording runs the checks and fails on the deviation:\n{}",
            text(&recorded)
        )
    })?;
    let file = std::fs::read_to_string(&baseline)?;
    let entries = file.matches("[[deviation]]").count();
    expect((1..=4).contains(&entries), || {
        format!("a few grouped entries, got {entries}:\n{file}")
    })?;
    expect(
        file.contains("rule = \"type\"") && file.contains("recorded "),
        || file.clone(),
    )?;
    expect(!file.contains(KEY), || {
        "the key is not in the baseline".into()
    })?;

    // 2. Rerun with it: green, and it says how many deviations were known.
    let green = check(&first, &dir, &["--baseline", baseline_arg]);
    let said = text(&green);
    expect(green.status.code() == Some(0), || {
        format!("rerun is green:\n{said}")
    })?;
    expect(
        said.contains("0 new contract failures") && said.contains("known deviation"),
        || said.clone(),
    )?;

    // 3. A second fault: the same rule (`type`) on another field fails alone.
    let second = provider(&["time-as-string", "progress-as-number"]);
    let red = check(&second, &dir, &["--baseline", baseline_arg]);
    let said = text(&red);
    expect(red.status.code() == Some(1), || {
        format!("the new deviation fails:\n{said}")
    })?;
    let failed = failed_trials(&red);
    expect(
        !failed.is_empty()
            && failed
                .iter()
                .all(|name| name.starts_with("response_schema_conformance::task_")),
        || format!("only schema trials of tasks fail: {failed:?}\n{said}"),
    )?;
    expect(said.contains("/progress"), || said.clone())?;
    expect(
        said.contains("known deviations (accepted by the baseline"),
        || format!("the known ones are listed after the new one, marked:\n{said}"),
    )?;
    let new_part = said
        .split("known deviations (accepted by the baseline")
        .next()
        .unwrap_or_default();
    let findings_part = new_part.rsplit("findings:").next().unwrap_or_default();
    expect(!findings_part.contains("/submitTime"), || {
        format!("the known finding is not among the new ones:\n{said}")
    })?;

    // 4. The first fault fixed: green, with the stale entries named; strict fails.
    let fixed = provider(&[]);
    let stale = check(&fixed, &dir, &["--baseline", baseline_arg]);
    let said = text(&stale);
    expect(stale.status.code() == Some(0), || said.clone())?;
    expect(said.contains("stale baseline entry"), || said.clone())?;
    let strict = check(
        &fixed,
        &dir,
        &[
            "--baseline",
            baseline_arg,
            "--strict-baseline",
            "--report",
            "junit,json",
            "--report-dir",
            "strict-reports",
        ],
    );
    expect(strict.status.code() == Some(1), || {
        format!(
            "--strict-baseline fails on stale entries:\n{}",
            text(&strict)
        )
    })?;
    // The reports fail it too: a failing `baseline::stale` testcase, not `failures="0"`.
    let junit = std::fs::read_to_string(dir.join("strict-reports/junit.xml"))?;
    let doc = roxmltree::Document::parse(&junit).map_err(|err| err.to_string())?;
    let stale_case = doc.descendants().find(|node| {
        node.has_tag_name("testcase") && node.attribute("name") == Some("baseline::stale")
    });
    expect(
        stale_case.is_some_and(|case| case.children().any(|c| c.has_tag_name("failure")))
            && doc.root_element().attribute("failures") != Some("0"),
        || format!("junit.xml of a strict-baseline failure:\n{junit}"),
    )?;
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("strict-reports/report.json"))?)?;
    expect(
        json["totals"]["strict_baseline"] == true && json["totals"]["exit_code"] == 1,
        || json["totals"].to_string(),
    )?;

    // 5. An expired entry stops matching: the deviation fails again, and the run says why.
    let expired = file.replace(
        "reason = \"recorded",
        "until = \"2020-01-01\"\nreason = \"recorded",
    );
    std::fs::write(&baseline, expired)?;
    let after = check(&first, &dir, &["--baseline", baseline_arg]);
    let said = text(&after);
    expect(after.status.code() == Some(1), || said.clone())?;
    expect(said.contains("expired baseline entry"), || said.clone())?;
    Ok(())
}

fn integer_buttons_make_a_short_file() -> Result<(), Failed> {
    // Every button of every task with integer `type` and `style`: one entry per field.
    let dir = scratch("buttons");
    let baseline = dir.join("b.toml");
    let target = provider(&["button-integer-type-style"]);
    let output = check(
        &target,
        &dir,
        &["--write-baseline", baseline.to_str().unwrap_or_default()],
    );
    let file =
        std::fs::read_to_string(&baseline).map_err(|err| format!("{err}:\n{}", text(&output)))?;
    let entries = file.matches("[[deviation]]").count();
    expect(entries == 2, || {
        format!("two entries (type, style), got {entries}:\n{file}")
    })?;
    expect(
        file.contains("/buttons/*/type") && file.contains("/buttons/*/style"),
        || file.clone(),
    )?;
    // A missing label next to them is new.
    let next = provider(&["button-integer-type-style", "button-missing-field"]);
    let red = check(
        &next,
        &dir,
        &["--baseline", baseline.to_str().unwrap_or_default()],
    );
    let said = text(&red);
    expect(
        red.status.code() == Some(1) && said.contains("emoji"),
        || said.clone(),
    )?;
    Ok(())
}

/// `mjconform check` as the README shows it: `--fuzz-cases` only when `fuzz_cases` says,
/// the given task ids only.
fn check_as_readme(
    target: &RunningProvider,
    dir: &Path,
    task_ids: &[&String],
    fuzz_cases: Option<&str>,
    extra: &[&str],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    command
        .current_dir(dir)
        .args(["check", "--target-url", target.base_url.as_str()])
        .args(["--api-key", KEY, "--snapshots", "off"])
        .args(["--fuzz-dir", dir.join("fuzz").to_str().unwrap_or_default()])
        .env_remove("MJ_BASELINE")
        .env_remove("MJ_FUZZ_CASES")
        .env_remove("GITHUB_STEP_SUMMARY");
    for id in task_ids {
        command.args(["--task-id", id]);
    }
    if let Some(cases) = fuzz_cases {
        command.args(["--fuzz-cases", cases]);
    }
    command.args(extra);
    command.output().expect("mjconform runs")
}

fn the_readme_recipe_is_green_on_its_second_run_with_fuzzing_on() -> Result<(), Failed> {
    // README: record with `--fuzz-cases 0`, then check with `--baseline` (fuzzing on, its
    // default), against the README's example deviation: integer button types.
    let dir = scratch("readme");
    let baseline = dir.join("mjconform-baseline.toml");
    let baseline_arg = baseline.to_str().unwrap_or_default();
    let target = provider(&["button-integer-type-style"]);
    let first_id: Vec<&String> = target.task_ids.iter().take(1).collect();
    let recorded = check_as_readme(
        &target,
        &dir,
        &first_id,
        Some("0"),
        &["--write-baseline", baseline_arg],
    );
    expect(recorded.status.code() == Some(1), || text(&recorded))?;
    let file = std::fs::read_to_string(&baseline)?;
    expect(file.contains("cases = [\"task_*\"]"), || file.clone())?;
    for strict in [false, true] {
        let mut extra = vec!["--baseline", baseline_arg];
        if strict {
            extra.push("--strict-baseline");
        }
        let green = check_as_readme(&target, &dir, &first_id, None, &extra);
        let said = text(&green);
        expect(green.status.code() == Some(0), || {
            format!("second run (fuzzing on, strict {strict}) is green:\n{said}")
        })?;
        expect(said.contains("fuzz::"), || format!("fuzzing ran:\n{said}"))?;
        expect(!said.contains("stale baseline entry (matched"), || {
            said.clone()
        })?;
    }
    // A second `--task-id`: the body's shape is the same deviation, still known.
    let all_ids: Vec<&String> = target.task_ids.iter().collect();
    expect(all_ids.len() > 1, || {
        "the provider has several tasks".into()
    })?;
    let more = check_as_readme(
        &target,
        &dir,
        &all_ids,
        Some("0"),
        &["--baseline", baseline_arg],
    );
    expect(more.status.code() == Some(0), || {
        format!("a second --task-id stays green:\n{}", text(&more))
    })?;
    // Fuzzing off: a fuzz entry is not checked this run, never stale, even when strict.
    let with_fuzz_entry = format!(
        "{file}\n[[deviation]]\ncheck = \"fuzz::ids::not_a_server_error\"\nrule = \"status:500\"\nreason = \"x\"\n"
    );
    let fuzz_file = dir.join("with-fuzz.toml");
    std::fs::write(&fuzz_file, with_fuzz_entry)?;
    let off = check_as_readme(
        &target,
        &dir,
        &first_id,
        Some("0"),
        &[
            "--baseline",
            fuzz_file.to_str().unwrap_or_default(),
            "--strict-baseline",
        ],
    );
    let said = text(&off);
    expect(off.status.code() == Some(0), || said.clone())?;
    expect(said.contains("not checked this run"), || said.clone())?;
    Ok(())
}

fn entries_that_would_hide_too_much_are_bad_input() -> Result<(), Failed> {
    let dir = scratch("broad");
    let target = provider(&[]);
    for (name, content, words) in [
        (
            "no-rule.toml",
            "version = 1\n[[deviation]]\ncheck = \"ignored_auth\"\nreason = \"answers 403 not 401\"\n",
            "`rule` is missing",
        ),
        (
            "wildcard.toml",
            "version = 1\n[[deviation]]\ncheck = \"ignored_auth\"\nrule = \"*\"\nreason = \"y\"\n",
            "--allow-broad-baseline",
        ),
        (
            "unknown-check.toml",
            "version = 1\n[[deviation]]\ncheck = \"response_shema_conformance\"\nrule = \"type\"\nreason = \"y\"\n",
            "response_schema_conformance",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content)?;
        let output = check(&target, &dir, &["--baseline", path.to_str().unwrap_or_default()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        expect(output.status.code() == Some(2), || {
            format!("{name}: exit 2:\n{stderr}")
        })?;
        expect(
            stderr.trim().lines().count() == 1 && stderr.contains(words),
            || format!("{name}: one line naming `{words}`:\n{stderr}"),
        )?;
    }
    // With the flag, the wildcard is the user's knowing choice.
    let path = dir.join("wildcard.toml");
    let output = check(
        &target,
        &dir,
        &[
            "--baseline",
            path.to_str().unwrap_or_default(),
            "--allow-broad-baseline",
        ],
    );
    expect(output.status.code() == Some(0), || text(&output))?;
    // A one-line entry with an exact rule does not hide a server that lets anyone in.
    let exact = dir.join("exact.toml");
    std::fs::write(
        &exact,
        "version = 1\n[[deviation]]\ncheck = \"ignored_auth\"\nrule = \"status:403\"\nreason = \"answers 403 not 401\"\n",
    )?;
    let open = provider(&["any-key-accepted"]);
    let red = check(
        &open,
        &dir,
        &["--baseline", exact.to_str().unwrap_or_default()],
    );
    expect(red.status.code() == Some(1), || text(&red))?;
    Ok(())
}

fn malformed_baselines_are_bad_input() -> Result<(), Failed> {
    let dir = scratch("malformed");
    let target = provider(&[]);
    for (name, content, words) in [
        (
            "unknown-key.toml",
            "version = 1\n[[deviation]]\ncheck = \"x\"\nreason = \"y\"\nfield = 1\n",
            "field",
        ),
        (
            "no-reason.toml",
            "version = 1\n[[deviation]]\ncheck = \"x\"\n",
            "reason",
        ),
        ("not-toml.toml", "[[deviation", "not-toml.toml"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content)?;
        let output = check(
            &target,
            &dir,
            &["--baseline", path.to_str().unwrap_or_default()],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        expect(output.status.code() == Some(2), || {
            format!("{name}: exit 2:\n{stderr}")
        })?;
        expect(
            stderr.trim().lines().count() == 1 && stderr.contains(words),
            || format!("{name}: one line naming `{words}`:\n{stderr}"),
        )?;
    }
    let missing = check(&target, &dir, &["--baseline", "no/such/file.toml"]);
    expect(missing.status.code() == Some(2), || text(&missing))?;
    Ok(())
}

fn main() -> ExitCode {
    let arguments = mjconform::commands::self_tests::test_arguments();
    let trials = vec![
        Trial::test("baseline::the_whole_loop", the_whole_loop),
        Trial::test(
            "baseline::integer_buttons_make_a_short_file",
            integer_buttons_make_a_short_file,
        ),
        Trial::test(
            "baseline::the_readme_recipe_is_green_on_its_second_run_with_fuzzing_on",
            the_readme_recipe_is_green_on_its_second_run_with_fuzzing_on,
        ),
        Trial::test(
            "baseline::entries_that_would_hide_too_much_are_bad_input",
            entries_that_would_hide_too_much_are_bad_input,
        ),
        Trial::test(
            "baseline::malformed_baselines_are_bad_input",
            malformed_baselines_are_bad_input,
        ),
    ];
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}
