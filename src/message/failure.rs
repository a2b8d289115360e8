//! Renders what a person needs to act on a failed trial: the check, the request as a
//! curl command, the answer, and each finding. Every string passes through the
//! [`Redactor`], so the key never reaches the terminal, even when the server echoes it.

use std::fmt::Write as _;

use crate::checks::{Check, Finding};
use crate::http::client::ClientLimits;
use crate::http::exchange::{Exchange, SentRequest};
use crate::message::redact::{Redactor, SECRET_PLACEHOLDER};

/// Response headers worth showing: the ones that explain a status or a body.
const RELEVANT_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "transfer-encoding",
    "content-encoding",
    "location",
    "www-authenticate",
    "retry-after",
    "x-request-id",
];

/// How much of a body a report shows.
pub const BODY_EXCERPT_BYTES: usize = 1024;

/// The request as a curl command a person can paste and run. A credential header names the
/// key as `$MJ_API_KEY` (the variable, never the value), so the command reproduces the
/// failure once the variable is set; a credential that holds no secret (a generated wrong
/// key of a run without a key, a fuzzed text token) is shown as sent. `--path-as-is` keeps
/// curl from rewriting the path, so the server gets the same bytes.
pub fn curl_command(request: &SentRequest, limits: &ClientLimits, redactor: &Redactor) -> String {
    // `--head` for HEAD: `-X HEAD` would make curl wait for a body that must not come.
    let method = match request.method.as_str() {
        "GET" => String::new(),
        "HEAD" => " --head".to_owned(),
        other => format!(" -X {other}"),
    };
    let mut command = format!(
        "curl -sS -i --path-as-is --max-time {}{method} {}",
        limits.timeout.as_secs_f64().ceil() as u64,
        shell_quote(&request.url)
    );
    for (name, value) in &request.headers {
        let header = format!("{name}: {value}");
        let word = if is_credential_header(name) {
            credential_word(&header, redactor)
        } else {
            shell_quote(&header)
        };
        write!(command, " -H {word}").unwrap();
    }
    // A second guard: whatever a header held, no secret leaves this function.
    redactor.redact(&command)
}

/// Request headers as reports show them: the key (and what is derived from it) redacted; a
/// credential that holds no secret is shown as sent, since it is what reproduces the case.
pub fn masked_headers(headers: &[(String, String)], redactor: &Redactor) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| (name.clone(), redactor.redact(value)))
        .collect()
}

/// Whether a request header can carry a secret.
fn is_credential_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "authorization"
        || name == "proxy-authorization"
        || name.contains("secret")
        || name.contains("key")
        || name.contains("token")
}

/// The shell variable reproductions read the key from.
pub const KEY_VARIABLE: &str = "MJ_API_KEY";

/// Where [`Redactor::name_secrets`] found the key and its wrong-key form; never in a header.
const KEY_MARK: &str = "\u{0}key\u{0}";
const WRONG_KEY_MARK: &str = "\u{0}wrong-key\u{0}";

/// A credential header as one shell word that rebuilds what was sent from `$MJ_API_KEY`:
/// the key itself, the wrong key mjconform derives from it (`auth::wrong_key_like`: every
/// letter and digit one step on, which `tr` redoes), and the symbolic forms of fuzzed
/// credentials (`***` the key, `***[..5]` its first five characters, `{a × 300}` a run).
/// Double-quoted when it expands the variable, single-quoted when it holds no secret.
fn credential_word(header: &str, redactor: &Redactor) -> String {
    let named = redactor.name_secrets(header, KEY_MARK, WRONG_KEY_MARK);
    let key = format!("${KEY_VARIABLE}");
    let mut word = String::new();
    let mut expands = false;
    let mut rest = named.as_str();
    while let Some(c) = rest.chars().next() {
        let (piece, used) = if let Some(after) = rest.strip_prefix(KEY_MARK) {
            (Some(key.clone()), rest.len() - after.len())
        } else if let Some(after) = rest.strip_prefix(WRONG_KEY_MARK) {
            (
                Some(format!(
                    "$(printf %s \"{key}\" | tr a-zA-Z0-9 b-zaB-ZA1-90)"
                )),
                rest.len() - after.len(),
            )
        } else if let Some((n, used)) = cut_of_key(rest) {
            (Some(format!("$(printf %.{n}s \"{key}\")")), used)
        } else if let Some(after) = rest.strip_prefix(SECRET_PLACEHOLDER) {
            (Some(key.clone()), rest.len() - after.len())
        } else if let Some((unit, count, used)) = run_of(rest) {
            (
                Some(format!("$(printf %{count}s '' | tr ' ' '{unit}')")),
                used,
            )
        } else {
            (None, c.len_utf8())
        };
        match piece {
            Some(piece) => {
                expands = true;
                word.push_str(&piece);
            }
            None => {
                if matches!(c, '"' | '\\' | '$' | '`') {
                    word.push('\\');
                }
                word.push(c);
            }
        }
        rest = &rest[used..];
    }
    if expands {
        format!("\"{word}\"")
    } else {
        shell_quote(header)
    }
}

