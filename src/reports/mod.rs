//! Reports for CI: the run's outcome ([`crate::run::outcome`]) written as JUnit XML, one JSON
//! document, a Markdown summary and a one-page HTML report card.
//!
//! Every writer reads the one model and nothing else: no writer re-derives anything from
//! terminal text, so the four agree with each other and with the exit code. The records are
//! redacted before they get here; the writers add no secret because they read no other input.

pub mod escape;
mod grouping;
pub mod known;
mod wrong;
mod html;
mod html_evidence;
mod json;
mod json_span;
mod junit;
mod markdown;
mod text;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::errors::ReportError;
use crate::run::outcome::{RunFacts, RunTotals, TrialRecord, TrialStatus};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Junit,
    Json,
    Markdown,
    Html,
}

impl Format {
    /// Every format, in the order reports are written.
    pub const ALL: [Format; 4] = [Format::Junit, Format::Json, Format::Markdown, Format::Html];

    /// The file each format is written to, inside the report directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Junit => "junit.xml",
            Format::Json => "report.json",
            Format::Markdown => "summary.md",
            Format::Html => "report.html",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Junit => "junit",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    fn render(self, report: &Report) -> Result<String, ReportError> {
        match self {
            Format::Junit => junit::render(report),
            Format::Json => json::render(report),
            Format::Markdown => Ok(markdown::render(report)),
            Format::Html => Ok(html::render(report)),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What `--report` accepts, for messages.
const ALLOWED: &str = "`junit`, `json`, `markdown` (or `md`), `html`, or `all`";

impl FromStr for Format {
    type Err = String;

    fn from_str(value: &str) -> Result<Format, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "junit" => Ok(Format::Junit),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            _ => Err(format!(
                "unknown report format `{}`: expected {ALLOWED}",
                value.trim()
            )),
        }
    }
}

/// The formats of a `--report` value: a comma-separated list (`junit,json`), `all` for every
/// format. Repeats collapse, the order is kept, empty items are ignored (so an empty
/// `MJ_REPORT` asks for nothing).
pub fn parse_formats(value: &str) -> Result<Vec<Format>, String> {
    let mut formats = Vec::new();
    for item in value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let wanted: Vec<Format> = if item.eq_ignore_ascii_case("all") {
            Format::ALL.to_vec()
        } else {
            vec![item.parse()?]
        };
        for format in wanted {
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
    }
    Ok(formats)
}

/// One run, as every writer reads it.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub facts: &'a RunFacts,
    pub totals: &'a RunTotals,
    /// In name order, as [`crate::run::outcome::Recorder::trials`] gives them.
    pub trials: &'a [TrialRecord],
}

impl Report<'_> {
    /// Whether the run failed: the verdict the harness decided, or, if it left none, any
    /// failing trial.
    pub fn failed(&self) -> bool {
        match self.totals.verdict.as_str() {
            "pass" => false,
            "fail" => true,
            _ => self.trials.iter().any(|trial| trial.status.is_failure()),
        }
    }

    /// The verdict in one line: what a person reads first in every format.
    pub fn headline(&self) -> String {
        let verdict = if self.failed() { "FAIL" } else { "PASS" };
        format!("{verdict}: {}", self.outcome())
    }

    /// The headline without its verdict word, for pages that show the verdict apart.
    pub fn outcome(&self) -> String {
        let totals = self.totals;
        let trials = plural(self.trials.len(), "trial", "trials");
        let mut line = if self.failed() {
            let mut parts = Vec::new();
            if totals.failed > 0 {
                parts.push(plural(
                    totals.failed,
                    "contract failure",
                    "contract failures",
                ));
            }
            if totals.errored > 0 {
                parts.push(plural(totals.errored, "run error", "run errors"));
            }
            for (name, entries) in self.baseline_failures() {
                parts.push(format!(
                    "{} (--strict-baseline)",
                    plural(
                        entries.len(),
                        &format!("{} baseline entry", baseline_kind(name)),
                        &format!("{} baseline entries", baseline_kind(name)),
                    )
                ));
            }
            if parts.is_empty() && totals.exit_code == EXIT_INTERRUPTED {
                parts.push("interrupted".to_owned());
            }
            if parts.is_empty() {
                parts.push(format!("exit code {}", totals.exit_code));
            }
            format!("{} in {trials}", parts.join(" and "))
        } else {
            format!(
                "{} of {trials} passed",
                totals.passed + totals.known + totals.warnings
            )
        };
        let mut asides = Vec::new();
        if totals.warnings > 0 {
            asides.push(plural(totals.warnings, "warning", "warnings"));
        }
        if let Some(known) = self.known_phrase() {
            asides.push(known);
        }
        if totals.ignored > 0 {
            asides.push(format!("{} ignored", totals.ignored));
        }
        if !asides.is_empty() {
            line.push_str(&format!(" ({})", asides.join(", ")));
        }
        line.push_str(&format!(" against {}", self.facts.target_url));
        if let Some(reason) = &totals.interrupted {
            line.push_str(&format!("; the run stopped early: {reason}"));
        }
        line
    }

    /// Known deviations are findings the baseline accepts; a trial can hold several. Both
    /// numbers, in the one wording the terminal's last lines use too.
    pub fn known_phrase(&self) -> Option<String> {
        known_phrase(self.trials)
    }

    /// The baseline entries that fail the run under `--strict-baseline`, as the JUnit
    /// testcase each kind becomes (`baseline::stale`, `baseline::expired`) and its entries.
    pub fn baseline_failures(&self) -> Vec<(&'static str, &[String])> {
        let totals = self.totals;
        if !totals.strict_baseline {
            return Vec::new();
        }
        [
            ("baseline::stale", &totals.stale_baseline_entries),
            ("baseline::expired", &totals.expired_baseline_entries),
        ]
        .into_iter()
        .filter(|(_, entries)| !entries.is_empty())
        .map(|(name, entries)| (name, entries.as_slice()))
        .collect()
    }

    /// The trials that make the run fail, failures first, then errors, each in name order.
    pub fn failing(&self) -> Vec<&TrialRecord> {
        let of = |status| {
            self.trials
                .iter()
                .filter(move |trial| trial.status == status)
        };
        of(TrialStatus::Failed)
            .chain(of(TrialStatus::Errored))
            .collect()
    }

    /// The trials whose findings are warnings (a check at level `warn`), in name order.
    pub fn warned(&self) -> Vec<&TrialRecord> {
        self.trials
            .iter()
            .filter(|trial| trial.status == TrialStatus::Warned)
            .collect()
    }
}

