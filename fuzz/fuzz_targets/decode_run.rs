//! Response decoding on arbitrary input: the first two bytes pick the HTTP status, the rest is
//! the body. Decoding must return a run or a typed error with a bounded message, never panic,
//! whether the body is read as one slice or (as a large body is) from its chunks.
#![no_main]

use gptbots_runtime::__private::{decode_run_body, decode_run_chunks};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Digest {
    news: Vec<Item>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Item {
    title: String,
    rank: Option<u32>,
}

fuzz_target!(|data: &[u8]| {
    // An even first byte means 200 (most of the decoder's paths); otherwise any status 100-599.
    let (status, body) = match data {
        [a, _, rest @ ..] if a % 2 == 0 => (200, rest),
        [a, b, rest @ ..] => (100 + u16::from_be_bytes([*a, *b]) % 500, rest),
        _ => (200, data),
    };
    // A large 2xx body is decoded chunk by chunk: cut this one in two.
    let (head, tail) = body.split_at(body.len() / 2);
    let streamed = (status == 200).then(|| decode_run_chunks::<Digest>("wf_news", &[head, tail]).err());
    for message in [
        decode_run_body::<Digest>("wf_news", status, body).err().map(|e| e.to_string()),
        decode_run_body::<serde_json::Value>("wf_news", status, body).err().map(|e| e.to_string()),
        streamed.flatten().map(|e| e.to_string()),
    ]
    .into_iter()
    .flatten()
    {
        assert!(message.len() <= 8 * 1024, "unbounded error message: {} bytes", message.len());
    }
});
