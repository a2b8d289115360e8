//! Figures for ARCHITECTURE.md (Measurements): the reference provider under load and bad input, and the
//! harness's peak memory against bodies of growing size.
//!
//! `cargo bench --bench load` measures (release build, tens of thousands of requests) and
//! prints tables. `cargo test --all-targets` runs the same trials in test mode, small
//! (two thousand requests, three bodies), asserting only what must always hold: the
//! provider never answers 5xx and never drops a connection, and peak memory stays within the
//! documented bound (in caps) for bodies at and over the cap.
//!
//! Peak memory is the VmHWM of a child process: this binary re-executes itself with
//! [`CHILD_RUN`] set, runs the harness in-process against a local server, and prints
//! its own high-water mark.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Measurement, Trial};
use mjconform::commands::harness::{self, Mode};
use mjconform::provider::{self, ProviderConfig, RunningProvider};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Set in the environment of a child run: run the harness, print the peak memory.
const CHILD_RUN: &str = "MJCONFORM_BENCH_CHILD_RUN";

fn main() -> ExitCode {
    if std::env::var_os(CHILD_RUN).is_some() {
        return child_run();
    }
    let arguments = mjconform::commands::self_tests::test_arguments();
    let mut memory = Trial::bench("peak_memory_vs_body_size", peak_memory_vs_body_size);
    if peak_rss_kib().is_none() {
        // Reported as not run, with the reason, rather than passing on nothing measured.
        memory = memory
            .with_kind("not run: no /proc/self/status (VmHWM) here")
            .with_ignored_flag(true);
    }
    let trials = vec![
        Trial::bench("provider_under_load", provider_under_load),
        Trial::bench("provider_under_bad_input", provider_under_bad_input),
        memory,
    ];
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn start_provider(runtime: &tokio::runtime::Runtime) -> RunningProvider {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    runtime
        .block_on(provider::start(ProviderConfig::with_random_key(), addr))
        .expect("the provider starts")
}

// ---------------------------------------------------------------------------------------
// The provider under load
// ---------------------------------------------------------------------------------------

/// How one request of the load ended.
#[derive(Debug, Default)]
struct Tally {
    statuses: [usize; 6],
    dropped: usize,
    latencies_us: Vec<u64>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        for (mine, theirs) in self.statuses.iter_mut().zip(other.statuses) {
            *mine += theirs;
        }
        self.dropped += other.dropped;
        self.latencies_us.extend(other.latencies_us);
    }

    fn count(&self) -> usize {
        self.statuses.iter().sum::<usize>() + self.dropped
    }

    fn server_errors(&self) -> usize {
        self.statuses[5]
    }

    fn percentile_us(&mut self, fraction: f64) -> u64 {
        self.latencies_us.sort_unstable();
        let last = self.latencies_us.len().saturating_sub(1);
        let index = ((last as f64) * fraction).round() as usize;
        self.latencies_us.get(index).copied().unwrap_or(0)
    }
}

