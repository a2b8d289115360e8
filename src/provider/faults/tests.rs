//! The faults against the seeded tasks: each bends what it says and nothing else, and the
//! catalogue agrees with the documented table.

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

const JSON: &str = "application/json";

use super::*;
use crate::provider::tasks::seeded_tasks;

const NOW_MS: i64 = 1_747_133_323_000;

fn read(response: Response) -> (u16, Option<String>, Vec<u8>) {
    crate::provider::reply::read(response)
}

fn bent(fault: Fault) -> Vec<Value> {
    let tasks = seeded_tasks(NOW_MS);
    let ids: Vec<String> = tasks
        .iter()
        .map(|task| task["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let faults = FaultSet::new(&[fault]);
    tasks
        .iter()
        .map(|task| {
            let (_, _, body) = read(faults.task_answer(task, &ids));
            serde_json::from_slice(&body).expect("JSON")
        })
        .collect()
}

#[test]
fn the_catalogue_lists_each_fault_once_with_a_unique_name() {
    let mut names: Vec<&str> = Fault::all().map(Fault::name).collect();
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count);
    for fault in Fault::all() {
        assert_eq!(fault.name().parse::<Fault>(), Ok(fault));
        assert!(!fault.caught_by().is_empty(), "{fault}");
        assert!(!fault.description().is_empty(), "{fault}");
        for caught in fault.caught() {
            assert!(!caught.cases.is_empty(), "{fault}");
            assert!(!caught.finding.is_empty(), "{fault}");
            assert!(!caught.family.ends_with("::"), "{fault}");
        }
    }
    let err = "no-such-fault".parse::<Fault>().unwrap_err();
    assert!(err.contains("--list-faults"), "{err}");
}

/// docs/mock.md shows the catalogue as a table; it must say what the code does.
#[test]
fn the_documented_table_matches_the_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/mock.md");
    let readme = std::fs::read_to_string(path).expect("docs/mock.md");
    let mut missing = Vec::new();
    for fault in Fault::all() {
        let checks: Vec<String> = fault
            .caught_by()
            .iter()
            .map(|check| format!("`{}`", check.trim_end_matches("::")))
            .collect();
        let row = format!(
            "| `{}` | {} | {} |",
            fault.name(),
            fault.description(),
            checks.join(", ")
        );
        if !readme.contains(&row) {
            missing.push(row);
        }
    }
    assert!(
        missing.is_empty(),
        "docs/mock.md lacks the rows\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_body_fault_changes_some_seeded_task() {
    let clean = seeded_tasks(NOW_MS);
    for fault in [
        Fault::StatusOutsideEnum,
        Fault::ActionOutsideEnum,
        Fault::LowercaseStatus,
        Fault::TimeAsString,
        Fault::TimeAsFloat,
        Fault::TimePastInt64,
        Fault::TimeInSeconds,
        Fault::TimeInMicroseconds,
        Fault::TimesOutOfOrder,
        Fault::ButtonMissingField,
        Fault::ButtonNullField,
        Fault::ButtonIntegerTypeStyle,
        Fault::ButtonsAsObject,
        Fault::PropertiesAsString,
        Fault::ProgressAsNumber,
        Fault::ProgressWithoutPercent,
        Fault::IdAsNumber,
        Fault::WrongId,
        Fault::TaskWithoutId,
        Fault::BlankId,
        Fault::TaskWithoutStatus,
        Fault::EmptyObject,
        Fault::EnvelopeBody,
        Fault::SuccessWithoutImage,
        Fault::FailureWithoutReason,
        Fault::NotStartedWithStartTime,
        Fault::NotStartedWithFinishTime,
        Fault::NotStartedWithImage,
        Fault::RunningWithFinishTime,
        Fault::RunningAt100,
        Fault::DuplicateCustomIds,
        Fault::ForeignCustomIds,
    ] {
        assert_ne!(bent(fault), clean, "{fault} changes nothing");
    }
}

#[test]
fn body_faults_bend_the_way_they_say() {
    let seconds = bent(Fault::TimeInSeconds);
    assert!(seconds[0]["submitTime"].as_i64().expect("a time") < 2_000_000_000);
    let floats = bent(Fault::TimeAsFloat);
    assert!(floats[0]["submitTime"].is_f64());
    let past = bent(Fault::TimePastInt64);
    assert_eq!(past[0]["submitTime"].as_u64(), Some(1 << 63));
    let wrong = bent(Fault::WrongId);
    let clean = seeded_tasks(NOW_MS);
    assert!(wrong
        .iter()
        .zip(&clean)
        .all(|(bent, clean)| bent["id"] != clean["id"]));
    let out_of_order = bent(Fault::TimesOutOfOrder);
    let first = &out_of_order[0];
    assert!(first["startTime"].as_i64() > first["finishTime"].as_i64());
}

#[test]
fn answer_faults_change_status_type_and_bytes() {
    let task = &seeded_tasks(NOW_MS)[0];
    let ids = vec![task["id"].as_str().unwrap_or_default().to_owned()];
    let answer = |fault| read(FaultSet::new(&[fault]).task_answer(task, &ids));
    assert_eq!(answer(Fault::UndocumentedStatus).0, 202);
    assert_eq!(answer(Fault::KnownTaskNotFound).0, 404);
    assert_eq!(
        answer(Fault::WrongContentType).1.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert!(answer(Fault::ByteOrderMark)
        .2
        .starts_with(&[0xEF, 0xBB, 0xBF]));
    assert!(serde_json::from_slice::<Value>(&answer(Fault::InvalidJson).2).is_err());
    let (status, content_type, body) = read(FaultSet::default().task_answer(task, &ids));
    assert_eq!((status, content_type.as_deref()), (200, Some(JSON)));
    assert_eq!(&serde_json::from_slice::<Value>(&body).expect("JSON"), task);
}

#[test]
fn unknown_id_faults_replace_the_404() {
    assert!(FaultSet::default().unknown_id_answer().is_none());
    let answer = |fault| {
        read(
            FaultSet::new(&[fault])
                .unknown_id_answer()
                .expect("an answer"),
        )
    };
    assert_eq!(
        answer(Fault::UnknownId200Null),
        (200, Some(JSON.into()), b"null".to_vec())
    );
    assert_eq!(answer(Fault::UnknownId200Empty), (200, None, Vec::new()));
    assert_eq!(answer(Fault::UnknownId204).0, 204);
    assert_eq!(answer(Fault::UnknownId400).0, 400);
    assert_eq!(answer(Fault::UnknownId500).0, 500);
}

#[test]
fn credential_faults_waive_only_their_case() {
    let headers = |values: &[&str]| {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                AUTHORIZATION,
                HeaderValue::from_str(value).expect("a value"),
            );
        }
        headers
    };
    let none = FaultSet::new(&[Fault::NoCredentialAccepted]);
    assert!(none.waives_credential(&headers(&[])));
    assert!(!none.waives_credential(&headers(&["Bearer wrong"])));
    let any = FaultSet::new(&[Fault::AnyKeyAccepted]);
    assert!(any.waives_credential(&headers(&["Bearer wrong"])));
    assert!(!any.waives_credential(&headers(&[])));
    assert!(!any.waives_credential(&headers(&["Bearer "])));
    let empty = FaultSet::new(&[Fault::EmptyBearerAccepted]);
    assert!(empty.waives_credential(&headers(&["Bearer "])));
    assert!(empty.waives_credential(&headers(&["bearer"])));
    assert!(!empty.waives_credential(&headers(&[])));
    assert!(!empty.waives_credential(&headers(&["Bearer wrong"])));
    assert!(!FaultSet::default().waives_credential(&headers(&[])));
}

