//! The outcome of a run as data: one [`TrialRecord`] per trial (its status, findings and the
//! exchange it judged) and the run's [`RunFacts`]. It sits below every trial family: the
//! families conclude, the harness records, and every reader (the terminal's last lines, the
//! JUnit, JSON, Markdown and HTML reports, the baseline writer) reads this one model and
//! never re-derives anything from terminal text.
//!
//! Everything stored here has passed through the run's [`Redactor`]: a record can be written
//! anywhere without leaking the key.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::checks::Finding;
use crate::http::client::ClientLimits;
use crate::http::exchange::{Exchange, SentRequest};
use crate::message::failure;
use crate::message::redact::Redactor;

/// The version of the JSON report's shape (`schemas/report.schema.json`): bumped on any
/// change a reader could notice.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// How much of a body a record keeps: enough to show the offending field, small enough that
/// 500 failing trials make a report a browser opens at once.
pub const RECORD_BODY_EXCERPT: usize = 4096;

/// Which trial family a trial belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `<check>::<case>`: one check on one planned request.
    Check,
    /// `fuzz::<domain>::<property>`.
    Fuzz,
    /// `lifecycle::<case>`: a watched task.
    Lifecycle,
    /// `snapshot::<case>`.
    Snapshot,
}

/// How a trial ended. Hurl's split: `Failed` is "the server broke the contract", `Errored`
/// is "the check could not run". `Known` passed, with every finding accepted by the baseline.
/// `Warned` made new findings with a check at level `warn`: shown, counted, not a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialStatus {
    Passed,
    Known,
    Warned,
    Failed,
    Errored,
    Ignored,
}

impl TrialStatus {
    /// Whether the trial makes the run fail.
    pub fn is_failure(self) -> bool {
        matches!(self, TrialStatus::Failed | TrialStatus::Errored)
    }

    pub fn label(self) -> &'static str {
        match self {
            TrialStatus::Passed => "pass",
            TrialStatus::Known => "known",
            TrialStatus::Warned => "warn",
            TrialStatus::Failed => "fail",
            TrialStatus::Errored => "error",
            TrialStatus::Ignored => "ignored",
        }
    }
}

/// A finding as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRecord {
    pub pointer: Option<String>,
    pub rule: Option<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub message: String,
    /// For a known deviation: the baseline entry's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_because: Option<String>,
}

impl FindingRecord {
    pub fn of(finding: &Finding, redactor: &Redactor) -> FindingRecord {
        let redact = |text: &Option<String>| text.as_deref().map(|text| redactor.redact(text));
        FindingRecord {
            pointer: redact(&finding.pointer),
            rule: redact(&finding.rule),
            expected: redact(&finding.expected),
            actual: redact(&finding.actual),
            message: redactor.redact(&finding.message),
            accepted_because: None,
        }
    }

    /// The one line a terminal or a JUnit failure shows.
    pub fn line(&self) -> String {
        match self.pointer.as_deref() {
            Some("") => format!("(root): {}", self.message),
            Some(pointer) => format!("{pointer}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// A request and its answer (when there was one), redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeRecord {
    pub method: String,
    pub url: String,
    /// Request headers, credentials masked.
    pub request_headers: Vec<(String, String)>,
    /// A command that reproduces the request.
    pub curl: String,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    /// The start of the body, at most [`RECORD_BODY_EXCERPT`] bytes, as text.
    pub body_excerpt: Option<String>,
    /// Body bytes read (at most the cap).
    pub body_bytes: usize,
    pub body_truncated: bool,
    pub elapsed_ms: Option<u64>,
}

impl ExchangeRecord {
    /// The record of a completed exchange.
    pub fn of(exchange: &Exchange, limits: &ClientLimits, redactor: &Redactor) -> ExchangeRecord {
        let mut record = ExchangeRecord::of_request(&exchange.request, limits, redactor);
        record.status = Some(exchange.status);
        record.response_headers = exchange
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), redactor.redact(value)))
            .collect();
        let shown = exchange.body.len().min(RECORD_BODY_EXCERPT);
        record.body_excerpt = Some(redactor.redact_bytes(&exchange.body[..shown]));
        record.body_bytes = exchange.body.len();
        record.body_truncated = exchange.body_truncated;
        record.elapsed_ms = Some(u64::try_from(exchange.elapsed.as_millis()).unwrap_or(u64::MAX));
        record
    }