/// The requests the load cycles through: every answer the provider gives, and the ids and
/// credentials a careless or hostile client sends.
fn request_mix(provider: &RunningProvider) -> Vec<(String, Vec<(&'static str, String)>)> {
    let key = provider.api_key.clone();
    let bearer = format!("Bearer {key}");
    let known = provider.task_ids.clone();
    let long = "7".repeat(16 * 1024);
    let mut mix = Vec::new();
    for id in &known {
        mix.push((id.clone(), vec![("authorization", bearer.clone())]));
    }
    for id in [
        "0000000000000000",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "%FF",
        "%F0%9F%A6%8A",
        "%25",
        "a%2Fb",
        "null",
        long.as_str(),
    ] {
        mix.push((id.to_owned(), vec![("authorization", bearer.clone())]));
    }
    let first = known.first().cloned().unwrap_or_default();
    let hostile_credentials = [
        vec![],
        vec![("authorization", "Bearer".to_owned())],
        vec![("authorization", format!("Basic {key}"))],
        vec![("authorization", key.clone())],
        vec![("authorization", format!("Bearer {key} {key}"))],
        vec![("authorization", format!("Bearer {}", "k".repeat(8 * 1024)))],
        vec![
            ("authorization", bearer.clone()),
            ("authorization", bearer.clone()),
        ],
        vec![("mj-api-secret", key.clone())],
        vec![(
            "authorization",
            format!(
                "Bearer {}",
                provider.disabled_key.clone().unwrap_or_default()
            ),
        )],
    ];
    for headers in hostile_credentials {
        mix.push((first.clone(), headers));
    }
    mix
}

/// `total` requests from `clients` concurrent clients, cycling through the mix.
fn load(provider: &RunningProvider, clients: usize, total: usize) -> (Tally, Duration) {
    let runtime = runtime();
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let mix = Arc::new(request_mix(provider));
    let base = provider.base_url.clone();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tally = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (http, mix, base, next) = (
                http.clone(),
                Arc::clone(&mix),
                base.clone(),
                Arc::clone(&next),
            );
            tasks.push(tokio::spawn(async move {
                let mut tally = Tally::default();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        return tally;
                    }
                    let (id, headers) = &mix[n % mix.len()];
                    let url = format!("{base}mj/task/{id}/fetch");
                    let mut request = http.get(url);
                    for (name, value) in headers {
                        request = request.header(*name, value);
                    }
                    let sent = Instant::now();
                    let outcome = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            response.bytes().await.map(|_| status)
                        }
                        Err(err) => Err(err),
                    };
                    tally.latencies_us.push(sent.elapsed().as_micros() as u64);
                    match outcome {
                        Ok(status) => tally.statuses[usize::from(status / 100).min(5)] += 1,
                        Err(_) => tally.dropped += 1,
                    }
                }
            }));
        }
        let mut tally = Tally::default();
        for task in tasks {
            tally.merge(task.await.expect("a load client"));
        }
        tally
    });
    (tally, started.elapsed())
}

fn provider_under_load(test_mode: bool) -> Result<Option<Measurement>, Failed> {
    let runtime = runtime();
    let provider = start_provider(&runtime);
    let (clients, total) = if test_mode { (16, 2_000) } else { (64, 50_000) };
    let (mut tally, elapsed) = load(&provider, clients, total);
    let p50 = tally.percentile_us(0.50);
    let p99 = tally.percentile_us(0.99);
    let rate = tally.count() as f64 / elapsed.as_secs_f64();
    println!(
        "provider under load: {} requests from {clients} clients in {:.2} s: {rate:.0} req/s, p50 {:.2} ms, p99 {:.2} ms; 2xx {}, 4xx {}, 5xx {}, dropped {}",
        tally.count(),
        elapsed.as_secs_f64(),
        p50 as f64 / 1000.0,
        p99 as f64 / 1000.0,
        tally.statuses[2],
        tally.statuses[4],
        tally.server_errors(),
        tally.dropped,
    );
    if tally.count() != total || tally.server_errors() > 0 || tally.dropped > 0 {
        return Err(format!(
            "{} of {total} requests answered, {} with 5xx, {} dropped",
            tally.count(),
            tally.server_errors(),
            tally.dropped
        )
        .into());
    }
    // libtest-mimic prints a measurement as ns/iter: the median latency, spread to p99.
    Ok((!test_mode).then(|| Measurement {
        avg: p50 * 1000,
        variance: p99.saturating_sub(p50) * 1000,
    }))
}

// ---------------------------------------------------------------------------------------
// The provider under malformed requests
// ---------------------------------------------------------------------------------------

/// A GET with content (RFC 9110 §9.3.1: the content has no defined semantics for a GET). It is
/// well-formed HTTP, not malformed, so the provider answers it as the same GET without the
/// content: the decision is to ignore the content, not to refuse it, since refusing is not
/// required and a client library may attach an empty or stray body. The bench asserts exactly
/// that: the same status as the plain GET.
fn get_with_body(provider: &RunningProvider) -> (Vec<u8>, Vec<u8>) {
    let id = provider.task_ids.first().cloned().unwrap_or_default();
    let plain = format!(
        "GET /mj/task/{id}/fetch HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {}\r\n",
        provider.api_key
    );
    let with_body = format!("{plain}Content-Length: 5\r\n\r\nhello").into_bytes();
    (format!("{plain}\r\n").into_bytes(), with_body)
}

