//! A 5xx means the server failed on a request it should have answered; no contract
//! documents a crash.

use super::Finding;
use crate::http::exchange::Exchange;

pub(super) fn check(exchange: &Exchange) -> Vec<Finding> {
    if exchange.is_server_error() {
        let message = format!("the server answered {} (a server error)", exchange.status);
        vec![Finding::status(exchange.status, "below 500", message)]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn fails_on_5xx_only() {
        assert!(check(&answer(200, None, "")).is_empty());
        assert!(check(&answer(404, None, "")).is_empty());
        assert!(check(&answer(499, None, "")).is_empty());
        assert_eq!(check(&answer(500, None, "")).len(), 1);
        assert_eq!(check(&answer(503, None, "")).len(), 1);
    }
}
