//! The tasks the reference provider is seeded with.
//!
//! They cover every documented `status` and `action`, and look like what real proxies return
//! (see `docs/providers.md`): 16-digit numeric ids, epoch-millisecond times shortly
//! before "now", Discord CDN image URLs, Discord-style buttons. Where real servers and the doc
//! disagree, the doc wins: button `type` and `style` are strings, and an unset field is left
//! out rather than sent as `null`, `0` or `""`.

use serde_json::{json, Map, Value};

/// Milliseconds in a second, for readable offsets.
const SECOND: i64 = 1_000;

/// The Discord channel the images are "posted" in; part of every image URL.
pub(super) const CHANNEL: &str = "1109478473582641232";

/// The seeded task bodies, ids included, with times relative to `now_ms` (epoch milliseconds).
///
/// Ids and everything but the times are fixed, so runs and snapshots compare. Within a task,
/// `submitTime <= startTime <= finishTime <= now_ms` (saturating at the ends of `i64`).
pub fn seeded_tasks(now_ms: i64) -> Vec<Value> {
    let ago = |seconds| seconds_before(now_ms, seconds);
    let fox = "a red fox curled up in fresh snow, soft watercolor, muted palette --ar 3:2 --v 6.1";
    let fox_hash = "0d1f6a4e-8c2b-4d5e-9a1f-3b7c2e6d8f10";
    let fox_id = "1747132783114582";
    let mut tasks = vec![
        blend_success(now_ms),
        describe_success(now_ms),
        task(&[
            ("id", json!(fox_id)),
            ("action", json!("IMAGINE")),
            ("status", json!("SUCCESS")),
            ("progress", json!("100%")),
            ("prompt", json!(fox)),
            ("promptEn", json!(fox)),
            ("description", json!(format!("/imagine {fox}"))),
            ("state", json!("order-20250513-0042")),
            ("submitTime", json!(ago(540))),
            ("startTime", json!(ago(537))),
            ("finishTime", json!(ago(489))),
            (
                "imageUrl",
                json!(image_url("a_red_fox_curled_up_in_fresh_snow", fox_hash)),
            ),
            (
                "properties",
                properties(fox, "1371912356250157107", fox_hash, fox_id),
            ),
            // The fox was upscaled (U2) and varied (V3): Discord marks used buttons blue.
            ("buttons", json!(grid_buttons(fox_hash, Some(2), Some(3)))),
        ]),
    ];
    tasks.extend(children_of_the_fox(now_ms, fox, fox_id));
    tasks.extend(unfinished_imagines(now_ms));
    tasks
}

/// The UPSCALE, VARIATION and REROLL tasks run on the finished fox imagine.
fn children_of_the_fox(now_ms: i64, fox: &str, fox_id: &str) -> [Value; 3] {
    let ago = |seconds| seconds_before(now_ms, seconds);
    let upscale_id = "1747132873290416";
    let upscale_hash = "5b8e2c91-7f3d-4a6b-8e1c-9d2f4a7b3c65";
    let variation_id = "1747132903845061";
    let variation_hash = "c47a9e13-2b6f-4d8a-b5e0-71f3d9c2a846";
    let reroll_id = "1747133233478205";
    [
        task(&[
            ("id", json!(upscale_id)),
            ("action", json!("UPSCALE")),
            ("status", json!("SUCCESS")),
            ("progress", json!("100%")),
            ("prompt", json!(fox)),
            ("promptEn", json!(fox)),
            ("description", json!(format!("/up {fox_id} U2"))),
            ("submitTime", json!(ago(450))),
            ("startTime", json!(ago(449))),
            ("finishTime", json!(ago(443))),
            (
                "imageUrl",
                json!(image_url("a_red_fox_curled_up_in_fresh_snow", upscale_hash)),
            ),
            (
                "properties",
                properties(fox, "1371912899104374834", upscale_hash, upscale_id),
            ),
            ("buttons", json!(upscale_buttons(upscale_hash))),
        ]),
        task(&[
            ("id", json!(variation_id)),
            ("action", json!("VARIATION")),
            ("status", json!("SUCCESS")),
            ("progress", json!("100%")),
            ("prompt", json!(fox)),
            ("promptEn", json!(fox)),
            ("description", json!(format!("/up {fox_id} V3"))),
            ("submitTime", json!(ago(420))),
            ("startTime", json!(ago(418))),
            ("finishTime", json!(ago(371))),
            (
                "imageUrl",
                json!(image_url(
                    "a_red_fox_curled_up_in_fresh_snow",
                    variation_hash
                )),
            ),
            (
                "properties",
                properties(fox, "1371913125782892604", variation_hash, variation_id),
            ),
            ("buttons", json!(grid_buttons(variation_hash, None, None))),
        ]),
        task(&[
            ("id", json!(reroll_id)),
            ("action", json!("REROLL")),
            ("status", json!("IN_PROGRESS")),
            ("progress", json!("31%")),
            ("prompt", json!(fox)),
            ("promptEn", json!(fox)),
            ("description", json!(format!("/up {fox_id} R"))),
            ("submitTime", json!(ago(90))),
            ("startTime", json!(ago(84))),
            (
                "properties",
                json!({ "finalPrompt": fox, "nonce": reroll_id, "discordInstanceId": CHANNEL }),
            ),
        ]),
    ]
}

