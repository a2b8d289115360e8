//! A compiled validator for one schema of the contract.

use super::convert::convert_document;
use super::int_format;
use super::violation::{self, Violation};
use crate::errors::SpecError;
use jsonschema::{Draft, Validator};
use serde_json::{Map, Value};
use std::fmt;

/// One OpenAPI schema, converted and compiled once, then used for every body checked against it.
/// Keeps the converted JSON Schema because violation schema paths point into it.
pub struct SchemaValidator {
    validator: Validator,
    schema: Value,
}

impl SchemaValidator {
    /// Converts `schema` (an OpenAPI 3.0 Schema Object or `$ref`) with the spec's component
    /// schemas, then compiles it. `location` names the schema in errors (e.g. the spec and
    /// the response it belongs to).
    pub fn from_openapi(
        schema: &Value,
        components_schemas: &Map<String, Value>,
        location: &str,
    ) -> Result<SchemaValidator, SpecError> {
        let schema = convert_document(schema, components_schemas, location)?;
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            // OpenAPI formats are assertions for a contract test; unknown ones (`float`, `byte`,
            // `password`, …) stay ignored, which is the crate's default.
            .should_validate_formats(true)
            .with_keyword(int_format::KEYWORD, int_format::factory)
            .build(&schema)
            .map_err(|error| SpecError::Compile {
                location: location.to_owned(),
                message: error.to_string(),
            })?;
        Ok(SchemaValidator { validator, schema })
    }

    /// Every violation in `instance`, sorted by instance pointer; empty when it conforms.
    pub fn validate(&self, instance: &Value) -> Vec<Violation> {
        // Most answers conform, and `is_valid` stops at nothing to report: it skips the
        // error iterator's bookkeeping (locations, boxed errors), which made validating a
        // conforming task cost about 1.5x the crate's own check. Only a failing body pays
        // for the second pass that collects its violations.
        if self.validator.is_valid(instance) {
            return Vec::new();
        }
        let mut violations: Vec<Violation> = self
            .validator
            .iter_errors(instance)
            .flat_map(|error| violation::from_error(&error, &self.schema))
            .collect();
        violation::sort(&mut violations);
        violations
    }

    /// The converted JSON Schema 2020-12 document the validator was compiled from.
    pub fn json_schema(&self) -> &Value {
        &self.schema
    }
}

impl fmt::Debug for SchemaValidator {
    /// The compiled form is opaque; the schema it came from is what a reader needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchemaValidator")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::validate::ViolationKind;
    use serde_json::json;

    fn validator(schema: Value, components: Value) -> SchemaValidator {
        let components = components.as_object().cloned().unwrap_or_default();
        SchemaValidator::from_openapi(&schema, &components, "test").expect("schema compiles")
    }

    fn time_validator(format: &str) -> SchemaValidator {
        validator(
            json!({"type": "object", "properties": {"t": {"type": "integer", "format": format}}}),
            json!({}),
        )
    }

    /// Parses `{"t": <literal>}` as JSON text, so the literal reaches serde_json exactly as a
    /// server would send it.
    fn body(literal: &str) -> Value {
        serde_json::from_str(&format!(r#"{{"t": {literal}}}"#)).expect("test body is JSON")
    }

    fn int_violation(format: &str, literal: &str) -> Option<Violation> {
        let violations = time_validator(format).validate(&body(literal));
        violations
            .into_iter()
            .find(|violation| violation.kind == ViolationKind::IntegerFormat)
    }

    fn assert_int_rejected(format: &str, literal: &str, actual: &str) {
        let violation = int_violation(format, literal)
            .unwrap_or_else(|| panic!("{format} must reject {literal}"));
        assert_eq!(violation.instance_path, "/t");
        assert_eq!(violation.schema_path, "/properties/t/x-mjconform-int");
        assert_eq!(violation.expected, format!("an {format} integer literal"));
        assert_eq!(violation.actual, actual);
    }

    fn assert_accepted(format: &str, literal: &str) {
        let violations = time_validator(format).validate(&body(literal));
        assert!(
            violations.is_empty(),
            "{format} must accept {literal}: {violations:?}"
        );
    }

    #[test]
    fn int64_accepts_its_max() {
        assert_accepted("int64", "9223372036854775807");
    }

    #[test]
    fn int64_accepts_its_min() {
        assert_accepted("int64", "-9223372036854775808");
    }

    #[test]
    fn int64_accepts_epoch_millis() {
        assert_accepted("int64", "1700000000000");
    }

    #[test]
    fn int64_rejects_max_plus_one() {
        assert_int_rejected(
            "int64",
            "9223372036854775808",
            "9223372036854775808 (above int64 max)",
        );
    }

    #[test]
    fn int64_rejects_min_minus_one() {
        assert_int_rejected(
            "int64",
            "-9223372036854775809",
            "-9.223372036854776e+18 (below int64 min)",
        );
    }

    #[test]
    fn int64_rejects_a_fraction_and_type_agrees() {
        assert_int_rejected("int64", "1.5", "1.5 (not an integer)");
        let violations = time_validator("int64").validate(&body("1.5"));
        assert!(violations
            .iter()
            .any(|violation| violation.kind == ViolationKind::Type
                && violation.instance_path == "/t"));
    }

    #[test]
    fn int64_rejects_exponent_notation() {
        assert_int_rejected("int64", "1.7e12", "1700000000000.0 (float notation)");
    }

    #[test]
    fn int64_rejects_a_trailing_zero_fraction() {
        assert_int_rejected(
            "int64",
            "1700000000000.0",
            "1700000000000.0 (float notation)",
        );
    }

    #[test]
    fn int64_rejects_a_numeric_string_by_type() {
        let violations = time_validator("int64").validate(&body("\"1700000000000\""));
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].kind, ViolationKind::Type);
        assert_eq!(violations[0].instance_path, "/t");
        assert_eq!(
            violations[0].to_string(),
            r#"/t: type: expected integer, got "1700000000000""#
        );
    }

