//! The checks of a struct against a `.flow` export: names here, types through the runtime's
//! marker traits (so the compiler judges aliases and user types), all in one anonymous const.

use std::path::{Path, PathBuf};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, LitStr, Type};

use super::errors::Errors;
use super::flow::{self, EndOutput, Flow};
use super::input::WireField;
use super::suggest;

/// What the struct is checked against, and what to check with.
pub struct Contract<'a> {
    pub flow_path: &'a LitStr,
    pub krate: &'a syn::Path,
    pub output: &'a Type,
}

/// The checks for `input` against the `.flow` file; errors that need no type go to `errors`.
pub fn checks(contract: &Contract, input: &DeriveInput, fields: &[WireField], errors: &mut Errors) -> TokenStream {
    let shown = contract.flow_path.value();
    let full = resolve(&shown);
    let loaded = flow::load(&full, &shown);
    let flow = match loaded.as_ref() {
        Ok(flow) => flow,
        Err(message) => {
            errors.push_at(contract.flow_path, message);
            return TokenStream::new();
        }
    };
    let krate = contract.krate;
    let track = track_file(contract.flow_path, &shown);
    let field_checks = check_fields(flow, &shown, &input.ident, fields, krate, errors);
    let output_check = match &flow.end {
        EndOutput::Variables(variables) => {
            let output = contract.output;
            let krate = super::respan(krate, output.span());
            quote_spanned! {output.span()=>
                const _: () = #krate::__private::contract::assert_output_fields::<#output>(&[#(#variables),*]);
            }
        }
        EndOutput::Other => TokenStream::new(),
    };
    let (impl_generics, _, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            #track
            #[allow(dead_code, clippy::needless_borrow)]
            fn __gptbots_contract #impl_generics () #where_clause {
                // One of the two is picked per field; see `contract::Presence`.
                #[allow(unused_imports)]
                use #krate::__private::contract::{OptionPresence as _, PlainPresence as _};
                #field_checks
            }
            #output_check
        };
    }
}

/// `flow` paths are relative to the crate's manifest directory, like `include_str!` paths of
/// build scripts; an absolute path is used as is.
fn resolve(path: &str) -> PathBuf {
    let base = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    base.join(path)
}

/// Makes cargo re-check the crate when the `.flow` changes: `include_bytes!` registers the file
/// as an input of the compilation.
fn track_file(lit: &LitStr, shown: &str) -> TokenStream {
    let path = if Path::new(shown).is_absolute() {
        quote!(#lit)
    } else {
        let relative = LitStr::new(&format!("/{shown}"), lit.span());
        quote!(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #relative))
    };
    quote! { const _: &[u8] = ::core::include_bytes!(#path); }
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
    for field in fields.iter().filter(|f| !f.flatten) {
        let Some(param) = flow.start.iter().find(|p| p.name == field.name) else {
            errors.push_at(field.ident, unknown_field(field, shown, flow));
            continue;
        };
        let ty = field.ty;
        let span = ty.span();
        let krate = super::respan(krate, span);
        if let Some(kind) = param.kind {
            let assertion = Ident::new(kind.assertion(), Span::call_site());
            checks.extend(quote_spanned! {span=>
                #krate::__private::contract::assert::#assertion::<#ty>();
            });
        }
        if param.must_be_sent() {
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
            .map(|p| format!("`{}` ({})", p.name, if p.type_name.is_empty() { "no type" } else { &p.type_name }))
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

fn unknown_field(field: &WireField, shown: &str, flow: &Flow) -> String {
    let listed = if flow.start.is_empty() {
        "it has none".to_owned()
    } else {
        let all: Vec<String> = flow.start.iter().map(|p| format!("`{}`", p.name)).collect();
        format!("they are {}", all.join(", "))
    };
    let sent_as = if *field.ident == field.name { String::new() } else { format!(" (sent as `{}`)", field.name) };
    let head = format!("field `{}`{sent_as} is not a Start parameter of `{shown}` ({listed})", field.ident);
    match suggest::closest(&field.name, flow.start.iter().map(|p| p.name.as_str())) {
        Some(close) => {
            format!("{head}: did you mean `{close}`? rename the field or add `#[serde(rename = \"{close}\")]`")
        }
        None => format!("{head}: remove the field, or leave it out of the input with `#[serde(skip)]`"),
    }
}
