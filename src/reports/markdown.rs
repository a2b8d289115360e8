//! The Markdown summary, for a CI page (GitHub's job summary, a GitLab or GitHub comment):
//! the verdict in one line, the counts, a check × outcome table, each failure in a
//! `<details>` block with its findings and curl line, then the warnings (checks at level
//! `warn`) and the known deviations apart.
//!
//! GitHub caps a job summary at 1 MiB, so the details stop after [`MAX_DETAILED`] failures
//! and the rest are listed by name; the HTML and JSON reports hold them all.

use std::fmt::Write as _;

use super::escape::{code_block, html, markdown_inline};
use super::grouping::{by_family, severity};
use super::text::{finding_line, summary};
use super::{known, plural, wrong, Report};
use crate::run::outcome::{TrialRecord, TrialStatus};

/// Failures shown with their details; more are listed by name.
const MAX_DETAILED: usize = 50;
/// Further failures listed by name; past this, only counted.
const MAX_LISTED: usize = 300;
/// Lines of a snapshot diff shown in a summary.
const MAX_DIFF_LINES: usize = 60;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let icon = if report.failed() { "❌" } else { "✅" };
    writeln!(
        out,
        "## {icon} mjconform: {}\n",
        markdown_inline(&report.headline())
    )
    .unwrap();
    counts(&mut out, report);
    what_is_wrong(&mut out, report);
    check_table(&mut out, report);
    failures(&mut out, report);
    warnings(&mut out, report);
    known(&mut out, report);
    baseline(&mut out, report);
    footer(&mut out, report);
    out
}

fn counts(out: &mut String, report: &Report) {
    let totals = report.totals;
    // Trial counts, then the known deviations (findings) apart: a trial can hold several.
    out.push_str("| passed | known | warnings | failed | errored | ignored | known deviations | requests | duration |\n");
    out.push_str("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        totals.passed,
        totals.known,
        totals.warnings,
        totals.failed,
        totals.errored,
        totals.ignored,
        report
            .trials
            .iter()
            .map(|trial| trial.known.len())
            .sum::<usize>(),
        totals.requests_sent,
        super::duration_text(totals.duration_ms)
    )
    .unwrap();
    if let Some(fuzz) = &totals.fuzz_requests {
        writeln!(out, "Fuzzing: {}\n", markdown_inline(fuzz)).unwrap();
    }
    if let Some(reason) = &totals.interrupted {
        writeln!(
            out,
            "> **The run stopped early:** {}. The trials below are those that ran.\n",
            markdown_inline(reason)
        )
        .unwrap();
    }
}

/// One line per failing check with the distinct rules it broke, and the baseline entries
/// that fail a strict run: the same list as the HTML card's.
fn what_is_wrong(out: &mut String, report: &Report) {
    let baseline = wrong::baseline_lines(report);
    let groups = by_family(report.trials);
    let mut failing: Vec<_> = groups
        .iter()
        .flat_map(|family| &family.checks)
        .filter(|check| check.worst().is_failure())
        .collect();
    failing.sort_by_key(|check| std::cmp::Reverse(severity(check.worst())));
    if failing.is_empty() && baseline.is_empty() {
        return;
    }
    out.push_str("### What is wrong\n\n");
    for check in failing {
        let bad: Vec<&TrialRecord> = check
            .trials
            .iter()
            .copied()
            .filter(|trial| trial.status.is_failure())
            .collect();
        let kind = if bad.iter().all(|trial| trial.status == TrialStatus::Errored) {
            "could not run"
        } else {
            "fails"
        };
        writeln!(
            out,
            "- `{}` {kind} in {} of {}:",
            markdown_inline(check.check),
            bad.len(),
            plural(check.trials.len(), "case", "cases")
        )
        .unwrap();
        let problems = wrong::problems(&bad);
        for problem in problems.iter().take(wrong::MAX_RULES) {
            writeln!(out, "  - {}", markdown_inline(&problem.text())).unwrap();
        }
        if problems.len() > wrong::MAX_RULES {
            writeln!(
                out,
                "  - … and {} more distinct problems",
                problems.len() - wrong::MAX_RULES
            )
            .unwrap();
        }
    }
    for (name, line) in baseline {
        writeln!(out, "- `{name}`: {}", markdown_inline(&line)).unwrap();
    }
    out.push('\n');
}

