//! Where a JSON pointer's value sits in a body's text, so a report can show the part of a
//! long body a finding is about rather than only its start.
//!
//! serde_json's `Value::pointer` finds the value but forgets where it was written; this
//! scans the text itself, skipping whatever is not on the pointer's path.

use std::ops::Range;

/// The byte range of the value `pointer` (RFC 6901, `/buttons/3/customId`) designates in
/// `body`, or `None` when the body is not JSON along that path. `""` is the whole document.
/// With a repeated name the last one counts, as in serde_json (and so in the checks).
pub fn pointer_span(body: &[u8], pointer: &str) -> Option<Range<usize>> {
    let tokens: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .strip_prefix('/')?
            .split('/')
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect()
    };
    let start = skip_ws(body, 0);
    find(body, start, &tokens)
}

/// The span of the value at `tokens` below the value starting at `at`.
fn find(body: &[u8], at: usize, tokens: &[String]) -> Option<Range<usize>> {
    let Some((token, rest)) = tokens.split_first() else {
        return Some(at..skip_value(body, at)?);
    };
    match body.get(at)? {
        b'{' => {
            let mut i = skip_ws(body, at + 1);
            let mut found = None;
            if body.get(i) == Some(&b'}') {
                return None;
            }
            loop {
                let key_end = skip_string(body, i)?;
                let key: String = serde_json::from_slice(&body[i..key_end]).ok()?;
                i = skip_ws(body, key_end);
                if body.get(i) != Some(&b':') {
                    return None;
                }
                let value = skip_ws(body, i + 1);
                if key == *token {
                    found = Some(value);
                }
                i = skip_ws(body, skip_value(body, value)?);
                match body.get(i)? {
                    b',' => i = skip_ws(body, i + 1),
                    b'}' => break,
                    _ => return None,
                }
            }
            find(body, found?, rest)
        }
        b'[' => {
            let wanted: usize = token.parse().ok()?;
            let mut i = skip_ws(body, at + 1);
            let mut index = 0;
            loop {
                if body.get(i) == Some(&b']') {
                    return None;
                }
                if index == wanted {
                    return find(body, i, rest);
                }
                i = skip_ws(body, skip_value(body, i)?);
                match body.get(i)? {
                    b',' => i = skip_ws(body, i + 1),
                    _ => return None,
                }
                index += 1;
            }
        }
        _ => None,
    }
}

fn skip_ws(body: &[u8], mut i: usize) -> usize {
    while body.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The end of the string starting at `at` (its opening quote).
fn skip_string(body: &[u8], at: usize) -> Option<usize> {
    if body.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    loop {
        match body.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The end of the value starting at `at`.
fn skip_value(body: &[u8], at: usize) -> Option<usize> {
    match body.get(at)? {
        b'"' => skip_string(body, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match body.get(i)? {
                    b'"' => {
                        i = skip_string(body, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            // A number or a literal: up to the next delimiter.
            let end = body[at..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || b",]}".contains(b))
                .map_or(body.len(), |n| at + n);
            (end > at).then_some(end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_at(body: &str, pointer: &str) -> Option<String> {
        pointer_span(body.as_bytes(), pointer).map(|span| body[span].to_owned())
    }

    #[test]
    fn finds_values_along_the_path() {
        let body = r#" { "id" : "17", "a/b": 1, "buttons": [ {"customId": "x"}, {"customId": "MJ::JOB::u1", "n": [1, 2.5e3, null]} ], "s": "{\"]" } "#;
        assert_eq!(text_at(body, "/id").as_deref(), Some("\"17\""));
        assert_eq!(text_at(body, "/a~1b").as_deref(), Some("1"));
        assert_eq!(
            text_at(body, "/buttons/1/customId").as_deref(),
            Some("\"MJ::JOB::u1\"")
        );
        assert_eq!(text_at(body, "/buttons/1/n/1").as_deref(), Some("2.5e3"));
        assert_eq!(text_at(body, "/buttons/1/n/2").as_deref(), Some("null"));
        assert_eq!(text_at(body, "/s").as_deref(), Some(r#""{\"]""#));
        assert!(text_at(body, "").unwrap().starts_with('{'));
    }

    #[test]
    fn misses_are_none_not_panics() {
        let body = r#"{"a": [1, 2], "b": {}}"#;
        for pointer in ["/c", "/a/2", "/a/x", "/b/c", "/a/0/x", "no-slash"] {
            assert_eq!(text_at(body, pointer), None, "{pointer}");
        }
        for broken in ["", "{", "{\"a\"", "{\"a\": [1,", "[", "\"", "{\"a\" 1}"] {
            assert_eq!(pointer_span(broken.as_bytes(), "/a/0"), None, "{broken}");
        }
    }

    #[test]
    fn the_last_of_a_repeated_name_counts() {
        let body = r#"{"status": "A", "status": "B"}"#;
        assert_eq!(text_at(body, "/status").as_deref(), Some("\"B\""));
    }
}
