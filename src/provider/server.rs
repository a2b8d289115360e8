//! Running the reference provider on a socket for the length of a run.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use url::Url;

use super::config::ProviderConfig;
use super::faults::Fault;
use super::routes::router;
use super::state::ProviderState;
use super::wire_faults::FaultyListener;

/// A provider serving on a local socket. Dropping it stops the server.
///
/// `Debug` is written by hand so that printing it never prints a key.
pub struct RunningProvider {
    /// Where the provider listens, as `http://IP:PORT/`.
    pub base_url: Url,
    /// The ids of the tasks it serves, in seeding order. The advancing task is not among
    /// them: its answer changes over time, so checks and snapshots of it would not repeat.
    pub task_ids: Vec<String>,
    /// What each task of `task_ids` is, in the same order: its action and status
    /// (`IMAGINE SUCCESS`), so a person knows which id to ask for.
    pub task_kinds: Vec<String>,
    /// The task that goes from NOT_START to SUCCESS as it is polled, for the lifecycle check.
    pub advancing_task_id: String,
    /// The least time the advancing task spends in each stage.
    pub advance_step: Duration,
    /// The key it accepts.
    pub api_key: String,
    /// The key it refuses with 403, if any.
    pub disabled_key: Option<String>,
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// What the provider received, counted at its socket: what a test compares with the
    /// "requests sent" line of a run.
    pub received: Received,
    /// Held only to be dropped: its receiver then resolves and the server shuts down gracefully.
    _shutdown: oneshot::Sender<()>,
}

