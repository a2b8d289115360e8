//! Finding the fetch operation in an OpenAPI document and resolving what it documents.

use super::contract::{
    AuthScheme, FetchOperation, MediaContract, ResponseContract, StatusPattern, TaskIdentity,
    TASK_IDENTITY_EXTENSION,
};
use super::extensions;
use crate::contract::validate::SchemaValidator;
use crate::errors::SpecError;
use openapiv3::{
    APIKeyLocation, OpenAPI, Operation, PathItem, ReferenceOr, Response, SecurityRequirement,
    SecurityScheme, StatusCode,
};
use serde_json::{Map, Value};
use std::sync::Arc;

const PREFERRED_OPERATION_ID: &str = "fetchTask";

/// The fetch operation of `document`: a GET whose template ends in `/fetch` and has exactly one
/// parameter. Specs from different providers name things differently, so when several qualify,
/// operationId `fetchTask` wins, then the canonical `/mj/task/{x}/fetch`, then spec order.
pub(crate) fn fetch_operation(
    document: &OpenAPI,
    origin: &str,
) -> Result<FetchOperation, SpecError> {
    let candidates: Vec<(&str, String, &Operation, &PathItem)> = document
        .paths
        .paths
        .iter()
        .filter_map(|(template, item)| {
            let ReferenceOr::Item(item) = item else {
                return None;
            };
            let operation = item.get.as_ref()?;
            let [param] = template_params(template)[..] else {
                return None;
            };
            template
                .ends_with("/fetch")
                .then(|| (template.as_str(), param.to_owned(), operation, item))
        })
        .collect();
    let chosen = candidates
        .iter()
        .find(|(_, _, operation, _)| {
            operation.operation_id.as_deref() == Some(PREFERRED_OPERATION_ID)
        })
        .or_else(|| {
            candidates
                .iter()
                .find(|(template, param, _, _)| *template == format!("/mj/task/{{{param}}}/fetch"))
        })
        .or_else(|| candidates.first());
    let Some((template, param, operation, item)) = chosen else {
        return Err(SpecError::NoFetchOperation {
            origin: origin.to_owned(),
        });
    };

    let resolver = Resolver { document, origin };
    let mut responses = Vec::new();
    for (status, response) in &operation.responses.responses {
        let location = format!("{origin}: GET {template} response {status}");
        responses.push(resolver.response_contract(status, response, &location)?);
    }
    let security = operation.security.as_ref().or(document.security.as_ref());
    Ok(FetchOperation {
        path_template: (*template).to_owned(),
        id_param: param.clone(),
        operation_id: operation.operation_id.clone(),
        responses,
        has_default_response: operation.responses.default.is_some(),
        requires_auth: security.is_some_and(|requirements| requires_auth(requirements)),
        auth_schemes: resolver.auth_schemes(security.map_or(&[], Vec::as_slice))?,
        path_methods: path_methods(item),
        unknown_id: extensions::unknown_id(
            operation.extensions.get(extensions::UNKNOWN_ID),
            origin,
        )?,
        task_identity: task_identity(operation.extensions.get(TASK_IDENTITY_EXTENSION), origin)?,
    })
}

/// The methods the path item documents an operation for, uppercase.
fn path_methods(item: &PathItem) -> Vec<String> {
    item.iter()
        .map(|(method, _)| method.to_ascii_uppercase())
        .collect()
}

/// The spec's [`TASK_IDENTITY_EXTENSION`], or the harness default without one. Each of `id` and
/// `status` is a field name, or `false` for a dialect whose bodies do not carry it; anything
/// else is refused, so a typo cannot silently switch the identity rule off.
fn task_identity(extension: Option<&Value>, origin: &str) -> Result<TaskIdentity, SpecError> {
    let mut identity = TaskIdentity::default();
    let Some(extension) = extension else {
        return Ok(identity);
    };
    let unsupported = |message: String| SpecError::Unsupported {
        origin: origin.to_owned(),
        message: format!("{TASK_IDENTITY_EXTENSION}: {message}"),
    };
    let Value::Object(fields) = extension else {
        return Err(unsupported(format!(
            "expected an object with `id` and `status`, found {extension}"
        )));
    };
    for (key, value) in fields {
        let slot = match key.as_str() {
            "id" => &mut identity.id_field,
            "status" => &mut identity.status_field,
            other => {
                return Err(unsupported(format!(
                    "unknown key `{other}`; expected `id` or `status`"
                )))
            }
        };
        *slot = match value {
            Value::String(name) if !name.is_empty() => Some(name.clone()),
            Value::Bool(false) => None,
            other => {
                return Err(unsupported(format!(
                    "`{key}` must be a field name or `false`, found {other}"
                )))
            }
        };
    }
    Ok(identity)
}

