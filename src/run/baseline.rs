//! Known deviations: a TOML file of accepted findings, so CI against a real provider fails
//! only on what is new.
//!
//! An entry names the check (or fuzz property), the cases it covers (globs such as `task_*`),
//! and optionally the JSON-pointer pattern (`/buttons/*/type`, where `*` is one segment), the
//! rule (`type`, `required`, `status:200`, …) and, for type findings, the JSON type the server
//! sent (`got = "integer"`). A finding is known only when one entry matches all of these, so
//! accepting integer button types hides neither a missing label nor an object in their place.
//! Every entry needs a human `reason`; an `until` date makes it expire, after which it stops
//! matching and the run says so.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::checks::Finding;
use crate::errors::BaselineError;

/// The version this build reads and writes.
pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    #[serde(default, rename = "deviation")]
    deviations: Vec<Entry>,
}

/// One accepted deviation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The check (`response_schema_conformance`) or fuzz property
    /// (`fuzz::ids::not_a_server_error`).
    pub check: String,
    /// Case names or globs (`task_*`, `unknown_id`); all cases when absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
    /// A JSON-pointer pattern; `*` stands for one segment. Any pointer when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The rule broken (`type`, `required`, `enum`, `format`, `status:200`, …); any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The JSON type the server sent (`integer`, `null`, …), for `type` findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
    /// Why the deviation is accepted. Required.
    pub reason: String,
    /// The last day (`YYYY-MM-DD`, UTC) the entry holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl Entry {
    /// A short name for messages: `check pointer rule (cases)`.
    pub fn label(&self) -> String {
        let mut label = self.check.clone();
        if let Some(pointer) = &self.pointer {
            label.push(' ');
            label.push_str(pointer);
        }
        if let Some(rule) = &self.rule {
            label.push_str(&format!(" [{rule}]"));
        }
        if let Some(got) = &self.got {
            label.push_str(&format!(" got {got}"));
        }
        if !self.cases.is_empty() {
            label.push_str(&format!(" ({})", self.cases.join(", ")));
        }
        label
    }

    fn matches(&self, check: &str, case: &str, finding: &Finding) -> bool {
        self.check == check
            && (self.cases.is_empty() || self.cases.iter().any(|glob| glob_matches(glob, case)))
            && self.pointer.as_deref().is_none_or(|pattern| {
                finding
                    .pointer
                    .as_deref()
                    .is_some_and(|pointer| pointer_matches(pattern, pointer))
            })
            && self.rule.as_deref().is_none_or(|rule| {
                finding
                    .rule
                    .as_deref()
                    .is_some_and(|r| glob_matches(rule, r))
            })
            && self
                .got
                .as_deref()
                .is_none_or(|got| actual_kind(finding).as_deref() == Some(got))
    }
}

/// A loaded baseline, counting which entries matched during the run.
#[derive(Debug)]
pub struct Baseline {
    pub path: PathBuf,
    entries: Vec<Entry>,
    /// Whether each entry is past its `until` date (decided once, at load).
    expired: Vec<bool>,
    /// Whether each entry comes from the contract's `x-mjconform-known-deviations` (a
    /// dialect's known bends of HTTP's rules), not from the user's file: never stale.
    builtin: Vec<bool>,
    hits: Vec<AtomicUsize>,
}

