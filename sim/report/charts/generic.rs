//! Generic charts for outcome-against-parameter studies: a line with an uncertainty band, a
//! heatmap over a two-parameter grid with a colour scale, and a tornado chart of effects.
//!
//! They take plain numbers and labels and know nothing of sweeps, scenarios or results; the
//! caller names the chart and its axes.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::lines::{Line, LineFigure, XAxis};
use super::render::{Figure, render};
use super::style::{
    self, AXIS, AXIS_DESC_PX, GRID, HEADER_PX, HEIGHT, HPos, LegendItem, MUTED, NOTE_PX, Pos,
    Swatch, TEXT, TICK_PX, TickAxis, Unit, VPos, WIDTH, draw_error, series_colour, text, text_size,
    viridis,
};
use super::{Chart, ChartError};

/// What a generic chart is called and how its axes read.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    /// The file stem, e.g. `loss_vs_ring_share`.
    pub name: String,
    pub title: String,
    /// A line under the title (may be empty), e.g. what the band means.
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    pub x_unit: Unit,
    pub y_unit: Unit,
}

/// A line of `(x, mean, low, high)` points with the band between low and high, e.g. an outcome
/// against a parameter with its 95% confidence interval. Points are drawn in x order.
pub fn line_with_band(
    spec: &ChartSpec,
    points: &[(f64, f64, f64, f64)],
) -> Result<Chart, ChartError> {
    let mut points: Vec<(f64, f64, f64, f64)> =
        points.iter().copied().filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let colour = series_colour(0);
    let band: Vec<(f64, f64, f64)> = points
        .iter()
        .filter(|p| p.2.is_finite() && p.3.is_finite())
        .map(|p| (p.0, p.2, p.3))
        .collect();
    let has_band = band.iter().any(|b| b.1 != b.2);
    let figure = LineFigure {
        title: spec.title.clone(),
        subtitle: spec.subtitle.clone(),
        x_label: spec.x_label.clone(),
        y_label: spec.y_label.clone(),
        x_axis: XAxis::Value(spec.x_unit),
        y_unit: spec.y_unit,
        y_range: None,
        lines: vec![Line {
            label: "mean".into(),
            colour,
            points: points.iter().map(|p| (p.0, p.1)).collect(),
            band: if has_band { band } else { Vec::new() },
            width: 2,
            dashed: false,
            markers: true,
        }],
        legend_extra: if has_band {
            vec![LegendItem {
                label: "interval".into(),
                colour: style::lighten(colour, 0.8),
                swatch: Swatch::Block,
            }]
        } else {
            Vec::new()
        },
        marks: Vec::new(),
    };
    render(&spec.name, &spec.title, &figure)
}

/// Labels for every `every`-th of `n` categories, so that they do not collide.
fn label_stride(n: usize, max_labels: usize) -> usize {
    n.div_ceil(max_labels.max(1)).max(1)
}

struct Heatmap {
    spec: ChartSpec,
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// `[y][x]`.
    values: Vec<Vec<f64>>,
    value_label: String,
    value_unit: Unit,
    lo: f64,
    hi: f64,
}

const SCALE_WIDTH: u32 = 170;

impl Heatmap {
    fn value(&self, ix: usize, iy: usize) -> f64 {
        self.values.get(iy).and_then(|row| row.get(ix)).copied().unwrap_or(f64::NAN)
    }

    fn colour(&self, v: f64) -> RGBColor {
        if !v.is_finite() {
            return RGBColor(0xD9, 0xD9, 0xD9);
        }
        viridis(if self.hi > self.lo { (v - self.lo) / (self.hi - self.lo) } else { 0.5 })
    }

    fn has_missing(&self) -> bool {
        (0..self.ys.len()).any(|iy| (0..self.xs.len()).any(|ix| !self.value(ix, iy).is_finite()))
    }
}

