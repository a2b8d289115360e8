//! How each fault bends an answer: the task body, the status, the bytes, the headers, the
//! credential the provider accepts. The catalogue of what each fault must make fail is
//! [`super::catalogue`].

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::catalogue::Fault;
use crate::contract::rules::TIME_FIELDS;
use crate::provider::reply;

impl Fault {
    /// How long the answer to an id the provider does not have is held back.
    pub fn unknown_id_delay(faults: &FaultSet) -> Option<std::time::Duration> {
        faults
            .has(Fault::SlowUnknownId)
            .then_some(std::time::Duration::from_millis(300))
    }
}

/// The faults a provider makes, and what they do to its answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSet {
    faults: Vec<Fault>,
}

impl FaultSet {
    pub fn new(faults: &[Fault]) -> Self {
        FaultSet {
            faults: faults.to_vec(),
        }
    }

    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Whether a credential the provider would refuse is accepted anyway.
    pub fn waives_credential(&self, headers: &HeaderMap) -> bool {
        let values: Vec<&HeaderValue> = headers.get_all(AUTHORIZATION).iter().collect();
        let single = match values.as_slice() {
            [value] => value.to_str().ok(),
            _ => None,
        };
        (self.has(Fault::NoCredentialAccepted) && values.is_empty())
            || (self.has(Fault::AnyKeyAccepted)
                && crate::provider::auth::bearer_token(headers).is_some())
            || (self.has(Fault::EmptyBearerAccepted)
                && single.is_some_and(|value| value.trim().eq_ignore_ascii_case("bearer")))
    }

    /// Whether a bearer token that is not the key is accepted for being near it: the key in
    /// another letter case, or the key with text after it.
    pub fn waives_near_key(&self, headers: &HeaderMap, key: &str) -> bool {
        let Some(token) = crate::provider::auth::bearer_token(headers) else {
            return false;
        };
        (self.has(Fault::KeyCaseInsensitive) && token.eq_ignore_ascii_case(key))
            || (self.has(Fault::KeyPrefixAccepted) && token.starts_with(key))
    }

