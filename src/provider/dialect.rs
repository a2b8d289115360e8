//! The provider speaking a dialect (`mjconform mock --dialect NAME`): the reference tasks, shaped
//! the way the family's document says, and the family's answers to a bad credential and to an
//! unknown id. Everything is read from the dialect document (its schemas, examples, security
//! schemes and `x-mjconform-…` extensions), so the mock and the checks cannot disagree about
//! what a family does, and no family is named here.

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::auth::{bearer_token, Credentials, Verdict};
use crate::contract::dialect::Dialect;
use crate::contract::rules::{UnsetMarker, ALL_UNSET_MARKERS};
use crate::contract::spec::{FetchOperation, UnknownIdAnswer};
use crate::http::auth::KeyPlacement;

/// The answers that differ from the reference provider's, derived from one dialect document.
#[derive(Debug, Clone)]
pub struct DialectMock {
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    name: &'static str,
    placements: Vec<KeyPlacement>,
    unknown_id: Option<UnknownIdAnswer>,
    unauthorized: Canned,
    forbidden: Canned,
    /// The 200 body's schema, references expanded.
    task_schema: Value,
    /// The body's own unset markers, in the document's order.
    markers: Vec<UnsetMarker>,
}

/// A fixed answer: status, content type, body.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Canned {
    /// The documented answer for `status`: its first media type, with the media type's
    /// `example` as the body (a string example of a non-JSON type verbatim); no documented
    /// content is an empty body.
    fn documented(operation: &FetchOperation, status: u16) -> Option<Canned> {
        let response = operation.documented(status)?;
        let Some(media) = response.media.first() else {
            return Some(Canned {
                status,
                content_type: None,
                body: Vec::new(),
            });
        };
        let json = media.media_type.contains("json");
        let body = match &media.example {
            Some(Value::String(text)) if !json => text.clone().into_bytes(),
            Some(example) => serde_json::to_vec(example).unwrap_or_default(),
            None => Vec::new(),
        };
        Some(Canned {
            status,
            content_type: Some(media.media_type.clone()),
            body,
        })
    }

    fn response(&self) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(value) = self
            .content_type
            .as_deref()
            .and_then(|value| HeaderValue::from_str(value).ok())
        {
            response.headers_mut().insert(CONTENT_TYPE, value);
        }
        response
    }
}

