//! Schema validation of response bodies.
//!
//! The contract's schemas are OpenAPI 3.0 Schema Objects; they are converted to JSON Schema
//! 2020-12 ([`openapi_to_json_schema`]), compiled once with the `jsonschema` crate
//! ([`SchemaValidator`]), and their failures reported as [`Violation`]s a report can print.

mod convert;
mod int_format;
mod validator;
mod violation;

pub use convert::openapi_to_json_schema;
pub use validator::SchemaValidator;
pub use violation::{Violation, ViolationKind};
