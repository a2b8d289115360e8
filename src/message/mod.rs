//! What a finding says to people: the failure message (`failure`: a copy-paste `curl`
//! reproduction, status, headers, the body excerpt around each finding), where a pointer's
//! value sits in a body (`pointer_span`), and the [`redact::Redactor`] every output passes
//! through.
//!
//! Imports [`crate::checks`], [`crate::contract`] and [`crate::http`].

pub mod failure;
pub mod pointer_span;
pub mod redact;
mod secret_forms;
