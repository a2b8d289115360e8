//! The blocking reader against the library reader: each raw server below answers both, and
//! both must make the same exchange of it (or the same kind of error), since a fuzz property
//! judges whichever one fetched the answer.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::Duration;

use super::*;
use crate::http::client::TargetClient;
use crate::http::request::TRUNCATED_BODY_KEPT;

/// What a raw server does with each connection after reading the request's head.
#[derive(Clone, Copy)]
enum Then {
    /// Writes the bytes and closes.
    Close,
    /// Writes the bytes and keeps the connection open for a while.
    HoldOpen,
}

/// A server that answers every connection with `answer`, until the test ends.
fn serve(answer: Vec<u8>, then: Then) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                let mut chunk = [0u8; 1024];
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(read) => seen.extend_from_slice(&chunk[..read]),
                    }
                }
                let _ = stream.write_all(&answer);
                if let Then::HoldOpen = then {
                    std::thread::sleep(Duration::from_secs(3));
                }
            });
        }
    });
    url
}

fn limits() -> ClientLimits {
    ClientLimits {
        timeout: Duration::from_millis(1500),
        max_body_bytes: 64 * 1024,
        ..ClientLimits::default()
    }
}

/// Both readers' answers to one request against `url`.
fn both(url: &Url, limits: ClientLimits) -> [Result<Exchange, RequestError>; 2] {
    let client = TargetClient::new(url.clone(), limits).unwrap();
    let spec = RequestSpec::get("/mj/task/1/fetch", vec![("authorization".into(), "Bearer k".into())]);
    assert!(client.sends_blocking(&spec));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let library = runtime.block_on(client.send(&spec));
    let blocking = client.send_blocking(&spec);
    [library, blocking]
}

/// The two readers agree on `answer`; returns the blocking reader's exchange.
fn agree(answer: &[u8], then: Then, limits: ClientLimits) -> Result<Exchange, RequestError> {
    let url = serve(answer.to_vec(), then);
    let [library, blocking] = both(&url, limits);
    match (&library, &blocking) {
        (Ok(library), Ok(blocking)) => {
            assert_eq!(library.status, blocking.status);
            assert_eq!(library.headers, blocking.headers);
            assert_eq!(library.body, blocking.body);
            assert_eq!(library.body_truncated, blocking.body_truncated);
            assert_eq!(library.content_coding, blocking.content_coding);
            assert_eq!(library.request.url, blocking.request.url);
            assert_eq!(library.request.raw_path, blocking.request.raw_path);
        }
        (Err(library), Err(blocking)) => assert_eq!(
            std::mem::discriminant(library),
            std::mem::discriminant(blocking),
            "library: {library}\nblocking: {blocking}"
        ),
        _ => panic!("the readers disagree:\nlibrary: {library:?}\nblocking: {blocking:?}"),
    }
    blocking
}

fn ok(answer: &str) -> Exchange {
    agree(answer.as_bytes(), Then::Close, limits()).unwrap()
}

#[test]
fn a_framed_answer_reads_alike_with_repeated_fields_grouped() {
    let exchange = ok("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-A: 1\r\n\
                       Content-Length: 2\r\nx-a: 2\r\n\r\n{}");
    assert_eq!(exchange.body, b"{}");
    let names: Vec<&str> = exchange.headers.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["content-type", "x-a", "x-a", "content-length"]);
}

#[test]
fn bytes_past_the_length_are_ignored_and_an_open_connection_is_not_waited_on() {
    let started = Instant::now();
    let exchange = agree(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}garbage",
        Then::HoldOpen,
        limits(),
    )
    .unwrap();
    assert_eq!(exchange.body, b"{}");
    // Both readers end at the framing; the server holds each connection for 3 s.
    assert!(started.elapsed() < Duration::from_millis(2500));
}

#[test]
fn chunked_and_close_delimited_bodies_read_alike() {
    let chunked = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                      2;ext=1\r\n{\"\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n");
    assert_eq!(chunked.body, b"{\"}");
    let until_close = ok("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end");
    assert_eq!(until_close.body, b"to the end");
    let other_coding = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw");
    assert_eq!(other_coding.body, b"raw");
}

