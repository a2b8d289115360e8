//! The properties every generated request is checked against, and the judgement of one
//! property on one answer. Where a property is one of the suite's checks, the check itself
//! judges ([`Check::run`]): fuzzing adds inputs, not rules. The allowances of
//! [`super::allowances`] decide which properties apply and which answers are the HTTP
//! layer's refusal rather than the application's.

use super::allowances::Leniency;
use super::credentials::Validity;
use super::input::Domain;
pub use super::property::Property;
use crate::checks::{Check, Finding, Probe, Verdict};
use crate::contract::spec::FetchOperation;
use crate::errors::RequestError;
use crate::http::exchange::Exchange;

/// What is known about a generated request before it is sent.
#[derive(Debug, Clone)]
pub struct Facts {
    pub domain: Domain,
    /// For credential inputs: whether the credential should open the door.
    pub validity: Option<Validity>,
    pub scheme_case_variant: bool,
    pub credential_absent: bool,
    pub leniency: Leniency,
}

impl Facts {
    /// Whether `property` says anything about this request.
    pub fn applies(&self, property: Property) -> bool {
        if self.leniency.skips.contains(&property) {
            return false;
        }
        match property {
            Property::NotAServerError
            | Property::StatusCodeConformance
            | Property::ContentTypeConformance
            | Property::ResponseSchemaConformance => true,
            Property::UnknownIdNotFound => self.domain == Domain::Ids,
            Property::IgnoredAuth => {
                self.domain == Domain::Credentials && self.validity == Some(Validity::Invalid)
            }
            Property::SchemeCaseLikeBearer => {
                self.domain == Domain::Credentials
                    && self.validity == Some(Validity::Valid)
                    && self.scheme_case_variant
            }
            Property::OtherSchemeRefused => {
                self.domain == Domain::Credentials && self.validity == Some(Validity::OtherScheme)
            }
        }
    }

    /// What the suite's checks are told the request probed.
    fn probe(&self) -> Probe {
        match (self.domain, self.validity) {
            (Domain::Ids, _) => Probe::UnknownTask,
            (Domain::Credentials, Some(Validity::Invalid)) if self.credential_absent => {
                Probe::MissingCredential
            }
            (Domain::Credentials, Some(Validity::Invalid)) => Probe::WrongKey,
            (Domain::Credentials, _) => Probe::KnownTask,
        }
    }
}

/// How the server broke a property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// It answered, wrongly. `check` is the suite check that said so, if one did.
    Answer {
        check: Option<Check>,
        findings: Vec<Finding>,
    },
    /// It closed the connection (or broke off the answer) instead of answering.
    Dropped { reason: String },
}

impl Breach {
    /// The breach as findings, for reports and baselines: a dropped connection is rule
    /// `connection-dropped`.
    pub fn findings(&self) -> Vec<Finding> {
        match self {
            Breach::Answer { findings, .. } => findings.clone(),
            Breach::Dropped { reason } => {
                vec![
                    Finding::new(format!("the server dropped the connection: {reason}"))
                        .rule("connection-dropped"),
                ]
            }
        }
    }
}

/// What one property says about one generated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    Pass,
    /// The property says nothing about this request.
    NotApplicable,
    /// The HTTP layer refused the request, as the allowances permit for it.
    Refused,
    /// The HTTP stack would not send the request (a control character in a header).
    NotSendable(String),
    /// The server broke the property.
    Fail(Breach),
    /// There is no answer to judge (no connection, no answer in time).
    CouldNotRun(String),
}

impl Judgement {
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub fn is_failure(&self) -> bool {
        matches!(self, Judgement::Fail(_))
    }
}

/// Whether a request error means the server dropped the request: the connection closed or
/// was reset before or while answering, or the bytes were not HTTP. A conforming server
/// answers every request it reads, oversize ones included, so this is a server fault.
pub fn is_dropped(err: &RequestError) -> bool {
    matches!(err, RequestError::Transport(_) | RequestError::Body { .. })
}

// Reached only by the test tree (tests/, benches/).
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
/// Judges `property` on the answer to a request with `facts`. `baseline` is the answer to
/// the same task with the doc's own credential, for [`Property::SchemeCaseLikeBearer`].
pub fn judge(
    property: Property,
    facts: &Facts,
    answer: &Result<Exchange, RequestError>,
    operation: &FetchOperation,
    baseline: Option<&Result<Exchange, RequestError>>,
) -> Judgement {
    judge_with(property, facts, answer, operation, baseline, None)
}

