//! The expansions of `#[workflow]` and `#[workflow_output]`, on `proc_macro2` tokens so they
//! can be run and snapshot outside the compiler.

mod args;
mod contract;
mod errors;
mod field_attrs;
mod input;
mod omit_none;
mod output;
mod serde_attrs;
pub mod session;
mod suggest;
#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use args::WorkflowArgs;
use errors::Errors;
use input::Role;
use session::Context;

/// `#[workflow(...)]` on `item`. On any error the struct is still emitted (with its derives
/// where possible), and so are the `Workflow` impl and `invoke` with whatever the arguments
/// gave, so the rest of the crate and the IDE keep working and only the real error shows.
pub fn workflow(cx: &Context, args: TokenStream, item: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(item.clone()) {
        Ok(input) => input,
        Err(err) => return unparsed(item, err, "#[workflow]", "one per Start parameter"),
    };
    let mut errors = Errors::default();
    let args = args::parse(args, &mut errors);
    let generics_ok = input::check_generics(&input, &mut errors);
    let fields = input::wire_fields(&input, Role::Input, &mut errors);
    // Derives on a union or a struct with const parameters fail in ways that only repeat the
    // errors above.
    let derivable = !matches!(input.data, Data::Union(_)) && input.generics.const_params().next().is_none();
    let derives = derivable.then(|| derives(&args.krate));
    let body = match &fields {
        Some(fields) if generics_ok => implementation(cx, &args, &input, fields, &mut errors),
        _ => TokenStream::new(),
    };
    let errors = errors.to_compile_errors();
    let emitted = emitted_input(input);
    quote! {
        #derives
        #emitted
        #body
        #errors
    }
}

/// `#[workflow_output]` on `item`.
pub fn workflow_output(args: TokenStream, item: TokenStream) -> TokenStream {
    output::expand(args, item)
}

/// An item that does not parse as a type. If it is a struct, rustc's own syntax error says
/// best what is wrong (e.g. a doc comment left behind after deleting a field), so the tokens go
/// through unchanged; an error of ours would only repeat it, or mislead ("applies to a
/// struct"). In case rustc accepts what syn could not read, a warning (shown after rustc's own
/// error, if there is one) says that nothing was generated. Anything else is not something the
/// attribute applies to.
fn unparsed(item: TokenStream, err: syn::Error, attribute: &str, fields_are: &str) -> TokenStream {
    use proc_macro2::TokenTree;
    let is_struct = item.clone().into_iter().any(|tt| matches!(&tt, TokenTree::Ident(ident) if ident == "struct"));
    if is_struct {
        let note = format!(
            "`{attribute}` could not read this struct ({err}), so it generated nothing for it: fix the syntax there, or report the struct to gptbots-rs if it is valid Rust"
        );
        let span = err.span();
        return quote::quote_spanned! {span=>
            #item
            const _: () = {
                #[deprecated(note = #note)]
                #[allow(non_upper_case_globals)]
                const attribute_not_applied: () = ();
                attribute_not_applied
            };
        };
    }
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        format!("`{attribute}` applies to a struct with named fields, {fields_are}: move it onto such a struct"),
    )
    .to_compile_error();
    quote! { #item #error }
}

