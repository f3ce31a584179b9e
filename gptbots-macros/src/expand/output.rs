//! `#[workflow_output]`: the serde and schema derives of an output type, and the list of its
//! fields that `#[workflow(flow = ...)]` checks against the End node.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use super::errors::Errors;
use super::input::{self, Role};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(item.clone()) {
        Ok(input) => input,
        Err(err) => return super::unparsed(item, err, "#[workflow_output]", "one per End-node variable"),
    };
    let mut errors = Errors::default();
    let krate = parse_args(args, &mut errors);
    let derives = super::derives(&krate);
    let fields = input::wire_fields(&input, Role::Output, &mut errors);
    let fields_impl = fields.map(|fields| {
        let ident = &input.ident;
        // Flattened fields take their names from another type: they cannot be checked here.
        let checked: Vec<_> = fields.iter().filter(|f| !f.flatten).collect();
        let names = checked.iter().map(|f| {
            let names = std::iter::once(&f.name).chain(&f.aliases);
            quote!(&[#(#names),*])
        });
        let messages = checked.iter().map(|f| {
            let all: Vec<String> = std::iter::once(&f.name).chain(&f.aliases).map(|n| format!("`{n}`")).collect();
            let sent_as = if *f.ident == f.name && f.aliases.is_empty() {
                String::new()
            } else {
                format!(" (read from {})", all.join(" or "))
            };
            format!(
                "field `{}`{sent_as} of `{ident}` is not a variable of the workflow's End node: remove the field, or return `{}` from the End node",
                f.ident, f.name
            )
        });
        let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
        quote! {
            impl #impl_generics #krate::__private::contract::OutputFields for #ident #ty_generics #where_clause {
                const FIELDS: &'static [&'static [&'static str]] = &[#(#names),*];
                const NOT_IN_END_NODE: &'static [&'static str] = &[#(#messages),*];
            }

            // A struct with named fields serializes to a JSON object, so it can also be an
            // OBJECT Start parameter of another workflow.
            impl #impl_generics #krate::__private::contract::ObjectParam for #ident #ty_generics #where_clause {}
        }
    });
    let errors = errors.to_compile_errors();
    quote! {
        #derives
        #input
        #fields_impl
        #errors
    }
}

/// `#[workflow_output]` takes only `crate = "..."`.
fn parse_args(args: TokenStream, errors: &mut Errors) -> syn::Path {
    let mut krate = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            krate = Some(lit.parse()?);
            Ok(())
        } else {
            Err(meta.error(
                "unknown argument of `#[workflow_output]`: it only takes `crate = \"...\"`; remove this argument",
            ))
        }
    });
    if let Err(err) = syn::parse::Parser::parse2(parser, args) {
        errors.push(err);
    }
    krate.unwrap_or_else(|| syn::parse_quote!(::gptbots_runtime))
}
