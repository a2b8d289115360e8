//! The `x-mjconform-…` extensions: what a document says that OpenAPI 3.0 cannot (an unknown id
//! answered 200 `null`; "unset is `0`"; the bare key in `Authorization`). Each is documented in
//! `docs/dialects.md`; a malformed one is a spec error, never silently ignored.

use openapiv3::SecurityScheme;
use serde_json::{Map, Value};

use super::contract::{
    AuthScheme, FieldKind, LongIdAnswer, UnknownIdAnswer, UnsetConvention, UnsetField,
};
use crate::contract::rules::UnsetMarker;
use crate::errors::SpecError;
use crate::http::auth::KeyPlacement;

/// On the fetch operation: the answer to an id that does not exist.
pub const UNKNOWN_ID: &str = "x-mjconform-unknown-id";
/// On a body schema, or one of its properties: how an unset field is marked.
pub const UNSET: &str = "x-mjconform-unset";
/// On a security scheme: where the key goes, as `--key-placement` spells it.
pub const KEY_PLACEMENT: &str = "x-mjconform-key-placement";
/// On the document: baseline entries for what the family is known to bend (read by
/// `crate::run::baseline`).
pub const KNOWN_DEVIATIONS: &str = "x-mjconform-known-deviations";

/// How deep component references are expanded; deeper (or cyclic) ones are left as `$ref`.
const MAX_REF_DEPTH: usize = 8;

fn invalid(origin: &str, message: String) -> SpecError {
    SpecError::Parse {
        origin: origin.to_owned(),
        message,
    }
}

/// `x-mjconform-unknown-id: {status: 200, body: "null"}` on the operation, if present.
pub(super) fn unknown_id(
    value: Option<&Value>,
    origin: &str,
) -> Result<Option<UnknownIdAnswer>, SpecError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let malformed = || {
        invalid(
            origin,
            format!(
                "`{UNKNOWN_ID}` must be {{status: <100..599>, body: <text, optional>, long-id: {{over: <chars>, status: <100..599>}} (optional)}}, found {value}"
            ),
        )
    };
    let object = value.as_object().ok_or_else(malformed)?;
    let status = object
        .get("status")
        .and_then(Value::as_u64)
        .filter(|status| (100..=599).contains(status))
        .ok_or_else(malformed)?;
    let body = match object.get("body") {
        None => None,
        Some(Value::String(body)) => Some(body.clone()),
        Some(_) => return Err(malformed()),
    };
    let long_id = match object.get("long-id") {
        None => None,
        Some(long) => {
            let over = long
                .get("over")
                .and_then(Value::as_u64)
                .filter(|over| *over > 0)
                .ok_or_else(malformed)?;
            let status = long
                .get("status")
                .and_then(Value::as_u64)
                .filter(|status| (100..=599).contains(status))
                .ok_or_else(malformed)?;
            if long
                .as_object()
                .is_some_and(|long| long.keys().any(|key| key != "over" && key != "status"))
            {
                return Err(malformed());
            }
            Some(LongIdAnswer {
                over: over as usize,
                status: status as u16,
            })
        }
    };
    if object
        .keys()
        .any(|key| key != "status" && key != "body" && key != "long-id")
    {
        return Err(malformed());
    }
    Ok(Some(UnknownIdAnswer {
        status: status as u16,
        body,
        long_id,
    }))
}

/// `x-mjconform-key-placement: raw` (or `bearer`, `header:NAME`) on a security scheme, if present.
pub(super) fn placement_override(
    scheme: &SecurityScheme,
    origin: &str,
) -> Result<Option<AuthScheme>, SpecError> {
    let extensions = match scheme {
        SecurityScheme::APIKey { extensions, .. }
        | SecurityScheme::HTTP { extensions, .. }
        | SecurityScheme::OAuth2 { extensions, .. }
        | SecurityScheme::OpenIDConnect { extensions, .. } => extensions,
    };
    let Some(value) = extensions.get(KEY_PLACEMENT) else {
        return Ok(None);
    };
    let placement: KeyPlacement = value
        .as_str()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| {
            invalid(
                origin,
                format!(
                    "`{KEY_PLACEMENT}` must be `bearer`, `raw` or `header:NAME`, found {value}"
                ),
            )
        })?;
    Ok(Some(match placement {
        KeyPlacement::Bearer => AuthScheme::HttpBearer,
        KeyPlacement::Raw => AuthScheme::RawAuthorization,
        KeyPlacement::Header(name) => AuthScheme::ApiKeyHeader(name),
    }))
}