fn check_table(out: &mut String, report: &Report) {
    let groups = by_family(report.trials);
    if groups.is_empty() {
        out.push_str("No trial ran.\n\n");
        return;
    }
    out.push_str("| check | pass | known | warn | fail | error | ignored |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    let cell = |count: usize, strong: bool| match count {
        0 => String::new(),
        n if strong => format!("**{n}**"),
        n => n.to_string(),
    };
    for group in &groups {
        for check in &group.checks {
            let icon = match check.worst() {
                TrialStatus::Failed | TrialStatus::Errored => "❌",
                TrialStatus::Known | TrialStatus::Warned => "⚠️",
                TrialStatus::Passed => "✅",
                TrialStatus::Ignored => "➖",
            };
            writeln!(
                out,
                "| {icon} {} | {} | {} | {} | {} | {} | {} |",
                markdown_inline(check.check),
                cell(check.count(TrialStatus::Passed), false),
                cell(check.count(TrialStatus::Known), false),
                cell(check.count(TrialStatus::Warned), false),
                cell(check.count(TrialStatus::Failed), true),
                cell(check.count(TrialStatus::Errored), true),
                cell(check.count(TrialStatus::Ignored), false),
            )
            .unwrap();
        }
    }
    out.push('\n');
}

fn failures(out: &mut String, report: &Report) {
    let failing = report.failing();
    if failing.is_empty() {
        return;
    }
    writeln!(out, "### Failures ({})\n", failing.len()).unwrap();
    for trial in failing.iter().take(MAX_DETAILED) {
        details(out, trial);
    }
    let rest = &failing[failing.len().min(MAX_DETAILED)..];
    if rest.is_empty() {
        return;
    }
    writeln!(
        out,
        "<details><summary>{} more failures (the HTML and JSON reports hold every one)</summary>\n",
        rest.len()
    )
    .unwrap();
    for trial in rest.iter().take(MAX_LISTED) {
        writeln!(
            out,
            "- {} {}: {}",
            status_word(trial.status),
            markdown_inline(&trial.name),
            markdown_inline(&summary(trial))
        )
        .unwrap();
    }
    if rest.len() > MAX_LISTED {
        writeln!(out, "- … and {} more", rest.len() - MAX_LISTED).unwrap();
    }
    out.push_str("\n</details>\n\n");
}

fn status_word(status: TrialStatus) -> &'static str {
    match status {
        TrialStatus::Failed => "**fail**",
        TrialStatus::Errored => "**error**",
        other => other.label(),
    }
}

