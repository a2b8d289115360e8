//! Keeps secrets out of everything the harness prints or writes, and, for snapshots, keeps
//! out everything that changes from one run to the next.
//!
//! Every string that leaves the harness (failure messages, curl reproductions, snapshots,
//! reports) passes through a [`Redactor`]. It replaces each secret, and the forms a server
//! might echo it back in (percent-encoded, JSON-escaped, in a `Bearer` header, the shifted
//! copy the wrong-key probe sends), with a fixed placeholder.
//!
//! Snapshots need more than that, in the manner of cargo-nextest's `Redactor`: one type,
//! inert by default, that a builder turns active ([`Redactor::for_snapshots`]) so that it
//! also replaces volatile values (epoch times, dates, request ids, URL signatures, hashes,
//! the target's random port) with fixed placeholders. Keeping every rule here, in one
//! ordered list, is what makes a snapshot diff show a changed field and nothing else, and
//! lets each rule be unit-tested on its own.

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::{Map, Number, Value};

use crate::http::auth::wrong_key_like;

use super::secret_forms::{
    decode_escapes, holds_piece, mask_pieces, merge_spans, secret_forms, sort_longest_first,
    MIN_SHIFTED_FORM_CHARS,
};
pub use super::secret_forms::SECRET_PLACEHOLDER;


/// Placeholders of the volatile values an active redactor replaces.
pub mod placeholder {
    /// An integer of epoch milliseconds (2001-09-09 to 2286-11-20).
    pub const EPOCH_MS: &str = "[epoch-ms]";
    /// Epoch milliseconds sent as a float (`1.7e12`, `1700000000000.0`).
    pub const EPOCH_MS_FLOAT: &str = "[epoch-ms as float]";
    /// Epoch milliseconds sent as a string of 13 digits.
    pub const EPOCH_MS_STRING: &str = "[epoch-ms as string]";
    /// Epoch seconds (10 digits) in a field whose name says it is a time.
    pub const EPOCH_S: &str = "[epoch-s]";
    /// An RFC 3339 / ISO 8601 date and time.
    pub const DATETIME: &str = "[datetime]";
    /// An ISO 8601 calendar date alone.
    pub const DATE: &str = "[date]";
    /// An RFC 9110 HTTP date (`Tue, 13 May 2025 10:00:00 GMT`).
    pub const HTTP_DATE: &str = "[http-date]";
    /// A request or trace id.
    pub const REQUEST_ID: &str = "[request-id]";
    /// The value of a signing or expiry parameter in a URL query.
    pub const SIGNATURE: &str = "[signature]";
    /// A UUID, such as the message hash inside a button's `customId`.
    pub const UUID: &str = "[uuid]";
    /// A run of 32 or more hex digits (an MD5, SHA-1 or SHA-256 digest).
    pub const HASH: &str = "[hash]";
    /// The target's origin (`http://127.0.0.1:PORT`): its port is random for local servers.
    pub const TARGET: &str = "[target]";
    /// The target's `host:port`, when the port is explicit.
    pub const TARGET_HOST: &str = "[target-host]";
}

/// Epoch milliseconds this redactor recognises: 13-digit integers, 2001-09-09 to 2286.
const EPOCH_MS_RANGE: std::ops::Range<i64> = 1_000_000_000_000..10_000_000_000_000;
/// Epoch seconds, recognised only in time-named fields: 2001-09-09 to 2286.
const EPOCH_S_RANGE: std::ops::Range<i64> = 1_000_000_000..10_000_000_000;

/// One text rule of an active redactor: a pattern and what replaces a match.
struct Rule {
    /// Says what the rule is for; the tests check the list of rules by these names.
    #[cfg_attr(not(test), allow(dead_code))]
    name: &'static str,
    pattern: Regex,
    /// Builds the replacement of one match.
    replace: fn(&Captures) -> String,
}

