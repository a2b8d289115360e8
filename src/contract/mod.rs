//! The contract: the OpenAPI document and what it says (`spec`), the JSON Schema validator
//! built from it (`validate`), the semantic rules the document cannot express (`rules`), and
//! the dialects of real server families (`dialect`).
//!
//! Imports only [`crate::http`] (where a key goes) and [`crate::errors`].

pub mod dialect;
pub mod rules;
pub mod spec;
pub mod validate;
