//! Judging the credential on a request the way the doc describes it:
//! `Authorization: Bearer <key>`, with 401 for a missing or wrong key and 403 for a refused one.

use std::fmt;

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;

/// The keys a provider knows.
///
/// `Debug` is written by hand so that a logged state never shows a key.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    api_key: String,
    disabled_key: Option<String>,
}

impl Credentials {
    /// The key the provider serves, for the faults that compare it wrongly.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

/// What a request's credential earns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The configured API key: the request is served.
    Accepted,
    /// No usable credential, or a key the provider does not know: 401.
    Unauthorized,
    /// The disabled key: known but refused, 403.
    Forbidden,
}

impl Credentials {
    /// Credentials accepting `api_key` and refusing `disabled_key`.
    ///
    /// An empty key is never matched, so a misconfigured provider does not serve
    /// `Authorization: Bearer ` to everyone.
    pub fn new(api_key: impl Into<String>, disabled_key: Option<String>) -> Self {
        Credentials {
            api_key: api_key.into(),
            disabled_key,
        }
    }

    /// The verdict on the credential in `headers`.
    pub fn judge(&self, headers: &HeaderMap) -> Verdict {
        match bearer_token(headers) {
            Some(token) => self.judge_token(token),
            None => Verdict::Unauthorized,
        }
    }

    /// The verdict on a key presented wherever the provider reads it.
    pub fn judge_token(&self, token: &str) -> Verdict {
        let matches = |key: &str| !key.is_empty() && same_secret(token, key);
        if matches(&self.api_key) {
            Verdict::Accepted
        } else if self.disabled_key.as_deref().is_some_and(matches) {
            Verdict::Forbidden
        } else {
            Verdict::Unauthorized
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &"***")
            .field("disabled_key", &self.disabled_key.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The token of the request's single `Authorization: Bearer <token>` header, if it has one.
///
/// RFC 9110 makes the scheme name case-insensitive (`bearer`, `BEARER`) and RFC 6750 puts one
/// or more spaces before a single token. Anything else is no credential at all: no header, two
/// headers (which one would count?), another scheme, a blank token, several tokens, or bytes
/// that are not visible ASCII.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let (scheme, rest) = value.to_str().ok()?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() || token.contains(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    Some(token)
}

/// Compares a presented token with a key without stopping at the first differing byte, so
/// response timing does not reveal how much of a guessed key was right.
fn same_secret(presented: &str, key: &str) -> bool {
    presented.len() == key.len()
        && presented
            .bytes()
            .zip(key.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const KEY: &str = "mjc-test-0123456789abcdef";
    const DISABLED: &str = "mjc-disabled-fedcba9876543210";

    fn credentials() -> Credentials {
        Credentials::new(KEY, Some(DISABLED.to_owned()))
    }

    fn judge(values: &[&[u8]]) -> Verdict {
        let mut headers = HeaderMap::new();
        for value in values {
            let value = HeaderValue::from_bytes(value).expect("a header value");
            headers.append(AUTHORIZATION, value);
        }
        credentials().judge(&headers)
    }

    fn bearer(scheme: &str, token: &str) -> Vec<u8> {
        format!("{scheme} {token}").into_bytes()
    }

    #[test]
    fn the_api_key_is_accepted_under_any_case_of_the_scheme() {
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            assert_eq!(
                judge(&[&bearer(scheme, KEY)]),
                Verdict::Accepted,
                "{scheme}"
            );
        }
        assert_eq!(
            judge(&[format!("Bearer   {KEY}").as_bytes()]),
            Verdict::Accepted
        );
    }

    #[test]
    fn the_disabled_key_is_forbidden() {
        assert_eq!(judge(&[&bearer("Bearer", DISABLED)]), Verdict::Forbidden);
        assert_eq!(judge(&[&bearer("bearer", DISABLED)]), Verdict::Forbidden);
    }

    #[test]
    fn anything_but_one_bearer_key_is_unauthorized() {
        let wrong_key = bearer("Bearer", "mjc-test-0000000000000000");
        let prefix = bearer("Bearer", &KEY[..KEY.len() - 1]);
        let longer = bearer("Bearer", &format!("{KEY}0"));
        let other_scheme = bearer("Basic", KEY);
        let token_scheme = bearer("Token", KEY);
        let two_tokens = bearer("Bearer", &format!("{KEY} {KEY}"));
        let tab = format!("Bearer\t{KEY}").into_bytes();
        let raw = KEY.as_bytes().to_vec();
        let sk = bearer("Bearer", &format!("sk-{KEY}"));
        let non_ascii = b"Bearer \xffkey".to_vec();
        let cases: [&[&[u8]]; 14] = [
            &[],
            &[b""],
            &[b"Bearer"],
            &[b"Bearer "],
            &[b"Bearer    "],
            &[&wrong_key],
            &[&prefix],
            &[&longer],
            &[&other_scheme],
            &[&token_scheme],
            &[&two_tokens],
            &[&tab, &raw],
            &[&sk, &non_ascii],
            &[&bearer("Bearer", KEY), &bearer("Bearer", KEY)],
        ];
        for values in cases {
            assert_eq!(judge(values), Verdict::Unauthorized, "{values:?}");
        }
        for single in [tab, raw, sk, non_ascii] {
            assert_eq!(judge(&[&single]), Verdict::Unauthorized, "{single:?}");
        }
    }

    #[test]
    fn an_empty_configured_key_matches_nothing() {
        let credentials = Credentials::new("", Some(String::new()));
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(credentials.judge(&headers), Verdict::Unauthorized);
    }

    #[test]
    fn debug_never_prints_a_key() {
        let printed = format!("{:?}", credentials());
        assert!(
            !printed.contains(KEY) && !printed.contains(DISABLED),
            "{printed}"
        );
    }
}
