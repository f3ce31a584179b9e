use gptbots_runtime::workflow;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Answer {
    pub text: String,
}

/// Asks a question.
#[workflow(id = "wf_ask", output = Answer)]
pub struct Ask {
    pub question: String,
}

fn main() {}
