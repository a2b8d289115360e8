//! The one error type of the library surface.

/// Why the library could not do what was asked. The message reads after "failed to".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A name (fault, dialect) or an option the harness does not know, or a malformed one.
    #[error("{0}")]
    Usage(String),
    /// The reference provider could not start (no free port, no runtime thread).
    #[error("start the reference provider: {0}")]
    Start(String),
}
