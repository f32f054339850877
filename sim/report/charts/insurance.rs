//! The insurance charts: ground-up against insured loss by sector (a run's `insured_by_sector`),
//! and exceedance-probability curves (a catalogue's `ep_curve`: loss against return period on a
//! logarithmic axis, occurrence and aggregate, ground-up and insured).
//!
//! It knows plotters and the figures it reads; it knows nothing of files, HTML or how the
//! curves were computed.

use plotters::coord::Shift;
use plotters::prelude::*;

use blastradius_model::figures::{Figure as Fig, Metric};
use blastradius_model::spec::Sector;

use super::render::{Figure, render};
use super::style::{
    self, AXIS, AXIS_DESC_PX, GRID, HEADER_PX, LegendItem, MUTED, Swatch, TEXT, TICK_PX, TickAxis,
    Unit, WIDTH, draw_error, series_colour, text, text_size,
};
use super::{Chart, ChartError};
use crate::RunSet;
use crate::fmt;
use crate::stats::summarize;

/// One sector's row: mean ground-up and mean insured loss.
struct SectorBars {
    sector: Sector,
    ground_up: f64,
    insured: f64,
}

struct BySector {
    title: String,
    subtitle: String,
    rows: Vec<SectorBars>,
}

const ROW_PX: u32 = 58;
const GROUND_UP: RGBColor = RGBColor(0xBF, 0xC5, 0xCC);
const INSURED: RGBColor = RGBColor(0x1F, 0x77, 0xB4);

