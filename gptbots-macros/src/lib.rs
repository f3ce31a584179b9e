//! The `#[workflow]` and `#[workflow_output]` attributes. Use them through `gptbots_runtime`,
//! whose docs are the reference for both.

use proc_macro::TokenStream;

mod expand;

/// The `.flow` files read and registered in this process (the compiler keeps the library
/// loaded for a whole compilation).
static SESSION: expand::session::Session = expand::session::Session::new();

/// Declares a struct as the input of a GPTBots workflow. See `gptbots_runtime::workflow`.
#[proc_macro_attribute]
pub fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = expand::session::Context::from_env(&SESSION);
    expand::workflow(&cx, args.into(), item.into()).into()
}

/// Declares a struct as the output of a GPTBots workflow. See `gptbots_runtime::workflow_output`.
#[proc_macro_attribute]
pub fn workflow_output(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::workflow_output(args.into(), item.into()).into()
}
