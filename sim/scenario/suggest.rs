//! "Did you mean ...?": the closest of a few known names to a misspelt one, for hints in
//! scenario errors, actions and tabletop commands. It owns the rule for what counts as a typo
//! and nothing else: it knows neither RON nor where the names come from.

/// The closest of `options` to a misspelt `found`, if it is close enough to be a typo.
///
/// Distance is the optimal string alignment distance over chars, ignoring ASCII case: an
/// insertion, a deletion, a substitution or a swap of two neighbours is one edit, so `hlep` is
/// one edit from `help` and `Hospitl` one from `Hospital`. A name is close enough within one
/// edit per three characters of `found` (at least one). Of equally close options the first
/// wins, so callers that list options in a fixed order get a fixed suggestion.
pub fn suggest<'a>(found: &str, options: &[&'a str]) -> Option<&'a str> {
    let found = found.to_ascii_lowercase();
    let limit = (found.chars().count() / 3).max(1);
    options
        .iter()
        .map(|o| (strsim::osa_distance(&found, &o.to_ascii_lowercase()), *o))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, o)| o)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: [&str; 4] = ["horizon", "name", "technicians_per_1000", "technicians_min"];

    fn check(found: &str, options: &[&str], expected: Option<&str>) {
        assert_eq!(suggest(found, options), expected, "{found} among {options:?}");
    }

    #[test]
    fn suggests_close_spellings_only() {
        check("horizn", &FIELDS, Some("horizon"));
        check("Horizon", &FIELDS, Some("horizon"));
        check("technicans_per_1000", &FIELDS, Some("technicians_per_1000"));
        check("nme", &FIELDS, Some("name"));
        check("budget", &FIELDS, None);
        check("", &FIELDS, None);
        check("Hospitl", &["Airline", "Hospital", "Bank"], Some("Hospital"));
        check("nxet", &["next", "end"], Some("next"));
        check("hlep", &["next", "help"], Some("help"));
        check("hosptial", &["bank", "hospital"], Some("hospital"));
        check("zebra", &["next", "end"], None);
    }

    #[test]
    fn one_edit_is_one_char_swap_or_case_free() {
        // Over chars, not bytes: `é` is one substitution from `e`.
        check("é", &["e"], Some("e"));
        check("HELP", &["help"], Some("help"));
        check("help", &["HELP"], Some("HELP"));
        // Six characters allow two edits, not three.
        check("kitten", &["sitting"], None);
        check("kitten", &["sittn"], Some("sittn"));
    }

    #[test]
    fn the_first_of_equally_close_options_wins() {
        check("cat", &["bat", "hat"], Some("bat"));
        check("cat", &["hat", "bat"], Some("hat"));
        check("help", &["help", "hel"], Some("help"));
        check("hel", &["hex", "help"], Some("hex"));
    }
}
