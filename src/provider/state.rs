//! The provider's shared state and the answer to one fetch, kept apart from routing so that
//! the answer can be computed (and later bent by injected deviations, or advanced with time)
//! without going through HTTP.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use super::advancing::{AdvancingTask, ADVANCING_TASK_ID};
use super::auth::{Credentials, Verdict};
use super::config::ProviderConfig;
use super::dialect::DialectMock;
use super::faults::Fault;
use super::faults::FaultSet;
use super::reply;
use super::tasks::seeded_tasks;

/// Everything a request handler reads. Cheap to clone: one `Arc`.
#[derive(Debug, Clone)]
pub struct ProviderState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    credentials: Credentials,
    /// Task ids in seeding order, so listings are stable from run to run.
    task_ids: Vec<String>,
    tasks: HashMap<String, Value>,
    /// The task whose answer changes over time; not among `task_ids`.
    advancing: AdvancingTask,
    faults: FaultSet,
    /// The family the provider speaks, if not the doc.
    dialect: Option<DialectMock>,
}

impl ProviderState {
    /// State holding `config`'s keys and the tasks seeded relative to its clock.
    pub fn new(config: ProviderConfig) -> Self {
        let mut tasks = seeded_tasks(config.resolve_now_ms());
        if let Some(dialect) = config.dialect {
            let mock = DialectMock::new(dialect);
            tasks.extend(mock.extra_tasks(&tasks));
            tasks = tasks.iter().map(|task| mock.shape(task)).collect();
        }
        Self::with_tasks(config, tasks)
    }

    /// State holding `config`'s keys and exactly `tasks`. A task is stored under its `id`
    /// string; a body without one cannot be fetched and is skipped, and of two bodies with the
    /// same id the first is kept.
    pub fn with_tasks(config: ProviderConfig, tasks: impl IntoIterator<Item = Value>) -> Self {
        let mut task_ids = Vec::new();
        let mut by_id = HashMap::new();
        for task in tasks {
            let Some(id) = task.get("id").and_then(Value::as_str).map(str::to_owned) else {
                continue;
            };
            if id == ADVANCING_TASK_ID {
                continue;
            }
            if let Entry::Vacant(slot) = by_id.entry(id) {
                task_ids.push(slot.key().clone());
                slot.insert(task);
            }
        }
        let faults = FaultSet::new(&config.faults);
        let advancing = AdvancingTask::new(config.advance_step, config.resolve_now_ms(), &faults);
        let dialect = config.dialect.map(DialectMock::new);
        ProviderState {
            inner: Arc::new(Inner {
                credentials: Credentials::new(config.api_key, config.disabled_key),
                task_ids,
                tasks: by_id,
                advancing,
                faults,
                dialect,
            }),
        }
    }

    /// The ids of the tasks this provider serves, in seeding order.
    pub fn task_ids(&self) -> &[String] {
        &self.inner.task_ids
    }

