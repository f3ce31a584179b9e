//! An End node in TEXT mode: any output type that decodes, no field check.

use gptbots_runtime::workflow;

#[workflow(id = "wf_summarise", output = String, flow = "flows/text-end.flow")]
struct Summarise<'a> {
    document: &'a str,
}

fn main() {
    use gptbots_runtime::Workflow;
    assert_eq!(<Summarise<'static> as Workflow>::ID, "wf_summarise");
    assert_eq!(<Summarise<'static> as Workflow>::NAME, "Summarise");
}
