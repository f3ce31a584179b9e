//! The Rust type of a `.flow` type, as the `#[workflow]` check accepts it.

use gptbots_flow::ParamType;
use proc_macro2::TokenStream;
use quote::quote;

/// Which side of the workflow a type is on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A Start parameter, serialized.
    Input,
    /// An End variable, deserialized.
    Output,
}

/// `String` for `STRING`, `Vec<i64>` for `ARRAY_INTEGER`, and `serde_json::Value` where the
/// type is not known (or, for outputs, an object whose fields the export does not list).
pub fn rust_type(ty: &ParamType, side: Side) -> TokenStream {
    match ty {
        ParamType::String => quote!(String),
        ParamType::Integer => quote!(i64),
        ParamType::Number => quote!(f64),
        ParamType::Boolean => quote!(bool),
        ParamType::Object if side == Side::Input => quote!(serde_json::Map<String, serde_json::Value>),
        ParamType::File => quote!(gptbots_runtime::File),
        ParamType::Array(item) => {
            let item = rust_type(item, side);
            quote!(Vec<#item>)
        }
        ParamType::Object | ParamType::Unknown(_) | ParamType::Missing => quote!(serde_json::Value),
    }
}
