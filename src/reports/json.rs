//! The JSON report: one document per run, `{schema_version, facts, totals, trials}`,
//! serialised from the model as it is. Its shape is documented by
//! `schemas/report.schema.json`, versioned with [`REPORT_SCHEMA_VERSION`].

use serde::Serialize;

use super::Report;
use crate::errors::ReportError;
use crate::run::outcome::{RunFacts, RunTotals, TrialRecord, REPORT_SCHEMA_VERSION};

/// The document, field for field what the schema describes.
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    facts: &'a RunFacts,
    totals: &'a RunTotals,
    trials: &'a [TrialRecord],
}

pub fn render(report: &Report) -> Result<String, ReportError> {
    let document = Document {
        schema_version: REPORT_SCHEMA_VERSION,
        facts: report.facts,
        totals: report.totals,
        trials: report.trials,
    };
    let mut text = serde_json::to_string_pretty(&document).map_err(|err| ReportError::Render {
        format: "json".to_owned(),
        message: err.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}