/// Connections accepted and HTTP requests answered by a running provider.
#[derive(Debug, Clone, Default)]
pub struct Received {
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

// Reached only by the test tree (tests/, benches/).
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
impl Received {
    /// Connections accepted. A client that never reuses a connection (mjconform) opens one
    /// per request, and one more for a preflight that only connects.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// HTTP requests the router answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A listener that counts the connections it accepts.
struct Counting<L> {
    inner: L,
    connections: Arc<AtomicUsize>,
}

impl<L: axum::serve::Listener> axum::serve::Listener for Counting<L> {
    type Io = L::Io;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let accepted = self.inner.accept().await;
        self.connections.fetch_add(1, Ordering::SeqCst);
        accepted
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

impl fmt::Debug for RunningProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningProvider")
            .field("base_url", &self.base_url.as_str())
            .field("task_ids", &self.task_ids)
            .field("advancing_task_id", &self.advancing_task_id)
            .field("api_key", &"***")
            .field("disabled_key", &self.disabled_key.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// Binds `addr` (use `127.0.0.1:0` for a free port) and serves the provider on the current
/// tokio runtime until the returned handle is dropped.
///
/// Fails only if the socket cannot be bound or its address read.
pub async fn start(config: ProviderConfig, addr: SocketAddr) -> io::Result<RunningProvider> {
    let listener = TcpListener::bind(addr).await?;
    let base_url = base_url(listener.local_addr()?)?;
    let api_key = config.api_key.clone();
    let disabled_key = config.disabled_key.clone();
    let advance_step = config.advance_step;
    // The framing faults are made on the socket; every other provider serves plain TCP.
    let on_the_wire = config.faults.iter().any(|fault| {
        matches!(
            fault,
            Fault::HeadWithBody
                | Fault::LengthLongerThanBody
                | Fault::LengthOn204
                | Fault::IgnoresConnectionClose
        )
    });
    let state = ProviderState::new(config);
    let task_ids = state.task_ids().to_vec();
    let task_kinds = task_ids.iter().map(|id| kind_of(state.task(id))).collect();
    let advancing_task_id = state.advancing_task_id().to_owned();
    let received = Received::default();
    let requests = Arc::clone(&received.requests);
    let app = router(state).layer(axum::middleware::map_request(
        move |request: axum::extract::Request| {
            requests.fetch_add(1, Ordering::SeqCst);
            std::future::ready(request)
        },
    ));
    let connections = Arc::clone(&received.connections);
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        // The sender is never used to send: dropping it ends `stopped` with an error, which
        // is the signal. `serve` itself only returns once shut down, so its result says nothing
        // anyone could act on.
        let signal = async move {
            let _ = stopped.await;
        };
        if on_the_wire {
            let listener = Counting {
                inner: FaultyListener(listener),
                connections,
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await;
        } else {
            let listener = Counting {
                inner: listener,
                connections,
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await;
        }
    });
    Ok(RunningProvider {
        base_url,
        task_ids,
        task_kinds,
        advancing_task_id,
        advance_step,
        api_key,
        disabled_key,
        received,
        _shutdown: shutdown,
    })
}

/// The address to listen on for `host` (an IP address, or a name such as `localhost`) and
/// `port`. A name resolving to several addresses takes the first IPv4 one, since that is
/// what `http://localhost` clients most often try first.
pub fn listen_addr(host: &str, port: u16) -> io::Result<SocketAddr> {
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let resolved: Vec<SocketAddr> =
        std::net::ToSocketAddrs::to_socket_addrs(&(host, port))?.collect();
    resolved
        .iter()
        .find(|addr| addr.is_ipv4())
        .or_else(|| resolved.first())
        .copied()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the name resolves to no address"))
}

/// Why a provider could not listen, with what to do about it.
pub fn listen_problem(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::AddrInUse => {
            "the address is in use (another mock or server?): pick another --port, or --port 0 \
             for a free one"
                .to_owned()
        }
        io::ErrorKind::PermissionDenied => "permission denied (ports below 1024 need privileges): \
             pick a port above 1024, or --port 0 for a free one"
            .to_owned(),
        io::ErrorKind::AddrNotAvailable => "no local interface has this address: use --host \
             127.0.0.1, or an address of this machine"
            .to_owned(),
        _ => err.to_string(),
    }
}

/// `IMAGINE SUCCESS`: a task's action and status, whatever of them it has.
fn kind_of(task: Option<&serde_json::Value>) -> String {
    let field = |name: &str| {
        task.and_then(|task| task.get(name))
            .and_then(serde_json::Value::as_str)
            .filter(|value| !value.is_empty())
    };
    let words: Vec<&str> = [field("action"), field("status")]
        .into_iter()
        .flatten()
        .collect();
    if words.is_empty() {
        "task".to_owned()
    } else {
        words.join(" ")
    }
}

/// The URL clients should use for a listener bound to `local`. A wildcard address
/// (`0.0.0.0`, `::`) is not a destination, so the URL names the loopback address instead.
fn base_url(local: SocketAddr) -> io::Result<Url> {
    let ip = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let reachable = SocketAddr::new(ip, local.port());
    Url::parse(&format!("http://{reachable}/")).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::tasks::seeded_tasks;
    use serde_json::Value;
    use std::io::{Read, Write};
    use std::time::Duration;

    const NOW_MS: i64 = 1_747_133_323_000;
    const LOOPBACK: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

    /// A response as read off the wire.
    #[derive(Debug)]
    struct Answer {
        status: u16,
        head: String,
        body: Vec<u8>,
    }

    impl Answer {
        fn header(&self, name: &str) -> Option<&str> {
            self.head.lines().skip(1).find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name).then(|| value.trim())
            })
        }

        fn json(&self) -> Value {
            serde_json::from_slice(&self.body).expect("a JSON body")
        }

        /// The `error.type` of a JSON error answer, checking its shape on the way.
        fn error_type(&self) -> String {
            assert_eq!(
                self.header("content-type"),
                Some("application/json"),
                "{self:?}"
            );
            let body = self.json();
            assert!(body["error"]["message"].is_string(), "{body}");
            body["error"]["type"]
                .as_str()
                .expect("an error type")
                .to_owned()
        }
    }

    async fn provider() -> RunningProvider {
        let config = ProviderConfig {
            now_ms: Some(NOW_MS),
            ..ProviderConfig::with_random_key()
        };
        start(config, LOOPBACK).await.expect("the provider starts")
    }

