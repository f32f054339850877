//! Parquet copies of the tidy tables: `timeseries.parquet`, `runs.parquet`, `points.parquet`
//! and `compare.parquet`, for pandas, polars, R (arrow) or DuckDB.
//!
//! Each exporter takes the same inputs as its CSV twin and returns the bytes of a whole file;
//! it knows the result types and the `parquet` crate's low-level column writer, nothing of
//! files, charts or the terminal. A table has the CSV's columns in the CSV's order and its
//! rows in the CSV's order, with the CSV's values (where the CSV rounds, as `capacity` and
//! `loss_usd_cumulative` do, the Parquet value is the rounded one), typed:
//!
//! - counts and indices (`replication`, `point`, `n`, `endpoints_*`, `organisations_affected`)
//!   are INT64;
//! - `time_s` of the time series is INT64 seconds when every sample time is a whole second
//!   (always, unless the output interval has milliseconds), DOUBLE otherwise;
//! - money, shares, hours and the times of figures (`*_at_s`, to the millisecond) are DOUBLE;
//! - repeated strings (`sector`, `scenario`, `metric`, duration parameters as written, such as
//!   `30m`) are UTF-8 strings, dictionary-encoded; number parameters are DOUBLE.
//!
//! An empty CSV cell is a null. The file's key-value metadata holds `blastradius.schema`, the
//! table's schema id (`blastradius.timeseries/1`, ...). Files are Snappy-compressed, in one
//! row group, and the same inputs always give the same bytes.

use std::sync::Arc;

use ::parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use ::parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use ::parquet::errors::ParquetError;
use ::parquet::file::metadata::KeyValue;
use ::parquet::file::properties::WriterProperties;
use ::parquet::file::writer::SerializedFileWriter;
use ::parquet::schema::types::{ColumnPath, Type};

use super::RunSet;
use super::csv::{HEADER, fixed};
use super::study::{compare_rows, point_stats};
use blastradius_model::RunResult;
use blastradius_model::figures::{Figure, Unit};
use blastradius_study::design::Kind;
use blastradius_study::{RunRow, SweepPlan};

/// The key-value metadata key that holds a file's schema id.
pub const SCHEMA_KEY: &str = "blastradius.schema";
/// Schema id of `timeseries.parquet`.
pub const TIMESERIES_SCHEMA: &str = "blastradius.timeseries/1";
/// Schema id of `runs.parquet`.
pub const RUNS_SCHEMA: &str = "blastradius.runs/1";
/// Schema id of `points.parquet`.
pub const POINTS_SCHEMA: &str = "blastradius.points/1";
/// Schema id of `compare.parquet` (`blastradius.compare/1` is the comparison's summary.json).
pub const COMPARE_SCHEMA: &str = "blastradius.compare-table/1";

/// The values of one column, row by row; `None` is a null.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Int64(Vec<Option<i64>>),
    Double(Vec<Option<f64>>),
    /// UTF-8 strings, dictionary-encoded.
    Text(Vec<Option<String>>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Int64(v) => v.len(),
            Values::Double(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }
}

/// One column of a table: its name, whether it may hold nulls, and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub nullable: bool,
    pub values: Values,
}

impl Column {
    fn new(name: impl Into<String>, nullable: bool, values: Values) -> Column {
        Column { name: name.into(), nullable, values }
    }
}

