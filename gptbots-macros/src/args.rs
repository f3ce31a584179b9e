//! Parsing of the attribute's own arguments: `id = "...", output = Type, crate = "..."`.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{LitStr, Path, Type};

/// The parsed arguments of `#[workflow(...)]`.
pub struct WorkflowArgs {
    pub id: LitStr,
    pub output: Type,
    pub krate: Path,
}

pub fn parse(args: TokenStream) -> syn::Result<WorkflowArgs> {
    let mut id: Option<LitStr> = None;
    let mut output: Option<Type> = None;
    let mut krate: Option<Path> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("id") {
            id = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("output") {
            output = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("crate") {
            let lit: LitStr = meta.value()?.parse()?;
            krate = Some(lit.parse()?);
        } else {
            return Err(meta.error("unknown `workflow` argument; expected `id`, `output` or `crate`"));
        }
        Ok(())
    });
    parser.parse2(args)?;
    let span = proc_macro2::Span::call_site();
    let id = id.ok_or_else(|| syn::Error::new(span, "missing `id`: add `id = \"<workflow id>\"`"))?;
    let output = output.ok_or_else(|| syn::Error::new(span, "missing `output`: add `output = <output type>`"))?;
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(::gptbots_runtime));
    Ok(WorkflowArgs { id, output, krate })
}
