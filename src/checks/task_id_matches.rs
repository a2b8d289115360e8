//! The task a server returns must be the task that was asked for. A relay that mixes up
//! rows (a cache keyed wrongly, another user's task) answers with a well-formed body that
//! every schema accepts, and the client then shows someone else's image. A body without the id
//! (`{}`, or a relay's envelope `{"code":1,"result":{…task…}}`) is no better: the client has
//! nothing it can use.
//!
//! The asked id is read back from the request actually sent, so the check judges what the
//! server received. Which field carries the id is the spec's [`TaskIdentity`] (the harness
//! decision, `id` unless the spec says otherwise); an absent, empty or `null` id is a
//! mismatch. An id of another type (a number) is the schema check's finding, and is compared
//! by its digits, so a numeric id is not reported twice.
//!
//! [`TaskIdentity`]: crate::contract::spec::TaskIdentity

use serde_json::Value;

use super::task_identity::{documented_statuses, envelope_hint, is_the_id};
use super::task_view::TaskView;
use super::{excerpt, Finding};
use crate::contract::spec::FetchOperation;
use crate::http::exchange::Exchange;

pub(super) fn check(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
    let Some(task) = TaskView::of(exchange) else {
        return Vec::new();
    };
    let Some(asked) = asked_id(operation, &exchange.request.raw_path) else {
        return Vec::new();
    };
    judge(operation, exchange.status, &asked, task)
        .into_iter()
        .collect()
}

/// Whether `task`, answered with `status` to a request for `asked`, is that task: the finding
/// if not. Shared with the lifecycle watch, whose every poll must be the watched task.
pub(crate) fn judge(
    operation: &FetchOperation,
    status: u16,
    asked: &str,
    task: TaskView,
) -> Option<Finding> {
    let field = operation.task_identity.id_field.as_deref()?;
    let shown_asked = excerpt(asked, 80);
    let pointer = format!("/{}", field.replace('~', "~0").replace('/', "~1"));
    let finding = |message: String, actual: String| {
        Finding::at(pointer.clone(), message)
            .rule("id")
            .expected_actual(shown_asked.clone(), actual)
    };
    match task.raw(field) {
        Some(value) if is_the_id(value, asked) => None,
        Some(Value::String(returned)) if !returned.is_empty() => Some(finding(
            format!(
                "the server returned task `{}` for a request for task `{shown_asked}`",
                excerpt(returned, 80)
            ),
            excerpt(returned, 80),
        )),
        Some(Value::Number(number)) => Some(finding(
            format!("the server returned task `{number}` for a request for task `{shown_asked}`"),
            number.to_string(),
        )),
        Some(Value::Bool(_) | Value::Array(_) | Value::Object(_)) => None,
        Some(empty) => Some(finding(
            format!(
                "the body's `{field}` is {empty}, not the id asked for (`{shown_asked}`): a known task's id is never empty"
            ),
            empty.to_string(),
        )),
        None => {
            let statuses = documented_statuses(operation, status);
            let what = if task.is_empty() {
                format!("the body is an empty object, with no `{field}`")
            } else {
                format!("the body has no `{field}`")
            };
            let hint = envelope_hint(
                &task.into_value(),
                &operation.task_identity,
                Some(asked),
                statuses.as_deref(),
            );
            Some(finding(
                format!("{what}; expected the task asked for (`{shown_asked}`){hint}"),
                "absent".to_owned(),
            ))
        }
    }
}

/// The id in a request path built from the operation's template: the percent-decoded segment
/// where the template has its parameter. The base URL may add a path prefix, so the template's
/// literal parts are matched from the end.
pub(crate) fn asked_id(operation: &FetchOperation, raw_path: &str) -> Option<String> {
    let placeholder = format!("{{{}}}", operation.id_param);
    let (before, after) = operation.path_template.split_once(&placeholder)?;
    let path = raw_path.split('?').next().unwrap_or_default();
    let head = path.strip_suffix(after)?;
    let start = head.rfind(before)? + before.len();
    let segment = &head[start..];
    if segment.contains('/') {
        return None;
    }
    percent_decode(segment)
}

