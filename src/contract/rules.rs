//! The rules the semantic and lifecycle checks apply where the OpenAPI document cannot say
//! what a task means: time bounds, the progress pattern, what each status implies, the legal
//! status transitions, the shape of a button id.
//!
//! They live here, as data, so that a user can read in one place what is checked beyond the
//! schema, and change it (a provider whose buttons use another id scheme, a wider time
//! window) without touching check code. Every rule is lenient where the provider doc is
//! silent: a conforming server that follows the doc and real servers' habits (see
//! `docs/providers.md`) must not raise a single false alarm.
//!
//! Two readings apply to every rule:
//! - **Unset values.** Go servers (new-api) send `0` for a time that is not set yet and `""`
//!   for an unset string; the Java and C# proxies send `null`; the Node port leaves the field
//!   out. All four mean "unset": `0` is 1970-01-01, never a real task time, and `""` carries
//!   no information. So a NOT_START task with `"startTime": 0` has no start time, and a
//!   SUCCESS with `"imageUrl": ""` or `"imageUrl": null` has no image. (`null` is also a
//!   schema finding, since the contract's fields are not nullable; a SUCCESS without its image
//!   is a second, separate fault.)
//! - **Values of the wrong type** (a time sent as a string or a float, an id as a number) are
//!   the schema check's finding. The semantic rules skip them rather than report the same
//!   fault twice: a required field with the wrong type counts as present, a forbidden one as
//!   absent.

/// The task's time fields, in the order a task's life sets them.
pub const TIME_FIELDS: [&str; 3] = ["submitTime", "startTime", "finishTime"];

/// The value a server sends for a time it has not set yet (new-api's `0`; `null` reads the same).
pub const UNSET_TIME: i64 = 0;

/// The value a server sends for a string it has not set (new-api's `""`; `null` reads the same).
pub const UNSET_STRING: &str = "";

/// One way a server marks a field it has not set, as a dialect document lists them in its
/// `x-mjconform-unset` extension (`[null, "", 0, absent]`; see `docs/dialects.md`). Without the
/// extension every marker is accepted, which is how the rules read the doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnsetMarker {
    /// `null`.
    Null,
    /// `""`, for a string.
    EmptyString,
    /// `0`, for an integer (a time).
    Zero,
    /// The key is left out.
    Absent,
}

/// Every marker: the reading when a document states no convention.
pub const ALL_UNSET_MARKERS: [UnsetMarker; 4] = [
    UnsetMarker::Null,
    UnsetMarker::EmptyString,
    UnsetMarker::Zero,
    UnsetMarker::Absent,
];

impl UnsetMarker {
    /// The marker an extension's list item names: `null`, `""`, `0` or `"absent"`.
    pub fn from_json(value: &serde_json::Value) -> Option<UnsetMarker> {
        match value {
            serde_json::Value::Null => Some(UnsetMarker::Null),
            serde_json::Value::String(text) if text.is_empty() => Some(UnsetMarker::EmptyString),
            serde_json::Value::String(text) if text == "absent" => Some(UnsetMarker::Absent),
            serde_json::Value::Number(number) if number.as_i64() == Some(UNSET_TIME) => {
                Some(UnsetMarker::Zero)
            }
            _ => None,
        }
    }

    /// The marker as the extension writes it, for findings.
    pub fn describe(self) -> &'static str {
        match self {
            UnsetMarker::Null => "null",
            UnsetMarker::EmptyString => "\"\"",
            UnsetMarker::Zero => "0",
            UnsetMarker::Absent => "absence",
        }
    }

    /// The marker a value is, if it is one (absence is not a value).
    pub fn of_value(value: &serde_json::Value) -> Option<UnsetMarker> {
        match value {
            serde_json::Value::Null => Some(UnsetMarker::Null),
            serde_json::Value::String(text) if text == UNSET_STRING => {
                Some(UnsetMarker::EmptyString)
            }
            serde_json::Value::Number(number) if number.as_i64() == Some(UNSET_TIME) => {
                Some(UnsetMarker::Zero)
            }
            _ => None,
        }
    }
}

/// Where a task time may fall, in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    /// The earliest plausible time. Midjourney opened in 2022; 2015-01-01 leaves room for
    /// servers whose clocks or test data are old, and still rejects epoch seconds (which
    /// read as January 1970 in milliseconds).
    pub earliest_ms: i64,
    /// How far past the checker's clock a time may be, for servers whose clock runs ahead.
    /// One day rejects microseconds and nanoseconds (which read as far-future years).
    pub ahead_of_now_ms: i64,
}

