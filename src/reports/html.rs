//! The HTML report card: one self-contained page (inline CSS, no script, no network, works
//! from `file://`) that tells a person in seconds what is wrong and how to reproduce it.
//!
//! Top to bottom: the verdict and the target; the counts; "what is wrong", one line per
//! failing check linking to its first failure; a grid of checks × cases coloured by outcome,
//! where each failing cell links to its failure; each failure (collapsed but the first) with
//! its findings, curl line, the body excerpt with every finding's JSON pointer highlighted,
//! and the snapshot diff; the known deviations; the run's facts.
//!
//! Everything shown came from the target and is escaped ([`super::escape::html`]). It stays
//! readable at hundreds of failures: the grid turns into wrapped strips of small cells when a
//! family has many cases, and past [`MAX_DETAILED`] failures (or [`MAX_DETAILED_PER_CHECK`]
//! of one check) a failure is one table row with its summary and curl line instead of a block.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::escape::html;
use super::html_evidence::{diff_block, exchange_parts, findings_table};
use super::grouping::{by_family, family_title, severity, CheckGroup, FamilyGroup};
use super::text::{fact_pairs, finding_line, summary};
use super::Report;
use crate::run::outcome::{
    TrialRecord, TrialStatus,
};

const STYLE: &str = include_str!("report.css");

/// A family with more cases than this shows each check's cells as a wrapped strip instead of
/// a column per case (a column per fuzz input would be a page wide).
const MAX_GRID_COLUMNS: usize = 40;
/// Failures shown as full blocks, in all; further ones are table rows.
const MAX_DETAILED: usize = 150;
/// Failures of one check shown as full blocks; further ones are table rows.
const MAX_DETAILED_PER_CHECK: usize = 20;
/// Checks listed under "what is wrong".
const MAX_WRONG_CHECKS: usize = 12;

pub fn render(report: &Report) -> String {
    let families = by_family(report.trials);
    let page = Page {
        report,
        anchors: anchors(report.trials.iter().map(|trial| trial.name.as_str())),
        families: &families,
    };
    page.render()
}

struct Page<'a> {
    report: &'a Report<'a>,
    /// Each trial's element id, by trial name.
    anchors: HashMap<&'a str, String>,
    families: &'a [FamilyGroup<'a>],
}

