//! The contract as the checks see it: the fetch operation and what it documents, already resolved
//! (no `$ref`s left) and with every response schema compiled.

use super::media;
use crate::contract::rules::{UnsetMarker, ALL_UNSET_MARKERS};
use crate::contract::validate::SchemaValidator;
use crate::http::auth::KeyPlacement;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// A loaded spec, reduced to the one operation mjconform checks.
#[derive(Debug, Clone)]
pub struct Contract {
    /// Where the spec came from (a path, or the embedded default), for messages.
    pub origin: String,
    /// `sha256:<hex>` of the document's text: reports say exactly which contract was used.
    pub digest: String,
    pub fetch: FetchOperation,
    /// The document's `x-mjconform-known-deviations`: findings the family this document
    /// describes is known to produce against HTTP's own rules, in the baseline's entry form
    /// (read by [`crate::run::baseline::Baseline::for_run`]).
    pub known_deviations: Option<serde_json::Value>,
}

/// `GET /mj/task/{id}/fetch`, or whichever GET the spec documents in its place.
#[derive(Debug, Clone)]
pub struct FetchOperation {
    /// The path as the spec writes it, e.g. `/mj/task/{id}/fetch`.
    pub path_template: String,
    /// The name of the template's single parameter, e.g. `id`.
    pub id_param: String,
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub operation_id: Option<String>,
    /// The documented responses, in spec order.
    pub responses: Vec<ResponseContract>,
    /// A `default` response is documented, so every status is in some sense documented.
    pub has_default_response: bool,
    /// The operation's (or else the document's) security is non-empty and has no `{}`
    /// alternative, so a request without a credential must be refused.
    pub requires_auth: bool,
    /// The schemes the security requirements name, resolved, in order, without repeats.
    pub auth_schemes: Vec<AuthScheme>,
    /// Every method the spec documents on the fetch path (`GET`, and any other), uppercase:
    /// the methods the `unsupported_method` probes leave alone.
    pub path_methods: Vec<String>,
    /// The answer to an id that does not exist, when the document states one with the
    /// `x-mjconform-unknown-id` extension (OpenAPI 3.0 cannot tie an answer to "no such id").
    pub unknown_id: Option<UnknownIdAnswer>,
    /// What makes a 2xx body for a known id "that task".
    pub task_identity: TaskIdentity,
}

/// The operation extension in which a spec states what makes a 2xx body "the task asked for".
pub const TASK_IDENTITY_EXTENSION: &str = "x-mjconform-task-identity";

/// What makes a 2xx body for a known id "that task": a harness decision (see the spec's header
/// comment), which a spec may change with [`TASK_IDENTITY_EXTENSION`] on its fetch operation:
/// `{id: <field> | false, status: <field> | false}`. Without the extension, a task body must
/// carry the id asked for in `id` and a status in `status`; an absent or empty value fails.
/// Which statuses are documented is read from the 2xx schema's `enum` for the status field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskIdentity {
    /// The body field that must equal the id asked for; `None`: the spec demands no id.
    pub id_field: Option<String>,
    /// The body field that must hold a status; `None`: the spec demands no status.
    pub status_field: Option<String>,
}

impl Default for TaskIdentity {
    fn default() -> Self {
        TaskIdentity {
            id_field: Some("id".to_owned()),
            status_field: Some("status".to_owned()),
        }
    }
}

impl FetchOperation {
    /// The request path for an id. The id must already be percent-encoded for a path segment:
    /// encoding is the caller's choice, since some checks send deliberately odd ids.
    pub fn path_for(&self, raw_encoded_id: &str) -> String {
        self.path_template
            .replace(&format!("{{{}}}", self.id_param), raw_encoded_id)
    }

