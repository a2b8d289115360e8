//! Known deviations: a TOML file of accepted findings, so CI against a real provider fails
//! only on what is new.
//!
//! An entry names the check (or fuzz property), the cases it covers (globs such as `task_*`),
//! the rule (`type`, `required`, `status:200`, …, or an explicit `"*"`), the JSON-pointer
//! pattern for findings about a place in the body (`/buttons/*/type`, where `*` is one
//! segment; `"*"` for any place) and, for type findings, the JSON type the server sent
//! (`got = "integer"`). A finding is known only when one entry matches all of these, so
//! accepting integer button types hides neither a missing label nor an object in their place,
//! and an entry about a missing header does not hide a malformed one. An entry for a suite
//! check also matches the fuzz property that judges with that check (`fuzz::<domain>::<check>`).
//! Every entry needs a human `reason`; an `until` date makes it expire, after which it stops
//! matching and the run says so.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// A JSON-pointer pattern; `*` stands for one segment; `"*"` alone for any pointer. When
    /// absent, only findings that name no place in the body match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The rule broken (`type`, `required`, `enum`, `format`, `status:200`, …; `*` globs).
    /// Required: `"*"` says "any rule" out loud.
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
        self.covers(check, case)
            && match self.pointer.as_deref() {
                None => finding.pointer.is_none(),
                Some(ANY) => true,
                Some(pattern) => finding
                    .pointer
                    .as_deref()
                    .is_some_and(|pointer| pointer_matches(pattern, pointer)),
            }
            && match (self.rule.as_deref(), finding.rule.as_deref()) {
                (Some(ANY), _) => true,
                (Some(rule), Some(found)) => glob_matches(rule, found),
                _ => false,
            }
            && self
                .got
                .as_deref()
                .is_none_or(|got| actual_kind(finding).as_deref() == Some(got))
    }

    /// Whether the entry speaks of trial `check`/`case`: its own check, or the fuzz property
    /// that judges with that check (`fuzz::<domain>::<check>`, whose case is the domain). A
    /// fuzz property's answers are of the suite's kinds: ids probe unknown ids, credentials
    /// ask for a known task (`task_*`) with a valid or a refused credential.
    fn covers(&self, check: &str, case: &str) -> bool {
        if self.check == check {
            return self.cases.is_empty() || self.cases.iter().any(|glob| glob_matches(glob, case));
        }
        let Some(domain) = fuzz_domain_of(check, &self.check) else {
            return false;
        };
        let kinds: &[&str] = match domain {
            "ids" => &["unknown_id"],
            "credentials" => &[TASK_KIND, "missing_credential", "wrong_key"],
            _ => &[],
        };
        self.cases.is_empty()
            || self.cases.iter().any(|glob| {
                glob_matches(glob, case) || kinds.iter().any(|kind| glob_matches(glob, kind))
            })
    }

    /// Whether the entry accepts more than one rule or place (`"*"` or a glob in `rule`,
    /// `pointer = "*"`).
    fn is_broad(&self) -> bool {
        self.rule.as_deref().is_some_and(|rule| rule.contains('*'))
            || self.pointer.as_deref() == Some(ANY)
    }
}

/// "Any", said out loud, for `rule` and `pointer`.
pub const ANY: &str = "*";

/// What a task case's glob (`task_*`) matches of a fuzz credential property.
const TASK_KIND: &str = "task_";

/// `fuzz::<domain>::<property>` → the domain, when the property is `check`.
fn fuzz_domain_of<'a>(trial_check: &'a str, check: &str) -> Option<&'a str> {
    let (domain, property) = trial_check.strip_prefix("fuzz::")?.split_once("::")?;
    (property == check && !check.starts_with("fuzz::")).then_some(domain)
}

/// Whether `check` guards access: a wildcard entry there could hide a server that lets anyone
/// in, so it needs `--allow-broad-baseline`.
fn guards_access(check: &str) -> bool {
    check == "ignored_auth"
        || check.starts_with("fuzz::credentials::")
        || check.ends_with("::ignored_auth")
}

