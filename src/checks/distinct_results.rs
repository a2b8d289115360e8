//! `distinct_results`: two different tasks do not share one result.
//!
//! A client shows a task's `imageUrl` and sends its buttons' `customId`s back to upscale or
//! vary it. Two different ids answered with the same `imageUrl`, or with buttons carrying the
//! same job hash, mean the client shows, upscales or varies someone else's image: a relay that
//! mixes up rows, a cache keyed on the wrong thing. Each answer is read alone by every other
//! check, so this is a judgement across the answers of one run: the trial of each task
//! compares its answer with every other task's answer the run got, records which
//! ([`crate::run::outcome::Failure::compared`]), and names both cases in each finding.
//!
//! The two tasks must be different tasks: answers whose bodies carry the same `id` are left
//! to `task_id_matches`. Unset values (`""`, `null`) and placeholders that are no URL are not
//! results.

use serde_json::Value;

use super::task_view::{Slot, TaskView};
use super::{excerpt, Finding};
use crate::contract::rules::{is_fetchable_url, CUSTOM_ID, JOB_HASH};
use crate::http::exchange::Exchange;

/// `own` is this trial's case and answer; `others` every other task's.
pub fn check(own: (&str, &Exchange), others: &[(&str, &Exchange)]) -> Vec<Finding> {
    let (own_case, own_exchange) = own;
    let Some(task) = TaskView::of(own_exchange) else {
        return Vec::new();
    };
    let own_id = task.string("id").set().map(str::to_owned);
    // A placeholder (`pending`) is no result: `status_consistency` reports it.
    let own_image = task
        .string("imageUrl")
        .set()
        .filter(|url| is_fetchable_url(url))
        .map(str::to_owned);
    let own_hashes = job_hashes(&task);
    let mut findings = Vec::new();
    for (other_case, other_exchange) in others {
        let Some(other) = TaskView::of(other_exchange) else {
            continue;
        };
        let other_id = other.string("id").set();
        if other_id.is_some() && other_id == own_id.as_deref() {
            continue;
        }
        let compared = format!("compared the answers to `{own_case}` and `{other_case}`");
        if let (Some(image), Slot::Set(other_image)) = (&own_image, other.string("imageUrl")) {
            if image == other_image {
                findings.push(
                    Finding::at(
                        "/imageUrl",
                        format!(
                            "imageUrl `{}` is also the imageUrl of `{other_case}`, a different task: a client shows someone else's image ({compared})",
                            excerpt(image, 100)
                        ),
                    )
                    .rule("shared-image-url"),
                );
            }
        }
        let other_hashes = job_hashes(&other);
        if let Some((index, hash)) = own_hashes
            .iter()
            .find(|(_, hash)| other_hashes.iter().any(|(_, theirs)| theirs == hash))
        {
            findings.push(
                Finding::at(
                    format!("/buttons/{index}/customId"),
                    format!(
                        "job hash `{hash}` is also carried by the buttons of `{other_case}`, a different task: pressing them acts on someone else's job ({compared})"
                    ),
                )
                .rule("shared-job-hash"),
            );
        }
    }
    findings
}

/// The job hash of each button that carries one, with the button's index.
fn job_hashes(task: &TaskView) -> Vec<(usize, String)> {
    let Some(Value::Array(buttons)) = task.raw("buttons") else {
        return Vec::new();
    };
    buttons
        .iter()
        .enumerate()
        .filter_map(|(index, button)| {
            let id = button.get("customId")?.as_str()?;
            Some((index, JOB_HASH.of(id, CUSTOM_ID.separator)?.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    fn task(id: &str, image: &str, hash: &str) -> Exchange {
        answer(
            200,
            Some("application/json"),
            &format!(
                r#"{{"id":"{id}","status":"SUCCESS","imageUrl":"{image}","buttons":[{{"customId":"MJ::JOB::upsample::1::{hash}"}}]}}"#
            ),
        )
    }

    #[test]
    fn distinct_tasks_with_distinct_results_pass() {
        let a = task("1", "https://x/a.png", "aaaaaaaa");
        let b = task("2", "https://x/b.png", "bbbbbbbb");
        assert!(check(("task_1", &a), &[("task_2", &b)]).is_empty());
        // The same task under two cases is task_id_matches' business.
        let same = task("1", "https://x/a.png", "aaaaaaaa");
        assert!(check(("task_1", &a), &[("task_1b", &same)]).is_empty());
        // Unset images are no result.
        let unset = task("3", "", "cccccccc");
        let unset_too = task("4", "", "dddddddd");
        assert!(check(("task_3", &unset), &[("task_4", &unset_too)]).is_empty());
    }

    #[test]
    fn a_shared_image_or_job_hash_fails_naming_both_answers() {
        let a = task("1", "https://x/a.png", "aaaaaaaa");
        let b = task("2", "https://x/a.png", "aaaaaaaa");
        let findings: Vec<String> = check(("task_1", &a), &[("task_2", &b)])
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            findings,
            [
                "/imageUrl: imageUrl `https://x/a.png` is also the imageUrl of `task_2`, a different task: a client shows someone else's image (compared the answers to `task_1` and `task_2`)",
                "/buttons/0/customId: job hash `aaaaaaaa` is also carried by the buttons of `task_2`, a different task: pressing them acts on someone else's job (compared the answers to `task_1` and `task_2`)",
            ]
        );
    }
}
