//! One way a body breaks its schema, in words a report can print on one line.
//!
//! jsonschema's errors are precise but built for its own messages; reports need the pointer, the
//! rule, what the contract expected and what the server sent, each separately. This module does
//! that translation, and undoes the converter's `nullable` wrapping so that a wrong value in a
//! nullable field reads as "expected string or null" rather than as an opaque `anyOf` failure.

use super::int_format::{self, IntWidth};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;

/// Longest rendering of an offending value, so a huge body cannot flood a report line.
const MAX_ACTUAL_CHARS: usize = 80;

/// The rule a [`Violation`] breaks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ViolationKind {
    Type,
    Enum,
    Required,
    /// `format: int32`/`int64`; the width is spelled out in [`Violation::expected`].
    IntegerFormat,
    /// Any other `format` the validator knows (`date-time`, `uuid`, …).
    Format,
    AdditionalProperties,
    /// Every other JSON Schema keyword, by name (`minimum`, `pattern`, `oneOf`, …).
    Other(String),
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ViolationKind::Type => "type",
            ViolationKind::Enum => "enum",
            ViolationKind::Required => "required",
            ViolationKind::IntegerFormat | ViolationKind::Format => "format",
            ViolationKind::AdditionalProperties => "additionalProperties",
            ViolationKind::Other(keyword) => keyword,
        };
        f.write_str(name)
    }
}

/// One place where an instance breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the instance; `""` is the root.
    pub instance_path: String,
    /// JSON pointer to the failing keyword in the converted schema
    /// ([`SchemaValidator::json_schema`](super::SchemaValidator::json_schema)).
    pub schema_path: String,
    pub kind: ViolationKind,
    pub expected: String,
    pub actual: String,
}

impl fmt::Display for Violation {
    /// One line: `/buttons/0/type: type: expected string, got 2`. The root reads `(root)`, since an
    /// empty pointer would leave the line starting with a bare colon.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_path.is_empty() {
            "(root)"
        } else {
            &self.instance_path
        };
        write!(
            f,
            "{at}: {}: expected {}, got {}",
            self.kind, self.expected, self.actual
        )
    }
}

/// Translates one jsonschema error into violations: usually one, several when a nullable field's
/// `anyOf` wrapper is unwrapped into what its non-null branch reported.
pub(crate) fn from_error(error: &ValidationError<'_>, schema: &Value) -> Vec<Violation> {
    if let ValidationErrorKind::AnyOf { context } = error.kind() {
        if let Some(branch) = only_non_null_branch(error, context) {
            let at = error.instance_path().as_str();
            return branch
                .iter()
                .flat_map(|inner| from_error(inner, schema))
                .map(|mut violation| {
                    if violation.kind == ViolationKind::Type && violation.instance_path == at {
                        violation.expected.push_str(" or null");
                    }
                    violation
                })
                .collect();
        }
    }
    let (kind, expected, actual) = describe(error, schema);
    vec![Violation {
        instance_path: error.instance_path().as_str().to_owned(),
        schema_path: error.schema_path().as_str().to_owned(),
        kind,
        expected,
        actual,
    }]
}

/// The errors of the single branch that is not `{type: null}`, when the `anyOf` has that shape,
/// which is what `nullable: true` converts to.
fn only_non_null_branch<'e>(
    error: &ValidationError<'_>,
    branches: &'e [Vec<ValidationError<'static>>],
) -> Option<&'e [ValidationError<'static>]> {
    let at = error.instance_path().as_str();
    let is_null_branch = |errors: &Vec<ValidationError<'static>>| {
        matches!(errors.as_slice(), [only] if only.instance_path().as_str() == at
            && matches!(only.kind(), ValidationErrorKind::Type { kind: TypeKind::Single(JsonType::Null) }))
    };
    let mut rest = branches.iter().filter(|errors| !is_null_branch(errors));
    match (rest.next(), rest.next()) {
        (Some(only), None) if branches.len() > 1 => Some(only.as_slice()),
        _ => None,
    }
}

fn describe(error: &ValidationError<'_>, schema: &Value) -> (ViolationKind, String, String) {
    let value = || render(error.instance());
    let other = |expected: String| (Other(error.kind().keyword().to_owned()), expected, value());
    use ValidationErrorKind as K;
    use ViolationKind::Other;
    match error.kind() {
        K::Type { kind } => (ViolationKind::Type, type_names(kind), value()),
        K::Enum { options } => (
            ViolationKind::Enum,
            format!("one of {}", compact(options)),
            value(),
        ),
        K::Required { property } => (
            ViolationKind::Required,
            format!("property {}", compact(property)),
            "an object without it".to_owned(),
        ),
        K::AdditionalProperties { unexpected } => (
            ViolationKind::AdditionalProperties,
            "no undeclared properties".to_owned(),
            format!("undeclared {}", quoted_list(unexpected)),
        ),
        K::Format { format } => (ViolationKind::Format, format!("a valid {format}"), value()),
        K::Custom { keyword, message } if keyword == int_format::KEYWORD => {
            integer_format(error, schema, message)
        }
        K::Minimum { limit } => other(format!(">= {limit}")),
        K::Maximum { limit } => other(format!("<= {limit}")),
        K::ExclusiveMinimum { limit } => other(format!("> {limit}")),
        K::ExclusiveMaximum { limit } => other(format!("< {limit}")),
        K::MultipleOf { multiple_of } => other(format!("a multiple of {multiple_of}")),
        K::MinLength { limit } => other(format!("at least {limit} characters")),
        K::MaxLength { limit } => other(format!("at most {limit} characters")),
        K::MinItems { limit } => other(format!("at least {limit} items")),
        K::MaxItems { limit } => other(format!("at most {limit} items")),
        K::MinProperties { limit } => other(format!("at least {limit} properties")),
        K::MaxProperties { limit } => other(format!("at most {limit} properties")),
        K::Pattern { pattern } => other(format!("a string matching /{pattern}/")),
        K::UniqueItems => other("unique items".to_owned()),
        K::Constant { expected_value } => other(compact(expected_value)),
        K::AnyOf { .. } => other("a value matching at least one `anyOf` branch".to_owned()),
        K::OneOfNotValid { .. } | K::OneOfMultipleValid { .. } => {
            other("a value matching exactly one `oneOf` branch".to_owned())
        }
        K::Not { schema } => other(format!("a value not matching {}", compact(schema))),
        K::FalseSchema => other("no value at all (the schema is `false`)".to_owned()),
        // The rest cannot arise from a converted OpenAPI 3.0 schema; jsonschema's own wording
        // (with the value masked, as `actual` carries it) is good enough for them.
        _ => other(error.masked().to_string()),
    }
}

