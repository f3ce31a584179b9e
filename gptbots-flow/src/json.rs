//! A small JSON reader for `.flow` exports: enough to walk the Start and End nodes, with
//! line and column in every error. Values the model does not need are skipped unparsed (see the
//! crate docs for why this is not serde_json).

use std::fmt;

/// A parsed JSON value. Numbers stay as their source text: the model never computes with them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Value>),
    /// An object, with the byte offset of its `{` for located errors.
    Object(usize, Vec<(String, Value)>),
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(_, entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The first of `keys` present and not `null`.
    pub fn get_any(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter().find_map(|key| self.get(key).filter(|value| **value != Value::Null))
    }

    /// The byte offset of an object's `{`.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Value::Object(offset, _) => Some(*offset),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> &[Value] {
        match self {
            Value::Array(items) => items,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// The 1-based line and column (in characters) of byte `offset` of `bytes`.
pub fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, column)
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {}, column {}", self.message, self.line, self.column)
    }
}

/// Parses `text`, keeping only the object members for which `keep(path_depth, key)` holds;
/// the others are only checked for balanced brackets and closed strings, then dropped.
pub fn parse(text: &str, keep: &dyn Fn(usize, &str) -> bool) -> Result<Value, JsonError> {
    let mut reader = Reader { bytes: text.as_bytes(), pos: 0, keep };
    reader.whitespace();
    let value = reader.value(0)?;
    reader.whitespace();
    if reader.pos < reader.bytes.len() {
        return Err(reader.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

/// Objects and arrays nested deeper than this are rejected rather than overflowing the stack.
const MAX_DEPTH: usize = 256;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    keep: &'a dyn Fn(usize, &str) -> bool,
}

impl Reader<'_> {
    fn error(&self, message: &str) -> JsonError {
        let (line, column) = line_column(self.bytes, self.pos);
        JsonError { message: message.to_owned(), line, column }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn consume(&mut self, byte: u8, message: &str) -> Result<(), JsonError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(message))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("unexpected end of file")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or_default();
        if text.parse::<f64>().is_err() {
            self.pos = start;
            return Err(self.error("invalid number"));
        }
        Ok(Value::Number(text.to_owned()))
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        let offset = self.pos;
        self.pos += 1;
        let mut entries = Vec::new();
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(offset, entries));
        }
        loop {
            self.whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.whitespace();
            self.consume(b':', "expected `:` after an object key")?;
            self.whitespace();
            if (self.keep)(depth, &key) {
                let value = self.value(depth + 1)?;
                entries.push((key, value));
            } else {
                self.skip(depth + 1)?;
            }
            self.whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(offset, entries));
                }
                _ => return Err(self.error("expected `,` or `}` in an object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.whitespace();
            items.push(self.value(depth + 1)?);
            self.whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected `,` or `]` in an array")),
            }
        }
    }

    /// Checks a value without building it: most of a large export is prompts and node
    /// settings the contract never reads. Proc macros are compiled without optimisation, so
    /// this loop avoids method calls and iterator adapters per byte.
    fn skip(&mut self, depth: usize) -> Result<(), JsonError> {
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{' | b'[') => {
                let bytes = self.bytes;
                let mut pos = self.pos;
                // The closers expected, innermost last.
                let mut closers: Vec<u8> = Vec::new();
                while pos < bytes.len() {
                    let byte = bytes[pos];
                    pos += 1;
                    match byte {
                        b'"' => {
                            while pos < bytes.len() && bytes[pos] != b'"' {
                                pos += if bytes[pos] == b'\\' { 2 } else { 1 };
                            }
                            if pos >= bytes.len() {
                                self.pos = bytes.len();
                                return Err(self.error("unterminated string"));
                            }
                            pos += 1;
                        }
                        b'{' | b'[' => {
                            closers.push(if byte == b'{' { b'}' } else { b']' });
                            if closers.len() + depth > MAX_DEPTH {
                                self.pos = pos - 1;
                                return Err(self.error("nesting too deep"));
                            }
                        }
                        b'}' | b']' => {
                            if closers.pop() != Some(byte) {
                                self.pos = pos - 1;
                                return Err(self.error("mismatched bracket"));
                            }
                            if closers.is_empty() {
                                self.pos = pos;
                                return Ok(());
                            }
                        }
                        _ => {}
                    }
                }
                self.pos = bytes.len();
                Err(self.error("unexpected end of file"))
            }
            _ => self.value(depth).map(drop),
        }
    }

    fn skip_string(&mut self) -> Result<(), JsonError> {
        let bytes = self.bytes;
        let mut pos = self.pos + 1;
        while pos < bytes.len() && bytes[pos] != b'"' {
            pos += if bytes[pos] == b'\\' { 2 } else { 1 };
        }
        if pos >= bytes.len() {
            self.pos = bytes.len();
            return Err(self.error("unterminated string"));
        }
        self.pos = pos + 1;
        Ok(())
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.bytes[self.pos..];
            let Some(i) = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20) else {
                self.pos = self.bytes.len();
                return Err(self.error("unterminated string"));
            };
            // The input is a `&str`, and `"`, `\` and control bytes never occur inside a
            // multi-byte character, so this slice is valid UTF-8.
            out.push_str(std::str::from_utf8(&rest[..i]).unwrap_or_default());
            self.pos += i;
            match rest[i] {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                _ => return Err(self.error("control character in a string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let Some(byte) = self.peek() else { return Err(self.error("unterminated string")) };
        self.pos += 1;
        match byte {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let first = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&first) && self.bytes[self.pos..].starts_with(b"\\u") {
                    self.pos += 2;
                    let second = self.hex4()?;
                    0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF)
                } else {
                    first
                };
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            _ => return Err(self.error("invalid escape in a string")),
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.bytes.get(self.pos..self.pos + 4).and_then(|d| std::str::from_utf8(d).ok());
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(code) => {
                self.pos += 4;
                Ok(code)
            }
            None => Err(self.error("invalid `\\u` escape")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(_: usize, _: &str) -> bool {
        true
    }

    #[test]
    fn reads_nested_values_and_escapes() -> Result<(), JsonError> {
        let value = parse(r#" {"a": [1, -2.5e3, true, null], "b": {"c": "x\"\u00e9\ud83d\ude00"}} "#, &all)?;
        assert_eq!(value.get("a").map(|a| a.as_array().len()), Some(4));
        assert_eq!(value.get("b").and_then(|b| b.get("c")).and_then(Value::as_str), Some("x\"é😀"));
        Ok(())
    }

    #[test]
    fn skipped_members_are_dropped_but_still_checked() -> Result<(), JsonError> {
        let keep_a = |_: usize, key: &str| key == "a";
        let value = parse(r#"{"a": 1, "b": {"x": ["]", "}"]}}"#, &keep_a)?;
        assert_eq!(value, Value::Object(0, vec![("a".into(), Value::Number("1".into()))]));
        assert!(parse(r#"{"a": 1, "b": {"x": [}}"#, &keep_a).is_err());
        Ok(())
    }

    #[test]
    fn errors_carry_line_and_column() {
        let err = parse("{\n  \"a\": 1\n  \"b\": 2\n}", &all).unwrap_err();
        assert_eq!((err.line, err.column), (3, 3));
        assert_eq!(err.message, "expected `,` or `}` in an object");
    }

    #[test]
    fn every_truncation_of_an_export_is_an_error_not_a_panic() {
        let text =
            r#"{"workflow": {"workflowNodes": [{"type": "START", "x": "a\"b\u00e9", "n": [-1.5e3, true, null]}]}}"#;
        // Keeps only what `.flow` parsing keeps, so the skipping path sees the rest.
        let keep_workflow = |depth: usize, key: &str| match depth {
            0 => key == "workflow",
            1 => key == "workflowNodes",
            3 => key == "type",
            _ => true,
        };
        for end in 0..text.len() {
            if let Some(prefix) = text.get(..end) {
                assert!(parse(prefix, &all).is_err(), "{prefix}");
                assert!(parse(prefix, &keep_workflow).is_err(), "{prefix}");
            }
        }
        assert!(parse(text, &all).is_ok());
    }

    #[test]
    fn rejects_trailing_text_and_truncation() {
        assert!(parse("{} x", &all).is_err());
        assert!(parse("{\"a\": [1, 2", &all).is_err());
        assert!(parse("\"abc", &all).is_err());
    }
}
