//! A scatter chart: groups of points in their colours, an optional dashed guide across the plot
//! (a threshold), and an optional ringed point (the best one), for parameter studies such as a
//! calibration's pairwise plots.
//!
//! It takes plain numbers and labels and knows nothing of calibrations or scenarios; the
//! caller names the chart, its axes and its groups.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::generic::ChartSpec;
use super::render::{Figure, render};
use super::style::{
    self, AXIS, AXIS_DESC_PX, GRID, HEIGHT, LegendItem, MUTED, Swatch, TEXT, TICK_PX, TickAxis,
    WIDTH, draw_error, text, text_size,
};
use super::{Chart, ChartError};

/// Points drawn alike.
#[derive(Clone, Debug, PartialEq)]
pub struct ScatterGroup {
    pub label: String,
    pub colour: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// Dot radius in pixels.
    pub radius: u32,
}

/// A dashed horizontal line across the plot at `y`.
#[derive(Clone, Debug, PartialEq)]
pub struct Guide {
    pub label: String,
    pub y: f64,
}

/// One point marked with a ring.
#[derive(Clone, Debug, PartialEq)]
pub struct Highlight {
    pub label: String,
    pub x: f64,
    pub y: f64,
}

/// A whole scatter chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Scatter {
    pub spec: ChartSpec,
    /// Drawn in order, so later groups lie on top.
    pub groups: Vec<ScatterGroup>,
    pub guide: Option<Guide>,
    pub highlight: Option<Highlight>,
    /// Fixed ranges: points beyond one are drawn at its edge. Otherwise fitted to the data.
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
}

const RING: RGBColor = RGBColor(0x11, 0x11, 0x11);

impl Scatter {
    fn extent(&self, f: impl Fn(&(f64, f64)) -> f64, extra: Vec<f64>) -> (f64, f64) {
        let values = self.groups.iter().flat_map(|g| g.points.iter().map(&f)).chain(extra);
        let (lo, hi) = values
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if lo <= hi { (lo, hi) } else { (0.0, 1.0) }
    }
}

impl Figure for Scatter {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let mut legend: Vec<LegendItem> = self
            .groups
            .iter()
            .map(|g| LegendItem { label: g.label.clone(), colour: g.colour, swatch: Swatch::Block })
            .collect();
        if let Some(g) = &self.guide {
            legend.push(LegendItem {
                label: g.label.clone(),
                colour: TEXT,
                swatch: Swatch::Dashed,
            });
        }
        if let Some(h) = &self.highlight {
            legend.push(LegendItem { label: h.label.clone(), colour: RING, swatch: Swatch::Line });
        }
        let plot = style::frame(root, &self.spec.title, &self.spec.subtitle, &legend)?;
        let highlight_x: Vec<f64> = self.highlight.iter().map(|h| h.x).collect();
        let (x_lo, x_hi) = self.x_range.unwrap_or_else(|| self.extent(|p| p.0, highlight_x));
        let (x_lo, x_hi, x_ticks) = style::nice_axis(x_lo, x_hi, 8);
        let (y_lo, y_hi, y_ticks) = match self.y_range {
            Some((lo, hi)) => style::nice_axis(lo, hi, 6),
            None => {
                let extra: Vec<f64> = self
                    .guide
                    .iter()
                    .map(|g| g.y)
                    .chain(self.highlight.iter().map(|h| h.y))
                    .collect();
                let (lo, hi) = self.extent(|p| p.1, extra);
                style::nice_axis(lo, hi, 6)
            }
        };
        let (xu, yu) = (self.spec.x_unit, self.spec.y_unit);
        let mut y_label_width = 0;
        for &t in &y_ticks {
            y_label_width = y_label_width.max(text_size(&yu.tick(t), TICK_PX)?.0);
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(12)
            .margin_right(18)
            .margin_bottom(6)
            .x_label_area_size(58)
            .y_label_area_size(y_label_width + 52)
            .build_cartesian_2d(
                TickAxis::new(x_lo, x_hi, x_ticks),
                TickAxis::new(y_lo, y_hi, y_ticks),
            )
            .map_err(draw_error)?;
        let x_format = |x: &f64| xu.tick(*x);
        let y_format = |y: &f64| yu.tick(*y);
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .label_style(text(TICK_PX, MUTED))
            .axis_desc_style(text(AXIS_DESC_PX, TEXT))
            .x_desc(self.spec.x_label.as_str())
            .y_desc(self.spec.y_label.as_str())
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()
            .map_err(draw_error)?;
        let clamp = |(x, y): (f64, f64)| {
            (x.clamp(x_lo, x_hi), if y.is_finite() { y } else { y_hi }.clamp(y_lo, y_hi))
        };
        if let Some(g) = &self.guide {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_lo, g.y), (x_hi, g.y)],
                    10,
                    6,
                    TEXT.stroke_width(2),
                ))
                .map_err(draw_error)?;
        }
        for group in &self.groups {
            let dots = group
                .points
                .iter()
                .filter(|p| p.0.is_finite() && !p.1.is_nan())
                .map(|&p| Circle::new(clamp(p), group.radius, group.colour.filled()));
            chart.draw_series(dots).map_err(draw_error)?;
        }
        if let Some(h) = &self.highlight {
            let at = clamp((h.x, h.y));
            chart
                .draw_series(std::iter::once(Circle::new(at, 11, RING.stroke_width(3))))
                .map_err(draw_error)?;
        }
        Ok(())
    }
}

/// Draws a scatter chart as SVG and PNG.
pub fn scatter(figure: &Scatter) -> Result<Chart, ChartError> {
    render(&figure.spec.name, &figure.spec.title, figure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::style::Unit;

    #[test]
    fn a_scatter_draws_its_points_guide_and_ring() {
        let figure = Scatter {
            spec: ChartSpec {
                name: "s".into(),
                title: "t".into(),
                subtitle: String::new(),
                x_label: "x".into(),
                y_label: "y".into(),
                x_unit: Unit::Number,
                y_unit: Unit::Number,
            },
            groups: vec![
                ScatterGroup {
                    label: "all".into(),
                    colour: RGBColor(200, 200, 200),
                    points: vec![(1.0, 1.0), (2.0, 50.0), (3.0, f64::INFINITY)],
                    radius: 4,
                },
                ScatterGroup {
                    label: "kept".into(),
                    colour: RGBColor(0, 0, 200),
                    points: vec![(2.5, 0.5)],
                    radius: 6,
                },
            ],
            guide: Some(Guide { label: "threshold".into(), y: 3.0 }),
            highlight: Some(Highlight { label: "best".into(), x: 2.5, y: 0.5 }),
            x_range: None,
            y_range: Some((0.0, 12.0)),
        };
        let chart = scatter(&figure).unwrap();
        // Three grey dots and a blue one, all inside the plot (the infinite and the large one
        // at its top edge), the ring, and the dashed threshold.
        assert_eq!(chart.svg.matches("<circle").count(), 5, "{}", chart.svg);
        assert!(chart.svg.contains("threshold") && chart.svg.contains("best"));
        assert!(chart.png.starts_with(&crate::charts::PNG_SIGNATURE));
        assert_eq!(scatter(&figure).unwrap(), chart, "the same bytes every time");
    }
}