impl Figure for Heatmap {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let body = style::frame(root, &self.spec.title, &self.spec.subtitle, &[])?;
        let (w, _) = body.dim_in_pixel();
        let (plot, scale) = body.split_horizontally(w - SCALE_WIDTH);
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let x_every = label_stride(nx, 12);
        let y_every = label_stride(ny, 12);
        let x_keys: Vec<f64> = (0..nx).step_by(x_every).map(|i| i as f64 + 0.5).collect();
        let y_keys: Vec<f64> = (0..ny).step_by(y_every).map(|i| i as f64 + 0.5).collect();
        let (xu, yu) = (self.spec.x_unit, self.spec.y_unit);
        let x_text =
            |v: &f64| self.xs.get(v.floor() as usize).map_or(String::new(), |&x| xu.tick(x));
        let y_text =
            |v: &f64| self.ys.get(v.floor() as usize).map_or(String::new(), |&y| yu.tick(y));
        let mut y_label_width = 0;
        for k in &y_keys {
            y_label_width = y_label_width.max(text_size(&y_text(k), TICK_PX)?.0);
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(12)
            .margin_right(12)
            .margin_bottom(6)
            .x_label_area_size(58)
            .y_label_area_size(y_label_width + 52)
            .build_cartesian_2d(
                TickAxis::new(0.0, nx.max(1) as f64, x_keys),
                TickAxis::new(0.0, ny.max(1) as f64, y_keys),
            )
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(AXIS)
            .label_style(text(TICK_PX, MUTED))
            .axis_desc_style(text(AXIS_DESC_PX, TEXT))
            .x_desc(self.spec.x_label.as_str())
            .y_desc(self.spec.y_label.as_str())
            .x_label_formatter(&x_text)
            .y_label_formatter(&y_text)
            .draw()
            .map_err(draw_error)?;
        let cells = (0..ny).flat_map(|iy| (0..nx).map(move |ix| (ix, iy)));
        chart
            .draw_series(cells.clone().map(|(ix, iy)| {
                let (x, y) = (ix as f64, iy as f64);
                Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    self.colour(self.value(ix, iy)).filled(),
                )
            }))
            .map_err(draw_error)?;
        chart
            .draw_series(cells.clone().map(|(ix, iy)| {
                let (x, y) = (ix as f64, iy as f64);
                Rectangle::new([(x, y), (x + 1.0, y + 1.0)], WHITE.stroke_width(1))
            }))
            .map_err(draw_error)?;
        // Values in the cells when they are large enough to hold them.
        let (px_range, py_range) = chart.plotting_area().get_pixel_range();
        let cell_w = (px_range.end - px_range.start) / nx.max(1) as i32;
        let cell_h = (py_range.end - py_range.start) / ny.max(1) as i32;
        if cell_w >= 64 && cell_h >= 24 {
            for (ix, iy) in cells {
                let v = self.value(ix, iy);
                let t = if self.hi > self.lo { (v - self.lo) / (self.hi - self.lo) } else { 0.5 };
                // Light text on the dark end of the scale, dark text on the light end.
                let colour = if v.is_finite() && t < 0.55 { WHITE } else { TEXT };
                let style = text(NOTE_PX, colour).pos(Pos::new(HPos::Center, VPos::Center));
                let label = if v.is_finite() { self.value_unit.value(v) } else { "n/a".into() };
                chart
                    .draw_series(std::iter::once(Text::new(
                        label,
                        (ix as f64 + 0.5, iy as f64 + 0.5),
                        style,
                    )))
                    .map_err(draw_error)?;
            }
        }
        self.draw_scale(&scale, py_range.start - HEADER_PX as i32, py_range.end - HEADER_PX as i32)
    }
}

impl Heatmap {
    /// The colour scale: a vertical gradient from `top` to `bottom` (pixels in `area`) with
    /// labelled ticks, and a note for cells without data.
    fn draw_scale<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        top: i32,
        bottom: i32,
    ) -> Result<(), ChartError> {
        let (x0, x1) = (14, 38);
        let title = text(NOTE_PX, TEXT).pos(Pos::new(HPos::Left, VPos::Bottom));
        area.draw(&Text::new(self.value_label.clone(), (x0, top - 8), title))
            .map_err(draw_error)?;
        let height = (bottom - top).max(1);
        for y in top..bottom {
            let t = f64::from(bottom - 1 - y) / f64::from(height - 1).max(1.0);
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], viridis(t).stroke_width(1)))
                .map_err(draw_error)?;
        }
        let (_, _, ticks) = style::nice_axis(self.lo, self.hi, 5);
        for t in ticks.into_iter().filter(|&t| t >= self.lo && t <= self.hi) {
            let f = if self.hi > self.lo { (t - self.lo) / (self.hi - self.lo) } else { 0.5 };
            let y = bottom - 1 - (f * f64::from(height - 1)).round() as i32;
            area.draw(&PathElement::new(vec![(x1, y), (x1 + 5, y)], AXIS.stroke_width(1)))
                .map_err(draw_error)?;
            let style = text(TICK_PX, MUTED).pos(Pos::new(HPos::Left, VPos::Center));
            area.draw(&Text::new(self.value_unit.tick(t), (x1 + 9, y), style))
                .map_err(draw_error)?;
        }
        if self.has_missing() {
            area.draw(&Rectangle::new(
                [(x0, bottom + 16), (x1, bottom + 32)],
                self.colour(f64::NAN).filled(),
            ))
            .map_err(draw_error)?;
            let style = text(NOTE_PX, MUTED).pos(Pos::new(HPos::Left, VPos::Center));
            area.draw(&Text::new("no data", (x1 + 9, bottom + 24), style)).map_err(draw_error)?;
        }
        Ok(())
    }
}