/// [`judge`], given the schema check's verdict when it was reached before the answer's body
/// was shed (see `Fuzzer::send_and_keep`): the kept excerpt is not the body it judged.
pub fn judge_with(
    property: Property,
    facts: &Facts,
    answer: &Result<Exchange, RequestError>,
    operation: &FetchOperation,
    baseline: Option<&Result<Exchange, RequestError>>,
    schema_verdict: Option<&Verdict>,
) -> Judgement {
    if let Err(RequestError::Build(reason)) = answer {
        return Judgement::NotSendable(reason.clone());
    }
    if !facts.applies(property) {
        return Judgement::NotApplicable;
    }
    let exchange = match answer {
        Ok(exchange) => exchange,
        Err(err) if is_dropped(err) && property == Property::NotAServerError => {
            return Judgement::Fail(Breach::Dropped {
                reason: format!("failed to {err}"),
            })
        }
        Err(err) => return Judgement::CouldNotRun(format!("failed to {err}")),
    };
    if facts
        .leniency
        .refused_by_http_layer
        .contains(&exchange.status)
    {
        return Judgement::Refused;
    }
    match property {
        Property::SchemeCaseLikeBearer => like_baseline(exchange, baseline, operation),
        Property::OtherSchemeRefused if (200..300).contains(&exchange.status) => {
            Judgement::Fail(Breach::Answer {
                check: None,
                findings: vec![Finding::status(
                    exchange.status,
                    "401 or 403",
                    format!(
                        "the real key under another scheme got {}: the server accepts the key \
                         whatever the scheme (a leniency, not ignored auth: nobody gets in \
                         without the key)",
                        exchange.status
                    ),
                )
                .rule("other-scheme-accepted")],
            })
        }
        Property::OtherSchemeRefused => Judgement::Pass,
        Property::UnknownIdNotFound if facts.leniency.not_found_may_be_any_3xx_or_4xx => {
            // The document's own unknown-id answer (`x-mjconform-unknown-id`) is as good as
            // any refusal: the server answered "no such task" its family's way.
            if (300..500).contains(&exchange.status)
                || operation.is_documented_unknown_id_answer(exchange.status, &exchange.body)
            {
                Judgement::Pass
            } else {
                Judgement::Fail(Breach::Answer {
                    check: None,
                    findings: vec![Finding::status(
                        exchange.status,
                        "3xx or 4xx",
                        format!(
                            "an id that changes the path's shape got {}, expected a redirect or a client error (3xx or 4xx)",
                            exchange.status
                        ),
                    )],
                })
            }
        }
        _ => {
            let Some(check) = property.check() else {
                return Judgement::NotApplicable;
            };
            let verdict = match schema_verdict {
                Some(verdict) if check == Check::ResponseSchemaConformance => verdict.clone(),
                _ => check.run(operation, &facts.probe(), exchange),
            };
            match verdict {
                Verdict::Pass => Judgement::Pass,
                Verdict::Fail(findings) => Judgement::Fail(Breach::Answer {
                    check: Some(check),
                    findings,
                }),
            }
        }
    }
}

/// A scheme-case variant is answered like `Bearer`: the same status and, when `Bearer` got a
/// body carrying the task's id, a JSON body carrying the same id (a body that is not JSON is
/// the schema check's finding). Only the identity is compared, not
/// the whole body: a live task may advance between the two requests.
fn like_baseline(
    exchange: &Exchange,
    baseline: Option<&Result<Exchange, RequestError>>,
    operation: &FetchOperation,
) -> Judgement {
    let baseline = match baseline {
        Some(Ok(baseline)) => baseline,
        Some(Err(err)) => {
            return Judgement::CouldNotRun(format!(
                "failed to get the answer to `Bearer` to compare with: {err}"
            ))
        }
        None => {
            return Judgement::CouldNotRun("there is no `Bearer` answer to compare with".to_owned())
        }
    };
    let differs = |what: String, expected: String, actual: String| {
        Judgement::Fail(Breach::Answer {
            check: None,
            findings: vec![Finding::new(format!(
                "{what}: RFC 9110 §11.1 makes the scheme case-insensitive"
            ))
            .rule("scheme-case")
            .expected_actual(expected, actual)],
        })
    };
    if baseline.status != exchange.status {
        return differs(
            format!(
                "the scheme in another case got {}, but `Bearer` with the same key got {}",
                exchange.status, baseline.status
            ),
            baseline.status.to_string(),
            exchange.status.to_string(),
        );
    }
    let Some(field) = operation.task_identity.id_field.as_deref() else {
        return Judgement::Pass;
    };
    let id_in = |answer: &Exchange| -> Option<serde_json::Value> {
        let body = answer.json_shared().ok()?;
        body.as_object()?.get(field).cloned()
    };
    let Some(expected) = id_in(baseline) else {
        return Judgement::Pass;
    };
    if exchange.json_shared().is_err() {
        // A body that is not JSON is the schema check's finding, not a second one here.
        return Judgement::Pass;
    }
    match id_in(exchange) {
        Some(actual) if actual == expected => Judgement::Pass,
        actual => {
            let shown = actual.map_or_else(|| "none".to_owned(), |id| id.to_string());
            differs(
                format!(
                    "the scheme in another case got {} with `{field}` {shown}, but `Bearer` with the same key got the task {expected}",
                    exchange.status
                ),
                expected.to_string(),
                shown,
            )
        }
    }
}

