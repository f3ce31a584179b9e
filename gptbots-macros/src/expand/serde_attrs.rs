//! The `#[serde(...)]` attributes that decide a field's JSON name, read the way serde reads
//! them. Malformed attributes are left for serde's own derive to report.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Field, Ident, LitStr, Token};

/// Which side of serde a name is for: inputs are serialized, outputs deserialized.
#[derive(Clone, Copy, PartialEq)]
pub enum Side {
    Serialize,
    Deserialize,
}

/// A `rename_all` rule.
#[derive(Clone, Copy)]
pub enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    /// Every rule, by its serde name.
    pub const ALL: [(&'static str, RenameRule); 8] = [
        ("camelCase", RenameRule::Camel),
        ("PascalCase", RenameRule::Pascal),
        ("snake_case", RenameRule::Snake),
        ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
        ("kebab-case", RenameRule::Kebab),
        ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
        ("lowercase", RenameRule::Lower),
        ("UPPERCASE", RenameRule::Upper),
    ];

    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => return None,
        })
    }

    /// Applies the rule to a snake_case field name, as serde does.
    pub fn apply(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => {
                let mut pascal = String::new();
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            RenameRule::Camel => {
                let pascal = RenameRule::Pascal.apply(field);
                let mut chars = pascal.chars();
                chars.next().map(|first| first.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

/// Container attributes: the `rename_all` rule of one side.
pub fn rename_all(attrs: &[Attribute], side: Side) -> Option<RenameRule> {
    let mut rule = None;
    for_each_serde_meta(attrs, |meta| {
        if meta.path.is_ident("rename_all") {
            if let Some(name) = sided_string(meta, side)? {
                rule = RenameRule::from_name(&name.value());
            }
        } else {
            skip(meta)?;
        }
        Ok(())
    });
    rule
}

/// What serde does with one field on one side.
pub struct FieldSerde {
    /// The JSON name, after `rename` and `rename_all`.
    pub name: String,
    /// `skip` or `skip_(de)serializing`: the field never appears on this side.
    pub skipped: bool,
    /// `flatten`: the field's own fields appear in its place, under names unknown here.
    pub flatten: bool,
    /// `alias`es: other names the field is read from (deserialize side only).
    pub aliases: Vec<String>,
}

pub fn field(field: &Field, ident: &Ident, rule: Option<RenameRule>, side: Side) -> FieldSerde {
    let rust_name = ident.to_string();
    let rust_name = rust_name.strip_prefix("r#").unwrap_or(&rust_name);
    let mut rename = None;
    let (mut skipped, mut flatten) = (false, false);
    let mut aliases = Vec::new();
    let side_skip = match side {
        Side::Serialize => "skip_serializing",
        Side::Deserialize => "skip_deserializing",
    };
    for_each_serde_meta(&field.attrs, |meta| {
        if meta.path.is_ident("rename") {
            rename = sided_string(meta, side)?.map(|lit| lit.value()).or(rename.take());
        } else if meta.path.is_ident("skip") || meta.path.is_ident(side_skip) {
            skipped = true;
        } else if meta.path.is_ident("flatten") {
            flatten = true;
        } else if meta.path.is_ident("alias") && side == Side::Deserialize {
            aliases.push(meta.value()?.parse::<LitStr>()?.value());
        } else {
            skip(meta)?;
        }
        Ok(())
    });
    let name = rename.unwrap_or_else(|| rule.map_or_else(|| rust_name.to_owned(), |rule| rule.apply(rust_name)));
    FieldSerde { name, skipped, flatten, aliases }
}

/// The top-level keys of every `#[<attribute>(...)]` (e.g. `serde`) in `attrs`, each with its
/// value where that is a string literal.
pub fn keys(attrs: &[Attribute], attribute: &str) -> Vec<(String, Option<String>)> {
    let mut keys = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(attribute)) {
        let _ = attr.parse_nested_meta(|meta| {
            let Some(ident) = meta.path.get_ident() else { return skip(&meta) };
            if meta.input.peek(Token![=]) && meta.input.peek2(LitStr) {
                let value: LitStr = meta.value()?.parse()?;
                keys.push((ident.to_string(), Some(value.value())));
                return Ok(());
            }
            keys.push((ident.to_string(), None));
            skip(&meta)
        });
    }
    keys
}

fn for_each_serde_meta(attrs: &[Attribute], mut f: impl FnMut(&ParseNestedMeta) -> syn::Result<()>) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        // A malformed attribute is serde's to report; what was read before it still counts.
        let _ = attr.parse_nested_meta(|meta| f(&meta));
    }
}

/// `key = "x"` (both sides) or `key(serialize = "x", deserialize = "y")`.
fn sided_string(meta: &ParseNestedMeta, side: Side) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut found = None;
    meta.parse_nested_meta(|inner| {
        let this_side = match side {
            Side::Serialize => inner.path.is_ident("serialize"),
            Side::Deserialize => inner.path.is_ident("deserialize"),
        };
        let value: LitStr = inner.value()?.parse()?;
        if this_side {
            found = Some(value);
        }
        Ok(())
    })?;
    Ok(found)
}

/// Consumes the value of an attribute this module does not interpret.
fn skip(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip(&inner))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_rules_match_serde() {
        let cases = [
            ("lowercase", "max_items"),
            ("UPPERCASE", "MAX_ITEMS"),
            ("PascalCase", "MaxItems"),
            ("camelCase", "maxItems"),
            ("snake_case", "max_items"),
            ("SCREAMING_SNAKE_CASE", "MAX_ITEMS"),
            ("kebab-case", "max-items"),
            ("SCREAMING-KEBAB-CASE", "MAX-ITEMS"),
        ];
        for (rule, expected) in cases {
            assert_eq!(RenameRule::from_name(rule).map(|r| r.apply("max_items")).as_deref(), Some(expected), "{rule}");
        }
    }
}
