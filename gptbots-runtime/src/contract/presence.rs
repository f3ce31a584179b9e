//! Rejects `Option` for a required Start parameter, however the type is spelt.
//!
//! Generated code calls `(&Presence::<FieldType>::new()).assert_required()`. Method lookup
//! tries the receiver as written before borrowing it again, so for `Presence<Option<T>>` it
//! picks [`OptionPresence`], whose method demands the never-implemented [`NotOption`]; every
//! other type falls through to [`PlainPresence`], which demands nothing.

use std::marker::PhantomData;

/// Never implemented: names the error for an `Option` field bound to a required parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold a required Start parameter",
    label = "the workflow requires this parameter, so it can never be left out",
    note = "use the type inside the `Option`, or make the parameter optional (or give it a default) in the workflow"
)]
pub trait NotOption {}

/// A zero-sized probe for the field type `T`.
pub struct Presence<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Presence<T> {
    /// The probe for `T`.
    pub const fn new() -> Self {
        Presence(PhantomData)
    }
}

impl<T: ?Sized> Default for Presence<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen for `Option` field types.
pub trait OptionPresence {
    /// The probed type.
    type Probed;
    /// Fails to compile: an `Option` cannot hold a required parameter.
    fn assert_required(&self)
    where
        Self::Probed: NotOption;
}

impl<T> OptionPresence for Presence<Option<T>> {
    type Probed = Option<T>;
    fn assert_required(&self)
    where
        Option<T>: NotOption,
    {
    }
}

/// Chosen for every field type that is not an `Option`.
pub trait PlainPresence {
    /// Compiles: the field always sends the parameter.
    fn assert_required(&self) {}
}

impl<T: ?Sized> PlainPresence for &Presence<T> {}