impl Figure for BySector {
    fn size(&self) -> (u32, u32) {
        (WIDTH, (HEADER_PX + 120 + self.rows.len().max(1) as u32 * ROW_PX).max(420))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let legend = [
            LegendItem { label: "ground-up".into(), colour: GROUND_UP, swatch: Swatch::Block },
            LegendItem { label: "insured".into(), colour: series_colour(0), swatch: Swatch::Block },
        ];
        let plot = style::frame(root, &self.title, &self.subtitle, &legend)?;
        let hi = self.rows.iter().map(|r| r.ground_up.max(r.insured)).fold(0.0, f64::max);
        let (x_lo, x_hi, x_ticks) = style::nice_axis(0.0, hi, 6);
        let n = self.rows.len().max(1);
        let row = |i: usize| (n - 1 - i) as f64;
        let keys: Vec<f64> = (0..self.rows.len()).map(|i| row(i) + 0.5).collect();
        let mut label_width = 0;
        for r in &self.rows {
            label_width = label_width.max(text_size(r.sector.name(), TICK_PX)?.0);
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(12)
            .margin_right(30)
            .margin_bottom(6)
            .x_label_area_size(58)
            .y_label_area_size(label_width + 24)
            .build_cartesian_2d(
                TickAxis::new(x_lo, x_hi, x_ticks),
                TickAxis::new(0.0, n as f64, keys),
            )
            .map_err(draw_error)?;
        let x_format = |x: &f64| Unit::Usd.tick(*x);
        let y_format = |y: &f64| {
            let from_top = n.checked_sub(1 + y.floor().max(0.0) as usize);
            from_top
                .and_then(|i| self.rows.get(i))
                .map_or(String::new(), |r| r.sector.name().to_string())
        };
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .disable_y_mesh()
            .axis_style(AXIS)
            .label_style(text(TICK_PX, TEXT))
            .axis_desc_style(text(AXIS_DESC_PX, TEXT))
            .x_desc("loss (USD)")
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()
            .map_err(draw_error)?;
        let bars = self.rows.iter().enumerate().flat_map(|(i, r)| {
            let y = row(i);
            [
                Rectangle::new([(0.0, y + 0.5), (r.ground_up, y + 0.86)], GROUND_UP.filled()),
                Rectangle::new([(0.0, y + 0.14), (r.insured, y + 0.5)], INSURED.filled()),
            ]
        });
        chart.draw_series(bars).map_err(draw_error)?;
        // Each insured bar is labelled with its share of the ground-up loss.
        let labels =
            self.rows.iter().enumerate().filter(|(_, r)| r.ground_up > 0.0).map(|(i, r)| {
                let share = fmt::percent(r.insured / r.ground_up, 0);
                Text::new(
                    format!(" {} ({share})", fmt::money(r.insured)),
                    (r.insured, row(i) + 0.32),
                    text(TICK_PX, MUTED)
                        .pos(style::Pos::new(style::HPos::Left, style::VPos::Center)),
                )
            });
        chart.draw_series(labels).map_err(draw_error)?;
        Ok(())
    }
}

/// Ground-up and insured loss by sector, means over replications (`insured_by_sector`); `None`
/// when no organisation of the run holds a policy.
pub fn insured_by_sector(set: &RunSet) -> Result<Option<Chart>, ChartError> {
    let stats = summarize(&set.runs);
    let mean = |f: Fig| stats.get(&f).map_or(0.0, |s| s.mean);
    if mean(Metric::OrganisationsInsured.into()) <= 0.0 {
        return Ok(None);
    }
    let rows: Vec<SectorBars> = Sector::ALL
        .into_iter()
        .filter_map(|s| {
            let ground_up = mean(Fig::sector(Metric::LossUsd, s));
            let insured = mean(Fig::sector(Metric::InsuredUsd, s));
            (ground_up > 0.0 || insured > 0.0).then_some(SectorBars {
                sector: s,
                ground_up,
                insured,
            })
        })
        .collect();
    let (ground_up, insured) = (mean(Metric::LossUsd.into()), mean(Metric::InsuredUsd.into()));
    let runs = match set.runs.len() {
        1 => "one replication".to_string(),
        n => format!("means over {n} replications"),
    };
    let share = if ground_up > 0.0 { fmt::percent(insured / ground_up, 1) } else { "-".into() };
    let figure = BySector {
        title: "Ground-up and insured loss by sector".into(),
        subtitle: format!(
            "{}: {} insured of {} ({share}); {runs}",
            set.meta.scenario,
            fmt::money(insured),
            fmt::money(ground_up)
        ),
        rows,
    };
    render("insured_by_sector", &figure.title, &figure).map(Some)
}

/// One exceedance-probability curve: (return period in years, loss) points.
#[derive(Clone, Debug, PartialEq)]
pub struct EpLine {
    pub label: String,
    /// Which of the palette's colours.
    pub colour: usize,
    pub dashed: bool,
    pub points: Vec<(f64, f64)>,
}

struct EpCurve {
    title: String,
    subtitle: String,
    lines: Vec<EpLine>,
}

impl Figure for EpCurve {
    fn size(&self) -> (u32, u32) {
        (WIDTH, style::HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let legend: Vec<LegendItem> = self
            .lines
            .iter()
            .map(|l| LegendItem {
                label: l.label.clone(),
                colour: series_colour(l.colour),
                swatch: if l.dashed { Swatch::Dashed } else { Swatch::Line },
            })
            .collect();
        let plot = style::frame(root, &self.title, &self.subtitle, &legend)?;
        let points = || self.lines.iter().flat_map(|l| l.points.iter().copied());
        let rp_max = points().map(|p| p.0).filter(|x| *x >= 1.0).fold(10.0, f64::max);
        let x_hi = rp_max.log10().max(1.0);
        let x_ticks: Vec<f64> = (0..=x_hi.floor() as i64).map(|k| k as f64).collect();
        let y_top = points().map(|p| p.1).filter(|y| y.is_finite()).fold(0.0, f64::max);
        let (_, y_hi, y_ticks) = style::nice_axis(0.0, y_top, 5);
        let mut y_label_width = 0;
        for &t in &y_ticks {
            y_label_width = y_label_width.max(text_size(&Unit::Usd.tick(t), TICK_PX)?.0);
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(12)
            .margin_right(24)
            .margin_bottom(6)
            .x_label_area_size(58)
            .y_label_area_size(y_label_width + 64)
            .build_cartesian_2d(
                TickAxis::new(0.0, x_hi, x_ticks),
                TickAxis::new(0.0, y_hi, y_ticks),
            )
            .map_err(draw_error)?;
        let x_format = |x: &f64| fmt::number(10f64.powf(*x).round());
        let y_format = |y: &f64| Unit::Usd.tick(*y);
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .label_style(text(TICK_PX, MUTED))
            .axis_desc_style(text(AXIS_DESC_PX, TEXT))
            .x_desc("return period (years, log scale)")
            .y_desc("loss (USD)")
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()
            .map_err(draw_error)?;
        for line in &self.lines {
            let mut pts: Vec<(f64, f64)> = line
                .points
                .iter()
                .filter(|p| p.0 >= 1.0 && p.1.is_finite())
                .map(|p| (p.0.log10(), p.1))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let style = series_colour(line.colour).stroke_width(3);
            if line.dashed {
                chart.draw_series(DashedLineSeries::new(pts.clone(), 10, 6, style))
            } else {
                chart.draw_series(LineSeries::new(pts.clone(), style))
            }
            .map_err(draw_error)?;
            let dots = pts.iter().map(|&p| Circle::new(p, 4, series_colour(line.colour).filled()));
            chart.draw_series(dots).map_err(draw_error)?;
        }
        Ok(())
    }
}

/// Exceedance-probability curves, loss against return period on a logarithmic axis.
pub fn ep_curve(
    name: &str,
    title: &str,
    subtitle: &str,
    lines: &[EpLine],
) -> Result<Chart, ChartError> {
    let figure =
        EpCurve { title: title.to_string(), subtitle: subtitle.to_string(), lines: lines.to_vec() };
    render(name, title, &figure)
}