    /// The record of a request that got no answer.
    pub fn of_request(
        request: &SentRequest,
        limits: &ClientLimits,
        redactor: &Redactor,
    ) -> ExchangeRecord {
        ExchangeRecord {
            method: request.method.clone(),
            url: redactor.redact(&request.url),
            request_headers: failure::masked_headers(&request.headers, redactor),
            curl: failure::curl_command(request, limits, redactor),
            status: None,
            response_headers: Vec::new(),
            body_excerpt: None,
            body_bytes: 0,
            body_truncated: false,
            elapsed_ms: None,
        }
    }
}

/// What a trial family concluded about one trial, before the harness records it.
#[derive(Debug)]
pub enum Conclusion {
    Passed,
    /// The server broke the contract. `findings` are every finding, known or new; the
    /// harness splits them with the baseline and asks `render` for the message.
    Failed(Failure),
    /// The check could not run; the message says why.
    Errored {
        reason: String,
        exchange: Option<ExchangeRecord>,
        message: String,
    },
    /// Nothing to judge; the reason says why.
    Ignored(String),
}

/// Renders a failure's terminal message from the new findings and the known ones.
pub type Render = Box<dyn Fn(&[Finding], &[(Finding, String)]) -> String + Send>;

/// A contract failure as a family concluded it.
pub struct Failure {
    pub findings: Vec<Finding>,
    pub exchange: Option<ExchangeRecord>,
    /// A snapshot's difference from its baseline, for reports that show it.
    pub diff: Option<String>,
    /// For a judgement across several answers of the run: the cases whose answers were
    /// compared with this trial's own (`missing_credential`, `task_123`).
    pub compared: Vec<String>,
    pub render: Render,
}

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Failure")
            .field("findings", &self.findings)
            .field("exchange", &self.exchange)
            .finish_non_exhaustive()
    }
}

impl Failure {
    /// A failure whose message is fixed, whatever the baseline accepts (a snapshot diff, a
    /// fuzz property whose known findings were skipped before it concluded).
    pub fn with_message(
        findings: Vec<Finding>,
        exchange: Option<ExchangeRecord>,
        message: String,
    ) -> Failure {
        Failure {
            findings,
            exchange,
            diff: None,
            compared: Vec::new(),
            render: Box::new(move |_, _| message.clone()),
        }
    }
}

/// One trial's outcome, as every reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct TrialRecord {
    /// The full trial name, `<check>::<case>`.
    pub name: String,
    pub family: Family,
    /// The check, fuzz property (`fuzz::ids::not_a_server_error`), `lifecycle` or `snapshot`.
    pub check: String,
    /// The case (`task_123`, `unknown_id`, …); for fuzz trials, the domain.
    pub case: String,
    /// One line on what the check guards (the check's own line, shared, where it is one).
    pub purpose: std::borrow::Cow<'static, str>,
    pub status: TrialStatus,
    /// The findings that fail the trial (new ones, not accepted by the baseline).
    pub findings: Vec<FindingRecord>,
    /// Findings the baseline accepts, with its reason.
    pub known: Vec<FindingRecord>,
    /// Boxed: only failing trials have one, and a run keeps a record per trial.
    pub exchange: Option<Box<ExchangeRecord>>,
    /// Why the trial errored or was ignored.
    pub reason: Option<String>,
    /// A snapshot's difference from its baseline.
    pub diff: Option<String>,
    /// The other cases whose answers a judgement across answers compared with this one's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compared: Vec<String>,
    /// The terminal message of a failed or errored trial.
    pub message: Option<String>,
    pub duration_ms: u64,
}

