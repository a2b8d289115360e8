//! TEMPORARY STUB (lead's local build only; replaced by the issue10 branch).
use crate::outcome::{RunFacts, RunTotals, TrialRecord};
use std::path::{Path, PathBuf};
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Junit,
    Json,
    Markdown,
    Html,
}
pub fn parse_formats(value: &str) -> Result<Vec<Format>, String> {
    value
        .split(',')
        .map(|v| match v {
            "junit" => Ok(Format::Junit),
            "json" => Ok(Format::Json),
            "markdown" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            other => Err(format!("unknown report format `{other}`")),
        })
        .collect()
}
pub struct Report<'a> {
    pub facts: &'a RunFacts,
    pub totals: &'a RunTotals,
    pub trials: &'a [TrialRecord],
}
pub fn write(
    report: &Report,
    formats: &[Format],
    dir: &Path,
) -> Result<Vec<PathBuf>, crate::errors::ReportError> {
    std::fs::create_dir_all(dir).map_err(|e| crate::errors::ReportError::Write(e.to_string()))?;
    let p = dir.join("report.json");
    let _ = formats;
    std::fs::write(&p, serde_json::json!({"facts": report.facts, "totals": report.totals, "trials": report.trials}).to_string()).map_err(|e| crate::errors::ReportError::Write(e.to_string()))?;
    Ok(vec![p])
}
pub fn markdown(_report: &Report) -> String {
    String::new()
}