/// `***[..N]` at the start of `text`: the first N characters of the key.
fn cut_of_key(text: &str) -> Option<(usize, usize)> {
    let digits = text.strip_prefix(SECRET_PLACEHOLDER)?.strip_prefix("[..")?;
    let end = digits.find(']')?;
    let n = digits[..end].parse().ok()?;
    Some((n, SECRET_PLACEHOLDER.len() + 3 + end + 1))
}

/// `{a × 300}` at the start of `text`: one character repeated, as fuzzed credentials
/// are shown. Only characters `tr` takes as themselves inside single quotes qualify.
fn run_of(text: &str) -> Option<(char, usize, usize)> {
    let inner = text.strip_prefix('{')?;
    let mut chars = inner.chars();
    let unit = chars.next()?;
    let after = chars.as_str().strip_prefix(" × ")?;
    let end = after.find('}')?;
    let count: usize = after[..end].parse().ok()?;
    let plain = unit.is_ascii_graphic() && !matches!(unit, '\'' | '\\' | '-' | '[');
    let used = text.len() - after.len() + end + 1;
    (plain || unit == ' ').then_some((unit, count, used))
}

/// POSIX shell single-quoting.
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b))
    {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The answer's status line, relevant headers and a capped body excerpt.
pub fn describe_answer(exchange: &Exchange, redactor: &Redactor) -> String {
    describe_answer_around(exchange, redactor, &[])
}

/// Bytes shown either side of a finding's value in a long body.
pub const CONTEXT_BYTES: usize = 200;

/// [`describe_answer`], and for a body longer than the excerpt, the part around each of
/// `pointers` (the findings' JSON pointers) that the excerpt does not show: a finding about
/// `/buttons/40/customId` is useless next to the first kilobyte alone.
pub fn describe_answer_around(
    exchange: &Exchange,
    redactor: &Redactor,
    pointers: &[&str],
) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "status:   {} ({} ms)",
        exchange.status,
        exchange.elapsed.as_millis()
    )
    .unwrap();
    for (name, value) in &exchange.headers {
        if RELEVANT_HEADERS.contains(&name.as_str()) {
            writeln!(out, "header:   {name}: {}", redactor.redact(value)).unwrap();
        }
    }
    let body = &exchange.body;
    let shown = floor_char_boundary(body, body.len().min(BODY_EXCERPT_BYTES));
    let mut note = Vec::new();
    if let Some(coding) = &exchange.content_coding {
        note.push(match &coding.problem {
            None => format!(
                "decoded from Content-Encoding: {}, {} bytes on the wire",
                coding.label(),
                coding.wire_bytes
            ),
            Some(_) => format!(
                "as it arrived: it does not decode as Content-Encoding: {}",
                coding.label()
            ),
        });
    }
    if exchange.body_truncated {
        note.push(format!(
            "first {shown} bytes; the body is longer than the {}-byte cap and reading stopped there",
            exchange.body_cap
        ));
    } else if shown < body.len() {
        note.push(format!("first {shown} of {} bytes read", body.len()));
    }
    let note = if note.is_empty() {
        String::new()
    } else {
        format!(" ({})", note.join("; "))
    };
    if body.is_empty() {
        writeln!(out, "body:     (empty)").unwrap();
        return out;
    }
    writeln!(out, "body{note}:").unwrap();
    write_excerpt(&mut out, &redactor.redact_bytes(&body[..shown]));
    // The parts already shown: the excerpt, then each window.
    let mut covered: Vec<std::ops::Range<usize>> = Vec::new();
    covered.push(0..shown);
    // In body order, so the windows read top to bottom.
    let mut spans: Vec<(std::ops::Range<usize>, &str)> = pointers
        .iter()
        .filter_map(|pointer| {
            crate::message::pointer_span::pointer_span(body, pointer).map(|span| (span, *pointer))
        })
        .collect();
    spans.sort_by_key(|(span, _)| span.start);
    for (span, pointer) in spans {
        if covered
            .iter()
            .any(|shown| span.start >= shown.start && span.end <= shown.end)
        {
            continue;
        }
        let start = ceil_char_boundary(body, span.start.saturating_sub(CONTEXT_BYTES));
        let end = floor_char_boundary(
            body,
            (span.end + CONTEXT_BYTES)
                .min(start + BODY_EXCERPT_BYTES)
                .min(body.len()),
        );
        if start >= end {
            continue;
        }
        writeln!(
            out,
            "body bytes {start}..{end} of {}, around {pointer}:",
            body.len()
        )
        .unwrap();
        write_excerpt(&mut out, &redactor.redact_bytes(&body[start..end]));
        covered.push(start..end);
    }
    out
}

