//! OpenAPI 3.0 Schema Object → JSON Schema draft 2020-12.
//!
//! OpenAPI 3.0 schemas are a dialect of JSON Schema draft 5 with their own spellings (`nullable`,
//! boolean `exclusiveMinimum`, integer `format`s that constrain width) and a set of documentation
//! keywords. A 2020-12 validator would silently ignore or misread those, so every schema is
//! rewritten before compiling. The conversion keeps only keywords with a known meaning (an
//! allow-list): anything else (`example`, `discriminator`, `readOnly`, `x-*`, …) is dropped, so it
//! can never change what validates.
//!
//! Component schemas become top-level `$defs` and references stay references, which keeps
//! recursive schemas finite.

use super::int_format::{self, IntWidth};
use crate::errors::SpecError;
use serde_json::{json, Map, Value};

const COMPONENT_PREFIX: &str = "#/components/schemas/";
const DEFS_PREFIX: &str = "#/$defs/";
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Keywords copied as they are: they mean the same in OpenAPI 3.0 and JSON Schema 2020-12 and hold
/// no subschema. `title` and `description` are inert annotations, kept so a converted schema
/// still reads like its source.
const VERBATIM: &[&str] = &[
    "type",
    "enum",
    "required",
    "minimum",
    "maximum",
    "multipleOf",
    "pattern",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "title",
    "description",
];

// Reached only by the test tree (tests/, benches/).
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
/// Converts one OpenAPI 3.0 schema (which may be a bare `$ref`) into a self-contained JSON Schema
/// 2020-12 document: the converted schema at the root, every component schema under `$defs`.
///
/// Fails with [`SpecError::UnresolvedRef`] for a reference that is not
/// `#/components/schemas/<name>` with a known name, and [`SpecError::Unsupported`] for a schema
/// that is not an object.
pub fn openapi_to_json_schema(
    schema: &Value,
    components_schemas: &Map<String, Value>,
) -> Result<Value, SpecError> {
    convert_document(schema, components_schemas, "the schema")
}

/// [`openapi_to_json_schema`], naming `origin` in errors.
pub(crate) fn convert_document(
    schema: &Value,
    components_schemas: &Map<String, Value>,
    origin: &str,
) -> Result<Value, SpecError> {
    let converter = Converter {
        components: components_schemas,
        origin,
    };
    let mut defs = Map::new();
    for (name, component) in components_schemas {
        defs.insert(name.clone(), converter.convert(component)?);
    }
    let root = converter.convert(schema)?;
    let mut document = Map::new();
    document.insert("$schema".to_owned(), json!(DIALECT));
    match root {
        Value::Object(root) => document.extend(root),
        // A boolean schema cannot carry `$defs`; wrap it so the document stays one schema.
        other => {
            document.insert("allOf".to_owned(), json!([other]));
        }
    }
    if !defs.is_empty() {
        document.insert("$defs".to_owned(), Value::Object(defs));
    }
    Ok(Value::Object(document))
}

struct Converter<'a> {
    components: &'a Map<String, Value>,
    origin: &'a str,
}