impl Page<'_> {
    fn render(&self) -> String {
        let mut out = String::with_capacity(64 * 1024);
        let verdict = if self.report.failed() { "FAIL" } else { "PASS" };
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>mjconform {verdict}: {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
            html(&self.report.facts.target_url)
        )
        .unwrap();
        self.verdict(&mut out);
        self.tiles(&mut out);
        self.what_is_wrong(&mut out);
        self.grid(&mut out);
        self.failures(&mut out);
        self.warnings(&mut out);
        self.known(&mut out);
        self.facts(&mut out);
        out.push_str("</body>\n</html>\n");
        out
    }

    fn anchor(&self, trial: &TrialRecord) -> &str {
        self.anchors
            .get(trial.name.as_str())
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn verdict(&self, out: &mut String) {
        let report = self.report;
        let facts = report.facts;
        let (class, title) = if report.failed() {
            ("fail", "✗ FAIL")
        } else {
            ("pass", "✓ PASS")
        };
        let target = if facts.embedded_provider {
            " <span class=\"muted\">(the embedded reference provider)</span>"
        } else {
            ""
        };
        write!(
            out,
            "<header id=\"verdict\" class=\"verdict {class}\">\n<h1>{title}</h1>\n\
             <p class=\"headline\">{}</p>\n\
             <p class=\"target\">Target: <code>{}</code>{target} · label <code>{}</code> · \
             spec <code>{}</code></p>\n",
            html(&report.outcome()),
            html(&facts.target_url),
            html(&facts.target_label),
            html(&facts.spec),
        )
        .unwrap();
        if let Some(reason) = &report.totals.interrupted {
            writeln!(
                out,
                "<p class=\"stopped\">The run stopped early: {}. This report holds the trials that ran.</p>",
                html(reason)
            )
            .unwrap();
        }
        out.push_str("</header>\n");
    }

    fn tiles(&self, out: &mut String) {
        let totals = self.report.totals;
        out.push_str("<section class=\"tiles\">\n");
        for (class, label, value) in [
            ("pass", "passed", totals.passed.to_string()),
            ("known", "passed with known deviations", totals.known.to_string()),
            ("warn", "warnings", totals.warnings.to_string()),
            ("fail", "contract failures", totals.failed.to_string()),
            ("error", "run errors", totals.errored.to_string()),
            ("ignored", "ignored", totals.ignored.to_string()),
            (
                "known",
                "known deviations (findings)",
                self.report
                    .trials
                    .iter()
                    .map(|trial| trial.known.len())
                    .sum::<usize>()
                    .to_string(),
            ),
            ("", "requests sent", totals.requests_sent.to_string()),
            ("", "duration", super::duration_text(totals.duration_ms)),
        ] {
            writeln!(
                out,
                "<div class=\"tile {class}\"><b>{}</b>{label}</div>",
                html(&value)
            )
            .unwrap();
        }
        out.push_str("</section>\n");
    }

    /// The checks with a failing trial: contract failures before run errors, then in run
    /// order. "What is wrong" and the failures section both list them so.
    fn failing_checks(&self) -> Vec<&CheckGroup<'_>> {
        let mut failing: Vec<&CheckGroup> = self
            .families
            .iter()
            .flat_map(|family| &family.checks)
            .filter(|check| check.worst().is_failure())
            .collect();
        failing.sort_by_key(|check| std::cmp::Reverse(severity(check.worst())));
        failing
    }

    /// One entry per failing check, worst first, with the distinct rules it broke, then the
    /// baseline entries that fail a strict run: the fastest route to every problem.
    fn what_is_wrong(&self, out: &mut String) {
        let failing = self.failing_checks();
        let baseline = super::wrong::baseline_lines(self.report);
        if failing.is_empty() && baseline.is_empty() {
            return;
        }
        out.push_str("<section id=\"wrong\">\n<h2>What is wrong</h2>\n<ul class=\"wrong\">\n");
        for check in failing.iter().take(MAX_WRONG_CHECKS) {
            let bad: Vec<&TrialRecord> = check
                .trials
                .iter()
                .copied()
                .filter(|trial| trial.status.is_failure())
                .collect();
            let first = bad[0];
            let kind = if bad.iter().all(|trial| trial.status == TrialStatus::Errored) {
                "could not run"
            } else {
                "fails"
            };
            writeln!(
                out,
                "<li><a href=\"#{}\"><code>{}</code></a> {kind} in {} of {}:<ul>",
                self.anchor(first),
                html(check.check),
                bad.len(),
                super::plural(check.trials.len(), "case", "cases"),
            )
            .unwrap();
            let problems = super::wrong::problems(&bad);
            for problem in problems.iter().take(super::wrong::MAX_RULES) {
                writeln!(out, "<li>{}</li>", html(&problem.text())).unwrap();
            }
            if problems.len() > super::wrong::MAX_RULES {
                writeln!(
                    out,
                    "<li>… and {} more distinct problems, below.</li>",
                    problems.len() - super::wrong::MAX_RULES
                )
                .unwrap();
            }
            out.push_str("</ul></li>\n");
        }
        if failing.len() > MAX_WRONG_CHECKS {
            writeln!(
                out,
                "<li>… and {} more failing checks, below.</li>",
                failing.len() - MAX_WRONG_CHECKS
            )
            .unwrap();
        }
        for (name, line) in baseline {
            writeln!(
                out,
                "<li class=\"baseline\"><code>{}</code> {}</li>",
                html(name),
                html(&line)
            )
            .unwrap();
        }
        out.push_str("</ul>\n</section>\n");
    }

    fn grid(&self, out: &mut String) {
        out.push_str("<section id=\"grid\">\n<h2>Trials</h2>\n<div class=\"legend\">");
        for status in [
            TrialStatus::Passed,
            TrialStatus::Known,
            TrialStatus::Warned,
            TrialStatus::Failed,
            TrialStatus::Errored,
            TrialStatus::Ignored,
        ] {
            write!(
                out,
                "<span><i class=\"swatch {}\">{}</i>{}</span>",
                status.label(),
                glyph(status),
                legend(status)
            )
            .unwrap();
        }
        out.push_str("</div>\n");
        if self.families.is_empty() {
            out.push_str("<p>No trial ran.</p>\n");
        }
        for family in self.families {
            writeln!(
                out,
                "<h3>{} <span class=\"muted\">({} × {})</span></h3>",
                family_title(family.family),
                super::plural(family.checks.len(), "check", "checks"),
                super::plural(family.cases.len(), "case", "cases")
            )
            .unwrap();
            out.push_str("<div class=\"scroll\"><table class=\"grid\">\n");
            if family.cases.len() <= MAX_GRID_COLUMNS {
                self.matrix(out, family);
            } else {
                self.strips(out, family);
            }
            out.push_str("</table></div>\n");
        }
        out.push_str("</section>\n");
    }

    /// A column per case.
    fn matrix(&self, out: &mut String, family: &FamilyGroup) {
        out.push_str("<thead><tr><th></th>");
        for case in &family.cases {
            write!(out, "<th class=\"case\" title=\"{0}\">{0}</th>", html(case)).unwrap();
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for check in &family.checks {
            write!(out, "<tr><th class=\"check\">{}</th>", html(check.check)).unwrap();
            for case in &family.cases {
                match check.trials.iter().find(|trial| trial.case == *case) {
                    Some(trial) => {
                        out.push_str("<td>");
                        self.cell(out, trial);
                        out.push_str("</td>");
                    }
                    None => out.push_str("<td class=\"none\" title=\"not applicable\"></td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n");
    }

    /// A wrapped strip of cells per check, for families with many cases.
    fn strips(&self, out: &mut String, family: &FamilyGroup) {
        out.push_str("<tbody>\n");
        for check in &family.checks {
            write!(
                out,
                "<tr><th class=\"check\">{}</th><td class=\"strip\"><div class=\"cells\">",
                html(check.check)
            )
            .unwrap();
            for trial in &check.trials {
                self.cell(out, trial);
            }
            out.push_str("</div></td></tr>\n");
        }
        out.push_str("</tbody>\n");
    }

    /// One trial's cell: a link to its failure or known deviation, else a plain square.
    fn cell(&self, out: &mut String, trial: &TrialRecord) {
        let status = trial.status;
        let title = html(&format!("{}: {}", trial.name, summary(trial)));
        let linked = status.is_failure()
            || status == TrialStatus::Known
            || status == TrialStatus::Warned;
        if linked {
            write!(
                out,
                "<a class=\"cell {}\" href=\"#{}\" title=\"{title}\">{}</a>",
                status.label(),
                self.anchor(trial),
                glyph(status)
            )
            .unwrap();
        } else {
            write!(
                out,
                "<span class=\"cell {}\" title=\"{title}\">{}</span>",
                status.label(),
                glyph(status)
            )
            .unwrap();
        }
    }

    /// Failures by check: the first ones as blocks, the rest as rows.
    fn failures(&self, out: &mut String) {
        let failing = self.report.failing();
        if failing.is_empty() {
            return;
        }
        writeln!(
            out,
            "<section id=\"failures\">\n<h2>Failures ({})</h2>",
            failing.len()
        )
        .unwrap();
        let mut detailed = 0;
        for check in self.failing_checks() {
            let bad: Vec<&TrialRecord> = check
                .trials
                .iter()
                .copied()
                .filter(|trial| trial.status.is_failure())
                .collect();
            writeln!(
                out,
                "<section class=\"check\">\n<h3><code>{}</code> <span class=\"muted\">{} of {} cases · {}</span></h3>",
                html(check.check),
                bad.len(),
                check.trials.len(),
                html(bad[0].purpose.trim())
            )
            .unwrap();
            let blocks = bad
                .len()
                .min(MAX_DETAILED_PER_CHECK)
                .min(MAX_DETAILED - detailed);
            for trial in &bad[..blocks] {
                self.failure_block(out, trial, detailed == 0);
                detailed += 1;
            }
            if blocks < bad.len() {
                self.failure_rows(out, &bad[blocks..]);
            }
            out.push_str("</section>\n");
        }
        out.push_str("</section>\n");
    }

    fn failure_block(&self, out: &mut String, trial: &TrialRecord, open: bool) {
        let badge = if trial.status == TrialStatus::Errored {
            "<span class=\"badge error\">error</span>"
        } else {
            "<span class=\"badge fail\">fail</span>"
        };
        writeln!(
            out,
            "<details class=\"trial\" id=\"{}\"{}>\n<summary>{badge} <code>{}</code> {}</summary>\n<div class=\"body\">",
            self.anchor(trial),
            if open { " open" } else { "" },
            html(&trial.name),
            html(&summary(trial))
        )
        .unwrap();
        if let Some(reason) = &trial.reason {
            writeln!(
                out,
                "<p><b>Could not run:</b> {} <span class=\"muted\">(not a contract failure: the check had nothing to judge)</span></p>",
                html(reason)
            )
            .unwrap();
        }
        findings_table(out, &trial.findings);
        if !trial.known.is_empty() {
            out.push_str("<p class=\"label\">Known deviations in this trial (accepted by the baseline)</p>\n");
            findings_table(out, &trial.known);
        }
        if let Some(exchange) = &trial.exchange {
            exchange_parts(out, exchange, &trial.findings);
        }
        if let Some(diff) = &trial.diff {
            out.push_str("<p class=\"label\">Snapshot diff (− baseline, + this run)</p>\n");
            diff_block(out, diff);
        }
        if let Some(message) = &trial.message {
            writeln!(
                out,
                "<details><summary class=\"muted\">As the terminal printed it</summary><pre>{}</pre></details>",
                html(message)
            )
            .unwrap();
        }
        out.push_str("</div>\n</details>\n");
    }

    /// Failures past the cap: one row each, still with their anchor, summary and curl line.
    fn failure_rows(&self, out: &mut String, trials: &[&TrialRecord]) {
        writeln!(
            out,
            "<p class=\"muted\">{} more, one row each (the JSON report holds every detail):</p>",
            trials.len()
        )
        .unwrap();
        out.push_str(
            "<table class=\"rest\"><thead><tr><th>trial</th><th>what</th><th>reproduce</th></tr></thead><tbody>\n",
        );
        for trial in trials {
            let curl = trial
                .exchange
                .as_ref()
                .map(|exchange| exchange.curl.as_str())
                .unwrap_or_default();
            writeln!(
                out,
                "<tr id=\"{}\"><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
                self.anchor(trial),
                html(&trial.name),
                html(&summary(trial)),
                html(curl)
            )
            .unwrap();
        }
        out.push_str("</tbody></table>\n");
    }

    fn warnings(&self, out: &mut String) {
        let warned = self.report.warned();
        if warned.is_empty() {
            return;
        }
        writeln!(
            out,
            "<section id=\"warnings\">\n<h2>Warnings ({}) <span class=\"muted\">checks at level warn, not failures</span></h2>",
            warned.len()
        )
        .unwrap();
        out.push_str(
            "<table class=\"rest\"><thead><tr><th>trial</th><th>warnings</th></tr></thead><tbody>\n",
        );
        for trial in warned {
            let lines: Vec<String> = trial
                .findings
                .iter()
                .map(|finding| format!("warning: {}", html(&finding_line(finding))))
                .collect();
            writeln!(
                out,
                "<tr id=\"{}\"><td><code>{}</code></td><td>{}</td></tr>",
                self.anchor(trial),
                html(&trial.name),
                lines.join("<br>")
            )
            .unwrap();
        }
        out.push_str("</tbody></table>\n</section>\n");
    }

    /// Known deviations, one row per baseline entry (check, rule, reason) with how many
    /// findings and trials it covers, each trial linked by its anchor.
    fn known(&self, out: &mut String) {
        let Some(phrase) = self.report.known_phrase() else {
            return;
        };
        writeln!(
            out,
            "<section id=\"known\">\n<h2>Known deviations <span class=\"muted\">{} · accepted by the baseline, not failures</span></h2>",
            html(&phrase)
        )
        .unwrap();
        out.push_str(
            "<table class=\"rest\"><thead><tr><th>check</th><th>rule</th><th>how many</th><th>example</th><th>trials</th></tr></thead><tbody>\n",
        );
        // A trial that failed has its anchor on its failure; one that only passed with known
        // deviations gets it here, once (the grid links to it).
        let mut anchored = std::collections::HashSet::new();
        for group in super::known::groups(self.report.trials) {
            let trials: Vec<String> = group
                .trials
                .iter()
                .map(|trial| {
                    let anchor = self.anchor(trial);
                    let id = if trial.status == TrialStatus::Known && anchored.insert(anchor) {
                        format!(" id=\"{anchor}\"")
                    } else {
                        String::new()
                    };
                    format!(
                        "<a{id} href=\"#{anchor}\"><code>{}</code></a>",
                        html(&trial.case)
                    )
                })
                .collect();
            writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html(group.check),
                group
                    .rule
                    .map(|rule| format!("<code>{}</code>", html(rule)))
                    .unwrap_or_default(),
                html(&group.counts()),
                html(&finding_line(group.first)),
                trials.join(" ")
            )
            .unwrap();
        }
        out.push_str("</tbody></table>\n</section>\n");
    }

    fn facts(&self, out: &mut String) {
        out.push_str("<section id=\"facts\">\n<h2>The run</h2>\n<table class=\"facts\">\n");
        for (name, value) in fact_pairs(self.report) {
            // `task_ids` is a count: "task ids: 1" would read as the id itself.
            let label = match name.as_str() {
                "task_ids" => "task ids given".to_owned(),
                other => other.replace('_', " "),
            };
            writeln!(
                out,
                "<tr><th>{}</th><td><code>{}</code></td></tr>",
                html(&label),
                html(&value)
            )
            .unwrap();
        }
        out.push_str("</table>\n</section>\n");
        writeln!(
            out,
            "<footer>mjconform {} · report written from the run's records; every value shown was redacted before it was recorded.</footer>",
            html(&self.report.facts.mjconform_version)
        )
        .unwrap();
    }
}

fn glyph(status: TrialStatus) -> &'static str {
    match status {
        TrialStatus::Passed => "✓",
        TrialStatus::Known => "~",
        TrialStatus::Warned => "w",
        TrialStatus::Failed => "✗",
        TrialStatus::Errored => "!",
        TrialStatus::Ignored => "–",
    }
}

fn legend(status: TrialStatus) -> &'static str {
    match status {
        TrialStatus::Passed => "pass",
        TrialStatus::Known => "known deviation",
        TrialStatus::Warned => "warning",
        TrialStatus::Failed => "contract failure",
        TrialStatus::Errored => "could not run",
        TrialStatus::Ignored => "ignored",
    }
}