/// The window every set task time must fall in: 2015-01-01T00:00:00Z .. now + 1 day.
pub const EPOCH_MS_WINDOW: TimeWindow = TimeWindow {
    earliest_ms: 1_420_070_400_000,
    ahead_of_now_ms: 86_400_000,
};

impl TimeWindow {
    /// The latest plausible time, given the checker's clock.
    pub fn latest_ms(&self, now_ms: i64) -> i64 {
        now_ms.saturating_add(self.ahead_of_now_ms)
    }

    pub fn contains(&self, time_ms: i64, now_ms: i64) -> bool {
        (self.earliest_ms..=self.latest_ms(now_ms)).contains(&time_ms)
    }
}

/// The units a misread time is tried in, to say what the server probably sent: a value that
/// lands in the window once multiplied (or divided) by the factor was sent in that unit.
pub const TIME_UNIT_GUESSES: [(&str, TimeScale); 3] = [
    ("seconds", TimeScale::Multiply(1_000)),
    ("microseconds", TimeScale::Divide(1_000)),
    ("nanoseconds", TimeScale::Divide(1_000_000)),
];

/// How to turn a value in another unit into milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeScale {
    Multiply(i64),
    Divide(i64),
}

impl TimeScale {
    pub fn to_ms(self, value: i64) -> i64 {
        match self {
            TimeScale::Multiply(factor) => value.saturating_mul(factor),
            TimeScale::Divide(factor) => value / factor,
        }
    }
}

/// `progress` is a whole percentage followed by `%`: `0%` .. `100%`. Fractions (`45.5%`),
/// signs, spaces and bare numbers (`"45"`) do not match: the doc's servers all send `NN%`,
/// and a client parses exactly that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressFormat {
    pub suffix: &'static str,
    pub min: u32,
    pub max: u32,
}

/// The progress pattern the checks apply.
pub const PROGRESS: ProgressFormat = ProgressFormat {
    suffix: "%",
    min: 0,
    max: 100,
};

impl ProgressFormat {
    /// The percentage `text` states, if it matches the pattern.
    pub fn parse(&self, text: &str) -> Option<u32> {
        let digits = text.strip_suffix(self.suffix)?;
        if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: u32 = digits.parse().ok()?;
        (self.min..=self.max).contains(&value).then_some(value)
    }

    /// The pattern in words, for findings.
    pub fn describe(&self) -> String {
        format!(
            "a whole number from {} to {} followed by `{}`",
            self.min, self.max, self.suffix
        )
    }
}

/// Midjourney component ids, as the proxies pass them through from Discord:
/// `MJ::JOB::upsample::1::<hash>`, `MJ::Picreader::Retry`, `MJ::BOOKMARK::<hash>`. The rule
/// is the prefix, then at least one more non-empty `::`-separated part, and no whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentIdFormat {
    pub prefix: &'static str,
    pub separator: &'static str,
}

/// The button id pattern the checks apply.
pub const CUSTOM_ID: ComponentIdFormat = ComponentIdFormat {
    prefix: "MJ",
    separator: "::",
};

impl ComponentIdFormat {
    pub fn matches(&self, id: &str) -> bool {
        if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return false;
        }
        let parts: Vec<&str> = id.split(self.separator).collect();
        parts.len() >= 2 && parts[0] == self.prefix && parts.iter().all(|part| !part.is_empty())
    }

    /// The pattern in words, for findings.
    pub fn describe(&self) -> String {
        let (p, s) = (self.prefix, self.separator);
        format!("`{p}{s}<part>{s}...` with non-empty parts and no whitespace")
    }
}

/// Fields that hold a URL a client fetches, when set: an absolute URL with one of
/// [`FETCHABLE_SCHEMES`] and a host. A placeholder (`"pending"`, `"/img/1.png"`, `"null"`)
/// makes a client show a broken image or fetch from its own origin.
pub const URL_FIELDS: &[&str] = &["imageUrl"];

/// The schemes a client fetches an image with.
pub const FETCHABLE_SCHEMES: &[&str] = &["http", "https"];

/// Whether `text` is an absolute URL a client can fetch.
pub fn is_fetchable_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| {
        FETCHABLE_SCHEMES.contains(&url.scheme()) && url.host_str().is_some_and(|h| !h.is_empty())
    })
}

