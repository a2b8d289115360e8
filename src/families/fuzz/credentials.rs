//! Credentials to fuzz with, placed where the run puts the key (`--key-placement`): none,
//! another scheme, an empty or blank token, extra spaces, the key with a prefix or suffix or
//! of another length, the scheme in another case, a long or non-ASCII value, two headers,
//! and values the HTTP stack refuses to send.
//!
//! An input names the key symbolically ([`Token::Key`], [`Token::Cut`]...), never by value:
//! inputs are printed, persisted and replayed, and the key must stay out of all three. The
//! key is put in only when the request is built.

use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::ids::{letter, quote_text, ShrinkingLength, ONE_KIB, SIXTEEN_KIB};
use crate::http::auth::KeyPlacement;
use crate::message::redact::SECRET_PLACEHOLDER;

/// The credential of one generated request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CredentialInput {
    /// No credential header at all.
    Absent,
    /// One credential header.
    One(CredentialValue),
    /// The credential header twice (RFC 9110 §5.3: `Authorization` is not a list, so a
    /// sender must not do this; servers read the first, the last, or refuse).
    Twice(CredentialValue, CredentialValue),
}

/// One credential header value: `<lead spaces><scheme><gap spaces><token><trail spaces>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialValue {
    pub scheme: Scheme,
    /// Spaces between the scheme and the token (1 is the usual; unused without a scheme).
    pub gap: u8,
    pub lead: u8,
    pub trail: u8,
    pub token: Token,
}

/// The scheme in front of the token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// The placement's own: `Bearer` for `bearer`, none for `raw` and `header:NAME`.
    Placement,
    /// This word instead (`Basic`, `Token`, `bearer`, `BEARER`...).
    Named(String),
}

/// The token, relative to the key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Token {
    Key,
    /// Text that is not derived from the key (empty, blank, another key, non-ASCII).
    Text(String),
    /// Text, then the key.
    Prefixed(String),
    /// The key, then text.
    Suffixed(String),
    /// The first `n` characters of the key.
    Cut(usize),
    /// The key with the case of every ASCII letter swapped.
    SwapCase,
    /// The key with its first character percent-encoded (`%73k-…`): a server that decodes
    /// the header as a URL component reads the key.
    FirstEncoded,
    /// One character repeated: a long token.
    Repeat {
        unit: char,
        count: usize,
    },
}

/// Whether a credential should open the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Exactly the key where the run puts it (the scheme in any case): must be treated like
    /// the doc's `Bearer KEY`.
    Valid,
    /// The key, but with extra spaces, or in one of two headers: servers may go either way
    /// (see `AmbiguousCredential` in [`super::allowances`]).
    Ambiguous,
    /// The real key, under another scheme (`Basic KEY`, `Token KEY`, no scheme, the scheme
    /// glued to the key) or in another placement: nobody gets in without the key, so a 2xx
    /// is a leniency about the scheme (`other_scheme_refused`, a warning), never ignored auth.
    OtherScheme,
    /// Not the key: must never get task data.
    Invalid,
}

