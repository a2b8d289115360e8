//! The forms a key takes in output and the pieces of it worth masking: as given,
//! percent-encoded, JSON-escaped (`\u0073k-…`), the shifted copy of the wrong-key probe;
//! escapes decoded to find a key written in them; long pieces of a key inside a server's
//! words, short ones where an excerpt was cut; and the tool's own words, which are never
//! masked even when a piece of a key happens to spell them. The [`super::redact::Redactor`]
//! applies them.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::http::auth::wrong_key_like;
use crate::http::client::encode_path_segment;

/// What a secret becomes in any output.
pub const SECRET_PLACEHOLDER: &str = "***";

/// Secrets shorter than this are not also redacted in their wrong-key (shifted) form.
pub(super) const MIN_SHIFTED_FORM_CHARS: usize = 8;

/// Every form a secret may take in output: as given, percent-encoded (echoed inside a URL),
/// JSON-escaped (echoed inside a JSON string), and the copy with each letter and digit
/// shifted that the wrong-key probe sends, which gives the key away just as well.
pub(super) fn secret_forms(secret: &str) -> Vec<String> {
    if secret.trim().is_empty() {
        return Vec::new();
    }
    let mut forms = Vec::new();
    let mut variants = vec![secret.to_owned()];
    // Below this length the shifted copy is too short to be told from ordinary text, and
    // such a key is no real secret anyway.
    if secret.chars().count() >= MIN_SHIFTED_FORM_CHARS {
        variants.push(wrong_key_like(secret));
    }
    for form in variants {
        // The form a key takes when a server echoes it inside a URL: every byte outside
        // the RFC 3986 unreserved set percent-encoded, exactly as a path segment is.
        let encoded = encode_path_segment(&form);
        // Some servers write percent-escapes in lowercase hex (`%2f`); both are valid.
        let lowercase = lowercase_escapes(&encoded);
        let escaped = json_escape(&form);
        // PHP's `json_encode` also escapes `/` as `\/`.
        let slashes_escaped = escaped.replace('/', "\\/");
        forms.extend([encoded, lowercase, escaped, slashes_escaped, form]);
    }
    forms
}

/// The shortest piece of a secret [`mask_pieces`] masks where an excerpt was cut.
pub(super) const MIN_CUT_PIECE_BYTES: usize = 4;

/// The shortest piece of a secret [`mask_pieces`] masks anywhere.
pub(super) const MIN_PIECE_BYTES: usize = 8;

/// Masks pieces of a secret that no whole-secret match finds:
///
/// - anywhere, a piece of at least [`MIN_PIECE_BYTES`]: a server may echo part of a key,
///   such as the cut-off keys the credential fuzzing sends;
/// - where an excerpt was cut through a secret (a report's first kilobyte, a finding's first
///   80 characters), a piece of at least [`MIN_CUT_PIECE_BYTES`] at the cut: the start or
///   end of the text, or an ellipsis (`…`) that marks one.
///
/// One pass over the text: each of its 8-byte windows is looked up among the secrets'.
pub(super) fn mask_pieces(needles: &[String], text: String) -> String {
    let window = |bytes: &[u8]| -> u64 {
        let mut word = [0u8; MIN_PIECE_BYTES];
        word.copy_from_slice(&bytes[..MIN_PIECE_BYTES]);
        u64::from_le_bytes(word)
    };
    let windows: HashSet<u64> = needles
        .iter()
        .flat_map(|needle| needle.as_bytes().windows(MIN_PIECE_BYTES).map(window))
        .collect();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    if !windows.is_empty() {
        for (at, bytes) in text.as_bytes().windows(MIN_PIECE_BYTES).enumerate() {
            let end = at + MIN_PIECE_BYTES;
            if windows.contains(&window(bytes))
                && text.is_char_boundary(at)
                && text.is_char_boundary(end)
            {
                spans.push((at, end));
            }
        }
    }
    const ELLIPSIS: char = '\u{2026}';
    let mut edges: Vec<usize> = vec![0, text.len()];
    edges.extend(
        text.match_indices(ELLIPSIS)
            .flat_map(|(at, mark)| [at, at + mark.len()]),
    );
    edges.sort_unstable();
    edges.dedup();
    for &edge in &edges {
        let (before, after) = text.split_at(edge);
        for needle in needles {
            let longest = |fits: &dyn Fn(usize) -> bool| {
                (MIN_CUT_PIECE_BYTES..needle.len())
                    .rev()
                    .find(|&len| fits(len))
            };
            let head =
                longest(&|len| needle.is_char_boundary(len) && before.ends_with(&needle[..len]));
            if let Some(len) = head {
                spans.push((edge - len, edge));
            }
            let tail = longest(&|len| {
                let from = needle.len() - len;
                needle.is_char_boundary(from) && after.starts_with(&needle[from..])
            });
            if let Some(len) = tail {
                spans.push((edge, edge + len));
            }
        }
    }
    if spans.is_empty() {
        return text;
    }
    // A piece inside the tool's own words (a dialect's name or description, a check's name)
    // is those words, not the key: `--dialect java-original` stays runnable with a key such
    // as `dk-java-original`. The whole key and its encodings were replaced above, whatever
    // the words around them.
    let own = own_word_ranges(&text);
    spans.retain(|&(start, end)| !own.iter().any(|&(from, to)| from <= start && end <= to));
    if spans.is_empty() {
        return text;
    }
    let mut out = text;
    for (start, end) in merge_spans(spans).into_iter().rev() {
        out.replace_range(start..end, SECRET_PLACEHOLDER);
    }
    out
}