impl DialectMock {
    pub fn new(dialect: &'static Dialect) -> DialectMock {
        let operation = dialect.contract().fetch;
        let unauthorized = Canned::documented(&operation, 401).unwrap_or(Canned {
            status: 401,
            content_type: None,
            body: Vec::new(),
        });
        // A family without a documented 403 refuses a disabled key as any other: 401.
        let forbidden = Canned::documented(&operation, 403).unwrap_or_else(|| unauthorized.clone());
        let task_schema = operation
            .documented(200)
            .and_then(|response| response.media.iter().find_map(|m| m.schema_json.clone()))
            .map(|schema| (*schema).clone())
            .unwrap_or(Value::Null);
        let markers = operation
            .unset_convention(200)
            .map_or(ALL_UNSET_MARKERS.to_vec(), |c| c.markers.clone());
        DialectMock {
            name: dialect.name,
            placements: operation.key_placements(),
            unknown_id: operation.unknown_id.clone(),
            unauthorized,
            forbidden,
            task_schema,
            markers,
        }
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn name(&self) -> &'static str {
        self.name
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// Where clients put the key, in the document's order.
    pub fn placements(&self) -> &[KeyPlacement] {
        &self.placements
    }

    /// The verdict on a request's credential: the key in any place the document names is
    /// accepted; the disabled key in any of them is refused.
    pub fn judge(&self, credentials: &Credentials, headers: &HeaderMap) -> Verdict {
        let mut verdict = Verdict::Unauthorized;
        for placement in &self.placements {
            let Some(token) = presented(placement, headers) else {
                continue;
            };
            match credentials.judge_token(token) {
                Verdict::Accepted => return Verdict::Accepted,
                Verdict::Forbidden => verdict = Verdict::Forbidden,
                Verdict::Unauthorized => {}
            }
        }
        verdict
    }

    pub fn unauthorized(&self) -> Response {
        self.unauthorized.response()
    }

    pub fn forbidden(&self) -> Response {
        self.forbidden.response()
    }

    /// The router's own answer to an id too long to route (`long-id` of the document's
    /// `x-mjconform-unknown-id`), given before any key check, as the family's router does:
    /// Fastify's `basic404` body for the Node port.
    pub fn long_id(&self, id: &str) -> Option<Response> {
        let long = self.unknown_id.as_ref()?.long_id?;
        if !long.matches(id.chars().count(), long.status) {
            return None;
        }
        let path = format!(
            "/mj/task/{}/fetch",
            crate::http::request::encode_path_segment(id)
        );
        let body = json!({
            "message": format!("Route GET:{path} not found"),
            "error": "Not Found",
            "statusCode": long.status,
        });
        Some(
            Canned {
                status: long.status,
                content_type: Some("application/json; charset=utf-8".to_owned()),
                body: serde_json::to_vec(&body).unwrap_or_default(),
            }
            .response(),
        )
    }

    /// The answer to an id no task has: the document's `x-mjconform-unknown-id`, else `None`
    /// (the reference 404).
    pub fn unknown_id(&self) -> Option<Response> {
        let answer = self.unknown_id.as_ref()?;
        let body = answer.body.clone().unwrap_or_default();
        let json = !body.is_empty() && serde_json::from_str::<Value>(&body).is_ok();
        Some(
            Canned {
                status: answer.status,
                content_type: json.then(|| "application/json".to_owned()),
                body: body.into_bytes(),
            }
            .response(),
        )
    }

    /// A reference task as the family sends it: only the keys its schema documents, unset
    /// fields marked its way, button fields in its types.
    pub fn shape(&self, task: &Value) -> Value {
        let Some(task) = task.as_object() else {
            return task.clone();
        };
        let Some(properties) = self
            .task_schema
            .get("properties")
            .and_then(Value::as_object)
        else {
            return Value::Object(task.clone());
        };
        let mut shaped: Map<String, Value> = task
            .iter()
            .filter(|(name, _)| properties.contains_key(*name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        for (name, property) in properties {
            if !shaped.contains_key(name) {
                if let Some(unset) = self.unset_value(property) {
                    shaped.insert(name.clone(), unset);
                }
            }
        }
        if let (Some(Value::Array(buttons)), Some(schema)) = (
            shaped.get_mut("buttons"),
            properties.get("buttons").and_then(|b| b.get("items")),
        ) {
            for button in buttons.iter_mut() {
                if let Value::Object(button) = button {
                    self.shape_button(button, schema);
                }
            }
        }
        Value::Object(shaped)
    }

    /// The family's value for an unset property, or `None` to leave it out: the first of its
    /// markers (the property's own list, else the body's) its type can hold.
    fn unset_value(&self, property: &Value) -> Option<Value> {
        let own: Option<Vec<UnsetMarker>> = property
            .get("x-mjconform-unset")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(UnsetMarker::from_json).collect());
        let kind = property.get("type").and_then(Value::as_str);
        let nullable = property.get("nullable") == Some(&Value::Bool(true));
        own.as_deref()
            .unwrap_or(&self.markers)
            .iter()
            .find_map(|marker| match (marker, kind) {
                (UnsetMarker::Absent, _) => Some(None),
                (UnsetMarker::Null, _) if nullable => Some(Some(Value::Null)),
                (UnsetMarker::EmptyString, Some("string")) => Some(Some(json!(""))),
                (UnsetMarker::Zero, Some("integer")) => Some(Some(json!(0))),
                _ => None,
            })
            .flatten()
    }

    fn shape_button(&self, button: &mut Map<String, Value>, schema: &Value) {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        let leaves_out_unset = self.markers.contains(&UnsetMarker::Absent)
            && !self.markers.contains(&UnsetMarker::EmptyString);
        for (name, property) in properties {
            let Some(value) = button.get(name).cloned() else {
                continue;
            };
            let optional = !required.contains(&name.as_str());
            if value == json!("") && optional && leaves_out_unset {
                button.remove(name);
                continue;
            }
            let converted = match (property.get("type").and_then(Value::as_str), &value) {
                (Some("integer"), Value::String(text)) => {
                    text.parse::<i64>().map(|n| json!(n)).unwrap_or(value)
                }
                (Some("object"), Value::String(text)) => json!({ "name": text }),
                _ => value,
            };
            button.insert(name.clone(), converted);
        }
    }

    /// Tasks in the statuses the family documents and the reference tasks do not show (a
    /// status enum's extra values), each a copy of the reference's queued task under a new
    /// id. A status `""` is a moment in a task's life, not a state to seed.
    pub fn extra_tasks(&self, tasks: &[Value]) -> Vec<Value> {
        let Some(statuses) = self
            .task_schema
            .pointer("/properties/status/enum")
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        let Some(template) = tasks.iter().find(|task| task["status"] == "SUBMITTED") else {
            return Vec::new();
        };
        let seeded: Vec<&Value> = tasks.iter().map(|task| &task["status"]).collect();
        statuses
            .iter()
            .filter(|status| status.as_str().is_some_and(|s| !s.is_empty()))
            .filter(|status| !seeded.contains(status))
            .enumerate()
            .map(|(n, status)| {
                let mut task = template.clone();
                task["id"] = json!(format!("17471333100000{:02}", n + 1));
                task["status"] = status.clone();
                task
            })
            .collect()
    }
}

/// The key as `placement` carries it in `headers`, if the one header it reads is there once.
fn presented<'h>(placement: &KeyPlacement, headers: &'h HeaderMap) -> Option<&'h str> {
    match placement {
        KeyPlacement::Bearer => bearer_token(headers),
        KeyPlacement::Raw => single(headers, AUTHORIZATION.as_str()),
        KeyPlacement::Header(name) => single(headers, name),
    }
}

