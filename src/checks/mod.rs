//! The checks, one file each. A check reads one [`Exchange`] against the contract and
//! returns a [`Verdict`]; it never talks to the network, so every check is a pure function
//! that unit tests drive with canned exchanges.
//!
//! Names follow Schemathesis where the meaning is the same, so a user who knows one tool
//! reads the other's reports.
//!
//! The semantic checks (`task_id_matches` .. `button_custom_ids`) judge what the schema cannot
//! express, with their rules declared in [`crate::contract::rules`]. They read only 2xx answers to
//! [`Probe::KnownTask`] whose body is a JSON object, through [`task_view`], which leaves
//! every type problem to `response_schema_conformance`, so one fault is reported once.

mod button_custom_ids;
mod content_type_conformance;
mod distinct_results;
mod ignored_auth;
pub mod levels;
mod no_existence_oracle;
mod not_a_server_error;
mod positive_data_acceptance;
mod progress_format;
mod response_schema_conformance;
mod status_code_conformance;
mod status_consistency;
pub(crate) mod task_id_matches;
mod task_identity;
pub mod task_view;
mod time_order;
pub(crate) mod time_plausibility;
mod unknown_id_not_found;

// HTTP's own rules (`docs/http-rules.md`).
mod allow_on_405;
mod connection_close;
mod head_has_no_body;
mod head_supported;
mod honest_framing;
mod max_response_time;
mod single_header_fields;
mod unsupported_method;
mod www_authenticate_on_401;

use crate::contract::spec::FetchOperation;
use crate::http::client::Method;
use crate::http::exchange::Exchange;

/// What a request was meant to probe; decides which checks apply and what they expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A task id the user says exists, with the valid credential.
    KnownTask,
    /// An id that cannot exist, with the valid credential.
    UnknownTask,
    /// No credential at all.
    MissingCredential,
    /// A credential of the right shape holding a wrong key.
    WrongKey,
    /// No credential, asking for the id that cannot exist: compared with
    /// [`Probe::MissingCredential`] by `no_existence_oracle`, and judged by nothing else.
    UnknownWithoutCredential,
    /// No credential, asking for the task the credential probes ask for by a path a router
    /// may take for the fetch path (`trailing_slash`, `doubled_slash`, `encoded_id`,
    /// `uppercase_segment`): judged by `ignored_auth` for task data alone (a router's 404 or
    /// 301 is fine).
    PathVariant(&'static str),
    /// A method the spec does not document on the fetch path, with the valid credential and
    /// no body.
    UnsupportedMethod(Method),
    /// HEAD of the task the credential probes ask for, with the valid credential, read off
    /// the wire.
    Head,
    /// OPTIONS on the fetch path of that task, with the valid credential.
    Options,
    /// GET of that task again, read off the wire: how the answer is framed.
    Framing,
}

impl Probe {
    /// The case name of a probe of HTTP's own rules (`method_post`, `head`, ...); the
    /// suite's own probes are named where they are planned.
    pub fn case_name(&self) -> String {
        match self {
            Probe::UnsupportedMethod(method) => {
                format!("method_{}", method.as_str().to_ascii_lowercase())
            }
            Probe::Head => "head".to_owned(),
            Probe::Options => "options".to_owned(),
            Probe::Framing => "framing".to_owned(),
            Probe::KnownTask => "task".to_owned(),
            Probe::UnknownTask => "unknown_id".to_owned(),
            Probe::MissingCredential => "missing_credential".to_owned(),
            Probe::WrongKey => "wrong_key".to_owned(),
            Probe::UnknownWithoutCredential => "missing_credential_unknown_id".to_owned(),
            Probe::PathVariant(variant) => format!("path_{variant}"),
        }
    }

    /// Whether the request carries the run's own key: every probe but the two credential
    /// probes. When the server refuses that key, an answer to such a request says nothing
    /// about the server's contract.
    pub fn carries_run_credential(&self) -> bool {
        !matches!(self, Probe::MissingCredential | Probe::WrongKey)
    }

    /// A GET read by the library: what the spec documents, so what the contract checks judge.
    pub fn is_documented_get(&self) -> bool {
        matches!(
            self,
            Probe::KnownTask | Probe::UnknownTask | Probe::MissingCredential | Probe::WrongKey
        )
    }
}

/// The result of one check on one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The server broke the contract; each finding is one line a person can act on.
    Fail(Vec<Finding>),
}

