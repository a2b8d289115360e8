//! The two things fuzzing varies, each a domain with its own trials: the task id (with the
//! run's credential) and the credential (asking for a task that exists, so a server that
//! lets a bad credential through gives itself away by returning the task).

use super::credentials::CredentialInput;
use super::ids::IdInput;
use super::property::Property;
use crate::http::auth::KeyPlacement;

/// What a family of fuzz trials varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    Ids,
    Credentials,
}

impl Domain {
    pub const ALL: [Domain; 2] = [Domain::Ids, Domain::Credentials];

    /// The middle part of trial names: `fuzz::<domain>::<property>`.
    pub fn name(self) -> &'static str {
        match self {
            Domain::Ids => "ids",
            Domain::Credentials => "credentials",
        }
    }

    /// The properties checked on every request of the domain.
    pub fn properties(self) -> &'static [Property] {
        match self {
            Domain::Ids => &[
                Property::NotAServerError,
                Property::StatusCodeConformance,
                Property::ContentTypeConformance,
                Property::ResponseSchemaConformance,
                Property::UnknownIdNotFound,
            ],
            Domain::Credentials => &[
                Property::NotAServerError,
                Property::StatusCodeConformance,
                Property::ContentTypeConformance,
                Property::ResponseSchemaConformance,
                Property::IgnoredAuth,
                Property::SchemeCaseLikeBearer,
                Property::OtherSchemeRefused,
            ],
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Domain::Ids => 0,
            Domain::Credentials => 1,
        }
    }
}

/// One generated input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Input {
    Id(IdInput),
    Credential(CredentialInput),
}

impl Input {
    pub fn domain(&self) -> Domain {
        match self {
            Input::Id(_) => Domain::Ids,
            Input::Credential(_) => Domain::Credentials,
        }
    }

    /// Inputs with one character less of free text (the id, or a token's text), for the
    /// last pass of shrinking.
    pub fn one_char_shorter(&self) -> Vec<Input> {
        use super::credentials::{CredentialValue, Token};
        use super::shrink::without_one_char;
        match self {
            Input::Id(IdInput::Text(id)) => without_one_char(id)
                .into_iter()
                .map(|id| Input::Id(IdInput::Text(id)))
                .collect(),
            Input::Credential(CredentialInput::One(value)) => {
                let (text, rebuild): (&str, fn(String) -> Token) = match &value.token {
                    Token::Text(text) => (text, Token::Text),
                    Token::Prefixed(text) => (text, Token::Prefixed),
                    Token::Suffixed(text) => (text, Token::Suffixed),
                    _ => return Vec::new(),
                };
                without_one_char(text)
                    .into_iter()
                    .map(|text| {
                        Input::Credential(CredentialInput::One(CredentialValue {
                            token: rebuild(text),
                            ..value.clone()
                        }))
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The input for a person; the key, if any, shown as `***`.
    pub fn describe(&self, placement: &KeyPlacement) -> String {
        match self {
            Input::Id(id) => format!("id {}", id.describe()),
            Input::Credential(credential) => credential.describe(placement),
        }
    }
}