fn write_excerpt(out: &mut String, excerpt: &str) {
    for line in excerpt.lines() {
        writeln!(out, "  | {line}").unwrap();
    }
}

/// The largest index at most `at` that does not split a UTF-8 sequence (bodies are bytes;
/// a cut through a character would show as a replacement character).
fn floor_char_boundary(body: &[u8], at: usize) -> usize {
    let mut at = at.min(body.len());
    while at > 0 && at < body.len() && (body[at] & 0xC0) == 0x80 {
        at -= 1;
    }
    at
}

/// The smallest index at least `at` that does not split a UTF-8 sequence.
fn ceil_char_boundary(body: &[u8], at: usize) -> usize {
    let mut at = at.min(body.len());
    while at < body.len() && (body[at] & 0xC0) == 0x80 {
        at += 1;
    }
    at
}

/// The pointers of `findings`, for [`describe_answer_around`].
pub fn pointers_of(findings: &[Finding]) -> Vec<&str> {
    findings
        .iter()
        .filter_map(|finding| finding.pointer.as_deref())
        .collect()
}

/// The full message of a failed trial: the server broke the contract.
pub fn contract_failure(
    check: Check,
    exchange: &Exchange,
    findings: &[Finding],
    limits: &ClientLimits,
    redactor: &Redactor,
) -> String {
    let mut out = String::new();
    writeln!(out, "FAILURE: the server broke the contract").unwrap();
    writeln!(out, "check:    {check}: {}", check.purpose()).unwrap();
    writeln!(
        out,
        "request:  {}",
        curl_command(&exchange.request, limits, redactor)
    )
    .unwrap();
    out.push_str(&describe_answer_around(
        exchange,
        redactor,
        &pointers_of(findings),
    ));
    writeln!(out, "findings:").unwrap();
    for finding in findings {
        writeln!(out, "  - {}", redactor.redact(&finding.to_string())).unwrap();
    }
    out
}

/// The known deviations of a failed trial, after its new findings: marked as such, each
/// with the baseline's reason. Empty when there are none.
pub fn known_deviations(known: &[(Finding, String)], redactor: &Redactor) -> String {
    if known.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "known deviations (accepted by the baseline, {}):\n",
        known.len()
    );
    for (finding, reason) in known {
        writeln!(
            out,
            "  ~ {} (known: {})",
            redactor.redact(&finding.to_string()),
            redactor.redact(reason)
        )
        .unwrap();
    }
    out
}