/// The exit code of a run stopped by Ctrl-C (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

pub(crate) fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// `stale` or `expired`, from a baseline testcase's name.
pub(crate) fn baseline_kind(name: &str) -> &str {
    name.trim_start_matches("baseline::")
}

/// "3 known deviations in 2 trials": the findings the baseline accepted and the trials that
/// made them; `None` when there are none. The terminal's last lines and every report say it
/// so.
pub fn known_phrase(trials: &[TrialRecord]) -> Option<String> {
    let findings: usize = trials.iter().map(|trial| trial.known.len()).sum();
    if findings == 0 {
        return None;
    }
    let holding = trials.iter().filter(|trial| !trial.known.is_empty()).count();
    Some(format!(
        "{} in {}",
        plural(findings, "known deviation", "known deviations"),
        plural(holding, "trial", "trials")
    ))
}

/// A duration as a person reads it: `46 ms` under a second, `2.3 s` from there.
pub fn duration_text(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// Writes `report` in each of `formats` into `dir` (created if missing), and returns the
/// paths written. Each file is written whole or not at all: it is rendered in memory, then
/// written beside its final name and renamed, so an interrupted write never leaves half a
/// report for a CI reader to choke on.
pub fn write(report: &Report, formats: &[Format], dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    if formats.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let mut written = Vec::new();
    for &format in formats {
        let text = format.render(report)?;
        let path = dir.join(format.file_name());
        let partial = dir.join(format!(".{}.partial", format.file_name()));
        let write_error = |source| ReportError::Write {
            format: format.to_string(),
            path: path.clone(),
            source,
        };
        std::fs::write(&partial, text).map_err(write_error)?;
        std::fs::rename(&partial, &path).map_err(write_error)?;
        written.push(path);
    }
    Ok(written)
}

/// The element id `report.html` gives each trial, by name, for pages that link into it
/// (`mjconform matrix`). `names` must be in the report's order: name order.
pub fn trial_anchors<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> std::collections::HashMap<&'a str, String> {
    html::anchors(names)
}

/// The Markdown summary, for appending to `GITHUB_STEP_SUMMARY`.
pub fn markdown(report: &Report) -> String {
    markdown::render(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_as_a_list_with_aliases_and_all() {
        assert_eq!(
            parse_formats("junit, JSON,md").unwrap(),
            vec![Format::Junit, Format::Json, Format::Markdown]
        );
        assert_eq!(parse_formats("html,all").unwrap()[0], Format::Html);
        assert_eq!(parse_formats("all").unwrap(), Format::ALL.to_vec());
        assert_eq!(parse_formats("json,json").unwrap(), vec![Format::Json]);
        assert_eq!(parse_formats(" , ").unwrap(), Vec::new());
    }

    #[test]
    fn an_unknown_format_names_itself_and_the_allowed_ones() {
        let err = parse_formats("junit,pdf").unwrap_err();
        assert!(err.contains("`pdf`"), "{err}");
        for allowed in ["junit", "json", "markdown", "html"] {
            assert!(err.contains(allowed), "{err}");
        }
    }

    #[test]
    fn each_format_displays_as_it_parses_and_has_its_file() {
        for format in Format::ALL {
            assert_eq!(format.to_string().parse::<Format>().unwrap(), format);
        }
        let files: Vec<_> = Format::ALL.iter().map(|f| f.file_name()).collect();
        assert_eq!(
            files,
            ["junit.xml", "report.json", "summary.md", "report.html"]
        );
    }
}