/// Re-derives the integer-format rejection from the keyword's value in the converted schema, so
/// expected and actual come apart cleanly instead of being parsed out of the error message.
fn integer_format(
    error: &ValidationError<'_>,
    schema: &Value,
    message: &str,
) -> (ViolationKind, String, String) {
    let width = schema
        .pointer(error.schema_path().as_str())
        .and_then(Value::as_str)
        .and_then(IntWidth::from_format);
    match width.map(|width| int_format::check(width, error.instance())) {
        Some(Err(rejection)) => (
            ViolationKind::IntegerFormat,
            rejection.expected(),
            rejection.actual(),
        ),
        _ => (
            ViolationKind::IntegerFormat,
            "an integer literal of the declared width".to_owned(),
            message.to_owned(),
        ),
    }
}

fn type_names(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(single) => single.as_str().to_owned(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(JsonType::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("{name:?}")).collect();
    let noun = if names.len() == 1 {
        "property"
    } else {
        "properties"
    };
    format!("{noun} {}", quoted.join(", "))
}

fn compact(value: &Value) -> String {
    value.to_string()
}

/// The offending value as compact JSON, cut to [`MAX_ACTUAL_CHARS`] characters.
fn render(value: &Value) -> String {
    let text = compact(value);
    if text.chars().count() <= MAX_ACTUAL_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_ACTUAL_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Orders violations by instance pointer, comparing array indices as numbers so `/buttons/10`
/// follows `/buttons/9`; ties keep the order of their schema paths.
pub(crate) fn sort(violations: &mut [Violation]) {
    violations.sort_by(|a, b| {
        compare_pointers(&a.instance_path, &b.instance_path)
            .then_with(|| a.schema_path.cmp(&b.schema_path))
    });
}

fn compare_pointers(a: &str, b: &str) -> Ordering {
    let mut left = a.split('/');
    let mut right = b.split('/');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(
        instance_path: &str,
        kind: ViolationKind,
        expected: &str,
        actual: &str,
    ) -> Violation {
        Violation {
            instance_path: instance_path.to_owned(),
            schema_path: String::new(),
            kind,
            expected: expected.to_owned(),
            actual: actual.to_owned(),
        }
    }

    #[test]
    fn display_is_one_line_with_pointer_rule_expected_and_actual() {
        let line = violation("/buttons/0/type", ViolationKind::Type, "string", "2").to_string();
        assert_eq!(line, "/buttons/0/type: type: expected string, got 2");
        let root = violation("", ViolationKind::Type, "object", "[]").to_string();
        assert_eq!(root, "(root): type: expected object, got []");
    }

    #[test]
    fn kinds_display_as_rule_names() {
        assert_eq!(ViolationKind::Enum.to_string(), "enum");
        assert_eq!(ViolationKind::Required.to_string(), "required");
        assert_eq!(ViolationKind::IntegerFormat.to_string(), "format");
        assert_eq!(
            ViolationKind::AdditionalProperties.to_string(),
            "additionalProperties"
        );
        assert_eq!(
            ViolationKind::Other("minimum".into()).to_string(),
            "minimum"
        );
    }

    #[test]
    fn long_values_are_cut_to_80_characters() {
        let long = Value::String("é".repeat(200));
        let rendered = render(&long);
        assert_eq!(rendered.chars().count(), MAX_ACTUAL_CHARS);
        assert!(rendered.ends_with('…'));
        assert_eq!(render(&serde_json::json!({"a": [1, 2]})), r#"{"a":[1,2]}"#);
    }

    #[test]
    fn sorting_compares_indices_numerically() {
        let mut violations = vec![
            violation("/buttons/10/type", ViolationKind::Type, "", ""),
            violation("/failReason", ViolationKind::Type, "", ""),
            violation("/buttons/9/type", ViolationKind::Type, "", ""),
            violation("", ViolationKind::Required, "", ""),
        ];
        sort(&mut violations);
        let order: Vec<&str> = violations
            .iter()
            .map(|v| v.instance_path.as_str())
            .collect();
        assert_eq!(
            order,
            ["", "/buttons/9/type", "/buttons/10/type", "/failReason"]
        );
    }
}