fn single<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok().filter(|value| !value.is_empty())
}

/// How a person sends the key to a provider speaking `dialect` (the reference's way without).
pub fn key_hint(dialect: Option<&'static Dialect>) -> String {
    let placement = dialect
        .map(DialectMock::new)
        .and_then(|mock| mock.placements.first().cloned())
        .unwrap_or_default();
    let (name, value) = placement.credential("<key>");
    let name = if name == AUTHORIZATION.as_str() {
        "Authorization".to_owned()
    } else {
        name
    };
    format!("{name}: {value}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::seeded_tasks;

    const NOW_MS: i64 = 1_747_133_323_000;

    fn mock(name: &str) -> DialectMock {
        DialectMock::new(Dialect::find(name).expect("a dialect"))
    }

    fn task(status: &str) -> Value {
        seeded_tasks(NOW_MS)
            .into_iter()
            .find(|task| {
                task["status"] == status && task.get("buttons").is_some() == (status == "SUCCESS")
            })
            .expect("a task")
    }

    #[test]
    fn shapes_follow_each_document() {
        let success = task("SUCCESS");
        let java = mock("java-original").shape(&success);
        assert!(java.get("buttons").is_none());
        assert_eq!(java["failReason"], Value::Null);
        let plus = mock("plus").shape(&success);
        assert_eq!(plus["buttons"][0]["type"], json!(2));
        assert_eq!(plus["botType"], Value::Null);
        let node = mock("node-port").shape(&success);
        assert!(node.get("failReason").is_none());
        let reroll = node["buttons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["customId"].as_str().unwrap().contains("reroll"))
            .unwrap();
        assert_eq!(reroll["emoji"], json!({"name": "🔄"}));
        assert!(reroll.get("label").is_none());
        let new_api = mock("new-api").shape(&task("NOT_START"));
        assert_eq!(new_api["startTime"], json!(0));
        assert_eq!(new_api["failReason"], json!(""));
        let java_failed = mock("java-original").shape(&task("FAILURE"));
        assert_eq!(java_failed["progress"], json!(""));
    }

    /// Status, content type and body of a response.
    fn read(response: Response) -> (u16, Option<String>, String) {
        let (status, content_type, body) = crate::provider::reply::read(response);
        (
            status,
            content_type,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    #[test]
    fn refusals_and_unknown_ids_are_answered_as_documented() {
        let java = mock("java-original");
        assert_eq!(read(java.unauthorized()), (401, None, String::new()));
        assert_eq!(read(java.forbidden()).0, 401, "no 403 documented");
        assert_eq!(read(java.unknown_id().unwrap()), (200, None, String::new()));
        let plus = mock("plus");
        // trueai's SimpleAuthMiddleware sets no Content-Type on its 401; the document
        // declares no media type, so the mock sends none.
        assert_eq!(read(plus.unauthorized()).0, 401);
        assert_eq!(read(plus.unauthorized()).1, None);
        assert_eq!(read(plus.forbidden()).0, 403);
        assert_eq!(read(plus.unknown_id().unwrap()), (204, None, String::new()));
        let node = mock("node-port");
        assert_eq!(read(node.unauthorized()).2, r#"{"error":"Unauthorized"}"#);
        // Fastify's route-not-found for an id of more than 100 characters, none for 100.
        assert!(node.long_id(&"a".repeat(100)).is_none());
        let (status, content_type, body) = read(node.long_id(&"é".repeat(101)).unwrap());
        assert_eq!(status, 404);
        assert!(content_type.unwrap_or_default().starts_with("application/json"));
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"], json!("Not Found"));
        assert_eq!(body["statusCode"], json!(404));
        assert!(mock("plus").long_id(&"a".repeat(500)).is_none());
        assert_eq!(
            read(node.unknown_id().unwrap()),
            (200, Some("application/json".into()), "null".into())
        );
        let (status, _, body) = read(mock("new-api").unknown_id().unwrap());
        assert_eq!(status, 400);
        assert!(body.contains("task_no_found "));
    }

    #[test]
    fn extra_statuses_get_a_task_each() {
        let extra = mock("plus").extra_tasks(&seeded_tasks(NOW_MS));
        let statuses: Vec<&str> = extra.iter().filter_map(|t| t["status"].as_str()).collect();
        assert_eq!(statuses, ["MODAL", "CANCEL"]);
        assert!(mock("new-api")
            .extra_tasks(&seeded_tasks(NOW_MS))
            .is_empty());
    }

    #[test]
    fn keys_are_read_where_the_document_puts_them() {
        let credentials = Credentials::new("k1", Some("d1".into()));
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.append(*name, HeaderValue::from_str(value).unwrap());
            }
            headers
        };
        let plus = mock("plus");
        assert_eq!(
            plus.judge(&credentials, &headers(&[("authorization", "k1")])),
            Verdict::Accepted
        );
        assert_eq!(
            plus.judge(&credentials, &headers(&[("mj-api-secret", "k1")])),
            Verdict::Accepted
        );
        assert_eq!(
            plus.judge(&credentials, &headers(&[("authorization", "Bearer k1")])),
            Verdict::Unauthorized
        );
        assert_eq!(
            plus.judge(&credentials, &headers(&[("authorization", "d1")])),
            Verdict::Forbidden
        );
        let node = mock("node-port");
        assert_eq!(
            node.judge(&credentials, &headers(&[("authorization", "Bearer k1")])),
            Verdict::Unauthorized
        );
        assert_eq!(
            key_hint(Some(Dialect::find("node-port").unwrap())),
            "mj-api-secret: <key>"
        );
        assert_eq!(key_hint(None), "Authorization: Bearer <key>");
    }
}