/// Imagines that have not finished well: running, failed, queued and not yet started.
fn unfinished_imagines(now_ms: i64) -> [Value; 4] {
    let ago = |seconds| seconds_before(now_ms, seconds);
    let lighthouse =
        "an isometric tiny island with a lighthouse, night, glowing windows --ar 1:1 --v 6.1";
    let running_id = "1747133263912377";
    let running_hash = "e2a5c8f1-3d7b-4c9e-a6f2-8b1d4e7c0a93";
    let banned = "a gory battlefield covered in blood --v 6.1";
    let failed_id = "1747133023561928";
    let shiba = "一只在雨中撑伞的柴犬, 赛博朋克风格 --ar 16:9";
    let shiba_en = "a shiba inu holding an umbrella in the rain, cyberpunk style --ar 16:9";
    let submitted_id = "1747133288604719";
    let not_started_id = "1747133303155842";
    let koi = "koi fish swimming through clouds, ukiyo-e woodblock print --niji 6";
    [
        task(&[
            ("id", json!(running_id)),
            ("action", json!("IMAGINE")),
            ("status", json!("IN_PROGRESS")),
            ("progress", json!("45%")),
            ("prompt", json!(lighthouse)),
            ("promptEn", json!(lighthouse)),
            ("description", json!(format!("/imagine {lighthouse}"))),
            ("submitTime", json!(ago(60))),
            ("startTime", json!(ago(52))),
            // While a job runs, Discord shows a low-resolution preview of the grid.
            ("imageUrl", json!(image_url("an_isometric_tiny_island_with_a_lighthouse", running_hash))),
            ("properties", properties(lighthouse, "1371914702196457513", running_hash, running_id)),
        ]),
        task(&[
            ("id", json!(failed_id)),
            ("action", json!("IMAGINE")),
            ("status", json!("FAILURE")),
            ("prompt", json!(banned)),
            ("promptEn", json!(banned)),
            ("description", json!(format!("/imagine {banned}"))),
            (
                "failReason",
                json!("[Banned prompt] Sorry! Our AI moderator thinks this prompt is probably against our community standards."),
            ),
            ("submitTime", json!(ago(300))),
            ("startTime", json!(ago(298))),
            ("finishTime", json!(ago(295))),
            (
                "properties",
                json!({ "finalPrompt": banned, "nonce": failed_id, "discordInstanceId": CHANNEL }),
            ),
        ]),
        task(&[
            ("id", json!(submitted_id)),
            ("action", json!("IMAGINE")),
            ("status", json!("SUBMITTED")),
            ("progress", json!("0%")),
            ("prompt", json!(shiba)),
            ("promptEn", json!(shiba_en)),
            ("description", json!(format!("/imagine {shiba}"))),
            ("submitTime", json!(ago(35))),
            (
                "properties",
                json!({ "finalPrompt": shiba_en, "nonce": submitted_id, "discordInstanceId": CHANNEL }),
            ),
        ]),
        task(&[
            ("id", json!(not_started_id)),
            ("action", json!("IMAGINE")),
            ("status", json!("NOT_START")),
            ("progress", json!("0%")),
            ("prompt", json!(koi)),
            ("promptEn", json!(koi)),
            ("description", json!(format!("/imagine {koi}"))),
            ("submitTime", json!(ago(20))),
            ("properties", json!({ "nonce": not_started_id })),
        ]),
    ]
}

