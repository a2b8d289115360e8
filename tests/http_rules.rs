//! HTTP's own rules against independent servers: raw-TCP servers that each break one rule
//! (most of them in a way hyper, and so the reference provider, will not write), and one
//! that keeps every rule while looking unusual. Each runs `mjconform check` with the default
//! options (only the target, key and task id given) and asserts which trial families fail:
//! exactly the rule's own check, and nothing for the conforming one; a rule whose check is at
//! level `warn` by default (a HEAD refused with 405, a POST served) is a warning, and fails
//! when the run denies it. The conforming run also
//! pins the number of requests a run sends.
//!
//! The servers answer one request per connection and close it, so a test never depends on
//! how the harness reuses connections. Time is asserted nowhere: the one slow server is
//! 300 ms slow against a 100 ms limit, a difference no scheduling can invert.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::{Command, ExitCode, Output};
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

const KEY: &str = "mjc-http-rules-5d1e07a9c3";
const TASK_ID: &str = "1747132423020537";
/// A task that keeps the contract: a task not started yet sets no start or finish time.
const TASK: &str = r#"{"id":"1747132423020537","action":"IMAGINE","status":"NOT_START","progress":"0%","submitTime":1747132423020,"prompt":"a fox","description":"/imagine a fox","buttons":[],"properties":{}}"#;
const NOT_FOUND: &str = r#"{"error":{"message":"task not found","type":"not_found"}}"#;
const UNAUTHORIZED: &str = r#"{"error":{"message":"invalid key","type":"unauthorized"}}"#;

/// What the harness plans for one task id: the task, the unknown id, the two credential
/// probes, the unknown id without a credential, four path variants without one, then POST,
/// PUT, PATCH, DELETE, HEAD, OPTIONS and the framing GET.
const PLANNED_REQUESTS_FOR_ONE_ID: usize = 1 + 4 + 4 + 7;

/// One request as the servers see it.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    authorized: bool,
    /// The real key arrived under some scheme (`Basic KEY`, `Token KEY`, `Bearer KEY`).
    carries_key: bool,
}

impl Request {
    fn known_task(&self) -> bool {
        self.path == format!("/mj/task/{TASK_ID}/fetch")
    }

    fn fetch_path(&self) -> bool {
        self.path.starts_with("/mj/task/") && self.path.ends_with("/fetch")
    }
}

/// What a server writes back, and how long it waits first.
struct Reply {
    bytes: Vec<u8>,
    delay: Option<Duration>,
    /// How long the connection stays open after the answer (a server that ignores the
    /// request's `Connection: close`).
    hold_open: Option<Duration>,
}

