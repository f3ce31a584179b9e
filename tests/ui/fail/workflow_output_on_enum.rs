use gptbots_runtime::workflow_output;

#[workflow_output]
enum NewsDigest {
    Empty,
}

fn main() {}