#[test]
fn interim_answers_are_skipped_and_bodiless_statuses_have_no_body() {
    let exchange = ok("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(exchange.status, 404);
    let no_content = agree(
        b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
        Then::HoldOpen,
        limits(),
    )
    .unwrap();
    assert!(no_content.body.is_empty());
}

#[test]
fn a_body_past_the_cap_is_truncated_alike() {
    let small = ClientLimits {
        max_body_bytes: 20_000,
        ..limits()
    };
    let body = "x".repeat(50_000);
    let announced = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    let exchange = agree(announced.as_bytes(), Then::Close, small.clone()).unwrap();
    assert!(exchange.body_truncated);
    assert_eq!(exchange.body.len(), TRUNCATED_BODY_KEPT);
    let unannounced = format!("HTTP/1.1 200 OK\r\n\r\n{body}");
    let exchange = agree(unannounced.as_bytes(), Then::Close, small).unwrap();
    assert!(exchange.body_truncated);
}

#[test]
fn a_coded_body_is_decoded_alike() {
    let mut coder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    coder.write_all(b"{\"id\":\"1\"}").unwrap();
    let coded = coder.finish().unwrap();
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        coded.len()
    )
    .into_bytes();
    answer.extend_from_slice(&coded);
    let exchange = agree(&answer, Then::Close, limits()).unwrap();
    assert_eq!(exchange.body, b"{\"id\":\"1\"}");
}

#[test]
fn broken_answers_are_the_same_kind_of_error() {
    let cases: [&[u8]; 6] = [
        // Closed before any answer.
        b"",
        // Not HTTP.
        b"HELLO\r\n\r\n",
        // Fewer bytes than announced.
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        // A Content-Length that is not a number.
        b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\nshort",
        // A chunk size that is not hexadecimal.
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        // A chunked body cut off.
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ];
    for answer in cases {
        let outcome = agree(answer, Then::Close, limits());
        assert!(outcome.is_err(), "{}", String::from_utf8_lossy(answer));
    }
    // More header fields than hyper accepts (100), and a folded field (obsolete since RFC 7230).
    let many: String = (0..120).map(|n| format!("X-{n}: v\r\n")).collect();
    let too_many = format!("HTTP/1.1 200 OK\r\n{many}Content-Length: 0\r\n\r\n");
    let folded = "HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n";
    for answer in [too_many.as_str(), folded] {
        assert!(agree(answer.as_bytes(), Then::Close, limits()).is_err(), "{answer}");
    }
}

#[test]
fn a_long_header_block_is_accepted_or_refused_alike() {
    // hyper reads up to about 400 KiB of header block: a 100 KiB field passes, 600 KiB does not.
    for size in [100 * 1024, 600 * 1024] {
        let answer = format!(
            "HTTP/1.1 200 OK\r\nX-Long: {}\r\nContent-Length: 2\r\n\r\n{{}}",
            "a".repeat(size)
        );
        let outcome = agree(answer.as_bytes(), Then::Close, limits());
        assert_eq!(outcome.is_ok(), size < 400 * 1024, "{size}");
    }
}

#[test]
fn a_silent_server_times_out_alike() {
    let quick = ClientLimits {
        timeout: Duration::from_millis(300),
        ..limits()
    };
    let error = agree(b"", Then::HoldOpen, quick.clone()).unwrap_err();
    assert!(matches!(error, RequestError::Timeout { .. }), "{error}");
    let error = agree(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        Then::HoldOpen,
        quick,
    )
    .unwrap_err();
    assert!(matches!(error, RequestError::BodyTimeout { received: 3, .. }), "{error}");
}

#[test]
fn only_plain_http_to_an_address_or_localhost_is_sent_blocking() {
    let url = |text: &str| Url::parse(text).unwrap();
    assert!(addresses_for(&url("http://127.0.0.1:8080/")).is_some());
    assert!(addresses_for(&url("http://[::1]:8080/")).is_some());
    assert!(addresses_for(&url("https://127.0.0.1:8080/")).is_none());
    assert!(addresses_for(&url("http://relay.example/")).is_none());
}

#[test]
fn chunk_sizes_are_read_with_their_extensions() {
    assert_eq!(chunk_size(b"1a"), Some(26));
    assert_eq!(chunk_size(b"1A;name=value"), Some(26));
    assert_eq!(chunk_size(b"0"), Some(0));
    assert_eq!(chunk_size(b""), None);
    assert_eq!(chunk_size(b"-1"), None);
    assert_eq!(chunk_size(b"0x10"), None);
    assert_eq!(chunk_size(b"fffffffffffffffff"), None);
}
