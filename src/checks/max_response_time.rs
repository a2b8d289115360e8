//! `max_response_time`, after Schemathesis's check of the same name: with
//! `--max-response-time D`, every answer arrives in full within D.
//!
//! Off by default (every trial passes): how fast is fast enough is the user's contract, not
//! the spec's. The time is the client's, from sending the request to the last body byte,
//! without the waits `--rate` and 429s impose before sending.

use super::Finding;
use crate::http::exchange::Exchange;

pub fn check(exchange: &Exchange) -> Vec<Finding> {
    let Some(limit) = exchange.time_limit else {
        return Vec::new();
    };
    if exchange.elapsed <= limit {
        return Vec::new();
    }
    let took = exchange.elapsed.as_millis();
    let limit_ms = limit.as_millis();
    vec![Finding::new(format!(
        "the answer took {took} ms, longer than the {limit_ms} ms --max-response-time allows"
    ))
    .rule("max-response-time")
    .expected_actual(format!("at most {limit_ms} ms"), format!("{took} ms"))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;
    use std::time::Duration;

    #[test]
    fn judged_only_with_a_limit() {
        let mut exchange = answer(200, None, "{}");
        exchange.elapsed = Duration::from_millis(900);
        assert!(check(&exchange).is_empty());
        exchange.time_limit = Some(Duration::from_secs(1));
        assert!(check(&exchange).is_empty());
        exchange.time_limit = Some(Duration::from_millis(500));
        let findings = check(&exchange);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].actual.as_deref(), Some("900 ms"));
        assert_eq!(findings[0].expected.as_deref(), Some("at most 500 ms"));
    }
}