/// What loading a baseline needs to know of the run.
#[derive(Debug, Clone, Default)]
pub struct LoadRules {
    /// Every check and fuzz property name a trial can have; an entry naming another is
    /// refused. Empty: not checked (unit tests).
    pub known_checks: Vec<String>,
    /// `--allow-broad-baseline`: accept wildcards on the checks that guard access.
    pub allow_broad: bool,
}

impl LoadRules {
    /// Why `entry` is refused, if it is.
    fn refuse(&self, entry: &Entry) -> Option<String> {
        if entry.check.trim().is_empty() {
            return Some("`check` is empty".to_owned());
        }
        if !self.known_checks.is_empty() && !self.known_checks.contains(&entry.check) {
            return Some(format!(
                "`check = \"{}\"` names no check; the known names are {}",
                entry.check,
                self.known_checks.join(", ")
            ));
        }
        if entry.reason.trim().is_empty() {
            return Some("`reason` is empty; say why this deviation is accepted".to_owned());
        }
        match entry.rule.as_deref().map(str::trim) {
            None | Some("") => {
                return Some(
                    "`rule` is missing: name the rule the finding breaks (`type`, `required`, \
                     `status:200`, `www-authenticate-on-401`, ...; --write-baseline records it), \
                     or write `rule = \"*\"` to accept every rule of the check"
                        .to_owned(),
                )
            }
            Some(_) => {}
        }
        if let Some(until) = &entry.until {
            if !is_date(until) {
                return Some(format!("`until = \"{until}\"` is not a YYYY-MM-DD date"));
            }
        }
        if let Some(pointer) = &entry.pointer {
            if !pointer.is_empty() && pointer != ANY && !pointer.starts_with('/') {
                return Some(format!(
                    "`pointer = \"{pointer}\"` is not a JSON pointer (it starts with `/`; `\"*\"` is any)"
                ));
            }
        }
        if entry.is_broad() && guards_access(&entry.check) && !self.allow_broad {
            return Some(format!(
                "`{}` guards access, and a wildcard there (`rule = \"{}\"`{}) would accept a server \
                 that lets anyone in; name the exact rule, or pass --allow-broad-baseline",
                entry.check,
                entry.rule.as_deref().unwrap_or_default(),
                entry
                    .pointer
                    .as_deref()
                    .map(|pointer| format!(", `pointer = \"{pointer}\"`"))
                    .unwrap_or_default()
            ));
        }
        None
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
    /// Whether a trial the entry speaks of ran in this run (passed, failed or known): an
    /// entry whose check did not run (fuzzing off, no `--watch`, a filter) is "not checked
    /// this run", never stale.
    checked: Vec<AtomicBool>,
}

impl Baseline {
    /// Reads and checks a baseline file: unknown keys, a missing reason, a bad date or an
    /// unknown version are errors naming the file.
    pub fn load(path: &Path, rules: &LoadRules) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_owned(),
            source,
        })?;
        Baseline::parse(&text, path, today(), rules)
    }

    fn parse(
        text: &str,
        path: &Path,
        today: String,
        rules: &LoadRules,
    ) -> Result<Baseline, BaselineError> {
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
            if let Some(problem) = rules.refuse(entry) {
                return Err(invalid(format!("deviation {}: {problem}", index + 1)));
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
            checked: file
                .deviations
                .iter()
                .map(|_| AtomicBool::new(false))
                .collect(),
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
        rules: &LoadRules,
    ) -> Result<Option<Baseline>, BaselineError> {
        let mut baseline = match file {
            Some(path) => Some(Baseline::load(path, rules)?),
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
        // The document's own entries obey the file's rules (a rule each), whatever the run's
        // flags: a dialect never ships a wildcard.
        let strict = LoadRules {
            known_checks: rules.known_checks.clone(),
            allow_broad: false,
        };
        for (index, entry) in entries.iter().enumerate() {
            if let Some(problem) = strict.refuse(entry) {
                return Err(BaselineError::Invalid {
                    path: origin,
                    reason: format!(
                        "x-mjconform-known-deviations: deviation {}: {problem}",
                        index + 1
                    ),
                });
            }
        }
        let builtin = baseline.get_or_insert_with(|| Baseline {
            path: origin,
            entries: Vec::new(),
            expired: Vec::new(),
            builtin: Vec::new(),
            hits: Vec::new(),
            checked: Vec::new(),
        });
        for entry in entries {
            builtin.checked.push(AtomicBool::new(false));
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

    /// Notes that trial `check`/`case` ran to a verdict (passed, failed or known), so the
    /// entries that speak of it were checked this run.
    pub fn ran(&self, check: &str, case: &str) {
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.covers(check, case) {
                self.checked[index].store(true, Ordering::Relaxed);
            }
        }
    }

    /// Live entries of the user's file that were checked and matched nothing in this run:
    /// fixed upstream?
    pub fn stale(&self) -> Vec<String> {
        self.user_live(true)
            .filter(|index| self.hits[*index].load(Ordering::Relaxed) == 0)
            .map(|index| self.entries[index].label())
            .collect()
    }

    /// Live entries of the user's file whose check did not run this run (fuzzing off, no
    /// `--watch`, a filter): neither matched nor stale.
    pub fn not_checked(&self) -> Vec<String> {
        self.user_live(false)
            .map(|index| self.entries[index].label())
            .collect()
    }

    fn user_live(&self, checked: bool) -> impl Iterator<Item = usize> + '_ {
        (0..self.entries.len()).filter(move |&index| {
            !self.builtin[index]
                && !self.expired[index]
                && self.checked[index].load(Ordering::Relaxed) == checked
        })
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
            // A type finding always records what was sent (`unknown` when the finding did
            // not say), so the entry never accepts every type.
            (item.finding.rule.as_deref() == Some("type"))
                .then(|| actual_kind(&item.finding).unwrap_or_else(|| UNKNOWN_KIND.to_owned())),
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
/// `task_*` stands for the task cases only when every task case the check ran on had the
/// finding (one task included: the body's shape is the family's, whichever task is asked,
/// so a second `--task-id` keeps a recorded deviation known); some of them are named.
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
        if !with.is_empty() && with == covered {
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

/// What `got` records of a type finding that did not say what was sent.
const UNKNOWN_KIND: &str = "unknown";

/// The JSON type of a finding's actual value (`integer`, `string`, `object`, …), when it reads
/// as JSON (`2.0` is a `number`: JSON Schema's "integer" would take it, but a client that
/// parses an integer may not); otherwise the actual text itself; [`UNKNOWN_KIND`] when the
/// finding has no actual value.
fn actual_kind(finding: &Finding) -> Option<String> {
    if finding.actual.is_none() {
        return Some(UNKNOWN_KIND.to_owned());
    }
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

/// A TOML error on one line, with the line it is on, without the quoted source line (which
/// could hold a key someone pasted). The baseline and the matrix file both read TOML.
pub(crate) fn toml_error_line(text: &str, err: &toml::de::Error) -> String {
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
        Baseline::parse(
            text,
            Path::new("b.toml"),
            "2026-12-01".to_owned(),
            &LoadRules::default(),
        )
    }

    fn parse_with(text: &str, rules: &LoadRules) -> Result<Baseline, BaselineError> {
        Baseline::parse(text, Path::new("b.toml"), "2026-12-01".to_owned(), rules)
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
        baseline.ran("response_schema_conformance", "task_1");
        baseline.ran("unknown_id_not_found", "unknown_id");
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
                "version = 1\n[[deviation]]\ncheck = \"x\"\nrule = \"r\"\nreason = \" \"\n",
                "reason",
            ),
            ("version = 2\n", "version 2"),
            (
                "version = 1\n[[deviation]]\ncheck = \"x\"\nrule = \"r\"\nreason = \"y\"\nuntil = \"soon\"\n",
                "soon",
            ),
            (
                "version = 1\n[[deviation]]\ncheck = \"x\"\nrule = \"r\"\nreason = \"y\"\npointer = \"a/b\"\n",
                "JSON pointer",
            ),
            ("not toml at all [", "b.toml"),
            (
                "version = 1\n[[deviation]]\ncheck = \"x\"\nrule = \"r\"\nreason = \"y\"\nuntil = \"2026-02-31\"\n",
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

    const SCHEMA: &str = "response_schema_conformance";

    fn one_entry(body: &str) -> String {
        format!("version = 1\n[[deviation]]\n{body}\nreason = \"r\"\n")
    }

    #[test]
    fn an_entry_without_a_rule_is_refused_and_star_is_said_out_loud() {
        let err = parse(&one_entry("check = \"ignored_auth\""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`rule` is missing") && !err.contains('\n'), "{err}");
        // `rule = "*"` accepts every rule, but only findings that name no place...
        let any_rule = parse(&one_entry("check = \"time_order\"\nrule = \"*\"")).unwrap();
        assert!(any_rule
            .accepts("time_order", "task_1", &Finding::new("x").rule("whatever"))
            .is_some());
        assert!(any_rule
            .accepts("time_order", "task_1", &Finding::new("x"))
            .is_some());
        assert!(any_rule
            .accepts("time_order", "task_1", &Finding::at("/startTime", "x").rule("t"))
            .is_none());
        // ...and `pointer = "*"` any place.
        let anywhere = parse(&one_entry(
            "check = \"time_order\"\nrule = \"*\"\npointer = \"*\"",
        ))
        .unwrap();
        assert!(anywhere
            .accepts("time_order", "task_1", &Finding::at("/startTime", "x").rule("t"))
            .is_some());
    }

    #[test]
    fn an_entry_about_a_missing_header_does_not_hide_a_malformed_one() {
        let baseline = parse(&one_entry(
            "check = \"www_authenticate_on_401\"\nrule = \"www-authenticate-on-401\"",
        ))
        .unwrap();
        let check = "www_authenticate_on_401";
        assert!(baseline
            .accepts(check, "wrong_key", &Finding::new("none").rule("www-authenticate-on-401"))
            .is_some());
        assert!(baseline
            .accepts(check, "wrong_key", &Finding::new("bad").rule("www-authenticate-syntax"))
            .is_none());
        // A finding that names no rule is not matched by a named rule.
        assert!(baseline
            .accepts(check, "wrong_key", &Finding::new("bad"))
            .is_none());
    }

    #[test]
    fn a_wildcard_on_a_check_that_guards_access_needs_the_flag() {
        for body in [
            "check = \"ignored_auth\"\nrule = \"*\"",
            "check = \"ignored_auth\"\nrule = \"status:*\"",
            "check = \"fuzz::credentials::response_schema_conformance\"\nrule = \"type\"\npointer = \"*\"",
            "check = \"fuzz::ids::ignored_auth\"\nrule = \"*\"",
        ] {
            let err = parse(&one_entry(body)).unwrap_err().to_string();
            assert!(
                err.contains("guards access") && err.contains("--allow-broad-baseline"),
                "{body}: {err}"
            );
            let allowed = LoadRules {
                allow_broad: true,
                ..LoadRules::default()
            };
            assert!(parse_with(&one_entry(body), &allowed).is_ok(), "{body}");
        }
        // An exact rule on such a check is fine, and accepts only that rule.
        let exact = parse(&one_entry(
            "check = \"ignored_auth\"\nrule = \"status:403\"",
        ))
        .unwrap();
        assert!(exact
            .accepts("ignored_auth", "wrong_key", &Finding::status(403, "401", "x"))
            .is_some());
        assert!(exact
            .accepts("ignored_auth", "wrong_key", &Finding::status(200, "401", "x"))
            .is_none());
        // A wildcard elsewhere is the user's call.
        assert!(parse(&one_entry("check = \"time_order\"\nrule = \"*\"")).is_ok());
    }

    #[test]
    fn a_check_that_does_not_exist_is_refused_with_the_known_names() {
        let rules = LoadRules {
            known_checks: vec!["time_order".into(), "fuzz::ids::not_a_server_error".into()],
            allow_broad: false,
        };
        let err = parse_with(&one_entry("check = \"time_ordr\"\nrule = \"r\""), &rules)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("time_ordr") && err.contains("time_order, fuzz::ids::not_a_server_error"),
            "{err}"
        );
        assert!(!err.contains('\n'));
        assert!(parse_with(&one_entry("check = \"time_order\"\nrule = \"r\""), &rules).is_ok());
    }

    #[test]
    fn an_entry_for_a_check_matches_its_fuzz_property_too() {
        let baseline = parse(INTEGER_TYPES).unwrap();
        let finding = type_finding("/buttons/0/type", "2");
        // The credential probes with a valid key ask for a known task: `task_*` covers them.
        assert!(baseline
            .accepts("fuzz::credentials::response_schema_conformance", "credentials", &finding)
            .is_some());
        // Ids probe unknown ids: not a task case.
        assert!(baseline
            .accepts("fuzz::ids::response_schema_conformance", "ids", &finding)
            .is_none());
        // Not another property, nor a fuzz property named as a check of its own.
        assert!(baseline
            .accepts("fuzz::credentials::content_type_conformance", "credentials", &finding)
            .is_none());
        assert!(baseline
            .accepts("fuzz::credentials::x::response_schema_conformance", "credentials", &finding)
            .is_none());
        let unknown = parse(&one_entry(
            "check = \"unknown_id_not_found\"\ncases = [\"unknown_id\"]\nrule = \"status:200\"",
        ))
        .unwrap();
        let status = Finding::status(200, "404", "x");
        assert!(unknown
            .accepts("fuzz::ids::unknown_id_not_found", "ids", &status)
            .is_some());
        assert!(unknown
            .accepts("fuzz::credentials::unknown_id_not_found", "credentials", &status)
            .is_none());
    }

    #[test]
    fn entries_whose_check_did_not_run_are_not_checked_never_stale() {
        let text = format!(
            "{INTEGER_TYPES}\n[[deviation]]\ncheck = \"fuzz::ids::not_a_server_error\"\nrule = \"status:500\"\nreason = \"x\"\n\n[[deviation]]\ncheck = \"lifecycle\"\nrule = \"transition\"\nreason = \"x\"\n"
        );
        let baseline = parse(&text).unwrap();
        baseline.ran(SCHEMA, "task_1");
        baseline.ran(SCHEMA, "unknown_id");
        assert_eq!(baseline.stale().len(), 1, "{:?}", baseline.stale());
        assert_eq!(baseline.not_checked().len(), 2, "{:?}", baseline.not_checked());
        baseline.ran("fuzz::ids::not_a_server_error", "ids");
        assert_eq!(baseline.stale().len(), 2);
        assert_eq!(baseline.not_checked().len(), 1);
        // A run on a case the entry does not cover does not check it.
        let other = parse(INTEGER_TYPES).unwrap();
        other.ran(SCHEMA, "unknown_id");
        other.ran("time_order", "task_1");
        assert!(other.stale().is_empty());
        assert_eq!(other.not_checked().len(), 1);
    }

    fn recorded(observed: &[Observed], run: &[(&str, &[&str])]) -> Baseline {
        let run: BTreeMap<String, BTreeSet<String>> = run
            .iter()
            .map(|(check, cases)| {
                (
                    check.to_string(),
                    cases.iter().map(|case| case.to_string()).collect(),
                )
            })
            .collect();
        parse(&render(observed, &run)).unwrap()
    }

    fn seen(case: &str, finding: Finding) -> Observed {
        Observed {
            check: SCHEMA.into(),
            case: case.into(),
            finding,
        }
    }

    #[test]
    fn a_recorded_type_finding_without_a_value_sent_accepts_no_other_type() {
        let bare = Finding::at("/buttons/0/type", "type").rule("type");
        let baseline = recorded(&[seen("task_1", bare.clone())], &[(SCHEMA, &["task_1"])]);
        assert!(baseline.accepts(SCHEMA, "task_1", &bare).is_some());
        for other in ["2", "{\"a\":1}", "null", "\"x\""] {
            assert!(
                baseline
                    .accepts(SCHEMA, "task_1", &type_finding("/buttons/0/type", other))
                    .is_none(),
                "{other}"
            );
        }
    }

    #[test]
    fn a_task_glob_is_written_only_when_every_task_had_the_finding() {
        let finding = type_finding("/buttons/0/type", "2");
        let tasks: &[&str] = &["task_1", "task_2", "task_3", "unknown_id"];
        let some = recorded(
            &[seen("task_1", finding.clone()), seen("task_2", finding.clone())],
            &[(SCHEMA, tasks)],
        );
        assert!(some.accepts(SCHEMA, "task_1", &finding).is_some());
        assert!(some.accepts(SCHEMA, "task_3", &finding).is_none());
        let all = recorded(
            &[
                seen("task_1", finding.clone()),
                seen("task_2", finding.clone()),
                seen("task_3", finding.clone()),
            ],
            &[(SCHEMA, tasks)],
        );
        assert!(all.accepts(SCHEMA, "task_9", &finding).is_some());
        assert!(all.accepts(SCHEMA, "unknown_id", &finding).is_none());
        // One task id recorded: the body's shape is the family's, and a second `--task-id`
        // keeps it known.
        let one = recorded(&[seen("task_1", finding.clone())], &[(SCHEMA, &["task_1", "unknown_id"])]);
        assert!(one.accepts(SCHEMA, "task_2", &finding).is_some());
        assert!(one.accepts(SCHEMA, "unknown_id", &finding).is_none());
    }

    #[test]
    fn a_check_run_on_one_case_records_that_case_and_on_all_of_several_a_wildcard() {
        // A wildcard for a check that ran on one case would accept the finding on every case
        // a later run adds (a second id, a credential probe): the case is named instead.
        let finding = type_finding("/status", "1");
        let one = recorded(&[seen("unknown_id", finding.clone())], &[(SCHEMA, &["unknown_id"])]);
        assert!(one.accepts(SCHEMA, "unknown_id", &finding).is_some());
        assert!(one.accepts(SCHEMA, "wrong_key", &finding).is_none());
        let both = recorded(
            &[
                seen("unknown_id", finding.clone()),
                seen("wrong_key", finding.clone()),
            ],
            &[(SCHEMA, &["unknown_id", "wrong_key"])],
        );
        assert!(both.accepts(SCHEMA, "missing_credential", &finding).is_some());
    }

    #[test]
    fn a_negative_or_huge_integer_is_an_integer_never_a_fraction() {
        for integer in ["-1", "18446744073709551615"] {
            let recorded_one = type_finding("/progress", integer);
            let baseline =
                recorded(&[seen("task_1", recorded_one.clone())], &[(SCHEMA, &["task_1"])]);
            assert!(baseline.accepts(SCHEMA, "task_1", &recorded_one).is_some());
            let fraction = type_finding("/progress", "2.5");
            assert!(
                baseline.accepts(SCHEMA, "task_1", &fraction).is_none(),
                "{integer}"
            );
        }
    }

    #[test]
    fn an_entry_is_named_by_everything_it_matches_on() {
        let baseline = parse(INTEGER_TYPES).unwrap();
        assert_eq!(
            baseline.entries[0].label(),
            "response_schema_conformance /buttons/*/type [type] got integer (task_*)"
        );
        let bare = parse("version = 1\n[[deviation]]\ncheck = \"time_order\"\nrule = \"*\"\nreason = \"r\"\n")
            .unwrap();
        assert_eq!(bare.entries[0].label(), "time_order [*]");
    }

    #[test]
    fn user_entries_counts_the_file_s_entries() {
        let two = format!("{INTEGER_TYPES}{}", INTEGER_TYPES.replace("version = 1\n", ""));
        let two = parse(&two).unwrap();
        assert_eq!((two.user_entries(), two.len(), two.is_empty()), (2, 2, false));
        let none = parse("version = 1\n").unwrap();
        assert_eq!((none.user_entries(), none.len(), none.is_empty()), (0, 0, true));
    }

    #[test]
    fn a_fraction_is_a_number_never_an_integer() {
        let fraction = type_finding("/progress", "2.0");
        let baseline = recorded(&[seen("task_1", fraction.clone())], &[(SCHEMA, &["task_1"])]);
        assert!(baseline.accepts(SCHEMA, "task_1", &fraction).is_some());
        assert!(baseline
            .accepts(SCHEMA, "task_1", &type_finding("/progress", "2"))
            .is_none());
        let integer = recorded(
            &[seen("task_1", type_finding("/progress", "2"))],
            &[(SCHEMA, &["task_1"])],
        );
        assert!(integer.accepts(SCHEMA, "task_1", &fraction).is_none());
        assert!(integer
            .accepts(SCHEMA, "task_1", &type_finding("/progress", "2e0"))
            .is_none());
    }

    #[test]
    fn a_recorded_finding_without_a_pointer_accepts_none_with_one() {
        let status = Finding::status(200, "404", "x");
        let baseline = recorded(
            &[Observed {
                check: "unknown_id_not_found".into(),
                case: "unknown_id".into(),
                finding: status.clone(),
            }],
            &[("unknown_id_not_found", &["unknown_id"])],
        );
        assert!(baseline
            .accepts("unknown_id_not_found", "unknown_id", &status)
            .is_some());
        let placed = Finding::at("/x", "x").rule("status:200");
        assert!(baseline
            .accepts("unknown_id_not_found", "unknown_id", &placed)
            .is_none());
    }

    #[test]
    fn split_keeps_every_finding_no_entry_accepts_as_new() {
        let baseline = parse(INTEGER_TYPES).unwrap();
        let known = type_finding("/buttons/0/type", "2");
        let new = Finding::at("/buttons/0/label", "missing").rule("required");
        let (fresh, accepted) = baseline.split(SCHEMA, "task_1", vec![known.clone(), new.clone()]);
        assert_eq!(fresh, vec![new]);
        assert_eq!(accepted.len(), 1);
        assert_eq!(accepted[0].0, known);
        assert_eq!(accepted[0].1, "every family sends integers");
    }

    #[test]
    fn a_cut_value_keeps_its_type() {
        // A long value is cut with `…` and no longer parses: its first character tells its type.
        for (actual, kind) in [
            ("{\"a\":1,\"b\"…", "object"),
            ("[1,2,…", "array"),
            ("\"a long str…", "string"),
        ] {
            let finding = type_finding("/x", actual);
            assert_eq!(actual_kind(&finding).as_deref(), Some(kind), "{actual}");
        }
        let text = one_entry(
            "check = \"response_schema_conformance\"\npointer = \"/x\"\nrule = \"type\"\ngot = \"object\"",
        );
        let baseline = parse(&text).unwrap();
        assert!(baseline
            .accepts(SCHEMA, "task_1", &type_finding("/x", "{\"a\":1,\"b\"…"))
            .is_some());
        assert!(baseline
            .accepts(SCHEMA, "task_1", &type_finding("/x", "[1,2,…"))
            .is_none());
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
