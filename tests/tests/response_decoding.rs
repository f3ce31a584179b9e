//! Properties of response decoding: whatever bytes arrive, decoding returns a run or a typed
//! error, never panics, and no error message grows with the body.

use gptbots_runtime::__private::{decode_run_body, decode_run_chunks};
use gptbots_runtime::{Error, Run, Status};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, PartialEq, Deserialize)]
struct Digest {
    news: Vec<Item>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct Item {
    title: String,
    #[serde(default)]
    rank: Option<u32>,
}

/// The longest an error message may be, whatever the body: excerpts, reasons and ids are all
/// bounded, so a log line never carries a whole hostile response.
const MAX_MESSAGE_BYTES: usize = 8 * 1024;

fn decode(status: u16, body: &[u8]) -> (Result<Run<Digest>, Error>, Result<Run<Value>, Error>) {
    let decoded =
        (decode_run_body::<Digest>("wf_news", status, body), decode_run_body::<Value>("wf_news", status, body));
    if status == 200 {
        assert_streamed_alike(body, &decoded.0);
        assert_streamed_alike(body, &decoded.1);
    }
    decoded
}

/// A large body is decoded chunk by chunk (not as one slice): whatever the
/// bytes, that path must come to the same run or the same kind of error, about the same run.
fn assert_streamed_alike<O: serde::de::DeserializeOwned + std::fmt::Debug>(
    body: &[u8],
    sliced: &Result<Run<O>, Error>,
) {
    let (head, tail) = body.split_at(body.len() / 3);
    let streamed = decode_run_chunks::<O>("wf_news", &[head, tail]);
    match (sliced, &streamed) {
        (Ok(sliced), Ok(streamed)) => assert_eq!(format!("{sliced:?}"), format!("{streamed:?}")),
        (Err(sliced), Err(streamed)) => {
            assert_eq!(std::mem::discriminant(sliced), std::mem::discriminant(streamed), "{sliced:?} / {streamed:?}");
            assert_eq!(sliced.run_id(), streamed.run_id(), "{sliced:?} / {streamed:?}");
            if let (Error::OutputMismatch { path: a, .. }, Error::OutputMismatch { path: b, raw_output, .. }) =
                (sliced, streamed)
            {
                assert_eq!((a, raw_output), (b, &None));
            }
            assert!(streamed.to_string().len() <= MAX_MESSAGE_BYTES, "{streamed}");
        }
        _ => panic!("one slice: {sliced:?}; chunks: {streamed:?}"),
    }
}

fn assert_bounded<O>(result: &Result<Run<O>, Error>) {
    if let Err(error) = result {
        let message = error.to_string();
        assert!(message.len() <= MAX_MESSAGE_BYTES, "{} bytes: {}", message.len(), &message[..200]);
    }
}

fn valid_envelope() -> Value {
    json!({
        "workflowId": "wf_news",
        "workflowName": "todayNews",
        "workflowVersion": "1.0.1",
        "workflowRunId": "run_51b0",
        "input": {"topic": "News"},
        "output": {"news": [{"title": "a", "rank": 1}, {"title": "b"}]},
        "workflowExecutionTime": 8347,
        "status": "SUCCEED",
        "totalCost": 0.6928,
        "totalTokens": 1745,
        "startTime": 1758765323024u64,
        "endTime": 1758765331373u64
    })
}

/// One edit of a body's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..32).prop_map(|(i, n)| Mutation::Remove(i, n)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(body: &mut Vec<u8>, mutation: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match mutation {
        Mutation::Truncate(i) => body.truncate(at(*i, body.len())),
        Mutation::Flip(i, b) if !body.is_empty() => {
            let i = i % body.len();
            body[i] ^= b;
        }
        Mutation::Flip(..) => {}
        Mutation::Insert(i, bytes) => {
            let i = at(*i, body.len());
            body.splice(i..i, bytes.iter().copied());
        }
        Mutation::Remove(i, n) => {
            let i = at(*i, body.len());
            let end = (i + n).min(body.len());
            body.drain(i..end);
        }
        Mutation::Duplicate(i, n) => {
            let i = at(*i, body.len());
            let end = (i + n).min(body.len());
            let copy = body[i..end].to_vec();
            body.splice(i..i, copy);
        }
    }
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{0,8}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

