//! An in-process axum server for the fuzz tests: conforming by default, with the quirks
//! real frameworks have (Go's ServeMux redirects unclean paths, Node refuses big headers
//! with 431, duplicate `Authorization` headers get 400), or with one injected fault, so
//! each fuzz property can be shown to fail on exactly the bug it guards against.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use serde_json::Value;
use tokio::sync::oneshot;

/// The key the servers accept.
pub const KEY: &str = "sk-mjc-fuzz-5c0ffee-1d2e3f4a5b6c";

/// The panic message of a simulated crash; the test binary's panic hook keeps it quiet.
pub const CRASH: &str = "mjconform-fuzz-test-crash";

/// What the server gets wrong, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// None: the server conforms (with the allowed framework quirks).
    None,
    /// 500 when the decoded id contains `%` (a server that decodes twice and chokes).
    ServerErrorOnPercentInId,
    /// Drops the connection when the id is longer than 100 bytes.
    CrashOnLongId,
    /// 400 when the id contains whitespace.
    BadRequestOnWhitespaceInId,
    /// 200 `text/plain` `null` for ids with non-ASCII characters.
    NullForNonAsciiId,
    /// 200 with the task for `Bearer` and an empty token.
    AcceptEmptyBearer,
    /// Drops the connection when a credential header is longer than 300 bytes.
    CrashOnLongCredential,
    /// Drops the connection when a credential header holds non-ASCII bytes.
    CrashOnNonAsciiCredential,
    /// Only the exact spelling `Bearer` opens the door.
    CaseSensitiveScheme,
    /// 418 for the `Basic` and `Token` schemes.
    TeapotForOtherSchemes,
    /// 200 `text/plain` for the scheme in another case with the right key.
    TextForSchemeCaseVariants,
    /// Serves a task for any id that starts with its id (a `LIKE 'id%'` lookup).
    PrefixMatch,
    /// 500 for everything.
    AlwaysServerError,
}

/// Where the server reads the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reads {
    Bearer,
    Header(&'static str),
}

struct Config {
    fault: Fault,
    reads: Reads,
    tasks: HashMap<String, Value>,
}

/// A running server; dropping it stops it.
pub struct Server {
    pub url: String,
    pub task_ids: Vec<String>,
    /// Requests the server received: what a test compares with the fuzzer's own count.
    pub received: Arc<std::sync::atomic::AtomicUsize>,
    _stop: oneshot::Sender<()>,
}

/// Starts a server with `fault`, reading the key as `reads`, on `runtime`.
pub fn start(runtime: &tokio::runtime::Runtime, fault: Fault, reads: Reads) -> Server {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(1_747_133_323_000);
    let mut tasks = HashMap::new();
    let mut task_ids = Vec::new();
    for task in mjconform::provider::seeded_tasks(now_ms) {
        if let Some(id) = task.get("id").and_then(Value::as_str) {
            task_ids.push(id.to_owned());
            tasks.insert(id.to_owned(), task);
        }
    }
    let config = Arc::new(Config {
        fault,
        reads,
        tasks,
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(SocketAddr::from((
            Ipv4Addr::LOCALHOST,
            0,
        ))))
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("a local address");
    let received = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&received);
    let app =
        Router::new()
            .fallback(handle)
            .with_state(config)
            .layer(axum::middleware::map_request(
                move |request: axum::extract::Request| {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    std::future::ready(request)
                },
            ));
    runtime.spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Server {
        url: format!("http://{addr}/"),
        task_ids,
        received,
        _stop: stop,
    }
}

fn reply(status: u16, content_type: &str, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).expect("a status");
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_str(content_type).expect("a content type"),
    );
    response
}

