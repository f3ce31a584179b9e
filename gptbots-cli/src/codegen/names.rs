//! Rust names for `.flow` names: `maxItems` becomes the field `max_items` (renamed back for
//! serde), `todayNews` the type `TodayNews`; keywords become raw identifiers.

use std::collections::HashSet;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Keywords of Rust 2024, strict and reserved: written `r#name`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers: `self_` instead.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// A field's identifier and the JSON name to rename it to, when serde would not derive that
/// name from the identifier.
pub struct FieldName {
    pub ident: Ident,
    pub rename: Option<String>,
}

/// Names the fields of one struct, so that no two collide.
#[derive(Default)]
pub struct FieldNames {
    taken: HashSet<String>,
}

impl FieldNames {
    /// The field for JSON key `json_name`.
    pub fn field(&mut self, json_name: &str) -> FieldName {
        let base = ascii_word(&json_name.to_snake_case(), "field");
        let base = if base.starts_with(|c: char| c.is_ascii_digit()) { format!("_{base}") } else { base };
        let ident = ident(&unique(&mut self.taken, base));
        // serde names a field after its identifier without `r#`.
        let shown = ident.to_string();
        let rename = (shown.trim_start_matches("r#") != json_name).then(|| json_name.to_owned());
        FieldName { ident, rename }
    }
}

/// Names the types of one generated file, so that no two collide.
#[derive(Default)]
pub struct TypeNames {
    taken: HashSet<String>,
}

impl TypeNames {
    /// Reserves `name` as given (a `--name` the user chose); `None` when it is no Rust type name.
    pub fn exact(&mut self, name: &str) -> Option<Ident> {
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !KEYWORDS.contains(&name)
            && !NOT_RAW.contains(&name);
        (valid && self.taken.insert(name.to_owned())).then(|| Ident::new(name, Span::call_site()))
    }

    /// A type named after `words` (`todayNews`, `wf_today_news`), upper camel case.
    pub fn named_after(&mut self, words: &str) -> Ident {
        let name = ascii_word(&words.to_upper_camel_case(), "Workflow");
        let name = if name.starts_with(|c: char| c.is_ascii_digit()) { format!("Workflow{name}") } else { name };
        Ident::new(&unique(&mut self.taken, name), Span::call_site())
    }
}

/// `word` with every character outside `[A-Za-z0-9_]` dropped, `fallback` when nothing is left.
fn ascii_word(word: &str, fallback: &str) -> String {
    let kept: String = word.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let kept = kept.trim_matches('_');
    if kept.is_empty() { fallback.to_owned() } else { kept.to_owned() }
}

fn unique(taken: &mut HashSet<String>, base: String) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

fn ident(name: &str) -> Ident {
    if NOT_RAW.contains(&name) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(names: &mut FieldNames, json: &str) -> (String, Option<String>) {
        let field = names.field(json);
        (field.ident.to_string(), field.rename)
    }

    #[test]
    fn fields_are_snake_case_renamed_back_and_never_collide() {
        let mut names = FieldNames::default();
        assert_eq!(field(&mut names, "topic"), ("topic".into(), None));
        assert_eq!(field(&mut names, "maxItems"), ("max_items".into(), Some("maxItems".into())));
        assert_eq!(field(&mut names, "max_items"), ("max_items_2".into(), Some("max_items".into())));
        assert_eq!(field(&mut names, "type"), ("r#type".into(), None));
        assert_eq!(field(&mut names, "self"), ("self_".into(), Some("self".into())));
        assert_eq!(field(&mut names, "2nd place"), ("_2nd_place".into(), Some("2nd place".into())));
        assert_eq!(field(&mut names, "标题"), ("field".into(), Some("标题".into())));
    }

    #[test]
    fn types_are_upper_camel_case_and_a_chosen_name_is_checked() {
        let mut names = TypeNames::default();
        assert_eq!(names.named_after("todayNews").to_string(), "TodayNews");
        assert_eq!(names.named_after("today_news").to_string(), "TodayNews_2");
        assert_eq!(names.named_after("9 lives").to_string(), "Workflow9Lives");
        assert!(names.exact("Digest").is_some());
        assert!(names.exact("Digest").is_none(), "taken");
        assert!(names.exact("not a name").is_none() && names.exact("Self").is_none());
    }
}
