//! A broken property's report: the failure shrunk to its minimal case, the command that
//! replays it, the request in symbolic form, the saved file; the message itself is
//! rendered by [`super::failure`].

use std::path::PathBuf;
use std::sync::Arc;

use proptest::strategy::ValueTree;
use url::Url;

use crate::checks;
use crate::http::client::RequestSpec;
use crate::http::exchange::SentRequest;
use crate::message::redact::SECRET_PLACEHOLDER;

use super::failure::{self, Parts, Verdict};
use super::fuzzer::{trial_name, Fuzzer};
use super::fuzzer::{Answer, Record};
use super::input::{Domain, Input};
use super::persistence;
use super::properties::breach_is_known;
use super::properties::{Judgement, Property};
use super::replay::{self, ReplayCase};
use super::{ids, shrink};

/// Most inputs one shrink tries (answered from the cache or judged without a request
/// included), so a shrink ends even when every step is free.
pub(super) const MAX_SHRINK_TRIES: usize = 512;

// Reached only by the test tree (tests/, benches/).
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
/// A property the server broke, after shrinking.
#[derive(Debug)]
pub struct PropertyFailure {
    pub trial: String,
    /// What the minimal case broke, for reports and baselines.
    pub findings: Vec<checks::Finding>,
    /// The minimal case's request and answer, redacted.
    pub exchange: Option<crate::run::outcome::ExchangeRecord>,
    /// The smallest input found that breaks the property.
    pub minimal: Input,
    /// The generated input shrinking started from.
    pub original: Input,
    pub case_index: usize,
    pub class: &'static str,
    pub shrink_steps: usize,
    pub shrink_requests: usize,
    pub shrink_stopped: Option<&'static str>,
    pub replay: ReplayCase,
    /// The one command line that reruns exactly this case.
    pub rerun: String,
    /// The request path as sent for the minimal input.
    pub raw_path: String,
    /// Where the report was written, relative to the failures root.
    pub saved: Result<PathBuf, persistence::SaveError>,
    /// The trial's message, redacted.
    pub message: String,
}

impl Fuzzer {
    /// Shrinks the failure of `property` on `record` and reports the minimal input.
    pub(super) fn failure(
        &self,
        domain: Domain,
        property: Property,
        record: &Record,
        total: usize,
        is_known: &dyn Fn(&checks::Finding) -> bool,
    ) -> PropertyFailure {
        let trial = trial_name(domain, property);
        let mut shrink_requests = 0;
        let mut still_fails = |candidate: &Input| {
            // Deleting characters can walk a mutation back to the task it came from.
            if let Input::Id(id) = candidate {
                if ids::names_known(&id.id(), &self.context.task_ids) {
                    return Some(false);
                }
            }
            let request = self.request_for(candidate);
            if !self.facts(candidate, &request).applies(property) {
                return Some(false);
            }
            let answer = self.answer_for_shrinking(&request, &mut shrink_requests)?;
            // A candidate that breaks the property only in known ways is not the failure
            // being shrunk.
            Some(matches!(
                self.judge(property, candidate, &request, &answer),
                Judgement::Fail(breach) if !breach_is_known(&breach, is_known)
            ))
        };
        let shrunk = match (&self.replay, self.tree(domain, record.index)) {
            (None, Some((_, mut tree))) => {
                debug_assert_eq!(tree.current(), record.input);
                let mut shrunk = shrink::shrink(
                    tree.as_mut(),
                    record.input.clone(),
                    MAX_SHRINK_TRIES,
                    &mut still_fails,
                );
                shrink::drop_characters(
                    &mut shrunk,
                    MAX_SHRINK_TRIES,
                    Input::one_char_shorter,
                    &mut still_fails,
                );
                Some(shrunk)
            }
            _ => None,
        };
        // The minimal input, its request and its (cached) answer; the generated one if
        // anything about the shrunk one went missing.
        let minimal = shrunk
            .as_ref()
            .map(|shrunk| shrunk.value.clone())
            .unwrap_or_else(|| record.input.clone());
        let minimal_request = self.request_for(&minimal);
        let (minimal, request, answer, breach) = match self.cached(&minimal_request).map(|answer| {
            let judged = self.judge(property, &minimal, &minimal_request, &answer);
            (answer, judged)
        }) {
            Some((answer, Judgement::Fail(breach))) if !breach_is_known(&breach, is_known) => {
                (minimal, minimal_request, answer, breach)
            }
            _ => {
                let Judgement::Fail(breach) =
                    self.judge(property, &record.input, &record.request, &record.answer)
                else {
                    unreachable!("the generated record failed this property");
                };
                (
                    record.input.clone(),
                    record.request.clone(),
                    Arc::clone(&record.answer),
                    breach,
                )
            }
        };
        let provenance = match &shrunk {
            None if self.replay.is_some() => "replayed with --fuzz-replay (not shrunk)".to_owned(),
            None => format!("{}; case {} of {total}", record.class, record.index + 1),
            Some(shrunk) => {
                let mut text = format!(
                    "{}; case {} of {total}; shrunk in {} ({}) from {}",
                    record.class,
                    record.index + 1,
                    ids::count(shrunk.steps, "step"),
                    ids::count(shrink_requests, "request"),
                    record.input.describe(&self.context.placement),
                );
                if let Some(why) = shrunk.stopped {
                    text.push_str(&format!("; shrinking stopped early: {why}"));
                }
                text
            }
        };
        let replay = ReplayCase(minimal.clone());
        let rerun = self.rerun(&replay, &trial);
        let sent = self.sent_request(&minimal, &request, &answer);
        let verdict = Verdict::Breach(&breach);
        let report = self.render(
            &trial,
            property,
            verdict,
            &minimal,
            &provenance,
            &sent,
            &answer,
            &rerun,
        );
        let label =
            persistence::target_label(&self.context.target.base_url, self.context.target.embedded);
        let saved = persistence::save(
            &self.failures_root,
            &label,
            &trial,
            &report,
            &self.context.redactor,
        );
        let message = match &saved {
            Ok(path) => format!("{report}saved:    {}\n", path.display()),
            Err(err) => format!("{report}saved:    not saved: failed to {err}\n"),
        };
        PropertyFailure {
            trial,
            original: record.input.clone(),
            case_index: record.index,
            class: record.class,
            shrink_steps: shrunk.as_ref().map_or(0, |shrunk| shrunk.steps),
            shrink_requests,
            shrink_stopped: shrunk.as_ref().and_then(|shrunk| shrunk.stopped),
            replay,
            rerun,
            raw_path: sent.raw_path.clone(),
            saved,
            message: self.context.redactor.redact(&message),
            findings: breach.findings(),
            exchange: Some(self.exchange_record(&sent, &answer)),
            minimal,
        }
    }

