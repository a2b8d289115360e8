//! What makes a body "the task asked for", and where a body hides a task.
//!
//! The decision (spec header, "Task identity"): a 2xx answer for a known id carries that id in
//! the identity's id field and a status in its status field, as [`TaskIdentity`] reads them from
//! the spec. `task_id_matches` and `status_consistency` judge a body against it; `ignored_auth`
//! uses [`find_task`] to see task data behind a refusal; both name an envelope (`{"code":1,
//! "result":{…task…}}`) when the task sits one level down.

use serde_json::Value;

use crate::contract::spec::{FetchOperation, TaskIdentity};

/// How deep [`find_task`] looks: the body, an envelope's field, and one more level (an envelope
/// holding a list, `{"data":[task]}`). Deeper nesting is not a task a client would find.
const SEARCH_DEPTH: usize = 2;

/// The statuses the spec documents for the identity's status field: the `enum` of that
/// property in the schema documented for `status` (or for 200), as the validator compiled it.
/// `None` when the spec documents no such enum.
pub(crate) fn documented_statuses(operation: &FetchOperation, status: u16) -> Option<Vec<String>> {
    let values = documented_status_values(operation, status)?;
    Some(
        values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

/// Whether the spec documents `value` (`""` or `null`) as a status: a dialect may list the
/// empty status a family sends right after submit, and then it is not a missing status.
pub(crate) fn documents_status_value(
    operation: &FetchOperation,
    status: u16,
    value: &Value,
) -> bool {
    documented_status_values(operation, status).is_some_and(|values| values.contains(value))
}

/// The raw `enum` values of the status field, `null` included when the schema is nullable.
fn documented_status_values(operation: &FetchOperation, status: u16) -> Option<Vec<Value>> {
    let field = operation.task_identity.status_field.as_deref()?;
    let response = operation
        .documented(status)
        .filter(|response| !response.media.is_empty())
        .or_else(|| operation.documented(200))?;
    response.media.iter().find_map(|media| {
        let document = media.schema.as_ref()?.json_schema();
        let task = resolve(document, document)?;
        let property = resolve(document, task.get("properties")?.get(field)?)?;
        enum_of(document, property).cloned()
    })
}

/// A schema's `enum`, looking through the `anyOf` that wraps a nullable schema.
fn enum_of<'a>(document: &'a Value, schema: &'a Value) -> Option<&'a Vec<Value>> {
    if let Some(Value::Array(values)) = schema.get("enum") {
        return Some(values);
    }
    schema
        .get("anyOf")?
        .as_array()?
        .iter()
        .filter_map(|branch| resolve(document, branch))
        .find_map(|branch| enum_of(document, branch))
}

/// Follows `$ref`s into the document's `$defs` (a bounded number, so a cycle cannot hang).
fn resolve<'a>(document: &'a Value, mut schema: &'a Value) -> Option<&'a Value> {
    for _ in 0..8 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            return Some(schema);
        };
        let name = reference.strip_prefix("#/$defs/")?;
        let name = name.replace("~1", "/").replace("~0", "~");
        schema = document.get("$defs")?.get(name.as_str())?;
    }
    None
}

/// Whether `value` is the id asked for: the same string, or a number written the same way (a
/// numeric id's type is the schema check's finding, not a second mismatch).
pub(crate) fn is_the_id(value: &Value, asked: &str) -> bool {
    match value {
        Value::String(text) => text == asked,
        Value::Number(number) => number.to_string() == asked,
        _ => false,
    }
}

/// Whether `object` is task data: it carries the asked id in the id field, or a status the spec
/// documents in the status field.
fn is_task(
    object: &serde_json::Map<String, Value>,
    identity: &TaskIdentity,
    asked: Option<&str>,
    statuses: Option<&[String]>,
) -> bool {
    let has_id = match (identity.id_field.as_deref(), asked) {
        (Some(field), Some(asked)) => object.get(field).is_some_and(|v| is_the_id(v, asked)),
        _ => false,
    };
    let has_status = match (identity.status_field.as_deref(), statuses) {
        (Some(field), Some(statuses)) => object
            .get(field)
            .and_then(Value::as_str)
            .is_some_and(|status| statuses.iter().any(|s| s == status)),
        _ => false,
    };
    has_id || has_status
}

