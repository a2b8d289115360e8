//! `mjconform identify`: which family does a server belong to? The planned requests are sent
//! once (no fuzzing, no watching), their answers judged by every check against the doc and
//! against every dialect document, and the documents ranked by how many deviations remain.
//! The best fit comes with its remaining deviations and a ready `mjconform check --dialect`
//! command.
//!
//! Where the server reads the key is itself a family trait. When every authenticated request
//! is refused, each other key placement any document names is tried once, on one request, and
//! the authenticated requests are sent again with the one the server reads: at most
//! `placements + authenticated requests` more, announced before they are sent.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use crate::checks::{Check, Finding, Probe, Verdict};
use crate::commands::harness::{usage_exit, EXIT_FAILED};
use crate::contract::dialect::DIALECTS;
use crate::contract::spec::Contract;
use crate::errors::{RequestError, UsageError};
use crate::http::auth::{wrong_key_like, KeyPlacement};
use crate::http::client::RequestSpec;
use crate::http::exchange::Exchange;
use crate::run::cli::{identify_help, parse_run_args, split_args};
use crate::run::context::{Case, RunContext};

/// How many remaining deviations of the best fit are listed before "and N more".
const SHOWN_DEVIATIONS: usize = 20;

/// One document the answers are judged against.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// `doc` or a dialect name.
    pub name: &'static str,
    pub contract: Contract,
}

/// The doc and every dialect, the doc first (it wins ties: it is the contract).
pub fn candidates() -> Vec<Candidate> {
    let mut all = vec![Candidate {
        name: "doc",
        contract: Contract::embedded(),
    }];
    all.extend(DIALECTS.iter().map(|dialect| Candidate {
        name: dialect.name,
        contract: dialect.contract(),
    }));
    all
}

/// One deviation of the answers from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// `<check>::<case>`, as `mjconform check` names the trial, or `key_placement`.
    pub trial: String,
    pub finding: Finding,
}

/// A document's verdict on the answers.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub name: &'static str,
    pub deviations: Vec<Deviation>,
}

/// One planned request and the answer it got.
#[derive(Debug, Clone)]
pub struct Answered {
    pub case: String,
    pub probe: Probe,
    pub exchange: Exchange,
}

/// Judges `answers` against every candidate, best fit first. `placement` is where the server
/// was seen to read the key, if a request with it was served.
pub fn rank(
    answers: &[Answered],
    placement: Option<&KeyPlacement>,
    candidates: &[Candidate],
) -> Vec<Judgement> {
    let judgements: Vec<Judgement> = candidates
        .iter()
        .map(|candidate| Judgement {
            name: candidate.name,
            deviations: judge(answers, placement, &candidate.contract),
        })
        .collect();
    order(judgements)
}

/// Best fit first. By causes, not fields: nine buttons with an integer `type` are one
/// deviation. Stable: ties keep the candidates' order (the doc first).
fn order(mut judgements: Vec<Judgement>) -> Vec<Judgement> {
    judgements.sort_by_key(|judgement| (judgement.causes(), judgement.failing_trials()));
    // Never recommend a document under which the server fails more trials than under the
    // doc: such a dialect goes after the doc, whatever its count of causes.
    if let Some(doc) = judgements.iter().position(|judgement| judgement.name == "doc") {
        let doc_failing = judgements[doc].failing_trials();
        let mut ahead = Vec::new();
        let mut behind = Vec::new();
        for (index, judgement) in judgements.into_iter().enumerate() {
            if index < doc && judgement.failing_trials() > doc_failing {
                behind.push(judgement);
            } else {
                ahead.push(judgement);
            }
        }
        let after_doc = ahead
            .iter()
            .position(|judgement| judgement.name == "doc")
            .map_or(ahead.len(), |doc| doc + 1);
        ahead.splice(after_doc..after_doc, behind);
        judgements = ahead;
    }
    judgements
}

