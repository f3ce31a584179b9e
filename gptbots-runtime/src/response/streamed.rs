//! The large-body path of [`Decoder`]: a run body decoded chunk by chunk, each chunk freed once
//! decoded, so that a large output is never held twice (once as text, once decoded).
//!
//! A body that [`read_limited`](crate::body_limit::read_limited) kept as several chunks (one of
//! `ClientBuilder::streamed_body_bytes` or more) is checked to be UTF-8, then read twice from its chunks. The first reading keeps them and
//! reads the envelope with its input and output skipped (a third reading does the same inside
//! GPTBots' `{"code": 0, "data": {...}}` wrapper): it proves the body is a JSON object and a run,
//! and gives the run id, the status and the figures before anything is decoded into the caller's
//! type, exactly as the one-slice path does. The second reading frees each chunk once passed and
//! decodes the echoed input (kept as raw JSON) and the output into `O`, tracking the JSON path so
//! that a misfit output is named as precisely as on the one-slice path.
//!
//! What this costs: the raw output cannot be kept for [`Error::OutputMismatch`] (the error says
//! so and names the run, whose output can be fetched again), and each byte is parsed twice,
//! through serde_json's `io::Read` path, which takes one byte at a time. The output is also
//! decoded one nesting level deeper than on the one-slice path (two inside the wrapper), so it
//! has that much less of serde_json's nesting limit of 128.

use std::io;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::value::RawValue;

use super::{BOM, Decoder, ObjectOnly, Outcome, Shown, Verdict, output_mismatch};
use crate::Error;
use crate::excerpt::EXCERPT_SOURCE_BYTES;
use crate::response_body::Body;
use crate::wire::RunBody;

/// The envelope with `input`, `output` and `data` skipped (the body was checked to be UTF-8
/// first: `IgnoredAny` skips strings without looking inside them), its strings owned.
type Skimmed = RunBody<'static, IgnoredAny>;

/// GPTBots' `{"code": 0, "message": "OK", "data": {...}}` wrapper around a run.
#[derive(Deserialize)]
#[serde(bound = "P: Deserialize<'de>")]
struct Wrapped<P> {
    data: P,
}

/// What the second reading takes from a run: the echoed input and the output.
#[derive(Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
struct Payload<T> {
    #[serde(default)]
    input: Option<Box<RawValue>>,
    #[serde(default)]
    output: Option<T>,
}

