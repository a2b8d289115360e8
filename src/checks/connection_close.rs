//! `connection_close`: a request that says `Connection: close` gets a server that closes.
//!
//! RFC 9112 §9.6: "A server that receives a "close" connection option MUST initiate closure
//! of the connection after it sends the final response to the request that contained the
//! "close" connection option." A client that asked to close (curl with `-H 'Connection:
//! close'`, Node's `http` with `agent: false`, any HTTP/1.0 client) holds a socket and a file
//! descriptor open for as long as the server keeps it, and one that reads an answer up to the
//! close waits for it. The framing probe is read off the wire with `Connection: close`
//! ([`crate::http::wire`]), which waits a moment for the close after the answer ends: this
//! check says what it saw. On an `https://` target (read by the library) there is nothing to
//! judge.

use super::Finding;
use crate::http::exchange::Exchange;

pub fn check(exchange: &Exchange) -> Vec<Finding> {
    let Some(wire) = &exchange.wire else {
        return Vec::new();
    };
    if wire.closed_after_message != Some(false) {
        return Vec::new();
    }
    vec![Finding::new(format!(
        "the request said `Connection: close`, but the connection was still open {} ms after \
         the answer ended; RFC 9112 §9.6: a server that receives the close option MUST close \
         the connection after its response",
        wire.close_wait_ms
    ))
    .rule("connection-close")
    .expected_actual(
        "the connection closed after the answer",
        format!("still open after {} ms", wire.close_wait_ms),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;
    use crate::http::exchange::WireFacts;

    #[test]
    fn an_open_connection_after_close_fails() {
        let mut exchange = answer(200, Some("application/json"), "{}");
        assert!(check(&exchange).is_empty(), "read by the library: nothing seen");
        for seen in [None, Some(true)] {
            exchange.wire = Some(WireFacts {
                closed_after_message: seen,
                ..WireFacts::default()
            });
            assert!(check(&exchange).is_empty(), "{seen:?}");
        }
        exchange.wire = Some(WireFacts {
            closed_after_message: Some(false),
            close_wait_ms: 1000,
            ..WireFacts::default()
        });
        let findings = check(&exchange);
        assert_eq!(findings.len(), 1);
        assert!(findings[0]
            .message
            .contains("the connection was still open 1000 ms after the answer ended"));
    }
}