/// An element id per trial, from its name: letters, digits, `-` and `_` only, so the id is
/// a plain URL fragment; a clash after that folding gets a number. Given the trial names in
/// the report's order (name order), `mjconform matrix` links into a report with the same ids.
pub fn anchors<'a>(names: impl IntoIterator<Item = &'a str>) -> HashMap<&'a str, String> {
    let mut taken = std::collections::HashSet::new();
    let mut anchors = HashMap::new();
    for name in names {
        let slug: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let base = format!("t-{slug}");
        let mut id = base.clone();
        let mut number = 1;
        while taken.contains(&id) {
            number += 1;
            id = format!("{base}-{number}");
        }
        taken.insert(id.clone());
        anchors.insert(name, id);
    }
    anchors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_fragment_safe_and_unique() {
        let names = ["a::b", "a--b", "x y"];
        let trials: Vec<TrialRecord> = names
            .iter()
            .map(|name| {
                TrialRecord::passed(*name, crate::run::outcome::Family::Check, "a", "b", "")
            })
            .collect();
        let anchors = anchors(trials.iter().map(|trial| trial.name.as_str()));
        assert_eq!(anchors["a::b"], "t-a--b");
        assert_eq!(anchors["a--b"], "t-a--b-2");
        assert_eq!(anchors["x y"], "t-x-y");
    }
}