impl Token {
    /// The token with the key put in.
    pub fn render(&self, key: &str) -> String {
        match self {
            Token::Key => key.to_owned(),
            Token::Text(text) => text.clone(),
            Token::Prefixed(prefix) => format!("{prefix}{key}"),
            Token::Suffixed(suffix) => format!("{key}{suffix}"),
            Token::Cut(n) => key.chars().take(*n).collect(),
            Token::SwapCase => key
                .chars()
                .map(|c| {
                    if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect(),
            Token::FirstEncoded => {
                let mut chars = key.chars();
                let mut out = String::new();
                if let Some(first) = chars.next() {
                    let mut buffer = [0u8; 4];
                    for byte in first.encode_utf8(&mut buffer).bytes() {
                        let _ = write!(out, "%{byte:02X}");
                    }
                }
                out.extend(chars);
                out
            }
            // Copied in doubling blocks, not a character at a time (a long repeat is up
            // to 16 KiB, rendered for the request and again to judge it).
            Token::Repeat { unit, count } => unit.encode_utf8(&mut [0; 4]).repeat(*count),
        }
    }

    /// The token for a person: the key as `***`, a cut key as `***[..n]`, a long run as
    /// `{a × 16384}`.
    fn symbolic(&self) -> String {
        match self {
            Token::Key => SECRET_PLACEHOLDER.to_owned(),
            Token::Text(text) => text.clone(),
            Token::Prefixed(prefix) => format!("{prefix}{SECRET_PLACEHOLDER}"),
            Token::Suffixed(suffix) => format!("{SECRET_PLACEHOLDER}{suffix}"),
            Token::Cut(n) => format!("{SECRET_PLACEHOLDER}[..{n}]"),
            Token::SwapCase => format!("{SECRET_PLACEHOLDER} (letter case swapped)"),
            Token::FirstEncoded => {
                format!("{SECRET_PLACEHOLDER} (first character percent-encoded)")
            }
            Token::Repeat { unit, count } => format!("{{{unit} × {count}}}"),
        }
    }
}

impl CredentialValue {
    fn plain(scheme: Scheme, token: Token) -> Self {
        CredentialValue {
            scheme,
            gap: 1,
            lead: 0,
            trail: 0,
            token,
        }
    }

    fn scheme_text<'a>(&'a self, placement: &KeyPlacement) -> Option<&'a str> {
        match (&self.scheme, placement) {
            (Scheme::Placement, KeyPlacement::Bearer) => Some("Bearer"),
            (Scheme::Placement, _) => None,
            (Scheme::Named(name), _) => Some(name),
        }
    }

    fn assemble(&self, placement: &KeyPlacement, token: &str) -> String {
        let mut out = " ".repeat(self.lead.into());
        if let Some(scheme) = self.scheme_text(placement) {
            out.push_str(scheme);
            out.push_str(&" ".repeat(self.gap.into()));
        }
        out.push_str(token);
        out.push_str(&" ".repeat(self.trail.into()));
        out
    }

    /// The header value, key included.
    pub fn render(&self, placement: &KeyPlacement, key: &str) -> String {
        self.assemble(placement, &self.token.render(key))
    }

    /// The header value with the key replaced by `***`.
    pub fn symbolic(&self, placement: &KeyPlacement) -> String {
        self.assemble(placement, &self.token.symbolic())
    }

    fn validity(&self, placement: &KeyPlacement, key: &str) -> Validity {
        if self.token.render(key) != key {
            return Validity::Invalid;
        }
        let scheme_is_right = match (&self.scheme, placement) {
            (Scheme::Placement, _) => true,
            // RFC 9110 §11.1: the scheme name is case-insensitive.
            (Scheme::Named(name), KeyPlacement::Bearer) => name.eq_ignore_ascii_case("bearer"),
            (Scheme::Named(_), _) => false,
        };
        let has_scheme = self.scheme_text(placement).is_some();
        if !scheme_is_right || (has_scheme && self.gap == 0) {
            return Validity::OtherScheme;
        }
        if self.lead == 0 && self.trail == 0 && (!has_scheme || self.gap == 1) {
            Validity::Valid
        } else {
            Validity::Ambiguous
        }
    }
}

impl CredentialInput {
    /// The request headers carrying this credential, key included.
    pub fn headers(&self, placement: &KeyPlacement, key: &str) -> Vec<(String, String)> {
        let name = placement.header_name().to_owned();
        self.values()
            .into_iter()
            .map(|value| (name.clone(), value.render(placement, key)))
            .collect()
    }

    /// The same headers with the key replaced by `***`, for reports.
    pub fn symbolic_headers(&self, placement: &KeyPlacement) -> Vec<(String, String)> {
        let name = placement.header_name().to_owned();
        self.values()
            .into_iter()
            .map(|value| (name.clone(), value.symbolic(placement)))
            .collect()
    }

    fn values(&self) -> Vec<&CredentialValue> {
        match self {
            CredentialInput::Absent => Vec::new(),
            CredentialInput::One(value) => vec![value],
            CredentialInput::Twice(first, second) => vec![first, second],
        }
    }

