//! The properties of a server that fuzzing checks: their names in trial names, the suite
//! check that judges each, and what each guards. How an answer is judged against one is
//! [`super::properties`].

use crate::checks::Check;

/// A property of the server, checked on every generated request it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Property {
    /// Never a 5xx, and never a dropped connection (a crash).
    NotAServerError,
    StatusCodeConformance,
    ContentTypeConformance,
    ResponseSchemaConformance,
    /// An id that does not exist gets 404.
    UnknownIdNotFound,
    /// A request without a valid credential is refused and never gets task data.
    IgnoredAuth,
    /// `bearer KEY`, `BEARER KEY`... get the same answer as `Bearer KEY` (RFC 9110 §11.1).
    SchemeCaseLikeBearer,
    /// The real key under another scheme (`Basic KEY`, `Token KEY`) is refused. A server that
    /// accepts it lets nobody in without the key: a leniency (level `warn` by default), not
    /// ignored auth.
    OtherSchemeRefused,
}

impl Property {
    /// The last part of trial names.
    pub fn name(self) -> &'static str {
        match self {
            Property::SchemeCaseLikeBearer => "scheme_case_like_bearer",
            Property::OtherSchemeRefused => "other_scheme_refused",
            other => other.check().map_or("", Check::name),
        }
    }

    /// The suite check that judges this property, if it is one.
    pub fn check(self) -> Option<Check> {
        match self {
            Property::NotAServerError => Some(Check::NotAServerError),
            Property::StatusCodeConformance => Some(Check::StatusCodeConformance),
            Property::ContentTypeConformance => Some(Check::ContentTypeConformance),
            Property::ResponseSchemaConformance => Some(Check::ResponseSchemaConformance),
            Property::UnknownIdNotFound => Some(Check::UnknownIdNotFound),
            Property::IgnoredAuth => Some(Check::IgnoredAuth),
            Property::SchemeCaseLikeBearer | Property::OtherSchemeRefused => None,
        }
    }

    /// One line on what the property guards, for reports.
    pub fn purpose(self) -> &'static str {
        match self {
            Property::NotAServerError => {
                "the server never answers 5xx and never drops the connection, whatever it is sent"
            }
            Property::SchemeCaseLikeBearer => {
                "the scheme is case-insensitive (RFC 9110 §11.1): `bearer KEY` is answered like `Bearer KEY`"
            }
            Property::OtherSchemeRefused => {
                "the real key under another scheme (`Basic KEY`, `Token KEY`, no scheme) is refused: the key goes where the spec places it"
            }
            other => other
                .check()
                .map(Check::purpose)
                .unwrap_or("the contract holds"),
        }
    }
}