    /// The id a server that reads ids by their leading digits takes `id` for, under
    /// `id-prefix-read`.
    pub fn id_as_read<'a>(&self, id: &'a str) -> Option<&'a str> {
        if !self.has(Fault::IdPrefixRead) {
            return None;
        }
        let digits = id.bytes().take_while(u8::is_ascii_digit).count();
        (digits > 0 && digits < id.len()).then(|| &id[..digits])
    }

    /// A 401 as the faults make it: without its challenge under `no-challenge-on-401`.
    pub fn bend_unauthorized(&self, mut response: Response) -> Response {
        if self.has(Fault::NoChallengeOn401) {
            response.headers_mut().remove(WWW_AUTHENTICATE);
        }
        response
    }

    /// Whether the provider crashes on this (percent-decoded) id.
    pub fn crashes_on(&self, id: &str) -> bool {
        self.has(Fault::OddId500)
            && id
                .chars()
                .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    }

    /// The answer for an id the provider does not have, when a fault replaces the 404.
    pub fn unknown_id_answer(&self) -> Option<Response> {
        let answer = |status: StatusCode, content_type: Option<&'static str>, body: &[u8]| {
            bytes_response(status, content_type, body.to_vec())
        };
        self.faults.iter().find_map(|fault| match fault {
            Fault::UnknownId200Null => Some(answer(StatusCode::OK, Some(JSON), b"null")),
            Fault::UnknownId200Empty => Some(answer(StatusCode::OK, None, b"")),
            Fault::UnknownId204 => Some(answer(StatusCode::NO_CONTENT, None, b"")),
            Fault::UnknownId400 => Some(answer(
                StatusCode::BAD_REQUEST,
                Some(JSON),
                br#"{"description":"task_no_found ","type":"upstream_error","code":4}"#,
            )),
            Fault::UnknownId500 => Some(answer(StatusCode::INTERNAL_SERVER_ERROR, None, b"")),
            _ => None,
        })
    }

    /// The refusal of a missing or wrong credential with `status`, carrying `task` as its body
    /// under `task-behind-refusal`; `None` leaves the provider's own refusal.
    pub fn refusal_answer(&self, status: StatusCode, task: Option<&Value>) -> Option<Response> {
        if !self.has(Fault::TaskBehindRefusal) {
            return None;
        }
        let body = serde_json::to_vec(task?).ok()?;
        let mut response = bytes_response(status, Some(JSON), body);
        // The refusal keeps every other rule (a 401 still carries its challenge): this fault
        // is only about the body.
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        Some(response)
    }

    /// The answer serving seeded task `task`; `ids` are every seeded id, for the wrong-id fault.
    pub fn task_answer(&self, task: &Value, ids: &[String]) -> Response {
        if self.has(Fault::KnownTaskNotFound) {
            return reply::task_not_found();
        }
        let mut body = task.clone();
        if let Value::Object(fields) = &mut body {
            for fault in &self.faults {
                fault.bend(fields, ids);
            }
        }
        if self.has(Fault::EmptyObject) {
            body = json!({});
        }
        if self.has(Fault::EnvelopeBody) {
            body = json!({ "code": 1, "description": "success", "result": body });
        }
        let mut bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        if self.has(Fault::InvalidJson) {
            bytes.truncate(bytes.len() / 2);
        }
        if self.has(Fault::ByteOrderMark) {
            bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
        }
        let content_type = if self.has(Fault::WrongContentType) {
            "text/plain; charset=utf-8"
        } else if self.has(Fault::ForeignCharset) {
            "application/json; charset=iso-8859-1"
        } else {
            JSON
        };
        let status = if self.has(Fault::UndocumentedStatus) {
            StatusCode::ACCEPTED
        } else {
            StatusCode::OK
        };
        let mut response = bytes_response(status, Some(content_type), bytes);
        if self.has(Fault::UndecodableBody) {
            response.headers_mut().insert(
                axum::http::header::CONTENT_ENCODING,
                HeaderValue::from_static("gzip"),
            );
        }
        if self.has(Fault::DuplicateContentType) {
            response
                .headers_mut()
                .append(CONTENT_TYPE, HeaderValue::from_static(JSON));
        }
        response
    }
}

const JSON: &str = "application/json";

fn bytes_response(
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Vec<u8>,
) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    response
}

