//! The provider's HTTP surface: one documented route, a JSON 404 for everything else.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::reply;
use super::state::ProviderState;

/// The documented endpoint, in axum's route syntax.
pub const FETCH_ROUTE: &str = "/mj/task/{id}/fetch";

/// The reference provider as an axum router, for serving or for in-process use.
///
/// Other methods on the fetch path get axum's 405 with an `Allow` header; any other path,
/// including `/mj/task//fetch` (an empty id matches no route), gets a JSON 404.
pub fn router(state: ProviderState) -> Router {
    Router::new()
        .route(FETCH_ROUTE, get(fetch))
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
    state.respond(&id, &headers)
}

/// The raw `{id}` segment of a fetch URI.
fn undecoded_id(uri: &Uri) -> String {
    uri.path()
        .strip_prefix("/mj/task/")
        .and_then(|rest| rest.strip_suffix("/fetch"))
        .unwrap_or_default()
        .to_owned()
}

/// Any path the provider does not serve.
async fn not_found() -> Response {
    reply::route_not_found()
}
