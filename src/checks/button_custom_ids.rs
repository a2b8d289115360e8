//! Each button's `customId` must be unique within its task and look like a Midjourney
//! component id (`MJ::JOB::upsample::1::<hash>`). Clients send the `customId` back to
//! `/mj/submit/action` to press the button: a duplicate makes two buttons do the same thing,
//! and an id that is not Midjourney's cannot be pressed at all.
//!
//! The pattern is [`crate::contract::rules::CUSTOM_ID`]. Buttons that are not an array, buttons that are
//! not objects and ids that are not strings are the schema check's findings.

use std::collections::HashMap;

use serde_json::Value;

use super::task_view::TaskView;
use super::{excerpt, Finding};
use crate::contract::rules::{CUSTOM_ID, JOB_HASH};
use crate::http::exchange::Exchange;

pub(super) fn check(exchange: &Exchange) -> Vec<Finding> {
    let Some(task) = TaskView::of(exchange) else {
        return Vec::new();
    };
    let Some(Value::Array(buttons)) = task.raw("buttons") else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (index, button) in buttons.iter().enumerate() {
        let Some(Value::String(id)) = button.get("customId") else {
            continue;
        };
        let pointer = format!("/buttons/{index}/customId");
        if !CUSTOM_ID.matches(id) {
            findings.push(
                Finding::at(
                    pointer.clone(),
                    format!(
                        "customId `{}` is not a Midjourney component id ({})",
                        excerpt(id, 80),
                        CUSTOM_ID.describe()
                    ),
                )
                .rule("custom-id")
                .expected_actual(CUSTOM_ID.describe(), excerpt(id, 80)),
            );
        }
        if let Some(first) = first_seen.get(id.as_str()) {
            findings.push(
                Finding::at(
                    pointer,
                    format!(
                        "customId `{}` repeats button {first}'s; each button needs its own",
                        excerpt(id, 80)
                    ),
                )
                .rule("unique-custom-id"),
            );
        } else {
            first_seen.insert(id, index);
        }
    }
    findings.extend(one_job_hash(&task, buttons));
    findings
}

/// The buttons of one task act on that task's job: every job hash their `customId`s carry is
/// one, and the task's own (`properties.messageHash`) where it states one. A button carrying
/// another job's hash upscales or varies someone else's image.
fn one_job_hash(task: &TaskView, buttons: &[Value]) -> Vec<Finding> {
    let body = task.clone().into_value();
    let own = body
        .pointer(JOB_HASH.task_pointer)
        .and_then(Value::as_str)
        .filter(|hash| !hash.is_empty());
    let mut expected: Option<(String, String)> =
        own.map(|hash| (hash.to_owned(), format!("the task's own {}", JOB_HASH.task_pointer)));
    let mut findings = Vec::new();
    for (index, button) in buttons.iter().enumerate() {
        let Some(Value::String(id)) = button.get("customId") else {
            continue;
        };
        let Some(hash) = JOB_HASH.of(id, CUSTOM_ID.separator) else {
            continue;
        };
        match &expected {
            None => expected = Some((hash.to_owned(), format!("button {index}'s"))),
            Some((first, whose)) if first != hash => findings.push(
                Finding::at(
                    format!("/buttons/{index}/customId"),
                    format!(
                        "customId `{}` carries job hash `{hash}`, not `{first}` ({whose}); the buttons of one task act on its one job",
                        excerpt(id, 80)
                    ),
                )
                .rule("one-job-hash")
                .expected_actual(first.clone(), hash.to_owned()),
            ),
            Some(_) => {}
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    fn findings(body: &str) -> Vec<String> {
        check(&answer(200, Some("application/json"), body))
            .into_iter()
            .map(|finding| finding.to_string())
            .collect()
    }

    #[test]
    fn unique_midjourney_ids_pass() {
        let body = r#"{"buttons":[
            {"customId":"MJ::JOB::upsample::1::6dc7","label":"U1","type":2,"style":2,"emoji":""},
            {"customId":"MJ::JOB::reroll::0::6dc7::SOLO","label":"","type":"2","style":"2","emoji":"🔄"},
            {"customId":"MJ::Picreader::Retry"}]}"#;
        assert!(findings(body).is_empty(), "{:?}", findings(body));
        assert!(findings(r#"{"buttons":[]}"#).is_empty());
        assert!(findings(r#"{"status":"SUBMITTED"}"#).is_empty());
    }

    #[test]
    fn duplicates_and_foreign_ids_are_named_by_pointer() {
        let body = r#"{"buttons":[
            {"customId":"MJ::JOB::upsample::1::6dc7"},
            {"customId":"MJ::JOB::upsample::1::6dc7"},
            {"customId":"6dc7beb8-8310"}]}"#;
        assert_eq!(
            findings(body),
            [
                "/buttons/1/customId: customId `MJ::JOB::upsample::1::6dc7` repeats button 0's; each button needs its own",
                "/buttons/2/customId: customId `6dc7beb8-8310` is not a Midjourney component id (`MJ::<part>::...` with non-empty parts and no whitespace)",
            ]
        );
    }

    #[test]
    fn the_buttons_of_a_task_carry_its_one_job_hash() {
        let body = r#"{"properties":{"messageHash":"aaaaaaaa-1111"},"buttons":[
            {"customId":"MJ::JOB::upsample::1::aaaaaaaa-1111"},
            {"customId":"MJ::JOB::upsample::2::bbbbbbbb-2222"},
            {"customId":"MJ::Picreader::Retry"}]}"#;
        assert_eq!(
            findings(body),
            ["/buttons/1/customId: customId `MJ::JOB::upsample::2::bbbbbbbb-2222` carries job hash `bbbbbbbb-2222`, not `aaaaaaaa-1111` (the task's own /properties/messageHash); the buttons of one task act on its one job"]
        );
        let foreign_own = r#"{"properties":{"messageHash":"cccccccc"},"buttons":[
            {"customId":"MJ::JOB::upsample::1::aaaaaaaa"}]}"#;
        assert_eq!(findings(foreign_own).len(), 1);
        let no_own = r#"{"buttons":[
            {"customId":"MJ::JOB::upsample::1::aaaaaaaa"},
            {"customId":"MJ::JOB::reroll::0::aaaaaaaa::SOLO"},
            {"customId":"MJ::JOB::upsample::2::bbbbbbbb"}]}"#;
        assert!(findings(no_own)[0].contains("(button 0's)"), "{:?}", findings(no_own));
    }

    #[test]
    fn mistyped_buttons_are_left_to_the_schema() {
        for body in [
            r#"{"buttons":{"U1":{"customId":"x"}}}"#,
            r#"{"buttons":["x","x"]}"#,
            r#"{"buttons":[{"customId":1},{"customId":1},{"customId":null}]}"#,
            r#"{"buttons":[{"label":"U1"},{"label":"U2"}]}"#,
        ] {
            assert!(findings(body).is_empty(), "{body}");
        }
    }
}