/// Where a Midjourney job hash sits in a button's `customId`: one of its `::` parts, a run of
/// at least [`JobHash::min_len`] hex digits and dashes (Midjourney's are UUIDs,
/// `MJ::JOB::upsample::1::0d1f6a4e-8c2b-…`). Every button of one task acts on that task's
/// job, so its buttons carry one hash; where the task names its own hash at
/// [`JobHash::task_pointer`] (`properties.messageHash`, as the proxies keep it), that one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobHash {
    pub min_len: usize,
    /// JSON pointer to the hash a task states for itself, when it states one.
    pub task_pointer: &'static str,
}

/// The job hash rule the checks apply.
pub const JOB_HASH: JobHash = JobHash {
    min_len: 8,
    task_pointer: "/properties/messageHash",
};

impl JobHash {
    /// The job hash a `customId` carries, if one of its parts is one (`MJ::Picreader::Retry`
    /// carries none).
    pub fn of<'a>(&self, custom_id: &'a str, separator: &str) -> Option<&'a str> {
        custom_id.split(separator).find(|part| {
            part.len() >= self.min_len
                && part.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
                && part.bytes().filter(u8::is_ascii_hexdigit).count() >= self.min_len
        })
    }
}

/// What a status implies about the other fields of the same body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRule {
    pub status: &'static str,
    /// The task is finished: no other status may follow it.
    pub terminal: bool,
    /// Fields that must be set (present and not the unset value).
    pub requires: &'static [&'static str],
    /// Fields that must not be set: what the status rules out. Unset values (`0`, `""`,
    /// `null`) and absent fields never count as set.
    pub forbids: &'static [&'static str],
    /// What a well-formed `progress` may state under this status.
    pub progress: ProgressRule,
}

/// What a status says of a well-formed `progress` (a malformed one is `progress_format`'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressRule {
    /// The doc and real servers leave it open.
    Any,
    /// Exactly this percentage (a finished task states 100%).
    Exactly(u32),
    /// Less than this percentage (an unfinished task has not reached 100%).
    Below(u32),
}

impl ProgressRule {
    /// Whether `percent` is allowed.
    pub fn allows(self, percent: u32) -> bool {
        match self {
            ProgressRule::Any => true,
            ProgressRule::Exactly(expected) => percent == expected,
            ProgressRule::Below(bound) => percent < bound,
        }
    }

    /// What the rule expects, in words, for findings.
    pub fn describe(self) -> String {
        match self {
            ProgressRule::Any => "any progress".to_owned(),
            ProgressRule::Exactly(expected) => format!("{expected}%"),
            ProgressRule::Below(bound) => format!("below {bound}%"),
        }
    }
}

/// The status rules. Demanded is what a status means without doubt, and ruled out is what
/// only a later stage can set: a task that has not started has no start or finish time, no
/// image and not 100%; a queued or running task has no finish time, not 100%, and no buttons
/// (a button acts on a result that does not exist yet: pressing U1 on a running grid
/// upscales nothing, or someone else's image).
///
/// Left open, because real servers differ and the doc is silent:
/// - progress on FAILURE (the Java and C# proxies send `""`, new-api forces `"100%"`);
/// - an IN_PROGRESS `imageUrl` (the low-resolution preview Discord shows while a job runs);
/// - a SUBMITTED `startTime` (the Java proxy stamps it when the job is submitted to Discord);
/// - `"0%"`, `""`, `null` or no progress before a task starts;
/// - an empty or `null` `failReason` on a task that did not fail (new-api `""`, proxies `null`);
/// - every unset value (`0`, `""`, `null`, absent) of a ruled-out field: for `buttons`, `[]`
///   (the C# proxy's default), `null` (new-api without stored buttons) and absence (the Node
///   port and the Java proxy) are all "no buttons".
pub const STATUS_RULES: &[StatusRule] = &[
    StatusRule {
        status: "NOT_START",
        terminal: false,
        requires: &[],
        forbids: &["startTime", "finishTime", "imageUrl", "buttons"],
        progress: ProgressRule::Below(100),
    },
    StatusRule {
        status: "SUBMITTED",
        terminal: false,
        requires: &[],
        forbids: &["finishTime", "buttons"],
        progress: ProgressRule::Below(100),
    },
    StatusRule {
        status: "IN_PROGRESS",
        terminal: false,
        requires: &[],
        forbids: &["finishTime", "buttons"],
        progress: ProgressRule::Below(100),
    },
    StatusRule {
        status: "SUCCESS",
        terminal: true,
        requires: &["imageUrl", "finishTime", "progress"],
        forbids: &[],
        progress: ProgressRule::Exactly(100),
    },
    StatusRule {
        status: "FAILURE",
        terminal: true,
        requires: &["failReason", "finishTime"],
        forbids: &[],
        progress: ProgressRule::Any,
    },
];