    /// The response documented for `status`: an exact code wins over a range (`4XX`), as OpenAPI
    /// specifies. `None` leaves the `default` response (if any) to the caller.
    pub fn documented(&self, status: u16) -> Option<&ResponseContract> {
        self.responses
            .iter()
            .find(|response| response.status == StatusPattern::Exact(status))
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|response| response.status.matches(status))
            })
    }

    /// Whether the spec allows `status` at all, counting a `default` response.
    pub fn is_documented(&self, status: u16) -> bool {
        self.has_default_response || self.documented(status).is_some()
    }

    /// The status an id that cannot exist must get: the `x-mjconform-unknown-id` extension's,
    /// else 404 when the spec documents it by exact code (only then is "unknown id → 404"
    /// contract).
    pub fn not_found_status(&self) -> Option<u16> {
        if let Some(answer) = &self.unknown_id {
            return Some(answer.status);
        }
        self.responses
            .iter()
            .any(|response| response.status == StatusPattern::Exact(404))
            .then_some(404)
    }

    /// Whether `status` and `body` are the answer the document states for an unknown id
    /// through `x-mjconform-unknown-id`. Such an answer is judged by that statement alone,
    /// not by the schema of its status (a 200 with body `null` is not a task).
    pub fn is_documented_unknown_id_answer(&self, status: u16, body: &[u8]) -> bool {
        self.unknown_id
            .as_ref()
            .is_some_and(|answer| answer.matches(status, body))
    }

    /// Where the document has a client put the key, in the order of its security
    /// requirements; schemes mjconform cannot place a key for are left out.
    pub fn key_placements(&self) -> Vec<KeyPlacement> {
        let mut placements: Vec<KeyPlacement> = Vec::new();
        for scheme in &self.auth_schemes {
            let placement = match scheme {
                AuthScheme::HttpBearer => KeyPlacement::Bearer,
                AuthScheme::RawAuthorization => KeyPlacement::Raw,
                AuthScheme::ApiKeyHeader(name) => KeyPlacement::Header(name.to_ascii_lowercase()),
                AuthScheme::HttpBasic | AuthScheme::Other(_) => continue,
            };
            if !placements.contains(&placement) {
                placements.push(placement);
            }
        }
        placements
    }

    /// The placement a run uses when `--key-placement` is not given: the document's first.
    pub fn key_placement(&self) -> Option<KeyPlacement> {
        self.key_placements().into_iter().next()
    }

    /// The unset-field convention of the JSON body documented for `status`, if the document
    /// states one (`x-mjconform-unset`).
    pub fn unset_convention(&self, status: u16) -> Option<&Arc<UnsetConvention>> {
        self.documented(status)?
            .media
            .iter()
            .find_map(|media| media.unset.as_ref())
    }

    /// Which of 401 and 403 the spec documents (exactly or by range) as answers to a request
    /// with a missing or bad credential.
    pub fn auth_failure_statuses(&self) -> Vec<u16> {
        [401, 403]
            .into_iter()
            .filter(|status| self.documented(*status).is_some())
            .collect()
    }
}

/// A response key: an exact code, or a class such as `4XX` (stored as its first digit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPattern {
    Exact(u16),
    Range(u16),
}

impl StatusPattern {
    pub fn matches(&self, status: u16) -> bool {
        match *self {
            StatusPattern::Exact(code) => status == code,
            StatusPattern::Range(class) => status / 100 == class,
        }
    }
}

impl fmt::Display for StatusPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusPattern::Exact(code) => write!(f, "{code}"),
            StatusPattern::Range(class) => write!(f, "{class}XX"),
        }
    }
}

/// One documented response.
#[derive(Debug, Clone)]
pub struct ResponseContract {
    pub status: StatusPattern,
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub description: String,
    /// The documented bodies by media type; empty when the response documents no content, in
    /// which case any body (or none) is acceptable.
    pub media: Vec<MediaContract>,
}

/// One documented body of a response.
#[derive(Debug, Clone)]
pub struct MediaContract {
    /// The media type or range as the spec writes it, e.g. `application/json`.
    pub media_type: String,
    /// The compiled schema; `None` when the spec gives the media type without a schema.
    pub schema: Option<Arc<SchemaValidator>>,
    /// The schema as JSON with its component references expanded, for readers of its shape
    /// (the dialect mock); `None` without a schema.
    pub schema_json: Option<Arc<Value>>,
    /// The media type's `example`, which the dialect mock answers with.
    pub example: Option<Value>,
    /// The body's unset-field convention, when its schema states one (`x-mjconform-unset`).
    pub unset: Option<Arc<UnsetConvention>>,
}

/// The answer a document states for an id that does not exist (`x-mjconform-unknown-id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownIdAnswer {
    pub status: u16,
    /// The exact body; `None` accepts any. A JSON body compares as JSON (spacing and key order
    /// aside); `""` is an empty body.
    pub body: Option<String>,
    /// The router's own answer to an id too long to route, if the family has one.
    pub long_id: Option<LongIdAnswer>,
}

/// `long-id: {over: 100, status: 404}`: an id of more than `over` characters (counted after
/// percent-decoding) never reaches the handler; the family's router answers `status` itself,
/// before any key check (Fastify's `maxParamLength`, find-my-way's `Router.find`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongIdAnswer {
    pub over: usize,
    pub status: u16,
}

impl LongIdAnswer {
    /// Whether an id of `chars` characters answered `status` is this answer.
    pub fn matches(&self, chars: usize, status: u16) -> bool {
        chars > self.over && status == self.status
    }
}

impl UnknownIdAnswer {
    pub fn matches(&self, status: u16, body: &[u8]) -> bool {
        status == self.status && self.body_matches(body)
    }

    pub fn body_matches(&self, body: &[u8]) -> bool {
        let Some(expected) = &self.body else {
            return true;
        };
        let expected_json = serde_json::from_str::<Value>(expected).ok();
        let actual_json = serde_json::from_slice::<Value>(body).ok();
        match (expected_json, actual_json) {
            (Some(expected), Some(actual)) => expected == actual,
            _ => expected.trim().as_bytes() == body.trim_ascii(),
        }
    }
}

