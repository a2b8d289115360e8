//! The checks, one file each. A check reads one [`Exchange`] against the contract and
//! returns a [`Verdict`]; it never talks to the network, so every check is a pure function
//! that unit tests drive with canned exchanges.
//!
//! Names follow Schemathesis where the meaning is the same, so a user who knows one tool
//! reads the other's reports.

mod content_type_conformance;
mod ignored_auth;
mod not_a_server_error;
mod positive_data_acceptance;
mod response_schema_conformance;
mod status_code_conformance;
mod unknown_id_not_found;

use crate::exchange::Exchange;
use crate::spec::FetchOperation;

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
}

/// The result of one check on one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The server broke the contract; each finding is one line a person can act on.
    Fail(Vec<Finding>),
}

/// One way the answer deviates from the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// JSON pointer into the body, when the finding is about one value.
    pub pointer: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn new(message: impl Into<String>) -> Self {
        Finding {
            pointer: None,
            message: message.into(),
        }
    }

    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            pointer: Some(pointer.into()),
            message: message.into(),
        }
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
}

impl Check {
    pub const ALL: [Check; 7] = [
        Check::NotAServerError,
        Check::StatusCodeConformance,
        Check::ContentTypeConformance,
        Check::ResponseSchemaConformance,
        Check::PositiveDataAcceptance,
        Check::UnknownIdNotFound,
        Check::IgnoredAuth,
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
            Check::UnknownIdNotFound => "an id that cannot exist gets the documented 404",
            Check::IgnoredAuth => {
                "a missing credential gets 401, a wrong one 401 or 403, and neither gets task data"
            }
        }
    }

    /// Whether the check means anything for an exchange made to `probe`.
    pub fn applies_to(self, probe: &Probe) -> bool {
        match self {
            Check::NotAServerError
            | Check::StatusCodeConformance
            | Check::ContentTypeConformance
            | Check::ResponseSchemaConformance => true,
            Check::PositiveDataAcceptance => *probe == Probe::KnownTask,
            Check::UnknownIdNotFound => *probe == Probe::UnknownTask,
            Check::IgnoredAuth => matches!(probe, Probe::MissingCredential | Probe::WrongKey),
        }
    }

    pub fn run(self, operation: &FetchOperation, probe: &Probe, exchange: &Exchange) -> Verdict {
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
        };
        Verdict::from_findings(findings)
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A short, single-line view of a JSON value or body for findings.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    let single_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if single_line.chars().count() <= max_chars {
        single_line
    } else {
        let cut: String = single_line.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}
