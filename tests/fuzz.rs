//! The `fuzz::` trials against servers that conform and servers with one bug each.
//!
//! Conforming servers (the embedded provider; an axum server with Go's and Node's quirks,
//! reading the key as a bearer token or from a named header) must pass every property
//! under several seeds: fuzzing must not raise false alarms. Each faulty server must be
//! caught by the property that guards against its bug, with the shrunk input expected of
//! that bug, and one failure is replayed through the built binary with the command line
//! the report prints, which proves the command works. Servers run in-process on
//! 127.0.0.1:0.

#[path = "support/fuzz_server.rs"]
mod fuzz_server;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::sync::{Arc, OnceLock};

use fuzz_server::{Fault, Reads, Server, CRASH, KEY};
use libtest_mimic::{Failed, Trial};
use mjconform::families::fuzz::credentials::{CredentialInput, Token};
use mjconform::families::fuzz::ids::IdInput;
use mjconform::families::fuzz::{
    Domain, Fuzzer, Input, Property, PropertyFailure, PropertyOutcome, SHRINK_REQUESTS_PER_RUN,
};
use mjconform::run::cli::{parse_run_args, DEFAULT_SEED};
use mjconform::run::context::RunContext;

/// Seeds every conforming server must pass under, the default among them.
const SEEDS: [u64; 5] = [DEFAULT_SEED, 1, 7, 4242, u64::MAX];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

fn check(condition: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

/// A directory for failure reports, empty, unique to this test.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mjconform-fuzz-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).collect()
}

/// A run against `server` (the embedded provider when `None`) with extra arguments.
fn fuzzer(server: Option<&Server>, extra: &[&str], failures: &Path) -> Arc<Fuzzer> {
    let mut args = Vec::new();
    if let Some(server) = server {
        args.extend(strings(&["--target-url", &server.url, "--api-key", KEY]));
        args.extend(strings(&["--task-id", &server.task_ids[0]]));
        args.extend(strings(&["--task-id", &server.task_ids[1]]));
    }
    args.extend(strings(extra));
    let run_args = parse_run_args(&args).expect("valid arguments");
    let context = RunContext::prepare(&run_args).expect("a run context");
    Fuzzer::new(&context, failures.to_path_buf()).expect("fuzzing is on")
}

/// Every property of every domain must hold (or have nothing to check, for `allowed`).
fn expect_all_pass(
    fuzzer: &Fuzzer,
    allowed_nothing: &[Property],
    what: &str,
) -> Result<(), Failed> {
    for domain in Domain::ALL {
        for &property in domain.properties() {
            match fuzzer.check(domain, property) {
                PropertyOutcome::Passed(counts) => check(counts.judged > 0, || {
                    format!("{what}: {domain:?} {property:?} judged nothing: {counts:?}")
                })?,
                PropertyOutcome::NothingToCheck(reason) if allowed_nothing.contains(&property) => {
                    check(!reason.is_empty(), || "a reason".into())?
                }
                PropertyOutcome::NothingToCheck(reason) => {
                    return Err(format!(
                        "{what}: {domain:?} {property:?} had nothing to check: {reason}"
                    )
                    .into())
                }
                PropertyOutcome::Broken(failure) => {
                    return Err(format!("{what}: false alarm:\n{}", failure.message).into())
                }
                PropertyOutcome::CouldNotRun(message) => {
                    return Err(format!("{what}: could not run:\n{message}").into())
                }
            }
        }
    }
    Ok(())
}

/// The failure of `property` in `domain`, or an error saying what happened instead.
fn expect_broken(
    fuzzer: &Fuzzer,
    domain: Domain,
    property: Property,
) -> Result<Box<PropertyFailure>, Failed> {
    match fuzzer.check(domain, property) {
        PropertyOutcome::Broken(failure) => Ok(failure),
        other => Err(format!("{domain:?} {property:?} should have failed: {other:?}").into()),
    }
}

fn minimal_id(failure: &PropertyFailure) -> Result<String, Failed> {
    match &failure.minimal {
        Input::Id(id) => Ok(id.id()),
        other => Err(format!("not an id: {other:?}").into()),
    }
}

fn minimal_credential(failure: &PropertyFailure) -> Result<CredentialInput, Failed> {
    match &failure.minimal {
        Input::Credential(credential) => Ok(credential.clone()),
        other => Err(format!("not a credential: {other:?}").into()),
    }
}

