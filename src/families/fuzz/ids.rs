//! Task ids to fuzz with, as proptest strategies: mutations of the ids the user gave,
//! unknown numeric ids of realistic length, hostile ids (reserved and percent characters,
//! whitespace, unicode, dot segments), and long ids. Every strategy shrinks toward a short,
//! plain id, so a failure is reported with the smallest id that still breaks the server.
//!
//! No generated id names a known task: a mutation that would (a case change of a numeric
//! id, a leading zero a server may parse away) gets an `x` appended instead. What a server
//! may answer to the odd ids is in [`super::allowances`].

use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::NewTree;
#[cfg(test)]
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

/// One generated id. A long id is kept as a character and a count, so that its replay
/// token and its report stay short.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdInput {
    Text(String),
    Repeat { unit: char, count: usize },
}

impl IdInput {
    /// The id itself (unencoded).
    pub fn id(&self) -> String {
        match self {
            IdInput::Text(text) => text.clone(),
            // `str::repeat` copies in doubling blocks; collecting the characters one by one
            // was the largest entry of the harness's own code in a campaign's profile.
            IdInput::Repeat { unit, count } => unit.encode_utf8(&mut [0; 4]).repeat(*count),
        }
    }

    /// The id for a person: quoted with escapes, long ones abbreviated, with the byte length.
    pub fn describe(&self) -> String {
        match self {
            IdInput::Text(text) => describe_text(text),
            IdInput::Repeat { unit, count: times } => {
                let bytes = unit.len_utf8() * times;
                format!("{unit:?} × {times} ({})", count(bytes, "byte"))
            }
        }
    }
}

/// A string for a person: quoted with Rust escapes (so whitespace, controls and invisible
/// marks show), at most 80 characters of it, and its length in bytes.
pub fn describe_text(text: &str) -> String {
    let mut out = quote_text(text);
    let _ = write!(out, " ({})", count(text.len(), "byte"));
    out
}

/// `n` and `noun`, plural unless `n` is 1: "1 byte", "2 bytes".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A string for a person: quoted with Rust escapes, at most 80 characters of it.
pub fn quote_text(text: &str) -> String {
    let shown: String = text.chars().take(80).collect();
    let mut out = format!("{shown:?}");
    if text.chars().count() > 80 {
        out.pop();
        out.push_str("…\"");
    }
    out
}

/// The families of ids. Each case of a campaign comes from one family, in the order of
/// [`SCHEDULE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdClass {
    /// A known id with one character added, removed or changed, its case changed, or cut.
    Mutation,
    /// 13 to 19 digits, like real (timestamp-based) task ids.
    Numeric,
    /// One to four pieces of one kind of hostility, concatenated.
    Hostile(Hostility),
    /// An id that changes the shape of the path: empty, a dot segment, with slashes.
    Structural,
    /// One letter repeated; `start` is the length generated, shrinking goes down to 1.
    Long { start: usize },
}

impl IdClass {
    pub fn name(self) -> &'static str {
        match self {
            IdClass::Mutation => "mutation of a known id",
            IdClass::Numeric => "unknown numeric id",
            IdClass::Hostile(hostility) => hostility.name(),
            IdClass::Structural => "id that changes the path's shape",
            IdClass::Long { start: 1024 } => "1 KiB id",
            IdClass::Long { .. } => "16 KiB id",
        }
    }
}

/// The kinds of hostile ids. Each has its own family in the schedule, so every run tries
/// each kind, whatever the seed: a server that chokes only on whitespace is not left to
/// the luck of the draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostility {
    /// Percent signs, percent-encoded text and reserved characters.
    Percent,
    /// Spaces, tabs, line breaks and NUL.
    Whitespace,
    /// Accents, CJK, emoji, combining and bidirectional marks, a BOM, a no-break space.
    Unicode,
    /// Pieces of every kind, slashes and dots included.
    Mixed,
}