/// One way the answer deviates from the contract.
///
/// Besides the line a person reads (`message`), a finding carries the machine-readable parts
/// that reports and baselines match on: the JSON pointer, the rule it breaks (a schema keyword
/// such as `type` or `required`, `status:404` for a status, or a semantic rule's name), and
/// what was expected against what was seen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Finding {
    /// JSON pointer into the body, when the finding is about one value.
    pub pointer: Option<String>,
    /// The rule broken, short and stable: what a baseline entry names.
    pub rule: Option<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn new(message: impl Into<String>) -> Self {
        Finding {
            message: message.into(),
            ..Finding::default()
        }
    }

    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            pointer: Some(pointer.into()),
            message: message.into(),
            ..Finding::default()
        }
    }

    /// Names the rule the finding breaks.
    pub fn rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    /// Records what the contract expected and what the server sent.
    pub fn expected_actual(
        mut self,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }

    /// A finding about the status code: rule `status:<code>`, so a baseline that accepts
    /// one wrong status does not hide another.
    pub fn status(status: u16, expected: impl Into<String>, message: impl Into<String>) -> Self {
        Finding::new(message)
            .rule(format!("status:{status}"))
            .expected_actual(expected, status.to_string())
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.pointer {
            Some(pointer) if pointer.is_empty() => write!(f, "(root): {}", self.message),
            Some(pointer) => write!(f, "{pointer}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl Verdict {
    fn from_findings(findings: Vec<Finding>) -> Verdict {
        if findings.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail(findings)
        }
    }
}

/// A body above this size is judged under [`LARGE_BODY_JUDGE`]: small bodies judge in
/// parallel, large ones one at a time.
pub const LARGE_BODY_BYTES: usize = 1024 * 1024;

/// Held while a check judges a large body.
static LARGE_BODY_JUDGE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Every check the harness runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Check {
    NotAServerError,
    StatusCodeConformance,
    ContentTypeConformance,
    ResponseSchemaConformance,
    PositiveDataAcceptance,
    UnknownIdNotFound,
    IgnoredAuth,
    TaskIdMatches,
    TimePlausibility,
    TimeOrder,
    StatusConsistency,
    ProgressFormat,
    ButtonCustomIds,
    UnsupportedMethod,
    AllowOn405,
    WwwAuthenticateOn401,
    HeadSupported,
    HeadHasNoBody,
    HonestFraming,
    MaxResponseTime,
    SingleHeaderFields,
    ConnectionClose,
    NoExistenceOracle,
    DistinctResults,
}

impl Check {
    pub const ALL: [Check; 24] = [
        Check::NotAServerError,
        Check::StatusCodeConformance,
        Check::ContentTypeConformance,
        Check::ResponseSchemaConformance,
        Check::PositiveDataAcceptance,
        Check::UnknownIdNotFound,
        Check::IgnoredAuth,
        Check::TaskIdMatches,
        Check::TimePlausibility,
        Check::TimeOrder,
        Check::StatusConsistency,
        Check::ProgressFormat,
        Check::ButtonCustomIds,
        Check::UnsupportedMethod,
        Check::AllowOn405,
        Check::WwwAuthenticateOn401,
        Check::HeadSupported,
        Check::HeadHasNoBody,
        Check::HonestFraming,
        Check::MaxResponseTime,
        Check::SingleHeaderFields,
        Check::ConnectionClose,
        Check::NoExistenceOracle,
        Check::DistinctResults,
    ];

    /// The name used in trial names (`<check>::<case>`) and reports.
    pub fn name(self) -> &'static str {
        match self {
            Check::NotAServerError => "not_a_server_error",
            Check::StatusCodeConformance => "status_code_conformance",
            Check::ContentTypeConformance => "content_type_conformance",
            Check::ResponseSchemaConformance => "response_schema_conformance",
            Check::PositiveDataAcceptance => "positive_data_acceptance",
            Check::UnknownIdNotFound => "unknown_id_not_found",
            Check::IgnoredAuth => "ignored_auth",
            Check::TaskIdMatches => "task_id_matches",
            Check::TimePlausibility => "time_plausibility",
            Check::TimeOrder => "time_order",
            Check::StatusConsistency => "status_consistency",
            Check::ProgressFormat => "progress_format",
            Check::ButtonCustomIds => "button_custom_ids",
            Check::UnsupportedMethod => "unsupported_method",
            Check::AllowOn405 => "allow_on_405",
            Check::WwwAuthenticateOn401 => "www_authenticate_on_401",
            Check::HeadSupported => "head_supported",
            Check::HeadHasNoBody => "head_has_no_body",
            Check::HonestFraming => "honest_framing",
            Check::MaxResponseTime => "max_response_time",
            Check::SingleHeaderFields => "single_header_fields",
            Check::ConnectionClose => "connection_close",
            Check::NoExistenceOracle => "no_existence_oracle",
            Check::DistinctResults => "distinct_results",
        }
    }

    /// One line on what the check guards, printed with its failures.
    pub fn purpose(self) -> &'static str {
        match self {
            Check::NotAServerError => "the server never answers 5xx",
            Check::StatusCodeConformance => "every status is one the spec documents",
            Check::ContentTypeConformance => {
                "the Content-Type is one the spec documents for that status"
            }
            Check::ResponseSchemaConformance => {
                "the body matches the schema the spec documents for that status"
            }
            Check::PositiveDataAcceptance => {
                "a request with a valid credential and an existing task id gets a 2xx"
            }
            Check::UnknownIdNotFound => {
                "an id that cannot exist gets the documented answer (404, or the document's x-mjconform-unknown-id)"
            }
            Check::IgnoredAuth => {
                "a missing credential gets 401, a wrong one 401 or 403, and neither gets task data"
            }
            Check::TaskIdMatches => {
                "the task returned is the task asked for: its id is the id asked for, never absent or empty"
            }
            Check::TimePlausibility => {
                "every set time is epoch milliseconds between 2015-01-01 and now + 1 day"
            }
            Check::TimeOrder => "submitTime <= startTime <= finishTime, where set",
            Check::StatusConsistency => {
                "a task has a status, and the fields agree with it (SUCCESS has imageUrl, finishTime, 100%; FAILURE a failReason; nothing unfinished a finishTime, 100% or buttons; NOT_START no startTime or image); a set imageUrl is an absolute http/https URL"
            }
            Check::ProgressFormat => "progress is `N%` with N a whole number from 0 to 100",
            Check::ButtonCustomIds => {
                "button customIds are unique within the task, look like `MJ::...` component ids, and carry the task's one job hash"
            }
            Check::UnsupportedMethod => {
                "a method the spec does not document for the path is refused (405, 501 or 404), never served"
            }
            Check::AllowOn405 => "a 405 carries an Allow header listing the supported methods (RFC 9110 §15.5.6)",
            Check::WwwAuthenticateOn401 => {
                "a 401 carries a WWW-Authenticate challenge (RFC 9110 §15.5.2, RFC 6750 §3)"
            }
            Check::HeadSupported => "HEAD is supported wherever GET is (RFC 9110 §9.1)",
            Check::HeadHasNoBody => "an answer to HEAD carries no content (RFC 9110 §9.3.2)",
            Check::HonestFraming => {
                "Content-Length and Transfer-Encoding say truthfully where the answer ends (RFC 9112 §6, RFC 9110 §8.6)"
            }
            Check::MaxResponseTime => "with --max-response-time D, every answer arrives within D",
            Check::SingleHeaderFields => {
                "a header field defined as one value (Content-Type, Content-Length, Location, …) is sent once (RFC 9110 §5.3)"
            }
            Check::ConnectionClose => {
                "a request that says `Connection: close` gets a server that closes the connection (RFC 9112 §9.6)"
            }
            Check::NoExistenceOracle => {
                "without a credential, an existing and an unknown id get the same status: the answers do not tell which ids exist"
            }
            Check::DistinctResults => {
                "distinct tasks do not share one result: no two ids have the same imageUrl or buttons carrying the same job hash"
            }
        }
    }

    /// Whether the check means anything for an exchange made to `probe`.
    pub fn applies_to(self, probe: &Probe) -> bool {
        // That probe exists only to be compared; judged alone it would repeat the
        // missing-credential probe's findings.
        if *probe == Probe::UnknownWithoutCredential {
            return self == Check::NoExistenceOracle;
        }
        if let Probe::PathVariant(_) = probe {
            return self == Check::IgnoredAuth;
        }
        match self {
            // The spec documents GET: other methods' answers, and the framing probe (read off
            // the wire), are judged by HTTP's rules alone.
            Check::NotAServerError
            | Check::StatusCodeConformance
            | Check::ContentTypeConformance
            | Check::ResponseSchemaConformance => probe.is_documented_get(),
            Check::PositiveDataAcceptance => *probe == Probe::KnownTask,
            Check::UnknownIdNotFound => *probe == Probe::UnknownTask,
            Check::IgnoredAuth => matches!(probe, Probe::MissingCredential | Probe::WrongKey),
            Check::TaskIdMatches
            | Check::TimePlausibility
            | Check::TimeOrder
            | Check::StatusConsistency
            | Check::ProgressFormat
            | Check::ButtonCustomIds => *probe == Probe::KnownTask,
            Check::UnsupportedMethod => matches!(probe, Probe::UnsupportedMethod(_)),
            Check::HeadSupported | Check::HeadHasNoBody => *probe == Probe::Head,
            Check::AllowOn405
            | Check::WwwAuthenticateOn401
            | Check::HonestFraming
            | Check::MaxResponseTime
            | Check::SingleHeaderFields => true,
            Check::ConnectionClose => *probe == Probe::Framing,
            Check::NoExistenceOracle => false,
            Check::DistinctResults => *probe == Probe::KnownTask,
        }
    }

    /// Whether the check reads a task in a 2xx body (the semantic checks): on any other
    /// answer it has nothing to judge.
    pub fn reads_task_body(self) -> bool {
        matches!(
            self,
            Check::TaskIdMatches
                | Check::TimePlausibility
                | Check::TimeOrder
                | Check::StatusConsistency
                | Check::ProgressFormat
                | Check::ButtonCustomIds
                | Check::DistinctResults
        )
    }

    pub fn run(self, operation: &FetchOperation, probe: &Probe, exchange: &Exchange) -> Verdict {
        // Judging parses the body, and a parsed document costs at least its text again. One
        // large body is judged at a time, so however many trials or fuzz senders run at once,
        // the parse adds about one cap to the peak, not one per thread.
        let _one_at_a_time = (exchange.body.len() > LARGE_BODY_BYTES).then(|| {
            LARGE_BODY_JUDGE
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        });
        // An unknown id answered as the document's `x-mjconform-unknown-id` states is judged by
        // that statement (`unknown_id_not_found`), not by the schema of its status: a dialect's
        // 200 `null` is its way of saying "no such task", not a malformed task.
        let stated_unknown_id_answer = *probe == Probe::UnknownTask
            && operation.is_documented_unknown_id_answer(exchange.status, &exchange.body);
        if stated_unknown_id_answer
            && matches!(
                self,
                Check::ContentTypeConformance | Check::ResponseSchemaConformance
            )
        {
            return Verdict::Pass;
        }
        let findings = match self {
            Check::NotAServerError => not_a_server_error::check(exchange),
            Check::StatusCodeConformance => status_code_conformance::check(operation, exchange),
            Check::ContentTypeConformance => content_type_conformance::check(operation, exchange),
            Check::ResponseSchemaConformance => {
                response_schema_conformance::check(operation, exchange)
            }
            Check::PositiveDataAcceptance => positive_data_acceptance::check(exchange),
            Check::UnknownIdNotFound => unknown_id_not_found::check(operation, exchange),
            Check::IgnoredAuth => ignored_auth::check(operation, probe, exchange),
            Check::TaskIdMatches => task_id_matches::check(operation, exchange),
            Check::TimePlausibility => time_plausibility::check(exchange),
            Check::TimeOrder => time_order::check(exchange),
            Check::StatusConsistency => status_consistency::check(operation, exchange),
            Check::ProgressFormat => progress_format::check(exchange),
            Check::ButtonCustomIds => button_custom_ids::check(exchange),
            Check::UnsupportedMethod => unsupported_method::check(exchange),
            Check::AllowOn405 => allow_on_405::check(exchange),
            Check::WwwAuthenticateOn401 => www_authenticate_on_401::check(exchange),
            Check::HeadSupported => head_supported::check(exchange),
            Check::HeadHasNoBody => head_has_no_body::check(exchange),
            Check::HonestFraming => honest_framing::check(probe, exchange),
            Check::MaxResponseTime => max_response_time::check(exchange),
            Check::SingleHeaderFields => single_header_fields::check(exchange),
            Check::ConnectionClose => connection_close::check(exchange),
            // Judged across two answers: [`Check::run_compared`].
            Check::NoExistenceOracle | Check::DistinctResults => Vec::new(),
        };
        Verdict::from_findings(findings)
    }
}