impl Fault {
    /// Bends one task body the way this fault says; faults about answers rather than bodies
    /// leave it alone.
    fn bend(self, task: &mut Map<String, Value>, ids: &[String]) {
        let status = task
            .get("status")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match self {
            Fault::StatusOutsideEnum => set_if_present(task, "status", json!("CANCEL")),
            Fault::ActionOutsideEnum => set_if_present(task, "action", json!("ZOOM")),
            Fault::LowercaseStatus => {
                if let Some(status) = status {
                    task.insert("status".into(), json!(status.to_lowercase()));
                }
            }
            Fault::TimeAsString => map_times(task, |time| json!(time.to_string())),
            Fault::TimeAsFloat => map_times(task, |time| json!(time as f64)),
            Fault::TimePastInt64 => {
                set_if_present(task, "submitTime", json!(i64::MAX as u64 + 1));
            }
            Fault::TimeInSeconds => map_times(task, |time| json!(time / 1_000)),
            Fault::TimeInMicroseconds => map_times(task, |time| json!(time.saturating_mul(1_000))),
            Fault::TimesOutOfOrder => {
                let pair = if task.contains_key("finishTime") {
                    ("startTime", "finishTime")
                } else {
                    ("submitTime", "startTime")
                };
                if let (Some(first), Some(second)) = (task.get(pair.0), task.get(pair.1)) {
                    let (first, second) = (first.clone(), second.clone());
                    task.insert(pair.0.into(), second);
                    task.insert(pair.1.into(), first);
                }
            }
            Fault::ButtonMissingField => each_button(task, |button| {
                button.remove("emoji");
            }),
            Fault::ButtonNullField => each_button(task, |button| {
                button.insert("label".into(), Value::Null);
            }),
            Fault::ButtonIntegerTypeStyle => each_button(task, |button| {
                for field in ["type", "style"] {
                    let number = button
                        .get(field)
                        .and_then(Value::as_str)
                        .and_then(|text| text.parse::<i64>().ok())
                        .unwrap_or(2);
                    button.insert(field.into(), Value::from(number));
                }
            }),
            Fault::ButtonsAsObject => {
                if let Some(Value::Array(buttons)) = task.remove("buttons") {
                    let keyed: Map<String, Value> = buttons
                        .into_iter()
                        .map(|button| {
                            let key = button["customId"].as_str().unwrap_or_default().to_owned();
                            (key, button)
                        })
                        .collect();
                    task.insert("buttons".into(), Value::Object(keyed));
                }
            }
            Fault::PropertiesAsString => {
                if let Some(properties) = task.get("properties") {
                    let text = properties.to_string();
                    task.insert("properties".into(), json!(text));
                }
            }
            Fault::ProgressAsNumber => {
                let number = task
                    .get("progress")
                    .and_then(Value::as_str)
                    .and_then(|p| p.trim_end_matches('%').parse::<u64>().ok());
                if let Some(number) = number {
                    task.insert("progress".into(), json!(number));
                }
            }
            Fault::ProgressWithoutPercent => {
                let bare = task
                    .get("progress")
                    .and_then(Value::as_str)
                    .map(|p| p.trim_end_matches('%').to_owned());
                if let Some(bare) = bare {
                    task.insert("progress".into(), json!(bare));
                }
            }
            Fault::IdAsNumber => {
                let number = task
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| id.parse::<u64>().ok());
                if let Some(number) = number {
                    task.insert("id".into(), json!(number));
                }
            }
            Fault::WrongId => {
                let own = task.get("id").and_then(Value::as_str).unwrap_or_default();
                let position = ids.iter().position(|id| id == own).unwrap_or(0);
                if let Some(other) = ids.get((position + 1) % ids.len().max(1)) {
                    if other != own {
                        task.insert("id".into(), json!(other));
                    }
                }
            }
            Fault::TaskWithoutId => {
                task.remove("id");
            }
            Fault::BlankId => set_if_present(task, "id", json!("")),
            Fault::TaskWithoutStatus => {
                task.remove("status");
            }
            Fault::NotStartedWithFinishTime if status.as_deref() == Some("NOT_START") => {
                if let Some(submitted) = task.get("submitTime").and_then(Value::as_i64) {
                    task.insert("finishTime".into(), json!(submitted + 1_000));
                }
            }
            Fault::NotStartedWithImage if status.as_deref() == Some("NOT_START") => {
                let id = task.get("id").and_then(Value::as_str).unwrap_or_default();
                let url = crate::provider::tasks::image_url("not_started", id);
                task.insert("imageUrl".into(), json!(url));
            }
            Fault::RunningWithFinishTime
                if matches!(status.as_deref(), Some("SUBMITTED" | "IN_PROGRESS")) =>
            {
                // After the last time set, so the times stay in order.
                let last = TIME_FIELDS
                    .iter()
                    .filter_map(|field| task.get(*field).and_then(Value::as_i64))
                    .max();
                if let Some(last) = last {
                    task.insert("finishTime".into(), json!(last + 1_000));
                }
            }
            Fault::RunningAt100 if status.as_deref() == Some("IN_PROGRESS") => {
                task.insert("progress".into(), json!("100%"));
            }
            Fault::SharedResult if status.as_deref() == Some("SUCCESS") => {
                task.insert(
                    "imageUrl".into(),
                    json!("https://cdn.discordapp.com/attachments/1109478473582641232/1371912356250157107/shared.png"),
                );
            }
            Fault::PlaceholderImageUrl if status.as_deref() == Some("SUCCESS") => {
                task.insert("imageUrl".into(), json!("pending"));
            }
            Fault::ButtonsWhileUnfinished
                if matches!(
                    status.as_deref(),
                    Some("NOT_START" | "SUBMITTED" | "IN_PROGRESS")
                ) =>
            {
                // The grid's buttons, on the task's own job: only their timing is wrong.
                let hash = task
                    .get("properties")
                    .and_then(|p| p.get("messageHash"))
                    .and_then(Value::as_str)
                    .or_else(|| task.get("id").and_then(Value::as_str))
                    .unwrap_or("3c1e9a7b-5d2f-4b8e-9c6a-1f0d7e4b2a58")
                    .to_owned();
                let buttons: Vec<Value> = (1..=4)
                    .map(|n| {
                        json!({"customId": format!("MJ::JOB::upsample::{n}::{hash}"),
                               "label": format!("U{n}"), "type": "2", "style": "2", "emoji": ""})
                    })
                    .collect();
                task.insert("buttons".into(), Value::Array(buttons));
            }
            Fault::MixedJobHash => {
                let task_id = task
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if let Some(Value::Array(buttons)) = task.get_mut("buttons") {
                    let last = buttons.iter_mut().rev().find(|button| {
                        button
                            .get("customId")
                            .and_then(Value::as_str)
                            .and_then(|id| crate::contract::rules::JOB_HASH.of(id, "::"))
                            .is_some()
                    });
                    if let Some(button) = last {
                        let id = button["customId"].as_str().unwrap_or_default().to_owned();
                        if let Some(hash) = crate::contract::rules::JOB_HASH.of(&id, "::") {
                            // Another job's, and no other task's: one deviation, one check.
                            let other = id.replace(hash, &format!("ffffffff-{task_id}"));
                            button["customId"] = json!(other);
                        }
                    }
                }
            }
            Fault::SuccessWithoutImage if status.as_deref() == Some("SUCCESS") => {
                task.remove("imageUrl");
            }
            Fault::FailureWithoutReason if status.as_deref() == Some("FAILURE") => {
                task.remove("failReason");
            }
            Fault::NotStartedWithStartTime if status.as_deref() == Some("NOT_START") => {
                if let Some(submitted) = task.get("submitTime").and_then(Value::as_i64) {
                    task.insert("startTime".into(), json!(submitted + 1_000));
                }
            }
            Fault::DuplicateCustomIds => {
                let first = task
                    .get("buttons")
                    .and_then(|buttons| buttons.get(0))
                    .and_then(|button| button.get("customId"))
                    .cloned();
                if let Some(first) = first {
                    each_button(task, |button| {
                        button.insert("customId".into(), first.clone());
                    });
                }
            }
            Fault::ForeignCustomIds => each_button(task, |button| {
                let foreign = button
                    .get("customId")
                    .and_then(Value::as_str)
                    .map(|id| id.trim_start_matches("MJ::").to_owned());
                if let Some(foreign) = foreign {
                    button.insert("customId".into(), json!(foreign));
                }
            }),
            _ => {}
        }
    }
}

fn set_if_present(task: &mut Map<String, Value>, name: &str, value: Value) {
    if let Some(slot) = task.get_mut(name) {
        *slot = value;
    }
}

fn map_times(task: &mut Map<String, Value>, bend: impl Fn(i64) -> Value) {
    for field in TIME_FIELDS {
        if let Some(time) = task.get(field).and_then(Value::as_i64) {
            task.insert(field.into(), bend(time));
        }
    }
}

fn each_button(task: &mut Map<String, Value>, mut bend: impl FnMut(&mut Map<String, Value>)) {
    if let Some(Value::Array(buttons)) = task.get_mut("buttons") {
        for button in buttons {
            if let Value::Object(button) = button {
                bend(button);
            }
        }
    }
}