impl Baseline {
    /// Reads and checks a baseline file: unknown keys, a missing reason, a bad date or an
    /// unknown version are errors naming the file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_owned(),
            source,
        })?;
        Baseline::parse(&text, path, today())
    }

    fn parse(text: &str, path: &Path, today: String) -> Result<Baseline, BaselineError> {
        let invalid = |reason: String| BaselineError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let file: BaselineFile =
            toml::from_str(text).map_err(|err| invalid(toml_error_line(text, &err)))?;
        if file.version != BASELINE_VERSION {
            return Err(invalid(format!(
                "version {} is not one this mjconform reads (it reads {BASELINE_VERSION})",
                file.version
            )));
        }
        for (index, entry) in file.deviations.iter().enumerate() {
            let at = |what: &str| invalid(format!("deviation {}: {what}", index + 1));
            if entry.check.trim().is_empty() {
                return Err(at("`check` is empty"));
            }
            if entry.reason.trim().is_empty() {
                return Err(at("`reason` is empty; say why this deviation is accepted"));
            }
            if let Some(until) = &entry.until {
                if !is_date(until) {
                    return Err(at(&format!(
                        "`until = \"{until}\"` is not a YYYY-MM-DD date"
                    )));
                }
            }
            if let Some(pointer) = &entry.pointer {
                if !pointer.is_empty() && !pointer.starts_with('/') {
                    return Err(at(&format!(
                        "`pointer = \"{pointer}\"` is not a JSON pointer (it starts with `/`)"
                    )));
                }
            }
        }
        let expired = file
            .deviations
            .iter()
            .map(|entry| {
                entry
                    .until
                    .as_deref()
                    .is_some_and(|until| until < today.as_str())
            })
            .collect();
        let hits = file
            .deviations
            .iter()
            .map(|_| AtomicUsize::new(0))
            .collect();
        Ok(Baseline {
            path: path.to_owned(),
            builtin: vec![false; file.deviations.len()],
            entries: file.deviations,
            expired,
            hits,
        })
    }

    /// The run's baseline: the user's file (if any) and the contract's own known deviations
    /// (`x-mjconform-known-deviations`, which a dialect uses for what its family is known to
    /// bend). `None` when there are neither.
    pub fn for_run(
        file: Option<&Path>,
        contract: &crate::contract::spec::Contract,
    ) -> Result<Option<Baseline>, BaselineError> {
        let mut baseline = match file {
            Some(path) => Some(Baseline::load(path)?),
            None => None,
        };
        let Some(value) = &contract.known_deviations else {
            return Ok(baseline);
        };
        let origin = PathBuf::from(&contract.origin);
        let entries: Vec<Entry> =
            serde_json::from_value(value.clone()).map_err(|err| BaselineError::Invalid {
                path: origin.clone(),
                reason: format!("x-mjconform-known-deviations: {err}"),
            })?;
        let builtin = baseline.get_or_insert_with(|| Baseline {
            path: origin,
            entries: Vec::new(),
            expired: Vec::new(),
            builtin: Vec::new(),
            hits: Vec::new(),
        });
        for entry in entries {
            builtin.entries.push(entry);
            builtin.expired.push(false);
            builtin.builtin.push(true);
            builtin.hits.push(AtomicUsize::new(0));
        }
        Ok(baseline)
    }

    /// Entries from the user's file (the contract's own are not counted).
    pub fn user_entries(&self) -> usize {
        self.builtin.iter().filter(|builtin| !**builtin).count()
    }

    /// The reason of the first live entry that accepts `finding` in trial `check`/`case`,
    /// counting the match.
    pub fn accepts(&self, check: &str, case: &str, finding: &Finding) -> Option<String> {
        let index = self.entries.iter().enumerate().position(|(index, entry)| {
            !self.expired[index] && entry.matches(check, case, finding)
        })?;
        self.hits[index].fetch_add(1, Ordering::Relaxed);
        Some(self.entries[index].reason.clone())
    }

    /// Splits findings into new ones and known ones (each with its entry's reason).
    pub fn split(
        &self,
        check: &str,
        case: &str,
        findings: Vec<Finding>,
    ) -> (Vec<Finding>, Vec<(Finding, String)>) {
        let mut new = Vec::new();
        let mut known = Vec::new();
        for finding in findings {
            match self.accepts(check, case, &finding) {
                Some(reason) => known.push((finding, reason)),
                None => new.push(finding),
            }
        }
        (new, known)
    }

    /// Live entries that matched nothing in this run: fixed upstream?
    pub fn stale(&self) -> Vec<String> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(index, _)| {
                !self.builtin[*index]
                    && !self.expired[*index]
                    && self.hits[*index].load(Ordering::Relaxed) == 0
            })
            .map(|(_, entry)| entry.label())
            .collect()
    }

    /// Entries past their `until` date, which no longer match.
    pub fn expired(&self) -> Vec<String> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(index, _)| self.expired[*index])
            .map(|(_, entry)| {
                format!(
                    "{} (until {})",
                    entry.label(),
                    entry.until.as_deref().unwrap_or("")
                )
            })
            .collect()
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One finding of a run, for [`write`].
#[derive(Debug, Clone)]
pub struct Observed {
    pub check: String,
    pub case: String,
    pub finding: Finding,
}

