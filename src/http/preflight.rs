//! Recognising a target that cannot be talked to at all because the URL's scheme does not
//! match what listens on the port: `https://` in front of a plain-HTTP server (every
//! request fails its TLS handshake) or `http://` in front of a TLS one (every answer is a
//! TLS alert or an nginx "plain HTTP request was sent to HTTPS port"). Either way a run
//! would report one error per trial; the preflight says why in one line instead.
//!
//! The probe speaks plain HTTP on a raw TCP connection and looks at the first bytes back,
//! so it needs no TLS stack and sends nothing a server could mistake for an API call
//! (`HEAD /`, no credential).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// The first bytes of a TLS record of type alert (21) or handshake (22), version 3.x.
fn is_tls_record(bytes: &[u8]) -> bool {
    matches!(bytes, [21 | 22, 3, ..])
}

/// Whether a plain-HTTP answer says the port expects TLS (nginx, Caddy and Traefik answer
/// a plain request on a TLS port with a 400 that says so).
fn says_tls_port(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    text.contains("sent to https port")
        || text.contains("client sent an http request to an https server")
}

/// What the first bytes a server sent back to a plain `HEAD /` say it speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaks {
    /// Plain HTTP: a status line came back.
    PlainHttp,
    /// TLS: an alert or handshake record came back, or an HTTP 400 saying so.
    Tls,
    /// Something else, or nothing in time: no conclusion.
    Unknown,
}

/// Classifies the first bytes of an answer to a plain-HTTP request.
pub fn classify(first_bytes: &[u8]) -> Speaks {
    if is_tls_record(first_bytes) {
        return Speaks::Tls;
    }
    if first_bytes.starts_with(b"HTTP/") {
        if says_tls_port(&String::from_utf8_lossy(first_bytes)) {
            return Speaks::Tls;
        }
        return Speaks::PlainHttp;
    }
    Speaks::Unknown
}

/// `url` with its scheme changed, the port kept explicit (the server listens where it
/// listens, whatever the scheme's default).
fn with_scheme(url: &Url, scheme: &str) -> Option<Url> {
    let port = url.port_or_known_default()?;
    let host = url.host_str()?;
    let mut text = format!("{scheme}://{host}:{port}{}", url.path());
    if scheme == "https" && port == 443 || scheme == "http" && port == 80 {
        text = format!("{scheme}://{host}{}", url.path());
    }
    Url::parse(&text).ok()
}

/// Asks the server behind `url` in plain HTTP what it speaks and, when that contradicts
/// the URL's scheme, says so in words that follow "failed to reach the target `URL`: ".
/// `None` when the scheme fits, or nothing can be concluded (refused, silent, garbled):
/// then the ordinary preflight request reports what happened.
///
/// Every step is bounded by `timeout`.
pub async fn probe_tls_mismatch(url: &Url, timeout: Duration) -> Option<String> {
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = url.port_or_known_default()?;
    let first = tokio::time::timeout(timeout, async {
        let mut stream = TcpStream::connect((host, port)).await.ok()?;
        let request = format!(
            "HEAD / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            url.host_str()?
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut buffer = vec![0u8; 1024];
        let mut filled = 0;
        // Enough to see a status line and, for the nginx case, the start of its body.
        while filled < buffer.len() {
            match stream.read(&mut buffer[filled..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => filled += n,
            }
            if is_tls_record(&buffer[..filled]) {
                break;
            }
            // Behind `https://`, a status line is all it takes; a server that keeps the
            // connection open after its answer must not make the probe wait out its deadline.
            let seen = &buffer[..filled];
            if url.scheme() == "https"
                && seen.starts_with(b"HTTP/")
                && seen.windows(2).any(|pair| pair == b"\r\n")
            {
                break;
            }
        }
        buffer.truncate(filled);
        Some(buffer)
    })
    .await;
    let first = match first {
        Ok(Some(bytes)) => bytes,
        // A slow or closed server: it may still have said enough before the deadline.
        _ => return None,
    };
    match (url.scheme(), classify(&first)) {
        ("https", Speaks::PlainHttp) => Some(format!(
            "it speaks plain HTTP on port {port}, not TLS: use `{}`",
            with_scheme(url, "http")?
        )),
        ("http", Speaks::Tls) => Some(format!(
            "it speaks TLS on port {port}, not plain HTTP: use `{}`",
            with_scheme(url, "https")?
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A server that answers every connection with `reply` after reading a little.
    async fn server(reply: &'static [u8]) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buffer = [0u8; 256];
                let _ = stream.read(&mut buffer).await;
                let _ = stream.write_all(reply).await;
            }
        });
        port
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test]
    async fn https_in_front_of_plain_http_is_named() {
        let port = server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
        let url = Url::parse(&format!("https://127.0.0.1:{port}/api/")).unwrap();
        let said = probe_tls_mismatch(&url, SECOND).await.expect("a mismatch");
        assert_eq!(
            said,
            format!(
                "it speaks plain HTTP on port {port}, not TLS: use `http://127.0.0.1:{port}/api/`"
            )
        );
    }

    #[tokio::test]
    async fn http_in_front_of_tls_is_named() {
        // A TLS alert record: handshake failure.
        let port = server(&[21, 3, 3, 0, 2, 2, 40]).await;
        let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let said = probe_tls_mismatch(&url, SECOND).await.expect("a mismatch");
        assert!(
            said.contains(&format!("use `https://127.0.0.1:{port}/`")),
            "{said}"
        );
        let nginx = server(
            b"HTTP/1.1 400 Bad Request\r\n\r\n<html>The plain HTTP request was sent to HTTPS port</html>",
        )
        .await;
        let url = Url::parse(&format!("http://127.0.0.1:{nginx}/")).unwrap();
        assert!(probe_tls_mismatch(&url, SECOND).await.is_some());
    }

    #[tokio::test]
    async fn a_fitting_scheme_or_no_answer_concludes_nothing() {
        let port = server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
        let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        assert_eq!(probe_tls_mismatch(&url, SECOND).await, None);
        let silent = server(b"").await;
        let url = Url::parse(&format!("https://127.0.0.1:{silent}/")).unwrap();
        assert_eq!(probe_tls_mismatch(&url, SECOND).await, None);
        let free = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .unwrap();
        let url = Url::parse(&format!("https://127.0.0.1:{free}/")).unwrap();
        assert_eq!(probe_tls_mismatch(&url, SECOND).await, None);
    }

    #[test]
    fn classifies_first_bytes() {
        assert_eq!(classify(b"HTTP/1.0 404 Not Found\r\n"), Speaks::PlainHttp);
        assert_eq!(classify(&[22, 3, 1, 0, 5]), Speaks::Tls);
        assert_eq!(classify(b""), Speaks::Unknown);
        assert_eq!(classify(b"SSH-2.0-OpenSSH"), Speaks::Unknown);
        assert_eq!(
            with_scheme(&Url::parse("https://relay.example/x/").unwrap(), "http")
                .unwrap()
                .as_str(),
            "http://relay.example:443/x/"
        );
    }
}