/// A finished `/blend` of two uploaded images. Blends have no prompt of their own; the final
/// prompt is the two image links Midjourney shortened.
fn blend_success(now_ms: i64) -> Value {
    let ago = |seconds| seconds_before(now_ms, seconds);
    let id = "1747132423020537";
    let hash = "9a3c7e52-1f4b-4e8d-b2a6-5c0d8f1e7b34";
    let final_prompt =
        "<https://s.mj.run/a1B2c3D4e5F> <https://s.mj.run/G6h7I8j9K0l> --ar 1:1 --v 6.1";
    task(&[
        ("id", json!(id)),
        ("action", json!("BLEND")),
        ("status", json!("SUCCESS")),
        ("progress", json!("100%")),
        ("description", json!(format!("/blend {id} 2"))),
        ("submitTime", json!(ago(900))),
        ("startTime", json!(ago(897))),
        ("finishTime", json!(ago(855))),
        ("imageUrl", json!(image_url("blend", hash))),
        (
            "properties",
            properties(final_prompt, "1371910803524153384", hash, id),
        ),
        ("buttons", json!(grid_buttons(hash, None, None))),
    ])
}

/// A finished `/describe`: the prompt is Midjourney's four suggested prompts for the image,
/// and the buttons imagine one of them or describe again.
fn describe_success(now_ms: i64) -> Value {
    let ago = |seconds| seconds_before(now_ms, seconds);
    let id = "1747132603377140";
    let suggestions = "1️⃣ a lighthouse on a rocky cliff at dusk, crashing waves, dramatic sky, in the style of romantic seascapes --ar 4:3\n\n\
        2️⃣ a white lighthouse above a stormy sea, golden hour light, oil painting, muted blues and ambers --ar 4:3\n\n\
        3️⃣ coastal cliff with a lighthouse beam cutting through sea spray, cinematic, moody atmosphere --ar 4:3\n\n\
        4️⃣ a solitary lighthouse at sunset, rough surf, impressionist brushwork, maritime landscape --ar 4:3";
    let mut buttons: Vec<Value> = (1..=4)
        .map(|n| {
            let emoji = ["1️⃣", "2️⃣", "3️⃣", "4️⃣"][n - 1];
            button(format!("MJ::Job::PicReader::{n}"), "", "2", emoji)
        })
        .collect();
    buttons.push(button("MJ::Picreader::Retry".to_owned(), "", "2", "🔄"));
    task(&[
        ("id", json!(id)),
        ("action", json!("DESCRIBE")),
        ("status", json!("SUCCESS")),
        ("progress", json!("100%")),
        ("prompt", json!(suggestions)),
        ("promptEn", json!(suggestions)),
        ("description", json!(format!("/describe {id}.png"))),
        ("submitTime", json!(ago(720))),
        ("startTime", json!(ago(718))),
        ("finishTime", json!(ago(711))),
        (
            "imageUrl",
            json!(format!("https://cdn.discordapp.com/ephemeral-attachments/{CHANNEL}/1371911559082303539/{id}.png")),
        ),
        (
            "properties",
            json!({ "finalPrompt": suggestions, "messageId": "1371911559082303539", "nonce": id, "discordInstanceId": CHANNEL }),
        ),
        ("buttons", Value::Array(buttons)),
    ])
}

/// The time `seconds` before `now_ms`, saturating so that any clock, even `i64::MIN`, keeps
/// the seeded times ordered instead of overflowing.
fn seconds_before(now_ms: i64, seconds: i64) -> i64 {
    now_ms.saturating_sub(seconds.saturating_mul(SECOND))
}

/// A task body from its fields, in the order given (the doc's order where it matters to a
/// reader). Taking pairs rather than `json!` keeps every field explicitly chosen, so an unset
/// field is simply not listed.
fn task(fields: &[(&str, Value)]) -> Value {
    let map: Map<String, Value> = fields
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect();
    Value::Object(map)
}

