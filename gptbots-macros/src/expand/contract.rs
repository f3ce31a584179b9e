//! The checks of a struct against a `.flow` export: names here, types through the runtime's
//! marker traits (so the compiler judges aliases and user types), all in one anonymous const.

use std::path::Path;

use gptbots_flow::{EndMode, Flow, ParamType, StartParam};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{LitStr, Type};

use super::errors::Errors;
use super::input::WireField;
use super::serde_attrs::RenameRule;
use super::session::Context;
use super::suggest;

/// What the struct is checked against, and what to check with.
pub struct Contract<'a> {
    pub flow_path: Option<&'a LitStr>,
    pub krate: &'a syn::Path,
    pub output: &'a Type,
}

/// What the checks of one struct consist of.
#[derive(Default)]
pub struct Checks {
    /// Statements of the checking function: one assertion per field and bound.
    pub statements: TokenStream,
    /// Items beside it: the file tracking and the output check.
    pub items: TokenStream,
}

/// The checks of `fields` against the `.flow` file, if any; errors that need no type checking
/// go to `errors`.
pub fn checks(cx: &Context, contract: &Contract, ident: &Ident, fields: &[WireField], errors: &mut Errors) -> Checks {
    let Some(flow_path) = contract.flow_path else {
        let statements = fields.iter().filter(|f| !f.flatten).map(|f| any_parameter(contract.krate, f.ty)).collect();
        return Checks { statements, items: TokenStream::new() };
    };
    let shown = flow_path.value();
    let resolved = cx.resolve(&shown);
    let loaded = cx.session.load(&resolved, &shown);
    let flow = match loaded.as_ref() {
        Ok(flow) => flow,
        Err(message) => {
            errors.push_at(flow_path, message);
            return Checks::default();
        }
    };
    let krate = contract.krate;
    let mut items = if cx.session.first_registration(&cx.crate_name, &resolved) {
        track_file(flow_path, &shown)
    } else {
        TokenStream::new()
    };
    // Only a VARIABLE-mode End node says which keys the output has; a TEXT-mode one returns a
    // string (see the attribute's docs), and without `endParam` the export does not say.
    if flow.end.mode == EndMode::Variable {
        let variables = flow.end.variables.iter().map(|v| &v.name);
        let output = contract.output;
        let krate = super::respan(krate, output.span());
        items.extend(quote_spanned! {output.span()=>
            const _: () = #krate::__private::contract::assert_output_fields::<#output>(&[#(#variables),*]);
        });
    }
    let statements = check_fields(flow, &shown, ident, fields, krate, errors);
    Checks { statements, items }
}