/// What every failure report must hold, and never hold.
fn report_is_complete(failure: &PropertyFailure, failures: &Path) -> Result<(), Failed> {
    let message = &failure.message;
    for part in [
        "FAILURE: the server broke the contract",
        "input:",
        "shrunk in",
        "request:  curl",
        "raw path:",
        "seed:",
        "replay:   cargo test --test conformance --",
        "--fuzz-replay",
        "--exact fuzz::",
        "MJ_API_KEY",
        "saved:",
    ] {
        check(message.contains(part), || {
            format!("`{part}` missing in:\n{message}")
        })?;
    }
    check(!message.contains(KEY), || {
        format!("the key leaked:\n{message}")
    })?;
    check(!message.contains(&KEY[..12]), || {
        format!("part of the key leaked:\n{message}")
    })?;
    let saved = failure
        .saved
        .as_ref()
        .map_err(|err| format!("not saved: {err}"))?;
    let written = std::fs::read_to_string(failures.join(saved))?;
    check(written.contains(&failure.rerun), || {
        "the saved report lacks the rerun".into()
    })?;
    check(!written.contains(KEY), || "the key reached the disk".into())
}

fn reference_provider_passes_every_property_under_several_seeds() -> Result<(), Failed> {
    let failures = scratch_dir("reference");
    for seed in SEEDS {
        let fuzzer = fuzzer(None, &["--seed", &seed.to_string()], &failures);
        expect_all_pass(&fuzzer, &[], &format!("embedded provider, seed {seed}"))?;
    }
    Ok(())
}

fn a_conforming_server_with_framework_quirks_passes_under_several_seeds() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::None, Reads::Bearer);
    let failures = scratch_dir("conforming");
    for seed in SEEDS {
        let fuzzer = fuzzer(Some(&server), &["--seed", &seed.to_string()], &failures);
        expect_all_pass(&fuzzer, &[], &format!("quirky server, seed {seed}"))?;
    }
    Ok(())
}

fn a_conforming_server_reading_a_named_header_passes() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::None, Reads::Header("mj-api-secret"));
    let failures = scratch_dir("named-header");
    for seed in [DEFAULT_SEED, 3] {
        let fuzzer = fuzzer(
            Some(&server),
            &[
                "--key-placement",
                "header:mj-api-secret",
                "--seed",
                &seed.to_string(),
            ],
            &failures,
        );
        expect_all_pass(
            &fuzzer,
            &[Property::SchemeCaseLikeBearer],
            &format!("named header, seed {seed}"),
        )?;
    }
    Ok(())
}

fn a_500_on_percent_ids_is_caught_with_a_short_id() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::ServerErrorOnPercentInId, Reads::Bearer);
    let failures = scratch_dir("percent");
    for seed in [DEFAULT_SEED, 1, 7] {
        let fuzzer = fuzzer(Some(&server), &["--seed", &seed.to_string()], &failures);
        let failure = expect_broken(&fuzzer, Domain::Ids, Property::NotAServerError)?;
        let id = minimal_id(&failure)?;
        check(id.contains('%') && id.chars().count() <= 3, || {
            format!("seed {seed}: minimal id {id:?} from {:?}", failure.original)
        })?;
        check(failure.raw_path.contains("%25"), || {
            failure.raw_path.clone()
        })?;
        report_is_complete(&failure, &failures)?;
        // A 500 is an undocumented status too.
        expect_broken(&fuzzer, Domain::Ids, Property::StatusCodeConformance)?;
        // The credential domain asks for a plain id and passes.
        match fuzzer.check(Domain::Credentials, Property::NotAServerError) {
            PropertyOutcome::Passed(_) => {}
            other => return Err(format!("credentials should pass: {other:?}").into()),
        }
    }
    Ok(())
}

fn a_crash_on_long_ids_is_caught_at_the_threshold() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::CrashOnLongId, Reads::Bearer);
    let failures = scratch_dir("long-id");
    let fuzzer = fuzzer(Some(&server), &[], &failures);
    let failure = expect_broken(&fuzzer, Domain::Ids, Property::NotAServerError)?;
    let id = minimal_id(&failure)?;
    check(id.len() == 101, || {
        format!(
            "minimal id of {} bytes from {:?}",
            id.len(),
            failure.original
        )
    })?;
    check(failure.message.contains("closed the connection"), || {
        failure.message.clone()
    })?;
    report_is_complete(&failure, &failures)
}

