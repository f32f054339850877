//! `timeseries.csv`: the sampled time series in tidy form, one row per (replication, sample,
//! sector), for R, pandas or a spreadsheet.
//!
//! It knows the result types and the `csv` crate; it knows nothing of charts, HTML or files.
//! Numbers are written with a fixed format so that the same results give the same bytes on
//! every machine: `time_s` as an integer when whole (else to the millisecond), `capacity` with
//! six decimals, `loss_usd_cumulative` with two. A non-finite value is written as an empty
//! field, which R and pandas read as missing.

use blastradius_model::RunResult;

/// A text cell as it is safe to put before a spreadsheet: one that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would be read as a formula (`=HYPERLINK(...)`, `+1+cmd|...`),
/// so it gets a leading `'`, as the OWASP guidance on CSV injection says. A number stays as it
/// is (`-1` is a number to a spreadsheet, not a formula). Every user string that reaches a CSV
/// (scenario names, field paths, parameter values, sector names) goes through here.
pub fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !text.parse::<f64>().is_ok_and(f64::is_finite) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The header row, in column order.
pub const HEADER: [&str; 6] =
    ["replication", "time_s", "sector", "endpoints_down", "capacity", "loss_usd_cumulative"];

/// The tidy time series of every replication, in (replication as given, sample, sector)
/// order, with a header row. A cell the series lacks (a ragged row) is left empty rather than
/// guessed.
pub fn timeseries_csv(runs: &[RunResult]) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail, and every record has the header's length.
    writer.write_record(HEADER).expect("writing CSV to memory cannot fail");
    for run in runs {
        let s = &run.series;
        let replication = run.replication.to_string();
        for (k, &t) in s.times_s.iter().enumerate() {
            let time = seconds(t);
            for (j, sector) in s.sectors.iter().enumerate() {
                let down = s.down.get(k).and_then(|row| row.get(j)).map(u64::to_string);
                let cap = s.capacity.get(k).and_then(|row| row.get(j)).map(|&c| fixed(c, 6));
                let loss = s.loss_usd.get(k).and_then(|row| row.get(j)).map(|&l| fixed(l, 2));
                writer
                    .write_record([
                        replication.as_str(),
                        time.as_str(),
                        &cell(sector.name()),
                        down.as_deref().unwrap_or(""),
                        cap.as_deref().unwrap_or(""),
                        loss.as_deref().unwrap_or(""),
                    ])
                    .expect("writing CSV to memory cannot fail");
            }
        }
    }
    let bytes = writer.into_inner().expect("flushing CSV to memory cannot fail");
    // Every field is either ASCII we formatted or a sector name, so the bytes are UTF-8.
    String::from_utf8(bytes).expect("CSV fields are UTF-8")
}

/// Seconds as an integer when whole, otherwise to the millisecond (the engine's resolution).
fn seconds(t: f64) -> String {
    if !t.is_finite() {
        String::new()
    } else if t == t.round() && t.abs() < 9.0e15 {
        format!("{t:.0}")
    } else {
        format!("{t:.3}")
    }
}

/// A number with a fixed count of decimals; empty when not finite. Negative zero prints as
/// zero so that a value that rounds to nothing has one spelling.
pub(crate) fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let text = format!("{x:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_with_figures, sample_runs};
    use blastradius_engine::SimTime;
    use blastradius_model::results::Series;
    use blastradius_model::spec::Sector;

    /// Issue 15: spreadsheet formula injection.
    #[test]
    fn cells_a_spreadsheet_would_evaluate_get_a_leading_quote() {
        for (text, safe) in [
            ("=HYPERLINK(\"http://evil/\",\"click\")", "'=HYPERLINK(\"http://evil/\",\"click\")"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-inf", "'-inf"),
            ("-1", "-1"),
            ("+2.5", "+2.5"),
            ("-1e3", "-1e3"),
            ("hospital", "hospital"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(cell(text), safe, "{text:?}");
        }
    }

    #[test]
    fn known_rows() {
        let mut run = run_with_figures(3, &[]);
        run.series = Series {
            times_s: vec![0.0, 900.0, 1_800.5],
            sectors: vec![Sector::Airline, Sector::Hospital],
            down: vec![vec![0, 0], vec![1_200, 35], vec![800, 10]],
            capacity: vec![vec![1.0, 1.0], vec![0.25, 2.0 / 3.0], vec![0.5, f64::NAN]],
            loss_usd: vec![vec![0.0, -0.001], vec![1_234.567, 9.999], vec![5e9, 10.0]],
        };
        run.end = SimTime(1_800_500);
        let text = timeseries_csv(&[run]);
        let expected = "\
replication,time_s,sector,endpoints_down,capacity,loss_usd_cumulative
3,0,airline,0,1.000000,0.00
3,0,hospital,0,1.000000,0.00
3,900,airline,1200,0.250000,1234.57
3,900,hospital,35,0.666667,10.00
3,1800.500,airline,800,0.500000,5000000000.00
3,1800.500,hospital,10,,10.00
";
        assert_eq!(text, expected);
    }

    #[test]
    fn ragged_rows_leave_cells_empty() {
        let mut run = run_with_figures(0, &[]);
        run.series = Series {
            times_s: vec![0.0],
            sectors: vec![Sector::Bank],
            down: vec![vec![]],
            capacity: vec![],
            loss_usd: vec![vec![1.0]],
        };
        assert_eq!(timeseries_csv(&[run]).lines().nth(1), Some("0,0,bank,,,1.00"));
    }

    #[test]
    fn one_row_per_replication_sample_and_sector_in_order() {
        let runs = sample_runs(2, 1);
        let text = timeseries_csv(&runs);
        let samples = runs[0].series.times_s.len();
        assert_eq!(text.lines().count(), 1 + 2 * samples * 3);
        let mut rows = ::csv::Reader::from_reader(text.as_bytes());
        let keys: Vec<(u64, f64, String)> = rows
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].parse().unwrap(), r[1].parse().unwrap(), r[2].to_string())
            })
            .collect();
        assert_eq!(keys[0], (0, 0.0, "airline".to_string()));
        assert_eq!(keys[1], (0, 0.0, "hospital".to_string()));
        assert_eq!(keys[3], (0, 900.0, "airline".to_string()));
        assert_eq!(keys[samples * 3], (1, 0.0, "airline".to_string()));
        assert_eq!(timeseries_csv(&runs), text);
    }

    #[test]
    fn empty_input_is_just_the_header() {
        assert_eq!(timeseries_csv(&[]), format!("{}\n", HEADER.join(",")));
    }
}
