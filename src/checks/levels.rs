//! Check levels, as linters have them: `deny` (a finding fails the run), `warn` (a finding is
//! shown in the last lines and every report as a warning, and the run passes) and `allow`
//! (the check's trials are not run).
//!
//! The default of each check is data, one row each in [`DEFAULT_LEVELS`], with the words of
//! the source the level was read from: a MUST of the RFC or a rule the provider doc states is
//! `deny`; a SHOULD, or a MUST that binds only "general-purpose" servers, is `warn`, because
//! a server that keeps the documented contract must not be red for it. `docs/http-rules.md`
//! shows the same table (a unit test compares them). Levels reach every family that judges a
//! check: the suite's `<check>::<case>`, the fuzz properties named after checks, the
//! lifecycle, HTTP's own rules.

use std::collections::BTreeMap;

/// What a finding of a check does to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The check's trials are not run.
    Allow,
    /// A finding is a warning: shown, counted, and the run still passes.
    Warn,
    /// A finding is a contract failure (exit code 1).
    Deny,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

// Reached only by the test tree (tests/, benches/).
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
/// One row of the default table.
#[derive(Debug, Clone, Copy)]
pub struct LevelRow {
    /// The check (or the fuzz property, or `lifecycle`) the level applies to.
    pub check: &'static str,
    pub level: Level,
    /// The words the level was read from.
    pub source: &'static str,
    /// Why those words give this level.
    pub why: &'static str,
}

/// The reason an allowed check's trials give for not running.
pub const ALLOWED_REASON: &str = "allowed by level";

