//! Talking to the target: the request as data, the client that sends it, the answer read
//! off the socket, the key and where it goes, the pace of sending.
//!
//! The lowest layer: it imports only [`crate::errors`]. Nothing here knows the contract.

pub mod auth;
pub mod blocking;
pub mod body;
pub mod client;
pub mod coding;
pub mod duplicate_keys;
pub mod exchange;
pub mod politeness;
pub mod preflight;
pub mod request;
pub mod wire;
