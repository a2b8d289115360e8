//! The dialects: the contracts real servers keep, one OpenAPI document per family under
//! `spec/dialects/`, embedded in the binary. `--dialect NAME` checks against one instead of the
//! doc, `mjconform mock --dialect NAME` answers as the family does, `mjconform identify` ranks
//! them. Each document starts from the doc and changes only what the family is known to do;
//! `docs/dialects.md` lists the facts and the `x-mjconform-…` extensions they need.

use std::sync::OnceLock;

use crate::contract::spec::Contract;

/// One embedded dialect document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// The name `--dialect` takes.
    pub name: &'static str,
    /// One line on who speaks it.
    pub description: &'static str,
    /// The OpenAPI document.
    pub text: &'static str,
}

/// Every dialect, in the order `mjconform dialects` lists them.
pub const DIALECTS: &[Dialect] = &[
    Dialect {
        name: "java-original",
        description: "the original Java proxy: mj-api-secret, nulls for unset fields, no buttons, unknown id 200 with an empty body",
        text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/dialects/java-original.openapi.yaml")),
    },
    Dialect {
        name: "plus",
        description: "midjourney-proxy-plus and the C# trueai proxy: raw Authorization, nulls, integer button type/style, MODAL and CANCEL, unknown id 204",
        text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/dialects/plus.openapi.yaml")),
    },
    Dialect {
        name: "node-port",
        description: "the Node port: mj-api-secret, unset fields left out, emoji as {name, id}, unknown id 200 with body null",
        text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/dialects/node-port.openapi.yaml")),
    },
    Dialect {
        name: "new-api",
        description: "the new-api relay: Bearer or mj-api-secret, \"\" and 0 for unset fields, integer button type/style, unknown id 400 task_no_found",
        text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/dialects/new-api.openapi.yaml")),
    },
];

impl Dialect {
    /// The dialect named `name`, if there is one.
    pub fn find(name: &str) -> Option<&'static Dialect> {
        DIALECTS.iter().find(|dialect| dialect.name == name)
    }

    /// How its document is named in messages and in [`Contract::origin`].
    pub fn origin(&self) -> String {
        format!("<embedded dialect {}>", self.name)
    }

    /// The dialect's contract, parsed once per process. A unit test loads every dialect, so
    /// the panic can only fire on a broken build, as for the embedded doc.
    pub fn contract(&self) -> Contract {
        static LOADED: OnceLock<Vec<Contract>> = OnceLock::new();
        let loaded = LOADED.get_or_init(|| {
            DIALECTS
                .iter()
                .map(|dialect| {
                    Contract::from_str(dialect.text, &dialect.origin()).unwrap_or_else(|error| {
                        panic!("the embedded dialect {} is broken: {error}", dialect.name)
                    })
                })
                .collect()
        });
        let index = DIALECTS
            .iter()
            .position(|dialect| dialect == self)
            .unwrap_or(0);
        loaded[index].clone()
    }
}

/// The names, for messages: `java-original, plus, node-port, new-api`.
pub fn names() -> String {
    DIALECTS
        .iter()
        .map(|dialect| dialect.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `--dialect`: a known name, or one line naming the known ones.
pub fn parse_name(value: &str) -> Result<&'static Dialect, String> {
    Dialect::find(value.trim())
        .ok_or_else(|| format!("unknown dialect `{value}`; known dialects: {}", names()))
}

/// `mjconform dialects`: one line each, name and description.
pub fn listing() -> String {
    let width = DIALECTS.iter().map(|d| d.name.len()).max().unwrap_or(0);
    DIALECTS
        .iter()
        .map(|dialect| format!("{:width$}  {}\n", dialect.name, dialect.description))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::rules::UnsetMarker;
    use crate::http::auth::KeyPlacement;

    #[test]
    fn every_dialect_loads_and_states_its_family_facts() {
        let contract = |name: &str| Dialect::find(name).unwrap().contract().fetch;
        let java = contract("java-original");
        assert_eq!(
            java.key_placement(),
            Some(KeyPlacement::Header("mj-api-secret".into()))
        );
        assert_eq!(java.not_found_status(), Some(200));
        assert!(java.is_documented_unknown_id_answer(200, b""));
        let plus = contract("plus");
        assert_eq!(
            plus.key_placements(),
            [
                KeyPlacement::Raw,
                KeyPlacement::Header("mj-api-secret".into())
            ]
        );
        assert!(plus.is_documented_unknown_id_answer(204, b""));
        let node = contract("node-port");
        assert!(node.is_documented_unknown_id_answer(200, b"null"));
        assert!(node
            .unset_convention(200)
            .unwrap()
            .allows("startTime", UnsetMarker::Absent));
        let new_api = contract("new-api");
        assert_eq!(new_api.key_placement(), Some(KeyPlacement::Bearer));
        assert!(new_api.is_documented_unknown_id_answer(
            400,
            br#"{"description":"task_no_found ","type":"upstream_error","code":4}"#
        ));
        assert!(new_api
            .unset_convention(200)
            .unwrap()
            .allows("startTime", UnsetMarker::Zero));
    }

    #[test]
    fn names_parse_and_unknown_ones_list_the_known() {
        assert_eq!(parse_name("plus").unwrap().name, "plus");
        let error = parse_name("cobol").unwrap_err();
        assert!(!error.contains('\n'));
        assert!(
            error.contains("java-original, plus, node-port, new-api"),
            "{error}"
        );
        assert_eq!(listing().lines().count(), DIALECTS.len());
    }
}