/// Renders a baseline that accepts every observed finding, grouped per check, pointer pattern
/// (array indices become `*`), rule and type sent, with case globs where they are exact:
/// `task_*` when every `task_` case the check ran on has the finding, `*` for all cases.
/// `cases_run` maps each check to the cases it ran on in this run.
pub fn render(observed: &[Observed], cases_run: &BTreeMap<String, BTreeSet<String>>) -> String {
    type Key = (String, Option<String>, Option<String>, Option<String>);
    let mut groups: BTreeMap<Key, BTreeSet<String>> = BTreeMap::new();
    for item in observed {
        let key = (
            item.check.clone(),
            item.finding.pointer.as_deref().map(generalise_pointer),
            item.finding.rule.clone(),
            (item.finding.rule.as_deref() == Some("type"))
                .then(|| actual_kind(&item.finding))
                .flatten(),
        );
        groups.entry(key).or_default().insert(item.case.clone());
    }
    let date = today();
    let file = BaselineFile {
        version: BASELINE_VERSION,
        deviations: groups
            .into_iter()
            .map(|((check, pointer, rule, got), cases)| Entry {
                cases: case_globs(&cases, cases_run.get(&check)),
                check,
                pointer,
                rule,
                got,
                reason: format!("recorded {date}: explain why this is accepted"),
                until: None,
            })
            .collect(),
    };
    let body = toml::to_string(&file).unwrap_or_default();
    format!(
        "# mjconform baseline: deviations accepted as known. A run fails only on findings no\n\
         # entry matches. Edit each `reason`; add `until = \"YYYY-MM-DD\"` to make an entry expire.\n\
         # Format: docs/baseline.md\n\n{body}"
    )
}

/// The smallest exact description of `cases` among `run`: `*`, a prefix glob, or the names.
fn case_globs(cases: &BTreeSet<String>, run: Option<&BTreeSet<String>>) -> Vec<String> {
    let Some(run) = run else {
        return cases.iter().cloned().collect();
    };
    if cases == run && run.len() > 1 {
        return vec!["*".to_owned()];
    }
    let mut globs = Vec::new();
    let mut rest: BTreeSet<String> = cases.clone();
    // Task cases are the only family of cases with a common prefix.
    let prefix = crate::run::context::TASK_CASE_PREFIX;
    {
        let with: BTreeSet<&String> = run.iter().filter(|c| c.starts_with(prefix)).collect();
        let covered: BTreeSet<&String> = cases.iter().filter(|c| c.starts_with(prefix)).collect();
        if with.len() > 1 && with == covered {
            globs.push(format!("{prefix}*"));
            rest.retain(|case| !case.starts_with(prefix));
        }
    }
    globs.extend(rest);
    globs
}

/// `/buttons/3/type` → `/buttons/*/type`: the same deviation in every array element is one
/// entry.
pub fn generalise_pointer(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The JSON type of a finding's actual value (`integer`, `string`, `object`, …), when it reads
/// as JSON; otherwise the actual text itself.
fn actual_kind(finding: &Finding) -> Option<String> {
    let actual = finding.actual.as_deref()?;
    let kind = match serde_json::from_str::<serde_json::Value>(actual) {
        Ok(serde_json::Value::Null) => "null",
        Ok(serde_json::Value::Bool(_)) => "boolean",
        Ok(serde_json::Value::Number(n)) if n.is_i64() || n.is_u64() => "integer",
        Ok(serde_json::Value::Number(_)) => "number",
        Ok(serde_json::Value::String(_)) => "string",
        Ok(serde_json::Value::Array(_)) => "array",
        Ok(serde_json::Value::Object(_)) => "object",
        // A long value is cut with `…` and no longer parses; its first character still
        // tells its type.
        Err(_) => match actual.chars().next() {
            Some('{') => "object",
            Some('[') => "array",
            Some('"') => "string",
            _ => return Some(actual.to_owned()),
        },
    };
    Some(kind.to_owned())
}

/// `*` matches any run of characters.
pub fn glob_matches(glob: &str, text: &str) -> bool {
    match glob.split_once('*') {
        None => glob == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|at| rest.is_char_boundary(*at))
                .any(|at| glob_matches(tail, &rest[at..]))
        }
    }
}