impl From<Vec<u8>> for Reply {
    fn from(bytes: Vec<u8>) -> Self {
        Reply {
            bytes,
            delay: None,
            hold_open: None,
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

/// The known task, authorized, by GET: the answer the rules of the message are about.
fn task_get(request: &Request) -> bool {
    request.method == "GET" && request.known_task() && request.authorized
}

type Behaviour = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// An answer with `Content-Length`, closing the connection.
fn answer(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    text.into_bytes()
}

/// The head of an answer, exactly as given (no length added), and its body.
fn raw(head: &str, body: &str) -> Vec<u8> {
    format!("{head}\r\n\r\n{body}").into_bytes()
}

fn chunked(body: &str) -> String {
    let (first, second) = body.split_at(body.len() / 2);
    format!(
        "{:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
        first.len(),
        second.len()
    )
}

/// A server that keeps every rule of HTTP and the contract, in unusual ways: chunked task
/// bodies, a 401 challenge with parameters, 204 to OPTIONS with a harmless `Content-Length:
/// 0`, 405 listing only GET and HEAD, 501 for PUT, and gin's 404 for PATCH.
fn conforming(request: &Request) -> Reply {
    let json = ("content-type", "application/json");
    let challenge = (
        "www-authenticate",
        r#"Bearer realm="mj", error="invalid_token", error_description="unknown key""#,
    );
    let allow = ("allow", "GET, HEAD");
    if !request.fetch_path() {
        return answer("404 Not Found", &[json], NOT_FOUND).into();
    }
    match request.method.as_str() {
        "POST" | "DELETE" => answer("405 Method Not Allowed", &[allow], "").into(),
        "PUT" => answer("501 Not Implemented", &[], "").into(),
        "PATCH" => answer("404 Not Found", &[json], NOT_FOUND).into(),
        // What the Node `cors` middleware answers: the harmless `Content-Length: 0` passes.
        "OPTIONS" => raw(
            "HTTP/1.1 204 No Content\r\nallow: GET, HEAD\r\ncontent-length: 0\r\nconnection: close",
            "",
        )
        .into(),
        "GET" | "HEAD" if !request.authorized => {
            answer("401 Unauthorized", &[json, challenge], UNAUTHORIZED).into()
        }
        "GET" if request.known_task() => raw(
            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ntransfer-encoding: chunked",
            &chunked(TASK),
        )
        .into(),
        "HEAD" if request.known_task() => raw(
            &format!(
                "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}",
                TASK.len()
            ),
            "",
        )
        .into(),
        "GET" | "HEAD" => {
            let mut reply = answer("404 Not Found", &[json], NOT_FOUND);
            if request.method == "HEAD" {
                let end = reply.len() - NOT_FOUND.len();
                reply.truncate(end);
            }
            reply.into()
        }
        _ => answer("405 Method Not Allowed", &[allow], "").into(),
    }
}

/// The conforming server with one answer changed.
fn breaking(change: fn(&Request) -> Option<Reply>) -> Behaviour {
    Arc::new(move |request: &Request| change(request).unwrap_or_else(|| conforming(request)))
}

fn task_with_length(length: usize, body: &str) -> Vec<u8> {
    raw(
        &format!(
            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {length}"
        ),
        body,
    )
}

/// A server case: its behaviour, the families that must fail, and those that may fail too
/// (as checks that could not run on the same broken answer).
struct Case {
    name: &'static str,
    behaviour: Behaviour,
    must_fail: &'static [&'static str],
    may_fail: &'static [&'static str],
    /// Trials whose check is at level `warn`: each must be named in a `mjconform: warning:`
    /// line, and the run still passes.
    must_warn: &'static [&'static str],
    extra_args: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "an_unusual_but_conforming_server_passes",
            behaviour: Arc::new(conforming),
            must_fail: &[],
            may_fail: &[],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            // RFC 9110 §12.5.3: with no Accept-Encoding, any coding is acceptable; a charset
            // of UTF-8 and keys the doc does not name are legal too.
            name: "gzip_unasked_charset_utf8_and_extra_keys_pass",
            behaviour: breaking(|request| {
                task_get(request).then(|| {
                    let body = TASK.replace(r#""properties":{}"#, r#""properties":{},"videoUrl":"","botType":"""#);
                    let coded = gzip(body.as_bytes());
                    let mut bytes = format!(
                        "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
                        coded.len()
                    )
                    .into_bytes();
                    bytes.extend_from_slice(&coded);
                    bytes.into()
                })
            }),
            must_fail: &[],
            may_fail: &[],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "a_body_that_does_not_decode_as_labelled_fails",
            behaviour: breaking(|request| {
                task_get(request).then(|| {
                    answer(
                        "200 OK",
                        &[
                            ("content-type", "application/json"),
                            ("content-encoding", "gzip"),
                        ],
                        TASK,
                    )
                    .into()
                })
            }),
            must_fail: &["response_schema_conformance::task_1747132423020537"],
            // The fuzzer's valid-key credential probes read the same answer.
            may_fail: &["fuzz::credentials::response_schema_conformance"],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "two_content_lengths_fail_single_header_fields",
            behaviour: breaking(|request| {
                task_get(request).then(|| {
                    let length = TASK.len().to_string();
                    raw(
                        &format!("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {length}\r\ncontent-length: {length}"),
                        TASK,
                    )
                    .into()
                })
            }),
            must_fail: &[
                "single_header_fields::task_1747132423020537",
                "single_header_fields::framing",
            ],
            may_fail: &[],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "a_connection_left_open_after_close_fails_connection_close",
            behaviour: breaking(|request| {
                task_get(request).then(|| {
                    let mut reply = Reply::from(answer(
                        "200 OK",
                        &[("content-type", "application/json")],
                        TASK,
                    ));
                    // The wire reader waits 1 s for the close.
                    reply.hold_open = Some(Duration::from_secs(3));
                    reply
                })
            }),
            must_fail: &["connection_close::framing"],
            may_fail: &[],
            must_warn: &[],
            extra_args: &["--fuzz-cases", "0"],
        },
        Case {
            name: "an_id_looked_up_before_the_key_fails_no_existence_oracle",
            behaviour: breaking(|request| {
                (request.method == "GET"
                    && request.fetch_path()
                    && !request.known_task()
                    && !request.authorized)
                    .then(|| {
                        answer(
                            "404 Not Found",
                            &[("content-type", "application/json")],
                            NOT_FOUND,
                        )
                        .into()
                    })
            }),
            must_fail: &["no_existence_oracle::missing_credential_unknown_id"],
            may_fail: &[],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "post_served_like_get_fails_unsupported_method",
            behaviour: breaking(|request| {
                (request.method == "POST")
                    .then(|| answer("200 OK", &[("content-type", "application/json")], TASK).into())
            }),
            // RFC 9110 binds no origin to refuse a method: a warning by default.
            must_fail: &[],
            may_fail: &[],
            must_warn: &["unsupported_method::method_post"],
            extra_args: &[],
        },
        Case {
            name: "post_served_like_get_fails_unsupported_method_when_denied",
            behaviour: breaking(|request| {
                (request.method == "POST")
                    .then(|| answer("200 OK", &[("content-type", "application/json")], TASK).into())
            }),
            must_fail: &["unsupported_method::method_post"],
            may_fail: &[],
            must_warn: &[],
            extra_args: &["--deny", "unsupported_method"],
        },
        Case {
            name: "a_405_without_allow_fails_allow_on_405",
            behaviour: breaking(|request| {
                matches!(request.method.as_str(), "POST" | "DELETE")
                    .then(|| answer("405 Method Not Allowed", &[], "").into())
            }),
            must_fail: &["allow_on_405::method_post", "allow_on_405::method_delete"],
            may_fail: &[],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "a_401_without_a_challenge_fails_www_authenticate_on_401",
            behaviour: breaking(|request| {
                (!request.authorized).then(|| {
                    answer(
                        "401 Unauthorized",
                        &[("content-type", "application/json")],
                        UNAUTHORIZED,
                    )
                    .into()
                })
            }),
            must_fail: &[
                "www_authenticate_on_401::missing_credential",
                "www_authenticate_on_401::wrong_key",
            ],
            // The fuzzer's credential properties read the same answers; they judge the
            // status, not the challenge.
            may_fail: &[],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            // The most correct refusal there is, from a server that is not general-purpose:
            // no contract failure, a warning.
            name: "a_head_refused_with_405_and_allow_get_is_a_warning",
            behaviour: Arc::new(refuses_head),
            must_fail: &[],
            may_fail: &[],
            must_warn: &["head_supported::head"],
            extra_args: &[],
        },
        Case {
            name: "a_refused_head_fails_head_supported_when_denied",
            behaviour: Arc::new(refuses_head),
            must_fail: &["head_supported::head"],
            may_fail: &[],
            must_warn: &[],
            extra_args: &["--deny", "head_supported"],
        },
        Case {
            // `Basic KEY`, `Token KEY` get the task: nobody gets in without the key, so this
            // is a leniency about the scheme (a warning), never ignored auth.
            name: "the_real_key_under_another_scheme_is_a_warning_not_ignored_auth",
            behaviour: Arc::new(|request: &Request| {
                conforming(&Request {
                    authorized: request.authorized || request.carries_key,
                    ..request.clone()
                })
            }),
            must_fail: &[],
            may_fail: &[],
            must_warn: &["fuzz::credentials::other_scheme_refused"],
            extra_args: &[],
        },
        Case {
            name: "an_allowed_check_is_not_run",
            behaviour: Arc::new(refuses_head),
            must_fail: &[],
            may_fail: &[],
            must_warn: &[],
            extra_args: &["--allow", "head_supported"],
        },
        Case {
            name: "a_head_answer_with_a_body_fails_head_has_no_body",
            behaviour: breaking(|request| {
                (request.method == "HEAD" && request.known_task())
                    .then(|| task_with_length(TASK.len(), TASK).into())
            }),
            must_fail: &["head_has_no_body::head"],
            may_fail: &[],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "content_length_beside_transfer_encoding_fails_honest_framing",
            behaviour: breaking(|request| {
                (request.method == "GET" && request.known_task() && request.authorized).then(|| {
                    raw(
                        &format!(
                            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\ncontent-length: {}",
                            TASK.len()
                        ),
                        &chunked(TASK),
                    )
                    .into()
                })
            }),
            must_fail: &[
                "honest_framing::task_1747132423020537",
                "honest_framing::framing",
            ],
            may_fail: &[],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "a_content_length_longer_than_the_body_fails_honest_framing",
            behaviour: breaking(|request| {
                (request.method == "GET" && request.known_task() && request.authorized)
                    .then(|| task_with_length(TASK.len() + 10, TASK).into())
            }),
            must_fail: &["honest_framing::framing"],
            // The library reads the same answer as a broken body: the task's checks report
            // that they could not run, naming the short body.
            may_fail: &["::task_1747132423020537", "fuzz::"],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "bytes_after_the_content_length_fail_honest_framing",
            behaviour: breaking(|request| {
                (request.method == "GET" && request.known_task() && request.authorized)
                    .then(|| task_with_length(TASK.len() - 10, TASK).into())
            }),
            must_fail: &["honest_framing::framing"],
            // The library stops at the announced length: the task body it judges is cut off.
            may_fail: &["::task_1747132423020537", "fuzz::"],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "a_204_with_content_length_fails_honest_framing",
            behaviour: breaking(|request| {
                (request.method == "OPTIONS").then(|| {
                    raw(
                        "HTTP/1.1 204 No Content\r\nallow: GET, HEAD\r\ncontent-length: 12\r\nconnection: close",
                        "",
                    )
                    .into()
                })
            }),
            must_fail: &["honest_framing::options"],
            may_fail: &[],
            must_warn: &[],
            extra_args: &[],
        },
        Case {
            name: "a_slow_answer_fails_max_response_time_when_asked",
            behaviour: breaking(|request| {
                (request.method == "GET" && !request.known_task()).then(|| {
                    let mut reply = Reply::from(conforming(request).bytes);
                    reply.delay = Some(Duration::from_millis(300));
                    reply
                })
            }),
            must_fail: &["max_response_time::unknown_id"],
            // Fuzzed unknown ids are slow too, but no property judges time.
            may_fail: &[],
            must_warn: &[],
            extra_args: &["--max-response-time", "100ms", "--fuzz-cases", "0"],
        },
    ]
}