/// The rule for `status`, if it is one the rules know (an undocumented status is the schema's
/// finding, and no rule applies to it).
pub fn status_rule(status: &str) -> Option<&'static StatusRule> {
    STATUS_RULES.iter().find(|rule| rule.status == status)
}

/// The statuses that may follow each status between two polls of one task (staying put is
/// always allowed). A finished task stays finished, and a task that started does not go back
/// to the queue. NOT_START and SUBMITTED may follow each other: the doc does not order the two
/// queue states, so neither order is a deviation.
pub const TRANSITIONS: &[(&str, &[&str])] = &[
    (
        "NOT_START",
        &["SUBMITTED", "IN_PROGRESS", "SUCCESS", "FAILURE"],
    ),
    (
        "SUBMITTED",
        &["NOT_START", "IN_PROGRESS", "SUCCESS", "FAILURE"],
    ),
    ("IN_PROGRESS", &["SUCCESS", "FAILURE"]),
    ("SUCCESS", &[]),
    ("FAILURE", &[]),
];

/// Whether a task seen in status `from` may be seen in `to` at a later poll. Statuses outside
/// the table (undocumented ones, the schema's finding) are judged only when leaving a status
/// the table knows has no successor.
pub fn transition_allowed(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    match TRANSITIONS.iter().find(|(status, _)| *status == from) {
        Some((_, next)) => next.contains(&to) || (!next.is_empty() && status_rule(to).is_none()),
        None => true,
    }
}