/// A pointer pattern: segment by segment, `*` matches one whole segment, other segments
/// compare as globs.
fn pointer_matches(pattern: &str, pointer: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let pointer: Vec<&str> = pointer.split('/').collect();
    pattern.len() == pointer.len()
        && pattern
            .iter()
            .zip(&pointer)
            .all(|(glob, segment)| glob_matches(glob, segment))
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(at, b)| at == 4 || at == 7 || b.is_ascii_digit())
        && {
            let year: u32 = text[..4].parse().unwrap_or(0);
            let month: u32 = text[5..7].parse().unwrap_or(0);
            let day: u32 = text[8..10].parse().unwrap_or(0);
            (1..=days_in_month(year, month)).contains(&day)
        }
}

/// Days in `month` of `year` (Gregorian), 0 for a month that does not exist: `2026-02-31`
/// is no date, and an entry meant to expire must not silently never do so.
fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// A TOML error on one line, with the line it is on (as the matrix file's errors have).
fn toml_error_line(text: &str, err: &toml::de::Error) -> String {
    let message = one_line(err.message());
    match err.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

/// Today's date, UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()[..10].to_owned()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Baseline, BaselineError> {
        Baseline::parse(text, Path::new("b.toml"), "2026-12-01".to_owned())
    }

    fn type_finding(pointer: &str, actual: &str) -> Finding {
        Finding::at(pointer, "type")
            .rule("type")
            .expected_actual("string", actual)
    }

    const INTEGER_TYPES: &str = r#"
