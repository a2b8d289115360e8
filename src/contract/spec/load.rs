//! Reading a spec document: YAML or JSON text → an OpenAPI 3.0 document → a [`Contract`].

use super::contract::Contract;
use super::fetch::fetch_operation;
use super::DEFAULT_SPEC;
use crate::errors::SpecError;
use openapiv3::OpenAPI;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::path::Path;
use std::sync::OnceLock;

/// How the embedded default spec is named in messages.
const EMBEDDED_ORIGIN: &str = "<embedded spec/mj-task-fetch.openapi.yaml>";

/// `sha256:<hex>` of a spec's text.
fn digest(text: &str) -> String {
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(text.as_bytes());
    let hex: String = hash.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

impl Contract {
    /// Loads a spec file, YAML or JSON.
    pub fn from_path(path: &Path) -> Result<Contract, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
            path: path.to_owned(),
            source,
        })?;
        Contract::from_str(&text, &path.display().to_string())
    }

    /// Loads a spec from its text; `origin` names it in errors and in [`Contract::origin`].
    pub fn from_str(text: &str, origin: &str) -> Result<Contract, SpecError> {
        let document = parse_document(text, origin)?;
        Ok(Contract {
            origin: origin.to_owned(),
            digest: digest(text),
            fetch: fetch_operation(&document, origin)?,
            known_deviations: document
                .extensions
                .get(super::extensions::KNOWN_DEVIATIONS)
                .cloned(),
        })
    }

    /// The spec shipped in the binary. It is parsed once per process; a unit test guards that it
    /// loads, so the panic can only fire on a broken build.
    pub fn embedded() -> Contract {
        static EMBEDDED: OnceLock<Contract> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                Contract::from_str(DEFAULT_SPEC, EMBEDDED_ORIGIN)
                    .unwrap_or_else(|error| panic!("the embedded spec is broken: {error}"))
            })
            .clone()
    }
}

/// Only the version field, read before the whole document: openapiv3 models 3.0 alone, and a
/// 3.1 or Swagger 2.0 document deserves "unsupported" rather than a confusing field error.
#[derive(Deserialize)]
struct VersionProbe {
    openapi: Option<serde_json::Value>,
    swagger: Option<serde_json::Value>,
}

fn parse_document(text: &str, origin: &str) -> Result<OpenAPI, SpecError> {
    let parse_error = |message: String| SpecError::Parse {
        origin: origin.to_owned(),
        message,
    };
    let unsupported = |message: String| SpecError::Unsupported {
        origin: origin.to_owned(),
        message,
    };
    let probe: VersionProbe = deserialize(text).map_err(parse_error)?;
    match (probe.openapi, probe.swagger) {
        (Some(serde_json::Value::String(version)), _) => {
            if !(version == "3.0" || version.starts_with("3.0.")) {
                return Err(unsupported(format!(
                    "OpenAPI {version} is not supported; mjconform reads OpenAPI 3.0.x"
                )));
            }
        }
        (Some(other), _) => {
            return Err(parse_error(format!(
                "`openapi` must be a version string such as \"3.0.3\", found {other}"
            )))
        }
        (None, Some(version)) => {
            return Err(unsupported(format!(
                "Swagger {version} is not supported; mjconform reads OpenAPI 3.0.x"
            )))
        }
        (None, None) => return Err(parse_error("no `openapi` version field".to_owned())),
    }
    deserialize(text).map_err(parse_error)
}

