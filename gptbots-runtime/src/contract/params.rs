//! One marker trait per Start-parameter type of a `.flow` export.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::num::NonZero;
use std::rc::Rc;
use std::sync::Arc;

use super::File;

/// A type that can be sent as a Start parameter at all: anything `Serialize`. Checked for the
/// fields whose parameter type is not known (no `flow`, or a type this crate does not know).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a Start parameter",
    label = "does not serialize to JSON",
    note = "use a type that implements `serde::Serialize`: a string, number, `bool`, list, map, `gptbots_runtime::File`, or your own type with `#[derive(serde::Serialize)]`"
)]
pub trait StartParameter {}

#[diagnostic::do_not_recommend]
impl<T: serde::Serialize + ?Sized> StartParameter for T {}

/// A type that serializes to a JSON string: fits a `STRING` (or `DATETIME`) Start parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not fit a STRING Start parameter",
    label = "expected a string type",
    note = "use `String`, `&str` or `Cow<str>`, or implement `gptbots_runtime::contract::StringParam` for a type that serializes to a JSON string"
)]
pub trait StringParam {}

/// A type that serializes to a JSON integer: fits an `INTEGER` Start parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not fit an INTEGER Start parameter",
    label = "expected an integer type",
    note = "use an integer type such as `i64` or `u32`, or implement `gptbots_runtime::contract::IntegerParam` for a type that serializes to a JSON integer"
)]
pub trait IntegerParam {}

/// A type that serializes to a JSON number: fits a `NUMBER` Start parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not fit a NUMBER Start parameter",
    label = "expected a number type",
    note = "use `f64`, `f32` or an integer type, or implement `gptbots_runtime::contract::NumberParam` for a type that serializes to a JSON number"
)]
pub trait NumberParam {}

/// A type that serializes to `true` or `false`: fits a `BOOLEAN` Start parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not fit a BOOLEAN Start parameter",
    label = "expected `bool`",
    note = "use `bool`, or implement `gptbots_runtime::contract::BooleanParam` for a type that serializes to a JSON boolean"
)]
pub trait BooleanParam {}

/// A type that serializes to a JSON object: fits an `OBJECT` Start parameter.
///
/// `#[workflow_output]` implements it (and derives the serde and schema traits an input field
/// needs); for other types of your own, implement it: `impl ObjectParam for Address {}`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not fit an OBJECT Start parameter",
    label = "expected a struct or map type",
    note = "add `#[gptbots_runtime::workflow_output]` to `{Self}`, or `impl gptbots_runtime::contract::ObjectParam for {Self} {{}}` if it serializes to a JSON object, or use a map or `serde_json::Value`"
)]
pub trait ObjectParam {}

/// A file reference: fits a `FILE` Start parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not fit a FILE Start parameter",
    label = "expected `gptbots_runtime::File`",
    note = "use `gptbots_runtime::File`, built with `File::url` or `File::base64`"
)]
pub trait FileParam {}

/// A type that serializes to a JSON array of `Item`s: fits an `ARRAY_*` Start parameter when
/// `Item` fits the element type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not fit an ARRAY Start parameter",
    label = "expected a list type",
    note = "use `Vec<T>`, a slice or an array, or implement `gptbots_runtime::contract::ArrayParam` for a type that serializes to a JSON array"
)]
pub trait ArrayParam {
    /// The element type.
    type Item: ?Sized;
}

