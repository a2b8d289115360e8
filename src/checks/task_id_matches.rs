//! The task a server returns must be the task that was asked for. A relay that mixes up
//! rows (a cache keyed wrongly, another user's task) answers with a well-formed body that
//! every schema accepts, and the client then shows someone else's image.
//!
//! The asked id is read back from the request actually sent, so the check judges what the
//! server received. An `id` of the wrong type is the schema check's finding; an absent or
//! unset (`""`, `null`) `id` passes, since the doc marks it optional.

use super::task_view::{Slot, TaskView};
use super::{excerpt, Finding};
use crate::exchange::Exchange;
use crate::spec::FetchOperation;

pub(super) fn check(operation: &FetchOperation, exchange: &Exchange) -> Vec<Finding> {
    let Some(task) = TaskView::of(exchange) else {
        return Vec::new();
    };
    let Some(asked) = asked_id(operation, &exchange.request.raw_path) else {
        return Vec::new();
    };
    match task.string("id") {
        Slot::Set(returned) if returned == asked => Vec::new(),
        Slot::Set(returned) => vec![Finding::at(
            "/id",
            format!(
                "the server returned task `{}` for a request for task `{}`",
                excerpt(returned, 80),
                excerpt(&asked, 80)
            ),
        )
        .rule("id")
        .expected_actual(excerpt(&asked, 80), excerpt(returned, 80))],
        Slot::Missing | Slot::Unset | Slot::Mistyped => Vec::new(),
    }
}

/// The id in a request path built from the operation's template: the percent-decoded segment
/// where the template has its parameter. The base URL may add a path prefix, so the template's
/// literal parts are matched from the end.
pub(super) fn asked_id(operation: &FetchOperation, raw_path: &str) -> Option<String> {
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
    use crate::exchange::fixtures::answer;
    use crate::spec::Contract;

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
    fn absent_or_mistyped_ids_and_non_tasks_are_left_to_other_checks() {
        assert!(findings("/mj/task/17/fetch", r#"{"status":"SUCCESS"}"#).is_empty());
        assert!(findings("/mj/task/17/fetch", r#"{"id":17}"#).is_empty());
        assert!(findings("/mj/task/17/fetch", r#"{"id":null}"#).is_empty());
        assert!(findings("/mj/task/17/fetch", r#"{"id":""}"#).is_empty());
        assert!(findings("/mj/task/17/fetch", "null").is_empty());
        let mut not_found = answer(404, Some("application/json"), r#"{"id":"18"}"#);
        not_found.request.raw_path = "/mj/task/17/fetch".into();
        assert!(check(&Contract::embedded().fetch, &not_found).is_empty());
    }
}