/// JSON when the text looks like a JSON object, YAML otherwise. JSON is a subset of YAML, but
/// serde_json's messages point at JSON syntax errors far more precisely.
fn deserialize<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|error| error.to_string())
    } else {
        serde_yaml_ng::from_str(text).map_err(|error| error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::{AuthScheme, StatusPattern};
    use crate::contract::validate::ViolationKind;
    use serde_json::{json, Value};

    const NEW_API_BODY: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real-world/new-api-provider-doc-success.json"
    ));
    const ORIGINAL_PROXY_BODY: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real-world/original-proxy-doc-success.json"
    ));

    /// The 200 body validator of the embedded spec.
    fn task_validator() -> std::sync::Arc<crate::contract::validate::SchemaValidator> {
        let contract = Contract::embedded();
        let ok = contract.fetch.documented(200).expect("200 is documented");
        ok.media[0].schema.clone().expect("200 has a schema")
    }

    #[test]
    fn embedded_spec_loads_the_fetch_operation() {
        let contract = Contract::embedded();
        let fetch = &contract.fetch;
        assert_eq!(contract.origin, EMBEDDED_ORIGIN);
        assert_eq!(fetch.path_template, "/mj/task/{id}/fetch");
        assert_eq!(fetch.id_param, "id");
        assert_eq!(fetch.operation_id.as_deref(), Some("fetchTask"));
        let statuses: Vec<StatusPattern> = fetch.responses.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [200, 401, 403, 404].map(StatusPattern::Exact).to_vec()
        );
        assert!(!fetch.has_default_response);
        assert!(fetch.requires_auth);
        assert_eq!(fetch.auth_schemes, [AuthScheme::HttpBearer]);
        assert_eq!(fetch.not_found_status(), Some(404));
        assert_eq!(fetch.auth_failure_statuses(), [401, 403]);
        let ok = fetch.documented(200).unwrap();
        assert_eq!(ok.media.len(), 1);
        assert_eq!(ok.media[0].media_type, "application/json");
        assert!(ok.media[0].matches("application/json; charset=utf-8"));
        assert!(fetch.documented(404).unwrap().media.is_empty());
    }

    #[test]
    fn a_seed_doc_like_task_validates_clean() {
        let task = json!({
            "action": "IMAGINE",
            "description": "Submitted",
            "failReason": "",
            "finishTime": 1747132463701_i64,
            "id": "1747132423020537",
            "imageUrl": "https://example.com/a.png",
            "progress": "100%",
            "prompt": "cat",
            "promptEn": "cat",
            "properties": {"finalPrompt": "cat", "flags": 0},
            "startTime": 1747132424482_i64,
            "state": "",
            "status": "SUCCESS",
            "submitTime": 1747132423020_i64,
            "buttons": [
                {"customId": "MJ::JOB::upsample::1::x", "emoji": "", "label": "U1", "type": "2", "style": "2"}
            ],
            "extraKeyAllowed": true
        });
        assert_eq!(task_validator().validate(&task), []);
        assert_eq!(task_validator().validate(&json!({})), []);
    }

    #[test]
    fn new_api_fixture_fails_on_integer_button_fields() {
        let body: Value = serde_json::from_str(NEW_API_BODY).unwrap();
        let violations = task_validator().validate(&body);
        let pointers: Vec<&str> = violations
            .iter()
            .map(|v| v.instance_path.as_str())
            .collect();
        assert_eq!(
            pointers,
            [
                "/buttons/0/style",
                "/buttons/0/type",
                "/buttons/1/style",
                "/buttons/1/type",
                "/buttons/2/style",
                "/buttons/2/type",
            ]
        );
        let first_type = violations
            .iter()
            .find(|v| v.instance_path == "/buttons/0/type")
            .unwrap();
        assert_eq!(first_type.kind, ViolationKind::Type);
        assert_eq!(
            first_type.to_string(),
            "/buttons/0/type: type: expected string, got 2"
        );
        assert_eq!(first_type.schema_path, "/$defs/Button/properties/type/type");
    }

    #[test]
    fn original_proxy_fixture_fails_on_null_fail_reason() {
        let body: Value = serde_json::from_str(ORIGINAL_PROXY_BODY).unwrap();
        let violations = task_validator().validate(&body);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].instance_path, "/failReason");
        assert_eq!(violations[0].kind, ViolationKind::Type);
        assert_eq!(
            violations[0].to_string(),
            "/failReason: type: expected string, got null"
        );
    }

    #[test]
    fn task_times_reject_float_notation_through_the_ref() {
        let body: Value = serde_json::from_str(r#"{"finishTime": 1.7e12}"#).unwrap();
        let violations = task_validator().validate(&body);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].kind, ViolationKind::IntegerFormat);
        assert_eq!(violations[0].instance_path, "/finishTime");
        assert_eq!(violations[0].expected, "an int64 integer literal");
        assert_eq!(violations[0].actual, "1700000000000.0 (float notation)");
    }

    #[test]
    fn json_specs_load_too() {
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(DEFAULT_SPEC).unwrap();
        let json_text = serde_json::to_string_pretty(&yaml).unwrap();
        let contract = Contract::from_str(&json_text, "spec.json").unwrap();
        assert_eq!(contract.fetch.path_template, "/mj/task/{id}/fetch");
        assert_eq!(contract.origin, "spec.json");
    }

    #[test]
    fn from_path_reads_files_and_reports_missing_ones() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/mj-task-fetch.openapi.yaml");
        let contract = Contract::from_path(&path).unwrap();
        assert_eq!(contract.origin, path.display().to_string());
        let missing = Path::new("/nonexistent/spec.yaml");
        assert!(matches!(
            Contract::from_path(missing),
            Err(SpecError::Read { path, .. }) if path == missing
        ));
    }

    #[test]
    fn openapi_3_1_is_unsupported() {
        let text = DEFAULT_SPEC.replace("openapi: 3.0.3", "openapi: 3.1.0");
        let error = Contract::from_str(&text, "v31.yaml").unwrap_err();
        assert!(
            matches!(&error, SpecError::Unsupported { origin, message } if origin == "v31.yaml" && message.contains("3.1.0")),
            "{error:?}"
        );
    }

    #[test]
    fn swagger_2_is_unsupported() {
        let error = Contract::from_str("swagger: \"2.0\"\npaths: {}\n", "old.yaml").unwrap_err();
        assert!(matches!(error, SpecError::Unsupported { .. }), "{error:?}");
    }

    #[test]
    fn garbage_is_a_parse_error() {
        for garbage in [
            "{ not json",
            "just some words",
            "openapi: [3.0",
            "",
            "openapi: 3.0.3\n",
        ] {
            let error = Contract::from_str(garbage, "junk").unwrap_err();
            assert!(
                matches!(&error, SpecError::Parse { origin, .. } if origin == "junk"),
                "{garbage:?}: {error:?}"
            );
        }
    }
}
