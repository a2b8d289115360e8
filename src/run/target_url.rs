//! A target URL checked before any request: absolute, http or https, with a host; and the
//! two mistakes people make, named with the fix (a scheme left out, the endpoint pasted whole).

use url::Url;

use crate::errors::UsageError;

/// Checks a target URL: absolute, http or https, with a host.
pub fn parse_target_url(raw: &str) -> Result<Url, UsageError> {
    let invalid = |reason: &str| UsageError::TargetUrl {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = raw.trim();
    if let Some(with_scheme) = missing_scheme(trimmed) {
        return Err(invalid(&format!(
            "it has no scheme: add http:// (`{with_scheme}`), or https:// for TLS"
        )));
    }
    let url = Url::parse(trimmed).map_err(|err| invalid(&err.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid(&format!(
            "scheme `{}` is not http or https",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("give the base URL without a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials in the URL would be sent in clear; use --api-key",
        ));
    }
    if let Some(base) = pasted_endpoint(&url) {
        // Kept, it would become the prefix of every request (`…/fetch/mj/task/…/fetch`),
        // and every answer a 404 blamed on the server.
        return Err(invalid(&format!(
            "that is the fetch endpoint, not the base URL: give `{base}` (mjconform adds \
             `mj/task/{{id}}/fetch` itself)"
        )));
    }
    Ok(url)
}

/// `127.0.0.1:8080`, `localhost:8080/api/`, `relay.example`: a host (and port) with no
/// scheme, which `Url` reads as a relative URL or as the scheme `localhost:`. Returns the URL
/// with `http://` added, for the message.
fn missing_scheme(raw: &str) -> Option<String> {
    if raw.contains("://") || raw.is_empty() {
        return None;
    }
    let authority = raw.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_like = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '[' || c == ']');
    // A bare word (`localhost`, `relay`) or a port-less name with a dot: both read as hosts.
    let port_like = port.is_none_or(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    let named = port.is_some() || host.contains('.') || host == "localhost";
    (host_like && port_like && named).then(|| {
        let rest = &raw[authority.len()..];
        let rest = if rest.is_empty() { "/" } else { rest };
        format!("http://{authority}{rest}")
    })
}

/// A URL that holds the fetch endpoint itself (`…/mj/task/ID/fetch`, or a part of it from
/// `/mj/task/` on): the base URL to give instead.
fn pasted_endpoint(url: &Url) -> Option<String> {
    let path = url.path();
    let at = path.find("/mj/task/").or_else(|| {
        (path.ends_with("/mj/task") || path.ends_with("/mj/task/")).then(|| path.rfind("/mj/task"))?
    })?;
    let mut base = url.clone();
    base.set_path(&path[..=at]);
    Some(base.to_string())
}