/// The `{name}` placeholders of a path template, in order.
fn template_params(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// A credential is required when some requirement is listed and none is the empty `{}`,
/// which OpenAPI uses to mean "anonymous access is also fine".
fn requires_auth(requirements: &[SecurityRequirement]) -> bool {
    !requirements.is_empty()
        && requirements
            .iter()
            .all(|requirement| !requirement.is_empty())
}

/// Follows references into `components`, naming the spec in errors.
struct Resolver<'a> {
    document: &'a OpenAPI,
    origin: &'a str,
}

impl Resolver<'_> {
    fn unresolved(&self, reference: &str) -> SpecError {
        SpecError::UnresolvedRef {
            origin: self.origin.to_owned(),
            reference: reference.to_owned(),
        }
    }

    fn response_contract(
        &self,
        status: &StatusCode,
        response: &ReferenceOr<Response>,
        location: &str,
    ) -> Result<ResponseContract, SpecError> {
        let response = self.response(response)?;
        let components_schemas = self.components_schemas()?;
        let mut media = Vec::new();
        for (media_type, content) in &response.content {
            let (schema, schema_json, unset) = match &content.schema {
                None => (None, None, None),
                Some(schema) => {
                    let schema = self.to_json(schema)?;
                    let location = format!("{location} {media_type}");
                    let validator =
                        SchemaValidator::from_openapi(&schema, &components_schemas, &location)?;
                    let expanded = extensions::expand_refs(&schema, &components_schemas);
                    let unset = extensions::unset_convention(&expanded, &location)?;
                    (
                        Some(Arc::new(validator)),
                        Some(Arc::new(expanded)),
                        unset.map(Arc::new),
                    )
                }
            };
            media.push(MediaContract {
                media_type: media_type.clone(),
                schema,
                schema_json,
                example: content.example.clone(),
                unset,
            });
        }
        Ok(ResponseContract {
            status: match status {
                StatusCode::Code(code) => StatusPattern::Exact(*code),
                StatusCode::Range(class) => StatusPattern::Range(*class),
            },
            description: response.description.clone(),
            media,
        })
    }

    /// A response, following one `#/components/responses/<name>` reference (a reference to a
    /// reference is not something OpenAPI 3.0 allows there).
    fn response<'r>(
        &'r self,
        response: &'r ReferenceOr<Response>,
    ) -> Result<&'r Response, SpecError> {
        match response {
            ReferenceOr::Item(response) => Ok(response),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|name| self.document.components.as_ref()?.responses.get(name));
                match found {
                    Some(ReferenceOr::Item(response)) => Ok(response),
                    _ => Err(self.unresolved(reference)),
                }
            }
        }
    }

    /// The component schemas as JSON, the form the validator's converter reads.
    fn components_schemas(&self) -> Result<Map<String, Value>, SpecError> {
        let Some(components) = &self.document.components else {
            return Ok(Map::new());
        };
        match self.to_json(&components.schemas)? {
            Value::Object(schemas) => Ok(schemas),
            _ => Ok(Map::new()),
        }
    }

    /// Serializes openapiv3's model back to JSON, so openapiv3 stays the only parser of the spec.
    fn to_json<T: serde::Serialize>(&self, value: &T) -> Result<Value, SpecError> {
        serde_json::to_value(value).map_err(|error| SpecError::Parse {
            origin: self.origin.to_owned(),
            message: error.to_string(),
        })
    }

    /// The schemes named by the requirements, in order and without repeats.
    fn auth_schemes(
        &self,
        requirements: &[SecurityRequirement],
    ) -> Result<Vec<AuthScheme>, SpecError> {
        let mut schemes = Vec::new();
        for name in requirements
            .iter()
            .flat_map(|requirement| requirement.keys())
        {
            let scheme = self.security_scheme(name)?;
            if !schemes.contains(&scheme) {
                schemes.push(scheme);
            }
        }
        Ok(schemes)
    }

    fn security_scheme(&self, name: &str) -> Result<AuthScheme, SpecError> {
        let schemes = self
            .document
            .components
            .as_ref()
            .map(|components| &components.security_schemes);
        let mut reference = format!("#/components/securitySchemes/{name}");
        let mut lookup = name.to_owned();
        // A scheme may itself be a reference to another; bound the walk so a cycle cannot hang.
        for _ in 0..8 {
            match schemes.and_then(|schemes| schemes.get(&lookup)) {
                Some(ReferenceOr::Item(scheme)) => {
                    return extensions::placement_override(scheme, self.origin)
                        .map(|placement| placement.unwrap_or_else(|| auth_scheme(scheme)))
                }
                Some(ReferenceOr::Reference { reference: next }) => {
                    match next.strip_prefix("#/components/securitySchemes/") {
                        Some(next_name) => {
                            lookup = next_name.to_owned();
                            reference = next.clone();
                        }
                        None => return Err(self.unresolved(next)),
                    }
                }
                None => return Err(self.unresolved(&reference)),
            }
        }
        Err(self.unresolved(&reference))
    }
}