    #[test]
    fn int32_accepts_its_bounds() {
        assert_accepted("int32", "2147483647");
        assert_accepted("int32", "-2147483648");
    }

    #[test]
    fn int32_rejects_beyond_its_bounds_and_floats() {
        assert_int_rejected("int32", "2147483648", "2147483648 (above int32 max)");
        assert_int_rejected("int32", "-2147483649", "-2147483649 (below int32 min)");
        assert_int_rejected("int32", "1e3", "1000.0 (float notation)");
    }

    #[test]
    fn integer_format_violation_reads_as_one_line() {
        let violation = int_violation("int64", "1.7e12").expect("rejected");
        assert_eq!(
            violation.to_string(),
            "/t: format: expected an int64 integer literal, got 1700000000000.0 (float notation)"
        );
    }

    #[test]
    fn nullable_string_accepts_null_and_reports_other_types_plainly() {
        let validator = validator(
            json!({"type": "object", "properties": {"s": {"type": "string", "nullable": true}}}),
            json!({}),
        );
        assert!(validator.validate(&json!({"s": null})).is_empty());
        assert!(validator.validate(&json!({"s": "x"})).is_empty());
        let violations = validator.validate(&json!({"s": 5}));
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(
            violations[0].to_string(),
            "/s: type: expected string or null, got 5"
        );
        assert_eq!(violations[0].schema_path, "/properties/s/anyOf/0/type");
    }

    #[test]
    fn non_nullable_string_rejects_null() {
        let validator = validator(
            json!({"type": "object", "properties": {"s": {"type": "string"}}}),
            json!({}),
        );
        let violations = validator.validate(&json!({"s": null}));
        assert_eq!(violations.len(), 1);
        assert_eq!(
            violations[0].to_string(),
            "/s: type: expected string, got null"
        );
    }

    #[test]
    fn nullable_enum_accepts_null_and_reports_the_options() {
        let validator = validator(
            json!({"type": "string", "enum": ["A", "B"], "nullable": true}),
            json!({}),
        );
        assert!(validator.validate(&json!(null)).is_empty());
        assert!(validator.validate(&json!("A")).is_empty());
        let violations = validator.validate(&json!("C"));
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].kind, ViolationKind::Enum);
        assert_eq!(violations[0].expected, r#"one of ["A","B",null]"#);
        assert_eq!(violations[0].actual, r#""C""#);
    }

    #[test]
    fn recursive_refs_validate_at_depth() {
        let validator = validator(
            json!({"$ref": "#/components/schemas/Node"}),
            json!({"Node": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
                }
            }}),
        );
        let tree = json!({"name": "a", "children": [{"name": "b", "children": [{"name": 3}, {}]}]});
        let violations = validator.validate(&tree);
        let lines: Vec<String> = violations.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "/children/0/children/0/name: type: expected string, got 3",
                "/children/0/children/1: required: expected property \"name\", got an object without it",
            ]
        );
        assert_eq!(violations[1].kind, ViolationKind::Required);
    }

    #[test]
    fn additional_properties_false_is_reported() {
        let validator = validator(
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false}),
            json!({}),
        );
        let violations = validator.validate(&json!({"a": 1, "b": 2}));
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].kind, ViolationKind::AdditionalProperties);
        assert_eq!(violations[0].actual, r#"undeclared property "b""#);
    }

    #[test]
    fn known_formats_are_asserted() {
        let validator = validator(json!({"type": "string", "format": "date-time"}), json!({}));
        assert!(validator
            .validate(&json!("2024-01-01T00:00:00Z"))
            .is_empty());
        let violations = validator.validate(&json!("yesterday"));
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].kind, ViolationKind::Format);
        assert_eq!(violations[0].expected, "a valid date-time");
    }

    #[test]
    fn an_invalid_pattern_fails_to_compile() {
        let error = SchemaValidator::from_openapi(
            &json!({"type": "string", "pattern": "("}),
            &Map::new(),
            "GET /x 200",
        )
        .unwrap_err();
        assert!(
            matches!(&error, SpecError::Compile { location, .. } if location == "GET /x 200"),
            "{error:?}"
        );
    }

    #[test]
    fn validators_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SchemaValidator>();
    }
}