/// `schema` with every `#/components/schemas/…` reference replaced by its target, so readers
/// of the body's shape walk plain JSON.
pub(super) fn expand_refs(schema: &Value, components: &Map<String, Value>) -> Value {
    expand(schema, components, 0)
}

fn expand(schema: &Value, components: &Map<String, Value>, depth: usize) -> Value {
    match schema {
        Value::Object(object) => {
            let target = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
                .and_then(|name| components.get(name));
            match target {
                Some(target) if depth < MAX_REF_DEPTH => expand(target, components, depth + 1),
                _ => Value::Object(
                    object
                        .iter()
                        .map(|(key, value)| (key.clone(), expand(value, components, depth)))
                        .collect(),
                ),
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| expand(item, components, depth))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The unset convention an expanded body schema states, if it has `x-mjconform-unset`.
pub(super) fn unset_convention(
    schema: &Value,
    location: &str,
) -> Result<Option<UnsetConvention>, SpecError> {
    let Some(list) = schema.get(UNSET) else {
        return Ok(None);
    };
    let markers = markers(list, location)?;
    let mut fields = Vec::new();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let kind = match property.get("type").and_then(Value::as_str) {
                Some("string") => FieldKind::String,
                Some("integer") => FieldKind::Integer,
                _ => FieldKind::Other,
            };
            let own = match property.get(UNSET) {
                Some(list) => markers_of_field(list, location, name)?,
                None => markers.clone(),
            };
            fields.push(UnsetField {
                name: name.clone(),
                kind,
                markers: own,
            });
        }
    }
    Ok(Some(UnsetConvention { markers, fields }))
}

fn markers_of_field(
    list: &Value,
    location: &str,
    field: &str,
) -> Result<Vec<UnsetMarker>, SpecError> {
    markers(list, &format!("{location} property `{field}`"))
}

fn markers(list: &Value, location: &str) -> Result<Vec<UnsetMarker>, SpecError> {
    let malformed = || SpecError::Parse {
        origin: location.to_owned(),
        message: format!("`{UNSET}` must list some of null, \"\", 0 and \"absent\", found {list}"),
    };
    let items = list
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(malformed)?;
    items
        .iter()
        .map(|item| UnsetMarker::from_json(item).ok_or_else(malformed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    fn spec(operation_extra: &str, schema_extra: &str, scheme: &str) -> String {
        format!(
            "{HEAD}paths:
  /mj/task/{{id}}/fetch:
    get:
      security: [{{key: []}}]
{operation_extra}
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Task'}}
              example: {{id: '1'}}
        '204': {{description: gone}}
components:
  securitySchemes:
    key: {scheme}
  schemas:
    Task:
      type: object
{schema_extra}
      properties:
        id: {{type: string}}
        startTime: {{type: integer, format: int64}}
        progress: {{type: string, x-mjconform-unset: ['', null]}}
"
        )
    }

    #[test]
    fn the_unknown_id_answer_is_read_from_the_operation() {
        let text = spec(
            "      x-mjconform-unknown-id: {status: 200, body: 'null'}",
            "",
            "{type: http, scheme: bearer}",
        );
        let fetch = Contract::from_str(&text, "t").unwrap().fetch;
        let answer = fetch.unknown_id.clone().unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(fetch.not_found_status(), Some(200));
        assert!(fetch.is_documented_unknown_id_answer(200, b" null\n"));
        assert!(!fetch.is_documented_unknown_id_answer(200, b""));
        assert!(!fetch.is_documented_unknown_id_answer(204, b"null"));
        assert_eq!(answer.to_string(), "200 with body `null`");
        let empty = UnknownIdAnswer {
            status: 200,
            body: Some(String::new()),
            long_id: None,
        };
        assert!(empty.matches(200, b""));
        assert!(!empty.matches(200, b"null"));
        assert_eq!(empty.to_string(), "200 with an empty body");
        let json = UnknownIdAnswer {
            status: 400,
            body: Some(r#"{"code":4,"type":"x"}"#.into()),
            long_id: None,
        };
        assert!(json.matches(400, br#"{ "type": "x", "code": 4 }"#));
    }

    #[test]
    fn malformed_extensions_are_spec_errors() {
        for bad in [
            "      x-mjconform-unknown-id: 204",
            "      x-mjconform-unknown-id: {status: 99}",
            "      x-mjconform-unknown-id: {status: 200, body: 3}",
            "      x-mjconform-unknown-id: {status: 200, typo: x}",
            "      x-mjconform-unknown-id: {status: 200, long-id: {over: 0, status: 404}}",
            "      x-mjconform-unknown-id: {status: 200, long-id: {over: 100}}",
            "      x-mjconform-unknown-id: {status: 200, long-id: {over: 100, status: 404, x: 1}}",
        ] {
            let text = spec(bad, "", "{type: http, scheme: bearer}");
            let error = Contract::from_str(&text, "t").unwrap_err();
            assert!(error.to_string().contains(UNKNOWN_ID), "{bad}: {error}");
        }
        let text = spec(
            "",
            "      x-mjconform-unset: [nil]",
            "{type: http, scheme: bearer}",
        );
        assert!(Contract::from_str(&text, "t")
            .unwrap_err()
            .to_string()
            .contains(UNSET));
        let text = spec(
            "",
            "",
            "{type: apiKey, in: header, name: x, x-mjconform-key-placement: cookie}",
        );
        assert!(Contract::from_str(&text, "t")
            .unwrap_err()
            .to_string()
            .contains(KEY_PLACEMENT));
    }

    #[test]
    fn the_unset_convention_is_read_field_by_field() {
        let text = spec(
            "",
            "      x-mjconform-unset: [null, absent]",
            "{type: http, scheme: bearer}",
        );
        let fetch = Contract::from_str(&text, "t").unwrap().fetch;
        let convention = fetch.unset_convention(200).unwrap();
        assert_eq!(convention.markers, [UnsetMarker::Null, UnsetMarker::Absent]);
        assert!(convention.allows("startTime", UnsetMarker::Null));
        assert!(!convention.allows("startTime", UnsetMarker::Zero));
        assert!(convention.allows("progress", UnsetMarker::EmptyString));
        assert!(convention.allows("undocumented", UnsetMarker::Absent));
        let start = convention
            .fields
            .iter()
            .find(|f| f.name == "startTime")
            .unwrap();
        assert_eq!(start.kind, FieldKind::Integer);
        let media = &fetch.documented(200).unwrap().media[0];
        assert_eq!(media.example, Some(serde_json::json!({"id": "1"})));
        let expanded = media.schema_json.as_ref().unwrap();
        assert_eq!(expanded["properties"]["id"]["type"], "string");
        let plain = Contract::from_str(&spec("", "", "{type: http, scheme: bearer}"), "t").unwrap();
        assert!(plain.fetch.unset_convention(200).is_none());
    }

    #[test]
    fn key_placements_follow_the_security_schemes() {
        let placement = |scheme: &str| {
            Contract::from_str(&spec("", "", scheme), "t")
                .unwrap()
                .fetch
                .key_placement()
        };
        assert_eq!(
            placement("{type: http, scheme: bearer}"),
            Some(KeyPlacement::Bearer)
        );
        assert_eq!(
            placement("{type: apiKey, in: header, name: mj-api-secret}"),
            Some(KeyPlacement::Header("mj-api-secret".into()))
        );
        assert_eq!(
            placement("{type: apiKey, in: header, name: Authorization}"),
            Some(KeyPlacement::Raw)
        );
        assert_eq!(
            placement("{type: apiKey, in: header, name: X-Key, x-mjconform-key-placement: raw}"),
            Some(KeyPlacement::Raw)
        );
        assert_eq!(placement("{type: http, scheme: basic}"), None);
    }
}
