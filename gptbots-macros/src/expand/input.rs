//! The shape of the annotated item: a struct with named fields, and each field's JSON name.

use syn::{Data, DeriveInput, Fields, GenericParam, Ident, Type};

use super::errors::Errors;
use super::field_attrs;
use super::serde_attrs::{self, Side};

/// A field that appears in the JSON object (not skipped on the side considered).
pub struct WireField<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    /// The JSON name, after serde's `rename` and `rename_all`.
    pub name: String,
    /// Other names it is read from (`#[serde(alias)]`, outputs only).
    pub aliases: Vec<String>,
    /// `#[serde(flatten)]`: its own fields appear in its place, under names unknown here.
    pub flatten: bool,
    /// `#[workflow(unchecked)]` (inputs only): no warning for an uncheckable parameter type.
    pub unchecked: bool,
}

/// Which attribute is asking, for the wording of errors.
#[derive(Clone, Copy)]
pub enum Role {
    Input,
    Output,
}

impl Role {
    fn attribute(self) -> &'static str {
        match self {
            Role::Input => "#[workflow]",
            Role::Output => "#[workflow_output]",
        }
    }

    fn fields_are(self) -> &'static str {
        match self {
            Role::Input => "one per Start parameter",
            Role::Output => "one per End-node variable",
        }
    }
}

/// The fields of `input` as they appear on the wire, or `None` (with errors) when `input` is
/// not a struct with named fields.
pub fn wire_fields<'a>(input: &'a DeriveInput, role: Role, errors: &mut Errors) -> Option<Vec<WireField<'a>>> {
    let attribute = role.attribute();
    let fields_are = role.fields_are();
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => named,
            Fields::Unnamed(unnamed) => {
                errors.push_at(
                    unnamed,
                    format!(
                        "`{attribute}` needs named fields, {fields_are}: a tuple struct has no field names; write `struct {} {{ name: Type }}`",
                        input.ident
                    ),
                );
                return None;
            }
            Fields::Unit => {
                errors.push_at(
                    &input.ident,
                    format!(
                        "`{attribute}` needs named fields, {fields_are}: a unit struct serializes to `null`; write `struct {} {{}}` for no fields",
                        input.ident
                    ),
                );
                return None;
            }
        },
        Data::Enum(data) => {
            errors.push(syn::Error::new(
                data.enum_token.span,
                format!("`{attribute}` cannot be used on an enum: declare a struct with named fields, {fields_are}"),
            ));
            return None;
        }
        Data::Union(data) => {
            errors.push(syn::Error::new(
                data.union_token.span,
                format!("`{attribute}` cannot be used on a union: declare a struct with named fields, {fields_are}"),
            ));
            return None;
        }
    };
    let side = match role {
        Role::Input => Side::Serialize,
        Role::Output => Side::Deserialize,
    };
    let rule = serde_attrs::rename_all(&input.attrs, side);
    let mut wire: Vec<WireField<'a>> = Vec::new();
    for field in &named.named {
        let Some(ident) = &field.ident else { continue };
        let serde = serde_attrs::field(field, ident, rule, side);
        let options = match role {
            Role::Input => field_attrs::options(field, errors),
            Role::Output => field_attrs::FieldOptions::default(),
        };
        if serde.skipped {
            continue;
        }
        if !serde.flatten
            && let Some(first) = wire.iter().find(|other| !other.flatten && other.name == serde.name)
        {
            let verb = match side {
                Side::Serialize => "serialize to",
                Side::Deserialize => "deserialize from",
            };
            errors.push_at(
                ident,
                format!(
                    "fields `{}` and `{ident}` both {verb} `{}`: give one of them another name with `#[serde(rename = \"...\")]`",
                    first.ident, serde.name
                ),
            );
            continue;
        }
        wire.push(WireField {
            ident,
            ty: &field.ty,
            name: serde.name,
            aliases: serde.aliases,
            flatten: serde.flatten,
            unchecked: options.unchecked,
        });
    }
    Some(wire)
}

/// Reports the generic parameters `#[workflow]` cannot handle: a workflow has one input shape,
/// so only lifetimes (for borrowed fields such as `&'a str`) are allowed.
pub fn check_generics(input: &DeriveInput, errors: &mut Errors) -> bool {
    let mut ok = true;
    for param in &input.generics.params {
        let what = match param {
            GenericParam::Lifetime(_) => continue,
            GenericParam::Type(_) => "type parameters",
            GenericParam::Const(_) => "const parameters",
        };
        ok = false;
        errors.push_at(
            param,
            format!(
                "`#[workflow]` does not support {what}: a workflow has one fixed input; use concrete field types (lifetimes such as `'a` are fine)"
            ),
        );
    }
    ok
}
