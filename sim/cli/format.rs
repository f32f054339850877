//! `--format csv|parquet|both`: which encodings of the tidy tables (`timeseries`, `runs`,
//! `points`, `compare`) a command writes. A reporting setting: it never changes a figure.

use clap::ValueEnum;

use super::CliError;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// CSV only (`timeseries.csv`, ...)
    #[default]
    Csv,
    /// Parquet only (`timeseries.parquet`, ...); a sweep still keeps `runs.csv`, its journal
    Parquet,
    /// CSV and Parquet
    Both,
}

impl Format {
    pub fn csv(self) -> bool {
        matches!(self, Format::Csv | Format::Both)
    }

    pub fn parquet(self) -> bool {
        matches!(self, Format::Parquet | Format::Both)
    }
}

/// The bytes of a Parquet exporter, or the failure to make them (a bug, not bad input).
pub fn parquet_bytes<E>(bytes: Result<Vec<u8>, E>) -> Result<Vec<u8>, CliError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    bytes.map_err(|e| CliError::Failed(anyhow::Error::new(e).context("writing Parquet")))
}
