//! What `#[workflow]` checks at compile time, as traits the compiler judges.
//!
//! Each Start-parameter type of a `.flow` export has a marker trait: a field's Rust type fits a
//! parameter when it implements the trait of the parameter's type. Type aliases and your own
//! types are judged by the compiler, not by their spelling, so a type of your own fits a
//! parameter once you implement the marker:
//!
//! ```
//! use gptbots_runtime::contract::StringParam;
//!
//! /// A language tag such as `en` or `de`, serialized as a JSON string.
//! #[derive(serde::Serialize)]
//! #[serde(transparent)]
//! struct Language(String);
//!
//! impl StringParam for Language {}
//! ```
//!
//! | `.flow` type | marker trait | implemented for |
//! |---|---|---|
//! | any, or unknown | [`StartParameter`] | every `Serialize` type |
//! | `STRING`, `DATETIME` | [`StringParam`] | `String`, `str`, `Cow<str>`, `char`, `Box<str>`, `Rc<str>`, `Arc<str>` |
//! | `INTEGER` | [`IntegerParam`] | `i8` to `i128`, `u8` to `u128`, `isize`, `usize`, `NonZero` integers |
//! | `NUMBER` | [`NumberParam`] | `f32`, `f64` and every integer type |
//! | `BOOLEAN` | [`BooleanParam`] | `bool` |
//! | `OBJECT` | [`ObjectParam`] | `HashMap`, `BTreeMap`, `serde_json::Value`, `serde_json::Map` |
//! | `FILE` | [`FileParam`] | [`File`] |
//! | `ARRAY_*` | [`ArrayParam`] whose `Item` fits the element type | `Vec`, slices, arrays, `VecDeque`, `BTreeSet`, `HashSet` |
//!
//! Every marker also holds for `&T`, `Box<T>`, `Rc<T>`, `Arc<T>` and `Option<T>` when it holds
//! for `T`. A *required* Start parameter (one without a default value) cannot be an `Option`:
//! [`NotOption`] rejects it, whatever alias spells it.

mod file;
mod output;
mod params;
mod presence;

pub use file::{File, FileContent};
pub use output::{OutputFields, WorkflowOutput, assert_output_fields};
pub use params::{
    ArrayBooleanParam, ArrayFileParam, ArrayIntegerParam, ArrayNumberParam, ArrayObjectParam, ArrayParam,
    ArrayStringParam, BooleanParam, FileParam, IntegerParam, NumberParam, ObjectParam, StartParameter, StringParam,
};
pub use presence::{NotOption, OptionPresence, PlainPresence, Presence};

/// Compile-time assertions called by generated code: each one only names a bound, so an
/// unfit type fails with that bound's message, on the span of the field's type.
#[doc(hidden)]
pub mod assert {
    #![allow(missing_docs)]
    use super::*;

    pub const fn start_parameter<T: StartParameter + ?Sized>() {}
    pub const fn string<T: StringParam + ?Sized>() {}
    pub const fn integer<T: IntegerParam + ?Sized>() {}
    pub const fn number<T: NumberParam + ?Sized>() {}
    pub const fn boolean<T: BooleanParam + ?Sized>() {}
    pub const fn object<T: ObjectParam + ?Sized>() {}
    pub const fn file<T: FileParam + ?Sized>() {}
    pub const fn array_string<T: ArrayStringParam + ?Sized>() {}
    pub const fn array_integer<T: ArrayIntegerParam + ?Sized>() {}
    pub const fn array_number<T: ArrayNumberParam + ?Sized>() {}
    pub const fn array_boolean<T: ArrayBooleanParam + ?Sized>() {}
    pub const fn array_object<T: ArrayObjectParam + ?Sized>() {}
    pub const fn array_file<T: ArrayFileParam + ?Sized>() {}
}