/// The `properties` real proxies attach to a task that reached Discord.
fn properties(final_prompt: &str, message_id: &str, message_hash: &str, nonce: &str) -> Value {
    json!({
        "finalPrompt": final_prompt,
        "messageId": message_id,
        "messageHash": message_hash,
        "nonce": nonce,
        "flags": 0,
        "discordInstanceId": CHANNEL,
    })
}

/// A Discord CDN URL for an image named the way Midjourney names its files.
pub(super) fn image_url(slug: &str, message_hash: &str) -> String {
    format!("https://cdn.discordapp.com/attachments/{CHANNEL}/1371912356250157107/mjconform_{slug}_{message_hash}.png")
}

/// One button. `type` 2 is Discord's "button" component; `style` 1 is primary (blue, a used
/// button), 2 secondary (grey). The doc declares both as strings, so they are sent as strings.
fn button(custom_id: String, label: &str, style: &str, emoji: &str) -> Value {
    json!({
        "customId": custom_id,
        "label": label,
        "type": "2",
        "style": style,
        "emoji": emoji,
    })
}

/// The buttons under a four-image grid: U1-U4, reroll, V1-V4. `used_upscale` and
/// `used_variation` are the buttons already clicked, which Discord shows as primary.
pub(super) fn grid_buttons(
    hash: &str,
    used_upscale: Option<u8>,
    used_variation: Option<u8>,
) -> Vec<Value> {
    let style = |used: Option<u8>, n: u8| if used == Some(n) { "1" } else { "2" };
    let upscales = (1..=4).map(|n| {
        let id = format!("MJ::JOB::upsample::{n}::{hash}");
        button(id, &format!("U{n}"), style(used_upscale, n), "")
    });
    let reroll = button(format!("MJ::JOB::reroll::0::{hash}::SOLO"), "", "2", "🔄");
    let variations = (1..=4).map(|n| {
        let id = format!("MJ::JOB::variation::{n}::{hash}");
        button(id, &format!("V{n}"), style(used_variation, n), "")
    });
    upscales
        .chain(std::iter::once(reroll))
        .chain(variations)
        .collect()
}

