//! The arguments of `#[workflow(...)]`: `id = "..."`, `output = Type`, `flow = "..."`,
//! `crate = "..."`. Every mistake is reported, not only the first.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Path, Token, Type};

use super::errors::Errors;
use super::suggest;

const KEYS: [&str; 4] = ["id", "output", "flow", "crate"];

/// The parsed arguments of `#[workflow(...)]`.
pub struct WorkflowArgs {
    pub id: LitStr,
    pub output: Type,
    pub flow: Option<LitStr>,
    pub krate: Path,
}

#[derive(Default)]
struct Found {
    id: Option<LitStr>,
    output: Option<Type>,
    flow: Option<LitStr>,
    krate: Option<Path>,
    seen: Vec<Ident>,
    /// Known keys suggested for misspelt ones: not reported missing a second time.
    suggested: Vec<&'static str>,
}

/// Parses `args`, reporting every problem in `errors`. What could not be read is replaced by a
/// stand-in (an empty id, `__private::FallbackOutput`), so the expansion still emits the
/// `Workflow` impl and `invoke`, and call sites do not fail on top of the real error (the way
/// thiserror falls back).
pub fn parse(args: TokenStream, errors: &mut Errors) -> WorkflowArgs {
    let mut found = Found::default();
    let parser = |input: ParseStream| {
        parse_all(input, &mut found, errors);
        Ok(())
    };
    // `parse_all` never fails: it records errors and moves on to the next argument.
    let _ = parser.parse2(args);
    let mentioned =
        |found: &Found, key: &str| found.seen.iter().any(|seen| seen == key) || found.suggested.contains(&key);
    if found.id.is_none() && !mentioned(&found, "id") {
        errors.push(syn::Error::new(
            Span::call_site(),
            "missing `id`: add `id = \"<workflow id>\"` (the id from the workflow's Integration > API page)",
        ));
    }
    if found.output.is_none() && !mentioned(&found, "output") {
        errors.push(syn::Error::new(
            Span::call_site(),
            "missing `output`: add `output = <type>`, the type the End node's output decodes into",
        ));
    }
    let krate: Path = found.krate.unwrap_or_else(|| syn::parse_quote!(::gptbots_runtime));
    WorkflowArgs {
        id: found.id.unwrap_or_else(|| LitStr::new("", Span::call_site())),
        output: found.output.unwrap_or_else(|| syn::parse_quote!(#krate::__private::FallbackOutput)),
        flow: found.flow,
        krate,
    }
}

fn parse_all(input: ParseStream, found: &mut Found, errors: &mut Errors) {
    while !input.is_empty() {
        match input.call(Ident::parse_any) {
            Ok(key) => {
                if let Err(err) = argument(input, &key, found) {
                    errors.push(err);
                    skip_to_comma(input);
                }
            }
            Err(_) => {
                errors.push(input.error("expected an argument such as `id = \"wf_...\"`: write `key = value` pairs"));
                skip_to_comma(input);
            }
        }
        if input.is_empty() {
            break;
        }
        // A missing comma is reported, then the next argument is read as if it were there.
        if input.parse::<Token![,]>().is_err() {
            errors.push(input.error("expected `,` between arguments: separate them like `id = \"...\", output = T`"));
            if !input.peek(Ident::peek_any) {
                skip_to_comma(input);
                let _ = input.parse::<Token![,]>();
            }
        }
    }
}

fn argument(input: ParseStream, key: &Ident, found: &mut Found) -> syn::Result<()> {
    let name = key.to_string();
    if !KEYS.contains(&name.as_str()) {
        let hint = match suggest::closest(&name, KEYS) {
            Some(close) => {
                found.suggested.extend(KEYS.iter().find(|key| **key == close));
                format!("did you mean `{close}`?")
            }
            None => "the arguments are `id`, `output`, `flow` and `crate`".to_owned(),
        };
        return Err(syn::Error::new(key.span(), format!("unknown argument `{name}` of `#[workflow]`: {hint}")));
    }
    if found.seen.iter().any(|seen| *seen == name) {
        return Err(syn::Error::new(key.span(), format!("duplicate argument `{name}`: remove one of the two")));
    }
    found.seen.push(key.clone());
    let example = match name.as_str() {
        "id" => "`id = \"wf_today_news\"`",
        "output" => "`output = NewsDigest`",
        "flow" => "`flow = \"workflows/today-news.flow\"`",
        _ => "`crate = \"::gptbots_runtime\"`",
    };
    if input.parse::<Token![=]>().is_err() {
        return Err(syn::Error::new(key.span(), format!("`{name}` needs a value: write {example}")));
    }
    if name == "output" {
        if input.peek(syn::Lit) {
            let lit: syn::Lit = input.parse()?;
            return Err(syn::Error::new(lit.span(), format!("`output` takes a type, not a literal: write {example}")));
        }
        found.output = Some(
            input
                .parse()
                .map_err(|err| syn::Error::new(err.span(), format!("`output` takes a type: write {example}")))?,
        );
        return Ok(());
    }
    if !input.peek(LitStr) {
        let span = input.cursor().token_tree().map_or_else(|| input.span(), |(tt, _)| tt.span());
        return Err(syn::Error::new(span, format!("`{name}` takes a string literal: write {example}")));
    }
    let lit: LitStr = input.parse()?;
    match name.as_str() {
        "id" if lit.value().trim().is_empty() => {
            return Err(syn::Error::new(
                lit.span(),
                "empty workflow `id`: copy the id from the workflow's Integration > API page in GPTBots",
            ));
        }
        "id" => found.id = Some(lit),
        "flow" if lit.value().trim().is_empty() => {
            return Err(syn::Error::new(
                lit.span(),
                "empty `flow` path: give the `.flow` export's path relative to Cargo.toml, e.g. `flow = \"workflows/today-news.flow\"`",
            ));
        }
        "flow" => found.flow = Some(lit),
        _ => {
            let path = lit.parse::<Path>().map_err(|_| {
                syn::Error::new(
                    lit.span(),
                    format!("`crate` takes a path such as {example}: `{}` is not a path", lit.value()),
                )
            })?;
            found.krate = Some(path);
        }
    }
    Ok(())
}

/// Moves past the current argument, so a mistake in one does not hide mistakes in the next.
fn skip_to_comma(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        let mut angle_depth = 0usize;
        while let Some((tt, next)) = rest.token_tree() {
            if let TokenTree::Punct(punct) = &tt {
                match punct.as_char() {
                    ',' if angle_depth == 0 => return Ok(((), rest)),
                    '<' => angle_depth += 1,
                    '>' => angle_depth = angle_depth.saturating_sub(1),
                    _ => {}
                }
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

/// Whether `krate` is the default runtime path, `::gptbots_runtime`.
pub fn is_default_crate(krate: &Path) -> bool {
    krate.leading_colon.is_some()
        && krate.segments.len() == 1
        && krate.segments[0].ident == "gptbots_runtime"
        && krate.segments[0].arguments.is_none()
}
