//! Matching a response's `Content-Type` against a documented media type or range.

/// The `type/subtype` essence, lowercased, without parameters; `None` when malformed.
fn essence(media_type: &str) -> Option<(String, String)> {
    let without_parameters = media_type.split(';').next().unwrap_or_default().trim();
    let (kind, subtype) = without_parameters.split_once('/')?;
    let is_token =
        |part: &str| !part.is_empty() && !part.contains(|c: char| c.is_whitespace() || c == '/');
    (is_token(kind) && is_token(subtype))
        .then(|| (kind.to_ascii_lowercase(), subtype.to_ascii_lowercase()))
}

/// Whether `header` (a `Content-Type` value) falls under `declared` (a spec media type or range).
/// A header must name a concrete type: `*` there is not a media type a server may send.
pub fn matches(declared: &str, header: &str) -> bool {
    let (Some((declared_type, declared_subtype)), Some((sent_type, sent_subtype))) =
        (essence(declared), essence(header))
    else {
        return false;
    };
    if sent_type == "*" || sent_subtype == "*" {
        return false;
    }
    match (declared_type.as_str(), declared_subtype.as_str()) {
        ("*", "*") => true,
        (_, "*") => declared_type == sent_type,
        _ => declared_type == sent_type && declared_subtype == sent_subtype,
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn parameters_and_case_are_ignored() {
        assert!(matches("application/json", "application/json"));
        assert!(matches(
            "application/json",
            "application/json; charset=utf-8"
        ));
        assert!(matches(
            "application/json",
            "Application/JSON;charset=UTF-8"
        ));
        assert!(matches(
            "application/json; charset=utf-8",
            " application/json "
        ));
    }

    #[test]
    fn ranges_match_their_types() {
        assert!(matches("*/*", "text/html"));
        assert!(matches("application/*", "application/problem+json"));
        assert!(!matches("application/*", "text/plain"));
    }

    #[test]
    fn suffixes_get_no_leniency() {
        assert!(!matches("application/json", "application/problem+json"));
        assert!(matches(
            "application/problem+json",
            "application/problem+json"
        ));
        assert!(!matches("application/problem+json", "application/json"));
    }

    #[test]
    fn malformed_or_wildcard_headers_never_match() {
        assert!(!matches("*/*", ""));
        assert!(!matches("*/*", "json"));
        assert!(!matches("*/*", "*/*"));
        assert!(!matches("application/json", "application/"));
        assert!(!matches("application/json", "text/plain"));
    }
}