/// The default level of every check, fuzz property and family that judges answers.
pub const DEFAULT_LEVELS: &[LevelRow] = &[
    LevelRow {
        check: "not_a_server_error",
        level: Level::Deny,
        source: "the doc documents no 5xx answer",
        why: "a 5xx is never a documented answer; clients cannot tell it from an outage",
    },
    LevelRow {
        check: "status_code_conformance",
        level: Level::Deny,
        source: "the spec's `responses`",
        why: "a status the contract does not document is one no client handles",
    },
    LevelRow {
        check: "content_type_conformance",
        level: Level::Deny,
        source: "the spec's response `content`",
        why: "clients pick their parser by the documented media type",
    },
    LevelRow {
        check: "response_schema_conformance",
        level: Level::Deny,
        source: "the spec's response schemas",
        why: "a body of another shape breaks every typed client",
    },
    LevelRow {
        check: "positive_data_acceptance",
        level: Level::Deny,
        source: "the doc: an existing task is fetched with 200",
        why: "the endpoint's one job",
    },
    LevelRow {
        check: "unknown_id_not_found",
        level: Level::Deny,
        source: "the spec's unknown-id answer (404, or `x-mjconform-unknown-id`)",
        why: "clients stop polling on the documented \"no such task\"",
    },
    LevelRow {
        check: "ignored_auth",
        level: Level::Deny,
        source: "the spec's security requirement; RFC 9110 §15.5.2",
        why: "a wrong, empty or absent key must never get task data",
    },
    LevelRow {
        check: "task_id_matches",
        level: Level::Deny,
        source: "the doc: the task fetched is the task asked for",
        why: "another task's data is a wrong answer, not a style",
    },
    LevelRow {
        check: "time_plausibility",
        level: Level::Deny,
        source: "the doc: times are epoch milliseconds",
        why: "seconds or a far date mislead every client that shows them",
    },
    LevelRow {
        check: "time_order",
        level: Level::Deny,
        source: "the doc's status and time fields",
        why: "a task cannot finish before it started",
    },
    LevelRow {
        check: "status_consistency",
        level: Level::Deny,
        source: "the doc's status values and what each carries",
        why: "clients act on the status: a SUCCESS without an image breaks them",
    },
    LevelRow {
        check: "progress_format",
        level: Level::Deny,
        source: "the doc: progress is `N%`",
        why: "clients parse it",
    },
    LevelRow {
        check: "button_custom_ids",
        level: Level::Deny,
        source: "the doc: buttons carry the customId to submit",
        why: "a duplicate or malformed customId makes the action unsendable",
    },
    LevelRow {
        check: "single_header_fields",
        level: Level::Deny,
        source: "RFC 9110 §5.3: \"A sender MUST NOT generate multiple field lines with the same name in a message\" unless it is a list",
        why: "Node's `http` rejects two `Content-Length` lines even when they agree; `fetch` joins two `Content-Type`s with a comma",
    },
    LevelRow {
        check: "connection_close",
        level: Level::Deny,
        source: "RFC 9112 §9.6: \"A server that receives a 'close' connection option MUST initiate closure of the connection\"",
        why: "a MUST on every server; a client that waits for the close hangs",
    },
    LevelRow {
        check: "no_existence_oracle",
        level: Level::Deny,
        source: "the spec's security requirement: without a credential there is no answer about a task",
        why: "a 404 for one id and a 401 for another tells anyone which task ids exist",
    },
    LevelRow {
        check: "distinct_results",
        level: Level::Deny,
        source: "the doc: `imageUrl` and the buttons' `customId` are this task's result",
        why: "two tasks sharing one result show, upscale or vary someone else's image",
    },
    LevelRow {
        check: "unsupported_method",
        level: Level::Warn,
        source: "RFC 9110 §9.1: an unimplemented method \"SHOULD\" get 501; the doc documents GET only",
        why: "no MUST binds an origin to refuse a method it was not asked to serve",
    },
    LevelRow {
        check: "allow_on_405",
        level: Level::Deny,
        source: "RFC 9110 §15.5.6: \"The origin server MUST generate an Allow header field in a 405 response\"",
        why: "a MUST on every origin server",
    },
    LevelRow {
        check: "www_authenticate_on_401",
        level: Level::Deny,
        source: "RFC 9110 §15.5.2: \"The server generating a 401 response MUST send a WWW-Authenticate header field\"",
        why: "a MUST on every server; the dialects record the families that omit it",
    },
    LevelRow {
        check: "head_supported",
        level: Level::Warn,
        source: "RFC 9110 §9.1: \"All general-purpose servers MUST support the methods GET and HEAD\"",
        why: "binds general-purpose servers; the doc documents only GET, and API frameworks refuse HEAD with 405",
    },
    LevelRow {
        check: "head_has_no_body",
        level: Level::Deny,
        source: "RFC 9110 §9.3.2: \"the server MUST NOT send content in the response\"",
        why: "content after a HEAD answer is read as the next answer on the connection",
    },
    LevelRow {
        check: "honest_framing",
        level: Level::Deny,
        source: "RFC 9112 §6: message body length rules (MUST)",
        why: "a lying length cuts or corrupts the answer for every client",
    },
    LevelRow {
        check: "max_response_time",
        level: Level::Deny,
        source: "the user's own --max-response-time",
        why: "a limit the user set is meant to fail the run",
    },
    LevelRow {
        check: "lifecycle",
        level: Level::Deny,
        source: "the doc's statuses and the rules of src/contract/rules.rs",
        why: "a task that goes backwards breaks every client that polls",
    },
    LevelRow {
        check: "scheme_case_like_bearer",
        level: Level::Warn,
        source: "RFC 9110 §11.1: the scheme is \"a case-insensitive token\"; the doc sends `Bearer`",
        why: "a definition, not a MUST, and no documented client sends another case",
    },
    LevelRow {
        check: "other_scheme_refused",
        level: Level::Warn,
        source: "RFC 6750 §2.1: the key goes as `Bearer` (or where the spec places it)",
        why: "accepting the real key under another scheme lets nobody in without the key",
    },
];

/// Every name a level can be given to.
pub fn known_names() -> Vec<&'static str> {
    DEFAULT_LEVELS.iter().map(|row| row.check).collect()
}

/// A check name given to `--deny`, `--warn` or `--allow`, refused when no check has it.
pub fn parse_name(value: &str) -> Result<String, String> {
    let name = value.trim();
    if DEFAULT_LEVELS.iter().any(|row| row.check == name) {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "`{name}` is not a check (known: {})",
            known_names().join(", ")
        ))
    }
}

/// The levels of one run: the defaults, with the run's overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Levels {
    overrides: BTreeMap<String, Level>,
}

impl Levels {
    /// The levels with `deny`, `warn` and `allow` overriding the defaults. A check named at
    /// two levels (a flag and a variable, say) takes the stricter one: a level never hides a
    /// failure by accident.
    pub fn new(deny: &[String], warn: &[String], allow: &[String]) -> Levels {
        let mut overrides: BTreeMap<String, Level> = BTreeMap::new();
        for (names, level) in [(allow, Level::Allow), (warn, Level::Warn), (deny, Level::Deny)] {
            for name in names {
                let slot = overrides.entry(name.trim().to_owned()).or_insert(level);
                *slot = (*slot).max(level);
            }
        }
        Levels { overrides }
    }