impl Check {
    /// Judges `exchange` against `compared_with`, for the checks that read two answers of a
    /// run (`no_existence_oracle`: the unknown id without a credential, against an existing
    /// task without one). Other checks judge `exchange` alone.
    pub fn run_compared(
        self,
        operation: &FetchOperation,
        probe: &Probe,
        (case, exchange): (&str, &Exchange),
        others: &[(&str, &Exchange)],
    ) -> Verdict {
        match (self, others) {
            (Check::NoExistenceOracle, [(_, known), ..]) => {
                Verdict::from_findings(no_existence_oracle::check(operation, known, exchange))
            }
            (Check::DistinctResults, _) => {
                Verdict::from_findings(distinct_results::check((case, exchange), others))
            }
            _ => self.run(operation, probe, exchange),
        }
    }

    /// The probe whose answers this check compares with the trial's own, when it reads
    /// several answers of the run.
    pub fn compares_with(self) -> Option<Probe> {
        match self {
            Check::NoExistenceOracle => Some(Probe::MissingCredential),
            Check::DistinctResults => Some(Probe::KnownTask),
            _ => None,
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Findings quote values through the one excerpt helper of the HTTP layer.
pub(crate) use crate::http::exchange::excerpt;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantic_checks_apply_to_known_tasks_only() {
        for check in Check::ALL {
            let semantic = (Check::TaskIdMatches..=Check::ButtonCustomIds).contains(&check);
            if semantic {
                assert!(check.applies_to(&Probe::KnownTask), "{check}");
                for probe in [
                    Probe::UnknownTask,
                    Probe::MissingCredential,
                    Probe::WrongKey,
                ] {
                    assert!(!check.applies_to(&probe), "{check} {probe:?}");
                }
            }
            assert!(!check.purpose().is_empty());
        }
        let names: std::collections::BTreeSet<&str> = Check::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Check::ALL.len());
    }

    /// Bodies as the real families publish them (restated from their public docs): the
    /// semantic checks raise nothing on them. Their schema findings (integer button types,
    /// `null` fields) are the dialects' business, not the semantics'.
    #[test]
    fn realistic_bodies_raise_no_semantic_alarm() {
        let new_api = r#"{"id":"1747132423020537","action":"IMAGINE","customId":"","botType":"","prompt":"p","promptEn":"p","description":"提交成功","state":"","mode":"","proxy":"","submitTime":1747132423020,"startTime":1747132424482,"finishTime":1747132463701,"imageUrl":"https://cdn.example/x.png","imageHeight":0,"imageWidth":0,"status":"SUCCESS","progress":"100%","failReason":"","buttons":[{"customId":"MJ::JOB::upsample::1::6dc7beb8","emoji":"","label":"U1","type":2,"style":2},{"customId":"MJ::JOB::reroll::0::6dc7beb8::SOLO","emoji":"🔄","label":"","type":2,"style":2}],"maskBase64":"","properties":{"flags":0}}"#;
        let java = r#"{"id":"1747132423020537","action":"IMAGINE","status":"SUCCESS","prompt":"猫猫","promptEn":"Cat","description":"/imagine 猫猫","submitTime":1689231405854,"startTime":1689231442755,"finishTime":1689231544312,"progress":"100%","imageUrl":"https://cdn.example/x.png","failReason":null,"properties":{"finalPrompt":"Cat"}}"#;
        let new_api_failure = r#"{"id":"1747132423020537","status":"FAILURE","progress":"100%","failReason":"banned","submitTime":1747132423020,"startTime":0,"finishTime":1747132463701,"imageUrl":""}"#;
        let new_api_queued = r#"{"id":"1747132423020537","status":"NOT_START","progress":"","submitTime":1747132423020,"startTime":0,"finishTime":0,"imageUrl":"","failReason":""}"#;
        let java_queued = r#"{"id":"1747132423020537","status":"SUBMITTED","progress":"0%","submitTime":1747132423020,"startTime":1747132424482,"finishTime":null,"imageUrl":null,"failReason":null}"#;
        let node_running = r#"{"id":"1747132423020537","status":"IN_PROGRESS","progress":"45%","submitTime":1747132423020,"startTime":1747132424482,"imageUrl":"https://cdn.example/preview.png"}"#;
        let operation = crate::contract::spec::Contract::embedded().fetch;
        for body in [
            new_api,
            java,
            new_api_failure,
            new_api_queued,
            java_queued,
            node_running,
        ] {
            let mut exchange =
                crate::http::exchange::fixtures::answer(200, Some("application/json"), body);
            exchange.request.raw_path = "/mj/task/1747132423020537/fetch".into();
            for check in Check::ALL.into_iter().filter(|c| c.reads_task_body()) {
                assert_eq!(
                    check.run(&operation, &Probe::KnownTask, &exchange),
                    Verdict::Pass,
                    "{check}: {body}"
                );
            }
        }
    }
}