    /// Whether this credential should open the door; without a key (`None`) none can.
    pub fn validity(&self, placement: &KeyPlacement, key: Option<&str>) -> Validity {
        let Some(key) = key else {
            return Validity::Invalid;
        };
        let each: Vec<Validity> = self
            .values()
            .into_iter()
            .map(|value| value.validity(placement, key))
            .collect();
        match each[..] {
            [] => Validity::Invalid,
            [one] => one,
            _ if each.iter().all(|v| *v == Validity::Invalid) => Validity::Invalid,
            _ => Validity::Ambiguous,
        }
    }

    /// Whether this is the doc's credential with the scheme written in another case.
    pub fn is_scheme_case_variant(&self) -> bool {
        matches!(self, CredentialInput::One(CredentialValue { scheme: Scheme::Named(name), .. })
            if name.eq_ignore_ascii_case("bearer") && name != "Bearer")
    }

    /// Whether the request carries no credential header at all.
    pub fn is_absent(&self) -> bool {
        *self == CredentialInput::Absent
    }

    /// The credential for a person, key shown as `***` (and no byte count, which would
    /// tell the key's length).
    pub fn describe(&self, placement: &KeyPlacement) -> String {
        let name = placement.header_name();
        let values: Vec<String> = self
            .values()
            .into_iter()
            .map(|value| quote_text(&value.symbolic(placement)))
            .collect();
        match &values[..] {
            [] => "no credential header".to_owned(),
            [one] => format!("{name}: {one}"),
            many => {
                let mut out = format!("{} {name} headers:", many.len());
                for (n, value) in many.iter().enumerate() {
                    let _ = write!(out, "{} {value}", if n == 0 { "" } else { " and" });
                }
                out
            }
        }
    }
}

/// The families of credentials; each case of a campaign comes from one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialClass {
    Absent,
    /// `Basic KEY`, `Token KEY`.
    OtherScheme,
    /// `Bearer`, `Bearer `, `Bearer    `: the scheme and no token.
    Blank,
    /// The key with extra spaces before, after, or between scheme and key.
    ExtraSpaces,
    /// The key with one to eight characters before or after it.
    KeyAffix,
    /// The key cut short, or another key of a different length.
    KeyLength,
    /// `bearer KEY`, `BEARER KEY`... (bearer placement only).
    SchemeCase,
    /// A token of `start` repeated letters; shrinking goes down to one.
    Long {
        start: usize,
    },
    /// Non-ASCII characters as the token, or before or after the key.
    NonAscii,
    /// Two credential headers.
    Twice,
    /// Control characters: the HTTP stack refuses to send them.
    Control,
}

impl CredentialClass {
    pub fn name(self) -> &'static str {
        match self {
            CredentialClass::Absent => "no credential",
            CredentialClass::OtherScheme => "another scheme",
            CredentialClass::Blank => "empty or blank token",
            CredentialClass::ExtraSpaces => "the key with extra spaces",
            CredentialClass::KeyAffix => "the key with a prefix or suffix",
            CredentialClass::KeyLength => "a key of another length",
            CredentialClass::SchemeCase => "the scheme in another case",
            CredentialClass::Long { start: ONE_KIB } => "1 KiB credential",
            CredentialClass::Long { .. } => "16 KiB credential",
            CredentialClass::NonAscii => "non-ASCII credential",
            CredentialClass::Twice => "two credential headers",
            CredentialClass::Control => "control characters",
        }
    }
}

/// The family of case `i` is `SCHEDULE[i % 16]`: every family in every run of 16 cases or
/// more, whatever the seed; the seed varies what is drawn within a family.
pub const SCHEDULE: [CredentialClass; 16] = [
    CredentialClass::Blank,
    CredentialClass::NonAscii,
    CredentialClass::Long { start: SIXTEEN_KIB },
    CredentialClass::SchemeCase,
    CredentialClass::KeyAffix,
    CredentialClass::Absent,
    CredentialClass::OtherScheme,
    CredentialClass::ExtraSpaces,
    CredentialClass::NonAscii,
    CredentialClass::KeyLength,
    CredentialClass::Twice,
    CredentialClass::SchemeCase,
    CredentialClass::Long { start: ONE_KIB },
    CredentialClass::Blank,
    CredentialClass::Control,
    CredentialClass::KeyAffix,
];

