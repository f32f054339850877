//! The distribution of total loss over replications, as a histogram with the mean and the
//! 5th and 95th percentiles marked.
//!
//! It knows the figure `loss_usd_total` and plotters; it knows nothing of files or HTML.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::RunSet;
use crate::fmt;
use crate::stats::Stat;

use super::render::{Figure, render};
use super::style::{
    self, AXIS, AXIS_DESC_PX, GRID, HEIGHT, LegendItem, MUTED, Swatch, TEXT, TICK_PX, TickAxis,
    Unit, WIDTH, draw_error, series_colour, text, text_size,
};
use super::{Chart, ChartError};

/// Bins of equal, "nice" width covering `values`: (first edge, width, counts). About √n bins,
/// at least 5 and at most 20; a value on an inner edge goes to the bin above it.
pub(crate) fn bins(values: &[f64]) -> (f64, f64, Vec<usize>) {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if values.is_empty() || lo > hi {
        return (0.0, 1.0, Vec::new());
    }
    let target = ((values.len() as f64).sqrt().ceil() as usize).clamp(5, 20);
    let spread = if hi > lo { hi - lo } else { lo.abs().max(1.0) * 0.1 };
    let width = style::nice_step(spread / target as f64);
    let start = (lo / width).floor() * width;
    let count = (((hi - start) / width).floor() as usize + 1).max(1);
    let mut counts = vec![0; count];
    for &v in values {
        let i = (((v - start) / width).floor() as usize).min(count - 1);
        counts[i] += 1;
    }
    (start, width, counts)
}

struct Histogram {
    title: String,
    subtitle: String,
    x_label: String,
    unit: Unit,
    start: f64,
    width: f64,
    counts: Vec<usize>,
    stat: Stat,
}

impl Figure for Histogram {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let bar = style::lighten(series_colour(0), 0.2);
        let legend = [
            LegendItem { label: "replications".into(), colour: bar, swatch: Swatch::Block },
            LegendItem {
                label: format!("mean {}", self.unit.value(self.stat.mean)),
                colour: TEXT,
                swatch: Swatch::Line,
            },
            LegendItem {
                label: format!("5th pct {}", self.unit.value(self.stat.p05)),
                colour: MUTED,
                swatch: Swatch::Dashed,
            },
            LegendItem {
                label: format!("95th pct {}", self.unit.value(self.stat.p95)),
                colour: MUTED,
                swatch: Swatch::Dashed,
            },
        ];
        let plot = style::frame(root, &self.title, &self.subtitle, &legend)?;
        let end = self.start + self.width * self.counts.len() as f64;
        let (_, _, x_ticks) = style::nice_axis(self.start, end, 6);
        let x_ticks: Vec<f64> =
            x_ticks.into_iter().filter(|&t| t >= self.start && t <= end).collect();
        let max_count = self.counts.iter().copied().max().unwrap_or(1).max(1);
        // Headroom above the tallest bar keeps it off the frame.
        let (_, y_hi, y_ticks) = style::nice_axis(0.0, max_count as f64 + 0.5, 5);
        // Counts are whole numbers: a tick at 0.5 replications would be meaningless.
        let y_ticks: Vec<f64> = y_ticks.into_iter().filter(|t| t.fract() == 0.0).collect();
        let mut y_label_width = 0;
        for &t in &y_ticks {
            y_label_width = y_label_width.max(text_size(&fmt::number(t), TICK_PX)?.0);
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(12)
            .margin_right(18)
            .margin_bottom(6)
            .x_label_area_size(58)
            .y_label_area_size(y_label_width + 52)
            .build_cartesian_2d(
                TickAxis::new(self.start, end, x_ticks),
                TickAxis::new(0.0, y_hi, y_ticks),
            )
            .map_err(draw_error)?;
        let unit = self.unit;
        let x_format = |x: &f64| unit.tick(*x);
        let y_format = |y: &f64| fmt::number(*y);
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .label_style(text(TICK_PX, MUTED))
            .axis_desc_style(text(AXIS_DESC_PX, TEXT))
            .x_desc(self.x_label.as_str())
            .y_desc("replications")
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()
            .map_err(draw_error)?;
        let bars = self.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, &c)| {
            let x0 = self.start + self.width * i as f64;
            Rectangle::new([(x0, 0.0), (x0 + self.width, c as f64)], bar.filled())
        });
        chart.draw_series(bars).map_err(draw_error)?;
        let outlines = self.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, &c)| {
            let x0 = self.start + self.width * i as f64;
            Rectangle::new([(x0, 0.0), (x0 + self.width, c as f64)], WHITE.stroke_width(1))
        });
        chart.draw_series(outlines).map_err(draw_error)?;
        let vertical = |x: f64| [(x, 0.0), (x, y_hi)];
        chart
            .draw_series(LineSeries::new(vertical(self.stat.mean), TEXT.stroke_width(2)))
            .map_err(draw_error)?;
        for x in [self.stat.p05, self.stat.p95] {
            chart
                .draw_series(DashedLineSeries::new(vertical(x), 8, 5, MUTED.stroke_width(2)))
                .map_err(draw_error)?;
        }
        Ok(())
    }
}

/// The histogram of total loss over replications (`loss_distribution`); `None` with fewer
/// than two replications (or fewer than two with a finite total), where a distribution says
/// nothing.
pub fn loss_distribution(set: &RunSet) -> Result<Option<Chart>, ChartError> {
    let values: Vec<f64> = set
        .runs
        .iter()
        .filter_map(|r| r.figure(blastradius_model::Metric::LossUsd))
        .filter(|v| v.is_finite())
        .collect();
    if values.len() < 2 {
        return Ok(None);
    }
    let Some(stat) = Stat::of(&values) else { return Ok(None) };
    let (start, width, counts) = bins(&values);
    let figure = Histogram {
        title: "Distribution of total loss over replications".into(),
        subtitle: format!(
            "{}: {} replications; 95% CI for the mean {} to {}",
            set.meta.scenario,
            values.len(),
            fmt::money(stat.ci95_low),
            fmt::money(stat.ci95_high)
        ),
        x_label: "total loss (USD)".into(),
        unit: Unit::Usd,
        start,
        width,
        counts,
        stat,
    };
    render("loss_distribution", &figure.title, &figure).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_every_value() {
        let values = [1.0, 2.0, 2.5, 3.0, 9.9, 10.0];
        let (start, width, counts) = bins(&values);
        // √6 → 3, raised to 5 bins: spread 9 / 5 = 1.8 → width 2, from 0.
        assert_eq!((start, width), (0.0, 2.0));
        assert_eq!(counts, [1, 3, 0, 0, 1, 1]);
        assert_eq!(counts.iter().sum::<usize>(), values.len());
    }

    #[test]
    fn equal_values_fall_in_one_bin() {
        let (_, _, counts) = bins(&[5e9, 5e9, 5e9]);
        assert_eq!(counts.iter().sum::<usize>(), 3);
        assert_eq!(counts.iter().filter(|&&c| c > 0).count(), 1);
    }
}