/// The JSON pointer of the first task object in `body` (the body itself is `""`), looking
/// [`SEARCH_DEPTH`] levels down, breadth first so the shallowest wins.
pub(crate) fn find_task(
    body: &Value,
    identity: &TaskIdentity,
    asked: Option<&str>,
    statuses: Option<&[String]>,
) -> Option<String> {
    let mut level: Vec<(String, &Value)> = vec![(String::new(), body)];
    for depth in 0..=SEARCH_DEPTH {
        let mut next = Vec::new();
        for (pointer, value) in level {
            match value {
                Value::Object(object) => {
                    if is_task(object, identity, asked, statuses) {
                        return Some(pointer);
                    }
                    if depth < SEARCH_DEPTH {
                        for (key, child) in object {
                            next.push((format!("{pointer}/{}", escape(key)), child));
                        }
                    }
                }
                Value::Array(items) if depth < SEARCH_DEPTH => {
                    for (index, child) in items.iter().enumerate() {
                        next.push((format!("{pointer}/{index}"), child));
                    }
                }
                _ => {}
            }
        }
        level = next;
    }
    None
}

/// A JSON pointer token for `key` (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The sentence a finding adds when the task is nested: "looks like an envelope: the task is
/// under /result". Empty when the body holds no nested task.
pub(crate) fn envelope_hint(
    body: &Value,
    identity: &TaskIdentity,
    asked: Option<&str>,
    statuses: Option<&[String]>,
) -> String {
    match find_task(body, identity, asked, statuses) {
        Some(pointer) if !pointer.is_empty() => {
            format!("; the body looks like an envelope: the task is under {pointer}")
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use serde_json::json;

    fn statuses() -> Vec<String> {
        documented_statuses(&Contract::embedded().fetch, 200).expect("an enum")
    }

    #[test]
    fn the_statuses_are_the_specs_enum() {
        assert_eq!(
            statuses(),
            [
                "NOT_START",
                "SUBMITTED",
                "IN_PROGRESS",
                "FAILURE",
                "SUCCESS"
            ]
        );
        let mut fetch = Contract::embedded().fetch;
        assert!(
            documented_statuses(&fetch, 404).is_some(),
            "falls back to 200"
        );
        fetch.task_identity.status_field = Some("state".into());
        assert_eq!(documented_statuses(&fetch, 200), None);
        fetch.task_identity.status_field = None;
        assert_eq!(documented_statuses(&fetch, 200), None);
    }

    #[test]
    fn a_task_is_found_at_the_root_or_in_an_envelope() {
        let identity = TaskIdentity::default();
        let statuses = statuses();
        let find = |body: Value| find_task(&body, &identity, Some("17"), Some(&statuses));
        assert_eq!(find(json!({"id": "17"})).as_deref(), Some(""));
        assert_eq!(find(json!({"id": 17})).as_deref(), Some(""));
        assert_eq!(find(json!({"status": "SUCCESS"})).as_deref(), Some(""));
        assert_eq!(
            find(json!({"code": 1, "description": "success", "result": {"id": "17"}})).as_deref(),
            Some("/result")
        );
        assert_eq!(
            find(json!({"data": [{"status": "IN_PROGRESS"}]})).as_deref(),
            Some("/data/0")
        );
        assert_eq!(find(json!({"a/b": {"id": "17"}})).as_deref(), Some("/a~1b"));
        for body in [
            json!({}),
            json!({"id": "18", "status": "success"}),
            json!({"error": {"message": "invalid token 17", "type": "new_api_error"}}),
            json!({"status": 401, "id": null}),
            json!({"a": {"b": {"c": {"id": "17"}}}}),
            json!("17"),
            json!(null),
        ] {
            assert_eq!(find(body.clone()), None, "{body}");
        }
    }

    #[test]
    fn the_hint_names_the_envelope_only() {
        let identity = TaskIdentity::default();
        let hint = |body: Value| envelope_hint(&body, &identity, Some("17"), None);
        assert_eq!(
            hint(json!({"result": {"id": "17"}})),
            "; the body looks like an envelope: the task is under /result"
        );
        assert_eq!(hint(json!({"id": "17"})), "");
        assert_eq!(hint(json!({})), "");
    }
}
