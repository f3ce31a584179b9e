// End variables named under `endParam.outputVariables`, node types in another case, and an
// output field read under its serde alias.
use gptbots_runtime::{workflow, workflow_output};

#[workflow_output]
struct Weather {
    #[serde(rename = "days", alias = "forecast")]
    forecast_days: Vec<serde_json::Value>,
    warning: Option<String>,
}

#[workflow(id = "wf_weather", output = Weather, flow = "flows/end-variables-in-end-param.flow")]
struct Forecast {
    city: String,
    #[workflow(send_null)]
    #[serde(skip)]
    unused: Option<String>,
}

fn main() {
    let weather: Weather = serde_json::from_str(r#"{"forecast": [], "warning": null}"#).unwrap();
    assert!(weather.forecast_days.is_empty());
    let _ = Forecast { city: "Oslo".into(), unused: None };
}