/// The check of a field whose parameter type is unknown: it must at least serialize.
fn any_parameter(krate: &syn::Path, ty: &Type) -> TokenStream {
    let span = ty.span();
    let krate = super::respan(krate, span);
    quote_spanned! {span=> #krate::__private::contract::assert::start_parameter::<#ty>(); }
}

/// Makes cargo re-check the crate when the `.flow` changes: `include_bytes!` registers the file
/// as an input of the compilation. One registration per file and crate is enough (the
/// proc-macro library stays loaded for the whole compilation), and each one makes the compiler
/// read the whole file again: 100 structs sharing a 10 MB export would read 1 GB. The
/// registration is an item of its own, beside the checks, which are the same for every struct.
fn track_file(lit: &LitStr, shown: &str) -> TokenStream {
    let path = if Path::new(shown).is_absolute() {
        quote!(#lit)
    } else {
        let relative = LitStr::new(&format!("/{shown}"), lit.span());
        quote!(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #relative))
    };
    // In a function the bytes are read but never evaluated: as a `const`, a 10 MB export cost
    // the compiler about four times as much, once per struct.
    quote! {
        #[allow(dead_code)]
        fn __gptbots_track_flow() {
            let _ = ::core::include_bytes!(#path);
        }
    }
}

fn check_fields(
    flow: &Flow,
    shown: &str,
    ident: &Ident,
    fields: &[WireField],
    krate: &syn::Path,
    errors: &mut Errors,
) -> TokenStream {
    let mut checks = TokenStream::new();
    // Parameters suggested for misspelt fields: reported once, not also as missing.
    let mut suggested = Vec::new();
    for field in fields.iter().filter(|f| !f.flatten) {
        let Some(param) = flow.start.iter().find(|p| p.name == field.name) else {
            let close = suggest::closest(&field.name, flow.start.iter().map(|p| p.name.as_str()));
            errors.push_at(field.ident, unknown_field(field, shown, flow, close));
            suggested.extend(close);
            continue;
        };
        let ty = field.ty;
        let span = ty.span();
        match assertion(&param.ty) {
            Some(assertion) => {
                let assertion = Ident::new(assertion, Span::call_site());
                let krate = super::respan(krate, span);
                checks.extend(quote_spanned! {span=>
                    #krate::__private::contract::assert::#assertion::<#ty>();
                });
            }
            None => {
                checks.extend(any_parameter(krate, ty));
                if !field.unchecked {
                    checks.extend(unchecked_warning(param, field, shown));
                }
            }
        }
        if param.must_be_sent() {
            let krate = super::respan(krate, span);
            checks.extend(quote_spanned! {span=>
                (&#krate::__private::contract::Presence::<#ty>::new()).assert_required();
            });
        }
    }
    // A flattened field may provide any parameter, so nothing can be called missing.
    if fields.iter().all(|f| !f.flatten) {
        let missing: Vec<String> = flow
            .start
            .iter()
            .filter(|p| p.must_be_sent() && !fields.iter().any(|f| f.name == p.name))
            .filter(|p| !suggested.contains(&p.name.as_str()))
            .map(|p| format!("`{}` ({})", p.name, p.ty))
            .collect();
        if !missing.is_empty() {
            let (noun, fix) = if missing.len() == 1 {
                ("parameter", "add a field for it")
            } else {
                ("parameters", "add a field for each")
            };
            errors.push_at(
                ident,
                format!("`{ident}` lacks the required Start {noun} {} of `{shown}`: {fix}", missing.join(", ")),
            );
        }
    }
    checks
}

fn unknown_field(field: &WireField, shown: &str, flow: &Flow, close: Option<&str>) -> String {
    let listed = if flow.start.is_empty() {
        "it has none".to_owned()
    } else {
        let all: Vec<String> = flow.start.iter().map(|p| format!("`{}`", p.name)).collect();
        format!("they are {}", all.join(", "))
    };
    let sent_as = if *field.ident == field.name { String::new() } else { format!(" (sent as `{}`)", field.name) };
    let head = format!("field `{}`{sent_as} is not a Start parameter of `{shown}` ({listed})", field.ident);
    match close {
        Some(close) => {
            let rust_name = field.ident.to_string();
            match RenameRule::ALL.iter().find(|(_, rule)| rule.apply(&rust_name) == close) {
                Some((rule, _)) => format!(
                    "{head}: did you mean `{close}`? add `#[serde(rename_all = \"{rule}\")]` to the struct, or `#[serde(rename = \"{close}\")]` to the field"
                ),
                None => {
                    format!("{head}: did you mean `{close}`? rename the field or add `#[serde(rename = \"{close}\")]`")
                }
            }
        }
        None => format!("{head}: remove the field, or leave it out of the input with `#[serde(skip)]`"),
    }
}

/// The function of `contract::assert` whose bound is the marker trait of `ty`, if it has one.
fn assertion(ty: &ParamType) -> Option<&'static str> {
    Some(match ty {
        ParamType::String => "string",
        ParamType::Integer => "integer",
        ParamType::Number => "number",
        ParamType::Boolean => "boolean",
        ParamType::Object => "object",
        ParamType::File => "file",
        ParamType::Array(item) => match **item {
            ParamType::String => "array_string",
            ParamType::Integer => "array_integer",
            ParamType::Number => "array_number",
            ParamType::Boolean => "array_boolean",
            ParamType::Object => "array_object",
            ParamType::File => "array_file",
            _ => return None,
        },
        ParamType::Unknown(_) | ParamType::Missing => return None,
    })
}

/// A warning, on stable Rust: the use of a deprecated constant whose note says what could not
/// be checked. `#[workflow(unchecked)]` on the field acknowledges it.
fn unchecked_warning(param: &StartParam, field: &WireField, shown: &str) -> TokenStream {
    let what = match &param.ty {
        ParamType::Missing => "has no type".to_owned(),
        other => format!("has type `{other}`, which gptbots-runtime does not know"),
    };
    let note = format!(
        "Start parameter `{}` of `{shown}` {what}: the type of field `{}` is not checked against it, only that it serializes; check it by hand, then add `#[workflow(unchecked)]` to the field",
        param.name, field.ident
    );
    let constant = format_ident!("parameter_type_not_checked", span = field.ident.span());
    quote_spanned! {field.ident.span()=>
        {
            #[deprecated(note = #note)]
            #[allow(non_upper_case_globals)]
            const parameter_type_not_checked: () = ();
            #constant
        };
    }
}
