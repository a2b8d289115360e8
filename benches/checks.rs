//! A trial's checks on one answer: every check that reads the answer to a known task,
//! per answer.
//!
//! The answer is the reference provider's finished 9-button IMAGINE task as a 200
//! `application/json` exchange. The checks are the ones a run applies to that case
//! (`Check::applies_to(KnownTask)`): status, content type, schema, and the semantic checks.
//! The ratio puts the figure in proportion: the checks' cost over the least any judge of
//! the answer must pay, one parse of the body (`serde_json::from_slice`).
//!
//! `cargo bench --bench checks` prints divan's tables and the ratios; under `cargo test`
//! each runs a few times.

#[path = "support/ratio.rs"]
mod ratio;

use std::sync::LazyLock;
use std::time::Duration;

use mjconform::checks::{Check, Probe, Verdict};
use mjconform::contract::spec::Contract;
use mjconform::http::exchange::{Exchange, SentRequest};
use serde_json::Value;

struct Subject {
    contract: Contract,
    exchange: Exchange,
    checks: Vec<Check>,
}

static SUBJECT: LazyLock<Subject> = LazyLock::new(|| {
    let task = mjconform::provider::seeded_tasks(now_ms())
        .into_iter()
        .find(|task| {
            task["status"] == "SUCCESS"
                && task["buttons"]
                    .as_array()
                    .is_some_and(|buttons| buttons.len() == 9)
        })
        .expect("a finished task with 9 buttons");
    let id = task["id"].as_str().unwrap_or_default().to_owned();
    let exchange = Exchange {
        request: SentRequest {
            method: "GET".to_owned(),
            url: format!("http://127.0.0.1:1/mj/task/{id}/fetch"),
            raw_path: format!("/mj/task/{id}/fetch"),
            headers: vec![("authorization".to_owned(), "Bearer bench".to_owned())],
        },
        status: 200,
        headers: vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("content-length".to_owned(), "0".to_owned()),
        ],
        body: serde_json::to_vec(&task).expect("a task serialises"),
        body_truncated: false,
        body_cap: 8 << 20,
        elapsed: Duration::from_millis(1),
        time_limit: None,
        wire: None,
        content_coding: None,
        parsed: Default::default(),
    };
    Subject {
        contract: Contract::embedded(),
        exchange,
        checks: Check::ALL
            .into_iter()
            .filter(|check| check.applies_to(&Probe::KnownTask))
            .collect(),
    }
});

fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

/// Every check on a fresh copy of the answer: the exchange keeps its body's decoding for
/// the checks that read it, and each iteration is a new answer, decoded once, as in a run.
fn all_checks(subject: &Subject) -> usize {
    let exchange = subject.exchange.clone();
    subject
        .checks
        .iter()
        .filter(|check| {
            check.run(&subject.contract.fetch, &Probe::KnownTask, &exchange) == Verdict::Pass
        })
        .count()
}

fn parse_once(subject: &Subject) -> Value {
    serde_json::from_slice(&subject.exchange.body).expect("JSON")
}

#[divan::bench]
fn every_check_on_one_answer() -> usize {
    all_checks(divan::black_box(&SUBJECT))
}

#[divan::bench]
fn one_parse_of_the_body() -> Value {
    parse_once(divan::black_box(&SUBJECT))
}

/// One check on a fresh copy of the answer, so a check that reads the body pays its decoding.
#[divan::bench(args = Check::ALL.into_iter().filter(|check| check.applies_to(&Probe::KnownTask)))]
fn one_check(check: Check) -> Verdict {
    let subject = &*SUBJECT;
    let exchange = subject.exchange.clone();
    check.run(
        &subject.contract.fetch,
        &Probe::KnownTask,
        divan::black_box(&exchange),
    )
}

fn main() {
    let bench = ratio::bench_mode();
    let subject = &*SUBJECT;
    assert_eq!(
        all_checks(subject),
        subject.checks.len(),
        "every check passes the reference task"
    );
    divan::main();
    if !bench {
        println!("(test mode: a few unoptimised iterations; `cargo bench` for figures)");
    }
    let load = ratio::load_average();
    let figures = ratio::compare(bench, || all_checks(subject), || parse_once(subject));
    println!(
        "checks on one answer ({} checks, {} B body): {} per answer, {:.1}x one parse of the body ({}); median of pairs {:.1}x",
        subject.checks.len(),
        subject.exchange.body.len(),
        ratio::micros(figures.a),
        figures.ratio,
        ratio::micros(figures.b),
        figures.median_pair_ratio,
    );
    println!(
        "checks: load average {load} at the start, {} at the end (2 cores)",
        ratio::load_average()
    );
}
