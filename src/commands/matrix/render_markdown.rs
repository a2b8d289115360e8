//! `matrix.md`: the verdict in one line, a table of targets (verdict, dialect, counts, its
//! report), then the matrix itself with a row per check and a column per target, each cell
//! pass / N failures / known / could not run, failing cells linking to the target's own
//! `report.html` at the failure. Everything from a target is escaped.

use std::fmt::Write as _;

use super::model::{Cell, CellStatus, MatrixOutcome, TargetOutcome, Verdict};
use crate::reports::escape::markdown_inline;

pub fn render(outcome: &MatrixOutcome) -> String {
    let mut out = String::new();
    let icon = if outcome.exit_code == 0 { "✅" } else { "❌" };
    writeln!(
        out,
        "## {icon} mjconform matrix: {}\n",
        markdown_inline(&headline(outcome))
    )
    .unwrap();
    if let Some(why) = &outcome.interrupted {
        writeln!(out, "**Stopped early:** {}\n", markdown_inline(why)).unwrap();
    }
    targets(&mut out, outcome);
    grid(&mut out, outcome);
    reasons(&mut out, outcome);
    writeln!(
        out,
        "<sub>mjconform {} · {} · each target's own reports (JSON, JUnit, HTML) are in its directory beside this file.</sub>",
        markdown_inline(&outcome.mjconform_version),
        markdown_inline(&outcome.file)
    )
    .unwrap();
    out
}

/// `2 of 6 targets fail or could not run`, or `6 targets pass`.
pub fn headline(outcome: &MatrixOutcome) -> String {
    let total = outcome.targets.len();
    let bad = outcome
        .targets
        .iter()
        .filter(|target| target.verdict.is_failure())
        .count();
    if bad == 0 {
        let known = outcome
            .targets
            .iter()
            .filter(|target| target.verdict == Verdict::Known)
            .count();
        match known {
            0 => format!("all {total} targets pass"),
            _ => format!("all {total} targets pass ({known} with known deviations only)"),
        }
    } else {
        format!("{bad} of {total} targets fail or could not run")
    }
}

pub fn verdict_icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✅",
        Verdict::Known => "☑️",
        Verdict::Fail => "❌",
        Verdict::CouldNotRun => "⚠️",
    }
}

fn targets(out: &mut String, outcome: &MatrixOutcome) {
    out.push_str("| target | verdict | dialect | checked against | passed | known | failed | could not run | requests | time | report |\n");
    out.push_str("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for target in &outcome.targets {
        let counts = |pick: fn(&super::model::Counts) -> usize| {
            target
                .counts
                .as_ref()
                .map_or_else(|| "–".to_owned(), |c| pick(c).to_string())
        };
        let report = match &target.files.html {
            Some(html) => format!("[report]({html})"),
            None => "none".to_owned(),
        };
        writeln!(
            out,
            "| {} | {} {} | {} | {} | {} | {} | {} | {} | {} | {} | {report} |",
            markdown_inline(&target.name),
            verdict_icon(target.verdict),
            markdown_inline(target.verdict.label()),
            markdown_inline(&target.dialect.text()),
            markdown_inline(&target.checked_against),
            counts(|c| c.passed),
            counts(|c| c.known),
            counts(|c| c.failed),
            counts(|c| c.could_not_run),
            counts(|c| c.requests_sent),
            crate::reports::duration_text(target.duration_ms),
        )
        .unwrap();
    }
    out.push('\n');
}

fn grid(out: &mut String, outcome: &MatrixOutcome) {
    out.push_str("### Checks × targets\n\n| check |");
    for target in &outcome.targets {
        write!(out, " {} |", markdown_inline(&target.name)).unwrap();
    }
    out.push_str("\n| --- |");
    for _ in &outcome.targets {
        out.push_str(" --- |");
    }
    out.push('\n');
    for check in &outcome.checks {
        write!(out, "| `{}` |", check.replace('`', "'")).unwrap();
        for target in &outcome.targets {
            write!(out, " {} |", cell(target.cells.get(check))).unwrap();
        }
        out.push('\n');
    }
    out.push('\n');
}

fn cell(cell: Option<&Cell>) -> String {
    let Some(cell) = cell else {
        return "—".to_owned();
    };
    let glyph = match cell.status {
        CellStatus::Pass => "✓",
        CellStatus::Known => "~",
        CellStatus::Warn => "w",
        CellStatus::Fail => "✗",
        CellStatus::CouldNotRun => "!",
        CellStatus::Ignored => "–",
    };
    let text = markdown_inline(&cell.text());
    // The first finding as the link's tooltip and as a small line under the count.
    let why = cell.why(70);
    let title = cell
        .summary
        .as_deref()
        .map(|summary| format!(" \"{}\"", markdown_inline(summary)))
        .unwrap_or_default();
    let mut shown = match &cell.link {
        Some(link) => format!("{glyph} [{text}]({link}{title})"),
        None => format!("{glyph} {text}"),
    };
    if let Some(why) = why {
        shown.push_str(&format!("<br><sub>{}</sub>", markdown_inline(&why)));
    }
    shown
}

/// Why each target that could not run could not, in full.
fn reasons(out: &mut String, outcome: &MatrixOutcome) {
    let noted: Vec<&TargetOutcome> = outcome
        .targets
        .iter()
        .filter(|target| target.reason.is_some() || target.dialect.detail.is_some())
        .collect();
    if noted.is_empty() {
        return;
    }
    out.push_str("### Notes\n\n");
    for target in noted {
        if let Some(reason) = &target.reason {
            writeln!(
                out,
                "- **{}**: {}",
                markdown_inline(&target.name),
                markdown_inline(reason)
            )
            .unwrap();
        }
        if let Some(detail) = &target.dialect.detail {
            writeln!(
                out,
                "- **{}** identify: {}",
                markdown_inline(&target.name),
                markdown_inline(detail)
            )
            .unwrap();
        }
    }
    out.push('\n');
}