/// `timeseries.parquet`: the rows of `timeseries.csv` (schema `blastradius.timeseries/1`).
pub fn timeseries_parquet(runs: &[RunResult]) -> Result<Vec<u8>, ParquetError> {
    let mut replication = Vec::new();
    let mut times = Vec::new();
    let mut sector = Vec::new();
    let mut down = Vec::new();
    let mut capacity = Vec::new();
    let mut loss = Vec::new();
    for run in runs {
        let s = &run.series;
        for (k, &t) in s.times_s.iter().enumerate() {
            for (j, name) in s.sectors.iter().enumerate() {
                replication.push(Some(run.replication as i64));
                times.push(t);
                sector.push(Some(name.name().to_string()));
                let cell = |rows: &Vec<Vec<f64>>| rows.get(k).and_then(|row| row.get(j)).copied();
                down.push(s.down.get(k).and_then(|row| row.get(j)).map(|&d| d as i64));
                capacity.push(cell(&s.capacity).and_then(|c| rounded(c, 6)));
                loss.push(cell(&s.loss_usd).and_then(|l| rounded(l, 2)));
            }
        }
    }
    let whole = times.iter().all(|&t| t.is_finite() && t == t.round() && t.abs() < 9.0e15);
    let time_values = if whole {
        Values::Int64(times.iter().map(|&t| Some(t as i64)).collect())
    } else {
        // To the millisecond, as the CSV writes it.
        Values::Double(times.iter().map(|&t| rounded(t, 3)).collect())
    };
    let [c_rep, c_time, c_sector, c_down, c_cap, c_loss] = HEADER;
    table_bytes(
        TIMESERIES_SCHEMA,
        vec![
            Column::new(c_rep, false, Values::Int64(replication)),
            Column::new(c_time, !whole, time_values),
            Column::new(c_sector, false, Values::Text(sector)),
            Column::new(c_down, true, Values::Int64(down)),
            Column::new(c_cap, true, Values::Double(capacity)),
            Column::new(c_loss, true, Values::Double(loss)),
        ],
    )
}

/// `runs.parquet`: the rows of `runs.csv`, in the order given (schema `blastradius.runs/1`).
pub fn runs_parquet(plan: &SweepPlan, rows: &[RunRow]) -> Result<Vec<u8>, ParquetError> {
    let mut columns = vec![
        Column::new(
            "point",
            false,
            Values::Int64(rows.iter().map(|r| Some(r.id.point as i64)).collect()),
        ),
        Column::new(
            "replication",
            false,
            Values::Int64(rows.iter().map(|r| Some(r.id.replication as i64)).collect()),
        ),
    ];
    let points: Vec<usize> = rows.iter().map(|r| r.id.point as usize).collect();
    columns.extend(parameter_columns(plan, &points));
    for (f, figure) in plan.figures.iter().enumerate() {
        let values: Vec<Option<f64>> = rows
            .iter()
            .map(|r| r.figures.get(f).copied().flatten().filter(|v| v.is_finite()))
            .collect();
        columns.push(figure_column(*figure, values));
    }
    table_bytes(RUNS_SCHEMA, columns)
}

/// `points.parquet`: the rows of `points.csv` (schema `blastradius.points/1`).
pub fn points_parquet(plan: &SweepPlan, rows: &[RunRow]) -> Result<Vec<u8>, ParquetError> {
    let stats: Vec<_> = (0..plan.figures.len()).map(|f| point_stats(plan, rows, f)).collect();
    let mut points = Vec::new();
    let mut metric = Vec::new();
    let mut n = Vec::new();
    let (mut mean, mut low, mut high) = (Vec::new(), Vec::new(), Vec::new());
    for point in plan.all_points() {
        for (f, figure) in plan.figures.iter().enumerate() {
            let Some(s) = stats[f][point.index as usize] else { continue };
            points.push(point.index as usize);
            metric.push(Some(figure.name().into_owned()));
            n.push(Some(s.n as i64));
            mean.push(finite(s.mean));
            low.push(finite(s.ci95_low));
            high.push(finite(s.ci95_high));
        }
    }
    let mut columns = vec![Column::new(
        "point",
        false,
        Values::Int64(points.iter().map(|&p| Some(p as i64)).collect()),
    )];
    columns.extend(parameter_columns(plan, &points));
    columns.extend([
        Column::new("metric", false, Values::Text(metric)),
        Column::new("n", false, Values::Int64(n)),
        Column::new("mean", true, Values::Double(mean)),
        Column::new("ci95_low", true, Values::Double(low)),
        Column::new("ci95_high", true, Values::Double(high)),
    ]);
    table_bytes(POINTS_SCHEMA, columns)
}