fn main() -> ExitCode {
    let arguments = mjconform::commands::self_tests::test_arguments();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => Arc::new(runtime),
        Err(err) => {
            eprintln!("error: failed to start the tokio runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let mut trials: Vec<Trial> = cases()
        .into_iter()
        .map(|case| {
            let runtime = Arc::clone(&runtime);
            Trial::test(format!("http_rules::{}", case.name), move || {
                run_case(&runtime, &case)
            })
        })
        .collect();
    let counted = Arc::clone(&runtime);
    trials.push(Trial::test(
        "http_rules::a_run_sends_a_stated_number_of_requests",
        move || request_count(&counted),
    ));
    mjconform::commands::self_tests::run_self_tests(&arguments, trials).exit_code()
}

/// Serves `behaviour` on 127.0.0.1 until the runtime ends; one request per connection.
fn serve(runtime: &tokio::runtime::Runtime, behaviour: Behaviour) -> Result<SocketAddr, Failed> {
    serve_counting(runtime, behaviour).map(|(addr, _)| addr)
}

/// [`serve`], with the number of connections the server accepted: what a run's "requests
/// sent" line is compared with (mjconform opens one per request and one for its preflight).
fn serve_counting(
    runtime: &tokio::runtime::Runtime,
    behaviour: Behaviour,
) -> Result<(SocketAddr, Arc<std::sync::atomic::AtomicUsize>), Failed> {
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    let listener = runtime
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .map_err(|err| format!("cannot bind: {err}"))?;
    let addr = listener
        .local_addr()
        .map_err(|err| format!("no address: {err}"))?;
    runtime.spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let behaviour = Arc::clone(&behaviour);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                    match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await
                    {
                        Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
                        _ => return,
                    }
                }
                let text = String::from_utf8_lossy(&head);
                let mut words = text.split_whitespace();
                let method = words.next().unwrap_or_default().to_owned();
                let path = words.next().unwrap_or_default().to_owned();
                let authorized = text.lines().any(|line| {
                    line.split_once(':').is_some_and(|(name, value)| {
                        // RFC 9110 §11.1: the scheme name is case-insensitive.
                        let credential = value.trim().split_once(' ');
                        name.eq_ignore_ascii_case("authorization")
                            && credential.is_some_and(|(scheme, token)| {
                                scheme.eq_ignore_ascii_case("bearer") && token.trim() == KEY
                            })
                    })
                });
                let carries_key = text.lines().any(|line| {
                    line.split_once(':').is_some_and(|(name, value)| {
                        name.eq_ignore_ascii_case("authorization")
                            && value.split_whitespace().last() == Some(KEY)
                    })
                });
                let reply = behaviour(&Request {
                    method,
                    path,
                    authorized,
                    carries_key,
                });
                if let Some(delay) = reply.delay {
                    tokio::time::sleep(delay).await;
                }
                let _ = stream.write_all(&reply.bytes).await;
                if let Some(hold) = reply.hold_open {
                    tokio::time::sleep(hold).await;
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok((addr, accepted))
}

/// A plain API server: HEAD refused with 405 and `Allow: GET` (ASP.NET `MapGet`), every other
/// answer conforming.
fn refuses_head(request: &Request) -> Reply {
    if request.method == "HEAD" {
        return raw(
            "HTTP/1.1 405 Method Not Allowed\r\nallow: GET\r\ncontent-length: 0\r\nconnection: close",
            "",
        )
        .into();
    }
    conforming(request)
}

/// `mjconform check` against `addr` with the default options (and `extra`).
fn check(addr: SocketAddr, extra: &[&str]) -> Result<Output, Failed> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mjconform"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MJ_") {
            command.env_remove(name);
        }
    }
    let workdir = std::env::temp_dir().join(format!(
        "mjconform-http-rules-{}-{}",
        std::process::id(),
        addr.port()
    ));
    std::fs::create_dir_all(&workdir).map_err(|err| format!("no work dir: {err}"))?;
    command
        .current_dir(&workdir)
        .env("MJ_API_KEY", KEY)
        .args(["check", "--color", "never"])
        .args(["--target-url", &format!("http://{addr}/")])
        .args(["--task-id", TASK_ID])
        .args(extra);
    let output = command
        .output()
        .map_err(|err| format!("mjconform did not run: {err}"));
    let _ = std::fs::remove_dir_all(&workdir);
    Ok(output?)
}

