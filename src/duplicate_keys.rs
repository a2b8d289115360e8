//! Finds a repeated member name in a JSON object.
//!
//! serde_json, like most parsers, silently keeps the last value of a repeated name, so
//! `{"status":"SUCCESS","status":"FAILURE"}` would be judged as a failed task while a
//! client that keeps the first value sees a finished one. RFC 8259 §4 says names SHOULD be
//! unique and that software receiving duplicates behaves unpredictably; a contract test
//! therefore reports them rather than silently picking a winner.

use std::collections::HashSet;
use std::fmt;

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
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let walk = Walk {
        pointer: String::new(),
        found: &mut found,
    };
    walk.deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    found
}

/// Visits every value without building it, remembering the pointer of the current one.
struct Walk<'a> {
    pointer: String,
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
        let mut index = 0usize;
        // Ends with the array: each step consumes one element of the input.
        while seq
            .next_element_seed(Walk {
                pointer: format!("{pointer}/{index}"),
                found: &mut *found,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Walk { pointer, found } = self;
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let child = format!("{pointer}/{}", escape_pointer_token(&key));
            if found.is_none() && seen.contains(&key) {
                *found = Some(DuplicateKey {
                    object: pointer.clone(),
                    key,
                });
            } else {
                seen.insert(key);
            }
            map.next_value_seed(Walk {
                pointer: child,
                found: &mut *found,
            })?;
        }
        Ok(())
    }
}

/// RFC 6901: `~` is written `~0` and `/` is written `~1` inside a pointer token.
fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
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
    fn text_that_is_not_json_reports_nothing() {
        assert_eq!(duplicate(r#"{"a":1,"a""#), None);
        assert_eq!(duplicate(""), None);
    }
}