/// Decodes `%XX` escapes; `None` if an escape is malformed or the bytes are not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = segment.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use crate::http::exchange::fixtures::answer;

    fn findings(path: &str, body: &str) -> Vec<Finding> {
        let mut exchange = answer(200, Some("application/json"), body);
        exchange.request.raw_path = path.to_owned();
        check(&Contract::embedded().fetch, &exchange)
    }

    #[test]
    fn the_asked_id_is_read_back_from_the_path() {
        let fetch = Contract::embedded().fetch;
        let id = |path| asked_id(&fetch, path);
        assert_eq!(id("/mj/task/1747/fetch").as_deref(), Some("1747"));
        assert_eq!(id("/api/v1/mj/task/a%2Fb/fetch").as_deref(), Some("a/b"));
        assert_eq!(
            id("/mj/task/%F0%9F%A6%8A/fetch").as_deref(),
            Some("\u{1f98a}")
        );
        assert_eq!(id("/mj/task/x/fetch?debug=1").as_deref(), Some("x"));
        assert_eq!(id("/mj/task/%FF/fetch"), None);
        assert_eq!(id("/mj/task/%4/fetch"), None);
        assert_eq!(id("/elsewhere"), None);
    }

    #[test]
    fn the_same_id_passes_and_another_fails() {
        assert!(findings("/mj/task/17/fetch", r#"{"id":"17"}"#).is_empty());
        let wrong = findings("/mj/task/17/fetch", r#"{"id":"18"}"#);
        assert_eq!(wrong.len(), 1);
        assert_eq!(wrong[0].pointer.as_deref(), Some("/id"));
        assert!(wrong[0]
            .message
            .contains("`18` for a request for task `17`"));
    }

    #[test]
    fn an_absent_or_empty_id_is_a_mismatch() {
        let empty = findings("/mj/task/17/fetch", "{}");
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].rule.as_deref(), Some("id"));
        assert!(
            empty[0]
                .message
                .contains("the body is an empty object, with no `id`"),
            "{}",
            empty[0]
        );
        let envelope = findings(
            "/mj/task/17/fetch",
            r#"{"code":1,"description":"success","result":{"id":"17","status":"SUCCESS"}}"#,
        );
        assert_eq!(envelope.len(), 1);
        assert_eq!(
            envelope[0].message,
            "the body has no `id`; expected the task asked for (`17`); the body looks like an envelope: the task is under /result"
        );
        for body in [r#"{"id":""}"#, r#"{"id":null,"status":"SUCCESS"}"#] {
            let blank = findings("/mj/task/17/fetch", body);
            assert_eq!(blank.len(), 1, "{body}");
            assert!(
                blank[0]
                    .message
                    .contains("a known task's id is never empty"),
                "{}",
                blank[0]
            );
        }
        let no_id = findings("/mj/task/17/fetch", r#"{"status":"SUCCESS"}"#);
        assert_eq!(
            no_id[0].message,
            "the body has no `id`; expected the task asked for (`17`)"
        );
    }

    #[test]
    fn mistyped_ids_and_non_tasks_are_left_to_other_checks() {
        assert!(findings("/mj/task/17/fetch", r#"{"id":17}"#).is_empty());
        assert!(findings("/mj/task/17/fetch", r#"{"id":true}"#).is_empty());
        assert_eq!(findings("/mj/task/17/fetch", r#"{"id":18}"#).len(), 1);
        assert!(findings("/mj/task/17/fetch", "null").is_empty());
        let mut not_found = answer(404, Some("application/json"), r#"{"id":"18"}"#);
        not_found.request.raw_path = "/mj/task/17/fetch".into();
        assert!(check(&Contract::embedded().fetch, &not_found).is_empty());
    }

    #[test]
    fn a_spec_may_name_another_id_field_or_none() {
        let mut fetch = Contract::embedded().fetch;
        let mut exchange = answer(200, Some("application/json"), r#"{"taskId":"17"}"#);
        exchange.request.raw_path = "/mj/task/17/fetch".into();
        assert_eq!(check(&fetch, &exchange).len(), 1);
        fetch.task_identity.id_field = Some("taskId".into());
        assert!(check(&fetch, &exchange).is_empty());
        fetch.task_identity.id_field = None;
        exchange.body = b"{}".to_vec();
        assert!(check(&fetch, &exchange).is_empty());
    }
}