fn failed_trials(output: &Output) -> BTreeSet<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("test "))
        .filter_map(|rest| rest.split_once(" ... "))
        .filter(|(_, outcome)| outcome.trim() == "FAILED")
        .map(|(name, _)| name.trim().to_owned())
        .collect()
}

fn evidence(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let start = stdout.find("failures:").unwrap_or(0);
    let shown: String = stdout[start..].chars().take(5000).collect();
    format!(
        "exit status: {}\nstderr: {}\n{shown}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    )
}

fn run_case(runtime: &tokio::runtime::Runtime, case: &Case) -> Result<(), Failed> {
    let addr = serve(runtime, Arc::clone(&case.behaviour))?;
    let output = check(addr, case.extra_args)?;
    let failed = failed_trials(&output);
    let missed: Vec<&&str> = case
        .must_fail
        .iter()
        .filter(|name| !failed.contains(**name))
        .collect();
    let unexpected: Vec<&String> = failed
        .iter()
        .filter(|name| !case.must_fail.contains(&name.as_str()))
        .filter(|name| !case.may_fail.iter().any(|part| name.contains(part)))
        .collect();
    if !missed.is_empty() || !unexpected.is_empty() {
        return Err(format!(
            "expected to fail: {:?}\nmissed: {missed:?}\nfailed but not expected: {unexpected:?}\n{}",
            case.must_fail,
            evidence(&output)
        )
        .into());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warned: BTreeSet<&str> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("mjconform: warning: "))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    let expected_warnings: BTreeSet<&str> = case.must_warn.iter().copied().collect();
    if warned != expected_warnings {
        return Err(format!(
            "expected warnings for {expected_warnings:?}, got {warned:?}\n{}",
            evidence(&output)
        )
        .into());
    }
    if !case.must_warn.is_empty() {
        let count = format!("{} warning", case.must_warn.len());
        if !stderr
            .lines()
            .any(|line| line.contains(" requests sent") && line.contains(&count))
        {
            return Err(format!("no `{count}` in the last lines\n{}", evidence(&output)).into());
        }
    }
    for pair in case.extra_args.windows(2) {
        if pair[0] == "--allow" {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let ignored = stdout.lines().any(|line| {
                line.starts_with(&format!("test {}::", pair[1]))
                    && line.contains("ignored (allowed by level)")
            });
            if !ignored {
                return Err(format!(
                    "`{}` is allowed, yet its trials were not reported ignored\n{}",
                    pair[1],
                    evidence(&output)
                )
                .into());
            }
        }
    }
    let expected_code = if case.must_fail.is_empty() { 0 } else { 1 };
    if output.status.code() != Some(expected_code) {
        return Err(format!(
            "exit status {}, expected {expected_code}\n{}",
            output.status,
            evidence(&output)
        )
        .into());
    }
    Ok(())
}

/// Without fuzzing, a run against one task id sends exactly the planned requests, each once,
/// whichever checks read them, and its "requests sent" line is what the server received:
/// the planned requests and the preflight's connection.
fn request_count(runtime: &tokio::runtime::Runtime) -> Result<(), Failed> {
    let (addr, accepted) = serve_counting(runtime, Arc::new(conforming))?;
    let output = check(addr, &["--fuzz-cases", "0"])?;
    // mjconform's own last lines are on stderr.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|line| line.contains(" requests sent"))
        .ok_or_else(|| format!("no request count\n{}", evidence(&output)))?;
    // Each connection is counted as the server accepts it, before the run's process ends.
    let received = accepted.load(std::sync::atomic::Ordering::SeqCst);
    if received != PLANNED_REQUESTS_FOR_ONE_ID + 1 {
        return Err(format!(
            "the server received {received} connections, expected {} (the planned requests and the preflight)",
            PLANNED_REQUESTS_FOR_ONE_ID + 1
        )
        .into());
    }
    let expected = format!("mjconform: {received} requests sent;");
    if !line.starts_with(&expected) {
        return Err(
            format!("expected `{expected}` (what the server received), got `{line}`").into(),
        );
    }
    Ok(())
}
