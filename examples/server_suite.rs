//! For teams writing a *server* of the task API: the conformance suite from your own code,
//! with its outcome as data.
//!
//! `cargo run --example server_suite -- URL KEY TASK_ID` checks your server. Without
//! arguments it starts the reference provider twice, once keeping the contract and once with
//! a fault, and checks both, so it runs anywhere. Copied into a crate that depends on
//! mjconform, it needs nothing else.

use std::process::ExitCode;

use mjconform::{Conformance, Outcome, ReferenceProvider, Status};

fn summary(outcome: &Outcome) -> String {
    format!(
        "{} passed, {} failed, {} errored, {} ignored; {} requests sent",
        outcome.count(Status::Passed),
        outcome.count(Status::Failed),
        outcome.count(Status::Errored),
        outcome.count(Status::Ignored),
        outcome.requests_sent
    )
}

fn check(url: &str, key: &str, ids: &[String]) -> Result<Outcome, mjconform::Error> {
    let mut run = Conformance::against(url).api_key(key).fuzz_cases(8);
    for id in ids {
        run = run.task_id(id.as_str());
    }
    run.run()
}

fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [url, key, ids @ ..] = args.as_slice() {
        let outcome = check(url, key, ids)?;
        for trial in outcome.failures() {
            println!("FAILED {}", trial.name);
            for finding in &trial.findings {
                println!("    {}", finding.message);
            }
        }
        println!("{}", summary(&outcome));
        return Ok(ExitCode::from(outcome.exit_code));
    }

    // A server that keeps the contract passes.
    let good = ReferenceProvider::start()?;
    let outcome = check(good.url(), good.api_key(), good.task_ids())?;
    println!("reference provider: {}", summary(&outcome));
    assert!(outcome.kept_the_contract());

    // A server with one deviation fails exactly where it deviates, with findings as data.
    let bad = ReferenceProvider::builder()
        .fault("button-integer-type-style")
        .start()?;
    let outcome = check(bad.url(), bad.api_key(), bad.task_ids())?;
    println!("with a fault: {}", summary(&outcome));
    assert!(!outcome.kept_the_contract());
    // The schema check owns this deviation, whichever family (the suite, a fuzz
    // property) reached it.
    assert!(outcome
        .failures()
        .all(|trial| trial.check.ends_with("response_schema_conformance")));
    let finding = &outcome.failures().next().expect("a failure").findings[0];
    println!(
        "first finding: {} (pointer {}, rule {})",
        finding.message,
        finding.pointer.as_deref().unwrap_or("-"),
        finding.rule.as_deref().unwrap_or("-")
    );
    println!("server_suite: ok");
    Ok(ExitCode::SUCCESS)
}
