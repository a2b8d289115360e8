//! A trial's outcome as plain text, composed from the record's parts: the JUnit failure text
//! and the Markdown details read it. (The record's `message` is the terminal's rendering;
//! reports compose their own so each part can be laid out for its reader.)

use std::fmt::Write as _;

use serde_json::Value;

use super::Report;
use crate::run::outcome::{FindingRecord, TrialRecord};

/// One finding on one line, with its machine-readable parts after the message.
pub fn finding_line(finding: &FindingRecord) -> String {
    let mut line = finding.line();
    let mut parts = Vec::new();
    if let Some(rule) = &finding.rule {
        parts.push(format!("rule {rule}"));
    }
    if let Some(expected) = &finding.expected {
        parts.push(format!("expected {expected}"));
    }
    if let Some(actual) = &finding.actual {
        parts.push(format!("actual {actual}"));
    }
    if !parts.is_empty() {
        write!(line, " [{}]", parts.join("; ")).unwrap();
    }
    if let Some(reason) = &finding.accepted_because {
        write!(line, " (accepted: {reason})").unwrap();
    }
    line
}

/// A short one-line summary of why a trial did not simply pass.
pub fn summary(trial: &TrialRecord) -> String {
    if let Some(first) = trial.findings.first() {
        let more = trial.findings.len() - 1;
        return if more == 0 {
            first.line()
        } else {
            format!("{} (and {more} more)", first.line())
        };
    }
    if let Some(reason) = &trial.reason {
        return reason.clone();
    }
    if let Some(first) = trial.known.first() {
        return format!("known: {}", first.line());
    }
    if let Some(message) = &trial.message {
        return message.lines().next().unwrap_or_default().to_owned();
    }
    trial.status.label().to_owned()
}

/// The whole failure as text: findings, why it could not run, the reproduction, the answer
/// and the snapshot diff.
pub fn failure_text(trial: &TrialRecord) -> String {
    let mut out = String::new();
    writeln!(out, "{} ({})", trial.name, trial.purpose.trim()).unwrap();
    if let Some(reason) = &trial.reason {
        writeln!(out, "could not run: {reason}").unwrap();
    }
    if !trial.findings.is_empty() {
        let title = if trial.status == crate::run::outcome::TrialStatus::Warned {
            "warnings (the check is at level warn):"
        } else {
            "findings:"
        };
        writeln!(out, "{title}").unwrap();
        for finding in &trial.findings {
            writeln!(out, "  - {}", finding_line(finding)).unwrap();
        }
    }
    if !trial.known.is_empty() {
        writeln!(out, "known deviations (accepted by the baseline):").unwrap();
        for finding in &trial.known {
            writeln!(out, "  - {}", finding_line(finding)).unwrap();
        }
    }
    if let Some(exchange) = &trial.exchange {
        writeln!(out, "reproduce:\n  {}", exchange.curl).unwrap();
        match exchange.status {
            Some(status) => writeln!(
                out,
                "answer: status {status}, {} body bytes{}",
                exchange.body_bytes,
                if exchange.body_truncated {
                    " (cut at the cap)"
                } else {
                    ""
                }
            )
            .unwrap(),
            None => writeln!(out, "answer: none").unwrap(),
        }
    }
    if let Some(diff) = &trial.diff {
        writeln!(out, "diff (- baseline, + this run):\n{}", diff.trim_end()).unwrap();
    }
    out
}

/// Every field of the run's facts and totals as a `(name, text)` pair, by name within each:
/// a field the model gains shows up in every report's facts without a change here. Absent
/// values and empty lists are left out.
pub fn fact_pairs(report: &Report) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let values = [
        serde_json::to_value(report.facts),
        serde_json::to_value(report.totals),
    ];
    for value in values.into_iter().flatten() {
        let Value::Object(fields) = value else {
            continue;
        };
        for (name, value) in fields {
            let text = match value {
                Value::Null => continue,
                Value::Array(items) if items.is_empty() => continue,
                Value::String(text) => text,
                Value::Array(items) => items
                    .iter()
                    .map(|item| match item {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            pairs.push((name, text));
        }
    }
    pairs
}
