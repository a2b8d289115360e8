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
use crate::contract::rules::CUSTOM_ID;
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
