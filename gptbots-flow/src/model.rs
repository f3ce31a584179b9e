//! What a workflow export says about its contract: the Start node's parameters and what the
//! End node returns.

use std::fmt;

/// The contract of one workflow, as its `.flow` export declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// The workflow's name (top-level `name`), if the export has one.
    pub name: Option<String>,
    /// When it was exported (`exportTime`), as the export spells it: epoch milliseconds or an
    /// ISO date. Informational only; `None` when absent.
    pub export_time: Option<String>,
    /// The Start node's parameters, in the export's order.
    pub start: Vec<StartParam>,
    /// The End node.
    pub end: EndNode,
}

impl Flow {
    /// The Start parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&StartParam> {
        self.start.iter().find(|param| param.name == name)
    }
}

/// One parameter of the Start node (one entry of its `outputs[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct StartParam {
    /// The name sent as the key of `input`.
    pub name: String,
    /// The type, read case-insensitively from the export's spelling.
    pub ty: ParamType,
    /// `required` (or `isRequired`, as agent forms spell it): `true` or `"true"`.
    pub required: bool,
    /// The default value, from `default`, `defaultValue` or `value` (GPTBots' own exports use
    /// `value`). An empty string or `null` counts as no default.
    pub default: Option<Json>,
    /// `desc` (or `description`), if not empty.
    pub description: Option<String>,
}

impl StartParam {
    /// Whether every call must send this parameter: required and without a default value.
    pub fn must_be_sent(&self) -> bool {
        self.required && self.default.is_none()
    }
}

/// A Start-parameter or End-variable type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    /// `STRING`, and `DATETIME` (sent as a string).
    String,
    /// `INTEGER`.
    Integer,
    /// `NUMBER`.
    Number,
    /// `BOOLEAN`.
    Boolean,
    /// `OBJECT`.
    Object,
    /// `FILE` and its sub-kinds (`DOCUMENT`, `IMAGE`, `AUDIO`, `VIDEO`, also as `FILE_IMAGE`,
    /// `FILE<IMAGE>`, `IMAGE_FILE`...): a file reference.
    File,
    /// `ARRAY_<T>`, also spelt `ARRAY<T>`, `Array<T>`, `LIST_<T>` or `<T>_ARRAY`.
    Array(Box<ParamType>),
    /// A spelling this crate does not know, kept as written. The field's type cannot be
    /// checked against it; `gptbots-macros` says so at compile time.
    Unknown(String),
    /// No `type` at all.
    Missing,
}

impl ParamType {
    /// Reads an export's spelling of a type, ignoring case, spaces and the separators
    /// GPTBots' console and exports use (`_`, `-`, `<`, `>`, `[`, `]`).
    pub fn from_spelling(spelling: &str) -> ParamType {
        let words: Vec<String> = spelling
            .split(['_', '-', '<', '>', '[', ']', ' ', '.'])
            .filter(|word| !word.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        if words.is_empty() {
            return if spelling.trim().is_empty() {
                ParamType::Missing
            } else {
                ParamType::Unknown(spelling.to_owned())
            };
        }
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        Self::from_words(&words).unwrap_or_else(|| ParamType::Unknown(spelling.to_owned()))
    }

    fn from_words(words: &[&str]) -> Option<ParamType> {
        const FILE_KINDS: [&str; 7] = ["FILE", "DOCUMENT", "DOC", "IMAGE", "AUDIO", "VIDEO", "ATTACHMENT"];
        match words {
            [] => None,
            ["ARRAY" | "LIST", rest @ ..] | [rest @ .., "ARRAY" | "LIST"] if !rest.is_empty() => {
                Self::from_words(rest).map(|item| ParamType::Array(Box::new(item)))
            }
            [one] => Some(match *one {
                "STRING" | "TEXT" | "DATETIME" | "DATE" | "TIME" => ParamType::String,
                "INTEGER" | "INT" => ParamType::Integer,
                "NUMBER" | "FLOAT" | "DOUBLE" => ParamType::Number,
                "BOOLEAN" | "BOOL" => ParamType::Boolean,
                "OBJECT" | "JSON" => ParamType::Object,
                kind if FILE_KINDS.contains(&kind) => ParamType::File,
                _ => return None,
            }),
            // `FILE_IMAGE`, `IMAGE_FILE`, `FILE_DOCUMENT`: every word a file kind.
            many if many.iter().all(|word| FILE_KINDS.contains(word)) => Some(ParamType::File),
            _ => None,
        }
    }

    /// The element type of an array type.
    pub fn item(&self) -> Option<&ParamType> {
        match self {
            ParamType::Array(item) => Some(item),
            _ => None,
        }
    }
}

impl fmt::Display for ParamType {
    /// GPTBots' own spelling (`ARRAY_STRING`), or the export's for an unknown type.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamType::String => f.write_str("STRING"),
            ParamType::Integer => f.write_str("INTEGER"),
            ParamType::Number => f.write_str("NUMBER"),
            ParamType::Boolean => f.write_str("BOOLEAN"),
            ParamType::Object => f.write_str("OBJECT"),
            ParamType::File => f.write_str("FILE"),
            ParamType::Array(item) => write!(f, "ARRAY_{item}"),
            ParamType::Unknown(spelling) => f.write_str(spelling),
            ParamType::Missing => f.write_str("no type"),
        }
    }
}

