//! Escaping for the markup reports: everything a report shows came from the target (bodies,
//! headers, ids it echoed), so every piece of text is hostile until escaped here.

/// Text safe inside HTML elements and quoted attribute values.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters (other than line breaks and tabs) are not text a page can
            // show; a visible replacement says something was there.
            c if c.is_control() && !matches!(c, '\n' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Text safe inline in a Markdown paragraph or list item: HTML-escaped (GitHub and GitLab
/// render entities), Markdown's inline punctuation backslash-escaped, on one line.
pub fn markdown_inline(text: &str) -> String {
    let one_line = text.replace(['\r', '\n'], " ");
    let mut out = String::with_capacity(one_line.len() + 8);
    for c in html(&one_line).chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A fenced code block holding `text` verbatim: the fence is longer than any run of
/// backticks inside, so the text cannot close it.
pub fn code_block(language: &str, text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!(
        "{fence}{language}\n{}\n{fence}\n",
        text.trim_end_matches('\n')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<script>alert("x&'y")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;&#39;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(html("a\u{1b}[31mb\n"), "a\u{FFFD}[31mb\n");
    }

    #[test]
    fn markdown_inline_neutralises_emphasis_links_tables_and_lines() {
        assert_eq!(
            markdown_inline("*a* _b_ [c](d) e|f `g`\n<h1>"),
            r"\*a\* \_b\_ \[c\](d) e\|f \`g\` &lt;h1&gt;"
        );
    }

    #[test]
    fn a_code_block_outlasts_backticks_inside() {
        let block = code_block("sh", "echo ```` done");
        assert!(block.starts_with("`````sh\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
    }
}
