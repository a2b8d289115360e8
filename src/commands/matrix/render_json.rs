//! `matrix.json`, for dashboards: the [`MatrixOutcome`] as it is. Its shape is
//! `schemas/matrix.schema.json`, versioned with [`super::model::MATRIX_SCHEMA_VERSION`].

use super::model::MatrixOutcome;

pub fn render(outcome: &MatrixOutcome) -> Result<String, String> {
    let mut text = serde_json::to_string_pretty(outcome).map_err(|err| err.to_string())?;
    text.push('\n');
    Ok(text)
}
