//! A task body as the semantic checks and the lifecycle watcher read it.
//!
//! The schema check owns the types: a field of the wrong type is its finding. Semantics read
//! each field as one of four states, so no rule reports a type problem a second time, and the
//! unset values real servers send (`0`, `""`, `null`, see [`crate::contract::rules`]) count as unset.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::contract::rules::{UNSET_STRING, UNSET_TIME};
use crate::http::exchange::Exchange;

/// One field of a task body, read for semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot<T> {
    /// The key is not in the body.
    Missing,
    /// The key holds an unset value: `null`, or `0` for a time, `""` for a string.
    Unset,
    /// The key holds a value of the documented type.
    Set(T),
    /// The key holds a value of another type: the schema check reports it.
    Mistyped,
}

impl<T> Slot<T> {
    /// The value, if set.
    pub fn set(self) -> Option<T> {
        match self {
            Slot::Set(value) => Some(value),
            _ => None,
        }
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// Satisfies "must be set": set, or present with a type the schema check reports.
    pub fn counts_as_present(&self) -> bool {
        matches!(self, Slot::Set(_) | Slot::Mistyped)
    }
}

/// A 2xx answer whose body is a JSON object: the only answers semantics judge. Anything else
/// (an error status, invalid JSON, an array) is the status and schema checks' finding.
///
/// It shares the exchange's one decoding of the body ([`Exchange::json_shared`]): each check
/// that reads the task takes a view, and none decodes or copies the body again.
#[derive(Debug, Clone)]
pub struct TaskView {
    /// Always a JSON object (checked when the view is made).
    body: Arc<Value>,
}

/// The empty object, for a view whose body somehow is not one (never the case).
static NO_FIELDS: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

impl TaskView {
    /// The task in `exchange`, if the answer is a 2xx with a JSON object body.
    pub fn of(exchange: &Exchange) -> Option<TaskView> {
        if !(200..300).contains(&exchange.status) {
            return None;
        }
        match exchange.json_shared() {
            Ok(body) if body.is_object() => Some(TaskView { body }),
            _ => None,
        }
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// The task in a body already parsed, if it is a JSON object.
    pub fn from_value(value: Value) -> Option<TaskView> {
        value.is_object().then(|| TaskView {
            body: Arc::new(value),
        })
    }

    fn fields(&self) -> &Map<String, Value> {
        self.body.as_object().unwrap_or(&NO_FIELDS)
    }

    /// Whether the body is `{}`.
    pub fn is_empty(&self) -> bool {
        self.fields().is_empty()
    }

    /// The body as a JSON value again, for a check that searches it.
    pub fn into_value(self) -> Value {
        Arc::unwrap_or_clone(self.body)
    }

    /// The raw value of a field, for the few checks that walk nested values.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.fields().get(name)
    }

    /// A string field; `""` and `null` are unset.
    pub fn string(&self, name: &str) -> Slot<&str> {
        match self.fields().get(name) {
            None => Slot::Missing,
            Some(Value::Null) => Slot::Unset,
            Some(Value::String(text)) if text == UNSET_STRING => Slot::Unset,
            Some(Value::String(text)) => Slot::Set(text.as_str()),
            Some(_) => Slot::Mistyped,
        }
    }

    /// A time field; `0` and `null` are unset. Only an integer within int64 is of the
    /// documented type: a float, a string or an integer past int64 is the schema check's
    /// finding.
    pub fn time(&self, name: &str) -> Slot<i64> {
        match self.fields().get(name) {
            None => Slot::Missing,
            Some(Value::Null) => Slot::Unset,
            Some(Value::Number(number)) => match number.as_i64() {
                Some(UNSET_TIME) => Slot::Unset,
                Some(time) => Slot::Set(time),
                None => Slot::Mistyped,
            },
            Some(_) => Slot::Mistyped,
        }
    }

    /// A list field; `[]` and `null` are unset (no buttons is `[]` in the C# proxy, `null` in
    /// new-api).
    pub fn list(&self, name: &str) -> Slot<()> {
        match self.body.get(name) {
            None => Slot::Missing,
            Some(Value::Null) => Slot::Unset,
            Some(Value::Array(items)) if items.is_empty() => Slot::Unset,
            Some(Value::Array(_)) => Slot::Set(()),
            Some(_) => Slot::Mistyped,
        }
    }

    /// The status, if it is a non-empty string (documented or not).
    pub fn status(&self) -> Option<&str> {
        self.string("status").set()
    }

    /// Whether a field a rule names is set; strings and times each read by their own type.
    pub fn field(&self, name: &str) -> Slot<()> {
        if name == "buttons" {
            return self.list(name);
        }
        if crate::contract::rules::TIME_FIELDS.contains(&name) {
            self.time(name).map(|_| ())
        } else {
            self.string(name).map(|_| ())
        }
    }
}

impl<T> Slot<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Slot<U> {
        match self {
            Slot::Missing => Slot::Missing,
            Slot::Unset => Slot::Unset,
            Slot::Set(value) => Slot::Set(f(value)),
            Slot::Mistyped => Slot::Mistyped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;
    use serde_json::json;

    fn view(body: Value) -> TaskView {
        TaskView::from_value(body).expect("an object")
    }

    #[test]
    fn only_2xx_json_objects_are_tasks() {
        assert!(TaskView::of(&answer(200, Some("application/json"), "{}")).is_some());
        assert!(TaskView::of(&answer(203, Some("text/plain"), "{}")).is_some());
        assert!(TaskView::of(&answer(404, Some("application/json"), "{}")).is_none());
        assert!(TaskView::of(&answer(200, Some("application/json"), "null")).is_none());
        assert!(TaskView::of(&answer(200, Some("application/json"), "[]")).is_none());
        assert!(TaskView::of(&answer(200, Some("application/json"), "{")).is_none());
        assert!(TaskView::of(&answer(200, Some("application/json"), "\u{feff}{}")).is_none());
    }

    #[test]
    fn times_read_zero_as_unset_and_other_types_as_mistyped() {
        let task = view(json!({
            "submitTime": 1_747_132_423_020_i64,
            "startTime": 0,
            "finishTime": "1747132463701",
            "a": 1.5e12,
            "b": 9_223_372_036_854_775_808_u64,
            "c": null,
            "d": -5,
        }));
        assert_eq!(task.time("submitTime"), Slot::Set(1_747_132_423_020));
        assert_eq!(task.time("startTime"), Slot::Unset);
        assert_eq!(task.time("finishTime"), Slot::Mistyped);
        assert_eq!(task.time("a"), Slot::Mistyped);
        assert_eq!(task.time("b"), Slot::Mistyped);
        assert_eq!(task.time("c"), Slot::Unset);
        assert_eq!(task.time("d"), Slot::Set(-5));
        assert_eq!(task.time("missing"), Slot::Missing);
    }

    #[test]
    fn strings_read_empty_as_unset() {
        let task =
            view(json!({ "status": "SUCCESS", "failReason": "", "imageUrl": null, "id": 7 }));
        assert_eq!(task.status(), Some("SUCCESS"));
        assert_eq!(task.string("failReason"), Slot::Unset);
        assert_eq!(task.string("imageUrl"), Slot::Unset);
        assert_eq!(task.string("id"), Slot::Mistyped);
        assert!(task.field("id").counts_as_present());
        assert!(!task.field("imageUrl").counts_as_present());
        assert!(!task.field("failReason").counts_as_present());
        assert!(!task.field("finishTime").counts_as_present());
    }
}
