use gptbots_runtime::{workflow, workflow_output};

#[workflow_output]
struct Weather {
    forecast: Vec<serde_json::Value>,
    #[serde(alias = "alert")]
    warnings: Vec<String>,
}

#[workflow(id = "wf_weather", output = Weather, flow = "flows/end-variables-in-end-param.flow")]
struct Forecast {
    city: String,
}

fn main() {}