fn a_400_for_whitespace_in_ids_breaks_status_code_conformance() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::BadRequestOnWhitespaceInId, Reads::Bearer);
    let failures = scratch_dir("whitespace");
    let fuzzer = fuzzer(Some(&server), &[], &failures);
    let failure = expect_broken(&fuzzer, Domain::Ids, Property::StatusCodeConformance)?;
    let id = minimal_id(&failure)?;
    check(
        id.chars().count() == 1 && id.chars().all(char::is_whitespace),
        || format!("minimal id {id:?}"),
    )?;
    // Whitespace is no crash: never a 5xx holds.
    match fuzzer.check(Domain::Ids, Property::NotAServerError) {
        PropertyOutcome::Passed(_) => Ok(()),
        other => Err(format!("not_a_server_error should pass: {other:?}").into()),
    }
}

fn null_for_non_ascii_ids_breaks_not_found_content_type_and_schema() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::NullForNonAsciiId, Reads::Bearer);
    let failures = scratch_dir("non-ascii-id");
    let fuzzer = fuzzer(Some(&server), &[], &failures);
    for property in [
        Property::UnknownIdNotFound,
        Property::ContentTypeConformance,
        Property::ResponseSchemaConformance,
    ] {
        let failure = expect_broken(&fuzzer, Domain::Ids, property)?;
        let id = minimal_id(&failure)?;
        let non_ascii = id.chars().filter(|c| !c.is_ascii()).count();
        check(
            !id.is_ascii() && id.chars().count() <= 2 && non_ascii >= 1,
            || format!("{property:?}: minimal id {id:?}"),
        )?;
    }
    Ok(())
}

fn a_prefix_matching_lookup_is_caught_without_naming_a_known_task() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::PrefixMatch, Reads::Bearer);
    let failures = scratch_dir("prefix");
    let fuzzer = fuzzer(Some(&server), &[], &failures);
    let failure = expect_broken(&fuzzer, Domain::Ids, Property::UnknownIdNotFound)?;
    let id = minimal_id(&failure)?;
    let known = server.task_ids[..2]
        .iter()
        .find(|known| id.starts_with(known.as_str()));
    check(
        known.is_some_and(|known| id.len() == known.len() + 1),
        || format!("minimal id {id:?} from {:?}", failure.original),
    )?;
    report_is_complete(&failure, &failures)
}

fn an_empty_bearer_token_is_caught() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::AcceptEmptyBearer, Reads::Bearer);
    let failures = scratch_dir("empty-bearer");
    for seed in [DEFAULT_SEED, 1, 7] {
        let fuzzer = fuzzer(Some(&server), &["--seed", &seed.to_string()], &failures);
        let failure = expect_broken(&fuzzer, Domain::Credentials, Property::IgnoredAuth)?;
        let CredentialInput::One(value) = minimal_credential(&failure)? else {
            return Err(format!("not one header: {:?}", failure.minimal).into());
        };
        check(
            matches!(&value.token, Token::Text(text) if text.trim().is_empty()),
            || format!("seed {seed}: minimal credential {value:?}"),
        )?;
        check(failure.message.contains("ignored the credential"), || {
            failure.message.clone()
        })?;
        report_is_complete(&failure, &failures)?;
    }
    Ok(())
}

fn a_crash_on_long_credentials_is_caught_at_the_threshold() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::CrashOnLongCredential, Reads::Bearer);
    let failures = scratch_dir("long-credential");
    let fuzzer = fuzzer(Some(&server), &[], &failures);
    let failure = expect_broken(&fuzzer, Domain::Credentials, Property::NotAServerError)?;
    let credential = minimal_credential(&failure)?;
    let sent = credential.headers(&mjconform::http::auth::KeyPlacement::Bearer, KEY);
    check(sent.len() == 1 && sent[0].1.len() == 301, || {
        format!(
            "minimal credential {credential:?} from {:?}",
            failure.original
        )
    })?;
    report_is_complete(&failure, &failures)
}

