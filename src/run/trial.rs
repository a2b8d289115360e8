//! The one shape every trial family gives its trials, so the harness drives them alike: a
//! name, what it checks on which case, and a body that concludes ([`Conclusion`]). The
//! harness times the body, lets the baseline sort its findings, records the outcome and
//! hands libtest the verdict; the families never count or print outcomes themselves.

use crate::checks::Finding;
use crate::run::baseline::Baseline;
use crate::run::outcome::{Conclusion, Family};

/// What a trial's body sees besides the run: which findings the baseline already accepts.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub check: &'a str,
    pub case: &'a str,
    pub baseline: Option<&'a Baseline>,
}

impl Scope<'_> {
    /// Whether the baseline accepts `finding` in this trial (a fuzz property uses it to
    /// look past known deviations for a new one).
    pub fn is_known(&self, finding: &Finding) -> bool {
        self.baseline
            .is_some_and(|baseline| baseline.accepts(self.check, self.case, finding).is_some())
    }
}

/// The body of a trial.
pub type Body = Box<dyn FnOnce(Scope<'_>) -> Conclusion + Send>;

/// A trial as a family plans it.
pub struct PlannedTrial {
    /// The trial's name: `<check>::<case>` for the suite, `fuzz::<domain>::<property>`.
    pub name: String,
    pub family: Family,
    /// The check or property: the first part of the trial name.
    pub check: String,
    /// The case: the rest of the trial name.
    pub case: String,
    /// One line on what the check guards; the check's own `&'static str` line unless a
    /// trial words its own (shared, not copied, across thousands of trials).
    pub purpose: std::borrow::Cow<'static, str>,
    /// Ignored from the start, with the reason (no snapshot baseline yet).
    pub ignored: Option<String>,
    pub body: Body,
}

impl PlannedTrial {
    pub fn new(
        family: Family,
        check: impl Into<String>,
        case: impl Into<String>,
        purpose: impl Into<std::borrow::Cow<'static, str>>,
        body: impl FnOnce(Scope<'_>) -> Conclusion + Send + 'static,
    ) -> PlannedTrial {
        let (check, case) = (check.into(), case.into());
        PlannedTrial {
            name: format!("{check}::{case}"),
            family,
            check,
            case,
            purpose: purpose.into(),
            ignored: None,
            body: Box::new(body),
        }
    }

    /// Names the trial other than `<check>::<case>`.
    pub fn named(mut self, name: impl Into<String>) -> PlannedTrial {
        self.name = name.into();
        self
    }

    /// Marks the trial ignored from the start.
    pub fn ignored(mut self, reason: Option<String>) -> PlannedTrial {
        self.ignored = reason;
        self
    }
}

impl std::fmt::Debug for PlannedTrial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedTrial")
            .field("name", &self.name)
            .field("ignored", &self.ignored)
            .finish_non_exhaustive()
    }
}
