//! What a conforming server may answer to a fuzzed request that a strict reading of the
//! contract would flag, and why. Fuzzing sends requests no client sends, and frameworks
//! answer some of them before the application sees them (Go's ServeMux redirects `..`,
//! Node refuses headers over 16 KiB). Without these allowances, fuzzing would fail
//! conforming servers; with them in one table, each is stated once, with its reason, and
//! the judging code ([`super::properties`]) only reads the table.

use super::credentials::{CredentialInput, Validity};
use super::ids::changes_path_shape;
use super::input::Input;
use super::property::Property;
use crate::http::client::RequestSpec;

/// A property of a generated request that some servers answer in their own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trait {
    /// The decoded id is empty, a dot segment, or holds a `/`.
    PathShape,
    /// The request line or a header field is longer than [`OVERSIZE_BYTES`].
    Oversize,
    /// A header value holds bytes outside ASCII (`obs-text`).
    ObsText,
    /// The credential header is sent twice.
    DuplicateCredential,
    /// The key, with extra spaces or in one of two headers (see [`Validity::Ambiguous`]).
    AmbiguousCredential,
}

/// One row of the table.
#[derive(Debug)]
pub struct Allowance {
    pub when: Trait,
    /// Statuses meaning the HTTP layer refused the request before the application saw it.
    /// Such an answer is judged only by `not_a_server_error` (a refusal is never a 5xx).
    /// A dropped connection is never excused: a conforming HTTP layer answers with a status.
    pub refused_by_http_layer: &'static [u16],
    /// Properties that do not apply to such a request.
    pub skips: &'static [Property],
    /// An id that does not exist may get any 3xx or 4xx instead of the documented 404.
    pub not_found_may_be_any_3xx_or_4xx: bool,
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    pub why: &'static str,
}

/// Above this many bytes, a request line or header field may be refused by the HTTP layer:
/// Apache and Tomcat stop at 8 KiB, nginx's default buffers at 8 KiB, Node at 16 KiB for all
/// headers together. 4 KiB keeps every common server inside the allowance.
pub const OVERSIZE_BYTES: usize = 4 * 1024;

/// The allowances, one per trait.
pub const ALLOWANCES: [Allowance; 5] = [
    Allowance {
        when: Trait::PathShape,
        refused_by_http_layer: &[],
        skips: &[
            Property::StatusCodeConformance,
            Property::ContentTypeConformance,
            Property::ResponseSchemaConformance,
        ],
        not_found_may_be_any_3xx_or_4xx: true,
        why: "the id changes the path's shape (`/mj/task//fetch`, a dot segment URL parsers \
              resolve away, a decoded `/`), so routers answer it elsewhere: a 404 from the \
              router, a 301 from Go's ServeMux cleaning the path. Only `never a 5xx` and `no \
              task data` hold; not found may be any 3xx or 4xx",
    },
    Allowance {
        when: Trait::Oversize,
        refused_by_http_layer: &[400, 413, 414, 431],
        skips: &[],
        not_found_may_be_any_3xx_or_4xx: false,
        why: "the request line or a header field is over 4 KiB; HTTP layers refuse such \
              requests with 400, 413, 414 or 431 (RFC 9110 §15.5, RFC 6585 §5) before the \
              application sees them",
    },
    Allowance {
        when: Trait::ObsText,
        refused_by_http_layer: &[400],
        skips: &[],
        not_found_may_be_any_3xx_or_4xx: false,
        why: "a header value holds non-ASCII bytes, which RFC 9110 §5.5 calls obs-text: \
              strict HTTP parsers refuse it with 400",
    },
    Allowance {
        when: Trait::DuplicateCredential,
        refused_by_http_layer: &[400],
        skips: &[],
        not_found_may_be_any_3xx_or_4xx: false,
        why: "the credential header is sent twice; it is not a list field (RFC 9110 §5.3), so \
              servers may refuse the request with 400",
    },
    Allowance {
        when: Trait::AmbiguousCredential,
        refused_by_http_layer: &[],
        skips: &[Property::IgnoredAuth, Property::SchemeCaseLikeBearer],
        not_found_may_be_any_3xx_or_4xx: false,
        why: "the key with extra spaces (`Bearer  KEY`: RFC 9110 §11.4 allows 1*SP, and HTTP \
              parsers trim spaces around a value) or in one of two headers (servers read the \
              first, the last, or neither): 2xx and 401 are both right",
    },
];

