//! A request with a valid credential and a task id the user says exists must succeed.
//! Without this, a server answering 404 (or 401) to everything would keep every other
//! check green: 404 and 401 are documented statuses.

use super::Finding;
use crate::http::exchange::Exchange;

pub(super) fn check(exchange: &Exchange) -> Vec<Finding> {
    if (200..300).contains(&exchange.status) {
        return Vec::new();
    }
    let hint = match exchange.status {
        401 | 403 => {
            " (is the key right, and in the place this server reads it? see --key-placement)"
        }
        404 => " (does this task id exist for this key?)",
        _ => "",
    };
    let message = format!(
        "a valid request for an existing task got {}, expected a 2xx{hint}",
        exchange.status
    );
    vec![Finding::status(exchange.status, "2xx", message)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn only_2xx_passes() {
        assert!(check(&answer(200, None, "")).is_empty());
        assert!(check(&answer(404, None, ""))[0].message.contains("exist"));
        assert!(check(&answer(401, None, ""))[0]
            .message
            .contains("--key-placement"));
    }
}