    /// The id of the task that advances through its life as it is fetched.
    pub fn advancing_task_id(&self) -> &'static str {
        ADVANCING_TASK_ID
    }

    /// The deviations this provider makes.
    pub fn faults(&self) -> &FaultSet {
        &self.inner.faults
    }

    /// The stored body of task `id`.
    pub fn task(&self, id: &str) -> Option<&Value> {
        self.inner.tasks.get(id)
    }

    /// The answer to `GET /mj/task/{id}/fetch` with request headers `headers`, `id` being the
    /// percent-decoded path segment.
    ///
    /// The credential is judged before the id, so an unauthenticated client learns nothing
    /// about which ids exist. Without faults, every input gets a 2xx or 4xx answer; nothing
    /// here can panic. Configured faults bend the answers as [`super::faults`] describes.
    pub fn respond(&self, id: &str, headers: &HeaderMap) -> Response {
        let faults = &self.inner.faults;
        let dialect = self.inner.dialect.as_ref();
        if let Some(answer) = dialect.and_then(|dialect| dialect.long_id(id)) {
            return answer;
        }
        let verdict = if faults.waives_credential(headers)
            || faults.waives_near_key(headers, self.inner.credentials.api_key())
        {
            Verdict::Accepted
        } else if let Some(dialect) = dialect {
            dialect.judge(&self.inner.credentials, headers)
        } else {
            self.inner.credentials.judge(headers)
        };
        match verdict {
            Verdict::Unauthorized
                if faults.has(Fault::ExistenceOracle)
                    && self.task(id).is_none()
                    && id != ADVANCING_TASK_ID =>
            {
                reply::task_not_found()
            }
            Verdict::Unauthorized => faults
                .refusal_answer(axum::http::StatusCode::UNAUTHORIZED, self.task(id))
                .unwrap_or_else(|| {
                    faults.bend_unauthorized(
                        dialect.map_or_else(reply::unauthorized, |d| d.unauthorized()),
                    )
                }),
            Verdict::Forbidden => faults
                .refusal_answer(axum::http::StatusCode::FORBIDDEN, self.task(id))
                .unwrap_or_else(|| dialect.map_or_else(reply::forbidden, |d| d.forbidden())),
            Verdict::Accepted if faults.crashes_on(id) => reply::error(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "runtime error: invalid memory address or nil pointer dereference",
            ),
            Verdict::Accepted if id == ADVANCING_TASK_ID => {
                let task = self.inner.advancing.fetch();
                reply::task(&dialect.map_or(task.clone(), |d| d.shape(&task)))
            }
            Verdict::Accepted => match self
                .task(id)
                .or_else(|| faults.id_as_read(id).and_then(|read| self.task(read)))
            {
                Some(task) => faults.task_answer(task, &self.inner.task_ids),
                None => faults
                    .unknown_id_answer()
                    .or_else(|| dialect.and_then(DialectMock::unknown_id))
                    .unwrap_or_else(reply::task_not_found),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
    use axum::http::{HeaderValue, StatusCode};
    use proptest::prelude::*;

    const NOW_MS: i64 = 1_747_133_323_000;

    fn config() -> ProviderConfig {
        ProviderConfig {
            now_ms: Some(NOW_MS),
            ..ProviderConfig::with_random_key()
        }
    }

    fn bearer(key: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_str(&format!("Bearer {key}")).expect("a header value");
        headers.insert(AUTHORIZATION, value);
        headers
    }

    /// Status, content type and JSON body of a response.
    fn read(response: Response) -> (StatusCode, String, Value) {
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let bytes = runtime
            .block_on(to_bytes(response.into_body(), usize::MAX))
            .expect("a body");
        let body = serde_json::from_slice(&bytes).expect("a JSON body");
        (status, content_type, body)
    }

    #[test]
    fn every_seeded_task_is_served_as_seeded() {
        let config = config();
        let state = ProviderState::new(config.clone());
        let seeded = seeded_tasks(NOW_MS);
        assert_eq!(state.task_ids().len(), seeded.len());
        for task in &seeded {
            let id = task["id"].as_str().expect("an id");
            let (status, content_type, body) = read(state.respond(id, &bearer(&config.api_key)));
            assert_eq!(status, StatusCode::OK, "{id}");
            assert_eq!(content_type, "application/json");
            assert_eq!(&body, task);
        }
    }

    #[test]
    fn credential_is_judged_before_the_id() {
        let config = config();
        let state = ProviderState::new(config.clone());
        let known = state.task_ids()[0].clone();
        for id in [known.as_str(), "no-such-task"] {
            let (status, _, body) = read(state.respond(id, &HeaderMap::new()));
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(body["error"]["type"], "unauthorized");
            let disabled = config.disabled_key.as_deref().expect("a disabled key");
            let (status, _, body) = read(state.respond(id, &bearer(disabled)));
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert_eq!(body["error"]["type"], "forbidden");
        }
    }

    #[test]
    fn tasks_without_an_id_are_skipped_and_the_first_of_a_duplicate_kept() {
        let tasks = [
            serde_json::json!({ "status": "SUCCESS" }),
            serde_json::json!({ "id": "1", "progress": "first" }),
            serde_json::json!({ "id": "1", "progress": "second" }),
        ];
        let state = ProviderState::with_tasks(config(), tasks);
        assert_eq!(state.task_ids(), ["1"]);
        assert_eq!(state.task("1").expect("task 1")["progress"], "first");
    }

    #[test]
    fn the_advancing_task_is_served_apart_from_the_seeded_ones() {
        let config = config();
        let state = ProviderState::new(config.clone());
        let id = state.advancing_task_id();
        assert!(!state.task_ids().iter().any(|seeded| seeded == id));
        let (status, _, body) = read(state.respond(id, &bearer(&config.api_key)));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["id"], id);
        assert_eq!(body["status"], "NOT_START");
        let (status, _, _) = read(state.respond(id, &HeaderMap::new()));
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn faults_bend_answers_and_leave_the_advancing_task_alone() {
        use crate::provider::faults::Fault;
        let config = ProviderConfig {
            faults: vec![
                Fault::WrongId,
                Fault::NoCredentialAccepted,
                Fault::UnknownId400,
            ],
            ..config()
        };
        let state = ProviderState::new(config);
        let known = state.task_ids()[0].clone();
        let (status, _, body) = read(state.respond(&known, &HeaderMap::new()));
        assert_eq!(status, StatusCode::OK, "no credential is accepted");
        assert_ne!(body["id"], known.as_str(), "another task's id");
        let (status, _, body) = read(state.respond("no-such-task", &HeaderMap::new()));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["description"], "task_no_found ");
        let advancing = state.advancing_task_id();
        let (_, _, body) = read(state.respond(advancing, &HeaderMap::new()));
        assert_eq!(
            body["id"], advancing,
            "body faults do not reach the advancing task"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_unknown_id_is_a_json_404(id in any::<String>()) {
            let config = config();
            let state = ProviderState::new(config.clone());
            prop_assume!(state.task(&id).is_none());
            let (status, content_type, body) = read(state.respond(&id, &bearer(&config.api_key)));
            prop_assert_eq!(status, StatusCode::NOT_FOUND);
            prop_assert_eq!(content_type, "application/json");
            prop_assert_eq!(&body["error"]["type"], "not_found");
            prop_assert_eq!(&body["error"]["message"], "task not found");
        }

        #[test]
        fn any_authorization_bytes_get_200_401_or_403(value in proptest::collection::vec(any::<u8>(), 0..64)) {
            let config = config();
            let state = ProviderState::new(config.clone());
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                headers.insert(AUTHORIZATION, value);
            }
            let id = state.task_ids()[0].clone();
            let status = state.respond(&id, &headers).status();
            prop_assert!(
                [StatusCode::OK, StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&status),
                "{}", status
            );
        }
    }
}
