//! `matrix.html`: the matrix as a one-page report card, self-contained (inline CSS, no
//! script, no network, works from `file://`). A column per target with its verdict, dialect
//! and counts on top, a row per check; every failing, could-not-run or known cell links to
//! that target's own `report.html` at the trial that explains it. Everything shown is
//! escaped.

use std::fmt::Write as _;

use super::model::{Cell, CellStatus, MatrixOutcome, TargetOutcome};
use super::render_markdown::headline;
use crate::reports::escape::html;

const STYLE: &str = "\
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5rem;color:#1f2328}
h1{margin:.2rem 0}.verdict{padding:.8rem 1rem;border-radius:6px;margin-bottom:1rem}
.verdict.pass{background:#dafbe1}.verdict.fail{background:#ffebe9}
.muted{color:#59636e}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
table{border-collapse:collapse}th,td{border:1px solid #d1d9e0;padding:.25rem .45rem;vertical-align:top}
thead th{background:#f6f8fa;position:sticky;top:0}th.check{text-align:left;font-weight:normal;white-space:nowrap}
.scroll{overflow:auto;max-width:100%}
.cell{display:block;text-decoration:none;color:inherit;white-space:nowrap;padding:.1rem .3rem;border-radius:3px}
.pass{background:#dafbe1}.known{background:#fff8c5}.warn{background:#fff8c5}.fail{background:#ffcecb}.error{background:#ffe2bd}
.ignored{background:#eef1f4}td.none{background:#fff}a.cell:hover{outline:2px solid #0969da}
.why{display:block;white-space:normal;font-size:.72rem;max-width:14rem;opacity:.85}
.badge{padding:.05rem .4rem;border-radius:3px;font-weight:600}
ul.notes li{margin:.2rem 0}footer{margin-top:1.5rem;color:#59636e;font-size:12px}
";

pub fn render(outcome: &MatrixOutcome) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let failed = outcome.exit_code != 0;
    let (class, title) = if failed {
        ("fail", "✗ FAIL")
    } else {
        ("pass", "✓ PASS")
    };
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>mjconform matrix {}: {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header id=\"verdict\" class=\"verdict {class}\">\n<h1>{title}</h1>\n<p>{}</p>\n\
         <p class=\"muted\">{} · started {} · {} · at most {} targets at once</p>\n",
        if failed { "FAIL" } else { "PASS" },
        html(&headline(outcome)),
        html(&headline(outcome)),
        html(&outcome.file),
        html(&outcome.started_at),
        crate::reports::duration_text(outcome.duration_ms),
        outcome.concurrency,
    )
    .unwrap();
    if let Some(why) = &outcome.interrupted {
        writeln!(out, "<p><b>Stopped early:</b> {}</p>", html(why)).unwrap();
    }
    out.push_str("</header>\n");
    grid(&mut out, outcome);
    notes(&mut out, outcome);
    writeln!(
        out,
        "<footer>mjconform {} · each target's own reports (JSON, JUnit, HTML) are in its directory beside this page; no key is written anywhere.</footer>\n</body>\n</html>",
        html(&outcome.mjconform_version)
    )
    .unwrap();
    out
}

fn grid(out: &mut String, outcome: &MatrixOutcome) {
    out.push_str("<section id=\"matrix\">\n<div class=\"scroll\"><table class=\"matrix\">\n<thead>\n<tr><th></th>");
    for target in &outcome.targets {
        let name = html(&target.name);
        match &target.files.html {
            Some(report) => write!(
                out,
                "<th class=\"target\" id=\"target-{name}\"><a href=\"{}\">{name}</a></th>",
                html(report)
            ),
            None => write!(out, "<th class=\"target\" id=\"target-{name}\">{name}</th>"),
        }
        .unwrap();
    }
    out.push_str("</tr>\n");
    header_row(out, outcome, "verdict", |target| {
        format!(
            "<span class=\"badge {}\">{}</span>",
            target.verdict.class(),
            html(target.verdict.label())
        )
    });
    header_row(out, outcome, "dialect", |target| {
        html(&target.dialect.text())
    });
    header_row(out, outcome, "checked against", |target| {
        format!("<code>{}</code>", html(&target.checked_against))
    });
    header_row(out, outcome, "counts", |target| html(&target.counts_line()));
    header_row(out, outcome, "time", |target| {
        crate::reports::duration_text(target.duration_ms)
    });
    out.push_str("</thead>\n<tbody>\n");
    for check in &outcome.checks {
        write!(
            out,
            "<tr><th class=\"check\"><code>{}</code></th>",
            html(check)
        )
        .unwrap();
        for target in &outcome.targets {
            cell(out, target, target.cells.get(check));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn header_row(
    out: &mut String,
    outcome: &MatrixOutcome,
    label: &str,
    value: impl Fn(&TargetOutcome) -> String,
) {
    write!(out, "<tr><th class=\"check\">{}</th>", html(label)).unwrap();
    for target in &outcome.targets {
        write!(out, "<td>{}</td>", value(target)).unwrap();
    }
    out.push_str("</tr>\n");
}

/// Characters of a cell's first finding shown under its count.
const WHY_CHARS: usize = 70;

fn cell(out: &mut String, target: &TargetOutcome, cell: Option<&Cell>) {
    let Some(cell) = cell else {
        out.push_str("<td class=\"none\" title=\"not run on this target\">—</td>");
        return;
    };
    let glyph = match cell.status {
        CellStatus::Pass => "✓",
        CellStatus::Known => "~",
        CellStatus::Warn => "w",
        CellStatus::Fail => "✗",
        CellStatus::CouldNotRun => "!",
        CellStatus::Ignored => "–",
    };
    let title = match (&cell.summary, &cell.reason) {
        (Some(summary), _) => format!("{}: {summary}", target.name),
        (None, Some(reason)) => format!("{}: could not run: {reason}", target.name),
        (None, None) => format!("{}: {}", target.name, cell.text()),
    };
    let mut text = format!("{glyph} {}", html(&cell.text()));
    // The first finding under the count: the reader sees what broke without hovering.
    if let Some(why) = cell.why(WHY_CHARS) {
        write!(text, "<small class=\"why\">{}</small>", html(&why)).unwrap();
    }
    match &cell.link {
        Some(link) => write!(
            out,
            "<td><a class=\"cell {}\" href=\"{}\" title=\"{}\">{text}</a></td>",
            cell.status.class(),
            html(link),
            html(&title)
        ),
        None => write!(
            out,
            "<td><span class=\"cell {}\" title=\"{}\">{text}</span></td>",
            cell.status.class(),
            html(&title)
        ),
    }
    .unwrap();
}

fn notes(out: &mut String, outcome: &MatrixOutcome) {
    let mut items = Vec::new();
    for target in &outcome.targets {
        let name = html(&target.name);
        if let Some(reason) = &target.reason {
            items.push(format!("<li><b>{name}</b>: {}</li>", html(reason)));
        }
        if let Some(detail) = &target.dialect.detail {
            items.push(format!("<li><b>{name}</b> identify: {}</li>", html(detail)));
        }
        if let Some(log) = &target.files.log {
            if target.verdict.is_failure() {
                items.push(format!(
                    "<li><b>{name}</b>: <a href=\"{}\">the run's terminal output</a></li>",
                    html(log)
                ));
            }
        }
    }
    if items.is_empty() {
        return;
    }
    out.push_str("<section id=\"notes\">\n<h2>Notes</h2>\n<ul class=\"notes\">\n");
    for item in items {
        writeln!(out, "{item}").unwrap();
    }
    out.push_str("</ul>\n</section>\n");
}