/// Whether every finding of a breach is one the baseline accepts.
pub fn breach_is_known(breach: &Breach, is_known: &dyn Fn(&Finding) -> bool) -> bool {
    let findings = breach.findings();
    !findings.is_empty() && findings.iter().all(is_known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;
    use crate::families::fuzz::allowances::{Leniency, Trait};
    use crate::http::exchange::fixtures::answer;

    fn facts(domain: Domain, validity: Option<Validity>, traits: &[Trait]) -> Facts {
        Facts {
            domain,
            validity,
            scheme_case_variant: false,
            credential_absent: false,
            leniency: Leniency::for_traits(traits),
        }
    }

    fn run(property: Property, facts: &Facts, status: u16) -> Judgement {
        let operation = Contract::embedded().fetch;
        judge(
            property,
            facts,
            &Ok(answer(status, Some("application/json"), "{}")),
            &operation,
            None,
        )
    }

    /// The real key under another scheme that gets the task is a leniency about the
    /// scheme, judged by `other_scheme_refused`; `ignored_auth` never sees it.
    #[test]
    fn the_real_key_under_another_scheme_is_not_ignored_auth() {
        let other = facts(Domain::Credentials, Some(Validity::OtherScheme), &[]);
        assert!(!other.applies(Property::IgnoredAuth));
        assert!(other.applies(Property::OtherSchemeRefused));
        let judged = run(Property::OtherSchemeRefused, &other, 200);
        let Judgement::Fail(breach) = judged else {
            panic!("a 2xx to another scheme is a finding: {judged:?}");
        };
        let findings = breach.findings();
        assert_eq!(findings[0].rule.as_deref(), Some("other-scheme-accepted"));
        assert!(!findings[0].message.contains("ignored the credential"));
        for status in [401, 403, 400] {
            assert_eq!(
                run(Property::OtherSchemeRefused, &other, status),
                Judgement::Pass
            );
        }
        // A wrong key is still ignored auth, and never a scheme leniency.
        let wrong = facts(Domain::Credentials, Some(Validity::Invalid), &[]);
        assert!(wrong.applies(Property::IgnoredAuth));
        assert!(!wrong.applies(Property::OtherSchemeRefused));
    }

    #[test]
    fn unknown_ids_must_get_404_unless_the_path_changed_shape() {
        let plain = facts(Domain::Ids, None, &[]);
        assert_eq!(
            run(Property::UnknownIdNotFound, &plain, 404),
            Judgement::Pass
        );
        assert!(run(Property::UnknownIdNotFound, &plain, 401).is_failure());
        let shape = facts(Domain::Ids, None, &[Trait::PathShape]);
        assert_eq!(
            run(Property::UnknownIdNotFound, &shape, 301),
            Judgement::Pass
        );
        assert_eq!(
            run(Property::UnknownIdNotFound, &shape, 400),
            Judgement::Pass
        );
        assert!(run(Property::UnknownIdNotFound, &shape, 200).is_failure());
        assert_eq!(
            run(Property::StatusCodeConformance, &shape, 301),
            Judgement::NotApplicable
        );
        assert!(run(Property::NotAServerError, &shape, 500).is_failure());
    }

    #[test]
    fn a_shed_body_is_judged_by_the_verdict_reached_before_shedding() {
        let operation = Contract::embedded().fetch;
        let plain = facts(Domain::Credentials, Some(Validity::Valid), &[]);
        // What is left of a long, valid task after shedding: not JSON on its own.
        let shed = Ok(answer(
            200,
            Some("application/json"),
            "{\"id\":\"1\",\"prompt\":\"aaa",
        ));
        let property = Property::ResponseSchemaConformance;
        assert!(judge(property, &plain, &shed, &operation, None).is_failure());
        let judged = judge_with(
            property,
            &plain,
            &shed,
            &operation,
            None,
            Some(&Verdict::Pass),
        );
        assert_eq!(judged, Judgement::Pass);
        let failed = Verdict::Fail(vec![Finding::at("/status", "enum")]);
        let judged = judge_with(property, &plain, &shed, &operation, None, Some(&failed));
        assert!(judged.is_failure());
        // Other properties never read the whole body, so the verdict does not touch them.
        let judged = judge_with(
            Property::NotAServerError,
            &plain,
            &shed,
            &operation,
            None,
            Some(&failed),
        );
        assert_eq!(judged, Judgement::Pass);
    }

    #[test]
    fn the_http_layer_may_refuse_oversize_requests() {
        let oversize = facts(Domain::Ids, None, &[Trait::Oversize]);
        for status in [400, 413, 414, 431] {
            assert_eq!(
                run(Property::StatusCodeConformance, &oversize, status),
                Judgement::Refused
            );
        }
        assert!(run(Property::StatusCodeConformance, &oversize, 418).is_failure());
        assert!(run(Property::NotAServerError, &oversize, 503).is_failure());
    }

    #[test]
    fn dropped_connections_are_crashes_only_for_not_a_server_error() {
        let operation = Contract::embedded().fetch;
        let plain = facts(Domain::Credentials, Some(Validity::Invalid), &[]);
        let dropped = Err(RequestError::Transport(
            "the server closed the connection without answering".into(),
        ));
        let judged = judge(
            Property::NotAServerError,
            &plain,
            &dropped,
            &operation,
            None,
        );
        assert!(matches!(judged, Judgement::Fail(Breach::Dropped { .. })));
        let judged = judge(Property::IgnoredAuth, &plain, &dropped, &operation, None);
        assert!(matches!(judged, Judgement::CouldNotRun(_)));
        let unsendable = Err(RequestError::Build("bad header".into()));
        let judged = judge(
            Property::NotAServerError,
            &plain,
            &unsendable,
            &operation,
            None,
        );
        assert!(matches!(judged, Judgement::NotSendable(_)));
        let timeout = Err(RequestError::Timeout { timeout_ms: 10 });
        let judged = judge(
            Property::NotAServerError,
            &plain,
            &timeout,
            &operation,
            None,
        );
        assert!(matches!(judged, Judgement::CouldNotRun(_)));
    }

    #[test]
    fn bad_credentials_must_not_get_data() {
        let invalid = facts(Domain::Credentials, Some(Validity::Invalid), &[]);
        assert_eq!(run(Property::IgnoredAuth, &invalid, 401), Judgement::Pass);
        assert!(run(Property::IgnoredAuth, &invalid, 200).is_failure());
        let ambiguous = facts(
            Domain::Credentials,
            Some(Validity::Ambiguous),
            &[Trait::AmbiguousCredential],
        );
        assert_eq!(
            run(Property::IgnoredAuth, &ambiguous, 200),
            Judgement::NotApplicable
        );
    }

    #[test]
    fn scheme_case_variants_are_compared_with_bearer() {
        let operation = Contract::embedded().fetch;
        let variant = Facts {
            scheme_case_variant: true,
            ..facts(Domain::Credentials, Some(Validity::Valid), &[])
        };
        let ok = Ok(answer(200, Some("application/json"), "{}"));
        let refused = Ok(answer(401, Some("application/json"), "{}"));
        let judged = |answer, baseline| {
            judge(
                Property::SchemeCaseLikeBearer,
                &variant,
                answer,
                &operation,
                Some(baseline),
            )
        };
        assert_eq!(judged(&ok, &ok), Judgement::Pass);
        assert!(judged(&refused, &ok).is_failure());
        // The same status is not enough: the variant must carry the task `Bearer` got.
        let task = Ok(answer(
            200,
            Some("application/json"),
            r#"{"id":"1","status":"SUCCESS"}"#,
        ));
        let later = Ok(answer(
            200,
            Some("application/json"),
            r#"{"id":"1","status":"FAILURE"}"#,
        ));
        let other = Ok(answer(200, Some("application/json"), r#"{"id":"2"}"#));
        let hollow = Ok(answer(200, Some("application/json"), "{}"));
        assert_eq!(judged(&task, &task), Judgement::Pass);
        assert_eq!(
            judged(&later, &task),
            Judgement::Pass,
            "a live task may move on"
        );
        let Judgement::Fail(Breach::Answer { findings, .. }) = judged(&other, &task) else {
            panic!("another task must fail");
        };
        assert!(
            findings[0].message.contains("with `id` \"2\""),
            "{}",
            findings[0]
        );
        assert_eq!(findings[0].rule.as_deref(), Some("scheme-case"));
        assert!(judged(&hollow, &task).is_failure());
        let text = Ok(answer(200, Some("text/plain"), "ok"));
        assert_eq!(
            judged(&text, &task),
            Judgement::Pass,
            "not JSON: the schema check's finding"
        );
        assert!(matches!(
            judge(
                Property::SchemeCaseLikeBearer,
                &variant,
                &ok,
                &operation,
                None
            ),
            Judgement::CouldNotRun(_)
        ));
        let plain = facts(Domain::Credentials, Some(Validity::Valid), &[]);
        assert!(!plain.applies(Property::SchemeCaseLikeBearer));
    }
}