    fn port(provider: &RunningProvider) -> u16 {
        provider.base_url.port().expect("a port")
    }

    /// Sends `request` byte for byte, so paths and headers reach the server exactly as
    /// written, without a client normalizing `..` or encoding bytes on the way.
    async fn raw(port: u16, request: Vec<u8>) -> Answer {
        tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
                .expect("connect to the provider");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("a read timeout");
            stream.write_all(&request).expect("send the request");
            let mut bytes = Vec::new();
            stream.read_to_end(&mut bytes).expect("read the answer");
            let split = bytes
                .windows(4)
                .position(|window| window == b"\r\n\r\n")
                .expect("a complete head");
            let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|code| code.parse().ok())
                .expect("a status code");
            Answer {
                status,
                head,
                body: bytes[split + 4..].to_vec(),
            }
        })
        .await
        .expect("the request thread")
    }

    /// `GET path` with the given header lines (raw bytes, so they may be anything).
    async fn get(port: u16, path: &str, headers: &[&[u8]]) -> Answer {
        request(port, "GET", path.as_bytes(), headers).await
    }

    async fn request(port: u16, method: &str, path: &[u8], headers: &[&[u8]]) -> Answer {
        let mut bytes = format!("{method} ").into_bytes();
        bytes.extend_from_slice(path);
        bytes.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for header in headers {
            bytes.extend_from_slice(header);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        raw(port, bytes).await
    }

    fn bearer(scheme: &str, key: &str) -> Vec<u8> {
        format!("Authorization: {scheme} {key}").into_bytes()
    }

    fn fetch_path(id: &str) -> String {
        format!("/mj/task/{id}/fetch")
    }

    /// Fails if a key appears anywhere in an answer.
    fn assert_no_key(provider: &RunningProvider, answer: &Answer) {
        let text = format!("{}\n{}", answer.head, String::from_utf8_lossy(&answer.body));
        assert!(!text.contains(&provider.api_key), "api key echoed: {text}");
        if let Some(disabled) = &provider.disabled_key {
            assert!(
                !text.contains(disabled.as_str()),
                "disabled key echoed: {text}"
            );
        }
    }

    #[tokio::test]
    async fn every_seeded_task_is_served_under_any_case_of_bearer() {
        let provider = provider().await;
        let seeded = seeded_tasks(NOW_MS);
        let seeded_ids: Vec<_> = seeded
            .iter()
            .map(|t| t["id"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(provider.task_ids, seeded_ids);
        for task in &seeded {
            let id = task["id"].as_str().expect("an id");
            for scheme in ["Bearer", "bearer", "BEARER"] {
                let answer = get(
                    port(&provider),
                    &fetch_path(id),
                    &[&bearer(scheme, &provider.api_key)],
                )
                .await;
                assert_eq!(answer.status, 200, "{id} {scheme}: {answer:?}");
                assert_eq!(answer.header("content-type"), Some("application/json"));
                assert_eq!(&answer.json(), task);
                assert_no_key(&provider, &answer);
            }
        }
    }

    #[tokio::test]
    async fn percent_encoded_ids_are_decoded() {
        let provider = provider().await;
        let id = &provider.task_ids[0];
        let encoded: String = id.bytes().map(|b| format!("%{b:02X}")).collect();
        let answer = get(
            port(&provider),
            &fetch_path(&encoded),
            &[&bearer("Bearer", &provider.api_key)],
        )
        .await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.json()["id"], id.as_str());
    }

    #[tokio::test]
    async fn a_missing_or_unusable_credential_is_401() {
        let provider = provider().await;
        let path = fetch_path(&provider.task_ids[0]);
        let key = &provider.api_key;
        let wrong = bearer("Bearer", "mjc-test-0000000000000000");
        let basic = bearer("Basic", key);
        let raw_key = format!("Authorization: {key}").into_bytes();
        let two = bearer("Bearer", key);
        let two_tokens = bearer("Bearer", &format!("{key} {key}"));
        let invalid_bytes = b"Authorization: Bearer \xff\xfe".to_vec();
        let cases: [&[&[u8]]; 9] = [
            &[],
            &[b"Authorization:"],
            &[b"Authorization: Bearer"],
            &[b"Authorization: Bearer    "],
            &[&wrong],
            &[&basic],
            &[&raw_key, &two_tokens],
            &[&two, &two],
            &[&invalid_bytes],
        ];
        for headers in cases {
            let answer = get(port(&provider), &path, headers).await;
            assert_eq!(answer.status, 401, "{headers:?}: {answer:?}");
            assert_eq!(answer.error_type(), "unauthorized");
            assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
            assert_no_key(&provider, &answer);
        }
        for single in [raw_key, two_tokens] {
            let answer = get(port(&provider), &path, &[&single]).await;
            assert_eq!(answer.status, 401, "{answer:?}");
        }
    }

    #[tokio::test]
    async fn the_disabled_key_is_403() {
        let provider = provider().await;
        let disabled = provider.disabled_key.clone().expect("a disabled key");
        for id in [provider.task_ids[0].as_str(), "1000000000000000"] {
            let answer = get(
                port(&provider),
                &fetch_path(id),
                &[&bearer("bearer", &disabled)],
            )
            .await;
            assert_eq!(answer.status, 403, "{answer:?}");
            assert_eq!(answer.error_type(), "forbidden");
            assert_no_key(&provider, &answer);
        }
    }

    #[tokio::test]
    async fn unknown_and_odd_ids_are_the_documented_404() {
        let provider = provider().await;
        let long = "7".repeat(16 * 1024);
        let known_with_slash = format!("{}%2F..", provider.task_ids[0]);
        let ids = [
            "1000000000000000",
            "no-such-task",
            "..",
            ".",
            "%2E%2E",
            "%2F",
            "a%2Fb",
            "..%2F..%2Fetc%2Fpasswd",
            known_with_slash.as_str(),
            "%00",
            "%FF",
            "%F0%9F%A6%8A",
            "%E4%BB%BB%E5%8A%A1",
            "%20",
            "null",
            "%25",
            long.as_str(),
        ];
        for id in ids {
            let answer = get(
                port(&provider),
                &fetch_path(id),
                &[&bearer("Bearer", &provider.api_key)],
            )
            .await;
            let shown = &id[..id.len().min(40)];
            assert_eq!(answer.status, 404, "{shown}: {answer:?}");
            assert_eq!(answer.error_type(), "not_found", "{shown}");
            assert_eq!(
                answer.json()["error"]["message"],
                "task not found",
                "{shown}"
            );
            assert_no_key(&provider, &answer);
        }
    }

    #[tokio::test]
    async fn other_paths_are_404_and_other_methods_405() {
        let provider = provider().await;
        let auth = bearer("Bearer", &provider.api_key);
        let known = &provider.task_ids[0];
        for path in [
            "/mj/task//fetch".to_owned(),
            "/".to_owned(),
            "/mj/task/fetch".to_owned(),
            format!("/mj/task/{known}/fetch/"),
            format!("/mj/task/{known}/image-seed"),
            format!("/mj/task/{known}"),
            format!("/MJ/TASK/{known}/FETCH"),
            format!("/mj/task/{known}/extra/fetch"),
        ] {
            let answer = get(port(&provider), &path, &[&auth]).await;
            assert_eq!(answer.status, 404, "{path}: {answer:?}");
            assert_eq!(answer.error_type(), "not_found", "{path}");
        }
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let answer = request(
                port(&provider),
                method,
                fetch_path(known).as_bytes(),
                &[&auth, b"Content-Length: 0"],
            )
            .await;
            assert_eq!(answer.status, 405, "{method}: {answer:?}");
        }
        let head = request(
            port(&provider),
            "HEAD",
            fetch_path(known).as_bytes(),
            &[&auth],
        )
        .await;
        assert_eq!(head.status, 200);
    }

    #[tokio::test]
    async fn malformed_requests_never_get_a_5xx() {
        let provider = provider().await;
        let auth = bearer("Bearer", &provider.api_key);
        let paths: [&[u8]; 5] = [
            "/mj/task/🦊/fetch".as_bytes(),
            b"/mj/task/\xff/fetch",
            b"/mj/task/%/fetch",
            b"/mj/task/%zz/fetch",
            b"*",
        ];
        for path in paths {
            let answer = request(port(&provider), "GET", path, &[&auth]).await;
            assert!((400..500).contains(&answer.status), "{path:?}: {answer:?}");
            assert_no_key(&provider, &answer);
        }
    }

    #[tokio::test]
    async fn a_real_client_can_fetch_and_miss() {
        let provider = provider().await;
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client");
        let id = &provider.task_ids[0];
        let url = provider
            .base_url
            .join(&format!("mj/task/{id}/fetch"))
            .expect("a URL");
        let response = client
            .get(url)
            .bearer_auth(&provider.api_key)
            .send()
            .await
            .expect("a response");
        assert_eq!(response.status(), 200);
        let body: Value =
            serde_json::from_slice(&response.bytes().await.expect("a body")).expect("JSON");
        assert_eq!(body["id"], id.as_str());
        let mut url = provider.base_url.clone();
        url.path_segments_mut()
            .expect("a base URL")
            .extend(["mj", "task", "🦊 a/b", "fetch"]);
        let response = client
            .get(url)
            .bearer_auth(&provider.api_key)
            .send()
            .await
            .expect("a response");
        assert_eq!(response.status(), 404);
    }

    #[tokio::test]
    async fn dropping_the_handle_stops_the_server() {
        let provider = provider().await;
        let port = port(&provider);
        drop(provider);
        let mut refused = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
                .await
                .is_err()
            {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(refused, "the provider still accepts connections");
    }

    #[tokio::test]
    async fn each_task_id_comes_with_its_kind() {
        let provider = provider().await;
        assert_eq!(provider.task_kinds.len(), provider.task_ids.len());
        assert!(
            provider
                .task_kinds
                .iter()
                .any(|kind| kind == "IMAGINE SUCCESS"),
            "{:?}",
            provider.task_kinds
        );
        assert_eq!(kind_of(None), "task");
    }

    #[test]
    fn hosts_may_be_names_or_addresses() {
        assert_eq!(
            listen_addr("127.0.0.1", 8080).unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 8080))
        );
        assert_eq!(
            listen_addr("[::1]", 9).unwrap(),
            SocketAddr::from((Ipv6Addr::LOCALHOST, 9))
        );
        assert!(listen_addr("localhost", 0).unwrap().ip().is_loopback());
        assert!(listen_addr("no such host.invalid", 0).is_err());
    }

    #[tokio::test]
    async fn a_busy_port_says_what_to_do() {
        let taken = provider().await;
        let err = start(
            ProviderConfig::with_random_key(),
            SocketAddr::from(([127, 0, 0, 1], port(&taken))),
        )
        .await
        .unwrap_err();
        let problem = listen_problem(&err);
        assert!(
            problem.contains("in use") && problem.contains("--port 0"),
            "{problem}"
        );
    }

    #[test]
    fn a_wildcard_bind_is_reached_through_loopback() {
        let v4 = base_url(SocketAddr::from(([0, 0, 0, 0], 8080))).expect("a URL");
        assert_eq!(v4.as_str(), "http://127.0.0.1:8080/");
        let v6 = base_url(SocketAddr::from((Ipv6Addr::UNSPECIFIED, 8080))).expect("a URL");
        assert_eq!(v6.as_str(), "http://[::1]:8080/");
        let fixed = base_url(SocketAddr::from(([127, 0, 0, 1], 9))).expect("a URL");
        assert_eq!(fixed.as_str(), "http://127.0.0.1:9/");
    }

    #[tokio::test]
    async fn debug_never_prints_a_key() {
        let provider = provider().await;
        let printed = format!("{provider:?}");
        assert!(!printed.contains(&provider.api_key), "{printed}");
    }
}
