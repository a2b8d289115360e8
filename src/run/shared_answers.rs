//! Answers shared between the processes of one cargo-nextest run.
//!
//! nextest runs every trial in a process of its own, and each process plans the whole run:
//! left alone, every `<check>::<case>` trial would send its case again and every fuzz
//! property trial its domain's whole campaign (about 400 requests where one run sends about
//! 60). Under nextest (`NEXTEST_RUN_ID` is set) the first process that needs an answer sends
//! the request and stores the answer; the others wait for it and read it. So a nextest run
//! sends about what one run sends, whichever trials it selects.
//!
//! What is stored: the response (status, headers, body) and the URL, never the request's
//! headers, so the credential is never written; an answer that echoes the key is not stored
//! at all (each process that needs it sends it). Failed requests are not shared either: a
//! dead target is found dead by each process, within its own stall breaker.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::http::client::RequestSpec;
use crate::http::exchange::{Exchange, SentRequest};
use crate::message::redact::Redactor;

/// The environment variable nextest sets for every test process of one run.
pub const RUN_ID_VAR: &str = "NEXTEST_RUN_ID";

/// The store of one nextest run, or none outside nextest.
#[derive(Debug, Clone)]
pub struct SharedAnswers {
    dir: PathBuf,
    salt: String,
    /// How long to wait for another process's answer before sending the request here.
    wait: Duration,
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    url: String,
    raw_path: String,
    status: u16,
    headers: Vec<(String, String)>,
    body_truncated: bool,
    body_cap: usize,
    elapsed_ms: u64,
}