fn auth_scheme(scheme: &SecurityScheme) -> AuthScheme {
    match scheme {
        SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
            AuthScheme::HttpBearer
        }
        SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
            AuthScheme::HttpBasic
        }
        SecurityScheme::HTTP { scheme, .. } => AuthScheme::Other(format!("http {scheme}")),
        SecurityScheme::APIKey { location, name, .. } => match location {
            // The bare key in `Authorization` is what clients call a raw placement.
            APIKeyLocation::Header if name.eq_ignore_ascii_case("authorization") => {
                AuthScheme::RawAuthorization
            }
            APIKeyLocation::Header => AuthScheme::ApiKeyHeader(name.clone()),
            APIKeyLocation::Query => AuthScheme::Other(format!("apiKey in query `{name}`")),
            APIKeyLocation::Cookie => AuthScheme::Other(format!("apiKey in cookie `{name}`")),
        },
        SecurityScheme::OAuth2 { .. } => AuthScheme::Other("oauth2".to_owned()),
        SecurityScheme::OpenIDConnect { .. } => AuthScheme::Other("openIdConnect".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Contract;

    fn load(text: &str) -> Result<Contract, SpecError> {
        Contract::from_str(text, "test.yaml")
    }

    const HEADER: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn template_params_are_the_braced_names() {
        assert_eq!(template_params("/mj/task/{id}/fetch"), ["id"]);
        assert_eq!(template_params("/a/{x}/{y}/fetch"), ["x", "y"]);
        assert!(template_params("/list/fetch").is_empty());
    }

    #[test]
    fn a_spec_without_the_fetch_operation_is_refused() {
        let text = format!(
            "{HEADER}paths:\n  /mj/task/{{id}}/fetch:\n    post:\n      responses:\n        '200': {{description: OK}}\n  /mj/task/list/fetch:\n    get:\n      responses:\n        '200': {{description: OK}}\n"
        );
        let error = load(&text).unwrap_err();
        assert!(
            matches!(&error, SpecError::NoFetchOperation { origin } if origin == "test.yaml"),
            "{error:?}"
        );
    }

    #[test]
    fn preference_goes_to_fetch_task_then_the_canonical_path() {
        let text = format!(
            "{HEADER}paths:
  /v2/job/{{job}}/fetch:
    get:
      responses:
        '200': {{description: OK}}
  /mj/task/{{taskId}}/fetch:
    get:
      responses:
        '200': {{description: OK}}
  /api/mj/task/{{id}}/fetch:
    get:
      operationId: fetchTask
      responses:
        '200': {{description: OK}}
"
        );
        let fetch = load(&text).unwrap().fetch;
        assert_eq!(fetch.path_template, "/api/mj/task/{id}/fetch");
        let without_id = text.replace("operationId: fetchTask", "operationId: other");
        let fetch = load(&without_id).unwrap().fetch;
        assert_eq!(fetch.path_template, "/mj/task/{taskId}/fetch");
        assert_eq!(fetch.id_param, "taskId");
        assert_eq!(fetch.path_for("abc"), "/mj/task/abc/fetch");
    }

    #[test]
    fn responses_keep_spec_order_and_resolve_references() {
        let text = format!(
            "{HEADER}paths:
  /mj/task/{{id}}/fetch:
    get:
      security: [{{}}, {{key: []}}]
      responses:
        '200':
          $ref: '#/components/responses/Ok'
        4XX: {{description: Client error}}
        default: {{description: Anything}}
components:
  responses:
    Ok:
      description: OK
      content:
        application/json:
          schema: {{type: object, nullable: true}}
        text/plain: {{}}
  securitySchemes:
    key: {{type: apiKey, in: header, name: X-Api-Key}}
"
        );
        let fetch = load(&text).unwrap().fetch;
        let statuses: Vec<String> = fetch
            .responses
            .iter()
            .map(|r| r.status.to_string())
            .collect();
        assert_eq!(statuses, ["200", "4XX"]);
        assert!(fetch.has_default_response);
        assert_eq!(fetch.responses[0].description, "OK");
        assert_eq!(fetch.responses[0].media.len(), 2);
        assert!(fetch.responses[0].media[1].schema.is_none());
        let schema = fetch.responses[0].media[0].schema.as_ref().unwrap();
        assert!(schema.validate(&serde_json::Value::Null).is_empty());
        assert_eq!(fetch.not_found_status(), None);
        assert_eq!(fetch.auth_failure_statuses(), [401, 403]);
        assert!(!fetch.requires_auth, "`{{}}` makes the credential optional");
        assert_eq!(
            fetch.auth_schemes,
            [AuthScheme::ApiKeyHeader("X-Api-Key".to_owned())]
        );
    }

    #[test]
    fn global_security_applies_when_the_operation_has_none() {
        let text = format!(
            "{HEADER}security: [{{basic: []}}]
paths:
  /mj/task/{{id}}/fetch:
    get:
      responses:
        '200': {{description: OK}}
components:
  securitySchemes:
    basic: {{type: http, scheme: Basic}}
"
        );
        let fetch = load(&text).unwrap().fetch;
        assert!(fetch.requires_auth);
        assert_eq!(fetch.auth_schemes, [AuthScheme::HttpBasic]);
        let public = text.replace("    get:\n", "    get:\n      security: []\n");
        let fetch = load(&public).unwrap().fetch;
        assert!(!fetch.requires_auth);
        assert!(fetch.auth_schemes.is_empty());
    }

    #[test]
    fn unknown_references_are_unresolved() {
        let missing_scheme = format!(
            "{HEADER}paths:
  /mj/task/{{id}}/fetch:
    get:
      security: [{{nope: []}}]
      responses:
        '200': {{description: OK}}
"
        );
        assert!(matches!(
            load(&missing_scheme),
            Err(SpecError::UnresolvedRef { reference, .. }) if reference == "#/components/securitySchemes/nope"
        ));
        let missing_schema = format!(
            "{HEADER}paths:
  /mj/task/{{id}}/fetch:
    get:
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Task'}}
"
        );
        assert!(matches!(
            load(&missing_schema),
            Err(SpecError::UnresolvedRef { reference, .. }) if reference == "#/components/schemas/Task"
        ));
    }

    #[test]
    fn the_task_identity_defaults_and_a_spec_may_change_it() {
        let base = format!(
            "{HEADER}paths:\n  /mj/task/{{id}}/fetch:\n    get:\n      responses:\n        '200': {{description: OK}}\n"
        );
        assert_eq!(
            load(&base).unwrap().fetch.task_identity,
            TaskIdentity::default()
        );
        let with = |extension: &str| {
            base.replace(
                "    get:\n",
                &format!("    get:\n      x-mjconform-task-identity: {extension}\n"),
            )
        };
        let identity = load(&with("{id: taskId, status: false}"))
            .unwrap()
            .fetch
            .task_identity;
        assert_eq!(identity.id_field.as_deref(), Some("taskId"));
        assert_eq!(identity.status_field, None);
        for bad in ["true", "{id: true}", "{id: ''}", "{ident: id}", "[id]"] {
            let error = load(&with(bad)).unwrap_err();
            assert!(
                error.to_string().contains(TASK_IDENTITY_EXTENSION),
                "{bad}: {error}"
            );
        }
    }
}