    /// The default level of `check`; a name outside the table is `deny`.
    pub fn default_of(check: &str) -> Level {
        DEFAULT_LEVELS
            .iter()
            .find(|row| row.check == check)
            .map_or(Level::Deny, |row| row.level)
    }

    /// The level of `check` in this run.
    pub fn of(&self, check: &str) -> Level {
        self.overrides
            .get(check)
            .copied()
            .unwrap_or_else(|| Levels::default_of(check))
    }

    /// The overrides that change a default, as the flags that give them (`--deny
    /// head_supported`): what a replay command must carry to judge as this run did.
    pub fn as_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        for (name, level) in &self.overrides {
            if *level != Levels::default_of(name) {
                flags.push(format!("--{level}"));
                flags.push(name.clone());
            }
        }
        flags
    }
}

/// The name a trial's level is looked up by: the check of a suite trial, the property (the
/// last part) of a fuzz trial, `lifecycle`; `None` for a trial no level governs (snapshots).
pub fn level_name(family_check: &str) -> Option<&str> {
    let last = family_check.rsplit("::").next().unwrap_or(family_check);
    DEFAULT_LEVELS
        .iter()
        .any(|row| row.check == last)
        .then_some(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Check;

    #[test]
    fn every_check_has_one_default_row() {
        for check in Check::ALL {
            let rows = DEFAULT_LEVELS.iter().filter(|row| row.check == check.name());
            assert_eq!(rows.count(), 1, "{check}");
        }
        let names: std::collections::BTreeSet<&str> = known_names().into_iter().collect();
        assert_eq!(names.len(), DEFAULT_LEVELS.len(), "a name twice");
        for row in DEFAULT_LEVELS {
            assert!(!row.source.is_empty() && !row.why.is_empty(), "{}", row.check);
        }
        assert_eq!(Levels::default_of("head_supported"), Level::Warn);
    }

    #[test]
    fn overrides_change_the_level_and_the_stricter_wins() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let levels = Levels::new(
            &names(&["head_supported"]),
            &names(&["ignored_auth"]),
            &names(&["head_supported", "time_order"]),
        );
        assert_eq!(levels.of("head_supported"), Level::Deny);
        assert_eq!(levels.of("ignored_auth"), Level::Warn);
        assert_eq!(levels.of("time_order"), Level::Allow);
        assert_eq!(levels.of("not_a_server_error"), Level::Deny);
        assert_eq!(
            levels.as_flags(),
            ["--deny", "head_supported", "--warn", "ignored_auth", "--allow", "time_order"]
        );
        // An override equal to the default changes nothing a replay must carry.
        assert!(Levels::new(&names(&["time_order"]), &[], &[])
            .as_flags()
            .is_empty());
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_known_ones() {
        let err = parse_name("head_suported").unwrap_err();
        assert!(err.contains("`head_suported` is not a check"), "{err}");
        assert!(err.contains("head_supported"), "{err}");
        assert_eq!(parse_name(" time_order ").unwrap(), "time_order");
    }

    #[test]
    fn trials_find_their_level_by_check_or_property() {
        assert_eq!(level_name("head_supported"), Some("head_supported"));
        assert_eq!(
            level_name("fuzz::credentials::ignored_auth"),
            Some("ignored_auth")
        );
        assert_eq!(level_name("lifecycle"), Some("lifecycle"));
        assert_eq!(level_name("snapshot"), None);
    }

    /// The table in docs/http-rules.md states the same defaults as this one.
    #[test]
    fn the_documented_table_agrees_with_the_data() {
        let doc = include_str!("../../docs/http-rules.md");
        let mut documented = BTreeMap::new();
        for line in doc.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 4 {
                continue;
            }
            let (check, level) = (cells[1].trim_matches('`'), cells[2].trim_matches('`'));
            if DEFAULT_LEVELS.iter().any(|row| row.check == check)
                && ["deny", "warn", "allow"].contains(&level)
            {
                documented.insert(check.to_owned(), level.to_owned());
            }
        }
        for row in DEFAULT_LEVELS {
            assert_eq!(
                documented.get(row.check).map(String::as_str),
                Some(row.level.name()),
                "docs/http-rules.md states another level (or none) for {}",
                row.check
            );
        }
    }
}