/// The volatile-value rules, in the order they apply. Secrets go first (so no rule can cut
/// a key in two and leave half of it behind), signatures before hashes (a signature is
/// often a hash, and its parameter name says more), date-times before dates.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let rule = |name, pattern: &str, replace| Rule {
        name,
        pattern: Regex::new(pattern).expect("a valid built-in pattern"),
        replace,
    };
    vec![
        rule(
            "url-signature",
            // Discord CDN (`ex`, `is`, `hm`), S3/GCS/OSS presigned URLs, Azure SAS, CloudFront.
            r"(?i)([?&](?:ex|is|hm|sig|sign|signature|expires|policy|key-pair-id|token|se|st|sv|sp|sr|skoid|sktid|x-(?:amz|goog|oss)-[a-z-]+)=)[^&#\s<>]+",
            |caps| format!("{}{}", &caps[1], placeholder::SIGNATURE),
        ),
        rule(
            "datetime",
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?",
            |_| placeholder::DATETIME.to_owned(),
        ),
        rule(
            "http-date",
            r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
            |_| placeholder::HTTP_DATE.to_owned(),
        ),
        rule("date", r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b", |_| {
            placeholder::DATE.to_owned()
        }),
        rule(
            "request-id",
            // new-api appends `(request id: 20250513...)` to its error messages.
            r"(?i)\b((?:x-)?(?:request|trace)[ _-]?id\s*[:=]\s*)[A-Za-z0-9._-]{6,}",
            |caps| format!("{}{}", &caps[1], placeholder::REQUEST_ID),
        ),
        rule(
            "uuid",
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            |_| placeholder::UUID.to_owned(),
        ),
        rule("hash", r"[0-9a-f]{32,}|[0-9A-F]{32,}", |_| {
            placeholder::HASH.to_owned()
        }),
        rule(
            "epoch-ms",
            // Any run of digits; only runs of exactly 13 are times (16-digit task ids and
            // 19-digit Discord snowflakes stay as they are).
            r"[0-9]+",
            |caps| {
                let digits = &caps[0];
                match digits.parse::<i64>() {
                    Ok(n) if digits.len() == 13 && EPOCH_MS_RANGE.contains(&n) => {
                        placeholder::EPOCH_MS.to_owned()
                    }
                    _ => digits.to_owned(),
                }
            },
        ),
    ]
});

/// Replaces secrets in text, and, once made active with [`Redactor::for_snapshots`],
/// volatile values too. Cheap to clone; built once per run.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// The secrets as given (not blank), for [`Redactor::name_secrets`].
    secrets: Vec<String>,
    /// Every form of every secret, longest first so a longer form wins over its prefix.
    needles: Vec<String>,
    /// Literal values of this run that differ between runs, each with its placeholder,
    /// longest first. Only an active redactor applies them.
    literals: Vec<(String, &'static str)>,
    /// Whether [`Redactor::normalize_text`] and friends replace volatile values.
    active: bool,
}

/// Builds an active [`Redactor`] for snapshots; see [`Redactor::for_snapshots`].
#[derive(Debug, Clone)]
pub struct RedactorBuilder {
    redactor: Redactor,
}

impl RedactorBuilder {
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// Adds a secret, in all the forms [`Redactor::new`] knows.
    pub fn with_secret(mut self, secret: &str) -> Self {
        self.redactor.needles.extend(secret_forms(secret));
        if !secret.trim().is_empty() {
            self.redactor.secrets.push(secret.to_owned());
        }
        self
    }

    /// Replaces every occurrence of `literal` (a value of this run that changes between
    /// runs, like the target's origin) with `placeholder`. Empty literals are ignored.
    pub fn with_literal(mut self, literal: &str, placeholder: &'static str) -> Self {
        if !literal.is_empty() {
            self.redactor
                .literals
                .push((literal.to_owned(), placeholder));
        }
        self
    }

