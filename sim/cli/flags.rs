//! Flag values read with messages that say what is wrong. Numeric flags take negative
//! numbers as values (`allow_negative_numbers`), so `--reps -1` reaches these parsers and is
//! refused as `invalid value '-1' for '--reps <REPS>': a count cannot be negative ...`, with
//! the flag named, instead of clap's `unexpected argument '-1' found` and its tip to write
//! `-- -1`.

/// A whole number from 0 up, of any unsigned type.
pub fn whole<T: TryFrom<u128>>(text: &str) -> Result<T, String> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix('-')
        && !rest.is_empty()
    {
        return Err(format!(
            "it cannot be negative; give a whole number from 0 up, e.g. {}",
            rest.trim_start_matches('-')
        ));
    }
    let n: u128 = t
        .parse()
        .map_err(|_| format!("\"{t}\" is not a whole number; give digits only, e.g. 4"))?;
    T::try_from(n).map_err(|_| format!("{n} is too large for this flag"))
}

/// A number (negative ones too: the command's own check says what range it takes).
pub fn number(text: &str) -> Result<f64, String> {
    let t = text.trim();
    t.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("\"{t}\" is not a number; write e.g. 0.5"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_say_what_is_wrong() {
        assert_eq!(whole::<u64>("12"), Ok(12));
        assert!(whole::<u64>("-1").unwrap_err().starts_with("it cannot be negative"));
        assert!(whole::<u32>("4294967296").unwrap_err().contains("too large"));
        assert!(whole::<usize>("two").unwrap_err().contains("not a whole number"));
        assert!(whole::<u64>("1.5").unwrap_err().contains("not a whole number"));
        assert_eq!(number("-0.5"), Ok(-0.5));
        assert!(number("NaN").is_err());
    }
}