/// The tool's own vocabulary: words it prints that come from no server and no user: the
/// dialects' names and descriptions (and each clause of one), the checks' and fuzz
/// properties' names, the levels, the command's own name. Longest first.
pub(super) static OWN_WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut words: Vec<&'static str> = vec!["mjconform", "identify", "--dialect"];
    for dialect in crate::contract::dialect::DIALECTS {
        words.push(dialect.name);
        words.push(dialect.description);
        words.extend(
            dialect
                .description
                .split([':', ','])
                .map(str::trim)
                .filter(|clause| clause.len() >= MIN_PIECE_BYTES),
        );
    }
    words.extend(crate::checks::levels::known_names());
    words.extend(["deny", "warn", "allow"]);
    words.sort_by_key(|word| std::cmp::Reverse(word.len()));
    words.dedup();
    words
});

/// Where the tool's own words sit in `text`.
pub(super) fn own_word_ranges(text: &str) -> Vec<(usize, usize)> {
    OWN_WORDS
        .iter()
        .flat_map(|word| {
            text.match_indices(word)
                .map(|(at, found)| (at, at + found.len()))
        })
        .collect()
}

/// Whether `text` holds a piece of [`MIN_PIECE_BYTES`] or more of a needle: the pieces
/// [`mask_pieces`] masks anywhere (not those it masks only where an excerpt was cut).
pub(super) fn holds_piece(needles: &[String], text: &str) -> bool {
    let windows: HashSet<&[u8]> = needles
        .iter()
        .flat_map(|needle| needle.as_bytes().windows(MIN_PIECE_BYTES))
        .collect();
    !windows.is_empty()
        && text
            .as_bytes()
            .windows(MIN_PIECE_BYTES)
            .any(|bytes| windows.contains(bytes))
}

pub(super) fn sort_longest_first(needles: &mut Vec<String>) {
    needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    needles.dedup();
}

/// `encoded` with the hex digits of each `%XX` escape in lowercase.
pub(super) fn lowercase_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if hex_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_left -= 1;
        } else {
            if c == '%' {
                hex_left = 2;
            }
            out.push(c);
        }
    }
    out
}

/// `text` with JSON string escapes and percent-escapes decoded, and for each decoded byte
/// the raw byte range it came from. An escape that does not decode stays as it is.
pub(super) fn decode_escapes(text: &str) -> (Vec<u8>, Vec<(usize, usize)>) {
    let raw = text.as_bytes();
    let hex = |from: usize, digits: usize| -> Option<u32> {
        let slice = raw.get(from..from + digits)?;
        let text = std::str::from_utf8(slice).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(text, 16).ok()
    };
    let mut decoded = Vec::with_capacity(raw.len());
    let mut origin = Vec::with_capacity(raw.len());
    let mut at = 0;
    while at < raw.len() {
        let start = at;
        let mut push = |bytes: &[u8], end: usize| {
            for &byte in bytes {
                decoded.push(byte);
                origin.push((start, end));
            }
        };
        match raw[at] {
            b'\\' if raw.get(at + 1) == Some(&b'u') => {
                let Some(unit) = hex(at + 2, 4) else {
                    push(&raw[at..=at], at + 1);
                    at += 1;
                    continue;
                };
                let mut end = at + 6;
                let mut code = unit;
                if (0xD800..0xDC00).contains(&unit)
                    && raw.get(end) == Some(&b'\\')
                    && raw.get(end + 1) == Some(&b'u')
                {
                    if let Some(low) = hex(end + 2, 4).filter(|low| (0xDC00..0xE000).contains(low)) {
                        code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        end += 6;
                    }
                }
                match char::from_u32(code) {
                    Some(c) => push(c.encode_utf8(&mut [0u8; 4]).as_bytes(), end),
                    None => push(&raw[at..end], end),
                }
                at = end;
            }
            b'\\' if raw.get(at + 1).is_some_and(|b| b"\"\\/bfnrt".contains(b)) => {
                let byte = match raw[at + 1] {
                    b'b' => 0x08,
                    b'f' => 0x0C,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    other => other,
                };
                push(&[byte], at + 2);
                at += 2;
            }
            b'%' => match hex(at + 1, 2) {
                Some(byte) => {
                    push(&[byte as u8], at + 3);
                    at += 3;
                }
                None => {
                    push(&raw[at..=at], at + 1);
                    at += 1;
                }
            },
            byte => {
                push(&[byte], at + 1);
                at += 1;
            }
        }
    }
    (decoded, origin)
}

/// `text` as it appears between the quotes of a serialised JSON string.
pub(super) fn json_escape(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""));
    quoted[1..quoted.len() - 1].to_owned()
}

/// Byte ranges with the overlapping and touching ones made one, in order: masking each
/// merged range once leaves no part of a piece of a key behind.
pub(super) fn merge_spans(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}