impl fmt::Display for UnknownIdAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.body.as_deref() {
            None => write!(f, "{}", self.status),
            Some("") => write!(f, "{} with an empty body", self.status),
            Some(body) => write!(f, "{} with body `{body}`", self.status),
        }
    }
}

/// How a documented body marks fields it has not set (`x-mjconform-unset`), field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsetConvention {
    /// The markers the body's schema lists.
    pub markers: Vec<UnsetMarker>,
    /// The schema's properties, each with its markers (its own list, else the body's).
    pub fields: Vec<UnsetField>,
}

/// One documented property of a body with an unset convention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsetField {
    pub name: String,
    pub kind: FieldKind,
    pub markers: Vec<UnsetMarker>,
}

/// The documented type of a property, as far as unset markers care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    String,
    Integer,
    Other,
}

impl UnsetConvention {
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// The convention of a field; a field the schema does not document follows the body's.
    pub fn markers_of(&self, name: &str) -> &[UnsetMarker] {
        self.fields
            .iter()
            .find(|field| field.name == name)
            .map_or(&self.markers, |field| &field.markers)
    }

    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// Whether `marker` is how this body marks `name` unset.
    pub fn allows(&self, name: &str, marker: UnsetMarker) -> bool {
        self.markers_of(name).contains(&marker)
    }
}

impl Default for UnsetConvention {
    fn default() -> Self {
        UnsetConvention {
            markers: ALL_UNSET_MARKERS.to_vec(),
            fields: Vec::new(),
        }
    }
}

impl MediaContract {
    /// Whether a `Content-Type` header value falls under this media type. Parameters (`charset`)
    /// and case are ignored; `*/*` and `type/*` ranges match; a structured-syntax suffix gets no
    /// leniency: `application/problem+json` matches only a declared `application/problem+json`.
    pub fn matches(&self, content_type_header: &str) -> bool {
        media::matches(&self.media_type, content_type_header)
    }
}

/// A security scheme the operation accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: Bearer <key>`.
    HttpBearer,
    /// `Authorization: Basic <credentials>`.
    HttpBasic,
    /// The key in the named header.
    ApiKeyHeader(String),
    /// `Authorization: <key>`, no scheme word: an apiKey scheme in header `Authorization`, or
    /// any scheme marked `x-mjconform-key-placement: raw`.
    RawAuthorization,
    /// A scheme mjconform cannot exercise, described (e.g. "oauth2", "apiKey in query `key`").
    Other(String),
}

impl fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthScheme::HttpBearer => f.write_str("HTTP bearer"),
            AuthScheme::HttpBasic => f.write_str("HTTP basic"),
            AuthScheme::RawAuthorization => f.write_str("the bare key in `Authorization`"),
            AuthScheme::ApiKeyHeader(name) => write!(f, "API key in header `{name}`"),
            AuthScheme::Other(description) => f.write_str(description),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: StatusPattern) -> ResponseContract {
        ResponseContract {
            status,
            description: String::new(),
            media: Vec::new(),
        }
    }

    fn operation(statuses: &[StatusPattern], has_default_response: bool) -> FetchOperation {
        FetchOperation {
            path_template: "/mj/task/{id}/fetch".to_owned(),
            id_param: "id".to_owned(),
            operation_id: None,
            responses: statuses.iter().copied().map(response).collect(),
            has_default_response,
            requires_auth: false,
            auth_schemes: Vec::new(),
            path_methods: vec!["GET".to_owned()],
            unknown_id: None,
            task_identity: TaskIdentity::default(),
        }
    }

    #[test]
    fn path_for_substitutes_the_encoded_id() {
        let operation = operation(&[], false);
        assert_eq!(operation.path_for("a%2Fb"), "/mj/task/a%2Fb/fetch");
    }

    #[test]
    fn exact_codes_win_over_ranges() {
        let operation = operation(&[StatusPattern::Range(4), StatusPattern::Exact(404)], false);
        assert_eq!(
            operation.documented(404).map(|r| r.status),
            Some(StatusPattern::Exact(404))
        );
        assert_eq!(
            operation.documented(418).map(|r| r.status),
            Some(StatusPattern::Range(4))
        );
        assert!(operation.documented(500).is_none());
        assert!(!operation.is_documented(500));
        assert_eq!(operation.not_found_status(), Some(404));
        assert_eq!(operation.auth_failure_statuses(), [401, 403]);
    }

    #[test]
    fn default_documents_everything_but_no_exact_404() {
        let operation = operation(&[StatusPattern::Exact(200), StatusPattern::Range(4)], true);
        assert!(operation.is_documented(503));
        assert!(operation.documented(503).is_none());
        assert_eq!(operation.not_found_status(), None);
    }

    #[test]
    fn status_patterns_display_as_spec_keys() {
        assert_eq!(StatusPattern::Exact(200).to_string(), "200");
        assert_eq!(StatusPattern::Range(4).to_string(), "4XX");
        assert!(StatusPattern::Range(4).matches(401));
        assert!(!StatusPattern::Range(4).matches(500));
    }
}