/// `compare.parquet`: the rows of `compare.csv` (schema `blastradius.compare-table/1`).
pub fn compare_parquet(sets: &[RunSet]) -> Result<Vec<u8>, ParquetError> {
    let rows = compare_rows(sets);
    let text = |f: fn(&super::study::CompareRow) -> String| {
        Values::Text(rows.iter().map(|r| Some(f(r))).collect())
    };
    let stat = |f: fn(&super::stats::Stat) -> f64| {
        Values::Double(rows.iter().map(|r| finite(f(&r.stat))).collect())
    };
    let diff = |f: fn(&super::stats::Stat) -> f64| {
        Values::Double(
            rows.iter().map(|r| r.difference.as_ref().and_then(|d| finite(f(d)))).collect(),
        )
    };
    table_bytes(
        COMPARE_SCHEMA,
        vec![
            Column::new("scenario", false, text(|r| r.scenario.clone())),
            Column::new("metric", false, text(|r| r.metric.name().into_owned())),
            Column::new(
                "n",
                false,
                Values::Int64(rows.iter().map(|r| Some(r.stat.n as i64)).collect()),
            ),
            Column::new("mean", true, stat(|s| s.mean)),
            Column::new("ci95_low", true, stat(|s| s.ci95_low)),
            Column::new("ci95_high", true, stat(|s| s.ci95_high)),
            Column::new("diff_mean", true, diff(|s| s.mean)),
            Column::new("diff_ci95_low", true, diff(|s| s.ci95_low)),
            Column::new("diff_ci95_high", true, diff(|s| s.ci95_high)),
        ],
    )
}

/// The parameter columns for rows at these points: a number parameter as DOUBLE (its value
/// as written, read as a number, which is what a CSV reader gets), a duration as the text
/// written (`30m`).
fn parameter_columns(plan: &SweepPlan, points: &[usize]) -> Vec<Column> {
    // Points are made from their index; rows come point by point, so one is made per run of
    // equal indices rather than one per row and parameter.
    let mut last: Option<(usize, Vec<String>)> = None;
    let mut texts: Vec<Vec<String>> = vec![Vec::with_capacity(points.len()); plan.parameters.len()];
    for &i in points {
        if last.as_ref().is_none_or(|(j, _)| *j != i) {
            let values = plan.point(i as u64).map(|p| p.values).unwrap_or_default();
            last = Some((i, values));
        }
        let values = last.as_ref().map(|(_, v)| v.as_slice()).unwrap_or_default();
        for (p, column) in texts.iter_mut().enumerate() {
            column.push(values.get(p).cloned().unwrap_or_default());
        }
    }
    plan.parameters
        .iter()
        .zip(texts)
        .map(|(parameter, texts)| {
            let text = |k: usize| texts[k].clone();
            let points: Vec<usize> = (0..texts.len()).collect();
            let numbers: Option<Vec<Option<f64>>> = match parameter.kind {
                Kind::Number => {
                    points.iter().map(|&i| text(i).parse::<f64>().ok().map(Some)).collect()
                }
                Kind::Duration => None,
            };
            let values = match numbers {
                Some(numbers) => Values::Double(numbers),
                None => Values::Text(points.iter().map(|&i| Some(text(i))).collect()),
            };
            Column::new(parameter.path.clone(), false, values)
        })
        .collect()
}

