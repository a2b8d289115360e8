//! The contract as the checks see it: the fetch operation and what it documents, already resolved
//! (no `$ref`s left) and with every response schema compiled.

use super::media;
use crate::validate::SchemaValidator;
use std::fmt;
use std::sync::Arc;

/// A loaded spec, reduced to the one operation mjconform checks.
#[derive(Debug, Clone)]
pub struct Contract {
    /// Where the spec came from (a path, or the embedded default), for messages.
    pub origin: String,
    pub fetch: FetchOperation,
}

/// `GET /mj/task/{id}/fetch`, or whichever GET the spec documents in its place.
#[derive(Debug, Clone)]
pub struct FetchOperation {
    /// The path as the spec writes it, e.g. `/mj/task/{id}/fetch`.
    pub path_template: String,
    /// The name of the template's single parameter, e.g. `id`.
    pub id_param: String,
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

    /// 404 when the spec documents it by exact code: only then is "unknown id → 404" contract.
    pub fn not_found_status(&self) -> Option<u16> {
        self.responses
            .iter()
            .any(|response| response.status == StatusPattern::Exact(404))
            .then_some(404)
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
    /// A scheme mjconform cannot exercise, described (e.g. "oauth2", "apiKey in query `key`").
    Other(String),
}

impl fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthScheme::HttpBearer => f.write_str("HTTP bearer"),
            AuthScheme::HttpBasic => f.write_str("HTTP basic"),
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
