//! The bodies the provider answers with.
//!
//! The doc gives 401, 403 and 404 no body; the provider sends new-api's error shape
//! `{"error":{"message","type"}}` so that clients written for real servers can read it, with
//! `type` naming the status rather than new-api's catch-all `new_api_error`.

use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// A 200 with the task as `application/json`.
pub fn task(body: &Value) -> Response {
    json_response(StatusCode::OK, body)
}

/// 401 for a missing or unknown credential. `WWW-Authenticate` tells the client which scheme
/// the provider wants, as RFC 9110 requires of a 401; it never repeats what the client sent.
pub fn unauthorized() -> Response {
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing or invalid API key; send Authorization: Bearer <key>",
    );
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// 403 for a key the provider knows but refuses.
pub fn forbidden() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "forbidden",
        "this API key is disabled",
    )
}

/// 404 for a task id the provider does not have.
pub fn task_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "task not found")
}

/// 404 for a path the provider does not serve at all.
pub fn route_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// An error answer in the `{"error":{"message","type"}}` shape.
pub fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({ "error": { "message": message, "type": kind } });
    json_response(status, &body)
}

/// `body` serialized as `application/json` (axum's `Json` needs a feature this crate leaves
/// off). Serializing a `Value` cannot fail; if it somehow did, the client still gets `status`
/// with an empty object rather than a 500.
fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let content_type = HeaderValue::from_static("application/json");
    (status, [(CONTENT_TYPE, content_type)], bytes).into_response()
}

/// A response's status, content type and body, for unit tests of the provider's answers.
#[cfg(test)]
pub(crate) fn read(response: Response) -> (u16, Option<String>, Vec<u8>) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let body = runtime
        .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
        .expect("a body");
    (status, content_type, body.to_vec())
}