impl SharedAnswers {
    /// The store for this process, when it runs under nextest. `scope` separates runs with
    /// different targets or options that happen to share a nextest run id.
    pub fn for_nextest(scope: &str, wait: Duration) -> Option<SharedAnswers> {
        let run_id = std::env::var(RUN_ID_VAR).ok().filter(|id| !id.is_empty())?;
        let root = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("CARGO_MANIFEST_DIR").map(|dir| PathBuf::from(dir).join("target"))
            })
            .unwrap_or_else(std::env::temp_dir);
        let runs = root.join("mjconform").join("nextest");
        prune_old_runs(&runs);
        let dir = runs
            .join(sanitize(&run_id))
            .join(&hex_digest(&[&run_id, scope])[..16]);
        std::fs::create_dir_all(&dir).ok()?;
        Some(SharedAnswers {
            dir,
            salt: run_id,
            wait,
        })
    }

    /// The answer to `request`: read from the store, or sent with `send` and stored. Errors
    /// are never stored, and neither is an answer that holds a secret.
    pub fn answer(
        &self,
        request: &RequestSpec,
        sent_url: &str,
        redactor: &Redactor,
        send: impl FnOnce() -> Result<Exchange, crate::errors::RequestError>,
    ) -> Result<Exchange, crate::errors::RequestError> {
        // Answers read off the socket carry wire facts the store does not keep.
        if request.reader != crate::http::client::Reader::Library {
            return send();
        }
        let key = self.key_of(request, sent_url);
        let meta = self.dir.join(format!("{key}.json"));
        let body = self.dir.join(format!("{key}.body"));
        let lock = self.dir.join(format!("{key}.lock"));
        if let Some(exchange) = read(&meta, &body, request) {
            return Ok(exchange);
        }
        let owner = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
            .is_ok();
        if !owner {
            // Another process is sending it: wait for its answer, then send it here if it
            // never comes (that process failed, or the answer was not storable).
            let deadline = Instant::now() + self.wait;
            while Instant::now() < deadline && lock.exists() {
                if let Some(exchange) = read(&meta, &body, request) {
                    return Ok(exchange);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            if let Some(exchange) = read(&meta, &body, request) {
                return Ok(exchange);
            }
            return send();
        }
        let answer = send();
        if let Ok(exchange) = &answer {
            // The redactor's own test, which knows every encoding a report masks
            // (`\u0073k-…` included): what a report would mask is never written here.
            let holds_secret = redactor.holds_secret(&String::from_utf8_lossy(&exchange.body))
                || exchange.headers.iter().any(|(name, value)| {
                    redactor.holds_secret(name) || redactor.holds_secret(value)
                })
                || redactor.holds_secret(&exchange.request.url)
                || redactor.holds_secret(&exchange.request.raw_path);
            // A decoded body is stored only with what decoding did; the store keeps neither,
            // so such an answer is sent again by each process.
            if !holds_secret && exchange.content_coding.is_none() {
                let _ = write(&meta, &body, exchange);
            }
        }
        let _ = std::fs::remove_file(&lock);
        answer
    }

    /// Runs `check` once per nextest run (the preflight): the first process runs it and,
    /// when it passes, records so; the others wait for that record and skip the check, so
    /// the target sees one preflight per run, not one per process. A failure is not
    /// recorded: a process that finds no record in time runs the check itself and reports
    /// what it finds.
    pub fn once<E>(&self, name: &str, check: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        let key = &hex_digest(&[&self.salt, "once", name])[..32];
        let done = self.dir.join(format!("{key}.done"));
        let lock = self.dir.join(format!("{key}.lock"));
        if done.exists() {
            return Ok(());
        }
        let owner = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
            .is_ok();
        if !owner {
            let deadline = Instant::now() + self.wait;
            while Instant::now() < deadline && lock.exists() && !done.exists() {
                std::thread::sleep(Duration::from_millis(10));
            }
            if done.exists() {
                return Ok(());
            }
            return check();
        }
        let outcome = check();
        if outcome.is_ok() {
            let _ = std::fs::write(&done, b"ok");
        }
        let _ = std::fs::remove_file(&lock);
        outcome
    }

    fn key_of(&self, request: &RequestSpec, sent_url: &str) -> String {
        let mut parts: Vec<&str> = vec![
            &self.salt,
            sent_url,
            request.method.as_str(),
            &request.raw_path,
        ];
        for (name, value) in &request.headers {
            parts.push(name);
            parts.push(value);
        }
        hex_digest(&parts)[..32].to_owned()
    }
}

fn read(meta: &Path, body: &Path, request: &RequestSpec) -> Option<Exchange> {
    let stored: Stored = serde_json::from_slice(&std::fs::read(meta).ok()?).ok()?;
    let bytes = std::fs::read(body).ok()?;
    Some(Exchange {
        request: SentRequest {
            method: request.method.as_str().to_owned(),
            url: stored.url,
            raw_path: stored.raw_path,
            headers: request.headers.clone(),
        },
        status: stored.status,
        headers: stored.headers,
        body: bytes,
        body_truncated: stored.body_truncated,
        body_cap: stored.body_cap,
        elapsed: Duration::from_millis(stored.elapsed_ms),
        time_limit: None,
        wire: None,
        content_coding: None,
        parsed: Default::default(),
    })
}

/// Writes the body, then the metadata by rename: a reader that finds the metadata finds a
/// whole answer.
fn write(meta: &Path, body: &Path, exchange: &Exchange) -> std::io::Result<()> {
    std::fs::write(body, &exchange.body)?;
    let stored = Stored {
        url: exchange.request.url.clone(),
        raw_path: exchange.request.raw_path.clone(),
        status: exchange.status,
        headers: exchange.headers.clone(),
        body_truncated: exchange.body_truncated,
        body_cap: exchange.body_cap,
        elapsed_ms: u64::try_from(exchange.elapsed.as_millis()).unwrap_or(u64::MAX),
    };
    let temporary = meta.with_extension(format!("tmp{}", std::process::id()));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(&serde_json::to_vec(&stored).map_err(std::io::Error::other)?)?;
    drop(file);
    std::fs::rename(&temporary, meta)
}

/// Removes the stores of runs that ended long ago, so the directory does not grow forever.
fn prune_old_runs(runs: &Path) {
    const KEPT_FOR: Duration = Duration::from_secs(6 * 3600);
    let Ok(entries) = std::fs::read_dir(runs) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > KEPT_FOR);
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn hex_digest(parts: &[&str]) -> String {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    fn store(dir: &Path) -> SharedAnswers {
        SharedAnswers {
            dir: dir.to_owned(),
            salt: "run".into(),
            wait: Duration::from_millis(200),
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("mjconform-shared-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_second_process_reads_what_the_first_sent() {
        let dir = scratch("reads");
        let request = RequestSpec::get(
            "/mj/task/1/fetch",
            vec![("authorization".into(), "Bearer sekrit-key-123".into())],
        );
        let redactor = Redactor::new(["sekrit-key-123"]);
        let first = store(&dir)
            .answer(&request, "http://h/", &redactor, || {
                Ok(answer(200, Some("application/json"), "{\"id\":\"1\"}"))
            })
            .unwrap();
        let second = store(&dir)
            .answer(&request, "http://h/", &redactor, || {
                panic!("must not send again")
            })
            .unwrap();
        assert_eq!(second.status, first.status);
        assert_eq!(second.body, first.body);
        assert_eq!(second.request.headers, request.headers);
        // Nothing written holds the key.
        for entry in std::fs::read_dir(&dir).unwrap() {
            let text = String::from_utf8_lossy(&std::fs::read(entry.unwrap().path()).unwrap())
                .into_owned();
            assert!(!text.contains("sekrit-key-123"), "{text}");
        }
    }

    #[test]
    fn an_answer_echoing_the_key_is_not_stored() {
        // As given, JSON-escaped (`\u0073…`, which every JSON client decodes to the key),
        // percent-encoded with escapes no fixed form foresees, and a long piece of it.
        for (index, echo) in [
            "bad key sekrit-key-123",
            r#"{"error":"bad key \u0073ekrit-key-123"}"#,
            r#"{"error":"\u0073\u0065\u006b\u0072\u0069\u0074-key-123"}"#,
            "bad key %73ekrit%2Dkey-123",
            "bad key ekrit-key-12",
        ]
        .into_iter()
        .enumerate()
        {
            let dir = scratch(&format!("echo-{index}"));
            let request = RequestSpec::get("/x", Vec::new());
            let redactor = Redactor::new(["sekrit-key-123"]);
            store(&dir)
                .answer(&request, "http://h/", &redactor, || {
                    Ok(answer(401, Some("application/json"), echo))
                })
                .unwrap();
            for file in std::fs::read_dir(&dir).unwrap() {
                let text = std::fs::read_to_string(file.unwrap().path()).unwrap_or_default();
                assert!(!redactor.holds_secret(&text), "{echo}: {text}");
            }
            let mut sent_again = false;
            store(&dir)
                .answer(&request, "http://h/", &redactor, || {
                    sent_again = true;
                    Ok(answer(401, Some("text/plain"), "x"))
                })
                .unwrap();
            assert!(sent_again, "{echo}");
        }
    }
}