/// Whether a figure is a count of things (INT64) rather than a measure (DOUBLE).
/// A figure's column: INT64 for counts (whole by construction; DOUBLE should one not be),
/// DOUBLE for everything else.
fn figure_column(figure: Figure, values: Vec<Option<f64>>) -> Column {
    let whole = values.iter().flatten().all(|v| *v == v.round() && v.abs() < 9.0e15);
    let typed = if figure.unit() == Unit::Count && whole {
        Values::Int64(values.iter().map(|v| v.map(|v| v as i64)).collect())
    } else {
        Values::Double(values)
    };
    Column::new(figure.name(), true, typed)
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// A number as the CSV writes it with this many decimals, read back: the value a CSV reader
/// gets, so the two formats hold the same numbers.
fn rounded(x: f64, decimals: usize) -> Option<f64> {
    fixed(x, decimals).parse().ok()
}

/// Writes the columns as one Parquet file, in one row group (none when there are no rows).
pub fn table_bytes(schema_id: &str, columns: Vec<Column>) -> Result<Vec<u8>, ParquetError> {
    let rows = columns.first().map_or(0, |c| c.values.len());
    if let Some(c) = columns.iter().find(|c| c.values.len() != rows) {
        return Err(ParquetError::General(format!(
            "column {} has {} rows, not {rows}",
            c.name,
            c.values.len()
        )));
    }
    let mut fields = Vec::with_capacity(columns.len());
    let mut properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .set_key_value_metadata(Some(vec![KeyValue::new(
            SCHEMA_KEY.to_string(),
            schema_id.to_string(),
        )]));
    for c in &columns {
        let (physical, logical) = match c.values {
            Values::Int64(_) => (Physical::INT64, None),
            Values::Double(_) => (Physical::DOUBLE, None),
            Values::Text(_) => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
        };
        let repetition = if c.nullable { Repetition::OPTIONAL } else { Repetition::REQUIRED };
        fields.push(Arc::new(
            Type::primitive_type_builder(&c.name, physical)
                .with_logical_type(logical)
                .with_repetition(repetition)
                .build()?,
        ));
        if let Values::Text(_) | Values::Int64(_) = c.values {
            // Strings repeat (sectors, metrics, scenarios) and so do indices: a dictionary
            // stores each once. Reals rarely repeat, so they are stored plainly.
            properties = properties
                .set_column_dictionary_enabled(ColumnPath::new(vec![c.name.clone()]), true);
        }
    }
    let schema = Arc::new(Type::group_type_builder("schema").with_fields(fields).build()?);
    let mut bytes = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut bytes, schema, Arc::new(properties.build()))?;
    if rows > 0 {
        let mut group = writer.next_row_group()?;
        for c in &columns {
            let mut column = group
                .next_column()?
                .ok_or_else(|| ParquetError::General(format!("no column for {}", c.name)))?;
            match &c.values {
                Values::Int64(v) => {
                    let (values, levels) = present(&c.name, c.nullable, v)?;
                    column.typed::<Int64Type>().write_batch(&values, levels.as_deref(), None)?;
                }
                Values::Double(v) => {
                    let (values, levels) = present(&c.name, c.nullable, v)?;
                    column.typed::<DoubleType>().write_batch(&values, levels.as_deref(), None)?;
                }
                Values::Text(v) => {
                    let (values, levels) = present(&c.name, c.nullable, v)?;
                    let values: Vec<ByteArray> =
                        values.iter().map(|s| ByteArray::from(s.as_str())).collect();
                    column.typed::<ByteArrayType>().write_batch(
                        &values,
                        levels.as_deref(),
                        None,
                    )?;
                }
            }
            column.close()?;
        }
        group.close()?;
    }
    writer.close()?;
    Ok(bytes)
}

