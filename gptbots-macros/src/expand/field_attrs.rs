//! `#[workflow(...)]` on a field of a `#[workflow]` struct: `unchecked` acknowledges a Start
//! parameter whose type gptbots-runtime cannot check, `send_null` sends `None` as `null`.
//! The attribute is removed from the emitted struct (rustc does not know it there).

use syn::{Attribute, Field};

use super::errors::Errors;
use super::suggest;

const OPTIONS: [&str; 2] = ["unchecked", "send_null"];

/// What a field's `#[workflow(...)]` says.
#[derive(Default, Clone, Copy)]
pub struct FieldOptions {
    /// The field's parameter type is known not to be checkable: no warning.
    pub unchecked: bool,
    /// `None` is sent as `null` instead of being left out.
    pub send_null: bool,
}

fn is_ours(attr: &Attribute) -> bool {
    attr.path().is_ident("workflow")
}

/// Reads the field's `#[workflow(...)]` attributes, reporting unknown keys.
pub fn options(field: &Field, errors: &mut Errors) -> FieldOptions {
    let mut options = FieldOptions::default();
    for attr in field.attrs.iter().filter(|attr| is_ours(attr)) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("unchecked") {
                options.unchecked = true;
            } else if meta.path.is_ident("send_null") {
                options.send_null = true;
            } else {
                let name = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
                let hint = match suggest::closest(&name, OPTIONS) {
                    Some(close) => format!("did you mean `{close}`? "),
                    None => String::new(),
                };
                return Err(meta.error(format!(
                    "unknown field option `{name}` of `#[workflow]`: {hint}a field takes `unchecked` (its parameter type is checked by hand) or `send_null` (send `None` as `null`)"
                )));
            }
            Ok(())
        });
        if let Err(err) = parsed {
            errors.push(err);
        }
    }
    options
}

/// Removes the `#[workflow(...)]` attributes from `field`.
pub fn strip(field: &mut Field) {
    field.attrs.retain(|attr| !is_ours(attr));
}