    pub(super) fn could_not_run(
        &self,
        domain: Domain,
        property: Property,
        record: &Record,
        total: usize,
        reason: &str,
    ) -> String {
        let trial = trial_name(domain, property);
        let provenance = format!("{}; case {} of {total}", record.class, record.index + 1);
        let replay = ReplayCase(record.input.clone());
        let rerun = self.rerun(&replay, &trial);
        let sent = self.sent_request(&record.input, &record.request, &record.answer);
        self.render(
            &trial,
            property,
            Verdict::Error(reason),
            &record.input,
            &provenance,
            &sent,
            &record.answer,
            &rerun,
        )
    }

    /// The record reports keep of a fuzz case: the request in symbolic form, the answer.
    pub(super) fn exchange_record(
        &self,
        sent: &SentRequest,
        answer: &Answer,
    ) -> crate::run::outcome::ExchangeRecord {
        let limits = self.context.client.limits();
        let redactor = &self.context.redactor;
        let request = crate::run::outcome::ExchangeRecord::of_request(sent, limits, redactor);
        match answer.as_ref() {
            Ok(exchange) => crate::run::outcome::ExchangeRecord {
                method: request.method,
                url: request.url,
                request_headers: request.request_headers,
                curl: request.curl,
                ..crate::run::outcome::ExchangeRecord::of(exchange, limits, redactor)
            },
            Err(_) => request,
        }
    }

    pub(super) fn rerun(&self, replay: &ReplayCase, trial: &str) -> String {
        replay::rerun_command(
            &self.context.args,
            self.context.target.embedded,
            &self.context.placement,
            replay,
            trial,
            &self.context.args.invocation,
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn render(
        &self,
        trial: &str,
        property: Property,
        verdict: Verdict<'_>,
        input: &Input,
        provenance: &str,
        sent: &SentRequest,
        answer: &Answer,
        rerun: &str,
    ) -> String {
        let parts = Parts {
            trial,
            property,
            verdict,
            input,
            placement: &self.context.placement,
            provenance,
            request: sent,
            answer: answer.as_ref().as_ref().ok(),
            seed: self.seed,
            rerun,
            needs_key: self.key().is_some() && !self.context.target.embedded,
            requests: &self.ledger.line(),
        };
        failure::render(&parts, self.context.client.limits(), &self.context.redactor)
    }

    /// The request as sent, for reports: the URL and raw path the client produced (dot
    /// segments resolved), and the credential in symbolic form so no part of the key shows,
    /// whatever the header is called.
    pub(super) fn sent_request(
        &self,
        input: &Input,
        request: &RequestSpec,
        answer: &Answer,
    ) -> SentRequest {
        let url = match answer.as_ref() {
            Ok(exchange) => exchange.request.url.clone(),
            Err(_) => self.context.client.url_for(&request.raw_path),
        };
        let raw_path = match answer.as_ref() {
            Ok(exchange) => exchange.request.raw_path.clone(),
            Err(_) => Url::parse(&url)
                .map(|parsed| parsed.path().to_owned())
                .unwrap_or_else(|_| request.raw_path.clone()),
        };
        let headers = match input {
            Input::Credential(credential) => credential.symbolic_headers(&self.context.placement),
            Input::Id(_) => self
                .key()
                .map(|_| vec![self.context.placement.credential(SECRET_PLACEHOLDER)])
                .unwrap_or_default(),
        };
        SentRequest {
            method: "GET".to_owned(),
            url,
            raw_path,
            headers,
        }
    }
}