/// The End node: how it returns the workflow's output.
#[derive(Debug, Clone, PartialEq)]
pub struct EndNode {
    /// `endParam.outputType`.
    pub mode: EndMode,
    /// In [`EndMode::Variable`], the variables of the returned JSON object; empty otherwise.
    pub variables: Vec<EndVariable>,
    /// In [`EndMode::Text`], the template (`endParam.outputText`, e.g. `"{{llm-1.text}}"`).
    pub text: Option<String>,
}

/// How the End node returns the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndMode {
    /// `outputType: VARIABLE`: a JSON object, one key per variable.
    Variable,
    /// `outputType: TEXT`: the text rendered from `outputText`, a JSON string.
    Text,
    /// No `endParam` (or no `outputType`): the export does not say.
    Unspecified,
    /// Another `outputType`, as written.
    Other(String),
}

/// One variable returned by a VARIABLE-mode End node.
#[derive(Debug, Clone, PartialEq)]
pub struct EndVariable {
    /// The key in the output object.
    pub name: String,
    /// Its type, where the export gives one ([`ParamType::Missing`] otherwise).
    pub ty: ParamType,
    /// `desc` (or `description`), if not empty.
    pub description: Option<String>,
    /// The fields of an object variable, where the export lists them (`children`,
    /// `properties` or `fields`); empty when it does not.
    pub fields: Vec<EndVariable>,
}

/// A JSON value as the export holds it (a parameter's default). Numbers keep their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, its members in the export's order.
    Object(Vec<(String, Json)>),
}

impl fmt::Display for Json {
    /// Compact JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(b) => write!(f, "{b}"),
            Json::Number(n) => f.write_str(n),
            Json::String(s) => write_string(f, s),
            Json::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Json::Object(members) => {
                f.write_str("{")?;
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_string(f, key)?;
                    write!(f, ":{value}")?;
                }
                f.write_str("}")
            }
        }
    }
}

fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_spellings() {
        let array = |item| ParamType::Array(Box::new(item));
        let cases = [
            ("STRING", ParamType::String),
            ("string", ParamType::String),
            ("DATETIME", ParamType::String),
            ("Integer", ParamType::Integer),
            ("ARRAY_STRING", array(ParamType::String)),
            ("Array<String>", array(ParamType::String)),
            ("array[number]", array(ParamType::Number)),
            ("FILE", ParamType::File),
            ("IMAGE", ParamType::File),
            ("file_document", ParamType::File),
            ("FILE<VIDEO>", ParamType::File),
            ("Array<File>", array(ParamType::File)),
            ("ARRAY_FILE", array(ParamType::File)),
            ("ARRAY_IMAGE", array(ParamType::File)),
            ("FILE_ARRAY", array(ParamType::File)),
            ("LIST_OBJECT", array(ParamType::Object)),
            ("EMBEDDING", ParamType::Unknown("EMBEDDING".into())),
            ("ARRAY_EMBEDDING", ParamType::Unknown("ARRAY_EMBEDDING".into())),
            ("ARRAY", ParamType::Unknown("ARRAY".into())),
            ("", ParamType::Missing),
        ];
        for (spelling, expected) in cases {
            assert_eq!(ParamType::from_spelling(spelling), expected, "{spelling}");
        }
        assert_eq!(array(array(ParamType::Integer)).to_string(), "ARRAY_ARRAY_INTEGER");
    }

    #[test]
    fn json_prints_compactly_and_escapes() {
        let value = Json::Object(vec![
            ("a".into(), Json::Array(vec![Json::Number("1.5".into()), Json::Null])),
            ("b\"".into(), Json::String("x\ny".into())),
        ]);
        assert_eq!(value.to_string(), r#"{"a":[1.5,null],"b\"":"x\ny"}"#);
    }
}