fn json_error(status: u16, message: &str) -> Response {
    reply(
        status,
        "application/json",
        serde_json::json!({ "error": message }).to_string(),
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The path as Go's `path.Clean` leaves it: no empty or `.` segments, `..` applied.
fn clean_path(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    let mut cleaned = format!("/{}", kept.join("/"));
    if path.ends_with('/') && cleaned != "/" {
        cleaned.push('/');
    }
    cleaned
}

fn crash() -> ! {
    // Unwinding out of the handler ends hyper's connection task: the client sees the
    // connection close without an answer, as it would from a crashed worker.
    std::panic::panic_any(CRASH)
}

async fn handle(State(config): State<Arc<Config>>, request: Request) -> Response {
    let fault = config.fault;
    if fault == Fault::AlwaysServerError {
        return json_error(500, "always");
    }
    let raw_path = request.uri().path().to_owned();
    if raw_path.len() > 8192 {
        return json_error(414, "uri too long");
    }
    let headers = request.headers();
    if headers.iter().any(|(_, value)| value.len() > 8192) {
        return json_error(431, "request header fields too large");
    }
    let name = match &config.reads {
        Reads::Bearer => "authorization",
        Reads::Header(name) => name,
    };
    let credentials: Vec<&HeaderValue> = headers.get_all(name).iter().collect();
    if fault == Fault::CrashOnLongCredential && credentials.iter().any(|value| value.len() > 300) {
        crash();
    }
    if fault == Fault::CrashOnNonAsciiCredential
        && credentials.iter().any(|value| !value.as_bytes().is_ascii())
    {
        crash();
    }
    // Go's ServeMux cleans the decoded path and redirects when that changed it.
    let decoded = percent_decode(&raw_path);
    let cleaned = clean_path(&decoded);
    if cleaned != decoded {
        let mut response = json_error(301, "moved");
        if let Ok(location) = HeaderValue::from_str(&cleaned) {
            response.headers_mut().insert(LOCATION, location);
        }
        return response;
    }
    let segments: Vec<&str> = raw_path.split('/').collect();
    let id = match segments[..] {
        ["", "mj", "task", segment, "fetch"] if !segment.is_empty() => percent_decode(segment),
        _ => return json_error(404, "no such route"),
    };
    match fault {
        Fault::ServerErrorOnPercentInId if id.contains('%') => return json_error(500, "decode"),
        Fault::CrashOnLongId if id.len() > 100 => crash(),
        Fault::BadRequestOnWhitespaceInId if id.chars().any(char::is_whitespace) => {
            return json_error(400, "bad id")
        }
        _ => {}
    }
    if credentials.len() > 1 {
        return json_error(400, "more than one credential");
    }
    let value = credentials
        .first()
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let mut scheme_case_variant = false;
    let authorized = match &config.reads {
        Reads::Header(_) => value == KEY,
        Reads::Bearer => {
            let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
            if fault == Fault::TeapotForOtherSchemes && matches!(scheme, "Basic" | "Token") {
                return json_error(418, "teapot");
            }
            let scheme_ok = if fault == Fault::CaseSensitiveScheme {
                scheme == "Bearer"
            } else {
                scheme.eq_ignore_ascii_case("bearer")
            };
            scheme_case_variant = scheme_ok && scheme != "Bearer";
            let empty_allowed = fault == Fault::AcceptEmptyBearer && token.trim().is_empty();
            scheme_ok && (token == KEY || empty_allowed)
        }
    };
    if !authorized {
        return json_error(401, "unauthorized");
    }
    if fault == Fault::TextForSchemeCaseVariants && scheme_case_variant {
        return reply(200, "text/plain", "ok".to_owned());
    }
    let prefix_match = || {
        config
            .tasks
            .iter()
            .find(|(known, _)| fault == Fault::PrefixMatch && id.starts_with(known.as_str()))
            .map(|(_, task)| task)
    };
    match config.tasks.get(&id).or_else(prefix_match) {
        Some(task) => reply(200, "application/json", task.to_string()),
        None if fault == Fault::NullForNonAsciiId && !id.is_ascii() => {
            reply(200, "text/plain", "null".to_owned())
        }
        None => json_error(404, "task not found"),
    }
}