impl Hostility {
    pub fn name(self) -> &'static str {
        match self {
            Hostility::Percent => "id with percent or reserved characters",
            Hostility::Whitespace => "id with whitespace or control characters",
            Hostility::Unicode => "id with non-ASCII characters",
            Hostility::Mixed => "hostile id",
        }
    }

    /// The pieces, simplest first: shrinking moves toward the front of the list, so a
    /// server that fails on any `%` is reported with the id `%`.
    ///
    /// `%2F`, `%00` and `%25` are literal text (sent as `%252F`...), for servers that
    /// decode twice; `%`, NUL and `/` are the characters (sent as `%25`, `%00`, `%2F`).
    pub fn pieces(self) -> &'static [&'static str] {
        match self {
            Hostility::Percent => &[
                "%", "%25", "%2F", "%00", "%%", "%ZZ", "?", "#", ";", "&", "=", "+", "'", "\"",
                "<>",
            ],
            Hostility::Whitespace => &[" ", "\t", "\n", "\r\n", "\0", "\u{b}", "a b"],
            Hostility::Unicode => &[
                "é", "ü", "中文", "🎨", "e\u{301}", "\u{200F}", "\u{202E}", "\u{FEFF}", "\u{A0}",
            ],
            Hostility::Mixed => HOSTILE_PIECES,
        }
    }
}

/// One KiB, the long id every server must handle.
pub const ONE_KIB: usize = 1024;
/// Sixteen KiB: beyond what some HTTP layers accept in a request line (Node's whole header
/// limit is 16 KiB), so it may be refused before the application sees it.
pub const SIXTEEN_KIB: usize = 16 * 1024;

/// The family of case `i` is `SCHEDULE[i % 16]`: every family appears in every run of 16
/// cases or more whatever the seed, and the hostile ids, where most bugs are, get the most
/// cases. The seed varies what is drawn within a family.
pub const SCHEDULE: [IdClass; 16] = [
    IdClass::Hostile(Hostility::Mixed),
    IdClass::Mutation,
    IdClass::Structural,
    IdClass::Long { start: SIXTEEN_KIB },
    IdClass::Hostile(Hostility::Percent),
    IdClass::Numeric,
    IdClass::Hostile(Hostility::Whitespace),
    IdClass::Long { start: ONE_KIB },
    IdClass::Hostile(Hostility::Unicode),
    IdClass::Mutation,
    IdClass::Structural,
    IdClass::Hostile(Hostility::Mixed),
    IdClass::Numeric,
    IdClass::Hostile(Hostility::Percent),
    IdClass::Hostile(Hostility::Whitespace),
    IdClass::Hostile(Hostility::Unicode),
];

/// The family of case `index`; without known ids, mutations become numeric ids.
pub fn class_for(index: usize, have_known_ids: bool) -> IdClass {
    match SCHEDULE[index % SCHEDULE.len()] {
        IdClass::Mutation if !have_known_ids => IdClass::Numeric,
        class => class,
    }
}

/// Pieces of mixed hostile ids, simplest first, slashes and dots included (which make
/// some of them change the path's shape).
pub const HOSTILE_PIECES: &[&str] = &[
    "a", "%", "/", " ", ".", "..", "?", "#", ";", "%2F", "%00", "%25", "%%", "%ZZ", "\0", "\t",
    "\n", "+", "&", "=", "'", "\"", "<>", "é", "中文", "🎨", "e\u{301}", "\u{200F}", "\u{202E}",
    "\u{FEFF}", "\u{A0}",
];

/// Ids that change the path's shape (see `PathShape` in [`super::allowances`]), simplest
/// first.
pub const STRUCTURAL_IDS: &[&str] = &[
    "", ".", "..", "/", "../x", "./x", "x/..", "x/y", "/x", "x/", "x//y",
];