fn a_crash_on_non_ascii_credentials_is_caught() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::CrashOnNonAsciiCredential, Reads::Bearer);
    let failures = scratch_dir("non-ascii-credential");
    for seed in [DEFAULT_SEED, 1, 7] {
        let fuzzer = fuzzer(Some(&server), &["--seed", &seed.to_string()], &failures);
        let failure = expect_broken(&fuzzer, Domain::Credentials, Property::NotAServerError)?;
        let credential = minimal_credential(&failure)?;
        let value = &credential.headers(&mjconform::http::auth::KeyPlacement::Bearer, KEY)[0].1;
        let non_ascii = value.chars().filter(|c| !c.is_ascii()).count();
        check(non_ascii == 1 && value.chars().count() <= 9, || {
            format!("seed {seed}: minimal credential {credential:?}")
        })?;
        report_is_complete(&failure, &failures)?;
    }
    Ok(())
}

fn a_case_sensitive_scheme_is_caught() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::CaseSensitiveScheme, Reads::Bearer);
    let failures = scratch_dir("scheme-case");
    let fuzzer = fuzzer(Some(&server), &[], &failures);
    let failure = expect_broken(&fuzzer, Domain::Credentials, Property::SchemeCaseLikeBearer)?;
    check(
        failure.replay.to_string() == "credentials:scheme=bearer,token=key",
        || format!("minimal {}", failure.replay),
    )?;
    check(failure.message.contains("RFC 9110"), || {
        failure.message.clone()
    })?;
    report_is_complete(&failure, &failures)
}

fn other_schemes_answered_418_break_status_code_conformance() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::TeapotForOtherSchemes, Reads::Bearer);
    let failures = scratch_dir("teapot");
    let fuzzer = fuzzer(Some(&server), &[], &failures);
    let failure = expect_broken(
        &fuzzer,
        Domain::Credentials,
        Property::StatusCodeConformance,
    )?;
    check(
        failure
            .replay
            .to_string()
            .starts_with("credentials:scheme="),
        || format!("minimal {}", failure.replay),
    )?;
    // `Basic KEY` carries the real key: a 418 to it is a status the spec does not document,
    // not ignored auth (only a wrong, empty or absent key can be that).
    match fuzzer.check(Domain::Credentials, Property::IgnoredAuth) {
        PropertyOutcome::Passed(_) => Ok(()),
        PropertyOutcome::Broken(failure) => Err(format!(
            "the real key under another scheme was judged as ignored auth:\n{}",
            failure.message
        )
        .into()),
        other => Err(format!("ignored_auth: {other:?}").into()),
    }
}

fn text_for_scheme_case_variants_breaks_content_type_and_schema() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::TextForSchemeCaseVariants, Reads::Bearer);
    let failures = scratch_dir("scheme-text");
    let fuzzer = fuzzer(Some(&server), &[], &failures);
    for property in [
        Property::ContentTypeConformance,
        Property::ResponseSchemaConformance,
    ] {
        let failure = expect_broken(&fuzzer, Domain::Credentials, property)?;
        check(
            failure.replay.to_string() == "credentials:scheme=bearer,token=key",
            || format!("{property:?}: minimal {}", failure.replay),
        )?;
    }
    // The status is the same as `Bearer`'s, so the scheme-case property itself holds.
    match fuzzer.check(Domain::Credentials, Property::SchemeCaseLikeBearer) {
        PropertyOutcome::Passed(_) => Ok(()),
        other => Err(format!("scheme case should pass: {other:?}").into()),
    }
}

fn requests_stay_within_the_cap_when_everything_fails() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::AlwaysServerError, Reads::Bearer);
    let failures = scratch_dir("always");
    let fuzzer = fuzzer(Some(&server), &[], &failures);
    let mut broken = 0;
    for domain in Domain::ALL {
        for &property in domain.properties() {
            if let PropertyOutcome::Broken(_) = fuzzer.check(domain, property) {
                broken += 1;
            }
        }
    }
    let ledger = fuzzer.ledger();
    let sent = ledger.generated() + ledger.shrinking();
    println!(
        "against a server failing everything: {broken} properties broken, {}",
        ledger.line()
    );
    check(broken >= 6, || format!("only {broken} properties broken"))?;
    // The fuzzer's own count is what the server received, with the suite's own requests it
    // shared (sent once for both; nothing prefetched them in this test).
    let received = server.received.load(std::sync::atomic::Ordering::SeqCst);
    check(received == sent + ledger.shared(), || {
        format!("the server received {received} requests; {}", ledger.line())
    })?;
    check(ledger.generated() <= 64, || ledger.line())?;
    check(ledger.shrinking() <= SHRINK_REQUESTS_PER_RUN, || {
        ledger.line()
    })?;
    check(
        sent <= ledger.cap() && ledger.cap() == 64 + SHRINK_REQUESTS_PER_RUN,
        || ledger.line(),
    )
}

