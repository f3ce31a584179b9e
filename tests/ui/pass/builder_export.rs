// An export as GPTBots' builder writes it: `isRequired`, defaults under `value`, File sub-kinds,
// `Array<File>`, an ISO `exportTime`, a LOOP with a Start node of its own, nested End fields.
use gptbots_runtime::{File, workflow, workflow_output};

#[workflow_output]
struct Report {
    issues: Vec<String>,
    score: i64,
}

#[workflow_output]
struct Verdict {
    verdict: String,
    report: Report,
    captions: Vec<String>,
}

#[workflow(id = "wf_review", output = Verdict, flow = "flows/builder-export.flow")]
#[serde(rename_all = "camelCase")]
struct Review {
    title: String,
    // Required, but with a default (`value: 9.5`): it may be left out.
    price: Option<f64>,
    photo: File,
    manual: Option<File>,
    gallery: Option<Vec<File>>,
    clips: Vec<File>,
    publish: Option<bool>,
    attributes: Option<serde_json::Value>,
    scores: Option<Vec<f64>>,
    listed_on: Option<String>,
}

fn main() {
    let photo = File::url("https://example.com/p.jpg", "jpg");
    let review = Review {
        title: "Bike".into(),
        price: None,
        photo,
        manual: None,
        gallery: None,
        clips: Vec::new(),
        publish: None,
        attributes: None,
        scores: None,
        listed_on: None,
    };
    let sent = serde_json::to_value(&review).unwrap();
    assert_eq!(sent.as_object().map(|o| o.len()), Some(3), "None is not sent: {sent}");
}