/// The traits of a request built from `input`.
pub fn traits(input: &Input, request: &RequestSpec, validity: Option<Validity>) -> Vec<Trait> {
    let mut traits = Vec::new();
    if let Input::Id(id) = input {
        if changes_path_shape(&id.id()) {
            traits.push(Trait::PathShape);
        }
    }
    let oversize_header = request
        .headers
        .iter()
        .any(|(name, value)| name.len() + 2 + value.len() > OVERSIZE_BYTES);
    if request.raw_path.len() > OVERSIZE_BYTES || oversize_header {
        traits.push(Trait::Oversize);
    }
    if request.headers.iter().any(|(_, value)| !value.is_ascii()) {
        traits.push(Trait::ObsText);
    }
    if matches!(input, Input::Credential(CredentialInput::Twice(..))) {
        traits.push(Trait::DuplicateCredential);
    }
    if validity == Some(Validity::Ambiguous) {
        traits.push(Trait::AmbiguousCredential);
    }
    traits
}

/// The allowances that hold for a request, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leniency {
    pub refused_by_http_layer: Vec<u16>,
    pub skips: Vec<Property>,
    pub not_found_may_be_any_3xx_or_4xx: bool,
}

impl Leniency {
    pub fn for_traits(traits: &[Trait]) -> Leniency {
        let mut leniency = Leniency::default();
        for allowance in ALLOWANCES.iter().filter(|a| traits.contains(&a.when)) {
            leniency
                .refused_by_http_layer
                .extend_from_slice(allowance.refused_by_http_layer);
            leniency.skips.extend_from_slice(allowance.skips);
            leniency.not_found_may_be_any_3xx_or_4xx |= allowance.not_found_may_be_any_3xx_or_4xx;
        }
        leniency
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::fuzz::credentials::{CredentialValue, Scheme, Token};
    use crate::families::fuzz::ids::IdInput;

    fn request(path: &str, headers: &[(&str, &str)]) -> RequestSpec {
        RequestSpec::get(
            path,
            headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn every_trait_has_exactly_one_row_with_a_reason() {
        for when in [
            Trait::PathShape,
            Trait::Oversize,
            Trait::ObsText,
            Trait::DuplicateCredential,
            Trait::AmbiguousCredential,
        ] {
            let rows: Vec<&Allowance> = ALLOWANCES.iter().filter(|a| a.when == when).collect();
            assert_eq!(rows.len(), 1, "{when:?}");
            assert!(rows[0].why.len() > 40, "{when:?}");
        }
    }

    #[test]
    fn traits_of_ids() {
        let id = |text: &str| Input::Id(IdInput::Text(text.into()));
        let plain = request("/mj/task/x/fetch", &[]);
        assert_eq!(traits(&id("x"), &plain, None), vec![]);
        assert_eq!(traits(&id("../x"), &plain, None), vec![Trait::PathShape]);
        let long = request(&format!("/mj/task/{}/fetch", "a".repeat(5000)), &[]);
        assert_eq!(traits(&id("a"), &long, None), vec![Trait::Oversize]);
    }

    #[test]
    fn traits_of_credentials() {
        let twice = Input::Credential(CredentialInput::Twice(
            CredentialValue {
                scheme: Scheme::Placement,
                gap: 1,
                lead: 0,
                trail: 0,
                token: Token::Key,
            },
            CredentialValue {
                scheme: Scheme::Placement,
                gap: 1,
                lead: 0,
                trail: 0,
                token: Token::Text("é".into()),
            },
        ));
        let sent = request(
            "/mj/task/1/fetch",
            &[("authorization", "Bearer k"), ("authorization", "Bearer é")],
        );
        let found = traits(&twice, &sent, Some(Validity::Ambiguous));
        assert_eq!(
            found,
            vec![
                Trait::ObsText,
                Trait::DuplicateCredential,
                Trait::AmbiguousCredential
            ]
        );
        let leniency = Leniency::for_traits(&found);
        assert_eq!(leniency.refused_by_http_layer, vec![400, 400]);
        assert!(leniency.skips.contains(&Property::IgnoredAuth));
        assert!(!leniency.not_found_may_be_any_3xx_or_4xx);
    }
}