/// The non-null values of a column and, for a nullable one, its definition levels (1 present,
/// 0 null). A null in a column declared not nullable is an error.
fn present<T: Clone>(
    name: &str,
    nullable: bool,
    values: &[Option<T>],
) -> Result<(Vec<T>, Option<Vec<i16>>), ParquetError> {
    let present: Vec<T> = values.iter().flatten().cloned().collect();
    if nullable {
        Ok((present, Some(values.iter().map(|v| i16::from(v.is_some())).collect())))
    } else if present.len() == values.len() {
        Ok((present, None))
    } else {
        Err(ParquetError::General(format!("column {name} is not nullable but has a null")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_with_figures, sample_runs};
    use ::parquet::file::reader::{FileReader, SerializedFileReader};
    use ::parquet::record::Field;
    use blastradius_model::results::Series;
    use blastradius_model::spec::Sector;

    /// Every row of a file as (column name, field) pairs, and its schema id.
    fn read(bytes: Vec<u8>) -> (Vec<Vec<(String, Field)>>, Option<String>) {
        let reader = SerializedFileReader::new(::bytes::Bytes::from(bytes)).unwrap();
        let schema = reader
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .and_then(|kv| kv.iter().find(|k| k.key == SCHEMA_KEY))
            .and_then(|k| k.value.clone());
        let rows =
            reader.get_row_iter(None).unwrap().map(|row| row.unwrap().into_columns()).collect();
        (rows, schema)
    }

    #[test]
    fn timeseries_holds_the_csv_values_typed() {
        let mut run = run_with_figures(3, &[]);
        run.series = Series {
            times_s: vec![0.0, 900.0],
            sectors: vec![Sector::Airline, Sector::Hospital],
            down: vec![vec![0, 0], vec![1_200]],
            capacity: vec![vec![1.0, 1.0], vec![0.25, 2.0 / 3.0]],
            loss_usd: vec![vec![0.0, -0.001], vec![1_234.567, f64::NAN]],
        };
        let (rows, schema) = read(timeseries_parquet(&[run]).unwrap());
        assert_eq!(schema.as_deref(), Some(TIMESERIES_SCHEMA));
        assert_eq!(rows.len(), 4);
        let names: Vec<&str> = rows[0].iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, HEADER);
        let last: Vec<Field> = rows[3].iter().map(|(_, f)| f.clone()).collect();
        assert_eq!(
            last,
            vec![
                Field::Long(3),
                Field::Long(900),
                Field::Str("hospital".into()),
                Field::Null,
                Field::Double(0.666667),
                Field::Null,
            ]
        );
        // -0.001 rounds to "0.00" in the CSV, and to 0 here.
        assert_eq!(rows[1][5].1, Field::Double(0.0));
    }

    #[test]
    fn a_sample_time_with_milliseconds_makes_time_s_a_double() {
        let mut run = run_with_figures(0, &[]);
        run.series = Series {
            times_s: vec![0.0, 1.5],
            sectors: vec![Sector::Bank],
            down: vec![vec![1], vec![2]],
            capacity: vec![vec![1.0], vec![1.0]],
            loss_usd: vec![vec![0.0], vec![1.0]],
        };
        let (rows, _) = read(timeseries_parquet(&[run]).unwrap());
        assert_eq!(rows[1][1].1, Field::Double(1.5));
    }

    #[test]
    fn the_same_runs_give_the_same_bytes() {
        let runs = sample_runs(2, 1);
        assert_eq!(timeseries_parquet(&runs).unwrap(), timeseries_parquet(&runs).unwrap());
    }

    #[test]
    fn an_empty_table_is_a_readable_file_with_its_schema() {
        let (rows, schema) = read(timeseries_parquet(&[]).unwrap());
        assert!(rows.is_empty());
        assert_eq!(schema.as_deref(), Some(TIMESERIES_SCHEMA));
    }

    #[test]
    fn a_null_in_a_column_that_may_not_hold_one_is_refused() {
        let columns = vec![Column::new("x", false, Values::Int64(vec![Some(1), None]))];
        assert!(table_bytes("t/1", columns).is_err());
        let ragged = vec![
            Column::new("x", false, Values::Int64(vec![Some(1)])),
            Column::new("y", false, Values::Int64(vec![])),
        ];
        assert!(table_bytes("t/1", ragged).is_err());
    }

    #[test]
    fn counts_are_integers_and_measures_doubles() {
        let c = figure_column(
            blastradius_model::Metric::EndpointsCrashed.into(),
            vec![Some(3.0), None],
        );
        assert_eq!(c.values, Values::Int64(vec![Some(3), None]));
        let d =
            figure_column(blastradius_model::Metric::EndpointDowntimeHours.into(), vec![Some(3.0)]);
        assert_eq!(d.values, Values::Double(vec![Some(3.0)]));
        let t = figure_column(blastradius_model::Metric::FirstCrashAt.into(), vec![Some(45.068)]);
        assert_eq!(t.values, Values::Double(vec![Some(45.068)]));
    }
}
