//! Human-readable numbers for the table, the HTML report and chart axes: thousands separators,
//! money ($1.74B), durations (1h 18m), percentages and UTC clock times.
//!
//! Everything here is a pure function from a number to text. It knows nothing of results,
//! charts or HTML, so every exporter formats the same quantity the same way. A non-finite
//! input gives "n/a" rather than a misleading number.

use blastradius_model::figures::Unit;
use chrono::DateTime;

/// Text shown for a value that is not a finite number.
pub const NOT_AVAILABLE: &str = "n/a";

/// A figure's value in human form, by its unit: money as money, times after the publication
/// as durations, shares as percentages, days as "day 6", counts with thousands separators.
pub fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Usd => money(v),
        Unit::SecondsAfterPublication => duration(v),
        Unit::Count | Unit::EndpointHours | Unit::ServiceHours => thousands(v),
        Unit::Share => percent(v, 1),
        Unit::Day => format!("day {}", number(v)),
    }
}

/// An integer with thousands separators: 8788155 → "8,788,155". Rounds to the nearest integer.
pub fn thousands(value: f64) -> String {
    if !value.is_finite() {
        return NOT_AVAILABLE.to_string();
    }
    let rounded = value.round();
    // Rounding -0.4 gives -0.0, which must not print as "-0".
    let sign = if rounded < 0.0 { "-" } else { "" };
    format!("{sign}{}", group_digits(&format!("{:.0}", rounded.abs())))
}

/// Inserts a comma every three digits of a string of ASCII digits.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The steps of the compact notation: 1,000 → k, 1,000,000 → M, and so on.
const SCALES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")];

/// Three significant digits with a unit suffix: 1_740_000_000 → "1.74B", 380e6 → "380M",
/// 12_300 → "12.3k", 950 → "950". `None` when the value is not finite.
fn compact(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    let sign = if value < 0.0 && value.abs() >= 0.5 { "-" } else { "" };
    let magnitude = value.abs();
    if magnitude < 999.5 {
        return Some(format!("{sign}{magnitude:.0}"));
    }
    // Work from the smallest suffix up, so that a value that rounds up to 1000 of one unit
    // (999.96k) is shown in the next one (1.00M) instead.
    for (i, &(scale, suffix)) in SCALES.iter().enumerate().rev() {
        let scaled = magnitude / scale;
        let text = three_significant(scaled);
        let is_largest = i == 0;
        if text.parse::<f64>().map_or(true, |v| v < 1000.0) || is_largest {
            return Some(format!("{sign}{text}{suffix}"));
        }
    }
    None
}

/// A number of at least 1 with three significant digits: 1.74, 12.3, 380.
fn three_significant(x: f64) -> String {
    if x >= 99.95 {
        format!("{x:.0}")
    } else if x >= 9.995 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// US dollars in compact form: "$1.74B", "$380M", "$12.3k", "$950", "-$1.20M".
pub fn money(usd: f64) -> String {
    match compact(usd) {
        Some(text) => match text.strip_prefix('-') {
            Some(rest) => format!("-${rest}"),
            None => format!("${text}"),
        },
        None => NOT_AVAILABLE.to_string(),
    }
}

/// A count in compact form for axes: 8_500_000 → "8.50M", 120_000 → "120k", 42 → "42".
pub fn count_compact(value: f64) -> String {
    compact(value).unwrap_or_else(|| NOT_AVAILABLE.to_string())
}

/// A plain number for axes and labels: integers as integers, otherwise up to four significant
/// digits without trailing zeros: 0.25 → "0.25", 1500 → "1,500", 0.001 → "0.001".
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return NOT_AVAILABLE.to_string();
    }
    let magnitude = value.abs();
    if magnitude >= 1000.0 || value == value.round() {
        return thousands(value);
    }
    // Four significant digits: one decimal for hundreds, more for smaller values.
    let decimals = (3 - magnitude.log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A duration given in seconds, rounded to its two largest units: "3d 4h", "1h 18m", "12m 5s",
/// "45s". A zero minor unit is left out ("2h", not "2h 0m"). Negative durations get a minus.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return NOT_AVAILABLE.to_string();
    }
    let sign = if seconds < 0.0 { "-" } else { "" };
    let s = seconds.abs();
    // Round to the smallest unit shown before splitting, so 3599.6 s reads "1h", not "59m 60s".
    let (major, minor, major_unit, minor_unit) = if s >= 86_400.0 - 1_800.0 {
        let hours = (s / 3_600.0).round() as u64;
        (hours / 24, hours % 24, "d", "h")
    } else if s >= 3_600.0 - 30.0 {
        let minutes = (s / 60.0).round() as u64;
        (minutes / 60, minutes % 60, "h", "m")
    } else if s >= 59.5 {
        let secs = s.round() as u64;
        (secs / 60, secs % 60, "m", "s")
    } else {
        return format!("{sign}{}s", s.round() as u64);
    };
    if minor == 0 {
        format!("{sign}{major}{major_unit}")
    } else {
        format!("{sign}{major}{major_unit} {minor}{minor_unit}")
    }
}

