//! One trial's evidence in the HTML report: its findings as a table, the request (curl) and
//! the answer, the body excerpt laid out one member per line with each finding's value
//! marked, and the snapshot diff. Everything shown came from the target and is escaped.

use std::fmt::Write as _;
use std::ops::Range;

use super::escape::html;
use super::json_span;
use crate::run::outcome::{ExchangeRecord, FindingRecord, RECORD_BODY_EXCERPT};

pub(super) fn findings_table(out: &mut String, findings: &[FindingRecord]) {
    if findings.is_empty() {
        return;
    }
    out.push_str(
        "<table class=\"findings\"><thead><tr><th>where</th><th>rule</th><th>expected</th><th>actual</th><th>finding</th></tr></thead><tbody>\n",
    );
    let cell = |text: &Option<String>| {
        text.as_deref()
            .map(|text| format!("<code>{}</code>", html(text)))
            .unwrap_or_default()
    };
    for finding in findings {
        let pointer = match finding.pointer.as_deref() {
            Some("") => "<code>(root)</code>".to_owned(),
            _ => cell(&finding.pointer),
        };
        write!(
            out,
            "<tr><td>{pointer}</td><td>{}</td><td>{}</td><td>{}</td><td>{}",
            cell(&finding.rule),
            cell(&finding.expected),
            cell(&finding.actual),
            html(&finding.message)
        )
        .unwrap();
        if let Some(reason) = &finding.accepted_because {
            write!(
                out,
                " <span class=\"muted\">(accepted: {})</span>",
                html(reason)
            )
            .unwrap();
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

/// The curl line, the answer's status and headers, and the body excerpt with the findings'
/// values marked.
pub(super) fn exchange_parts(out: &mut String, exchange: &ExchangeRecord, findings: &[FindingRecord]) {
    writeln!(
        out,
        "<p class=\"label\">Reproduce</p>\n<pre class=\"curl\">{}</pre>",
        html(&exchange.curl)
    )
    .unwrap();
    let Some(status) = exchange.status else {
        out.push_str("<p class=\"label\">Answer: none</p>\n");
        return;
    };
    let elapsed = exchange
        .elapsed_ms
        .map(|ms| format!(" in {ms} ms"))
        .unwrap_or_default();
    writeln!(
        out,
        "<p class=\"label\">Answer: status {status}, {} body bytes{}{elapsed}</p>",
        exchange.body_bytes,
        if exchange.body_truncated {
            " (cut at the cap)"
        } else {
            ""
        }
    )
    .unwrap();
    if !exchange.response_headers.is_empty() {
        out.push_str("<details><summary class=\"muted\">Headers</summary><pre>");
        for (name, value) in &exchange.response_headers {
            writeln!(out, "{}: {}", html(name), html(value)).unwrap();
        }
        out.push_str("</pre></details>\n");
    }
    if let Some(excerpt) = &exchange.body_excerpt {
        if excerpt.is_empty() {
            out.push_str("<p class=\"muted\">(empty body)</p>\n");
            return;
        }
        // The excerpt is redacted, so its length is no measure of the cut: the record's
        // limit is.
        let shown = if exchange.body_bytes > RECORD_BODY_EXCERPT {
            format!(
                " <span class=\"muted\">(the first {RECORD_BODY_EXCERPT} of {} bytes)</span>",
                exchange.body_bytes
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "<p class=\"label\">Body{shown}</p>\n<pre class=\"json\">{}</pre>",
            highlighted(excerpt, findings)
        )
        .unwrap();
    }
}

/// The excerpt, escaped, with each finding's value wrapped in `<mark>`: overlapping spans
/// (a value inside another finding's value) merge into one. A JSON body is laid out one
/// member per line, indented, so a reader finds the marked value; line breaks go only
/// between tokens, never inside a string or a number.
fn highlighted(excerpt: &str, findings: &[FindingRecord]) -> String {
    let mut spans: Vec<(Range<usize>, String)> = findings
        .iter()
        .filter_map(|finding| {
            let pointer = finding.pointer.as_deref()?;
            json_span::locate(excerpt, pointer).map(|span| (span, pointer.to_owned()))
        })
        .collect();
    spans.sort_by_key(|(span, _)| (span.start, std::cmp::Reverse(span.end)));
    let mut merged: Vec<(Range<usize>, Vec<String>)> = Vec::new();
    for (span, pointer) in spans {
        match merged.last_mut() {
            Some((last, pointers)) if span.start < last.end => {
                last.end = last.end.max(span.end);
                if !pointers.contains(&pointer) {
                    pointers.push(pointer);
                }
            }
            _ => merged.push((span, vec![pointer])),
        }
    }
    let pretty = matches!(excerpt.trim_start().chars().next(), Some('{' | '['));
    let mut out = String::with_capacity(excerpt.len() * 2 + 64);
    let mut marks = merged.iter().peekable();
    let mut open: Option<usize> = None;
    let mut layout = Layout::default();
    let mut chars = excerpt.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if open == Some(at) {
            out.push_str("</mark>");
            open = None;
        }
        if open.is_none() {
            if let Some((span, pointers)) = marks.next_if(|(span, _)| span.start <= at) {
                write!(out, "<mark title=\"{}\">", html(&pointers.join(", "))).unwrap();
                open = Some(span.end);
            }
        }
        if !pretty {
            out.push_str(&html(c.encode_utf8(&mut [0; 4])));
            continue;
        }
        let next = chars
            .clone()
            .map(|(_, c)| c)
            .find(|c| !c.is_ascii_whitespace());
        layout.push(&mut out, c, next);
    }
    if open.is_some() {
        out.push_str("</mark>");
    }
    out
}

/// A JSON text's layout, one character at a time: whitespace outside strings is replaced by
/// a newline and indent after `{`, `[` and `,` and before `}` and `]`, and one space after
/// `:`. Empty objects and arrays stay `{}` and `[]`.
#[derive(Default)]
struct Layout {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Layout {
    fn push(&mut self, out: &mut String, c: char, next: Option<char>) {
        if self.in_string {
            out.push_str(&html(c.encode_utf8(&mut [0; 4])));
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' {
                self.escaped = true;
            } else if c == '"' {
                self.in_string = false;
            }
            return;
        }
        let newline = |out: &mut String, depth: usize| {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        };
        match c {
            c if c.is_ascii_whitespace() => {}
            '"' => {
                self.in_string = true;
                out.push_str("&quot;");
            }
            '{' | '[' => {
                out.push(c);
                self.depth += 1;
                if !matches!(next, Some('}' | ']')) {
                    newline(out, self.depth);
                }
            }
            '}' | ']' => {
                self.depth = self.depth.saturating_sub(1);
                if !out.ends_with('{') && !out.ends_with('[') {
                    newline(out, self.depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(out, self.depth);
            }
            ':' => out.push_str(": "),
            c => out.push_str(&html(c.encode_utf8(&mut [0; 4]))),
        }
    }
}

pub(super) fn diff_block(out: &mut String, diff: &str) {
    out.push_str("<pre class=\"diff\">");
    for line in diff.lines() {
        let class = if line.starts_with("@@") {
            Some("hunk")
        } else if line.starts_with('+') && !line.starts_with("+++") {
            Some("add")
        } else if line.starts_with('-') && !line.starts_with("---") {
            Some("del")
        } else {
            None
        };
        match class {
            Some(class) => writeln!(out, "<span class=\"{class}\">{}</span>", html(line)).unwrap(),
            None => writeln!(out, "{}", html(line)).unwrap(),
        }
    }
    out.push_str("</pre>\n");
}


#[cfg(test)]
mod tests {
    use super::*;

    fn finding(pointer: &str) -> FindingRecord {
        FindingRecord {
            pointer: Some(pointer.to_owned()),
            rule: None,
            expected: None,
            actual: None,
            message: "m".to_owned(),
            accepted_because: None,
        }
    }

    #[test]
    fn marks_each_pointer_value_and_escapes_around_it() {
        let body = r#"{"a":"<b>, {x}","progress":7,"n":{"x":1},"e":[]}"#;
        let out = highlighted(body, &[finding("/progress"), finding("/a")]);
        assert_eq!(
            out,
            "{\n  &quot;a&quot;: <mark title=\"/a\">&quot;&lt;b&gt;, {x}&quot;</mark>,\n  \
             &quot;progress&quot;: <mark title=\"/progress\">7</mark>,\n  \
             &quot;n&quot;: {\n    &quot;x&quot;: 1\n  },\n  &quot;e&quot;: []\n}"
        );
    }

    #[test]
    fn a_body_that_is_not_json_keeps_its_layout() {
        let body = "<html>\n  <b>oops</b>, {not json}";
        assert_eq!(
            highlighted(body, &[]),
            "&lt;html&gt;\n  &lt;b&gt;oops&lt;/b&gt;, {not json}"
        );
    }

    #[test]
    fn nested_spans_merge_into_one_mark() {
        let body = r#"{"n":{"x":1}}"#;
        let out = highlighted(body, &[finding("/n/x"), finding("/n")]);
        assert_eq!(out.matches("<mark").count(), 1, "{out}");
        assert!(out.contains(r#"title="/n, /n/x""#), "{out}");
    }
}