    /// Replaces the origin of `url` (scheme, host, port) with [`placeholder::TARGET`], and
    /// an explicit `host:port` with [`placeholder::TARGET_HOST`].
    pub fn with_target(self, url: &url::Url) -> Self {
        let origin = url.origin().ascii_serialization();
        let with_origin = self.with_literal(&origin, placeholder::TARGET);
        match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => {
                with_origin.with_literal(&format!("{host}:{port}"), placeholder::TARGET_HOST)
            }
            _ => with_origin,
        }
    }

    pub fn build(mut self) -> Redactor {
        sort_longest_first(&mut self.redactor.needles);
        self.redactor
            .literals
            .sort_by_key(|(literal, _)| std::cmp::Reverse(literal.len()));
        self.redactor.literals.dedup();
        self.redactor.active = true;
        self.redactor
    }
}

impl Redactor {
    /// A redactor for `secrets`. Empty secrets are ignored: they would match everywhere.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let secrets: Vec<String> = secrets
            .into_iter()
            .map(|secret| secret.as_ref().to_owned())
            .filter(|secret| !secret.trim().is_empty())
            .collect();
        let mut needles: Vec<String> = secrets
            .iter()
            .flat_map(|secret| secret_forms(secret))
            .collect();
        sort_longest_first(&mut needles);
        Redactor {
            secrets,
            needles,
            literals: Vec::new(),
            active: false,
        }
    }

    /// A builder for an active copy of this redactor: same secrets, plus the volatile-value
    /// rules and whatever literals the builder adds.
    pub fn for_snapshots(&self) -> RedactorBuilder {
        RedactorBuilder {
            redactor: Redactor {
                secrets: self.secrets.clone(),
                needles: self.needles.clone(),
                literals: self.literals.clone(),
                active: true,
            },
        }
    }

    /// `text` with each secret as given replaced by `whole`, and each secret's wrong-key form
    /// ([`wrong_key_like`], which mjconform sends as a key that must be refused) by
    /// `shifted`: for reproductions that name the key (`$MJ_API_KEY`) instead of hiding it.
    /// Anything else, pieces of a secret included, is left for [`Redactor::redact`].
    pub fn name_secrets(&self, text: &str, whole: &str, shifted: &str) -> String {
        let mut forms: Vec<(String, &str)> = Vec::new();
        for secret in &self.secrets {
            forms.push((secret.clone(), whole));
            let wrong = wrong_key_like(secret);
            if wrong != *secret {
                forms.push((wrong, shifted));
            }
        }
        forms.sort_by_key(|(form, _)| std::cmp::Reverse(form.len()));
        let mut out = text.to_owned();
        for (form, name) in forms {
            out = out.replace(&form, name);
        }
        out
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// Whether this redactor replaces volatile values as well as secrets.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// `text` with every secret replaced by [`SECRET_PLACEHOLDER`], and pieces of one: of
    /// 8 bytes or more anywhere, of 4 or more where an excerpt was cut (see [`mask_pieces`]).
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        // A secret written with escapes no fixed form foresees (`\u0073k-…`, `%73k-…`, a
        // mix of both) is masked where its escaped text stands.
        for (start, end) in self.escaped_spans(&out).into_iter().rev() {
            out.replace_range(start..end, SECRET_PLACEHOLDER);
        }
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), SECRET_PLACEHOLDER);
            }
        }
        mask_pieces(&self.needles, out)
    }

    /// Like [`Redactor::redact`] for bytes that may not be UTF-8: invalid sequences are
    /// shown lossily, which is what a report prints anyway.
    pub fn redact_bytes(&self, bytes: &[u8]) -> String {
        self.redact(&String::from_utf8_lossy(bytes))
    }

    /// Whether `text` holds a secret in any form this redactor masks: as given, in one of
    /// its encodings (percent-encoded, JSON-escaped, `\uXXXX` escapes, a mix), the wrong-key
    /// probe's shifted copy, or a piece of 8 bytes or more. The one test of "holds the key":
    /// whatever would be masked in a report is never written anywhere else either (the
    /// answers shared under cargo-nextest, a matrix file's `url`).
    pub fn holds_secret(&self, text: &str) -> bool {
        self.needles
            .iter()
            .any(|needle| text.contains(needle.as_str()))
            || !self.escaped_spans(text).is_empty()
            || holds_piece(&self.needles, text)
    }

    /// [`Redactor::holds_secret`], the name tests that grep every output use.
    pub fn leaks(&self, text: &str) -> bool {
        self.holds_secret(text)
    }

    /// Where in `text` a secret (as given, or its wrong-key form) stands written with
    /// escapes: JSON's (`\uXXXX`, surrogate pairs, `\/`, `\"`, ...) and percent-escapes,
    /// decoded together, so any mix of them is found. Raw byte ranges, in order, not
    /// overlapping. Empty when `text` has no escape at all (the fixed forms cover it).
    fn escaped_spans(&self, text: &str) -> Vec<(usize, usize)> {
        if self.secrets.is_empty() || !(text.contains('\\') || text.contains('%')) {
            return Vec::new();
        }
        let (decoded, origin) = decode_escapes(text);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for secret in &self.secrets {
            let mut forms = vec![secret.clone()];
            if secret.chars().count() >= MIN_SHIFTED_FORM_CHARS {
                forms.push(wrong_key_like(secret));
            }
            for form in forms {
                let needle = form.as_bytes();
                if needle.is_empty() || needle.len() > decoded.len() {
                    continue;
                }
                for at in 0..=decoded.len() - needle.len() {
                    if &decoded[at..at + needle.len()] == needle {
                        spans.push((origin[at].0, origin[at + needle.len() - 1].1));
                    }
                }
            }
        }
        merge_spans(spans)
            .into_iter()
            .filter(|&(start, end)| text.is_char_boundary(start) && text.is_char_boundary(end))
            .collect()
    }

    /// `text` with secrets redacted and, when active, this run's literals and every
    /// volatile value replaced by its placeholder. Inactive, this is [`Redactor::redact`].
    pub fn normalize_text(&self, text: &str) -> String {
        let mut out = self.redact(text);
        if !self.active {
            return out;
        }
        for (literal, placeholder) in &self.literals {
            if out.contains(literal.as_str()) {
                out = out.replace(literal.as_str(), placeholder);
            }
        }
        for rule in RULES.iter() {
            out = rule.pattern.replace_all(&out, rule.replace).into_owned();
        }
        out
    }

    /// A response header's value for a snapshot: request-id headers become
    /// [`placeholder::REQUEST_ID`] whatever they hold; others go through
    /// [`Redactor::normalize_text`].
    pub fn normalize_header(&self, name: &str, value: &str) -> String {
        if self.active && is_request_id_name(name) {
            return placeholder::REQUEST_ID.to_owned();
        }
        self.normalize_text(value)
    }

    /// `value` with secrets redacted everywhere (keys included) and, when active, volatile
    /// values replaced, object keys in sorted order. See [`Redactor::normalize_field`].
    pub fn normalize_json(&self, value: &Value) -> Value {
        self.normalize_field(None, value)
    }

    /// One JSON value, knowing the name of the field that holds it (`None` at the root and
    /// in arrays). Numbers are only replaced by an active redactor:
    /// - an integer of epoch milliseconds becomes `"[epoch-ms]"`, a float in that range
    ///   `"[epoch-ms as float]"`, a string of 13 such digits `"[epoch-ms as string]"`;
    /// - an integer of epoch seconds in a time-named field (`submitTime`, `created_at`)
    ///   becomes `"[epoch-s]"`;
    /// - any value of a request-id field (`requestId`, `trace_id`) becomes `"[request-id]"`.
    ///
    /// Objects are rebuilt in sorted key order, which does not depend on whether
    /// serde_json's `preserve_order` feature is on anywhere in the build.
    pub fn normalize_field(&self, field: Option<&str>, value: &Value) -> Value {
        let is_request_id = field.is_some_and(is_request_id_name);
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map
                    .iter()
                    .map(|(key, value)| {
                        (
                            self.normalize_text(key),
                            self.normalize_field(Some(key), value),
                        )
                    })
                    .collect();
                entries.sort_by(|(a, _), (b, _)| a.cmp(b));
                let mut out = Map::new();
                for (key, value) in entries {
                    out.insert(key, value);
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.normalize_field(None, item))
                    .collect(),
            ),
            _ if self.active && is_request_id => {
                if value.is_null() {
                    Value::Null
                } else {
                    Value::String(placeholder::REQUEST_ID.to_owned())
                }
            }
            Value::Number(number) if self.active => {
                match epoch_number(number, field.is_some_and(is_time_name)) {
                    Some(placeholder) => Value::String(placeholder.to_owned()),
                    None => value.clone(),
                }
            }
            Value::String(text) => {
                let redacted = self.redact(text);
                let is_epoch_string = redacted.len() == 13
                    && redacted.bytes().all(|b| b.is_ascii_digit())
                    && redacted
                        .parse::<i64>()
                        .is_ok_and(|n| EPOCH_MS_RANGE.contains(&n));
                if self.active && is_epoch_string {
                    Value::String(placeholder::EPOCH_MS_STRING.to_owned())
                } else {
                    Value::String(self.normalize_text(text))
                }
            }
            _ => value.clone(),
        }
    }
}