fn the_same_seed_generates_the_same_cases() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::None, Reads::Bearer);
    let failures = scratch_dir("determinism");
    let inputs = |seed: &str| -> Vec<Input> {
        let fuzzer = fuzzer(Some(&server), &["--seed", seed], &failures);
        Domain::ALL
            .iter()
            .flat_map(|domain| fuzzer.campaign(*domain).iter().map(|r| r.input.clone()))
            .collect()
    };
    let first = inputs("11");
    check(first.len() == 64, || format!("{} cases", first.len()))?;
    check(first == inputs("11"), || {
        "the same seed drew other cases".into()
    })?;
    check(first != inputs("12"), || {
        "another seed drew the same cases".into()
    })?;
    // The fixed edits come first, the same whatever the seed; then random case 3 is the
    // 16 KiB id whatever the seed: the schedule fixes each case's family.
    let fixed = mjconform::families::fuzz::ids::fixed_edits(&server.task_ids[..2]);
    check(fixed.len() == 5, || {
        format!("{} fixed id edits", fixed.len())
    })?;
    let second = inputs("12");
    for (n, (_, edit)) in fixed.iter().enumerate() {
        let expected = Input::Id(edit.clone());
        check(first[n] == expected && second[n] == expected, || {
            format!(
                "case {n} is {:?}, not the fixed edit {expected:?}",
                first[n]
            )
        })?;
    }
    let third_random = fixed.len() + 3;
    check(
        matches!(&first[third_random], Input::Id(IdInput::Repeat { count, .. }) if *count == 16 * 1024),
        || format!("case {third_random} is {:?}", first[third_random]),
    )
}

