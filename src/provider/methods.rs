//! The provider's answers to the methods other than GET on the fetch path, as HTTP requires
//! them (RFC 9110 §9): HEAD is GET without the content, OPTIONS lists the methods, anything
//! else is refused with 405 and an `Allow` header. The faults of HTTP's own rules bend them
//! here; the two that break framing, which hyper will not write, leave a marker header for
//! [`super::wire_faults`] to act on.

use axum::body::{to_bytes, Body};
use axum::http::header::ALLOW;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;

use super::faults::Fault;
use super::reply;
use super::state::ProviderState;

/// What the fetch path supports.
pub const ALLOWED: &str = "GET, HEAD, OPTIONS";

/// The marker header [`super::wire_faults`] removes and acts on.
pub const WIRE_MARKER: HeaderName = HeaderName::from_static("x-mjconform-wire");

/// The most body a marker carries: the seeded tasks are a few KiB.
const MARKED_BODY_MAX: usize = 64 * 1024;

/// `HEAD /mj/task/{id}/fetch`: GET's answer, whose body hyper leaves unsent.
pub async fn head(state: &ProviderState, id: &str, headers: &HeaderMap) -> Response {
    let faults = state.faults();
    if faults.has(Fault::HeadRefused) {
        return refusal(state, "GET, OPTIONS");
    }
    let response = state.respond(id, headers);
    if !faults.has(Fault::HeadWithBody) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, MARKED_BODY_MAX).await.unwrap_or_default();
    if let Ok(marker) = HeaderValue::from_str(&format!("append {}", hex(&bytes))) {
        parts.headers.insert(WIRE_MARKER, marker);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `OPTIONS /mj/task/{id}/fetch`: 204 with the methods the path supports.
pub fn options(state: &ProviderState) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(ALLOWED));
    if state.faults().has(Fault::LengthOn204) {
        // hyper never writes a length on a 204: the wire layer adds it.
        response.headers_mut().insert(
            WIRE_MARKER,
            HeaderValue::from_static("header content-length: 12"),
        );
    }
    response
}

/// Any other method: refused with 405, unless a fault serves it.
pub fn other(state: &ProviderState, method: &Method, id: &str, headers: &HeaderMap) -> Response {
    let unsafe_method = [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method);
    if unsafe_method && state.faults().has(Fault::OtherMethodsServed) {
        return state.respond(id, headers);
    }
    refusal(state, ALLOWED)
}

/// 405 with `Allow: allowed` (none under `no-allow-on-405`).
fn refusal(state: &ProviderState, allowed: &'static str) -> Response {
    let mut response = reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path supports GET, HEAD and OPTIONS only",
    );
    if !state.faults().has(Fault::NoAllowOn405) {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allowed));
    }
    response
}

/// GET's answer as the framing faults make it: under `length-longer-than-body`, a task
/// answer to a client that asked to close the connection announces 10 bytes it never sends.
/// (Only then: a kept-alive connection would wait for them until the client's timeout.)
pub fn bend_framing(
    state: &ProviderState,
    headers: &HeaderMap,
    mut response: Response,
) -> Response {
    let closing = headers
        .get(axum::http::header::CONNECTION)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("close"));
    if closing
        && response.status() == StatusCode::OK
        && state.faults().has(Fault::LengthLongerThanBody)
    {
        response
            .headers_mut()
            .insert(WIRE_MARKER, HeaderValue::from_static("length-plus 10"));
    }
    if closing
        && response.status() == StatusCode::OK
        && state.faults().has(Fault::IgnoresConnectionClose)
    {
        response
            .headers_mut()
            .insert(WIRE_MARKER, HeaderValue::from_static("hold-open"));
    }
    response
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
