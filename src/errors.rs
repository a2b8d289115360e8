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
    /// An option or its environment variable was given an empty (or blank) value, which
    /// would otherwise be silently read as "not given".
    #[error("use {name}: the value is empty ({fix})")]
    EmptyValue { name: String, fix: &'static str },
    /// A `--fuzz-replay` case cannot be replayed under the conditions it was found in.
    #[error("replay the fuzz case: {0}")]
    Replay(String),
    /// `mjconform mock` could not listen where it was asked to.
    #[error("listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
    /// `mjconform mock --ready-file PATH` could not write PATH.
    #[error("write the ready file {path}: {source}")]
    ReadyFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Baseline(#[from] BaselineError),
    #[error("use report options: {0}")]
    Report(String),
    #[error("{0}")]
    Matrix(#[from] MatrixError),
}

/// `mjconform matrix FILE` cannot run as asked (exit code 2): the file, one of its targets,
/// or where the matrix writes. Each message names the file, and the target and key when
/// there is one.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error("read the matrix file `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML, or its top level is not what the matrix reads.
    #[error("read the matrix file `{path}`: {message}")]
    Parse { path: PathBuf, message: String },
    /// One `[[target]]` entry is unusable.
    #[error("use the matrix file `{path}`: target `{target}`: {message}")]
    Target {
        path: PathBuf,
        target: String,
        message: String,
    },
    #[error("use the matrix file `{path}`: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("start the embedded mock of target `{target}`: {source}")]
    Mock {
        target: String,
        #[source]
        source: std::io::Error,
    },
    #[error("start the tokio runtime for the embedded mocks: {0}")]
    Runtime(std::io::Error),
    #[error("find the mjconform binary to run each target with: {0}")]
    CurrentExe(std::io::Error),
    #[error("create the matrix report directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A `--from-reports` input is not a readable mjconform report.
    #[error("read the report `{path}`: {reason}")]
    Report { path: PathBuf, reason: String },
    #[error("write the matrix {what} to {path}: {source}")]
    Write {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A baseline file of known deviations could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("read baseline `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("read baseline `{path}`: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("write baseline `{path}`: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A request to the target could not be completed, so the check could not run.
/// This is distinct from a contract failure (the server answered, and wrongly): each
/// variant names what happened on the wire, so a person can tell a dead target from a
/// slow one from a broken one.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RequestError {
    #[error("build the request: {0}")]
    Build(String),
    /// No TCP connection: refused, unreachable, or the name did not resolve.
    #[error("connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    /// No connection (and, for `https`, no TLS session) within the connect timeout.
    #[error("connect to {url} within {timeout_ms} ms: {stage} did not complete in time")]
    ConnectTimeout {
        url: String,
        timeout_ms: u64,
        /// What had to complete: the TCP connection, or for `https` also the TLS handshake.
        stage: &'static str,
    },
    /// The TCP connection was made but no TLS session came of it: a plain-HTTP server
    /// behind an `https://` URL, a bad certificate, garbage bytes.
    #[error("complete a TLS handshake with {url}: {reason}")]
    Tls { url: String, reason: String },
    /// The connection was made but no status line and headers arrived in time.
    #[error("get an answer within {timeout_ms} ms: no response headers arrived")]
    Timeout { timeout_ms: u64 },
    /// The headers arrived but the body did not end in time: a stalled or dripping body.
    #[error(
        "read the whole body within {timeout_ms} ms: status {status} and {received} body bytes arrived, then the body stalled"
    )]
    BodyTimeout {
        timeout_ms: u64,
        status: u16,
        received: usize,
    },
    /// The headers arrived but the body broke off: a reset, or fewer bytes than the
    /// `Content-Length` announced.
    #[error("read the whole body (status {status}): {reason}")]
    Body { status: u16, reason: String },
    /// No usable answer: the connection closed early, or the bytes were not HTTP.
    #[error("read the response: {0}")]
    Transport(String),
    /// The target kept answering 429 Too Many Requests, or asked for a longer wait than
    /// `--max-retry-after` allows. Not a contract failure: the target is protecting itself.
    #[error("get an answer other than 429 Too Many Requests: {reason}")]
    RateLimited { reason: String },
    /// Not sent: earlier requests in a row got no answer in time, so the target is taken
    /// as stalled and the run ends instead of waiting out one timeout per request.
    #[error(
        "send the request: {limit} requests in a row got no answer within {timeout_ms} ms, so no more are sent to this target"
    )]
    Stalled { limit: usize, timeout_ms: u64 },
}

impl RequestError {
    /// Whether the target took a whole deadline without answering: what the stall
    /// breaker counts (a refused or broken connection answers quickly; this does not).
    pub fn is_no_answer_in_time(&self) -> bool {
        matches!(
            self,
            RequestError::Timeout { .. }
                | RequestError::BodyTimeout { .. }
                | RequestError::ConnectTimeout { .. }
        )
    }
}

/// A report could not be written. The run's verdict stands; the harness says which report is
/// missing.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("create the report directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("write the {format} report to {path}: {source}")]
    Write {
        format: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("render the {format} report: {message}")]
    Render { format: String, message: String },
}
