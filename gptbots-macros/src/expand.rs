//! Generates the serde derives, the `Workflow` impl and the `invoke` method.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::args::{self, WorkflowArgs};

pub fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(item.clone()) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    match args::parse(args) {
        Ok(args) => expand(&args, &input),
        Err(err) => {
            let err = err.to_compile_error();
            quote! { #input #err }
        }
    }
}

fn expand(args: &WorkflowArgs, input: &DeriveInput) -> TokenStream {
    let WorkflowArgs { id, output, krate } = args;
    let ident = &input.ident;
    let vis = &input.vis;
    let name = ident.to_string();
    let serde_path = quote!(#krate::__private::serde).to_string();
    let schemars_path = quote!(#krate::__private::schemars).to_string();
    // A generic struct has no single type to list in the catalogue.
    let catalogue_entry = input.generics.params.is_empty().then(|| {
        quote! {
            #krate::__private::inventory::submit! {
                #krate::__private::WorkflowEntry::of::<#ident>()
            }
        }
    });
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[derive(
            #krate::__private::serde::Serialize,
            #krate::__private::serde::Deserialize,
            #krate::__private::JsonSchema
        )]
        #[serde(crate = #serde_path)]
        #[schemars(crate = #schemars_path)]
        #input

        #catalogue_entry

        impl #impl_generics #krate::__private::Workflow for #ident #ty_generics #where_clause {
            const ID: &'static str = #id;
            const NAME: &'static str = #name;
            type Output = #output;
        }

        impl #impl_generics #ident #ty_generics #where_clause {
            /// Runs this workflow on `client` and returns its typed output.
            #vis async fn invoke(
                &self,
                client: &#krate::__private::Client,
            ) -> ::core::result::Result<#krate::__private::Run<#output>, #krate::__private::Error> {
                #krate::__private::invoke(client, self).await
            }
        }
    }
}