impl Converter<'_> {
    fn convert(&self, schema: &Value) -> Result<Value, SpecError> {
        let object = match schema {
            Value::Object(object) => object,
            // Not legal in OpenAPI 3.0, but unambiguous in JSON Schema.
            Value::Bool(_) => return Ok(schema.clone()),
            other => {
                return Err(SpecError::Unsupported {
                    origin: self.origin.to_owned(),
                    message: format!("a schema must be an object, found {other}"),
                })
            }
        };
        let nullable = object.get("nullable") == Some(&Value::Bool(true));
        let mut converted = if let Some(reference) = object.get("$ref") {
            // OpenAPI 3.0 ignores a reference's siblings; `nullable` is honoured all the same
            // because writers use it to say "this component, or null".
            let mut only_ref = Map::new();
            only_ref.insert("$ref".to_owned(), self.reference(reference)?);
            only_ref
        } else {
            self.convert_keywords(object)?
        };
        if !nullable {
            return Ok(Value::Object(converted));
        }
        if let Some(Value::Array(options)) = converted.get_mut("enum") {
            // 3.0.3 clarifies that `nullable` does not extend `enum`, yet writers expect it to;
            // the null branch below accepts null either way, and listing it keeps `enum` honest.
            if !options.contains(&Value::Null) {
                options.push(Value::Null);
            }
        }
        Ok(json!({ "anyOf": [Value::Object(converted), { "type": "null" }] }))
    }

    fn convert_keywords(
        &self,
        object: &Map<String, Value>,
    ) -> Result<Map<String, Value>, SpecError> {
        let mut out = Map::new();
        for keyword in VERBATIM {
            if let Some(value) = object.get(*keyword) {
                out.insert((*keyword).to_owned(), value.clone());
            }
        }
        self.convert_format(object, &mut out);
        convert_exclusive_bound(object, &mut out, "exclusiveMinimum", "minimum");
        convert_exclusive_bound(object, &mut out, "exclusiveMaximum", "maximum");
        if let Some(Value::Object(properties)) = object.get("properties") {
            let mut converted = Map::new();
            for (name, property) in properties {
                converted.insert(name.clone(), self.convert(property)?);
            }
            out.insert("properties".to_owned(), Value::Object(converted));
        }
        for keyword in ["items", "additionalProperties", "not"] {
            if let Some(subschema) = object.get(keyword) {
                out.insert(keyword.to_owned(), self.convert(subschema)?);
            }
        }
        for keyword in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = object.get(keyword) {
                let branches = branches
                    .iter()
                    .map(|branch| self.convert(branch))
                    .collect::<Result<Vec<_>, _>>()?;
                out.insert(keyword.to_owned(), Value::Array(branches));
            }
        }
        Ok(out)
    }

    /// Integer widths become [`int_format::KEYWORD`]; other formats stay `format`, which the
    /// validator checks when it knows the format and ignores otherwise (`float`, `byte`, …).
    fn convert_format(&self, object: &Map<String, Value>, out: &mut Map<String, Value>) {
        let Some(format) = object.get("format") else {
            return;
        };
        let width = format.as_str().and_then(IntWidth::from_format);
        match width {
            Some(width) if object.get("type") == Some(&json!("integer")) => {
                out.insert(int_format::KEYWORD.to_owned(), json!(width.name()));
            }
            _ => {
                out.insert("format".to_owned(), format.clone());
            }
        }
    }

    fn reference(&self, reference: &Value) -> Result<Value, SpecError> {
        let unresolved = || SpecError::UnresolvedRef {
            origin: self.origin.to_owned(),
            reference: reference
                .as_str()
                .map_or_else(|| reference.to_string(), str::to_owned),
        };
        let escaped = reference
            .as_str()
            .and_then(|text| text.strip_prefix(COMPONENT_PREFIX))
            .ok_or_else(unresolved)?;
        // One pointer segment: a deeper pointer into a component would not survive the rewrite
        // (nullable wrapping moves subschemas), so it is refused rather than mistranslated.
        if escaped.contains('/') {
            return Err(unresolved());
        }
        let name = escaped.replace("~1", "/").replace("~0", "~");
        if !self.components.contains_key(&name) {
            return Err(unresolved());
        }
        Ok(json!(format!("{DEFS_PREFIX}{escaped}")))
    }
}

