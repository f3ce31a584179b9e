//! The `#[workflow]` attribute. Use it through `gptbots_runtime::workflow`, whose docs are the
//! reference for the attribute.

use proc_macro::TokenStream;

mod args;
mod expand;

/// Declares a struct as the input of a GPTBots workflow. See `gptbots_runtime::workflow`.
#[proc_macro_attribute]
pub fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::workflow(args.into(), item.into()).into()
}