/// Whether `id`, once the server decodes the path segment, changes the shape of the path:
/// empty (`/mj/task//fetch`), a dot segment (resolved away by URL parsers), or holding a
/// `/` (routers that decode before matching see more segments).
pub fn changes_path_shape(id: &str) -> bool {
    id.is_empty() || id == "." || id == ".." || id.contains('/')
}

/// The form under which a lenient server could take `id` for another: trimmed of
/// whitespace, and for numbers without a `+` sign or leading zeros.
fn lenient_form(id: &str) -> &str {
    let trimmed = id.trim();
    let unsigned = trimmed.strip_prefix('+').unwrap_or(trimmed);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        let digits = unsigned.trim_start_matches('0');
        if digits.is_empty() {
            "0"
        } else {
            digits
        }
    } else {
        trimmed
    }
}

/// Whether a server could take `candidate` for one of the `known` ids.
pub fn names_known(candidate: &str, known: &[String]) -> bool {
    let form = lenient_form(candidate);
    known.iter().any(|id| lenient_form(id) == form)
}

/// `id`, with `x` appended until no server could take it for a known id: a mutation that
/// lands on a known task would make "an unknown id gets 404" a false alarm.
fn distinct(mut id: String, known: &[String]) -> String {
    while names_known(&id, known) {
        id.push('x');
    }
    id
}

const ALNUM: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn alnum() -> impl Strategy<Value = char> {
    select(ALNUM.chars().collect::<Vec<char>>())
}

/// A lowercase letter, shrinking toward `a`.
pub fn letter() -> impl Strategy<Value = char> {
    select(('a'..='z').collect::<Vec<char>>())
}

/// A length that starts at `start` and shrinks by binary search down to `min`, so a server
/// that fails above some length is reported with the shortest length that still fails.
#[derive(Debug, Clone, Copy)]
pub struct ShrinkingLength {
    pub start: usize,
    pub min: usize,
}

impl Strategy for ShrinkingLength {
    type Tree = proptest::num::usize::BinarySearch;
    type Value = usize;

    fn new_tree(&self, _runner: &mut TestRunner) -> NewTree<Self> {
        Ok(proptest::num::usize::BinarySearch::new_above(
            self.min, self.start,
        ))
    }
}

/// One edit of a known id.
#[derive(Debug, Clone)]
enum Edit {
    Add(Index, char),
    Remove(Index),
    Change(Index, char),
    SwapCase,
    Cut(Index),
}

impl Edit {
    /// The edited id; never empty (an empty id is a structural id, not a mutation).
    fn apply(&self, id: &str) -> String {
        let mut chars: Vec<char> = id.chars().collect();
        let len = chars.len();
        match self {
            Edit::Add(at, c) => chars.insert(at.index(len + 1), *c),
            Edit::Remove(at) if len > 1 => {
                chars.remove(at.index(len));
            }
            Edit::Change(at, c) if len > 0 => {
                let at = at.index(len);
                chars[at] = if chars[at] == *c {
                    if *c == 'a' {
                        'b'
                    } else {
                        'a'
                    }
                } else {
                    *c
                };
            }
            Edit::SwapCase => {
                for c in &mut chars {
                    *c = if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    };
                }
            }
            Edit::Cut(keep) if len > 1 => chars.truncate(1 + keep.index(len - 1)),
            Edit::Remove(_) | Edit::Change(..) | Edit::Cut(_) => chars.push('x'),
        }
        chars.into_iter().collect()
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), alnum()).prop_map(|(at, c)| Edit::Add(at, c)),
        any::<Index>().prop_map(Edit::Remove),
        (any::<Index>(), alnum()).prop_map(|(at, c)| Edit::Change(at, c)),
        Just(Edit::SwapCase),
        any::<Index>().prop_map(Edit::Cut),
    ]
}

