//! Quoting text from the network in errors: bounded, on one line, control characters escaped,
//! and scrubbed of the API key (and of any `Bearer` token) before it is cut, so no key prefix
//! survives a cut and no server can forge log lines or flood a log.
//!
//! Every text an [`Error`](crate::Error) quotes from a response passes through a [`Quoter`]; it
//! is the one place where the key is removed ("redaction"), applied while the error is built.

use std::borrow::Cow;

/// The most characters of a body quoted in an error.
pub(crate) const EXCERPT_CHARS: usize = 512;

/// How much of a body is looked at for an excerpt: enough characters for [`EXCERPT_CHARS`]
/// after whitespace runs are folded, and a key straddling the cut.
const EXCERPT_WINDOW: usize = EXCERPT_CHARS * 8;

/// How much of a body's start [`Quoter::excerpt_of`] needs: the window and any key.
pub(crate) const EXCERPT_SOURCE_BYTES: usize = EXCERPT_WINDOW * 2;

/// What replaces a secret.
const REDACTED: &str = "<redacted>";

/// Keys shorter than this are not scrubbed: they would blank out ordinary words, and configured
/// keys are far longer.
const MIN_SECRET_LEN: usize = 8;

/// Quotes server text for errors, scrubbing `secret` (the request's API key) from it.
#[derive(Clone, Copy, Default)]
pub(crate) struct Quoter<'k> {
    secret: Option<&'k str>,
}

impl<'k> Quoter<'k> {
    /// A quoter that scrubs `secret` and every `Bearer` token.
    pub(crate) fn new(secret: &'k str) -> Self {
        Quoter { secret: (secret.len() >= MIN_SECRET_LEN).then_some(secret) }
    }

    /// A bounded, one-line excerpt of a body, saying how long the body was when it is cut.
    pub(crate) fn excerpt(&self, bytes: &[u8]) -> String {
        self.excerpt_of(bytes, bytes.len())
    }

    /// [`Quoter::excerpt`] of a body of `total` bytes, given its start: at least
    /// [`EXCERPT_SOURCE_BYTES`] of it, or all of it.
    pub(crate) fn excerpt_of(&self, bytes: &[u8], total: usize) -> String {
        if total == 0 {
            return "(empty body)".to_owned();
        }
        // The key is scrubbed from a window a little wider than the excerpt, so a key crossing
        // the cut is scrubbed whole; a key wholly beyond the window is not quoted at all.
        let window = &bytes[..bytes.len().min(EXCERPT_WINDOW + self.secret.map_or(0, str::len))];
        let text = String::from_utf8_lossy(window);
        let mut text = self.scrub(&text);
        // A key cut by the window's end is not found whole; its start must not be quoted either
        // (a body of blanks folds a late key into the excerpt).
        if let Some(secret) = self.secret.filter(|_| window.len() < total) {
            let partial = (4..secret.len()).rev().find(|&len| text.ends_with(&secret[..len]));
            if let Some(len) = partial {
                let keep = text.len() - len;
                text.to_mut().truncate(keep);
            }
        }
        let (line, cut) = one_line(&text, EXCERPT_CHARS);
        if cut || window.len() < total { format!("{line}... ({total} bytes in all)") } else { line }
    }

    /// A server-sent string (message, id, status, JSON path), bounded, on one line, scrubbed.
    pub(crate) fn text(&self, text: &str) -> String {
        let (line, cut) = one_line(&self.scrub(text), EXCERPT_CHARS);
        if cut { format!("{line}…") } else { line }
    }

    /// A server-sent text kept whole (a raw output), scrubbed of the key.
    pub(crate) fn whole(&self, text: &str) -> Box<str> {
        self.scrub(text).into_owned().into_boxed_str()
    }

    fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        if let Some(secret) = self.secret
            && text.contains(secret)
        {
            text = Cow::Owned(text.replace(secret, REDACTED));
        }
        match scrub_bearer(&text) {
            Some(scrubbed) => Cow::Owned(scrubbed),
            None => text,
        }
    }
}

