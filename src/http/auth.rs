//! Where the API key travels. Real servers read it from different places (see
//! `docs/providers.md`), so the placement is a run option, not a constant.

use std::fmt;
use std::str::FromStr;

use crate::errors::UsageError;

/// The header name the doc puts the credential in.
pub const AUTHORIZATION: &str = "authorization";

/// Where the key goes on every request that carries a credential.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KeyPlacement {
    /// `Authorization: Bearer <key>`: the doc's way.
    #[default]
    Bearer,
    /// `Authorization: <key>`, as the C# proxy reads it.
    Raw,
    /// A named header such as `mj-api-secret`, holding the bare key.
    Header(String),
}

impl KeyPlacement {
    /// The (lowercase) header that carries the credential.
    pub fn header_name(&self) -> &str {
        match self {
            KeyPlacement::Bearer | KeyPlacement::Raw => AUTHORIZATION,
            KeyPlacement::Header(name) => name,
        }
    }

    /// The header value for `key`.
    pub fn header_value(&self, key: &str) -> String {
        match self {
            KeyPlacement::Bearer => format!("Bearer {key}"),
            KeyPlacement::Raw | KeyPlacement::Header(_) => key.to_owned(),
        }
    }

    /// The credential header carrying `key`.
    pub fn credential(&self, key: &str) -> (String, String) {
        (self.header_name().to_owned(), self.header_value(key))
    }
}

impl fmt::Display for KeyPlacement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyPlacement::Bearer => f.write_str("bearer"),
            KeyPlacement::Raw => f.write_str("raw"),
            KeyPlacement::Header(name) => write!(f, "header:{name}"),
        }
    }
}

impl FromStr for KeyPlacement {
    type Err = UsageError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = || UsageError::KeyPlacement {
            value: value.to_owned(),
        };
        match value.to_ascii_lowercase().as_str() {
            "bearer" => Ok(KeyPlacement::Bearer),
            "raw" => Ok(KeyPlacement::Raw),
            other => {
                let name = other.strip_prefix("header:").ok_or_else(invalid)?;
                let is_token = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                if is_token {
                    Ok(KeyPlacement::Header(name.to_owned()))
                } else {
                    Err(invalid())
                }
            }
        }
    }
}

/// An API key that never prints itself: `Debug` and `Display` show `***`, so a key
/// cannot reach a log line or a panic message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The key itself, for the one place that needs it: the outgoing request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A key of the same length and shape as `key` that is certainly not `key`: each letter
/// and digit moves one step (`a`→`b`, `9`→`0`), so a server that only checks the length
/// or the prefix is caught too.
pub fn wrong_key_like(key: &str) -> String {
    let shifted: String = key
        .chars()
        .map(|c| match c {
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
            c => c,
        })
        .collect();
    if shifted == key {
        format!("{key}x")
    } else {
        shifted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_key_differs_but_keeps_the_shape() {
        assert_eq!(wrong_key_like("sk-abc9Z"), "tl-bcd0A");
        assert_eq!(wrong_key_like("---"), "---x");
        assert_ne!(wrong_key_like("k"), "k");
    }

    #[test]
    fn bearer_is_the_default_and_follows_the_doc() {
        let placement = KeyPlacement::default();
        assert_eq!(
            placement.credential("k1"),
            ("authorization".to_owned(), "Bearer k1".to_owned())
        );
    }

    #[test]
    fn raw_puts_the_bare_key_in_authorization() {
        let placement: KeyPlacement = "raw".parse().unwrap();
        assert_eq!(
            placement.credential("k1"),
            ("authorization".to_owned(), "k1".to_owned())
        );
    }

    #[test]
    fn named_header_holds_the_bare_key() {
        let placement: KeyPlacement = "header:mj-api-secret".parse().unwrap();
        assert_eq!(placement, KeyPlacement::Header("mj-api-secret".into()));
        assert_eq!(
            placement.credential("k1"),
            ("mj-api-secret".to_owned(), "k1".to_owned())
        );
        assert_eq!(placement.to_string(), "header:mj-api-secret");
    }

    #[test]
    fn placement_parsing_rejects_nonsense() {
        for bad in ["", "basic", "header:", "header:has space", "header:a/b"] {
            let err = bad.parse::<KeyPlacement>().unwrap_err();
            assert!(
                err.to_string().contains("expected `bearer`"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn api_key_never_formats_itself() {
        let key = ApiKey::new("sk-secret-123");
        assert_eq!(format!("{key}"), "***");
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(key.expose(), "sk-secret-123");
    }
}