/// Requests no HTTP client library would send, byte for byte: each must get a 4xx.
fn malformed_requests(provider: &RunningProvider) -> Vec<(&'static str, Vec<u8>)> {
    let key = &provider.api_key;
    let id = provider.task_ids.first().cloned().unwrap_or_default();
    let head = |line: &[u8], headers: &[&[u8]]| {
        let mut bytes = line.to_vec();
        bytes.extend_from_slice(b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for header in headers {
            bytes.extend_from_slice(header);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        bytes
    };
    let fetch = format!("GET /mj/task/{id}/fetch HTTP/1.1").into_bytes();
    let auth = format!("Authorization: Bearer {key}").into_bytes();
    let huge_value = format!("X-Big: {}", "v".repeat(512 * 1024)).into_bytes();
    let many: Vec<Vec<u8>> = (0..200)
        .map(|n| format!("X-H{n}: v").into_bytes())
        .collect();
    let many: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
    let long_path = format!("GET /mj/task/{}/fetch HTTP/1.1", "9".repeat(256 * 1024)).into_bytes();
    vec![
        (
            "invalid UTF-8 in the path",
            head(b"GET /mj/task/\xff\xfe/fetch HTTP/1.1", &[&auth]),
        ),
        (
            "a bare percent",
            head(b"GET /mj/task/%/fetch HTTP/1.1", &[&auth]),
        ),
        (
            "a NUL in the path",
            head(b"GET /mj/task/a\x00b/fetch HTTP/1.1", &[&auth]),
        ),
        (
            "non-ASCII key bytes",
            head(&fetch, &[b"Authorization: Bearer \xff\xfe\xfd"]),
        ),
        ("a header without a colon", head(&fetch, &[b"Garbage"])),
        ("a 512 KiB header", head(&fetch, &[&auth, &huge_value])),
        ("200 headers", head(&fetch, &many)),
        ("a 256 KiB path", head(&long_path, &[&auth])),
        ("an asterisk target", head(b"GET * HTTP/1.1", &[&auth])),
        ("a lowercase method", head(b"get / HTTP/1.1", &[])),
        ("an unknown version", head(b"GET / HTTP/9.9", &[])),
        ("no version", b"GET /\r\n\r\n".to_vec()),
        (
            "two Content-Lengths",
            head(&fetch, &[b"Content-Length: 1", b"Content-Length: 2"]),
        ),
        (
            "binary noise",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n".to_vec(),
        ),
    ]
}

/// Sends raw bytes on a fresh connection; the status of the answer, or `None` if the
/// connection ended without one.
fn raw_status(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    // The server may answer (431, 400) and close before reading everything we send.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while answer.len() < 64 * 1024 && !answer.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    let line = String::from_utf8_lossy(&answer);
    line.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

fn provider_under_bad_input(test_mode: bool) -> Result<Option<Measurement>, Failed> {
    let runtime = runtime();
    let provider = start_provider(&runtime);
    let addr = SocketAddr::new(
        Ipv4Addr::LOCALHOST.into(),
        provider.base_url.port().expect("a port"),
    );
    let rounds = if test_mode { 1 } else { 20 };
    let mut problems = Vec::new();
    let mut answered = 0u64;
    let mut client_errors = 0u64;
    let started = Instant::now();
    for _ in 0..rounds {
        for (what, request) in malformed_requests(&provider) {
            match raw_status(addr, &request) {
                Some(status) if (400..500).contains(&status) => {
                    answered += 1;
                    client_errors += 1;
                }
                Some(status) => {
                    answered += 1;
                    problems.push(format!("{what}: {status}, expected a 4xx"));
                }
                None => problems.push(format!("{what}: connection dropped without an answer")),
            }
        }
        let (plain, with_body) = get_with_body(&provider);
        let expected = raw_status(addr, &plain);
        match raw_status(addr, &with_body) {
            Some(status) if Some(status) == expected => answered += 1,
            got => problems.push(format!(
                "a GET with a body: {got:?}, expected {expected:?}, the answer to the same GET without it"
            )),
        }
    }
    let per_request_ns = started.elapsed().as_nanos() as u64 / answered.max(1);
    println!(
        "provider under bad input: {client_errors} malformed requests answered 4xx, {rounds} GETs with a body answered as the same GET, {} problems",
        problems.len()
    );
    if !problems.is_empty() {
        return Err(problems.join("; ").into());
    }
    Ok((!test_mode).then_some(Measurement {
        avg: per_request_ns,
        variance: 0,
    }))
}

// ---------------------------------------------------------------------------------------
// Peak memory against growing bodies
// ---------------------------------------------------------------------------------------

const MIB: u64 = 1 << 20;

/// What a body server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Spaces: never parsed (an over-cap body is not judged, an all-blank one is "empty").
    Blank,
    /// A task whose `prompt` fills the body: what the checks parse and judge, the worst
    /// realistic case for a body at the cap.
    Task,
}

/// The `size`-byte body of `shape`.
fn body_of(shape: Shape, size: usize) -> Vec<u8> {
    match shape {
        Shape::Blank => vec![b' '; size],
        Shape::Task => {
            let head = br#"{"id":"1","status":"SUCCESS","progress":"100%","imageUrl":"https://cdn.example/1.png","submitTime":1747132423020,"startTime":1747132424482,"finishTime":1747132463701,"prompt":""#;
            let tail = br#""}"#;
            let mut body = head.to_vec();
            body.resize(size.saturating_sub(tail.len()).max(head.len()), b'a');
            body.extend_from_slice(tail);
            body
        }
    }
}

/// A server whose every answer is a `size`-byte body of `shape`, announced, or blank and
/// chunked without end when `size` is `None`.
fn body_server(runtime: &tokio::runtime::Runtime, size: Option<u64>, shape: Shape) -> SocketAddr {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    runtime.spawn(async move {
        // Bounded: a run makes far fewer requests.
        for _ in 0..10_000 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut head = [0u8; 8192];
                if !matches!(stream.read(&mut head).await, Ok(n) if n > 0) {
                    return;
                }
                let (start, chunk, rounds) = match size {
                    Some(size) if shape == Shape::Task => {
                        let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n");
                        let body = body_of(shape, usize::try_from(size).unwrap_or(usize::MAX));
                        let _ = stream.write_all(head.as_bytes()).await;
                        let _ = stream.write_all(&body).await;
                        return;
                    }
                    Some(size) => (
                        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"),
                        vec![b' '; 64 * 1024],
                        size.div_ceil(64 * 1024),
                    ),
                    None => {
                        let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
                        chunk.extend_from_slice(&[b' '; 64 * 1024]);
                        chunk.extend_from_slice(b"\r\n");
                        (
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(),
                            chunk,
                            u64::MAX,
                        )
                    }
                };
                if stream.write_all(start.as_bytes()).await.is_err() {
                    return;
                }
                let last = size.map(|size| (size % (64 * 1024)) as usize);
                for round in 0..rounds {
                    let part = match last {
                        Some(last) if last > 0 && round + 1 == rounds => &chunk[..last],
                        _ => &chunk[..],
                    };
                    if stream.write_all(part).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn child_run() -> ExitCode {
    let mut args = vec!["mjconform check".to_owned()];
    args.extend(std::env::args().skip(1));
    let code = harness::run(args, Mode::Cli);
    println!("peak-rss-kib {}", peak_rss_kib().unwrap_or(0));
    code
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The peak memory (KiB) of a whole run against `addr`.
fn child_peak(addr: SocketAddr, extra: &[&str]) -> Result<u64, Failed> {
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let url = format!("http://{addr}/");
    let mut command = Command::new(exe);
    // The figures are for the default options, whatever the caller's `MJ_*` settings.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MJ_") {
            command.env_remove(name);
        }
    }
    // Out of the package root: the run writes fuzz failure reports under its working
    // directory, and a bench must leave the checkout as it found it.
    let output = command
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .env(CHILD_RUN, "1")
        .args([
            "--target-url",
            &url,
            "--api-key",
            "bench-key",
            "--task-id",
            "1",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|err| format!("run the child: {err}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("peak-rss-kib "))
        .and_then(|kib| kib.parse().ok())
        .filter(|kib| *kib > 0)
        .ok_or_else(|| format!("no peak memory reported:\n{stdout}").into())
}

/// The documented bound on the growth of peak memory, in caps plus a fixed slack, when every
/// answer is a task at the cap (the worst realistic body: the checks parse it):
/// - one cap per kept planned answer (4 planned cases here);
/// - four per request in flight (`--concurrency` 4): the body being read, and while it is
///   judged its parsed copy, with what the allocator keeps of freed bodies per thread;
/// - two for the one large body judged at a time (`checks::LARGE_BODY_BYTES`);
/// - 8 MiB for the runtime, the allocator's granularity and the fuzzer's 16 KiB excerpts.
///
/// Measured (debug build, fuzzing on): about 23.5 caps at a 1 MiB cap, 18 at 8 MiB. A body of
/// many tiny JSON values parses to tens of times its size and is outside this bound.
const BOUND_CAPS: f64 = 4.0 + 4.0 * 4.0 + 2.0;
const BOUND_SLACK_MIB: f64 = 8.0;

fn peak_memory_vs_body_size(test_mode: bool) -> Result<Option<Measurement>, Failed> {
    if peak_rss_kib().is_none() {
        // `main` marks the trial ignored without /proc; run anyway (`--include-ignored`), it
        // fails rather than claim a bound it never checked.
        return Err(
            "not run: no /proc/self/status (VmHWM) here, so peak memory cannot be measured".into(),
        );
    }
    let runtime = runtime();
    let caps: &[u64] = if test_mode { &[MIB] } else { &[MIB, 8 * MIB] };
    let mut worst = (0.0f64, String::new());
    let mut run_times = Vec::new();
    for &cap in caps {
        // Bodies under, at and over the cap, and one with no end.
        let sizes: Vec<(Option<u64>, Shape)> = if test_mode {
            vec![
                (Some(1024), Shape::Blank),
                (Some(cap), Shape::Task),
                (Some(64 * MIB), Shape::Blank),
            ]
        } else {
            vec![
                (Some(1024), Shape::Blank),
                (Some(64 * 1024), Shape::Task),
                (Some(cap), Shape::Blank),
                (Some(cap), Shape::Task),
                (Some(cap + 1), Shape::Blank),
                (Some(64 * MIB), Shape::Blank),
                (Some(256 * MIB), Shape::Blank),
                (None, Shape::Blank),
            ]
        };
        let cap_flag = format!("{cap}");
        let mut baseline = None;
        for (size, shape) in sizes {
            let addr = body_server(&runtime, size, shape);
            let started = Instant::now();
            let peak = child_peak(addr, &["--max-body", &cap_flag])?;
            run_times.push(started.elapsed().as_nanos() as u64);
            let base = *baseline.get_or_insert(peak);
            let growth = peak.saturating_sub(base) as f64 / 1024.0;
            let label = match size {
                Some(size) if size == cap + 1 => "cap + 1 B".to_owned(),
                Some(size) if size >= MIB => format!("{} MiB", size / MIB),
                Some(size) if size >= 1024 => format!("{} KiB", size / 1024),
                Some(size) => format!("{size} B"),
                None => "endless".to_owned(),
            };
            let label = match shape {
                Shape::Task => format!("{label}, a task"),
                Shape::Blank => format!("{label}, blank"),
            };
            let caps_grown = (growth - BOUND_SLACK_MIB).max(0.0) / (cap / MIB) as f64;
            if caps_grown > worst.0 {
                worst = (
                    caps_grown,
                    format!("cap {} MiB, bodies of {label}", cap / MIB),
                );
            }
            println!(
                "peak memory, cap {} MiB, bodies of {label}: {:.1} MiB (+{growth:.1} MiB over 1 KiB bodies: {caps_grown:.1} caps past the slack)",
                cap / MIB,
                peak as f64 / 1024.0
            );
        }
    }
    // What the README and ARCHITECTURE.md claim, asserted: whatever the body size and shape
    // (a task, blank, oversized, endless), the growth stays within the bound.
    if worst.0 > BOUND_CAPS {
        return Err(format!(
            "peak memory grew by {BOUND_SLACK_MIB} MiB and {:.1} caps ({}), more than the documented {BOUND_CAPS} caps",
            worst.0, worst.1
        )
        .into());
    }
    let mean = run_times.iter().sum::<u64>() / run_times.len().max(1) as u64;
    let spread =
        run_times.iter().max().copied().unwrap_or(0) - run_times.iter().min().copied().unwrap_or(0);
    Ok((!test_mode).then_some(Measurement {
        avg: mean,
        variance: spread,
    }))
}
