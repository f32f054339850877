//! Charts as SVG text and PNG bytes, drawn with plotters from finished results: the run
//! charts (endpoints down, crashed endpoints back with observations, capacity, cumulative
//! loss, loss distribution, timeline), the
//! comparison overlays, and generic charts for parameter studies.
//!
//! Every chart is drawn by one piece of code on both of plotters' in-memory backends
//! (`render`), with the embedded Noto Sans font and the shared look in `style`. Nothing here
//! touches the disk, the clock or the environment, and nothing iterates a hash map, so the
//! same results always give byte-identical SVG and PNG. It knows nothing of files or HTML.
//!
//! ```text
//! results ─► timeseries / distribution / timeline / generic ─► Figure ─► render ─┬─► SVG text
//!                         (what to draw)                     (how)               └─► RGB ─► png
//! ```

mod distribution;
pub mod generic;
mod lines;
mod png;
mod render;
pub mod style;
mod timeline;
mod timeseries;

pub use distribution::loss_distribution;
pub use generic::{ChartSpec, TornadoBar, heatmap, line_with_band, tornado};
pub use png::SIGNATURE as PNG_SIGNATURE;
pub use style::{Unit, sector_colour};
pub use timeline::timeline;
pub use timeseries::{
    Compared, Quantity, by_sector, capacity, compare, endpoints_down, loss, recovered,
};

use super::RunSet;

/// One chart in both formats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    /// The file stem, e.g. `endpoints_down` (the CLI adds `.svg` and `.png`).
    pub name: String,
    /// The title drawn on the chart, also used as its caption in the HTML report.
    pub title: String,
    /// A standalone SVG document. Text names the generic `sans-serif` family and no font file
    /// or other external resource.
    pub svg: String,
    /// A PNG file (8-bit RGB).
    pub png: Vec<u8>,
}

/// Why a chart could not be drawn. With in-memory backends this means the embedded font
/// failed to load or lay out text, which would be a build problem, not bad input, or that the
/// PNG encoder refused a pixel buffer, which would be a bug.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    #[error("chart font: {0}")]
    Font(String),
    #[error("drawing a chart failed: {0}")]
    Draw(String),
    #[error("encoding a chart as PNG failed: {0}")]
    Png(String),
}

/// The charts of one scenario, in report order: `endpoints_down`, `recovered` (only with
/// observations it can show), `capacity`, `loss`, `loss_distribution` (only with more than
/// one replication) and `timeline`.
pub fn run_charts(set: &RunSet) -> Result<Vec<Chart>, ChartError> {
    let mut charts = vec![endpoints_down(set)?];
    charts.extend(recovered(set)?);
    charts.extend([capacity(set)?, loss(set)?]);
    charts.extend(loss_distribution(set)?);
    charts.push(timeline(set)?);
    Ok(charts)
}

/// The comparison overlays of several scenarios, one chart per quantity:
/// `compare_endpoints_down`, `compare_capacity`, `compare_loss`.
pub fn compare_charts(scenarios: &[Compared<'_>]) -> Result<Vec<Chart>, ChartError> {
    Quantity::ALL.iter().map(|&q| compare(q, scenarios)).collect()
}

#[cfg(test)]
mod tests;