/// A heatmap of `values[iy][ix]` over the grid `xs` × `ys` (one cell per pair, in the given
/// order), coloured on the viridis scale between the smallest and largest finite value, with a
/// colour-scale legend titled `value_label`. Missing or non-finite cells are grey.
pub fn heatmap(
    spec: &ChartSpec,
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<f64>],
    value_label: &str,
    value_unit: Unit,
) -> Result<Chart, ChartError> {
    let finite = values.iter().flatten().copied().filter(|v| v.is_finite());
    let (lo, hi) =
        finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 1.0) };
    let figure = Heatmap {
        spec: spec.clone(),
        xs: xs.to_vec(),
        ys: ys.to_vec(),
        values: values.to_vec(),
        value_label: value_label.to_string(),
        value_unit,
        lo,
        hi,
    };
    render(&spec.name, &spec.title, &figure)
}

/// One bar of a tornado chart: the change in the outcome when a parameter is set to its low
/// value and to its high value, the others held at their baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct TornadoBar {
    pub label: String,
    pub low_effect: f64,
    pub high_effect: f64,
}

struct Tornado {
    spec: ChartSpec,
    bars: Vec<TornadoBar>,
}

const LOW_COLOUR: RGBColor = RGBColor(0x4E, 0x79, 0xA7);
const HIGH_COLOUR: RGBColor = RGBColor(0xF2, 0x8E, 0x2B);
const TORNADO_ROW_PX: u32 = 46;

impl Figure for Tornado {
    fn size(&self) -> (u32, u32) {
        let rows = self.bars.len().max(1) as u32;
        (WIDTH, (HEADER_PX + 110 + rows * TORNADO_ROW_PX).max(420))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let legend = [
            LegendItem { label: "low value".into(), colour: LOW_COLOUR, swatch: Swatch::Block },
            LegendItem { label: "high value".into(), colour: HIGH_COLOUR, swatch: Swatch::Block },
        ];
        let plot = style::frame(root, &self.spec.title, &self.spec.subtitle, &legend)?;
        let effects = self.bars.iter().flat_map(|b| [b.low_effect, b.high_effect]);
        let (lo, hi) = effects
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
        let (x_lo, x_hi, x_ticks) = style::nice_axis(lo, hi, 6);
        let n = self.bars.len().max(1);
        // Bar i sits in row n - 1 - i counted from the bottom, so the first (largest) is on top.
        let row = |i: usize| (n - 1 - i) as f64;
        let y_keys: Vec<f64> = (0..self.bars.len()).map(|i| row(i) + 0.5).collect();
        let mut label_width = 0;
        for b in &self.bars {
            label_width = label_width.max(text_size(&b.label, TICK_PX)?.0);
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(12)
            .margin_right(18)
            .margin_bottom(6)
            .x_label_area_size(58)
            .y_label_area_size(label_width + 24)
            .build_cartesian_2d(
                TickAxis::new(x_lo, x_hi, x_ticks),
                TickAxis::new(0.0, n as f64, y_keys),
            )
            .map_err(draw_error)?;
        let unit = self.spec.x_unit;
        let x_format = |x: &f64| unit.tick(*x);
        let y_format = |y: &f64| {
            let from_top = n.checked_sub(1 + y.floor().max(0.0) as usize);
            from_top.and_then(|i| self.bars.get(i)).map_or(String::new(), |b| b.label.clone())
        };
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .disable_y_mesh()
            .axis_style(AXIS)
            .label_style(text(TICK_PX, TEXT))
            .axis_desc_style(text(AXIS_DESC_PX, TEXT))
            .x_desc(self.spec.x_label.as_str())
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()
            .map_err(draw_error)?;
        let bars = self.bars.iter().enumerate().flat_map(|(i, b)| {
            let y = row(i);
            [
                Rectangle::new(
                    [(0.0, y + 0.5), (finite_or_zero(b.low_effect), y + 0.86)],
                    LOW_COLOUR.filled(),
                ),
                Rectangle::new(
                    [(0.0, y + 0.14), (finite_or_zero(b.high_effect), y + 0.5)],
                    HIGH_COLOUR.filled(),
                ),
            ]
        });
        chart.draw_series(bars).map_err(draw_error)?;
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (0.0, n as f64)], TEXT.stroke_width(1)))
            .map_err(draw_error)?;
        Ok(())
    }
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// A tornado chart: for each parameter, the change in the outcome at its low and at its high
/// value, as two bars from zero, sorted by swing (|high - low|) with the largest on top (ties
/// keep the input order). The effect axis uses `spec.x_label` and `spec.x_unit`.
pub fn tornado(spec: &ChartSpec, bars: &[TornadoBar]) -> Result<Chart, ChartError> {
    let mut bars = bars.to_vec();
    let swing = |b: &TornadoBar| finite_or_zero((b.high_effect - b.low_effect).abs());
    bars.sort_by(|a, b| swing(b).total_cmp(&swing(a)));
    let figure = Tornado { spec: spec.clone(), bars };
    render(&spec.name, &spec.title, &figure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_strides() {
        assert_eq!(label_stride(10, 12), 1);
        assert_eq!(label_stride(24, 12), 2);
        assert_eq!(label_stride(25, 12), 3);
        assert_eq!(label_stride(0, 12), 1);
    }
}