/// The struct as compiled: `#[workflow(...)]` field attributes removed, and `None` left out
/// of the JSON (see `omit_none`). Edits the struct parsed once for the whole expansion, after
/// everything else has read it: syn's `Clone` impls are a feature of their own, compiled by
/// every user, and parsing it again would double the macro's largest cost.
fn emitted_input(mut emitted: DeriveInput) -> TokenStream {
    if let Data::Struct(data) = &mut emitted.data
        && let Fields::Named(named) = &mut data.fields
    {
        for field in &mut named.named {
            let mut ignored = Errors::default();
            let options = field_attrs::options(field, &mut ignored);
            field_attrs::strip(field);
            omit_none::apply(field, options.send_null);
        }
    }
    quote!(#emitted)
}

/// Serde and schema derives through the runtime's re-exports, so user crates need neither.
fn derives(krate: &syn::Path) -> TokenStream {
    // The crate path as the derives' `crate = "..."` strings: formatted from tokens only for a
    // `crate = ...` override, since formatting costs more than the rest of this function.
    let (serde_path, schemars_path) = if args::is_default_crate(krate) {
        ("::gptbots_runtime::__private::serde".to_owned(), "::gptbots_runtime::__private::schemars".to_owned())
    } else {
        (
            quote!(#krate::__private::serde).to_string().replace(' ', ""),
            quote!(#krate::__private::schemars).to_string().replace(' ', ""),
        )
    };
    quote! {
        #[derive(
            #krate::__private::serde::Serialize,
            #krate::__private::serde::Deserialize,
            #krate::__private::JsonSchema
        )]
        #[serde(crate = #serde_path)]
        #[schemars(crate = #schemars_path)]
    }
}

/// `tokens` with every span set to `span`, so an error about generated code points at the
/// user's tokens it was generated for.
fn respan(tokens: &impl quote::ToTokens, span: proc_macro2::Span) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    tokens
        .to_token_stream()
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut inner = Group::new(group.delimiter(), respan(&group.stream(), span));
                inner.set_span(span);
                tree = TokenTree::Group(inner);
            }
            tree.set_span(span);
            tree
        })
        .collect()
}

fn implementation(
    cx: &Context,
    args: &WorkflowArgs,
    input: &DeriveInput,
    fields: &[input::WireField],
    errors: &mut Errors,
) -> TokenStream {
    let WorkflowArgs { id, output, flow, krate } = args;
    let ident = &input.ident;
    let vis = &input.vis;
    let name = ident.to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // A struct with lifetimes is listed with them all `'static`. The entry demands that the
    // output be a `WorkflowOutput`: spanning it on `output = ...` puts that error there.
    let catalogue_entry = {
        let lifetimes = input.generics.lifetimes().map(|_| quote!('static));
        let listed = if input.generics.params.is_empty() { quote!(#ident) } else { quote!(#ident<#(#lifetimes),*>) };
        let span = output.span();
        let entry = respan(&quote!(#krate::__private::WorkflowEntry::of::<#listed>()), span);
        quote! {
            #krate::__private::inventory::submit! {
                #entry
            }
        }
    };
    let contract = contract::Contract { flow_path: flow.as_ref(), krate, output };
    let contract::Checks { statements, items } = contract::checks(cx, &contract, ident, fields, errors);
    // Only the checks against a `.flow` test presence; without one, the import would be one
    // more thing to resolve per workflow for nothing.
    let presence = flow.is_some().then(|| {
        quote! {
            // Method lookup picks one of the two per field; see `contract::Presence`.
            #[allow(unused_imports)]
            use #krate::__private::contract::{OptionPresence as _, PlainPresence as _};
        }
    });
    let checks = quote! {
        const _: () = {
            #items
            #[allow(dead_code, clippy::needless_borrow)]
            fn __gptbots_contract #impl_generics () #where_clause {
                #presence
                #statements
            }
        };
    };
    quote! {
        #catalogue_entry

        impl #impl_generics #krate::__private::Workflow for #ident #ty_generics #where_clause {
            const ID: &'static str = #id;
            const NAME: &'static str = #name;
            type Output = #output;
        }

        impl #impl_generics #ident #ty_generics #where_clause {
            /// Runs this workflow on `client` and returns its typed output.
            // Inline, so the whole invoke path is compiled only in crates that call it, not
            // once per declared workflow; not `async`, so no state machine per workflow either.
            #[inline]
            #vis fn invoke<'__gptbots>(
                &'__gptbots self,
                client: &'__gptbots #krate::__private::Client,
            ) -> #krate::__private::InvokeFuture<'__gptbots, #output> {
                #krate::__private::invoke(client, self)
            }
        }

        #checks
    }
}