macro_rules! array_kinds {
    ($($(#[$doc:meta])* $name:ident: $item:ident, $message:literal, $label:literal, $note:literal;)*) => {$(
        $(#[$doc])*
        #[diagnostic::on_unimplemented(message = $message, label = $label, note = $note)]
        pub trait $name {}
        #[diagnostic::do_not_recommend]
        impl<A: ArrayParam + ?Sized> $name for A where A::Item: $item {}
    )*};
}

array_kinds! {
    /// Fits an `ARRAY_STRING` Start parameter: every [`ArrayParam`] of [`StringParam`]s.
    ArrayStringParam: StringParam,
        "`{Self}` does not fit an ARRAY_STRING Start parameter",
        "expected a list of strings",
        "use `Vec<String>`, `&[&str]` or another list of string types";
    /// Fits an `ARRAY_INTEGER` Start parameter: every [`ArrayParam`] of [`IntegerParam`]s.
    ArrayIntegerParam: IntegerParam,
        "`{Self}` does not fit an ARRAY_INTEGER Start parameter",
        "expected a list of integers",
        "use `Vec<i64>` or another list of integer types";
    /// Fits an `ARRAY_NUMBER` Start parameter: every [`ArrayParam`] of [`NumberParam`]s.
    ArrayNumberParam: NumberParam,
        "`{Self}` does not fit an ARRAY_NUMBER Start parameter",
        "expected a list of numbers",
        "use `Vec<f64>` or another list of number types";
    /// Fits an `ARRAY_BOOLEAN` Start parameter: every [`ArrayParam`] of [`BooleanParam`]s.
    ArrayBooleanParam: BooleanParam,
        "`{Self}` does not fit an ARRAY_BOOLEAN Start parameter",
        "expected a list of booleans",
        "use `Vec<bool>`";
    /// Fits an `ARRAY_OBJECT` Start parameter: every [`ArrayParam`] of [`ObjectParam`]s.
    ArrayObjectParam: ObjectParam,
        "`{Self}` does not fit an ARRAY_OBJECT Start parameter",
        "expected a list of objects",
        "use `Vec<T>` where `T` implements `gptbots_runtime::contract::ObjectParam`";
    /// Fits an `ARRAY_FILE` Start parameter: every [`ArrayParam`] of [`FileParam`]s.
    ArrayFileParam: FileParam,
        "`{Self}` does not fit an ARRAY_FILE Start parameter",
        "expected a list of files",
        "use `Vec<gptbots_runtime::File>`";
}

/// Wrappers that serialize as what they wrap carry every marker of it.
macro_rules! forward {
    ($($trait:ident),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: $trait + ?Sized> $trait for &T {}
        #[diagnostic::do_not_recommend]
        impl<T: $trait + ?Sized> $trait for &mut T {}
        #[diagnostic::do_not_recommend]
        impl<T: $trait + ?Sized> $trait for Box<T> {}
        #[diagnostic::do_not_recommend]
        impl<T: $trait + ?Sized> $trait for Rc<T> {}
        #[diagnostic::do_not_recommend]
        impl<T: $trait + ?Sized> $trait for Arc<T> {}
        #[diagnostic::do_not_recommend]
        impl<T: $trait> $trait for Option<T> {}
    )*};
}
forward!(StringParam, IntegerParam, NumberParam, BooleanParam, ObjectParam, FileParam);

macro_rules! forward_array {
    ($($wrapper:ty),*) => {$(
        impl<T: ArrayParam + ?Sized> ArrayParam for $wrapper { type Item = T::Item; }
    )*};
}
forward_array!(&T, &mut T, Box<T>, Rc<T>, Arc<T>);
impl<T: ArrayParam> ArrayParam for Option<T> {
    type Item = T::Item;
}

impl StringParam for String {}
impl StringParam for str {}
impl StringParam for char {}
impl StringParam for Cow<'_, str> {}

macro_rules! integers {
    ($($int:ty),*) => {$(
        impl IntegerParam for $int {}
        impl NumberParam for $int {}
        impl IntegerParam for NonZero<$int> {}
        impl NumberParam for NonZero<$int> {}
    )*};
}
integers!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
impl NumberParam for f32 {}
impl NumberParam for f64 {}

impl BooleanParam for bool {}

impl<K: StringParam, V, S> ObjectParam for HashMap<K, V, S> {}
impl<K: StringParam, V> ObjectParam for BTreeMap<K, V> {}
impl ObjectParam for serde_json::Value {}
impl ObjectParam for serde_json::Map<String, serde_json::Value> {}

impl FileParam for File {}

impl<T> ArrayParam for Vec<T> {
    type Item = T;
}
impl<T> ArrayParam for [T] {
    type Item = T;
}
impl<T, const N: usize> ArrayParam for [T; N] {
    type Item = T;
}
impl<T> ArrayParam for VecDeque<T> {
    type Item = T;
}
impl<T> ArrayParam for BTreeSet<T> {
    type Item = T;
}
impl<T, S> ArrayParam for HashSet<T, S> {
    type Item = T;
}
impl<T: Clone> ArrayParam for Cow<'_, [T]> {
    type Item = T;
}