/// Statuses a task may enter with a lower progress than before: a failed task's progress is
/// whatever the server resets it to (`""`, `"0%"`, `"100%"` all occur).
pub const PROGRESS_MAY_DROP_INTO: &[&str] = &["FAILURE"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_a_whole_percentage_up_to_100() {
        for (text, value) in [("0%", 0), ("45%", 45), ("100%", 100), ("007%", 7)] {
            assert_eq!(PROGRESS.parse(text), Some(value), "{text}");
        }
        for text in [
            "", "%", "45", "45.5%", "101%", "-1%", "+5%", " 5%", "5 %", "1000%", "١٢%",
        ] {
            assert_eq!(PROGRESS.parse(text), None, "{text}");
        }
    }

    #[test]
    fn unset_markers_read_as_the_extension_writes_them() {
        use serde_json::json;
        let markers: Vec<_> = [json!(null), json!(""), json!(0), json!("absent")]
            .iter()
            .filter_map(UnsetMarker::from_json)
            .collect();
        assert_eq!(markers, ALL_UNSET_MARKERS);
        for bad in [json!("nil"), json!(1), json!([]), json!(false)] {
            assert_eq!(UnsetMarker::from_json(&bad), None, "{bad}");
        }
        assert_eq!(
            UnsetMarker::of_value(&json!("")),
            Some(UnsetMarker::EmptyString)
        );
        assert_eq!(UnsetMarker::of_value(&json!("x")), None);
        assert_eq!(UnsetMarker::of_value(&json!(0)), Some(UnsetMarker::Zero));
    }

    #[test]
    fn button_ids_look_like_midjourney_components() {
        for id in [
            "MJ::JOB::upsample::1::0d1f6a4e",
            "MJ::Picreader::Retry",
            "MJ::BOOKMARK::abc",
        ] {
            assert!(CUSTOM_ID.matches(id), "{id}");
        }
        for id in [
            "",
            "MJ",
            "MJ::",
            "JOB::upsample::1",
            "mj::JOB::x",
            "MJ::::x",
            "MJ::JOB:: x",
            "6dc7beb8-8310",
        ] {
            assert!(!CUSTOM_ID.matches(id), "{id}");
        }
    }

    #[test]
    fn job_hashes_are_read_from_custom_ids() {
        let hash = "0d1f6a4e-8c2b-4d5e-9a1f-3b7c2e6d8f10";
        for id in [
            format!("MJ::JOB::upsample::1::{hash}"),
            format!("MJ::JOB::reroll::0::{hash}::SOLO"),
            format!("MJ::Outpaint::50::1::{hash}::SOLO"),
            format!("MJ::CustomZoom::{hash}"),
        ] {
            assert_eq!(JOB_HASH.of(&id, "::"), Some(hash), "{id}");
        }
        assert_eq!(JOB_HASH.of("MJ::JOB::upsample::1::6dc7beb8", "::"), Some("6dc7beb8"));
        for id in ["MJ::Picreader::Retry", "MJ::Job::PicReader::1", "MJ::JOB::upsample::1::6dc7"] {
            assert_eq!(JOB_HASH.of(id, "::"), None, "{id}");
        }
    }

    #[test]
    fn fetchable_urls_are_absolute_http() {
        for url in ["https://cdn.discordapp.com/a/b.png", "http://127.0.0.1:8080/mj/image/1"] {
            assert!(is_fetchable_url(url), "{url}");
        }
        for url in ["pending", "/img/1.png", "null", "data:image/png;base64,AA", "ftp://x/y", "https://", "file:///x.png"] {
            assert!(!is_fetchable_url(url), "{url}");
        }
    }

    #[test]
    fn the_window_rejects_seconds_and_microseconds() {
        let now = 1_747_133_323_000;
        assert!(EPOCH_MS_WINDOW.contains(now, now));
        assert!(EPOCH_MS_WINDOW.contains(now + 3_600_000, now));
        assert!(!EPOCH_MS_WINDOW.contains(now / 1_000, now));
        assert!(!EPOCH_MS_WINDOW.contains(now * 1_000, now));
        assert!(!EPOCH_MS_WINDOW.contains(-1, now));
        assert!(EPOCH_MS_WINDOW.contains(EPOCH_MS_WINDOW.earliest_ms, now));
        assert!(!EPOCH_MS_WINDOW.contains(EPOCH_MS_WINDOW.earliest_ms - 1, now));
    }

    #[test]
    fn every_status_has_a_rule_and_a_transition_row() {
        for rule in STATUS_RULES {
            let row = TRANSITIONS
                .iter()
                .find(|(status, _)| *status == rule.status);
            let (_, next) = row.unwrap_or_else(|| panic!("no transitions for {}", rule.status));
            assert_eq!(rule.terminal, next.is_empty(), "{}", rule.status);
            for to in *next {
                assert!(status_rule(to).is_some(), "{to}");
            }
        }
    }

    #[test]
    fn unfinished_statuses_rule_out_what_only_a_later_stage_sets() {
        for status in ["NOT_START", "SUBMITTED", "IN_PROGRESS"] {
            let rule = status_rule(status).expect("a rule");
            assert!(rule.forbids.contains(&"finishTime"), "{status}");
            assert!(!rule.progress.allows(100), "{status}");
            assert!(rule.progress.allows(0), "{status}");
        }
        let not_start = status_rule("NOT_START").expect("a rule");
        assert!(not_start.forbids.contains(&"startTime"));
        assert!(not_start.forbids.contains(&"imageUrl"));
        // The leniencies real families need.
        assert!(!status_rule("IN_PROGRESS")
            .expect("a rule")
            .forbids
            .contains(&"imageUrl"));
        assert!(!status_rule("SUBMITTED")
            .expect("a rule")
            .forbids
            .contains(&"startTime"));
        let failure = status_rule("FAILURE").expect("a rule");
        assert!(failure.progress.allows(100) && failure.progress.allows(0));
        let success = status_rule("SUCCESS").expect("a rule");
        assert!(success.progress.allows(100) && !success.progress.allows(99));
        assert_eq!(ProgressRule::Below(100).describe(), "below 100%");
        assert_eq!(ProgressRule::Exactly(100).describe(), "100%");
    }

    #[test]
    fn transitions_only_move_forward() {
        assert!(transition_allowed("NOT_START", "SUBMITTED"));
        assert!(transition_allowed("SUBMITTED", "NOT_START"));
        assert!(transition_allowed("IN_PROGRESS", "IN_PROGRESS"));
        assert!(transition_allowed("IN_PROGRESS", "SUCCESS"));
        assert!(!transition_allowed("IN_PROGRESS", "SUBMITTED"));
        assert!(!transition_allowed("IN_PROGRESS", "NOT_START"));
        assert!(!transition_allowed("SUCCESS", "IN_PROGRESS"));
        assert!(!transition_allowed("FAILURE", "SUCCESS"));
        // Undocumented statuses: leaving a finished task for one is still leaving it.
        assert!(!transition_allowed("SUCCESS", "MODAL"));
        assert!(transition_allowed("IN_PROGRESS", "MODAL"));
        assert!(transition_allowed("MODAL", "SUBMITTED"));
    }
}
