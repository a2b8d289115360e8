//! The contract: an OpenAPI 3.0 document reduced to the fetch operation mjconform checks.
//!
//! Every check derives from this model rather than from the raw document, so references are
//! resolved and schemas compiled once, at load time, and a broken spec fails before any request.

mod contract;
mod extensions;
mod fetch;
mod load;
mod media;

pub use contract::{
    AuthScheme, Contract, FetchOperation, FieldKind, MediaContract, ResponseContract,
    LongIdAnswer, StatusPattern, TaskIdentity, UnknownIdAnswer, UnsetConvention, UnsetField,
    TASK_IDENTITY_EXTENSION,
};

/// The contract used when no `--spec` is given: the provider's documented
/// `GET /mj/task/{id}/fetch`, embedded so the binary works on its own.
pub const DEFAULT_SPEC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/spec/mj-task-fetch.openapi.yaml"
));
