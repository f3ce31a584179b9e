//! Every `#[workflow]` type compiled into the program, collected at link time.

use schemars::{JsonSchema, Schema};

use crate::Workflow;

/// One workflow of the catalogue: its id, Rust name and schemas.
#[derive(Debug, Clone, Copy)]
pub struct WorkflowEntry {
    /// The workflow id.
    pub id: &'static str,
    /// The Rust name of the input struct.
    pub name: &'static str,
    input_schema: fn() -> Schema,
    output_schema: fn() -> Schema,
}

impl WorkflowEntry {
    /// The entry of workflow `W`.
    pub const fn of<W>() -> Self
    where
        W: Workflow + JsonSchema,
        W::Output: JsonSchema,
    {
        WorkflowEntry { id: W::ID, name: W::NAME, input_schema: schema_of::<W>, output_schema: schema_of::<W::Output> }
    }
}

fn schema_of<T: JsonSchema>() -> Schema {
    schemars::SchemaGenerator::default().into_root_schema_for::<T>()
}

inventory::collect!(WorkflowEntry);

impl WorkflowEntry {
    /// The JSON Schema of the input (what the client sends as `input`).
    pub fn input_schema(&self) -> Schema {
        (self.input_schema)()
    }

    /// The JSON Schema of the output (what the client accepts as `output`).
    pub fn output_schema(&self) -> Schema {
        (self.output_schema)()
    }
}

/// Every workflow compiled into this program, sorted by id.
pub fn workflows() -> Vec<&'static WorkflowEntry> {
    let mut all: Vec<&'static WorkflowEntry> = inventory::iter::<WorkflowEntry>.into_iter().collect();
    all.sort_by_key(|entry| entry.id);
    all
}