/// The full message of a trial whose check could not run (no answer to judge).
pub fn run_error(
    check: Check,
    request: &SentRequest,
    reason: &str,
    limits: &ClientLimits,
    redactor: &Redactor,
) -> String {
    let mut out = String::new();
    writeln!(out, "ERROR: the check could not run").unwrap();
    writeln!(out, "check:    {check}: {}", check.purpose()).unwrap();
    writeln!(out, "request:  {}", curl_command(request, limits, redactor)).unwrap();
    writeln!(out, "reason:   failed to {}", redactor.redact(reason)).unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    #[test]
    fn curl_names_the_key_by_its_variable() {
        let redactor = Redactor::new(["sk-live-123"]);
        let mut request = answer(200, None, "").request;
        request.headers = vec![
            ("authorization".into(), "Bearer sk-live-123".into()),
            ("mj-api-secret".into(), "sk-live-123".into()),
            ("accept".into(), "application/json".into()),
        ];
        let curl = curl_command(&request, &ClientLimits::default(), &redactor);
        assert_eq!(
            curl,
            "curl -sS -i --path-as-is --max-time 10 http://127.0.0.1:1/mj/task/1/fetch \
             -H \"authorization: Bearer $MJ_API_KEY\" -H \"mj-api-secret: $MJ_API_KEY\" \
             -H 'accept: application/json'"
        );
    }

    /// Runs `word` through sh with `MJ_API_KEY` set, as a person pasting the line would.
    fn sh_expands(word: &str, key: &str) -> String {
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {word}"))
            .env("MJ_API_KEY", key)
            .output()
            .expect("sh runs");
        String::from_utf8(output.stdout).expect("UTF-8")
    }

    #[test]
    fn every_credential_form_rebuilds_what_was_sent() {
        let key = "sk-live-123";
        let redactor = Redactor::new([key]);
        let wrong = crate::http::auth::wrong_key_like(key);
        for (sent, shown) in [
            (
                format!("authorization: Bearer {key}"),
                format!("authorization: Bearer {key}"),
            ),
            (
                format!("authorization: Bearer {wrong}"),
                format!("authorization: Bearer {wrong}"),
            ),
            (
                "authorization: Bearer ***[..5]".to_owned(),
                "authorization: Bearer sk-li".to_owned(),
            ),
            (
                "authorization: x***".to_owned(),
                format!("authorization: x{key}"),
            ),
            (
                "authorization: {a × 40}".to_owned(),
                format!("authorization: {}", "a".repeat(40)),
            ),
            (
                "authorization: Bearer ".to_owned(),
                "authorization: Bearer ".to_owned(),
            ),
            (
                "authorization: it's \"$x\"".to_owned(),
                "authorization: it's \"$x\"".to_owned(),
            ),
        ] {
            let word = credential_word(&sent, &redactor);
            assert!(!redactor.leaks(&word), "{word}");
            assert_eq!(sh_expands(&word, key), shown, "{sent} as {word}");
        }
    }

    #[test]
    fn a_credential_without_a_secret_is_shown_as_sent() {
        // A run without a key sends a generated wrong key, which is no secret.
        let redactor = Redactor::default();
        let mut request = answer(200, None, "").request;
        request.headers = vec![("authorization".into(), "Bearer nkdpogpsn-lfz".into())];
        let curl = curl_command(&request, &ClientLimits::default(), &redactor);
        assert!(
            curl.ends_with("-H 'authorization: Bearer nkdpogpsn-lfz'"),
            "{curl}"
        );
    }

    #[test]
    fn shell_quoting_is_safe() {
        assert_eq!(shell_quote("abc"), "abc");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn echoed_keys_are_redacted_from_the_answer() {
        let redactor = Redactor::new(["sk-live-123"]);
        let mut exchange = answer(401, Some("text/plain"), "bad key sk-live-123");
        exchange
            .headers
            .push(("www-authenticate".into(), "Bearer sk-live-123".into()));
        let text = describe_answer(&exchange, &redactor);
        assert!(!text.contains("sk-live-123"), "{text}");
        assert!(text.contains("bad key ***"));
    }

    #[test]
    fn a_long_body_shows_the_part_each_finding_is_about() {
        let filler: Vec<String> = (0..200)
            .map(|n| format!("{{\"customId\": \"ok-{n}\"}}"))
            .collect();
        let mut buttons = filler.join(", ");
        buttons.push_str(", {\"customId\": \"BROKEN sk-live-123\"}");
        let body = format!("{{\"id\": \"1\", \"buttons\": [{buttons}]}}");
        let exchange = answer(200, Some("application/json"), &body);
        let redactor = Redactor::new(["sk-live-123"]);
        let text = describe_answer_around(&exchange, &redactor, &["/buttons/200/customId", "/id"]);
        assert!(text.contains("first 1024 of"), "{text}");
        assert!(text.contains("around /buttons/200/customId:"), "{text}");
        assert!(text.contains("\"BROKEN ***\""), "{text}");
        // `/id` is in the first kilobyte already: no second excerpt of it.
        assert!(!text.contains("around /id"), "{text}");
        assert!(text.len() < 2 * BODY_EXCERPT_BYTES + 600, "{}", text.len());
    }

    #[test]
    fn excerpts_never_split_a_character() {
        let body = "é".repeat(1000);
        let exchange = answer(200, Some("text/plain"), &body);
        let text = describe_answer(&exchange, &Redactor::default());
        assert!(!text.contains('\u{FFFD}'), "{text}");
    }

    #[test]
    fn long_bodies_are_capped() {
        let body = "x".repeat(5000);
        let exchange = answer(200, Some("application/json"), &body);
        let text = describe_answer(&exchange, &Redactor::default());
        assert!(text.contains("first 1024 of 5000 bytes read"));
        assert!(text.len() < 1400);
    }
}