impl Judgement {
    /// The distinct causes among the deviations: one per check, rule and place in the body
    /// (array indices as `*`), whichever cases and elements show it.
    pub fn causes(&self) -> usize {
        self.deviations
            .iter()
            .map(|deviation| {
                let check = deviation.trial.split("::").next().unwrap_or_default();
                (
                    check,
                    deviation.finding.rule.as_deref(),
                    deviation
                        .finding
                        .pointer
                        .as_deref()
                        .map(crate::run::baseline::generalise_pointer),
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    }

    /// The trials (`<check>::<case>`) that fail under this document.
    pub fn failing_trials(&self) -> usize {
        self.deviations
            .iter()
            .map(|deviation| deviation.trial.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    }
}

/// The deviations of `answers` from one contract.
pub fn judge(
    answers: &[Answered],
    placement: Option<&KeyPlacement>,
    contract: &Contract,
) -> Vec<Deviation> {
    let fetch = &contract.fetch;
    // A malformed extension in an embedded document is a build bug the dialect tests catch.
    let rules = crate::run::baseline::LoadRules {
        known_checks: crate::families::check_names(),
        allow_broad: false,
    };
    let known = crate::run::baseline::Baseline::for_run(None, contract, &rules)
        .ok()
        .flatten();
    let mut deviations = Vec::new();
    if let Some(placement) = placement {
        let documented = fetch.key_placements();
        if !documented.is_empty() && !documented.contains(placement) {
            let names: Vec<String> = documented.iter().map(ToString::to_string).collect();
            deviations.push(Deviation {
                trial: "key_placement".to_owned(),
                finding: Finding::new(format!(
                    "the server reads the key as `{placement}`; this document puts it as `{}`",
                    names.join("` or `")
                ))
                .rule("key-placement")
                .expected_actual(names.join(" or "), placement.to_string()),
            });
        }
    }
    for answer in answers {
        for check in Check::ALL {
            if !check.applies_to(&answer.probe) {
                continue;
            }
            if let Verdict::Fail(findings) = check.run(fetch, &answer.probe, &answer.exchange) {
                deviations.extend(
                    findings
                        .into_iter()
                        // What the document itself accepts as its family's known bends is
                        // no deviation from it.
                        .filter(|finding| {
                            !known.as_ref().is_some_and(|known| {
                                known.accepts(check.name(), &answer.case, finding).is_some()
                            })
                        })
                        .map(|finding| Deviation {
                            trial: format!("{}::{}", check.name(), answer.case),
                            finding,
                        }),
                );
            }
        }
    }
    deviations
}

/// `mjconform identify [OPTIONS]`: `args` holds the program name first.
pub fn run(args: Vec<String>) -> ExitCode {
    let (ours, theirs) = split_args(args);
    if theirs.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{}", identify_help().trim_end());
        return ExitCode::SUCCESS;
    }
    if let Some(extra) = theirs.get(1) {
        return usage_exit(&UsageError::Arguments(format!(
            "unexpected argument `{extra}` for identify"
        )));
    }
    let prepared = parse_run_args(&ours).and_then(|args| {
        let context = RunContext::prepare(&args)?;
        if !context.target.embedded {
            context.preflight()?;
        }
        Ok(context)
    });
    match prepared {
        Ok(context) => identify(&context),
        Err(err) => usage_exit(&err),
    }
}

fn identify(context: &Arc<RunContext>) -> ExitCode {
    let say = |line: String| println!("{}", context.redactor.redact(&line));
    let cases = &context.cases;
    let authenticated: Vec<&Arc<Case>> = cases
        .iter()
        .filter(|case| {
            matches!(case.probe, Probe::KnownTask | Probe::UnknownTask) && context.key.is_some()
        })
        .collect();
    say(format!(
        "mjconform identify: target {}; sending {} requests once ({} task id(s), an unknown id, {} credential probes, {} probes of HTTP's own rules), key as `{}`",
        context.target.base_url,
        cases.len(),
        context.task_ids.len(),
        cases
            .iter()
            .filter(|case| {
                matches!(
                    case.probe,
                    Probe::MissingCredential
                        | Probe::WrongKey
                        | Probe::UnknownWithoutCredential
                        | Probe::PathVariant(_)
                )
            })
            .count(),
        cases
            .iter()
            .filter(|case| {
                !case.probe.is_documented_get()
                    && !matches!(
                        case.probe,
                        Probe::UnknownWithoutCredential | Probe::PathVariant(_)
                    )
            })
            .count(),
        credential_shown(context, &context.placement),
    ));
    context.prefetch(cases);
    let mut answers: Vec<Answered> = Vec::new();
    let mut errors = Vec::new();
    for case in cases {
        match context.answer(case) {
            Ok(exchange) => answers.push(answered(case, exchange.clone())),
            Err(err) => errors.push(format!("{}: {err}", case.name)),
        }
    }
    let refused = |answers: &[Answered]| {
        let served: Vec<&Answered> = answers
            .iter()
            .filter(|a| authenticated.iter().any(|case| case.name == a.case))
            .collect();
        !served.is_empty()
            && served
                .iter()
                .all(|a| matches!(a.exchange.status, 401 | 403))
    };
    let mut placement = Some(context.placement.clone());
    // Every placement refused: a ranking of refusals cannot name a family.
    let mut unresolved = false;
    if context.key.is_some() && refused(&answers) {
        placement = None;
        match find_placement(context, &authenticated, &say) {
            Some((found, resent)) => {
                for (case, result) in resent {
                    match result {
                        Ok(exchange) => {
                            answers.retain(|a| a.case != case.name);
                            answers.push(answered(case, exchange));
                        }
                        Err(err) => errors.push(format!("{}: {err}", case.name)),
                    }
                }
                placement = Some(found);
            }
            None => {
                say(
                    "no key placement was accepted: the key itself may be wrong; judging the refusals as they are"
                        .to_owned(),
                );
                unresolved = true;
            }
        }
    }
    for error in &errors {
        say(format!("no answer: {error}"));
    }
    if answers.is_empty() {
        say("mjconform identify: no request got an answer, so nothing can be judged".to_owned());
        return ExitCode::from(EXIT_FAILED);
    }
    let ranking = rank(&answers, placement.as_ref(), &candidates());
    let shown = if unresolved {
        // Only the ranking: a best fit of refusals would name a family on no evidence.
        let full = report(context, &ranking, placement.as_ref());
        full.lines()
            .take_while(|line| !line.starts_with("best fit"))
            .map(|line| format!("{line}\n"))
            .collect()
    } else {
        report(context, &ranking, placement.as_ref())
    };
    for line in shown.lines() {
        say(line.to_owned());
    }
    say(format!(
        "mjconform identify: {} requests sent",
        context.requests_made()
    ));
    if unresolved {
        say("mjconform identify: the ranking rests on refusals alone, so no family is named; give a key the server accepts".to_owned());
        return ExitCode::from(EXIT_FAILED);
    }
    ExitCode::SUCCESS
}

fn answered(case: &Case, exchange: Exchange) -> Answered {
    Answered {
        case: case.name.clone(),
        probe: case.probe.clone(),
        exchange,
    }
}

fn credential_shown(context: &RunContext, placement: &KeyPlacement) -> String {
    let (name, value) = placement.credential("***");
    match context.key {
        Some(_) => format!("{name}: {value}"),
        None => "none (no --api-key given)".to_owned(),
    }
}

type Resent<'a> = Vec<(&'a Case, Result<Exchange, RequestError>)>;

/// Every authenticated request was refused: tries each other placement a document names on
/// one request, and with the first the server reads, sends the authenticated requests again.
/// The requests that carry a credential (the wrong-key probe too, so it probes the header the
/// server reads) are the ones sent again.
fn find_placement<'a>(
    context: &'a RunContext,
    authenticated: &[&'a Arc<Case>],
    say: &dyn Fn(String),
) -> Option<(KeyPlacement, Resent<'a>)> {
    let key = context.key.as_ref()?;
    let first = authenticated.first()?;
    // Every request that carried the key (the probes of HTTP's rules too) or a wrong one.
    let resend: Vec<&'a Arc<Case>> = context
        .cases
        .iter()
        .filter(|case| {
            !matches!(
                case.probe,
                Probe::MissingCredential
                    | Probe::UnknownWithoutCredential
                    | Probe::PathVariant(_)
            )
        })
        .collect();
    let mut others: Vec<KeyPlacement> = Vec::new();
    for candidate in candidates() {
        for placement in candidate.contract.fetch.key_placements() {
            if placement != context.placement && !others.contains(&placement) {
                others.push(placement);
            }
        }
    }
    let names: Vec<String> = others.iter().map(ToString::to_string).collect();
    say(format!(
        "every authenticated request was refused with the key as `{}`; trying each other placement once ({}): at most {} more requests, then {} again with the one the server reads",
        context.placement,
        names.join(", "),
        others.len(),
        resend.len(),
    ));
    let wrong_key = wrong_key_like(key.expose());
    let with = |case: &Case, placement: &KeyPlacement| RequestSpec {
        headers: vec![placement.credential(match case.probe {
            Probe::WrongKey => &wrong_key,
            _ => key.expose(),
        })],
        ..case.request.clone()
    };
    for placement in others {
        let answer = context.send(&with(first, &placement));
        let accepted = matches!(&answer, Ok(exchange) if !matches!(exchange.status, 401 | 403));
        let status = match &answer {
            Ok(exchange) => exchange.status.to_string(),
            Err(err) => format!("no answer ({err})"),
        };
        say(format!("  `{placement}`: {status}"));
        if accepted {
            say(format!(
                "the server reads the key as `{placement}` (pass --key-placement {placement} to `mjconform check`)"
            ));
            let resent = resend
                .into_iter()
                .map(|case| (case.as_ref(), context.send(&with(case, &placement))))
                .collect();
            return Some((placement, resent));
        }
    }
    None
}

/// The ranking, the best fit's remaining deviations, the doc's count, the next command.
fn report(context: &RunContext, ranking: &[Judgement], placement: Option<&KeyPlacement>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ranking (deviations from each document, one per cause: check, rule and place; fewer fits better):"
    );
    for (position, judgement) in ranking.iter().enumerate() {
        let description = DIALECTS
            .iter()
            .find(|dialect| dialect.name == judgement.name)
            .map_or("the provider doc (the embedded spec)", |d| d.description);
        let _ = writeln!(
            out,
            "  {}. {:<14} {:>4}  {description}",
            position + 1,
            judgement.name,
            judgement.causes()
        );
    }
    let Some(best) = ranking.first() else {
        return out;
    };
    let doc = ranking.iter().find(|judgement| judgement.name == "doc");
    if best.name == "doc" {
        let _ = writeln!(
            out,
            "best fit: the doc itself, with {} deviation(s)",
            best.causes()
        );
    } else {
        let _ = writeln!(
            out,
            "best fit: {} with {} remaining deviation(s) ({} finding(s))",
            best.name,
            best.causes(),
            best.deviations.len()
        );
    }
    for deviation in best.deviations.iter().take(SHOWN_DEVIATIONS) {
        let _ = writeln!(out, "  {}  {}", deviation.trial, deviation.finding);
    }
    if best.deviations.len() > SHOWN_DEVIATIONS {
        let _ = writeln!(
            out,
            "  ... and {} more",
            best.deviations.len() - SHOWN_DEVIATIONS
        );
    }
    if let Some(doc) = doc.filter(|doc| doc.name != best.name) {
        let _ = writeln!(
            out,
            "under the doc: {} deviation(s) (`mjconform check` without --dialect shows them)",
            doc.causes()
        );
    }
    let _ = writeln!(out, "next: {}", next_command(context, best.name, placement));
    out
}

/// A ready `mjconform check` for the best fit, the key left to `MJ_API_KEY`.
fn next_command(context: &RunContext, best: &str, placement: Option<&KeyPlacement>) -> String {
    let mut command = "mjconform check".to_owned();
    let documented = if best == "doc" {
        Contract::embedded().fetch.key_placement()
    } else {
        let _ = write!(command, " --dialect {best}");
        crate::contract::dialect::Dialect::find(best)
            .and_then(|d| d.contract().fetch.key_placement())
    };
    if !context.target.embedded {
        let _ = write!(command, " --target-url {}", context.target.base_url);
    }
    if let Some(placement) = placement.filter(|p| Some(*p) != documented.as_ref()) {
        let _ = write!(command, " --key-placement {placement}");
    }
    for id in &context.task_ids {
        let _ = write!(command, " --task-id {id}");
    }
    if context.key.is_some() && !context.target.embedded {
        command.push_str("  (with the key in MJ_API_KEY)");
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    /// A fixture body as the answer to the request for task `1` the exchange fixture makes.
    fn known(body: &str) -> Answered {
        let mut task: serde_json::Value = serde_json::from_str(body).expect("JSON");
        task["id"] = serde_json::json!("1");
        Answered {
            case: "task_1".into(),
            probe: Probe::KnownTask,
            exchange: answer(200, Some("application/json"), &task.to_string()),
        }
    }

    fn unknown(status: u16, content_type: Option<&str>, body: &str) -> Answered {
        Answered {
            case: "unknown_id".into(),
            probe: Probe::UnknownTask,
            exchange: answer(status, content_type, body),
        }
    }

    #[test]
    fn each_family_s_answers_rank_it_first() {
        let new_api = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/real-world/new-api-provider-doc-success.json"
        ));
        let answers = [
            known(new_api),
            unknown(
                400,
                Some("application/json"),
                r#"{"description":"task_no_found ","type":"upstream_error","code":4}"#,
            ),
        ];
        let ranking = rank(&answers, Some(&KeyPlacement::Bearer), &candidates());
        assert_eq!(ranking[0].name, "new-api", "{ranking:?}");
        assert!(
            ranking[0].deviations.is_empty(),
            "{:?}",
            ranking[0].deviations
        );

        let original = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/real-world/original-proxy-doc-success.json"
        ));
        let secret = KeyPlacement::Header("mj-api-secret".into());
        let answers = [known(original), unknown(200, None, "")];
        let ranking = rank(&answers, Some(&secret), &candidates());
        assert_eq!(ranking[0].name, "java-original", "{ranking:?}");

        let answers = [unknown(200, Some("application/json"), "null")];
        assert_eq!(
            rank(&answers, Some(&secret), &candidates())[0].name,
            "node-port"
        );
        let answers = [unknown(204, None, "")];
        assert_eq!(
            rank(&answers, Some(&KeyPlacement::Raw), &candidates())[0].name,
            "plus"
        );
        let answers = [unknown(404, Some("application/json"), "{}")];
        assert_eq!(
            rank(&answers, Some(&KeyPlacement::Bearer), &candidates())[0].name,
            "doc"
        );
    }

    fn refused(case: &str, probe: Probe) -> Answered {
        // trueai's SimpleAuthMiddleware.Invoke: 401, the text, and no Content-Type.
        Answered {
            case: case.into(),
            probe,
            exchange: answer(401, None, "Authorization header missing."),
        }
    }

    #[test]
    fn a_trueai_server_is_named_plus_not_java_original() {
        let answers = [
            refused("missing_credential", Probe::MissingCredential),
            refused("wrong_key", Probe::WrongKey),
            unknown(204, None, ""),
        ];
        let ranking = rank(&answers, Some(&KeyPlacement::Raw), &candidates());
        assert_eq!(ranking[0].name, "plus", "{ranking:?}");
        assert!(ranking[0].deviations.is_empty(), "{:?}", ranking[0].deviations);
    }

    fn deviations(trials_and_pointers: &[(&str, &str)]) -> Vec<Deviation> {
        trials_and_pointers
            .iter()
            .map(|(trial, pointer)| Deviation {
                trial: (*trial).to_owned(),
                finding: Finding::at(*pointer, "x").rule("type"),
            })
            .collect()
    }

    #[test]
    fn nine_buttons_with_an_integer_type_are_one_cause() {
        let pointers: Vec<String> = (0..9).map(|index| format!("/buttons/{index}/type")).collect();
        let mut pairs: Vec<(&str, &str)> = pointers
            .iter()
            .map(|pointer| ("response_schema_conformance::task_1", pointer.as_str()))
            .collect();
        pairs.extend(
            pointers
                .iter()
                .map(|pointer| ("response_schema_conformance::task_2", pointer.as_str())),
        );
        let buttons = Judgement {
            name: "doc",
            deviations: deviations(&pairs),
        };
        assert_eq!(buttons.causes(), 1);
        assert_eq!(buttons.failing_trials(), 2);
        // Two fields of one task are two causes, and fewer causes rank first.
        let two = Judgement {
            name: "plus",
            deviations: deviations(&[
                ("response_schema_conformance::task_1", "/progress"),
                ("response_schema_conformance::task_1", "/status"),
            ]),
        };
        let ranking = order(vec![two, buttons]);
        assert_eq!(ranking[0].name, "doc");
    }

    #[test]
    fn a_dialect_failing_more_trials_than_the_doc_is_never_recommended() {
        let doc = Judgement {
            name: "doc",
            deviations: deviations(&[
                ("response_schema_conformance::task_1", "/progress"),
                ("response_schema_conformance::task_1", "/status"),
            ]),
        };
        // One cause, but on three trials where the doc fails one.
        let dialect = Judgement {
            name: "new-api",
            deviations: deviations(&[
                ("response_schema_conformance::task_1", "/buttons"),
                ("response_schema_conformance::task_2", "/buttons"),
                ("response_schema_conformance::unknown_id", "/buttons"),
            ]),
        };
        let clean = Judgement {
            name: "plus",
            deviations: Vec::new(),
        };
        let ranking = order(vec![doc.clone(), dialect.clone()]);
        let names: Vec<&str> = ranking.iter().map(|judgement| judgement.name).collect();
        assert_eq!(names, ["doc", "new-api"]);
        let ranking = order(vec![doc, dialect, clean]);
        let names: Vec<&str> = ranking.iter().map(|judgement| judgement.name).collect();
        assert_eq!(names, ["plus", "doc", "new-api"]);
    }

    #[test]
    fn a_placement_no_document_names_is_a_deviation() {
        let doc = Contract::embedded();
        let deviations = judge(&[], Some(&KeyPlacement::Raw), &doc);
        assert_eq!(deviations.len(), 1);
        assert_eq!(deviations[0].trial, "key_placement");
        assert!(judge(&[], Some(&KeyPlacement::Bearer), &doc).is_empty());
    }
}