/// The family of case `index`. Scheme-case variants only exist where there is a scheme, so
/// other placements get a key with an affix instead.
pub fn class_for(index: usize, placement: &KeyPlacement) -> CredentialClass {
    match SCHEDULE[index % SCHEDULE.len()] {
        CredentialClass::SchemeCase if *placement != KeyPlacement::Bearer => {
            CredentialClass::KeyAffix
        }
        class => class,
    }
}

/// Non-ASCII pieces, simplest first. Each is sendable (bytes 0x80-0xFF are `obs-text`).
pub const NON_ASCII_PIECES: &[&str] = &[
    "é", "ü", "ñ", "€", "中", "🎨", "\u{200F}", "\u{A0}", "\u{FEFF}", "e\u{301}",
];

/// Control characters no HTTP stack should send in a header (a header injection among
/// them); the request is recorded as not sendable.
pub const CONTROL_PIECES: &[&str] = &["\n", "\r\nx-injected: 1", "\0", "\u{7f}"];

/// The other schemes tried with the key.
pub const OTHER_SCHEMES: &[&str] = &["Basic", "Token"];

/// `bearer` with the letters whose bit is set in `mask` in upper case; never `Bearer`.
fn scheme_case(mask: u8) -> String {
    let word: String = "bearer"
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if mask & (1 << i) != 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    if word == "Bearer" {
        "bearer".to_owned()
    } else {
        word
    }
}

/// Text of any length but `avoid` (the key's), so it is never the key by accident.
fn other_length_text(avoid: usize) -> impl Strategy<Value = Token> {
    proptest::string::string_regex("[A-Za-z0-9]{1,64}")
        .expect("a valid regex")
        .prop_map(move |mut text| {
            if text.chars().count() == avoid {
                text.push('x');
            }
            Token::Text(text)
        })
}

/// The fixed edits of the key, tried by every run before its random cases whatever the seed,
/// each once: the bugs servers really have with keys (a prefix or `startsWith` match, a
/// case-insensitive lookup such as a database collation, a header decoded as a URL) accept
/// one of them. Each is named for the report; `docs/fuzzing.md` lists them.
pub fn fixed_edits(key_len: usize) -> Vec<(&'static str, CredentialInput)> {
    let one = |token| CredentialInput::One(CredentialValue::plain(Scheme::Placement, token));
    let mut edits = vec![
        ("fixed edit: the key with a suffix", one(Token::Suffixed("x".into()))),
        ("fixed edit: the key with a prefix", one(Token::Prefixed("x".into()))),
    ];
    if key_len > 1 {
        edits.push((
            "fixed edit: the key without its last character",
            one(Token::Cut(key_len - 1)),
        ));
    }
    edits.push(("fixed edit: the key in another letter case", one(Token::SwapCase)));
    edits.push((
        "fixed edit: the key with its first character percent-encoded",
        one(Token::FirstEncoded),
    ));
    edits
}