/// Splits a command line as POSIX `sh` would for the quoting `report::shell_quote` emits.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for quoted in chars.by_ref() {
                    if quoted == '\'' {
                        break;
                    }
                    word.push(quoted);
                }
            }
            '\\' => {
                in_word = true;
                if let Some(escaped) = chars.next() {
                    word.push(escaped);
                }
            }
            ' ' if in_word => {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
            ' ' => {}
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

fn mjconform(args: &[String], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mjconform"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env("MJ_API_KEY", KEY)
        .env_remove("MJ_TARGET_URL")
        .env_remove("MJ_SEED")
        .env_remove("MJ_FUZZ_CASES")
        .env_remove("MJ_FUZZ_REPLAY")
        .output()
        .expect("run mjconform")
}

fn a_failure_replays_with_the_printed_command() -> Result<(), Failed> {
    let server = fuzz_server::start(runtime(), Fault::ServerErrorOnPercentInId, Reads::Bearer);
    let dir = scratch_dir("replay");
    let first = mjconform(
        &strings(&[
            "--target-url",
            &server.url,
            "--task-id",
            &server.task_ids[0],
            "fuzz::ids::",
        ]),
        &dir,
    );
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&first.stderr).into_owned();
    check(first.status.code() == Some(1), || {
        format!("exit {:?}\n{stdout}\n{stderr}", first.status)
    })?;
    check(!stdout.contains(KEY) && !stderr.contains(KEY), || {
        "the key leaked".into()
    })?;
    check(stderr.contains("mjconform: fuzz: seed 20261128"), || {
        stderr.clone()
    })?;
    let rerun = stdout
        .lines()
        .find(|line| line.starts_with("replay:   ") && line.contains("not_a_server_error"))
        .ok_or_else(|| format!("no replay line in:\n{stdout}"))?
        .trim_start_matches("replay:   ")
        .to_owned();
    let input = stdout
        .lines()
        .skip_while(|line| !line.contains("property: fuzz::ids::not_a_server_error"))
        .find(|line| line.starts_with("input:"))
        .ok_or_else(|| format!("no input line in:\n{stdout}"))?
        .to_owned();
    let words = shell_words(&rerun);
    // Run by `mjconform check`, the failure prints a `mjconform check` command, the binary
    // as it was called, not a `cargo test` one that needs the package.
    check(
        words.len() > 2 && words[0] == env!("CARGO_BIN_EXE_mjconform") && words[1] == "check",
        || rerun.clone(),
    )?;
    check(rerun.contains("@target,key=bearer,ids"), || {
        format!("no run conditions in {rerun}")
    })?;
    // The replay writes its report where `--fuzz-dir` says.
    let mut replay_args = words[2..].to_vec();
    replay_args.extend(strings(&["--fuzz-dir", "elsewhere"]));
    let again = mjconform(&replay_args, &dir);
    let replayed = String::from_utf8_lossy(&again.stdout).into_owned();
    check(again.status.code() == Some(1), || {
        format!("replay exit {:?}\n{replayed}", again.status)
    })?;
    check(replayed.contains("running 1 test"), || replayed.clone())?;
    check(replayed.contains(&input), || {
        format!("`{input}` not in:\n{replayed}")
    })?;
    check(replayed.contains("replayed with --fuzz-replay"), || {
        replayed.clone()
    })?;
    check(
        String::from_utf8_lossy(&again.stderr).contains("mjconform: fuzz: 1 fuzz request ("),
        || replayed.clone(),
    )?;
    check(!replayed.contains(KEY), || {
        "the key leaked in the replay".into()
    })?;
    let label = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .replace(':', "_");
    let elsewhere = dir
        .join("elsewhere")
        .join(&label)
        .join("fuzz.ids.not_a_server_error.txt");
    check(elsewhere.is_file(), || {
        format!("no report at {}:\n{replayed}", elsewhere.display())
    })?;
    // Without the key the original run had, the replay would send no credential and could
    // pass: it is refused instead, in one line.
    let unkeyed = Command::new(env!("CARGO_BIN_EXE_mjconform"))
        .arg("check")
        .args(&words[2..])
        .current_dir(&dir)
        .env_remove("MJ_API_KEY")
        .output()
        .expect("run mjconform");
    let refusal = String::from_utf8_lossy(&unkeyed.stderr).into_owned();
    check(
        unkeyed.status.code() == Some(2)
            && unkeyed.stdout.is_empty()
            && refusal.trim_end().lines().count() == 1
            && refusal.contains("failed to replay the fuzz case")
            && refusal.contains("set MJ_API_KEY"),
        || format!("exit {:?}: {refusal}", unkeyed.status),
    )?;
    let saved = dir
        .join(mjconform::families::fuzz::FAILURES_DIR)
        .join(
            server
                .url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .replace(':', "_"),
        )
        .join("fuzz.ids.not_a_server_error.txt");
    let written =
        std::fs::read_to_string(&saved).map_err(|err| format!("{}: {err}", saved.display()))?;
    check(!written.contains(KEY) && written.contains(&rerun), || {
        written.clone()
    })?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// A failure found under a dialect replays under that dialect: the printed line carries
/// `--dialect` (and the placement), so run exactly as printed it fails again.
fn a_failure_under_a_dialect_replays_under_it() -> Result<(), Failed> {
    // A server of the doc's shape that reads the key as the Java proxy does: under the
    // java-original dialect its 404 for unknown ids is not the dialect's empty 200.
    let server = fuzz_server::start(runtime(), Fault::None, Reads::Header("mj-api-secret"));
    let dir = scratch_dir("replay-dialect");
    let first = mjconform(
        &strings(&[
            "--target-url",
            &server.url,
            "--task-id",
            &server.task_ids[0],
            "--dialect",
            "java-original",
            "fuzz::ids::",
        ]),
        &dir,
    );
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();
    check(first.status.code() == Some(1), || {
        format!("exit {:?}\n{stdout}", first.status)
    })?;
    let rerun = stdout
        .lines()
        .find(|line| line.starts_with("replay:   "))
        .ok_or_else(|| format!("no replay line in:\n{stdout}"))?
        .trim_start_matches("replay:   ")
        .to_owned();
    check(
        rerun.contains("--dialect java-original")
            && rerun.contains("--key-placement header:mj-api-secret"),
        || format!("the replay drops what changes the verdict: {rerun}"),
    )?;
    let words = shell_words(&rerun);
    let again = mjconform(&words[2..], &dir);
    let replayed = String::from_utf8_lossy(&again.stdout).into_owned();
    check(again.status.code() == Some(1), || {
        format!(
            "run as printed, the replay exits {:?}:\n{rerun}\n{replayed}\n{}",
            again.status,
            String::from_utf8_lossy(&again.stderr)
        )
    })?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

fn listing_sends_nothing_and_zero_cases_turn_fuzzing_off() -> Result<(), Failed> {
    let dir = scratch_dir("list");
    let listed = mjconform(&strings(&["--list"]), &dir);
    let list = String::from_utf8_lossy(&listed.stdout).into_owned();
    let fuzz_trials = list
        .lines()
        .filter(|line| line.starts_with("fuzz::"))
        .count();
    check(fuzz_trials == 12, || {
        format!("{fuzz_trials} fuzz trials in:\n{list}")
    })?;
    check(!list.contains("mjconform: fuzz:"), || list.clone())?;
    let off = mjconform(&strings(&["--fuzz-cases", "0", "fuzz::"]), &dir);
    let text = String::from_utf8_lossy(&off.stdout).into_owned();
    check(off.status.success(), || text.clone())?;
    check(
        text.contains("running 0 tests") && !text.contains("mjconform: fuzz:"),
        || text.clone(),
    )?;
    let bad = mjconform(&strings(&["--fuzz-replay", "ids:a b"]), &dir);
    check(bad.status.code() == Some(2), || format!("{:?}", bad.status))?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

fn main() -> ExitCode {
    let arguments = mjconform::commands::self_tests::test_arguments();
    // A simulated crash unwinds out of a server handler on purpose; keep its panic quiet.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let simulated = payload.downcast_ref::<&str>() == Some(&CRASH);
        if !simulated {
            default_hook(info);
        }
    }));
    let trial = |name: &'static str, test: fn() -> Result<(), Failed>| Trial::test(name, test);
    let trials = vec![
        trial(
            "reference_provider_passes_every_property_under_several_seeds",
            reference_provider_passes_every_property_under_several_seeds,
        ),
        trial(
            "a_conforming_server_with_framework_quirks_passes_under_several_seeds",
            a_conforming_server_with_framework_quirks_passes_under_several_seeds,
        ),
        trial(
            "a_conforming_server_reading_a_named_header_passes",
            a_conforming_server_reading_a_named_header_passes,
        ),
        trial(
            "a_500_on_percent_ids_is_caught_with_a_short_id",
            a_500_on_percent_ids_is_caught_with_a_short_id,
        ),
        trial(
            "a_crash_on_long_ids_is_caught_at_the_threshold",
            a_crash_on_long_ids_is_caught_at_the_threshold,
        ),
        trial(
            "a_400_for_whitespace_in_ids_breaks_status_code_conformance",
            a_400_for_whitespace_in_ids_breaks_status_code_conformance,
        ),
        trial(
            "null_for_non_ascii_ids_breaks_not_found_content_type_and_schema",
            null_for_non_ascii_ids_breaks_not_found_content_type_and_schema,
        ),
        trial(
            "a_prefix_matching_lookup_is_caught_without_naming_a_known_task",
            a_prefix_matching_lookup_is_caught_without_naming_a_known_task,
        ),
        trial(
            "an_empty_bearer_token_is_caught",
            an_empty_bearer_token_is_caught,
        ),
        trial(
            "a_crash_on_long_credentials_is_caught_at_the_threshold",
            a_crash_on_long_credentials_is_caught_at_the_threshold,
        ),
        trial(
            "a_crash_on_non_ascii_credentials_is_caught",
            a_crash_on_non_ascii_credentials_is_caught,
        ),
        trial(
            "a_case_sensitive_scheme_is_caught",
            a_case_sensitive_scheme_is_caught,
        ),
        trial(
            "other_schemes_answered_418_break_status_code_conformance",
            other_schemes_answered_418_break_status_code_conformance,
        ),
        trial(
            "text_for_scheme_case_variants_breaks_content_type_and_schema",
            text_for_scheme_case_variants_breaks_content_type_and_schema,
        ),
        trial(
            "requests_stay_within_the_cap_when_everything_fails",
            requests_stay_within_the_cap_when_everything_fails,
        ),
        trial(
            "the_same_seed_generates_the_same_cases",
            the_same_seed_generates_the_same_cases,
        ),
        trial(
            "a_failure_replays_with_the_printed_command",
            a_failure_replays_with_the_printed_command,
        ),
        trial(
            "a_failure_under_a_dialect_replays_under_it",
            a_failure_under_a_dialect_replays_under_it,
        ),
        trial(
            "listing_sends_nothing_and_zero_cases_turn_fuzzing_off",
            listing_sends_nothing_and_zero_cases_turn_fuzzing_off,
        ),
    ];
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}