/// The placeholder for a JSON number that is an epoch time, if it is one.
fn epoch_number(number: &Number, time_named: bool) -> Option<&'static str> {
    if let Some(n) = number.as_i64() {
        if EPOCH_MS_RANGE.contains(&n) {
            return Some(placeholder::EPOCH_MS);
        }
        if time_named && EPOCH_S_RANGE.contains(&n) {
            return Some(placeholder::EPOCH_S);
        }
        return None;
    }
    let float = number.as_f64()?;
    let as_ms = EPOCH_MS_RANGE.start as f64..EPOCH_MS_RANGE.end as f64;
    (number.is_f64() && as_ms.contains(&float)).then_some(placeholder::EPOCH_MS_FLOAT)
}

/// Field and header names that hold request or trace ids (`requestId`, `x-request-id`,
/// `trace_id`), compared without case, `-` and `_`.
fn is_request_id_name(name: &str) -> bool {
    let squashed = squash(name);
    matches!(
        squashed.as_str(),
        "requestid" | "xrequestid" | "traceid" | "xtraceid" | "xamznrequestid" | "cfray"
    )
}

/// Field names that say they hold a time: `submitTime`, `finish_time`, `createdAt`,
/// `updated_at`, `timestamp`.
fn is_time_name(name: &str) -> bool {
    let squashed = squash(name);
    squashed.ends_with("time") || squashed.ends_with("at") || squashed.contains("timestamp")
}

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::secret_forms::lowercase_escapes;
    use serde_json::json;

    fn active() -> Redactor {
        Redactor::new(["sk-abc123"]).for_snapshots().build()
    }

    #[test]
    fn replaces_every_occurrence() {
        let redactor = Redactor::new(["sk-abc"]);
        assert_eq!(
            redactor.redact("Authorization: Bearer sk-abc; echo sk-abc"),
            "Authorization: Bearer ***; echo ***"
        );
    }

    #[test]
    fn replaces_the_percent_encoded_form() {
        let redactor = Redactor::new(["a b/c"]);
        assert_eq!(redactor.redact("?key=a%20b%2Fc"), "?key=***");
        assert_eq!(redactor.redact("?key=a%20b%2fc"), "?key=***");
        // Only escapes are lowercased, never the key's own letters.
        assert_eq!(lowercase_escapes("AB%2FCD%C3%A9"), "AB%2fCD%c3%a9");
    }

    #[test]
    fn longer_secret_wins_over_its_prefix() {
        let redactor = Redactor::new(["abc", "abcdef"]);
        assert_eq!(redactor.redact("abcdef abc"), "*** ***");
    }

    #[test]
    fn empty_secrets_are_ignored() {
        let redactor = Redactor::new(["", "  "]);
        assert_eq!(redactor.redact("text"), "text");
        assert!(!redactor.leaks("anything"));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_still_redacted() {
        let redactor = Redactor::new(["key1"]);
        let out = redactor.redact_bytes(b"\xffkey1\xfe");
        assert!(!redactor.leaks(&out));
        assert!(out.contains(SECRET_PLACEHOLDER));
    }

    #[test]
    fn masks_a_piece_of_a_secret_where_an_excerpt_was_cut() {
        let redactor = Redactor::new(["sk-live-0123456789"]);
        // Cut at the end of the text (a report's first kilobyte) or before an ellipsis
        // (a finding's excerpt), and the other half at the start or after an ellipsis.
        assert_eq!(
            redactor.redact("body: {\"key\":\"sk-live-01"),
            "body: {\"key\":\"***"
        );
        assert_eq!(
            redactor.redact("starts `{\"k\":\"sk-live…`"),
            "starts `{\"k\":\"***…`"
        );
        assert_eq!(redactor.redact("456789\",\"x\":1}"), "***\",\"x\":1}");
        assert_eq!(redactor.redact("…3456789 rest"), "…*** rest");
        // Short or unrelated endings stay.
        assert_eq!(redactor.redact("ends with sk-"), "ends with sk-");
        assert_eq!(redactor.redact("ends with live"), "ends with live");
        assert_eq!(
            redactor.redact("sk-live in the middle"),
            "sk-live in the middle"
        );
    }

    #[test]
    fn masks_a_long_piece_of_a_secret_anywhere() {
        let redactor = Redactor::new(["sk-live-0123456789"]);
        // A server echoing a cut-off key the credential fuzzing sent.
        assert_eq!(
            redactor.redact("realm=\"sk-live-0123\" and 345678 too"),
            "realm=\"***\" and 345678 too"
        );
        // Two overlapping pieces leave nothing between them.
        assert_eq!(redactor.redact("x ve-01234567 y"), "x *** y");
        assert_eq!(redactor.redact("x sk-live y"), "x sk-live y");
        assert_eq!(redactor.redact("é sk-live-01 é"), "é *** é");
    }

    /// A key made of the tool's own words is masked where it is the key, and its pieces are
    /// masked inside a server's words, never inside the tool's: the printed command runs.
    #[test]
    fn pieces_of_a_key_inside_the_tools_own_words_stay() {
        let redactor = Redactor::new(["dk-java-original"]);
        let line = "next: mjconform check --dialect java-original --target-url http://x/";
        assert_eq!(redactor.redact(line), line);
        let ranked = "  1. java-original     0  the original Java proxy: mj-api-secret";
        assert_eq!(redactor.redact(ranked), ranked);
        // The key itself, its encodings and its pieces in a server's answer are masked.
        assert_eq!(
            redactor.redact("key dk-java-original in --dialect java-original"),
            "key *** in --dialect java-original"
        );
        assert_eq!(
            redactor.redact(r#"{"echo":"dk-java-orig"}"#),
            r#"{"echo":"***"}"#
        );
        assert_eq!(redactor.redact("x java-origXnal"), "x ***Xnal");
        let checks = Redactor::new(["sk-ignored_auth-1"]);
        assert_eq!(
            checks.redact("fuzz::credentials::ignored_auth failed"),
            "fuzz::credentials::ignored_auth failed"
        );
    }

    #[test]
    fn replaces_the_json_escaped_form() {
        let redactor = Redactor::new([r#"k"e\y/1"#]);
        let body = serde_json::to_string(&json!({ "echo": r#"k"e\y/1"# })).unwrap();
        assert!(!redactor.leaks(&redactor.redact(&body)), "{body}");
        assert_eq!(redactor.redact(&body), r#"{"echo":"***"}"#);
        assert_eq!(
            redactor.redact(r#"{"echo":"k\"e\\y\/1"}"#),
            r#"{"echo":"***"}"#
        );
    }

    #[test]
    fn finds_and_masks_a_key_written_with_unicode_or_mixed_escapes() {
        let redactor = Redactor::new(["sk-echo-secret-42"]);
        for text in [
            r#"{"echo":"\u0073k-echo-secret-42"}"#,
            r#"{"echo":"\u0073\u006b\u002d\u0065\u0063\u0068\u006f\u002d\u0073\u0065\u0063\u0072\u0065\u0074\u002d\u0034\u0032"}"#,
            "/mj/task/%73k-echo-secret-42/fetch",
            r#"{"echo":"%73\u006b-echo-secret-42"}"#,
        ] {
            assert!(redactor.holds_secret(text), "{text}");
            let out = redactor.redact(text);
            assert!(!redactor.holds_secret(&out), "{text} -> {out}");
            assert!(out.contains("***"), "{out}");
        }
        // The wrong-key probe's copy, escaped, is the key all the same.
        let wrong = wrong_key_like("sk-echo-secret-42");
        let escaped = format!("\\u{:04x}{}", wrong.as_bytes()[0], &wrong[1..]);
        assert!(redactor.holds_secret(&escaped), "{escaped}");
        // Ordinary escaped text is left alone.
        let plain = r#"{"prompt":"caf\u00e9 100%25 \/ ok"}"#;
        assert!(!redactor.holds_secret(plain));
        assert_eq!(redactor.redact(plain), plain);
    }

    #[test]
    fn replaces_the_wrong_key_probe_form() {
        let redactor = Redactor::new(["sk-abc9Z"]);
        let wrong = wrong_key_like("sk-abc9Z");
        assert_eq!(redactor.redact(&format!("got {wrong}")), "got ***");
    }

    #[test]
    fn an_inert_redactor_keeps_volatile_values() {
        let redactor = Redactor::new(["sk-abc123"]);
        assert!(!redactor.is_active());
        let text = "at 2025-05-13T10:00:00Z, 1747132783114, sk-abc123";
        assert_eq!(
            redactor.normalize_text(text),
            "at 2025-05-13T10:00:00Z, 1747132783114, ***"
        );
        assert_eq!(
            redactor.normalize_json(&json!({ "t": 1_747_132_783_114_i64 })),
            json!({ "t": 1_747_132_783_114_i64 })
        );
    }

    #[test]
    fn secrets_go_before_every_other_rule() {
        // A key shaped like a UUID and a date must vanish whole, not be cut by a rule.
        let key = "2025-05-13-6dc7beb8-8310-4fd4-b46c-716b422ddffc";
        let redactor = Redactor::new([key]).for_snapshots().build();
        let out = redactor.normalize_text(&format!("key={key}"));
        assert_eq!(out, "key=***");
    }

    #[test]
    fn rule_epoch_ms_in_json() {
        let redactor = active();
        let body = json!({
            "submitTime": 1_747_132_783_114_i64,
            "asFloat": 1.7e12,
            "asString": "1747132783114",
            "id": "1747132783114582",
            "progress": 45,
            "flags": 0,
        });
        assert_eq!(
            redactor.normalize_json(&body),
            json!({
                "asFloat": "[epoch-ms as float]",
                "asString": "[epoch-ms as string]",
                "flags": 0,
                "id": "1747132783114582",
                "progress": 45,
                "submitTime": "[epoch-ms]",
            })
        );
    }

    #[test]
    fn rule_epoch_seconds_only_in_time_fields() {
        let redactor = active();
        let body = json!({ "created_at": 1_747_132_783, "startTime": 1_747_132_783, "count": 1_747_132_783 });
        assert_eq!(
            redactor.normalize_json(&body),
            json!({ "count": 1_747_132_783, "created_at": "[epoch-s]", "startTime": "[epoch-s]" })
        );
    }

    #[test]
    fn rule_epoch_ms_in_text() {
        let redactor = active();
        assert_eq!(
            redactor.normalize_text("t=1747132783114 id=1747132783114582 n=1371912356250157107"),
            "t=[epoch-ms] id=1747132783114582 n=1371912356250157107"
        );
    }

    #[test]
    fn rule_datetimes_dates_and_http_dates() {
        let redactor = active();
        assert_eq!(
            redactor.normalize_text(
                "a 2025-05-13T10:00:00.123+08:00 b 2025-05-13 10:00:00 c 2025-05-13 d Tue, 13 May 2025 10:00:00 GMT"
            ),
            "a [datetime] b [datetime] c [date] d [http-date]"
        );
        // A compact date inside an order number is not a date field.
        assert_eq!(
            redactor.normalize_text("order-20250513-0042"),
            "order-20250513-0042"
        );
    }

    #[test]
    fn rule_request_ids() {
        let redactor = active();
        assert_eq!(
            redactor.normalize_text("task not found (request id: 2025051310000012345abcdef)"),
            "task not found (request id: [request-id])"
        );
        assert_eq!(
            redactor.normalize_header("X-Request-Id", "abc"),
            "[request-id]"
        );
        assert_eq!(
            redactor.normalize_json(&json!({ "requestId": "r-1", "trace_id": 7, "other": "r-1" })),
            json!({ "other": "r-1", "requestId": "[request-id]", "trace_id": "[request-id]" })
        );
    }

    #[test]
    fn rule_url_signatures() {
        let redactor = active();
        let url = "https://cdn.discordapp.com/attachments/1/2/a.png?ex=66a7b2c3&is=66a66143&hm=0f3e9a&width=512";
        assert_eq!(
            redactor.normalize_text(url),
            "https://cdn.discordapp.com/attachments/1/2/a.png?ex=[signature]&is=[signature]&hm=[signature]&width=512"
        );
        assert_eq!(
            redactor.normalize_text(
                "https://b.s3.amazonaws.com/k?X-Amz-Signature=ab12&X-Amz-Date=20250513T100000Z"
            ),
            "https://b.s3.amazonaws.com/k?X-Amz-Signature=[signature]&X-Amz-Date=[signature]"
        );
    }

    #[test]
    fn rule_uuids_inside_custom_ids_and_file_names() {
        let redactor = active();
        assert_eq!(
            redactor.normalize_text("MJ::JOB::upsample::1::6dc7beb8-8310-4fd4-b46c-716b422ddffc"),
            "MJ::JOB::upsample::1::[uuid]"
        );
        assert_eq!(
            redactor.normalize_text("mjconform_fox_0d1f6a4e-8c2b-4d5e-9a1f-3b7c2e6d8f10.png"),
            "mjconform_fox_[uuid].png"
        );
    }

    #[test]
    fn rule_hex_hashes() {
        let redactor = active();
        assert_eq!(
            redactor.normalize_text("MJ::JOB::reroll::0::d41d8cd98f00b204e9800998ecf8427e::SOLO"),
            "MJ::JOB::reroll::0::[hash]::SOLO"
        );
        // Short hex words are left alone.
        assert_eq!(redactor.normalize_text("deadbeef"), "deadbeef");
    }

    #[test]
    fn rule_target_origin_and_port() {
        let url = url::Url::parse("http://127.0.0.1:54321/api/").unwrap();
        let redactor = Redactor::new(["k1k1k1"])
            .for_snapshots()
            .with_target(&url)
            .build();
        assert_eq!(
            redactor.normalize_text("see http://127.0.0.1:54321/mj/image/1 on 127.0.0.1:54321"),
            "see [target]/mj/image/1 on [target-host]"
        );
        let default_port = url::Url::parse("https://relay.example/").unwrap();
        let redactor = Redactor::default()
            .for_snapshots()
            .with_target(&default_port)
            .build();
        assert_eq!(
            redactor.normalize_text("https://relay.example/x"),
            "[target]/x"
        );
    }

    #[test]
    fn keys_are_sorted_and_secrets_leave_keys_too() {
        let redactor = active();
        let out = redactor.normalize_json(
            &json!({ "b": 1, "a": { "sk-abc123": "z", "c": [ { "y": 1, "x": 2 } ] } }),
        );
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"a":{"***":"z","c":[{"x":2,"y":1}]},"b":1}"#
        );
    }

    #[test]
    fn every_rule_is_exercised_by_a_test() {
        // Keeps this module honest: a new rule needs a new test above.
        let names: Vec<&str> = RULES.iter().map(|rule| rule.name).collect();
        assert_eq!(
            names,
            [
                "url-signature",
                "datetime",
                "http-date",
                "date",
                "request-id",
                "uuid",
                "hash",
                "epoch-ms"
            ]
        );
    }
}
