//! mjconform's schema validator against raw `jsonschema` on the same converted schema.
//!
//! The subject is a finished IMAGINE task with its 9 buttons, as the reference provider
//! serves it, already parsed: both sides validate the same `serde_json::Value` against
//! the same JSON Schema 2020-12 document (the contract's 200 schema, converted from
//! OpenAPI once, before timing). mjconform's side is `SchemaValidator::validate`, which
//! returns the violations a report prints; the raw side is the crate's own
//! `Validator::is_valid` (the cheapest thing it offers), with the same draft and format
//! assertions. What mjconform adds on top is its int64/int32 keyword and the violation
//! list.
//!
//! `cargo bench --bench validator` prints divan's tables, then the ratios timed in
//! alternating batches (goal: at most 1.2x). Under `cargo test` each runs a few times.

#[path = "support/ratio.rs"]
mod ratio;

use std::sync::LazyLock;

use jsonschema::{Draft, Validator};
use mjconform::contract::spec::Contract;
use mjconform::contract::validate::SchemaValidator;
use serde_json::Value;

struct Subject {
    ours: std::sync::Arc<SchemaValidator>,
    raw: Validator,
    task: Value,
}

static SUBJECT: LazyLock<Subject> = LazyLock::new(|| {
    let contract = Contract::embedded();
    let ours = contract
        .fetch
        .documented(200)
        .and_then(|response| response.media.iter().find_map(|media| media.schema.clone()))
        .expect("the contract documents a 200 body schema");
    let raw = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(ours.json_schema())
        .expect("the converted schema compiles");
    Subject {
        ours,
        raw,
        task: nine_button_task(),
    }
});

/// The finished fox IMAGINE task of the reference provider: SUCCESS, 9 buttons.
fn nine_button_task() -> Value {
    let now_ms = 1_747_133_323_000;
    mjconform::provider::seeded_tasks(now_ms)
        .into_iter()
        .find(|task| {
            task["status"] == "SUCCESS"
                && task["buttons"]
                    .as_array()
                    .is_some_and(|buttons| buttons.len() == 9)
        })
        .expect("a finished task with 9 buttons")
}

#[divan::bench]
fn mjconform_validate() -> usize {
    let subject = &*SUBJECT;
    subject.ours.validate(divan::black_box(&subject.task)).len()
}

#[divan::bench]
fn raw_jsonschema_is_valid() -> bool {
    let subject = &*SUBJECT;
    subject.raw.is_valid(divan::black_box(&subject.task))
}

#[divan::bench]
fn raw_jsonschema_iter_errors() -> usize {
    let subject = &*SUBJECT;
    subject
        .raw
        .iter_errors(divan::black_box(&subject.task))
        .count()
}

fn main() {
    let bench = ratio::bench_mode();
    let subject = &*SUBJECT;
    assert!(
        subject.ours.validate(&subject.task).is_empty(),
        "the reference task conforms"
    );
    assert!(subject.raw.is_valid(&subject.task));
    divan::main();
    if !bench {
        println!("(test mode: a few unoptimised iterations; `cargo bench` for figures)");
    }
    let load = ratio::load_average();
    let vs_is_valid = ratio::compare(
        bench,
        || subject.ours.validate(&subject.task).len(),
        || subject.raw.is_valid(&subject.task),
    );
    let vs_iter_errors = ratio::compare(
        bench,
        || subject.ours.validate(&subject.task).len(),
        || subject.raw.iter_errors(&subject.task).count(),
    );
    println!(
        "validator, 9-button task: mjconform {} vs raw jsonschema is_valid {}: {:.2}x (median of pairs {:.2}x; goal <= 1.2x)",
        ratio::micros(vs_is_valid.a),
        ratio::micros(vs_is_valid.b),
        vs_is_valid.ratio,
        vs_is_valid.median_pair_ratio,
    );
    println!(
        "validator, 9-button task: mjconform {} vs raw jsonschema iter_errors {}: {:.2}x (median of pairs {:.2}x)",
        ratio::micros(vs_iter_errors.a),
        ratio::micros(vs_iter_errors.b),
        vs_iter_errors.ratio,
        vs_iter_errors.median_pair_ratio,
    );
    println!(
        "validator: load average {load} at the start, {} at the end (2 cores)",
        ratio::load_average()
    );
}
