//! Every error type of the crate. Messages are lowercase fragments that read after
//! "failed to", so callers can print `error: failed to {err}` on one line.

use std::path::PathBuf;

/// The contract could not be loaded or turned into validators.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("read spec `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("parse spec `{origin}` as OpenAPI 3.0: {message}")]
    Parse { origin: String, message: String },
    #[error("find a GET operation for `/mj/task/{{id}}/fetch` in spec `{origin}`")]
    NoFetchOperation { origin: String },
    #[error("resolve `{reference}` in spec `{origin}`")]
    UnresolvedRef { origin: String, reference: String },
    #[error("use spec `{origin}`: {message}")]
    Unsupported { origin: String, message: String },
    #[error("compile the schema at `{location}` into a validator: {message}")]
    Compile { location: String, message: String },
}

/// The run's inputs are unusable (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("parse arguments: {0}")]
    Arguments(String),
    #[error("use target URL `{url}`: {reason}")]
    TargetUrl { url: String, reason: String },
    #[error("use task id: {0}")]
    TaskId(String),
    #[error("use key placement `{value}`: expected `bearer`, `raw` or `header:NAME`")]
    KeyPlacement { value: String },
    #[error("load the contract: {0}")]
    Spec(#[from] SpecError),
    #[error("reach the target `{url}`: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("start the tokio runtime: {0}")]
    Runtime(std::io::Error),
    #[error("start the reference provider: {0}")]
    Provider(std::io::Error),
}

/// A request to the target could not be completed, so the check could not run.
/// This is distinct from a contract failure (the server answered, and wrongly).
#[derive(Debug, Clone, thiserror::Error)]
pub enum RequestError {
    #[error("build the request: {0}")]
    Build(String),
    #[error("connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("get an answer within {timeout_ms} ms")]
    Timeout { timeout_ms: u64 },
    #[error("read the response: {0}")]
    Transport(String),
}
