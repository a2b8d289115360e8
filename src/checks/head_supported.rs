//! `head_supported`: HEAD is answered like GET, not refused.
//!
//! RFC 9110 §9.1: "All general-purpose servers MUST support the methods GET and HEAD", and
//! §9.3.2 defines HEAD as GET without the content: caches, link checkers and monitors use it
//! to learn a resource's status and headers cheaply. The HEAD probe asks for the task the
//! credential probes ask for, with the run's key, so a 405 or 501 can only mean the method is
//! not supported. Other statuses are left to the GET checks: this check cannot see the GET
//! answer, and a 404 there would be reported by them. Frameworks that route HEAD only when
//! told to (ASP.NET Core's `MapGet`, gin) are caught here. The MUST binds general-purpose
//! servers and the doc documents only GET, so the check's default level is `warn`
//! (`checks/levels.rs`): a finding, not a failure, unless the run denies it.

use super::Finding;
use crate::http::exchange::Exchange;

pub fn check(exchange: &Exchange) -> Vec<Finding> {
    let status = exchange.status;
    if status != 405 && status != 501 {
        return Vec::new();
    }
    vec![Finding::status(
        status,
        "the status GET gets, without the body",
        format!(
            "HEAD got {status}: the server refuses HEAD on a resource it serves by GET, and \
             RFC 9110 §9.1 requires every general-purpose server to support both (§9.3.2: HEAD \
             is GET without the content)"
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn refusing_head_fails_and_anything_else_is_left_to_get() {
        for status in [405, 501] {
            let findings = check(&answer(status, None, ""));
            assert_eq!(findings.len(), 1);
            assert_eq!(findings[0].rule, Some(format!("status:{status}")));
        }
        for status in [200, 401, 404, 500] {
            assert!(check(&answer(status, None, "")).is_empty(), "{status}");
        }
    }
}