/// The fixed edits of a known id, tried by every run before its random cases whatever the
/// seed, each once: the bugs servers really have with ids (a prefix match, a number parsed
/// from the id's start, a case-insensitive lookup, a path decoded twice) answer one of them
/// with the task. Each is named for the report; `docs/fuzzing.md` lists them.
pub fn fixed_edits(known: &[String]) -> Vec<(&'static str, IdInput)> {
    let Some(id) = known.first() else {
        return Vec::new();
    };
    let chars: Vec<char> = id.chars().collect();
    let mut edits: Vec<(&'static str, String)> = vec![
        ("fixed edit: the id with a suffix", format!("{id}x")),
        ("fixed edit: the id with a digit appended", format!("{id}1")),
        ("fixed edit: the id with a prefix", format!("x{id}")),
    ];
    if chars.len() > 1 {
        edits.push((
            "fixed edit: the id without its last character",
            chars[..chars.len() - 1].iter().collect(),
        ));
    }
    let swapped: String = chars
        .iter()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if swapped != *id {
        edits.push(("fixed edit: the id in another letter case", swapped));
    }
    if let Some(last) = chars.last() {
        // `%37` as text (sent as `%2537`): a server that decodes the path twice reads the id.
        let mut encoded: String = chars[..chars.len() - 1].iter().collect();
        let mut buffer = [0u8; 4];
        for byte in last.encode_utf8(&mut buffer).bytes() {
            let _ = write!(encoded, "%{byte:02X}");
        }
        edits.push((
            "fixed edit: the id with its last character percent-encoded as text",
            encoded,
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    edits
        .into_iter()
        .filter_map(|(name, edited)| {
            let edited = distinct(edited, known);
            (!seen.contains(&edited)).then(|| {
                seen.push(edited.clone());
                (name, IdInput::Text(edited))
            })
        })
        .collect()
}

/// The strategy of a family. `known` are the ids the user says exist.
pub fn strategy(class: IdClass, known: &[String]) -> BoxedStrategy<IdInput> {
    let known = known.to_vec();
    match class {
        IdClass::Mutation if !known.is_empty() => {
            let count = known.len();
            (0..count, edit())
                .prop_map(move |(which, edit)| {
                    IdInput::Text(distinct(edit.apply(&known[which]), &known))
                })
                .boxed()
        }
        IdClass::Mutation | IdClass::Numeric => proptest::string::string_regex("[1-9][0-9]{12,18}")
            .expect("a valid regex")
            .prop_map(move |id| IdInput::Text(distinct(id, &known)))
            .boxed(),
        IdClass::Hostile(hostility) => vec(select(hostility.pieces().to_vec()), 1..=4)
            .prop_map(move |pieces| IdInput::Text(distinct(pieces.concat(), &known)))
            .boxed(),
        IdClass::Structural => select(STRUCTURAL_IDS.to_vec())
            .prop_map(|id| IdInput::Text(id.to_owned()))
            .boxed(),
        IdClass::Long { start } => (letter(), ShrinkingLength { start, min: 1 })
            .prop_map(|(unit, count)| IdInput::Repeat { unit, count })
            .boxed(),
    }
}

/// The value tree of one case, for tests that walk it.
#[cfg(test)]
pub(crate) fn tree(
    class: IdClass,
    known: &[String],
    runner: &mut TestRunner,
) -> Box<dyn ValueTree<Value = IdInput>> {
    Box::new(strategy(class, known).new_tree(runner).expect("a tree"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::{Config, TestRng};

    fn known() -> Vec<String> {
        vec!["1747132783114582".to_owned(), "abc-DEF".to_owned()]
    }

    fn runner(seed: u8) -> TestRunner {
        TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &[seed; 32]),
        )
    }

    #[test]
    fn leniently_equal_ids_are_known() {
        let known = known();
        assert!(names_known("1747132783114582", &known));
        assert!(names_known("01747132783114582", &known));
        assert!(names_known("+1747132783114582", &known));
        assert!(names_known(" 1747132783114582 ", &known));
        assert!(!names_known("1747132783114583", &known));
        assert!(
            !names_known("ABC-def", &known),
            "case changes are real mutations"
        );
        assert_eq!(
            distinct("01747132783114582".into(), &known),
            "01747132783114582x"
        );
    }

    #[test]
    fn edits_keep_ids_non_empty() {
        // The smallest index (0): the first position, whatever the length.
        let mut smallest = any::<Index>()
            .new_tree(&mut TestRunner::deterministic())
            .unwrap();
        while smallest.simplify() {}
        let start = smallest.current();
        assert_eq!(Edit::Remove(start).apply("7"), "7x");
        assert_eq!(Edit::Cut(start).apply("7"), "7x");
        assert_eq!(Edit::Cut(start).apply("789"), "7");
        assert_eq!(Edit::SwapCase.apply("aB1"), "Ab1");
        assert_eq!(Edit::Change(start, '7').apply("789"), "a89");
        assert_eq!(Edit::Add(start, 'q').apply("789"), "q789");
    }

    #[test]
    fn every_family_is_in_every_run_of_16() {
        let families = [
            IdClass::Mutation,
            IdClass::Numeric,
            IdClass::Structural,
            IdClass::Long { start: ONE_KIB },
            IdClass::Long { start: SIXTEEN_KIB },
            IdClass::Hostile(Hostility::Percent),
            IdClass::Hostile(Hostility::Whitespace),
            IdClass::Hostile(Hostility::Unicode),
            IdClass::Hostile(Hostility::Mixed),
        ];
        for family in families {
            assert!(SCHEDULE.contains(&family), "{family:?}");
        }
        assert_eq!(class_for(1, false), IdClass::Numeric);
    }

    #[test]
    fn the_path_shape_rule() {
        for id in STRUCTURAL_IDS {
            assert!(changes_path_shape(id), "{id:?}");
        }
        for id in ["a", "%2F", "..a", "a.b", " ", "\u{0}"] {
            assert!(!changes_path_shape(id), "{id:?}");
        }
    }

    #[test]
    fn long_ids_shrink_by_binary_search() {
        let mut tree = tree(IdClass::Long { start: SIXTEEN_KIB }, &[], &mut runner(1));
        let first = tree.current();
        assert_eq!(first.id().len(), SIXTEEN_KIB);
        // A server that fails above 300 bytes: the search ends at 301.
        let shrunk = crate::families::fuzz::shrink::shrink(tree.as_mut(), first, 1000, |input| {
            Some(input.id().len() > 300)
        });
        assert_eq!(shrunk.value.id().len(), 301);
        assert!(shrunk.tried < 40, "{} tries", shrunk.tried);
    }

    #[test]
    fn descriptions_show_what_is_invisible() {
        assert_eq!(
            IdInput::Text("a\u{200F}\n".into()).describe(),
            "\"a\\u{200f}\\n\" (5 bytes)"
        );
        assert_eq!(
            IdInput::Repeat {
                unit: 'a',
                count: 1024
            }
            .describe(),
            "'a' × 1024 (1024 bytes)"
        );
        assert!(describe_text(&"x".repeat(200)).contains("…\" (200 bytes)"));
    }

    proptest! {
        #[test]
        fn no_generated_id_names_a_known_task(seed in any::<u8>(), index in 0usize..16) {
            let known = known();
            let class = class_for(index, true);
            let input = tree(class, &known, &mut runner(seed)).current();
            if class != IdClass::Structural {
                prop_assert!(!names_known(&input.id(), &known), "{:?}", input);
            }
        }

        #[test]
        fn mutations_stay_close_to_a_known_id(seed in any::<u8>()) {
            let known = known();
            let IdInput::Text(id) = tree(IdClass::Mutation, &known, &mut runner(seed)).current() else {
                panic!("mutations are text");
            };
            let close = known.iter().any(|k| id.len().abs_diff(k.len()) <= 2 || k.starts_with(&id));
            prop_assert!(close, "{}", id);
            prop_assert!(!id.is_empty());
        }
    }
}
