//! "Did you mean" for misspelt names.

/// The candidate closest to `wrong`, if it is close enough to be a plausible typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let fold = |s: &str| s.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect::<String>();
    let wrong_folded = fold(wrong);
    candidates
        .into_iter()
        .map(|candidate| {
            // Names that differ only in case or separators (`max_items`, `maxItems`) are the
            // likeliest intent of all.
            let score = if fold(candidate) == wrong_folded {
                2.0
            } else {
                strsim::normalized_damerau_levenshtein(&wrong.to_lowercase(), &candidate.to_lowercase())
            };
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn prefers_the_same_name_in_another_case() {
        assert_eq!(closest("max_items", ["maxItems", "max_item"]), Some("maxItems"));
    }

    #[test]
    fn finds_typos_and_ignores_unrelated_names() {
        assert_eq!(closest("topci", ["topic", "languages"]), Some("topic"));
        assert_eq!(closest("colour", ["topic", "languages"]), None);
    }
}