impl Decoder<'_> {
    /// [`Decoder::run`] for a body of several chunks, decoded as described in the module docs.
    pub(crate) fn run_streamed<O: DeserializeOwned>(
        &self,
        http_status: u16,
        mut body: Body,
    ) -> Result<Outcome<O>, Error> {
        if *body.prefix(BOM.len()) == *BOM {
            body.skip(BOM.len());
        }
        let start = body.prefix(EXCERPT_SOURCE_BYTES).into_owned();
        let shown = Shown { start: &start, len: body.len() };
        let not_a_run = |what: &str, e: serde_json::Error| {
            let reason = format!("{what} is not a GPTBots run ({})", self.quoter.text(&e.to_string()));
            self.invalid_shown(http_status, self.sniff_run_id_in(&body), reason, shown)
        };
        if let Some(at) = body.utf8_error() {
            return Err(self.not_utf8(http_status, at, self.sniff_run_id_in(&body), shown));
        }
        let ObjectOnly(outer) =
            read_whole::<ObjectOnly<Skimmed>>(body.reader()).map_err(|e| not_a_run("the body", e))?;
        let wrapped = matches!(outer, RunBody { workflow_run_id: None, code: Some(0), data: Some(_), .. });
        let envelope = match wrapped {
            true => {
                let Wrapped { data: ObjectOnly(data) } =
                    read_whole::<Wrapped<ObjectOnly<Skimmed>>>(body.reader()).map_err(|e| not_a_run("`data`", e))?;
                data
            }
            false => outer,
        };
        let (run_id, verdict) = self.verdict(http_status, &envelope, shown)?;
        match verdict {
            Verdict::InProgress(status) => Ok(Outcome::InProgress { run_id, status }),
            Verdict::Failed => {
                if envelope.input.is_none() {
                    return Ok(Outcome::Failed(self.failed(&run_id, &envelope, None)));
                }
                let payload = read_payload::<IgnoredAny>(body, wrapped).map_err(|e| {
                    // The first reading accepted these bytes, so this is not expected.
                    let reason = format!("the body is not a GPTBots run ({})", self.quoter.text(&e.to_string()));
                    self.invalid_shown(http_status, Some(self.quoter.text(&run_id)), reason, shown)
                })?;
                Ok(Outcome::Failed(self.failed(&run_id, &envelope, payload.input)))
            }
            Verdict::Succeed => {
                if envelope.output.is_none() {
                    return Err(self.no_output(http_status, &run_id, shown));
                }
                let payload = read_payload::<O>(body, wrapped).map_err(|e| self.mismatch::<O>(&run_id, wrapped, e))?;
                let Some(output) = payload.output else {
                    // The first reading found an output; the second reads the same bytes.
                    return Err(self.no_output(http_status, &run_id, shown));
                };
                Ok(Outcome::Finished(self.finished(run_id, envelope, output, payload.input)))
            }
        }
    }

    /// The error for an output that does not decode as `O`, its path relative to the output.
    fn mismatch<O>(&self, run_id: &str, wrapped: bool, error: serde_path_to_error::Error<serde_json::Error>) -> Error {
        let full_path = error.path().to_string();
        let prefix = if wrapped { "data.output" } else { "output" };
        let path = match full_path.strip_prefix(prefix) {
            Some("") => ".",
            Some(rest) => rest.strip_prefix('.').unwrap_or(rest),
            None => &full_path,
        };
        output_mismatch::<O>(&self.quoter, self.workflow_id, run_id, path, error.into_inner(), None)
    }
}