impl TrialRecord {
    /// A trial that passed, with nothing recorded yet: the start every outcome is built from.
    pub fn passed(
        name: impl Into<String>,
        family: Family,
        check: impl Into<String>,
        case: impl Into<String>,
        purpose: impl Into<std::borrow::Cow<'static, str>>,
    ) -> TrialRecord {
        TrialRecord {
            name: name.into(),
            family,
            check: check.into(),
            case: case.into(),
            purpose: purpose.into(),
            status: TrialStatus::Passed,
            findings: Vec::new(),
            known: Vec::new(),
            exchange: None,
            reason: None,
            diff: None,
            compared: Vec::new(),
            message: None,
            duration_ms: 0,
        }
    }
}

/// The facts of a run that every report states.
#[derive(Debug, Clone, Serialize)]
pub struct RunFacts {
    pub mjconform_version: String,
    /// The target's base URL (never with credentials: the URL parser refuses them).
    pub target_url: String,
    pub embedded_provider: bool,
    pub target_label: String,
    /// Where the spec came from, and a digest of its text.
    pub spec: String,
    pub spec_digest: String,
    pub dialect: Option<String>,
    pub key_placement: String,
    pub credential_given: bool,
    pub seed: u64,
    pub fuzz_cases: u32,
    pub task_ids: usize,
    /// When the run started, RFC 3339, UTC.
    pub started_at: String,
    /// How the run was started, for reproduction: `mjconform check` or `cargo test --`.
    pub invocation: String,
}

/// What a finished run adds to its facts.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct RunTotals {
    pub requests_sent: usize,
    pub fuzz_requests: Option<String>,
    pub duration_ms: u64,
    pub passed: usize,
    pub known: usize,
    /// Trials whose new findings are warnings (their check is at level `warn`).
    pub warnings: usize,
    pub failed: usize,
    pub errored: usize,
    pub ignored: usize,
    /// Baseline entries that matched nothing in this run.
    pub stale_baseline_entries: Vec<String>,
    /// Baseline entries past their `until` date.
    pub expired_baseline_entries: Vec<String>,
    /// Whether `--strict-baseline` was on: then stale and expired entries fail the run.
    #[serde(default)]
    pub strict_baseline: bool,
    /// Why the run stopped early, if it did (a stalled target, an interrupt).
    pub interrupted: Option<String>,
    /// `pass` or `fail`.
    pub verdict: String,
    pub exit_code: u8,
}

/// The records of one run, filled by the harness as trials end (from libtest's threads).
#[derive(Debug)]
pub struct Recorder {
    pub facts: RunFacts,
    /// Shared with whoever asked for the records (the run's end, an interrupt): handing out
    /// the `Arc` instead of a deep copy halves the peak memory of a run with thousands of
    /// trials, whose records (messages, exchanges, curl commands) are most of what it holds.
    trials: Mutex<Arc<Vec<TrialRecord>>>,
}

impl Recorder {
    pub fn new(facts: RunFacts) -> Recorder {
        Recorder {
            facts,
            trials: Mutex::new(Arc::new(Vec::new())),
        }
    }

    /// Room for `trials` records at once, so the list does not grow by doubling (which
    /// holds the old and the new list together) while thousands of trials end.
    pub fn reserve(&self, trials: usize) {
        Arc::make_mut(&mut self.lock()).reserve_exact(trials);
    }

    pub fn push(&self, record: TrialRecord) {
        // Copies the records only if someone still holds an earlier `trials()` (a trial
        // that ends after an interrupt took them).
        Arc::make_mut(&mut self.lock()).push(record);
    }

    /// The trials recorded so far, in name order (trials end in any order); sorted in place
    /// and shared, not copied.
    pub fn trials(&self) -> Arc<Vec<TrialRecord>> {
        let mut trials = self.lock();
        if !trials.is_sorted_by(|a, b| a.name <= b.name) {
            // Unstable: trial names are unique, and a stable sort borrows a buffer of half
            // the records' size.
            Arc::make_mut(&mut trials).sort_unstable_by(|a, b| a.name.cmp(&b.name));
        }
        Arc::clone(&trials)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Arc<Vec<TrialRecord>>> {
        // A trial that panicked mid-push leaves whole records: each push is one call.
        self.trials
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Counts by status.
pub fn count(trials: &[TrialRecord], status: TrialStatus) -> usize {
    trials.iter().filter(|trial| trial.status == status).count()
}

/// Milliseconds of a duration, saturating.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
