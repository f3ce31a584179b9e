//! `None` means "not sent": an input field of type `Option<T>` gets
//! `#[serde(skip_serializing_if = "Option::is_none")]` unless it has a `skip_serializing_if`
//! of its own or `#[workflow(send_null)]`, the way serde_with's `skip_serializing_none` does.
//! Its schema is then `T`'s (schemars' `with`), also where the user wrote
//! `skip_serializing_if = "Option::is_none"` by hand: `null` is never sent, so the schema, the
//! docs generated from it and the embedded server's input check do not accept it either.
//!
//! Like serde_with, this sees the type as written: an alias of `Option<T>` is not recognised
//! (add `skip_serializing_if` to such a field by hand).

use quote::quote;
use syn::{Field, GenericArgument, PathArguments, Type};

use super::serde_attrs;

/// The `T` of a field typed `Option<T>` (also `std::option::Option<T>`, `core::option::...`).
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let segments: Vec<_> = path.path.segments.iter().collect();
    let last = segments.last()?;
    let prefix: Vec<String> = segments[..segments.len() - 1].iter().map(|s| s.ident.to_string()).collect();
    let known_prefix =
        prefix.is_empty() || matches!(prefix.as_slice(), [a, b] if (a == "std" || a == "core") && b == "option");
    if last.ident != "Option" || !known_prefix {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// Adds the attributes that leave a `None` out, when `field` is an `Option` that takes them.
pub fn apply(field: &mut Field, send_null: bool) {
    if send_null {
        return;
    }
    let Some(inner) = option_inner(&field.ty).map(|inner| quote!(#inner).to_string()) else { return };
    let serde = serde_attrs::keys(&field.attrs, "serde");
    let has = |wanted: &[&str]| serde.iter().any(|(key, _)| wanted.contains(&key.as_str()));
    if has(&["flatten", "skip", "skip_serializing"]) {
        return;
    }
    let own_skip = serde.iter().find(|(key, _)| key == "skip_serializing_if").map(|(_, value)| value.as_deref());
    let skips_none = match own_skip {
        None => {
            field.attrs.push(syn::parse_quote!(#[serde(skip_serializing_if = "::core::option::Option::is_none")]));
            true
        }
        Some(predicate) => predicate.is_some_and(|p| p.replace(' ', "").ends_with("Option::is_none")),
    };
    let custom_schema = has(&["with", "serialize_with"])
        || serde_attrs::keys(&field.attrs, "schemars").iter().any(|(key, _)| key == "with" || key == "schema_with");
    if skips_none && !custom_schema {
        field.attrs.push(syn::parse_quote!(#[schemars(with = #inner)]));
    }
}