/// The buttons under an upscaled (v6) image: upscale again, vary, zoom out, pan, bookmark.
fn upscale_buttons(hash: &str) -> Vec<Value> {
    let solo = |job: &str| format!("MJ::JOB::{job}::1::{hash}::SOLO");
    vec![
        button(solo("upsample_v6_2x_subtle"), "Upscale (Subtle)", "2", ""),
        button(
            solo("upsample_v6_2x_creative"),
            "Upscale (Creative)",
            "2",
            "",
        ),
        button(solo("low_variation"), "Vary (Subtle)", "2", "🪄"),
        button(solo("high_variation"), "Vary (Strong)", "2", "🪄"),
        button(
            format!("MJ::Inpaint::1::{hash}::SOLO"),
            "Vary (Region)",
            "2",
            "🖌️",
        ),
        button(
            format!("MJ::Outpaint::50::1::{hash}::SOLO"),
            "Zoom Out 2x",
            "2",
            "🔍",
        ),
        button(
            format!("MJ::Outpaint::75::1::{hash}::SOLO"),
            "Zoom Out 1.5x",
            "2",
            "🔍",
        ),
        button(format!("MJ::CustomZoom::{hash}"), "Custom Zoom", "2", "🔍"),
        button(solo("pan_left"), "", "2", "⬅️"),
        button(solo("pan_right"), "", "2", "➡️"),
        button(solo("pan_up"), "", "2", "⬆️"),
        button(solo("pan_down"), "", "2", "⬇️"),
        button(format!("MJ::BOOKMARK::{hash}"), "", "2", "❤️"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const NOW_MS: i64 = 1_747_133_323_000;

    fn tasks() -> Vec<Value> {
        seeded_tasks(NOW_MS)
    }

    fn field<'a>(task: &'a Value, name: &str) -> Option<&'a str> {
        task.get(name).and_then(Value::as_str)
    }

    fn time(task: &Value, name: &str) -> Option<i64> {
        task.get(name)
            .map(|value| value.as_i64().expect("an integer time"))
    }

    fn find<'a>(tasks: &'a [Value], action: &str, status: &str) -> &'a Value {
        tasks
            .iter()
            .find(|task| {
                field(task, "action") == Some(action) && field(task, "status") == Some(status)
            })
            .unwrap_or_else(|| panic!("no {action} {status} task"))
    }

    #[test]
    fn every_status_and_every_action_is_seeded() {
        let tasks = tasks();
        let statuses: BTreeSet<_> = tasks.iter().filter_map(|t| field(t, "status")).collect();
        let actions: BTreeSet<_> = tasks.iter().filter_map(|t| field(t, "action")).collect();
        let all_statuses = [
            "FAILURE",
            "IN_PROGRESS",
            "NOT_START",
            "SUBMITTED",
            "SUCCESS",
        ];
        let all_actions = [
            "BLEND",
            "DESCRIBE",
            "IMAGINE",
            "REROLL",
            "UPSCALE",
            "VARIATION",
        ];
        assert_eq!(statuses, all_statuses.into_iter().collect());
        assert_eq!(actions, all_actions.into_iter().collect());
    }

    #[test]
    fn ids_are_unique_sixteen_digit_numbers_fixed_across_clocks() {
        let ids: Vec<_> = tasks()
            .iter()
            .map(|t| field(t, "id").expect("an id").to_owned())
            .collect();
        for id in &ids {
            assert!(
                id.len() == 16 && id.bytes().all(|b| b.is_ascii_digit()),
                "{id}"
            );
        }
        assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len());
        let other_clock: Vec<_> = seeded_tasks(0).iter().map(|t| t["id"].clone()).collect();
        assert_eq!(ids, other_clock);
    }

    #[test]
    fn times_are_ordered_and_in_the_past() {
        for now_ms in [NOW_MS, 0, i64::MIN, i64::MAX] {
            for task in seeded_tasks(now_ms) {
                let submit = time(&task, "submitTime").expect("every task was submitted");
                let start = time(&task, "startTime");
                let finish = time(&task, "finishTime");
                assert!(submit <= now_ms, "{task}");
                if let Some(start) = start {
                    assert!(submit <= start && start <= now_ms, "{task}");
                }
                if let Some(finish) = finish {
                    let start = start.expect("a finished task started");
                    assert!(start <= finish && finish <= now_ms, "{task}");
                }
            }
        }
        let tasks = tasks();
        let oldest = tasks
            .iter()
            .filter_map(|t| time(t, "submitTime"))
            .min()
            .unwrap_or(NOW_MS);
        assert!(NOW_MS - oldest <= 3_600_000, "seeded tasks are recent");
    }

    #[test]
    fn no_field_anywhere_is_null() {
        fn assert_no_null(value: &Value, path: &str) {
            match value {
                Value::Null => panic!("null at {path}"),
                Value::Array(items) => {
                    for (index, item) in items.iter().enumerate() {
                        assert_no_null(item, &format!("{path}[{index}]"));
                    }
                }
                Value::Object(fields) => {
                    for (name, item) in fields {
                        assert_no_null(item, &format!("{path}.{name}"));
                    }
                }
                _ => {}
            }
        }
        for task in tasks() {
            assert_no_null(&task, &task["id"].to_string());
        }
    }

    #[test]
    fn every_button_has_the_five_string_fields() {
        let mut seen = 0;
        for task in tasks() {
            let Some(buttons) = task.get("buttons") else {
                continue;
            };
            for button in buttons.as_array().expect("buttons is an array") {
                let fields = button.as_object().expect("a button is an object");
                for name in ["customId", "label", "type", "style", "emoji"] {
                    assert!(
                        fields.get(name).is_some_and(Value::is_string),
                        "{name} in {button}"
                    );
                }
                assert!(["1", "2"].contains(&field(button, "style").unwrap_or_default()));
                seen += 1;
            }
        }
        assert!(seen > 20, "{seen}");
    }

    #[test]
    fn finished_and_running_tasks_carry_what_their_status_implies() {
        for task in tasks() {
            let status = field(&task, "status").expect("a status");
            assert_eq!(
                task.get("properties").map(Value::is_object),
                Some(true),
                "{task}"
            );
            match status {
                "SUCCESS" => {
                    assert_eq!(field(&task, "progress"), Some("100%"));
                    assert!(field(&task, "imageUrl").is_some() && task.get("finishTime").is_some());
                    assert!(task.get("failReason").is_none());
                }
                "FAILURE" => {
                    assert!(
                        field(&task, "failReason").is_some() && task.get("finishTime").is_some()
                    );
                }
                "IN_PROGRESS" => {
                    assert!(task.get("startTime").is_some() && task.get("finishTime").is_none());
                }
                "NOT_START" | "SUBMITTED" => {
                    assert!(task.get("startTime").is_none() && task.get("finishTime").is_none());
                    assert!(task.get("buttons").is_none() && task.get("imageUrl").is_none());
                }
                other => panic!("undocumented status {other}"),
            }
        }
    }

    #[test]
    fn the_finished_imagine_has_the_midjourney_grid() {
        let tasks = tasks();
        let imagine = find(&tasks, "IMAGINE", "SUCCESS");
        let buttons = imagine["buttons"].as_array().expect("buttons");
        let labels: Vec<_> = buttons
            .iter()
            .map(|b| field(b, "label").unwrap_or_default())
            .collect();
        assert_eq!(labels, ["U1", "U2", "U3", "U4", "", "V1", "V2", "V3", "V4"]);
        let hash = imagine["properties"]["messageHash"]
            .as_str()
            .expect("a message hash");
        assert_eq!(
            buttons[0]["customId"],
            format!("MJ::JOB::upsample::1::{hash}")
        );
        assert_eq!(
            buttons[4]["customId"],
            format!("MJ::JOB::reroll::0::{hash}::SOLO")
        );
        assert_eq!(buttons[4]["emoji"], "🔄");
        assert_eq!(
            buttons[8]["customId"],
            format!("MJ::JOB::variation::4::{hash}")
        );
        assert!(field(imagine, "description").is_some_and(|d| d.starts_with("/imagine ")));
        assert_eq!(find(&tasks, "IMAGINE", "IN_PROGRESS")["progress"], "45%");
        assert_eq!(
            find(&tasks, "REROLL", "IN_PROGRESS")["status"],
            "IN_PROGRESS"
        );
        let describe = find(&tasks, "DESCRIBE", "SUCCESS");
        assert!(field(describe, "prompt").is_some_and(|p| p.contains("lighthouse")));
        for (action, status) in [
            ("UPSCALE", "SUCCESS"),
            ("VARIATION", "SUCCESS"),
            ("BLEND", "SUCCESS"),
        ] {
            assert!(
                find(&tasks, action, status).get("buttons").is_some(),
                "{action}"
            );
        }
    }

    /// The seeded bodies must pass every check a known task gets, the semantic ones included
    /// (times here are relative to the real clock, as in a run).
    #[test]
    fn every_task_passes_every_check() {
        use crate::checks::{Check, Probe, Verdict};
        use crate::http::exchange::fixtures::answer;
        let contract = crate::contract::spec::Contract::embedded();
        let now = crate::provider::ProviderConfig::with_random_key().resolve_now_ms();
        for task in seeded_tasks(now) {
            let mut exchange = answer(200, Some("application/json"), &task.to_string());
            exchange.request.raw_path =
                format!("/mj/task/{}/fetch", task["id"].as_str().unwrap_or_default());
            for check in Check::ALL {
                if check.applies_to(&Probe::KnownTask) {
                    let verdict = check.run(&contract.fetch, &Probe::KnownTask, &exchange);
                    assert_eq!(verdict, Verdict::Pass, "{check}: {}", task["id"]);
                }
            }
        }
    }

    /// The seeded bodies must pass the contract's own `Task` schema, read from the spec file.
    #[test]
    fn every_task_validates_against_the_contract_schema() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/spec/mj-task-fetch.openapi.yaml"
        );
        let text = std::fs::read_to_string(path).expect("the contract");
        let document: Value = serde_yaml_ng::from_str(&text).expect("the contract is YAML");
        let schema = json!({
            "$ref": "#/components/schemas/Task",
            "components": document["components"].clone(),
        });
        let validator = jsonschema::validator_for(&schema).expect("a valid schema");
        for task in tasks() {
            let errors: Vec<String> = validator
                .iter_errors(&task)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", task["id"]);
        }
        // The validator must be live: the real servers' integer button `type` is a deviation.
        let mut deviant = find(&tasks(), "IMAGINE", "SUCCESS").clone();
        deviant["buttons"][0]["type"] = json!(2);
        assert!(!validator.is_valid(&deviant));
    }
}
