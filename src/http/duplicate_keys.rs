//! Finds a repeated member name in a JSON object.
//!
//! serde_json, like most parsers, silently keeps the last value of a repeated name, so
//! `{"status":"SUCCESS","status":"FAILURE"}` would be judged as a failed task while a
//! client that keeps the first value sees a finished one. RFC 8259 §4 says names SHOULD be
//! unique and that software receiving duplicates behaves unpredictably; a contract test
//! therefore reports them rather than silently picking a winner.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::{self, Write as _};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The first repeated name found, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// JSON pointer (RFC 6901) of the object holding the name twice; empty for the root.
    pub object: String,
    /// The repeated name, unescaped.
    pub key: String,
}

impl fmt::Display for DuplicateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.object.is_empty() {
            write!(f, "the top-level object has the name `{}` twice", self.key)
        } else {
            write!(
                f,
                "the object at `{}` has the name `{}` twice",
                self.object, self.key
            )
        }
    }
}

/// The first object in `text` that repeats a member name, if any. A text that is not
/// JSON has none to report (its parse error is reported on its own).
pub fn first_duplicate_key(text: &str) -> Option<DuplicateKey> {
    let mut found = None;
    let mut pointer = String::new();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let walk = Walk {
        pointer: &mut pointer,
        found: &mut found,
    };
    walk.deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    found
}

/// Objects with at most this many names are searched for a repeat by a linear scan, which
/// beats hashing for the few names a task object has; larger ones use a hash set, so a
/// hostile object with a million names stays linear in its size.
const LINEAR_SCAN_NAMES: usize = 16;

/// Visits every value without building it. The pointer of the current value is one
/// buffer, grown on the way down and cut back on the way up: every check that parses a
/// body runs this walk, and formatting a pointer per value made it cost twice the parse.
struct Walk<'a> {
    pointer: &'a mut String,
    found: &'a mut Option<DuplicateKey>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Walk { pointer, found } = self;
        let parent = pointer.len();
        let mut index = 0usize;
        // Ends with the array: each step consumes one element of the input.
        loop {
            // Writing to a String cannot fail.
            let _ = write!(pointer, "/{index}");
            let more = seq
                .next_element_seed(Walk {
                    pointer: &mut *pointer,
                    found: &mut *found,
                })?
                .is_some();
            pointer.truncate(parent);
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Walk { pointer, found } = self;
        let parent = pointer.len();
        let mut few: Vec<Cow<'de, str>> = Vec::new();
        let mut many: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = map.next_key_seed(Name)? {
            let repeated = if many.is_empty() && few.len() < LINEAR_SCAN_NAMES {
                few.contains(&key)
            } else {
                if many.is_empty() {
                    many.extend(few.drain(..));
                }
                many.contains(&key)
            };
            pointer.push('/');
            escape_pointer_token(&key, pointer);
            if repeated {
                if found.is_none() {
                    *found = Some(DuplicateKey {
                        object: pointer[..parent].to_owned(),
                        key: key.into_owned(),
                    });
                }
            } else if many.is_empty() && few.len() < LINEAR_SCAN_NAMES {
                few.push(key);
            } else {
                many.insert(key);
            }
            map.next_value_seed(Walk {
                pointer: &mut *pointer,
                found: &mut *found,
            })?;
            pointer.truncate(parent);
        }
        Ok(())
    }
}

/// A member name, borrowed from the text when it has no escapes.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(name))
    }

    fn visit_str<E>(self, name: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(name.to_owned()))
    }

    fn visit_string<E>(self, name: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(name))
    }
}

/// RFC 6901: `~` is written `~0` and `/` is written `~1` inside a pointer token.
fn escape_pointer_token(token: &str, out: &mut String) {
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate(text: &str) -> Option<(String, String)> {
        first_duplicate_key(text).map(|found| (found.object, found.key))
    }

    #[test]
    fn unique_names_pass() {
        assert_eq!(
            duplicate(r#"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#),
            None
        );
        assert_eq!(duplicate(r#"[1,"x",null,true,2.5,-3]"#), None);
        assert_eq!(duplicate("null"), None);
    }

    #[test]
    fn a_repeated_name_is_found_with_its_object() {
        assert_eq!(
            duplicate(r#"{"status":"SUCCESS","status":"FAILURE"}"#),
            Some((String::new(), "status".to_owned()))
        );
        assert_eq!(
            duplicate(r#"{"buttons":[{"label":"U1"},{"label":"U2","label":"U3"}]}"#),
            Some(("/buttons/1".to_owned(), "label".to_owned()))
        );
        assert_eq!(
            duplicate(r#"{"a/b":{"x~":1,"x~":2}}"#),
            Some(("/a~1b".to_owned(), "x~".to_owned()))
        );
    }

    #[test]
    fn escaped_spellings_of_one_name_are_the_same_name() {
        assert_eq!(
            duplicate(r#"{"id":"1","\u0069d":"2"}"#),
            Some((String::new(), "id".to_owned()))
        );
    }

    #[test]
    fn the_first_duplicate_in_document_order_is_reported() {
        let found = first_duplicate_key(r#"{"a":{"x":1,"x":2},"b":1,"b":2}"#).unwrap();
        assert_eq!(found.object, "/a");
        assert_eq!(
            found.to_string(),
            "the object at `/a` has the name `x` twice"
        );
        let root = first_duplicate_key(r#"{"b":1,"b":2}"#).unwrap();
        assert_eq!(
            root.to_string(),
            "the top-level object has the name `b` twice"
        );
    }

    #[test]
    fn a_repeat_among_many_names_is_found() {
        // Past the linear scan's reach, the names move to a hash set: both must see it.
        let names: Vec<String> = (0..40).map(|n| format!("\"k{n}\":{n}")).collect();
        let text = format!("{{\"o\":[0,{{{},\"k3\":0}}]}}", names.join(","));
        assert_eq!(duplicate(&text), Some(("/o/1".to_owned(), "k3".to_owned())));
        let late = format!("{{{},\"k39\":0}}", names.join(","));
        assert_eq!(duplicate(&late), Some((String::new(), "k39".to_owned())));
        let unique = format!("{{{}}}", names.join(","));
        assert_eq!(duplicate(&unique), None);
    }

    #[test]
    fn text_that_is_not_json_reports_nothing() {
        assert_eq!(duplicate(r#"{"a":1,"a""#), None);
        assert_eq!(duplicate(""), None);
    }
}