/// One JSON document from `reader`, with nothing after it.
fn read_whole<T: Deserialize<'static>>(reader: impl io::Read) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The input and output of a body the first reading accepted, freeing the body as it goes.
fn read_payload<T: DeserializeOwned>(
    body: Body,
    wrapped: bool,
) -> Result<Payload<T>, serde_path_to_error::Error<serde_json::Error>> {
    let mut de = serde_json::Deserializer::from_reader(body.into_draining_reader());
    match wrapped {
        true => serde_path_to_error::deserialize::<_, Wrapped<Payload<T>>>(&mut de).map(|wrapped| wrapped.data),
        false => serde_path_to_error::deserialize(&mut de),
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use serde::Deserialize;

    use super::*;
    use crate::error::ApiEndpoint;
    use crate::excerpt::Quoter;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        title: String,
        rank: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Digest {
        news: Vec<Item>,
    }

    /// `json` cut into chunks of `size` bytes, as a connection would hand it over.
    fn chunked(json: &[u8], size: usize) -> Body {
        let mut body = Body::default();
        for chunk in json.chunks(size) {
            body.push(Bytes::copy_from_slice(chunk));
        }
        body
    }

    fn digest_json(items: usize, bad_at: Option<usize>) -> String {
        let items: Vec<String> = (0..items)
            .map(|i| match bad_at {
                Some(bad) if bad == i => format!(r#"{{"title":{i},"rank":{i}}}"#),
                _ => format!(r#"{{"title":"headline number {i} of the day","rank":{i}}}"#),
            })
            .collect();
        format!(r#"{{"news":[{}]}}"#, items.join(","))
    }

    /// A decoder of invoke answers for workflow `wf`, scrubbing a key.
    fn decoder(endpoint: &ApiEndpoint) -> Decoder<'_> {
        Decoder { endpoint, workflow_id: "wf", quoter: Quoter::new("app-secret-key-123") }
    }

    fn decode<O: DeserializeOwned>(json: &str, chunk: usize) -> Result<Outcome<O>, Error> {
        let endpoint = ApiEndpoint::named(crate::wire::INVOKE_PATH);
        decoder(&endpoint).run_streamed(200, chunked(json.as_bytes(), chunk))
    }

    fn both<O: DeserializeOwned + std::fmt::Debug>(json: &str) -> (String, String) {
        let endpoint = ApiEndpoint::named(crate::wire::INVOKE_PATH);
        let sliced = decoder(&endpoint).run::<O>(200, json.as_bytes());
        let streamed = decode::<O>(json, 7);
        (format!("{sliced:?}"), format!("{streamed:?}"))
    }

    #[test]
    fn a_chunked_body_decodes_as_the_same_body_in_one_slice() {
        let output = digest_json(3, None);
        let bodies = [
            format!(
                r#"{{"workflowId":"wf","workflowRunId":"r1","input":{{"topic":"rust"}},"output":{output},"status":"SUCCEED","totalCost":"0.5","totalTokens":12,"startTime":1000}}"#
            ),
            format!("\u{feff}{{\"workflowRunId\":\"r1\",\"status\":\"SUCCEED\",\"output\":{output}}}"),
            format!(
                r#"{{"code":0,"message":"OK","data":{{"workflowRunId":"r1","status":"SUCCEED","output":{output}}}}}"#
            ),
            r#"{"workflowRunId":"r2","status":"FAILED","input":{"doc":"private"},"errorMessage":"model quota"}"#
                .to_owned(),
            r#"{"workflowRunId":"r3","status":"RUNNING"}"#.to_owned(),
            r#"{"workflowRunId":"r4","status":"SUCCEED"}"#.to_owned(),
            r#"{"workflowRunId":"r5","status":"SUCCEED","output":{}} trailing"#.to_owned(),
            r#"{"code":40127,"message":"Bearer app-secret-key-123 is not valid"}"#.to_owned(),
            r#"{"workflowId":"other","workflowRunId":"r6","status":"SUCCEED","output":{}}"#.to_owned(),
        ];
        for array in [
            r#"[null,null,null,"r7","SUCCEED",null,{"news":[]}]"#,
            r#"{"code":0,"data":[null,null,null,"r7","FAILED"]}"#,
        ] {
            // Fields by position: serde's derive would take it, no run body is like it.
            for decoded in <[String; 2]>::from(both::<Digest>(array)) {
                assert!(decoded.starts_with("Err(InvalidResponse") && decoded.contains("a JSON object"), "{decoded}");
            }
        }
        for body in &bodies {
            let (sliced, streamed) = both::<Digest>(body);
            assert_eq!(sliced, streamed, "{body}");
            assert!(!streamed.contains("secret-key"), "{streamed}");
        }
        match decode::<Digest>(&bodies[0], 5).unwrap() {
            Outcome::Finished(run) => {
                assert_eq!(run.output.news.len(), 3);
                assert_eq!((run.input.get(), run.cost, run.tokens), (r#"{"topic":"rust"}"#, 0.5, 12));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_mismatch_names_the_path_within_the_output_and_the_run_but_keeps_no_raw_output() {
        let output = digest_json(50, Some(31));
        for body in [
            format!(r#"{{"workflowRunId":"r1","output":{output},"status":"SUCCEED"}}"#),
            format!(r#"{{"code":0,"data":{{"workflowRunId":"r1","output":{output},"status":"SUCCEED"}}}}"#),
        ] {
            let error = decode::<Digest>(&body, 64).unwrap_err();
            assert!(matches!(&error, Error::OutputMismatch { path, raw_output: None, .. } if path == "news[31].title"));
            assert_eq!(error.run_id(), Some("r1"));
            assert!(error.to_string().contains("fetch it again by run id"), "{error}");
        }
        let root = decode::<Vec<u8>>(r#"{"workflowRunId":"r1","status":"SUCCEED","output":{"a":1}}"#, 4).unwrap_err();
        assert!(matches!(&root, Error::OutputMismatch { path, .. } if path == "."), "{root:?}");
    }

    #[test]
    fn a_broken_body_is_invalid_and_names_its_run_and_length() {
        let body = r#"{"workflowRunId":"run_9","status":"SUCCEED","output":{"news":[1,2"#;
        let error = decode::<Digest>(body, 8).unwrap_err();
        assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
        assert_eq!(error.run_id(), Some("run_9"));
    }
}