#[test]
fn only_odd_ids_crash() {
    let faults = FaultSet::new(&[Fault::OddId500]);
    assert!(!faults.crashes_on("1747132423020537"));
    assert!(!faults.crashes_on("abc-DEF_9"));
    for odd in ["a b", "a/b", "..", "%FF", "🦊", "a'b"] {
        assert!(faults.crashes_on(odd), "{odd}");
    }
    assert!(!FaultSet::default().crashes_on("a b"));
}

#[test]
fn the_catalogue_cases_are_the_seeded_tasks() {
    let seeded: Vec<String> = seeded_tasks(NOW_MS)
        .iter()
        .map(|task| format!("task_{}", task["id"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(seeded, cases::ALL_TASKS);
    assert_eq!(
        cases::ADVANCING,
        format!("task_{}", crate::provider::ADVANCING_TASK_ID)
    );
    let status_of = |case: &str| {
        seeded_tasks(NOW_MS)
            .into_iter()
            .find(|task| format!("task_{}", task["id"].as_str().unwrap_or_default()) == case)
            .map(|task| task["status"].as_str().unwrap_or_default().to_owned())
    };
    for case in cases::SUCCEEDED {
        assert_eq!(status_of(case).as_deref(), Some("SUCCESS"), "{case}");
    }
    for case in cases::RUNNING {
        assert_eq!(status_of(case).as_deref(), Some("IN_PROGRESS"), "{case}");
    }
}

#[test]
fn identity_faults_bend_the_way_they_say() {
    let clean = seeded_tasks(NOW_MS);
    assert!(bent(Fault::EmptyObject)
        .iter()
        .all(|task| task == &json!({})));
    for (bent, clean) in bent(Fault::EnvelopeBody).iter().zip(&clean) {
        assert_eq!(bent["code"], 1);
        assert_eq!(&bent["result"], clean);
    }
    assert!(bent(Fault::BlankId).iter().all(|task| task["id"] == ""));
    assert!(bent(Fault::TaskWithoutId)
        .iter()
        .all(|task| task.get("id").is_none()));
    assert!(bent(Fault::TaskWithoutStatus)
        .iter()
        .all(|task| task.get("status").is_none()));
    let refusal = FaultSet::new(&[Fault::TaskBehindRefusal])
        .refusal_answer(StatusCode::UNAUTHORIZED, Some(&clean[0]))
        .expect("a refusal with the task");
    let (status, _, body) = read(refusal);
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).expect("JSON"),
        clean[0]
    );
    assert!(FaultSet::default()
        .refusal_answer(StatusCode::UNAUTHORIZED, Some(&clean[0]))
        .is_none());
}

#[test]
fn status_faults_change_only_their_status() {
    let clean = seeded_tasks(NOW_MS);
    let changed = |fault| -> Vec<String> {
        bent(fault)
            .iter()
            .zip(&clean)
            .filter(|(bent, clean)| bent != clean)
            .map(|(_, clean)| clean["status"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(changed(Fault::NotStartedWithFinishTime), ["NOT_START"]);
    assert_eq!(changed(Fault::NotStartedWithImage), ["NOT_START"]);
    assert_eq!(changed(Fault::RunningAt100), ["IN_PROGRESS", "IN_PROGRESS"]);
    assert_eq!(
        changed(Fault::RunningWithFinishTime),
        ["IN_PROGRESS", "IN_PROGRESS", "SUBMITTED"]
    );
}