/// A share (0.5) as a percentage with the given number of decimals: "50%", "99.5%".
pub fn percent(share: f64, decimals: usize) -> String {
    if !share.is_finite() {
        return NOT_AVAILABLE.to_string();
    }
    format!("{:.decimals$}%", share * 100.0)
}

/// The UTC date and time of `offset_s` seconds after `start_unix_s`, to the minute:
/// "Fri 19 Jul 2024 05:27 UTC". Seconds are truncated, as a wall clock shows them.
pub fn utc_datetime(start_unix_s: i64, offset_s: f64) -> String {
    utc_format(start_unix_s, offset_s, "%a %-d %b %Y %H:%M UTC")
}

/// The UTC weekday and time, for lists where the date is obvious: "Fri 05:27 UTC".
pub fn utc_clock(start_unix_s: i64, offset_s: f64) -> String {
    utc_format(start_unix_s, offset_s, "%a %H:%M UTC")
}

/// Formats a UTC instant with a chrono format string; "n/a" outside chrono's range.
pub fn utc_format(start_unix_s: i64, offset_s: f64, pattern: &str) -> String {
    if !offset_s.is_finite() {
        return NOT_AVAILABLE.to_string();
    }
    let at = start_unix_s.saturating_add(offset_s.floor() as i64);
    match DateTime::from_timestamp(at, 0) {
        Some(t) => t.format(pattern).to_string(),
        None => NOT_AVAILABLE.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        for (value, text) in [
            (0.0, "0"),
            (7.0, "7"),
            (999.0, "999"),
            (1_000.0, "1,000"),
            (8_788_155.0, "8,788,155"),
            (123_456.6, "123,457"),
            (-1_234.0, "-1,234"),
            (-0.4, "0"),
            (f64::NAN, "n/a"),
        ] {
            assert_eq!(thousands(value), text, "{value}");
        }
    }

    #[test]
    fn money_uses_three_significant_digits() {
        for (value, text) in [
            (0.0, "$0"),
            (950.0, "$950"),
            (999.4, "$999"),
            (999.6, "$1.00k"),
            (12_300.0, "$12.3k"),
            (380e6, "$380M"),
            (1.74e9, "$1.74B"),
            (1_738_000_000.0, "$1.74B"),
            (999_960.0, "$1.00M"),
            (2.5e12, "$2.50T"),
            (4.2e15, "$4200T"),
            (-1.2e6, "-$1.20M"),
            (f64::INFINITY, "n/a"),
        ] {
            assert_eq!(money(value), text, "{value}");
        }
    }

    #[test]
    fn counts_and_numbers() {
        assert_eq!(count_compact(8_500_000.0), "8.50M");
        assert_eq!(count_compact(120_000.0), "120k");
        assert_eq!(count_compact(42.0), "42");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(1500.0), "1,500");
        assert_eq!(number(0.001), "0.001");
        assert_eq!(number(12.345_67), "12.35");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(1234.5), "1,235");
    }

    #[test]
    fn durations_show_two_units() {
        for (seconds, text) in [
            (0.0, "0s"),
            (45.0, "45s"),
            (59.4, "59s"),
            (59.6, "1m"),
            (725.0, "12m 5s"),
            (3_599.6, "1h"),
            (4_680.0, "1h 18m"),
            (29_880.0, "8h 18m"),
            (7_200.0, "2h"),
            (273_600.0, "3d 4h"),
            (259_200.0, "3d"),
            (-4_680.0, "-1h 18m"),
            (f64::NAN, "n/a"),
        ] {
            assert_eq!(duration(seconds), text, "{seconds}");
        }
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(0.5, 0), "50%");
        assert_eq!(percent(0.995, 1), "99.5%");
        assert_eq!(percent(1.0, 0), "100%");
    }

    #[test]
    fn utc_times() {
        // 2024-07-19T04:09:00Z, the start of the 2024 outage.
        let start = 1_721_362_140;
        assert_eq!(utc_datetime(start, 0.0), "Fri 19 Jul 2024 04:09 UTC");
        assert_eq!(utc_datetime(start, 4_680.0), "Fri 19 Jul 2024 05:27 UTC");
        assert_eq!(utc_clock(start, 86_400.0 + 59.9), "Sat 04:09 UTC");
        assert_eq!(utc_clock(start, f64::NAN), "n/a");
    }
}