/// One failure: a summary line that says what broke, then the parts to act on.
fn details(out: &mut String, trial: &TrialRecord) {
    let kind = match trial.status {
        TrialStatus::Errored => "error",
        _ => "fail",
    };
    // The summary line sits in an HTML block, where Markdown is not read: HTML escaping only.
    writeln!(
        out,
        "<details><summary>{kind}: <code>{}</code>: {}</summary>\n",
        html(&trial.name),
        html(&summary(trial))
    )
    .unwrap();
    if !trial.purpose.trim().is_empty() {
        writeln!(out, "*{}*\n", markdown_inline(trial.purpose.trim())).unwrap();
    }
    if let Some(reason) = &trial.reason {
        writeln!(out, "Could not run: {}\n", markdown_inline(reason)).unwrap();
    }
    for finding in &trial.findings {
        writeln!(out, "- {}", markdown_inline(&finding_line(finding))).unwrap();
    }
    if !trial.findings.is_empty() {
        out.push('\n');
    }
    if let Some(exchange) = &trial.exchange {
        out.push_str("Reproduce:\n\n");
        out.push_str(&code_block("sh", &exchange.curl));
        out.push('\n');
        match exchange.status {
            Some(status) => writeln!(
                out,
                "Answer: status {status}, {} body bytes{}\n",
                exchange.body_bytes,
                if exchange.body_truncated {
                    " (cut at the cap)"
                } else {
                    ""
                }
            )
            .unwrap(),
            None => out.push_str("Answer: none\n\n"),
        }
    }
    if let Some(diff) = &trial.diff {
        let lines: Vec<&str> = diff.lines().collect();
        let mut shown = lines[..lines.len().min(MAX_DIFF_LINES)].join("\n");
        if lines.len() > MAX_DIFF_LINES {
            write!(shown, "\n… {} more lines", lines.len() - MAX_DIFF_LINES).unwrap();
        }
        out.push_str("Snapshot diff (- baseline, + this run):\n\n");
        out.push_str(&code_block("diff", &shown));
        out.push('\n');
    }
    out.push_str("</details>\n\n");
}

fn warnings(out: &mut String, report: &Report) {
    let warned = report.warned();
    if warned.is_empty() {
        return;
    }
    writeln!(
        out,
        "### Warnings ({}, checks at level warn, not failures)\n",
        warned.len()
    )
    .unwrap();
    for trial in warned.iter().take(MAX_LISTED) {
        for finding in &trial.findings {
            writeln!(
                out,
                "- warning: {}: {}",
                markdown_inline(&trial.name),
                markdown_inline(&finding_line(finding))
            )
            .unwrap();
        }
    }
    if warned.len() > MAX_LISTED {
        writeln!(out, "- … and {} more trials", warned.len() - MAX_LISTED).unwrap();
    }
    out.push('\n');
}

fn known(out: &mut String, report: &Report) {
    let Some(phrase) = report.known_phrase() else {
        return;
    };
    writeln!(
        out,
        "### Known deviations ({phrase}, accepted by the baseline, not failures)\n"
    )
    .unwrap();
    // One line per baseline entry (check, rule, reason), not one per finding.
    let groups = known::groups(report.trials);
    for group in groups.iter().take(MAX_LISTED) {
        writeln!(
            out,
            "- `{}`{}: {} ({}), e.g. {}",
            markdown_inline(group.check),
            group
                .rule
                .map(|rule| format!(" rule `{}`", markdown_inline(rule)))
                .unwrap_or_default(),
            group.counts(),
            markdown_inline(&group.cases(5)),
            markdown_inline(&finding_line(group.first))
        )
        .unwrap();
    }
    if groups.len() > MAX_LISTED {
        writeln!(out, "- … and {} more", groups.len() - MAX_LISTED).unwrap();
    }
    out.push('\n');
}

fn baseline(out: &mut String, report: &Report) {
    let totals = report.totals;
    for (title, entries) in [
        (
            "Baseline entries that matched nothing in this run",
            &totals.stale_baseline_entries,
        ),
        (
            "Baseline entries past their date",
            &totals.expired_baseline_entries,
        ),
    ] {
        if entries.is_empty() {
            continue;
        }
        writeln!(out, "### {title} ({})\n", entries.len()).unwrap();
        for entry in entries {
            writeln!(out, "- {}", markdown_inline(entry)).unwrap();
        }
        out.push('\n');
    }
}

fn footer(out: &mut String, report: &Report) {
    let facts = report.facts;
    writeln!(
        out,
        "<sub>mjconform {} · spec {} ({}) · seed {} · started {} · {}</sub>",
        markdown_inline(&facts.mjconform_version),
        markdown_inline(&facts.spec),
        markdown_inline(&facts.spec_digest),
        facts.seed,
        markdown_inline(&facts.started_at),
        markdown_inline(&facts.invocation),
    )
    .unwrap();
}