/// `text` with the token after every `Bearer ` replaced, or `None` when there is none.
fn scrub_bearer(text: &str) -> Option<String> {
    const SCHEME: &str = "bearer";
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(SCHEME) {
        let scheme_end = search + found + SCHEME.len();
        search = scheme_end;
        let after = &text[scheme_end..];
        let gap = after.len() - after.trim_start_matches([' ', '\t', ':', '=']).len();
        if gap == 0 {
            continue;
        }
        let token_start = scheme_end + gap;
        let token_len = text[token_start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ',' | ';' | '}' | ']' | '\\'))
            .unwrap_or(text.len() - token_start);
        if token_len == 0 || text[token_start..].starts_with(REDACTED) {
            continue;
        }
        out.push_str(&text[copied..token_start]);
        out.push_str(REDACTED);
        copied = token_start + token_len;
        search = copied;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// `text` on one line of at most `max_chars` characters: runs of whitespace (line breaks
/// included) become one space, other control characters are escaped (`\u{1b}`). Also says
/// whether anything was cut.
fn one_line(text: &str, max_chars: usize) -> (String, bool) {
    let mut out = String::with_capacity(text.len().min(max_chars + 16));
    let mut chars = 0;
    let mut in_space = false;
    for c in text.trim().chars() {
        if chars >= max_chars {
            return (out, true);
        }
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
                chars += 1;
            }
            in_space = true;
            continue;
        }
        in_space = false;
        if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{feff}') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
        chars += 1;
    }
    (out, false)
}

/// `text` cut to `max_chars` characters on one line, for messages about the caller's own data
/// (nothing secret in it).
pub(crate) fn bounded_to(text: &str, max_chars: usize) -> String {
    let (line, cut) = one_line(text, max_chars);
    if cut { format!("{line}…") } else { line }
}

/// [`bounded_to`] at the excerpt length.
pub(crate) fn bounded(text: &str) -> String {
    bounded_to(text, EXCERPT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_and_say_how_long_the_body_was() {
        let body = "é".repeat(10_000);
        let cut = Quoter::default().excerpt(body.as_bytes());
        assert!(cut.chars().count() < EXCERPT_CHARS + 40, "{}", cut.len());
        assert!(cut.ends_with("(20000 bytes in all)"), "{cut}");
        assert_eq!(Quoter::default().excerpt(b"{\"code\":1}"), "{\"code\":1}");
        assert_eq!(Quoter::default().excerpt(b""), "(empty body)");
    }

    #[test]
    fn html_pages_become_one_line_and_control_characters_are_escaped() {
        let page = "<html>\r\n  <h1>502 Bad Gateway</h1>\n\n</html>\n";
        assert_eq!(Quoter::default().excerpt(page.as_bytes()), "<html> <h1>502 Bad Gateway</h1> </html>");
        let forged = "oops\r\n2026-01-01 INFO user logged in\u{1b}[31m";
        let quoted = Quoter::default().text(forged);
        assert!(!quoted.contains('\n') && !quoted.contains('\r') && !quoted.contains('\u{1b}'), "{quoted}");
        assert!(quoted.contains("\\u{1b}"), "{quoted}");
    }

    #[test]
    fn a_key_straddling_the_cut_is_scrubbed_whole() {
        let key = "app-0123456789abcdefghijklmnopqrstuvwxyz";
        for (at, pad) in
            [(EXCERPT_CHARS - 19, "x"), (EXCERPT_CHARS - 1, "x"), (EXCERPT_WINDOW - 5, "x"), (EXCERPT_WINDOW + 5, " ")]
        {
            let body = format!("{}{key} and more", pad.repeat(at));
            let quoted = Quoter::new(key).excerpt(body.as_bytes());
            for prefix in 4..key.len() {
                assert!(!quoted.contains(&key[..prefix]), "prefix of {prefix} leaked at {at}: {quoted}");
            }
        }
    }

    #[test]
    fn any_bearer_token_is_scrubbed() {
        let quoted =
            Quoter::default().text(r#"{"headers":{"Authorization":"Bearer sk-other.token_1"},"b":"bearer: x y"}"#);
        assert!(!quoted.contains("sk-other") && !quoted.contains("bearer: x"), "{quoted}");
        assert_eq!(Quoter::default().text("the bearer of bad news"), "the bearer <redacted> bad news");
        assert_eq!(Quoter::default().text("no scheme here"), "no scheme here");
        assert_eq!(Quoter::default().text("Bearer"), "Bearer");
    }
}
