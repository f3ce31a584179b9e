//! Snapshots of what `#[workflow]` and `#[workflow_output]` expand to, and how often a `.flow`
//! is parsed. The expansion code is compiled into this test directly, so it runs outside the
//! compiler. Review a changed snapshot with `cargo insta review` (or `INSTA_UPDATE=always`).

#[allow(dead_code)]
#[path = "../../gptbots-macros/src/expand/mod.rs"]
mod expand;

use std::sync::Mutex;

use proc_macro2::TokenStream;
use quote::quote;

/// The parse counter and the set of tracked files are process-wide: tests that read `.flow` files
/// take turns.
static FLOW_FILES: Mutex<()> = Mutex::new(());

fn pretty(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("the expansion is valid Rust");
    prettyplease::unparse(&file)
}

fn workflow(args: TokenStream, item: TokenStream) -> String {
    let _turn = FLOW_FILES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // Each snapshot shows the expansion of a struct that is the first to name its `.flow`.
    expand::contract::forget_tracked_files();
    pretty(expand::workflow(args, item))
}

#[test]
fn struct_checked_against_a_flow() {
    insta::assert_snapshot!(workflow(
        quote!(id = "wf_today_news", output = NewsDigest, flow = "flows/today-news.flow"),
        quote! {
            /// Today's news about a topic.
            #[serde(rename_all = "camelCase")]
            pub struct TodayNews {
                pub topic: String,
                #[serde(skip_serializing_if = "Option::is_none")]
                pub max_items: Option<u32>,
                pub languages: Option<Vec<String>>,
            }
        },
    ));
}

#[test]
fn struct_without_flow_and_with_crate_override() {
    insta::assert_snapshot!(workflow(
        quote!(id = "wf_ping", output = serde_json::Value, crate = "my_app::gptbots"),
        quote! {
            struct Ping {
                message: String,
            }
        },
    ));
}

#[test]
fn struct_borrowing_its_fields() {
    insta::assert_snapshot!(workflow(
        quote!(id = "wf_summarise", output = String, flow = "flows/text-end.flow"),
        quote! {
            struct Summarise<'a> {
                document: &'a str,
            }
        },
    ));
}

#[test]
fn mistakes_are_all_reported_and_the_struct_is_kept() {
    insta::assert_snapshot!(workflow(
        quote!(id = "", ouput = NewsDigest, flow = "flows/today-news.flow"),
        quote! {
            struct TodayNews {
                topic: String,
                #[serde(rename = "topic")]
                subject: String,
            }
        },
    ));
}

#[test]
fn output_struct() {
    insta::assert_snapshot!(pretty(expand::workflow_output(
        TokenStream::new(),
        quote! {
            #[serde(rename_all = "camelCase")]
            pub struct Digest {
                pub news_items: Vec<String>,
                #[serde(rename = "total")]
                pub count: u32,
                #[serde(skip)]
                pub fetched_locally: bool,
            }
        },
    )));
}

#[test]
fn a_flow_is_parsed_once_until_it_changes() {
    let _turn = FLOW_FILES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("expansion");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("parsed-once.flow");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/flows/today-news.flow")).unwrap();
    std::fs::write(&path, &text).unwrap();
    let flow = path.to_str().unwrap();
    let item = quote!(
        struct TodayNews {
            topic: String,
        }
    );

    let before = expand::flow::parse_count();
    for _ in 0..3 {
        expand::workflow(quote!(id = "wf_a", output = NewsDigest, flow = #flow), item.clone());
    }
    assert_eq!(expand::flow::parse_count() - before, 1, "three structs, one parse");

    // A changed file (here one byte longer) is parsed again.
    std::fs::write(&path, format!("{text} ")).unwrap();
    expand::workflow(quote!(id = "wf_a", output = NewsDigest, flow = #flow), item);
    assert_eq!(expand::flow::parse_count() - before, 2);
}

#[test]
fn a_flow_is_registered_with_the_compiler_once_per_compilation() {
    let _turn = FLOW_FILES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    expand::contract::forget_tracked_files();
    let item = quote!(
        struct TodayNews {
            topic: String,
        }
    );
    let expansions: Vec<String> = (0..3)
        .map(|_| {
            expand::workflow(quote!(id = "wf_a", output = NewsDigest, flow = "flows/today-news.flow"), item.clone())
                .to_string()
        })
        .collect();

    assert!(expansions[0].contains("include_bytes"), "the first struct registers the file");
    assert!(!expansions[1].contains("include_bytes") && !expansions[2].contains("include_bytes"));
    // The checks themselves are there for every struct.
    assert!(expansions.iter().all(|e| e.contains("assert_output_fields")));
}
