//! The provider's HTTP surface: one documented route (with the answers HTTP requires to its
//! other methods), a JSON 404 for everything else.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::faults::Fault;
use super::state::ProviderState;
use super::{methods, reply};

/// The documented endpoint, in axum's route syntax.
pub const FETCH_ROUTE: &str = "/mj/task/{id}/fetch";

/// The reference provider as an axum router, for serving or for in-process use.
///
/// HEAD gets GET's answer without the body, OPTIONS a 204 listing the methods, and any other
/// method a JSON 405 with an `Allow` header ([`methods`]); any other path, including
/// `/mj/task//fetch` (an empty id matches no route), gets a JSON 404.
pub fn router(state: ProviderState) -> Router {
    Router::new()
        .route(
            FETCH_ROUTE,
            get(fetch)
                .head(head)
                .options(options)
                // Routed by name, so axum adds no `Allow` of its own to their 405 (it does to
                // a fallback's), and `no-allow-on-405` can leave it out.
                .post(other_method)
                .put(other_method)
                .patch(other_method)
                .delete(other_method)
                .fallback(other_method),
        )
        .fallback(not_found)
        .with_state(state)
}

/// `GET /mj/task/{id}/fetch`.
///
/// The id is taken as a `Result` because axum rejects a segment that percent-decodes to invalid
/// UTF-8 (`%FF`) with a 400 of its own. Such an id cannot name a task, so it is passed on
/// undecoded and gets the same answer as any unknown id: 401/403 or the documented 404.
async fn fetch(
    State(state): State<ProviderState>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let id = match id {
        Ok(Path(id)) => id,
        Err(_) => undecoded_id(&uri),
    };
    if let Some(delay) = Fault::unknown_id_delay(state.faults()) {
        if state.task(&id).is_none() {
            tokio::time::sleep(delay).await;
        }
    }
    let response = state.respond(&id, &headers);
    methods::bend_framing(&state, &headers, response)
}

/// `HEAD /mj/task/{id}/fetch`.
async fn head(
    State(state): State<ProviderState>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let id = match id {
        Ok(Path(id)) => id,
        Err(_) => undecoded_id(&uri),
    };
    methods::head(&state, &id, &headers).await
}

/// `OPTIONS /mj/task/{id}/fetch`.
async fn options(State(state): State<ProviderState>) -> Response {
    methods::options(&state)
}

/// Any other method on the fetch path.
async fn other_method(
    State(state): State<ProviderState>,
    method: Method,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let id = match id {
        Ok(Path(id)) => id,
        Err(_) => undecoded_id(&uri),
    };
    methods::other(&state, &method, &id, &headers)
}

/// The raw `{id}` segment of a fetch URI.
fn undecoded_id(uri: &Uri) -> String {
    uri.path()
        .strip_prefix("/mj/task/")
        .and_then(|rest| rest.strip_suffix("/fetch"))
        .unwrap_or_default()
        .to_owned()
}

/// Any path the provider does not serve; under `trailing-slash-served`, the fetch path with a
/// trailing slash serves the task without looking at the credential (a second route that
/// skipped the key check).
async fn not_found(State(state): State<ProviderState>, uri: Uri) -> Response {
    if state.faults().has(Fault::TrailingSlashServed) {
        let id = uri
            .path()
            .strip_prefix("/mj/task/")
            .and_then(|rest| rest.strip_suffix("/fetch/"));
        if let Some(task) = id.and_then(|id| state.task(id)) {
            return reply::task(task);
        }
    }
    reply::route_not_found()
}
