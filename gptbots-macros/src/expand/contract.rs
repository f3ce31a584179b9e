//! The checks of a struct against a `.flow` export: names here, types through the runtime's
//! marker traits (so the compiler judges aliases and user types), all in one anonymous const.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{LitStr, Type};

use super::errors::Errors;
use super::flow::{self, EndOutput, Flow};
use super::input::WireField;
use super::serde_attrs::RenameRule;
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
pub fn checks(contract: &Contract, ident: &Ident, fields: &[WireField], errors: &mut Errors) -> Checks {
    let Some(flow_path) = contract.flow_path else {
        let statements = fields.iter().filter(|f| !f.flatten).map(|f| any_parameter(contract.krate, f.ty)).collect();
        return Checks { statements, items: TokenStream::new() };
    };
    let shown = flow_path.value();
    let resolved = resolve(&shown);
    let loaded = flow::load(&resolved, &shown);
    let flow = match loaded.as_ref() {
        Ok(flow) => flow,
        Err(message) => {
            errors.push_at(flow_path, message);
            return Checks::default();
        }
    };
    let krate = contract.krate;
    let mut items = track_file(flow_path, &shown, &resolved);
    if let EndOutput::Variables(variables) = &flow.end {
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

/// `flow` paths are relative to the crate's manifest directory (where its `Cargo.toml` is), so
/// they do not depend on which file the struct is in; an absolute path is used as is.
fn resolve(path: &str) -> PathBuf {
    let base = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    base.join(path)
}

/// Files already registered with `include_bytes!` in this compilation.
static TRACKED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Makes cargo re-check the crate when the `.flow` changes: `include_bytes!` registers the file
/// as an input of the compilation. One registration per file and compilation is enough (the
/// proc-macro library stays loaded for the whole compilation), and each one makes the compiler
/// read the whole file again: 100 structs sharing a 10 MB export would read 1 GB.
fn track_file(lit: &LitStr, shown: &str, resolved: &Path) -> TokenStream {
    let mut tracked = TRACKED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if tracked.iter().any(|path| path == resolved) {
        return TokenStream::new();
    }
    tracked.push(resolved.to_owned());
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
        match param.kind {
            Some(kind) => {
                let assertion = Ident::new(kind.assertion(), Span::call_site());
                let krate = super::respan(krate, span);
                checks.extend(quote_spanned! {span=>
                    #krate::__private::contract::assert::#assertion::<#ty>();
                });
            }
            None => checks.extend(any_parameter(krate, ty)),
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

/// Forgets which files were registered, so that the next expansion naming one registers it
/// again: for tests that expand structs outside the compiler.
#[allow(dead_code)]
pub fn forget_tracked_files() {
    TRACKED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
}