version = 1
[[deviation]]
check = "response_schema_conformance"
cases = ["task_*"]
pointer = "/buttons/*/type"
rule = "type"
got = "integer"
reason = "every family sends integers"
"#;

    #[test]
    fn an_entry_matches_only_its_check_case_pointer_rule_and_type() {
        let baseline = parse(INTEGER_TYPES).unwrap();
        let check = "response_schema_conformance";
        assert!(baseline
            .accepts(check, "task_1", &type_finding("/buttons/0/type", "2"))
            .is_some());
        assert!(baseline
            .accepts(check, "task_2", &type_finding("/buttons/12/type", "1"))
            .is_some());
        // Another pointer, another rule, another type sent, another case, another check.
        assert!(baseline
            .accepts(check, "task_1", &type_finding("/buttons/0/style", "2"))
            .is_none());
        let missing = Finding::at("/buttons/2/label", "required").rule("required");
        assert!(baseline.accepts(check, "task_1", &missing).is_none());
        assert!(baseline
            .accepts(
                check,
                "task_1",
                &type_finding("/buttons/0/type", "{\"a\":1}")
            )
            .is_none());
        assert!(baseline
            .accepts(check, "unknown_id", &type_finding("/buttons/0/type", "2"))
            .is_none());
        assert!(baseline
            .accepts(
                "time_order",
                "task_1",
                &type_finding("/buttons/0/type", "2")
            )
            .is_none());
        assert!(baseline
            .accepts(check, "task_1", &type_finding("/buttons/0/type/x", "2"))
            .is_none());
        assert!(baseline.stale().is_empty());
    }

    #[test]
    fn unmatched_entries_are_stale_and_past_ones_expire() {
        let text = format!(
            "{INTEGER_TYPES}\n[[deviation]]\ncheck = \"unknown_id_not_found\"\nrule = \"status:200\"\nreason = \"x\"\nuntil = \"2026-11-30\"\n"
        );
        let baseline = parse(&text).unwrap();
        assert_eq!(baseline.stale().len(), 1);
        assert_eq!(baseline.expired().len(), 1);
        let finding = Finding::status(200, "404", "got 200");
        assert!(baseline
            .accepts("unknown_id_not_found", "unknown_id", &finding)
            .is_none());
        // An entry that ends today still holds today.
        let today = text.replace("2026-11-30", "2026-12-01");
        let baseline = parse(&today).unwrap();
        assert!(baseline
            .accepts("unknown_id_not_found", "unknown_id", &finding)
            .is_some());
        assert!(baseline
            .accepts(
                "unknown_id_not_found",
                "unknown_id",
                &Finding::status(500, "404", "x")
            )
            .is_none());
    }

    #[test]
    fn until_is_a_real_calendar_day() {
        assert!(is_date("2028-02-29"));
        assert!(!is_date("2026-02-29"));
        assert!(!is_date("2026-02-31"));
        assert!(!is_date("2026-04-31"));
        assert!(is_date("2026-12-31"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("2100-02-29"));
        assert!(is_date("2000-02-29"));
    }

    #[test]
    fn malformed_files_name_the_problem_on_one_line() {
        for (text, expect) in [
            (
                "version = 1\n[[deviation]]\ncheck = \"x\"\nreason = \"y\"\ncolour = 1\n",
                "colour",
            ),
            ("version = 1\n[[deviation]]\ncheck = \"x\"\n", "reason"),
            (
                "version = 1\n[[deviation]]\ncheck = \"x\"\nreason = \" \"\n",
                "reason",
            ),
            ("version = 2\n", "version 2"),
            (
                "version = 1\n[[deviation]]\ncheck = \"x\"\nreason = \"y\"\nuntil = \"soon\"\n",
                "soon",
            ),
            (
                "version = 1\n[[deviation]]\ncheck = \"x\"\nreason = \"y\"\npointer = \"a/b\"\n",
                "JSON pointer",
            ),
            ("not toml at all [", "b.toml"),
            (
                "version = 1\n[[deviation]]\ncheck = \"x\"\nreason = \"y\"\nuntil = \"2026-02-31\"\n",
                "`until = \"2026-02-31\"` is not a YYYY-MM-DD date",
            ),
            (
                "version = 1\n[[deviation]]\ncheck = \"x\"\nreason = \"y\nuntil = 1\n",
                "line 4:",
            ),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(expect), "{text}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn recording_groups_buttons_and_cases() {
        let mut observed = Vec::new();
        for case in ["task_1", "task_2"] {
            for index in 0..9 {
                for field in ["type", "style"] {
                    observed.push(Observed {
                        check: "response_schema_conformance".into(),
                        case: case.into(),
                        finding: type_finding(&format!("/buttons/{index}/{field}"), "2"),
                    });
                }
            }
        }
        observed.push(Observed {
            check: "unknown_id_not_found".into(),
            case: "unknown_id".into(),
            finding: Finding::status(200, "404", "got 200"),
        });
        let mut run = BTreeMap::new();
        run.insert(
            "response_schema_conformance".to_owned(),
            ["task_1", "task_2", "unknown_id", "wrong_key"]
                .map(String::from)
                .into(),
        );
        run.insert(
            "unknown_id_not_found".to_owned(),
            ["unknown_id"].map(String::from).into(),
        );
        let text = render(&observed, &run);
        assert_eq!(text.matches("[[deviation]]").count(), 3, "{text}");
        assert!(text.contains("cases = [\"task_*\"]"), "{text}");
        assert!(text.contains("pointer = \"/buttons/*/type\""), "{text}");
        assert!(text.contains("got = \"integer\""), "{text}");
        assert!(text.contains("rule = \"status:200\""), "{text}");
        // What it writes, it reads, and it accepts what it recorded.
        let baseline = parse(&text).unwrap();
        for item in &observed {
            assert!(baseline
                .accepts(&item.check, &item.case, &item.finding)
                .is_some());
        }
        assert!(baseline.stale().is_empty());
    }

    #[test]
    fn globs() {
        assert!(glob_matches("task_*", "task_1"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("status:*", "status:404"));
        assert!(!glob_matches("task_*", "unknown_id"));
        assert!(glob_matches("a*b*c", "axxbyyc"));
        assert!(pointer_matches("/buttons/*/type", "/buttons/3/type"));
        assert!(!pointer_matches("/buttons/*/type", "/buttons/type"));
        assert_eq!(generalise_pointer("/buttons/3/type"), "/buttons/*/type");
        assert_eq!(generalise_pointer(""), "");
        assert!(is_date("2026-12-01"));
        assert!(!is_date("2026-13-01"));
    }
}