/// OpenAPI 3.0 (like draft 4) spells an exclusive bound as a boolean beside the number; 2020-12
/// makes the keyword itself the number. A numeric bound (already 2020-12 style) is kept.
fn convert_exclusive_bound(
    object: &Map<String, Value>,
    out: &mut Map<String, Value>,
    exclusive: &str,
    inclusive: &str,
) {
    match object.get(exclusive) {
        Some(Value::Bool(true)) => {
            if let Some(bound) = out.remove(inclusive) {
                out.insert(exclusive.to_owned(), bound);
            }
        }
        Some(bound @ Value::Number(_)) => {
            out.insert(exclusive.to_owned(), bound.clone());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn components(value: Value) -> Map<String, Value> {
        value.as_object().expect("components are an object").clone()
    }

    fn convert(schema: Value) -> Value {
        openapi_to_json_schema(&schema, &Map::new()).expect("schema converts")
    }

    #[test]
    fn nullable_string_becomes_any_of_with_null() {
        let converted = convert(json!({"type": "string", "nullable": true}));
        assert_eq!(
            converted["anyOf"],
            json!([{"type": "string"}, {"type": "null"}])
        );
        assert_eq!(converted["$schema"], json!(DIALECT));
    }

    #[test]
    fn nullable_enum_lists_null() {
        let converted = convert(json!({"type": "string", "enum": ["A", "B"], "nullable": true}));
        assert_eq!(converted["anyOf"][0]["enum"], json!(["A", "B", null]));
        assert_eq!(converted["anyOf"][1], json!({"type": "null"}));
    }

    #[test]
    fn nullable_ref_wraps_the_reference() {
        let defs = components(json!({"Button": {"type": "object"}}));
        let schema = json!({"$ref": "#/components/schemas/Button", "nullable": true});
        let converted = openapi_to_json_schema(&schema, &defs).unwrap();
        assert_eq!(
            converted["anyOf"],
            json!([{"$ref": "#/$defs/Button"}, {"type": "null"}])
        );
    }

    #[test]
    fn refs_point_into_defs_and_every_component_is_converted() {
        let defs = components(json!({
            "Node": {
                "type": "object",
                "properties": {
                    "child": {"$ref": "#/components/schemas/Node"},
                    "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}}
                }
            },
            "Tag": {"type": "string", "nullable": true, "example": "x"}
        }));
        let converted =
            openapi_to_json_schema(&json!({"$ref": "#/components/schemas/Node"}), &defs).unwrap();
        assert_eq!(converted["$ref"], json!("#/$defs/Node"));
        let node = &converted["$defs"]["Node"];
        assert_eq!(node["properties"]["child"], json!({"$ref": "#/$defs/Node"}));
        assert_eq!(
            node["properties"]["tags"]["items"],
            json!({"$ref": "#/$defs/Tag"})
        );
        assert_eq!(
            converted["$defs"]["Tag"],
            json!({"anyOf": [{"type": "string"}, {"type": "null"}]})
        );
    }

    #[test]
    fn unknown_ref_is_unresolved() {
        let error = openapi_to_json_schema(
            &json!({"$ref": "#/components/schemas/Missing"}),
            &Map::new(),
        )
        .unwrap_err();
        assert!(
            matches!(&error, SpecError::UnresolvedRef { reference, .. } if reference == "#/components/schemas/Missing"),
            "{error:?}"
        );
        let external = json!({"type": "array", "items": {"$ref": "other.yaml#/Task"}});
        assert!(matches!(
            openapi_to_json_schema(&external, &Map::new()),
            Err(SpecError::UnresolvedRef { .. })
        ));
    }

    #[test]
    fn integer_widths_become_the_custom_keyword() {
        let converted = convert(json!({"type": "integer", "format": "int64"}));
        assert_eq!(converted[int_format::KEYWORD], json!("int64"));
        assert!(converted.get("format").is_none());
        let converted = convert(json!({"type": "integer", "format": "int32"}));
        assert_eq!(converted[int_format::KEYWORD], json!("int32"));
        let converted = convert(json!({"type": "string", "format": "date-time"}));
        assert_eq!(converted["format"], json!("date-time"));
        assert!(converted.get(int_format::KEYWORD).is_none());
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric() {
        let converted = convert(json!({
            "type": "number", "minimum": 0, "exclusiveMinimum": true,
            "maximum": 10, "exclusiveMaximum": false
        }));
        assert_eq!(converted["exclusiveMinimum"], json!(0));
        assert!(converted.get("minimum").is_none());
        assert_eq!(converted["maximum"], json!(10));
        assert!(converted.get("exclusiveMaximum").is_none());
    }

    #[test]
    fn documentation_keywords_and_extensions_are_dropped() {
        let converted = convert(json!({
            "type": "object",
            "required": ["a"],
            "additionalProperties": false,
            "properties": {"a": {"type": "string", "readOnly": true, "deprecated": true}},
            "example": {"a": 1},
            "discriminator": {"propertyName": "a"},
            "xml": {"name": "x"},
            "externalDocs": {"url": "https://example.com"},
            "x-mjconform-int": "int64",
            "x-vendor": true
        }));
        assert_eq!(
            converted,
            json!({
                "$schema": DIALECT,
                "type": "object",
                "required": ["a"],
                "additionalProperties": false,
                "properties": {"a": {"type": "string"}}
            })
        );
    }

    #[test]
    fn combinators_are_converted_recursively() {
        let converted = convert(json!({
            "allOf": [{"type": "string", "nullable": true}],
            "oneOf": [{"type": "integer", "format": "int32"}],
            "anyOf": [{"type": "object", "additionalProperties": {"type": "integer", "format": "int64"}}],
            "not": {"type": "boolean", "example": true}
        }));
        assert_eq!(converted["allOf"][0]["anyOf"][1], json!({"type": "null"}));
        assert_eq!(converted["oneOf"][0][int_format::KEYWORD], json!("int32"));
        assert_eq!(
            converted["anyOf"][0]["additionalProperties"][int_format::KEYWORD],
            json!("int64")
        );
        assert_eq!(converted["not"], json!({"type": "boolean"}));
    }

    #[test]
    fn a_non_object_schema_is_unsupported() {
        assert!(matches!(
            openapi_to_json_schema(&json!("string"), &Map::new()),
            Err(SpecError::Unsupported { .. })
        ));
    }
}
