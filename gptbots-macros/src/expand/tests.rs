//! Snapshots of what `#[workflow]` and `#[workflow_output]` expand to, how often a `.flow` is
//! parsed, and that one struct's expansion does not depend on the others. Review a changed
//! snapshot with `cargo insta review` (or `INSTA_UPDATE=always`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use proc_macro2::TokenStream;
use quote::quote;

use super::session::{Context, Session};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("tests")
}

fn context<'a>(session: &'a Session, crate_name: &str) -> Context<'a> {
    Context { session, crate_name: crate_name.to_owned(), manifest_dir: fixtures() }
}

fn pretty(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(err) => format!("not valid Rust ({err}):\n{tokens}"),
    }
}

/// The expansion of a struct that is the first to name its `.flow` in its crate.
fn workflow(args: TokenStream, item: TokenStream) -> String {
    let session = Session::new();
    pretty(super::workflow(&context(&session, "app"), args, item))
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
                pub max_items: Option<u32>,
                #[workflow(send_null)]
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
                #[serde(skip_serializing_if = "Option::is_none")]
                tag: Option<String>,
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
fn parameter_of_an_unknown_type() {
    insta::assert_snapshot!(workflow(
        quote!(id = "wf_search", output = String, flow = "flows/unknown-type.flow"),
        quote! {
            struct Search {
                query: String,
                vector: Option<Vec<f32>>,
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
    insta::assert_snapshot!(pretty(super::workflow_output(
        TokenStream::new(),
        quote! {
            #[serde(rename_all = "camelCase")]
            pub struct Digest {
                pub news_items: Vec<String>,
                #[serde(rename = "total", alias = "count")]
                pub count: u32,
                #[serde(skip)]
                pub fetched_locally: bool,
            }
        },
    )));
}

#[test]
fn a_flow_is_parsed_once_until_it_changes() -> std::io::Result<()> {
    let dir = std::env::temp_dir().join(format!("gptbots-macros-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("parsed-once.flow");
    let text = std::fs::read_to_string(fixtures().join("flows/today-news.flow"))?;
    std::fs::write(&path, &text)?;
    let session = Session::new();
    let first = session.load(&path, "parsed-once.flow");
    assert!(first.is_ok());
    assert!(Arc::ptr_eq(&first, &session.load(&path, "parsed-once.flow")), "served from the cache");

    // A changed file (here one byte longer) is parsed again.
    std::fs::write(&path, format!("{text} "))?;
    assert!(!Arc::ptr_eq(&first, &session.load(&path, "parsed-once.flow")));
    Ok(())
}

/// Splits a pretty-printed expansion into whether it registers the file, and everything else.
fn split_registration(expansion: &str) -> (bool, String) {
    let lines: Vec<&str> = expansion.lines().collect();
    let Some(at) = lines.iter().position(|line| line.contains("fn __gptbots_track_flow()")) else {
        return (false, expansion.trim_end().to_owned());
    };
    // From the `#[allow(dead_code)]` line before it to its closing brace.
    let indent = lines[at].len() - lines[at].trim_start().len();
    let end = lines[at..].iter().position(|line| line.len() > indent && line.trim() == "}" && line.len() - 1 == indent);
    let end = end.map_or(lines.len(), |end| at + end + 1);
    (true, [&lines[..at - 1], &lines[end..]].concat().join("\n").trim_end().to_owned())
}

#[test]
fn one_struct_expands_the_same_whichever_came_first() {
    let a = quote!(
        struct TodayNews {
            topic: String,
        }
    );
    let b = quote!(
        struct YesterdayNews {
            topic: String,
            max_items: Option<u32>,
        }
    );
    let args = quote!(id = "wf_a", output = NewsDigest, flow = "flows/today-news.flow");
    let expand_in_order = |order: [&TokenStream; 2]| -> Vec<(bool, String)> {
        let session = Session::new();
        let cx = context(&session, "app");
        order.map(|item| split_registration(&pretty(super::workflow(&cx, args.clone(), item.clone())))).into()
    };
    let ab = expand_in_order([&a, &b]);
    let ba = expand_in_order([&b, &a]);
    // Exactly one of the two registers the file, whatever the order, and apart from that one
    // item each struct's expansion is the same.
    assert_eq!(ab.iter().filter(|(registered, _)| *registered).count(), 1);
    assert_eq!(ba.iter().filter(|(registered, _)| *registered).count(), 1);
    assert_eq!(ab[0].1, ba[1].1, "`TodayNews` expands the same first or second");
    assert_eq!(ab[1].1, ba[0].1, "`YesterdayNews` expands the same first or second");
    assert!(ab.iter().all(|(_, rest)| rest.contains("assert_output_fields")), "the checks are in every expansion");
}

#[test]
fn each_crate_registers_the_file_itself() {
    // rust-analyzer's proc-macro server expands items of several crates in one process.
    let session = Session::new();
    let item = quote!(
        struct TodayNews {
            topic: String,
        }
    );
    let args = quote!(id = "wf_a", output = NewsDigest, flow = "flows/today-news.flow");
    let registers = |crate_name: &str| {
        super::workflow(&context(&session, crate_name), args.clone(), item.clone())
            .to_string()
            .contains("include_bytes")
    };
    assert!(registers("first_crate"));
    assert!(!registers("first_crate"), "once per crate");
    assert!(registers("second_crate"), "another crate registers it again");
}

#[test]
fn an_argument_error_still_emits_the_impl_and_invoke() {
    let session = Session::new();
    let cx = context(&session, "app");
    for args in [
        quote!(id = "wf_a", ouput = Digest),
        quote!(id = "", output = Digest),
        quote!(id = wf_a, output = "Digest"),
        quote!(output = Digest),
        quote!(),
    ] {
        let expansion = super::workflow(
            &cx,
            args.clone(),
            quote!(
                struct Ask {
                    question: String,
                }
            ),
        )
        .to_string();
        assert!(expansion.contains("compile_error"), "{args}: an error is reported");
        assert!(expansion.contains("Workflow for Ask"), "{args}: the impl is emitted");
        assert!(expansion.contains("fn invoke"), "{args}: `invoke` is emitted");
    }
}

#[test]
fn a_struct_that_does_not_parse_is_passed_through() {
    let dangling_doc = quote!(struct Ask { question: String, #[doc = "left behind"] });
    let expansion = super::workflow(&context(&Session::new(), "app"), quote!(id = "a", output = B), dangling_doc);
    let text = expansion.to_string();
    assert!(text.starts_with("struct Ask"), "{text}");
    assert!(!text.contains("compile_error"), "rustc's own error is the only one: {text}");
    assert!(text.contains("could not read this struct"), "a warning in case rustc accepts it: {text}");
    let function = super::workflow(
        &context(&Session::new(), "app"),
        quote!(id = "a", output = B),
        quote!(
            fn f() {}
        ),
    );
    assert!(function.to_string().contains("applies to a struct with named fields"));
}
