//! Keeps secrets out of everything the harness prints or writes.
//!
//! Every string that leaves the harness (failure messages, curl reproductions, snapshots,
//! reports) passes through a [`Redactor`]. It replaces each secret, and the forms a server
//! might echo it back in (percent-encoded, in a `Bearer` header), with a fixed placeholder.

/// What a secret becomes in any output.
pub const SECRET_PLACEHOLDER: &str = "***";

/// Replaces secrets in text. Cheap to clone; built once per run.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, longest first so a longer form wins over its prefix.
    needles: Vec<String>,
}

impl Redactor {
    /// A redactor for `secrets`. Empty secrets are ignored: they would match everywhere.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut needles = Vec::new();
        for secret in secrets {
            let secret = secret.as_ref();
            if secret.trim().is_empty() {
                continue;
            }
            needles.push(secret.to_owned());
            let encoded = percent_encode_all(secret);
            if encoded != secret {
                needles.push(encoded);
            }
        }
        needles.sort_by_key(|needle| std::cmp::Reverse(needle.len()));
        needles.dedup();
        Redactor { needles }
    }

    /// `text` with every secret replaced by [`SECRET_PLACEHOLDER`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), SECRET_PLACEHOLDER);
            }
        }
        out
    }

    /// Like [`Redactor::redact`] for bytes that may not be UTF-8: invalid sequences are
    /// shown lossily, which is what a report prints anyway.
    pub fn redact_bytes(&self, bytes: &[u8]) -> String {
        self.redact(&String::from_utf8_lossy(bytes))
    }

    /// Whether `text` still holds a secret (used by tests that grep every output).
    pub fn leaks(&self, text: &str) -> bool {
        self.needles
            .iter()
            .any(|needle| text.contains(needle.as_str()))
    }
}

/// Percent-encodes every byte outside the RFC 3986 unreserved set, the form a key takes
/// when a server echoes it inside a URL.
fn percent_encode_all(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence() {
        let redactor = Redactor::new(["sk-abc"]);
        assert_eq!(
            redactor.redact("Authorization: Bearer sk-abc; echo sk-abc"),
            "Authorization: Bearer ***; echo ***"
        );
    }

    #[test]
    fn replaces_the_percent_encoded_form() {
        let redactor = Redactor::new(["a b/c"]);
        assert_eq!(redactor.redact("?key=a%20b%2Fc"), "?key=***");
    }

    #[test]
    fn longer_secret_wins_over_its_prefix() {
        let redactor = Redactor::new(["abc", "abcdef"]);
        assert_eq!(redactor.redact("abcdef abc"), "*** ***");
    }

    #[test]
    fn empty_secrets_are_ignored() {
        let redactor = Redactor::new(["", "  "]);
        assert_eq!(redactor.redact("text"), "text");
        assert!(!redactor.leaks("anything"));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_still_redacted() {
        let redactor = Redactor::new(["key1"]);
        let out = redactor.redact_bytes(b"\xffkey1\xfe");
        assert!(!redactor.leaks(&out));
        assert!(out.contains(SECRET_PLACEHOLDER));
    }
}
