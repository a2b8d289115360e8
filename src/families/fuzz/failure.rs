//! The message of a failed fuzz trial: the property, the minimal input and where it came
//! from, the request as curl, the answer, the findings, the seed, and the one command that
//! reruns the case. Built from [`crate::message::failure`]'s pieces and passed through the redactor,
//! like every other report.

use std::fmt::Write as _;

use super::input::Input;
use super::properties::{Breach, Property};
use crate::http::auth::KeyPlacement;
use crate::http::client::ClientLimits;
use crate::http::exchange::{Exchange, SentRequest};
use crate::message::failure::{curl_command, describe_answer_around, pointers_of};
use crate::message::redact::Redactor;

/// What a report says went wrong.
#[derive(Debug, Clone)]
pub enum Verdict<'a> {
    /// The server broke the property.
    Breach(&'a Breach),
    /// No answer to judge.
    Error(&'a str),
}

/// Everything a report shows.
#[derive(Debug)]
pub struct Parts<'a> {
    pub trial: &'a str,
    pub property: Property,
    pub verdict: Verdict<'a>,
    pub input: &'a Input,
    pub placement: &'a KeyPlacement,
    /// Where the input came from: family, case number, shrinking.
    pub provenance: &'a str,
    /// The request as sent, credential headers in symbolic form (`Bearer ***[..5]`).
    pub request: &'a SentRequest,
    pub answer: Option<&'a Exchange>,
    pub seed: u64,
    pub rerun: &'a str,
    /// Whether the rerun needs the key in `MJ_API_KEY`.
    pub needs_key: bool,
    pub requests: &'a str,
}

/// Runs of one character longer than this are abbreviated in reports.
const LONGEST_RUN_SHOWN: usize = 32;

/// `text` with each run of one character longer than [`LONGEST_RUN_SHOWN`] cut to eight and
/// a count: a 16 KiB id would otherwise bury the report.
pub fn abbreviate_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len().min(4096));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&d| d == c).count();
        if run > LONGEST_RUN_SHOWN {
            out.extend(std::iter::repeat_n(c, 8));
            let _ = write!(out, "…[{run} × {c}]…");
        } else {
            out.extend(std::iter::repeat_n(c, run));
        }
        i += run;
    }
    out
}

/// The report, redacted.
pub fn render(parts: &Parts, limits: &ClientLimits, redactor: &Redactor) -> String {
    let mut out = String::new();
    match parts.verdict {
        Verdict::Breach(_) => out.push_str("FAILURE: the server broke the contract\n"),
        Verdict::Error(_) => out.push_str("ERROR: the check could not run\n"),
    }
    let _ = writeln!(
        out,
        "property: {}: {}",
        parts.trial,
        parts.property.purpose()
    );
    let _ = writeln!(out, "input:    {}", parts.input.describe(parts.placement));
    let _ = writeln!(out, "          {}", parts.provenance);
    let curl = curl_command(parts.request, limits, redactor);
    let _ = writeln!(out, "request:  {}", abbreviate_runs(&curl));
    if curl.contains("$MJ_API_KEY") {
        out.push_str("          (curl builds the credential from $MJ_API_KEY: set it first)\n");
    }
    let _ = writeln!(
        out,
        "raw path: {}",
        abbreviate_runs(&parts.request.raw_path)
    );
    match (parts.answer, &parts.verdict) {
        (Some(exchange), Verdict::Breach(Breach::Answer { findings, .. })) => out.push_str(
            &describe_answer_around(exchange, redactor, &pointers_of(findings)),
        ),
        (Some(exchange), _) => out.push_str(&describe_answer_around(exchange, redactor, &[])),
        (None, Verdict::Breach(Breach::Dropped { reason })) => {
            let _ = writeln!(out, "answer:   none: {reason}");
        }
        (None, Verdict::Error(reason)) => {
            let _ = writeln!(out, "answer:   none: {reason}");
        }
        (None, Verdict::Breach(Breach::Answer { .. })) => {
            out.push_str("answer:   none\n");
        }
    }
    match parts.verdict {
        Verdict::Breach(Breach::Answer { check, findings }) => {
            out.push_str("findings:\n");
            for finding in findings {
                let by = check.map(|check| format!("{check}: ")).unwrap_or_default();
                let _ = writeln!(out, "  - {by}{finding}");
            }
        }
        Verdict::Breach(Breach::Dropped { .. }) => {
            out.push_str(
                "findings:\n  - the server closed the connection instead of answering: it \
                 crashed on this input (a conforming server answers even a request it \
                 refuses, with a status)\n",
            );
        }
        Verdict::Error(_) => {}
    }
    let _ = writeln!(out, "seed:     {}", parts.seed);
    let _ = writeln!(out, "replay:   {}", parts.rerun);
    if parts.needs_key {
        out.push_str("          (the key is read from MJ_API_KEY, never from the command line: set it first)\n");
    }
    let _ = writeln!(out, "requests: {}", parts.requests);
    redactor.redact(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Finding;
    use crate::families::fuzz::credentials::{CredentialInput, CredentialValue, Scheme, Token};
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn long_runs_are_abbreviated() {
        assert_eq!(abbreviate_runs("abc"), "abc");
        let long = format!("/mj/task/{}/fetch", "a".repeat(16384));
        assert_eq!(
            abbreviate_runs(&long),
            "/mj/task/aaaaaaaa…[16384 × a]…/fetch"
        );
        let exactly = "b".repeat(LONGEST_RUN_SHOWN);
        assert_eq!(abbreviate_runs(&exactly), exactly);
    }

    #[test]
    fn a_report_has_every_part_and_no_key() {
        let redactor = Redactor::new(["sk-live-123"]);
        let input = Input::Credential(CredentialInput::One(CredentialValue {
            scheme: Scheme::Placement,
            gap: 1,
            lead: 0,
            trail: 0,
            token: Token::Text(String::new()),
        }));
        let mut exchange = answer(200, Some("application/json"), "{\"id\":\"1\"}");
        exchange.request.headers = vec![("authorization".into(), "Bearer ".into())];
        let breach = Breach::Answer {
            check: Some(crate::checks::Check::IgnoredAuth),
            findings: vec![Finding::new("the server ignored the credential")],
        };
        let parts = Parts {
            trial: "fuzz::credentials::ignored_auth",
            property: Property::IgnoredAuth,
            verdict: Verdict::Breach(&breach),
            input: &input,
            placement: &KeyPlacement::Bearer,
            provenance: "empty or blank token; case 1 of 32",
            request: &exchange.request,
            answer: Some(&exchange),
            seed: 7,
            rerun: "cargo test --test conformance -- --seed 7 --fuzz-replay credentials:token=text: --exact fuzz::credentials::ignored_auth",
            needs_key: true,
            requests: "33 fuzz requests",
        };
        let text = render(&parts, &ClientLimits::default(), &redactor);
        for expected in [
            "FAILURE: the server broke the contract",
            "property: fuzz::credentials::ignored_auth:",
            "input:    authorization: \"Bearer \"",
            "request:  curl",
            "raw path: /mj/task/1/fetch",
            "status:   200",
            "  - ignored_auth: the server ignored the credential",
            "seed:     7",
            "replay:   cargo test",
            "MJ_API_KEY",
        ] {
            assert!(text.contains(expected), "{expected} in:\n{text}");
        }
        assert!(!redactor.leaks(&text));
    }
}