const FIELDS: [&str; 14] = [
    "workflowId",
    "workflowName",
    "workflowVersion",
    "workflowRunId",
    "input",
    "output",
    "workflowExecutionTime",
    "status",
    "totalCost",
    "totalTokens",
    "startTime",
    "endTime",
    "code",
    "message",
];

proptest! {
    // Regressions found here belong in the fuzz corpus or a named test, not in a file the
    // runner writes beside the sources.
    #![proptest_config(ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(status in prop_oneof![Just(200u16), 100u16..600], body in prop::collection::vec(any::<u8>(), 0..2048)) {
        let (typed, untyped) = decode(status, &body);
        assert_bounded(&typed);
        assert_bounded(&untyped);
        // Random bytes are never a successful run.
        prop_assert!(typed.is_err());
    }

    #[test]
    fn mutated_envelopes_never_panic(mutations in prop::collection::vec(mutation(), 1..6)) {
        let mut body = serde_json::to_vec(&valid_envelope()).unwrap();
        for m in &mutations {
            apply(&mut body, m);
        }
        let (typed, untyped) = decode(200, &body);
        assert_bounded(&typed);
        assert_bounded(&untyped);
    }

    #[test]
    fn envelopes_with_any_field_values_decode_or_fail_typed(
        replaced in prop::collection::btree_map(prop::sample::select(&FIELDS[..]), json_value(), 0..5),
        extra in prop::collection::btree_map("[a-z]{1,8}", json_value(), 0..3),
    ) {
        let mut envelope = valid_envelope();
        for (field, value) in replaced.iter().map(|(f, v)| (f.to_string(), v.clone())).chain(extra) {
            envelope[field] = value;
        }
        let body = serde_json::to_vec(&envelope).unwrap();
        let (typed, untyped) = decode(200, &body);
        assert_bounded(&typed);
        assert_bounded(&untyped);
        match &typed {
            Ok(run) => {
                // A run comes back only when the body says it succeeded, for this workflow.
                prop_assert_eq!(&run.status, &Status::Succeed);
                prop_assert_eq!(run.workflow_id.as_str(), "wf_news");
                // Ids arrive as strings or, leniently, as numbers.
                let sent = match &envelope["workflowRunId"] {
                    Value::Number(n) => n.to_string(),
                    other => other.as_str().unwrap_or_default().to_owned(),
                };
                prop_assert_eq!(&run.run_id, &sent);
            }
            Err(Error::OutputMismatch { raw_output, .. }) => {
                // The paid output is recoverable, byte for byte as it was sent.
                let sent = serde_json::to_string(&envelope["output"]).unwrap();
                prop_assert_eq!(raw_output.as_deref(), Some(sent.as_str()));
            }
            Err(_) => {}
        }
    }

    #[test]
    fn any_number_in_the_figures_is_survived(
        field in prop::sample::select(&["workflowExecutionTime", "startTime", "endTime", "totalCost", "totalTokens"][..]),
        number in prop_oneof![any::<f64>().prop_filter("finite", |f| f.is_finite()), Just(f64::MAX), Just(-f64::MAX), Just(1e300)],
    ) {
        let mut envelope = valid_envelope();
        envelope[field] = json!(number);
        let result = decode_run_body::<Digest>("wf_news", 200, &serde_json::to_vec(&envelope).unwrap());
        prop_assert!(result.is_ok(), "{:?}", result);
    }

    #[test]
    fn unknown_statuses_are_kept(status in "[A-Z_]{1,20}") {
        let mut envelope = valid_envelope();
        envelope["status"] = json!(status);
        let result = decode_run_body::<Digest>("wf_news", 200, &serde_json::to_vec(&envelope).unwrap());
        match Status::parse(&status) {
            Status::Succeed => prop_assert!(result.is_ok()),
            Status::Failed => {
                let failed = matches!(result, Err(Error::RunFailed { .. }));
                prop_assert!(failed, "{:?}", result);
            }
            expected => {
                let kept = matches!(&result, Err(Error::UnexpectedStatus { status: got, .. }) if *got == expected);
                prop_assert!(kept, "{:?}", result);
            }
        }
    }
}

#[test]
fn the_valid_envelope_decodes() {
    let body = serde_json::to_vec(&valid_envelope()).unwrap();
    let run = decode_run_body::<Digest>("wf_news", 200, &body).unwrap();
    assert_eq!(run.output.news.len(), 2);
    assert_eq!(run.output.news[0], Item { title: "a".into(), rank: Some(1) });
}