/// The strategy of a family, for a key of `key_len` characters placed as `placement`.
pub fn strategy(
    class: CredentialClass,
    placement: &KeyPlacement,
    key_len: usize,
) -> BoxedStrategy<CredentialInput> {
    use CredentialInput::One;
    let bearer = *placement == KeyPlacement::Bearer;
    let plain = CredentialValue::plain;
    match class {
        CredentialClass::Absent => Just(CredentialInput::Absent).boxed(),
        CredentialClass::OtherScheme => select(OTHER_SCHEMES.to_vec())
            .prop_map(move |scheme| One(plain(Scheme::Named(scheme.to_owned()), Token::Key)))
            .boxed(),
        CredentialClass::Blank => (0u8..=1, 0usize..=3)
            .prop_map(move |(gap, blanks)| {
                One(CredentialValue {
                    gap,
                    ..plain(Scheme::Placement, Token::Text(" ".repeat(blanks)))
                })
            })
            .boxed(),
        CredentialClass::ExtraSpaces => (1u8..=3, 0u8..=2, 0u8..=2)
            .prop_map(move |(gap, lead, mut trail)| {
                let gap = if bearer { gap } else { 1 };
                if gap == 1 && lead == 0 && trail == 0 {
                    // The plain credential is the suite's own request; keep it odd.
                    if bearer {
                        return One(CredentialValue {
                            gap: 2,
                            ..plain(Scheme::Placement, Token::Key)
                        });
                    }
                    trail = 1;
                }
                One(CredentialValue {
                    scheme: Scheme::Placement,
                    gap,
                    lead,
                    trail,
                    token: Token::Key,
                })
            })
            .boxed(),
        CredentialClass::KeyAffix => {
            let affix = || {
                proptest::string::string_regex("[A-Za-z0-9._~+/=-]{1,8}").expect("a valid regex")
            };
            prop_oneof![
                affix().prop_map(Token::Suffixed),
                affix().prop_map(Token::Prefixed),
            ]
            .prop_map(move |token| One(plain(Scheme::Placement, token)))
            .boxed()
        }
        CredentialClass::KeyLength if key_len >= 2 => prop_oneof![
            (1..key_len).prop_map(Token::Cut),
            other_length_text(key_len),
        ]
        .prop_map(move |token| One(plain(Scheme::Placement, token)))
        .boxed(),
        CredentialClass::KeyLength => other_length_text(key_len)
            .prop_map(move |token| One(plain(Scheme::Placement, token)))
            .boxed(),
        CredentialClass::SchemeCase => (0u8..64)
            .prop_map(move |mask| One(plain(Scheme::Named(scheme_case(mask)), Token::Key)))
            .boxed(),
        CredentialClass::Long { start } => (letter(), ShrinkingLength { start, min: 1 })
            .prop_map(move |(unit, count)| {
                One(plain(Scheme::Placement, Token::Repeat { unit, count }))
            })
            .boxed(),
        CredentialClass::NonAscii => (0usize..3, vec(select(NON_ASCII_PIECES.to_vec()), 1..=3))
            .prop_map(move |(form, pieces)| {
                let text = pieces.concat();
                let token = match form {
                    0 => Token::Text(text),
                    1 => Token::Suffixed(text),
                    _ => Token::Prefixed(text),
                };
                One(plain(Scheme::Placement, token))
            })
            .boxed(),
        CredentialClass::Twice => {
            let token = || {
                prop_oneof![
                    Just(Token::Key),
                    proptest::string::string_regex("[a-z0-9]{8,16}")
                        .expect("a valid regex")
                        .prop_map(Token::Text),
                ]
            };
            (token(), token())
                .prop_map(move |(first, second)| {
                    CredentialInput::Twice(
                        plain(Scheme::Placement, first),
                        plain(Scheme::Placement, second),
                    )
                })
                .boxed()
        }
        CredentialClass::Control => select(CONTROL_PIECES.to_vec())
            .prop_map(move |piece| One(plain(Scheme::Placement, Token::Suffixed(piece.to_owned()))))
            .boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    const KEY: &str = "sk-test-0123456789";

    fn value(scheme: Scheme, token: Token) -> CredentialValue {
        CredentialValue::plain(scheme, token)
    }

    fn one(scheme: Scheme, token: Token) -> CredentialInput {
        CredentialInput::One(value(scheme, token))
    }

    #[test]
    fn headers_follow_the_placement() {
        let input = one(Scheme::Placement, Token::Key);
        assert_eq!(
            input.headers(&KeyPlacement::Bearer, KEY),
            vec![("authorization".to_owned(), format!("Bearer {KEY}"))]
        );
        assert_eq!(
            input.headers(&KeyPlacement::Raw, KEY),
            vec![("authorization".to_owned(), KEY.to_owned())]
        );
        let header = KeyPlacement::Header("mj-api-secret".into());
        assert_eq!(
            one(Scheme::Named("Basic".into()), Token::Key).headers(&header, KEY),
            vec![("mj-api-secret".to_owned(), format!("Basic {KEY}"))]
        );
        assert!(CredentialInput::Absent
            .headers(&KeyPlacement::Bearer, KEY)
            .is_empty());
    }

    #[test]
    fn validity_of_each_form() {
        let bearer = KeyPlacement::Bearer;
        let valid = |input: &CredentialInput| input.validity(&bearer, Some(KEY));
        assert_eq!(valid(&one(Scheme::Placement, Token::Key)), Validity::Valid);
        assert_eq!(
            valid(&one(Scheme::Named("BEARER".into()), Token::Key)),
            Validity::Valid
        );
        let spaced = CredentialInput::One(CredentialValue {
            gap: 3,
            ..value(Scheme::Placement, Token::Key)
        });
        assert_eq!(valid(&spaced), Validity::Ambiguous);
        let glued = CredentialInput::One(CredentialValue {
            gap: 0,
            ..value(Scheme::Placement, Token::Key)
        });
        // The real key, under another scheme or glued to it: a leniency, not a wrong key.
        assert_eq!(valid(&glued), Validity::OtherScheme);
        for other in ["Basic", "Token", "Bearerx"] {
            assert_eq!(
                valid(&one(Scheme::Named(other.into()), Token::Key)),
                Validity::OtherScheme,
                "{other}"
            );
        }
        for invalid in [
            CredentialInput::Absent,
            one(Scheme::Named("Basic".into()), Token::Cut(3)),
            one(Scheme::Placement, Token::Text(String::new())),
            one(Scheme::Placement, Token::Cut(3)),
            one(Scheme::Placement, Token::Suffixed("x".into())),
            CredentialInput::Twice(
                value(Scheme::Placement, Token::Text("a".into())),
                value(Scheme::Placement, Token::Cut(2)),
            ),
        ] {
            assert_eq!(valid(&invalid), Validity::Invalid, "{invalid:?}");
        }
        let twice = CredentialInput::Twice(
            value(Scheme::Placement, Token::Text("a".into())),
            value(Scheme::Placement, Token::Key),
        );
        assert_eq!(valid(&twice), Validity::Ambiguous);
        assert_eq!(
            one(Scheme::Placement, Token::Key).validity(&bearer, None),
            Validity::Invalid,
            "without a key nothing is valid"
        );
        assert_eq!(
            one(Scheme::Named("bearer".into()), Token::Key).validity(&KeyPlacement::Raw, Some(KEY)),
            Validity::OtherScheme,
            "a raw placement takes the bare key; the key under a scheme is still the key"
        );
    }

    #[test]
    fn descriptions_never_hold_the_key() {
        let bearer = KeyPlacement::Bearer;
        let cases = [
            one(Scheme::Placement, Token::Cut(4)),
            one(Scheme::Placement, Token::Prefixed("x".into())),
            CredentialInput::Twice(
                value(Scheme::Placement, Token::Key),
                value(Scheme::Placement, Token::Suffixed("é".into())),
            ),
        ];
        for input in cases {
            let described = input.describe(&bearer);
            assert!(!described.contains("sk-t"), "{described}");
            for (_, value) in input.symbolic_headers(&bearer) {
                assert!(!value.contains("sk-t"), "{value}");
            }
        }
        assert_eq!(
            one(Scheme::Placement, Token::Cut(4)).describe(&bearer),
            "authorization: \"Bearer ***[..4]\""
        );
        assert_eq!(
            CredentialInput::Absent.describe(&bearer),
            "no credential header"
        );
    }

    #[test]
    fn scheme_case_variants_are_never_the_doc_spelling() {
        for mask in 0..64 {
            let word = scheme_case(mask);
            assert!(word.eq_ignore_ascii_case("bearer"));
            assert_ne!(word, "Bearer");
        }
        assert_eq!(scheme_case(0), "bearer");
        assert_eq!(scheme_case(63), "BEARER");
    }

    proptest! {
        #[test]
        fn each_family_has_the_validity_it_promises(seed in any::<u8>(), index in 0usize..16) {
            let placement = KeyPlacement::Bearer;
            let class = class_for(index, &placement);
            let mut runner = TestRunner::new_with_rng(
                Config::default(),
                TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
            );
            let input = strategy(class, &placement, KEY.len())
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let validity = input.validity(&placement, Some(KEY));
            match class {
                CredentialClass::SchemeCase => {
                    prop_assert_eq!(validity, Validity::Valid);
                    prop_assert!(input.is_scheme_case_variant());
                }
                CredentialClass::ExtraSpaces => prop_assert_eq!(validity, Validity::Ambiguous),
                CredentialClass::Twice => prop_assert_ne!(validity, Validity::Valid),
                CredentialClass::OtherScheme => {
                    prop_assert_eq!(validity, Validity::OtherScheme, "{:?}", input)
                }
                _ => prop_assert_eq!(validity, Validity::Invalid, "{:?}", input),
            }
        }
    }
}
