//! The line chart every line-shaped figure is drawn with: lines with optional uncertainty
//! bands, on either a time axis (hours since the start, with UTC midnights marked) or a plain
//! value axis, with the legend outside the plot.
//!
//! It knows plotters and the shared style; it knows nothing of results, sectors or scenarios:
//! callers hand it finished lines.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::ChartError;
use super::render::Figure;
use super::style::{
    self, AXIS, AXIS_DESC_PX, DAY_LINE, GRID, HEIGHT, HPos, LegendItem, MUTED, NOTE_PX, Pos,
    Swatch, TEXT, TICK_PX, TickAxis, Unit, VPos, WIDTH, band_style, draw_error, text, text_size,
};

/// One line, optionally with a band (e.g. 5th to 95th percentile over replications).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub colour: RGBColor,
    /// (x, y), in x order.
    pub points: Vec<(f64, f64)>,
    /// (x, low, high), in x order; empty for no band.
    pub band: Vec<(f64, f64, f64)>,
    pub width: u32,
    pub dashed: bool,
    /// Whether to mark each point with a dot (for sparse data such as parameter values).
    pub markers: bool,
}

/// An observed band drawn over the lines, labelled: a value observed at a moment is a vertical
/// bar at that x from `from` to `to` in y; a time at which a level was reached is a horizontal
/// bar at that y from `from` to `to` in x. An open end (`None`) runs to the edge of the plot;
/// a closed end has a cap.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub label: String,
    pub direction: Direction,
    /// The x of a vertical bar, the y of a horizontal one.
    pub at: f64,
    pub from: Option<f64>,
    pub to: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Vertical,
    Horizontal,
}

/// The colour of observed bands.
pub const MARK: RGBColor = RGBColor(0x11, 0x11, 0x11);

/// What the x axis shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum XAxis {
    /// Hours since the start, with UTC midnights marked; x values are in hours.
    Hours { start_unix_s: i64 },
    /// Plain values labelled in a unit.
    Value(Unit),
}

/// A complete line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct LineFigure {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    pub x_axis: XAxis,
    pub y_unit: Unit,
    /// A fixed y range (e.g. 0 to 1 for capacity); otherwise fitted to the data and zero.
    pub y_range: Option<(f64, f64)>,
    pub lines: Vec<Line>,
    /// Legend entries beyond one per line (e.g. what the bands mean).
    pub legend_extra: Vec<LegendItem>,
    /// Observed bands drawn over the lines (none on most charts).
    pub marks: Vec<Mark>,
}

impl LineFigure {
    fn x_extent(&self) -> (f64, f64) {
        let xs = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0).chain(l.band.iter().map(|b| b.0)));
        extent(xs.chain(self.marks.iter().flat_map(Mark::xs)))
    }

    fn y_extent(&self) -> (f64, f64) {
        let ys = self.lines.iter().flat_map(|l| {
            l.points.iter().map(|p| p.1).chain(l.band.iter().flat_map(|b| [b.1, b.2]))
        });
        let (lo, hi) = extent(ys.chain(self.marks.iter().flat_map(Mark::ys)));
        // Quantities here are amounts, so zero belongs on the axis.
        (lo.min(0.0), hi.max(0.0))
    }
}

impl Mark {
    /// The x values it needs on the axis.
    pub fn xs(&self) -> Vec<f64> {
        match self.direction {
            Direction::Vertical => vec![self.at],
            Direction::Horizontal => self.from.into_iter().chain(self.to).collect(),
        }
    }

    /// The y values it needs on the axis.
    fn ys(&self) -> Vec<f64> {
        match self.direction {
            Direction::Vertical => self.from.into_iter().chain(self.to).collect(),
            Direction::Horizontal => vec![self.at],
        }
    }
}

/// The smallest and largest finite values, or (0, 1) when there are none.
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo <= hi { (lo, hi) } else { (0.0, 1.0) }
}

impl Figure for LineFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let mut legend: Vec<LegendItem> = self
            .lines
            .iter()
            .map(|l| LegendItem {
                label: l.label.clone(),
                colour: l.colour,
                swatch: if l.dashed { Swatch::Dashed } else { Swatch::Line },
            })
            .collect();
        legend.extend(self.legend_extra.iter().cloned());
        let plot = style::frame(root, &self.title, &self.subtitle, &legend)?;

        let (x_lo, x_hi) = self.x_extent();
        let (x_lo, x_hi, x_ticks) = match self.x_axis {
            XAxis::Hours { .. } => {
                let hi = x_hi.max(x_lo + 1e-9);
                let ticks = style::hour_ticks(hi);
                (x_lo.min(0.0), hi, ticks)
            }
            XAxis::Value(_) => style::nice_axis(x_lo, x_hi, 8),
        };
        let (y_lo, y_hi, y_ticks) = match self.y_range {
            Some((lo, hi)) => style::nice_axis(lo, hi, 5),
            None => {
                let (lo, hi) = self.y_extent();
                style::nice_axis(lo, hi, 6)
            }
        };
        let x_unit = match self.x_axis {
            XAxis::Hours { .. } => Unit::Hours,
            XAxis::Value(u) => u,
        };
        let y_unit = self.y_unit;
        let mut y_label_width = 0;
        for &t in &y_ticks {
            y_label_width = y_label_width.max(text_size(&y_unit.tick(t), TICK_PX)?.0);
        }
        let midnights = match self.x_axis {
            XAxis::Hours { start_unix_s } => style::utc_midnights(start_unix_s, x_hi),
            XAxis::Value(_) => Vec::new(),
        };

        let mut chart = ChartBuilder::on(&plot)
            .margin_top(if midnights.is_empty() { 12 } else { 34 })
            .margin_right(18)
            .margin_bottom(6)
            .x_label_area_size(58)
            .y_label_area_size(y_label_width + 52)
            .build_cartesian_2d(
                TickAxis::new(x_lo, x_hi, x_ticks),
                TickAxis::new(y_lo, y_hi, y_ticks),
            )
            .map_err(draw_error)?;
        let x_format = |x: &f64| x_unit.tick(*x);
        let y_format = |y: &f64| y_unit.tick(*y);
        let mut mesh = chart.configure_mesh();
        // With midnights marked, vertical grid lines at the hour ticks would double every
        // vertical guide; the day lines take their place.
        if !midnights.is_empty() {
            mesh.disable_x_mesh();
        }
        mesh.bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .label_style(text(TICK_PX, MUTED))
            .axis_desc_style(text(AXIS_DESC_PX, TEXT))
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .draw()
            .map_err(draw_error)?;

        // UTC midnights: dashed lines through the plot, the day's name just above it. When
        // names would collide, every k-th day is named, k the same throughout, so the names
        // keep an even rhythm.
        let mut widest = 0;
        for (_, day) in &midnights {
            widest = widest.max(text_size(day, NOTE_PX)?.0 as i32);
        }
        let day_px = chart.backend_coord(&(24.0, y_hi)).0 - chart.backend_coord(&(0.0, y_hi)).0;
        let stride = if day_px > 0 { ((widest + 12) / day_px + 1) as usize } else { 1 };
        let right_edge = chart.plotting_area().get_pixel_range().0.end;
        for (i, (hours, day)) in midnights.iter().enumerate() {
            chart
                .draw_series(DashedLineSeries::new(
                    [(*hours, y_lo), (*hours, y_hi)],
                    4,
                    4,
                    DAY_LINE.stroke_width(1),
                ))
                .map_err(draw_error)?;
            let (px, py) = chart.backend_coord(&(*hours, y_hi));
            // The last name may reach into the margin, but not past it.
            if i % stride == 0 && px + widest / 2 < right_edge + 30 {
                let style = text(NOTE_PX, MUTED).pos(Pos::new(HPos::Center, VPos::Bottom));
                root.draw(&Text::new(day.clone(), (px, py - 6), style)).map_err(draw_error)?;
            }
        }

        // Bands first, so that every line stays visible on top of every band.
        for line in &self.lines {
            if line.band.len() < 2 {
                continue;
            }
            let outline: Vec<(f64, f64)> = line
                .band
                .iter()
                .map(|&(x, lo, _)| (x, lo))
                .chain(line.band.iter().rev().map(|&(x, _, hi)| (x, hi)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(outline, band_style(line.colour))))
                .map_err(draw_error)?;
        }
        for line in &self.lines {
            let stroke = line.colour.stroke_width(line.width);
            if line.dashed {
                chart
                    .draw_series(DashedLineSeries::new(line.points.iter().copied(), 10, 6, stroke))
                    .map_err(draw_error)?;
            } else {
                chart
                    .draw_series(LineSeries::new(line.points.iter().copied(), stroke))
                    .map_err(draw_error)?;
            }
            if line.markers {
                chart
                    .draw_series(
                        line.points.iter().map(|&p| Circle::new(p, 4, line.colour.filled())),
                    )
                    .map_err(draw_error)?;
            }
        }

        // Observed bands last, over everything: bars with caps at their closed ends, then
        // their labels beside them, so that no label's ground hides another bar.
        let right_edge = chart.plotting_area().get_pixel_range().0.end;
        let mut labels = Vec::new();
        for mark in &self.marks {
            let vertical = mark.direction == Direction::Vertical;
            let (lo, hi) = if vertical { (y_lo, y_hi) } else { (x_lo, x_hi) };
            let point = |at: f64, v: f64| if vertical { (at, v) } else { (v, at) };
            let from = mark.from.unwrap_or(lo).clamp(lo, hi);
            let to = mark.to.unwrap_or(hi).clamp(lo, hi);
            let (a, b) = (point(mark.at, from), point(mark.at, to));
            let stroke = MARK.stroke_width(3);
            chart
                .draw_series(std::iter::once(PathElement::new(vec![a, b], stroke)))
                .map_err(draw_error)?;
            for (end, closed) in [(a, mark.from.is_some()), (b, mark.to.is_some())] {
                if !closed {
                    continue;
                }
                let (px, py) = chart.backend_coord(&end);
                let cap = match mark.direction {
                    Direction::Vertical => [(px - 8, py), (px + 8, py)],
                    Direction::Horizontal => [(px, py - 8), (px, py + 8)],
                };
                root.draw(&PathElement::new(cap.to_vec(), stroke)).map_err(draw_error)?;
            }
            labels.push((mark, (chart.backend_coord(&a), chart.backend_coord(&b))));
        }
        for (mark, ends) in labels {
            label_mark(root, mark, ends, (y_lo, y_hi), right_edge)?;
        }
        Ok(())
    }
}

/// Writes a mark's label on a white ground beside it, within the plot: a vertical bar's right
/// of its low end (its high end when the low one is open), or left of it near the right edge,
/// centred on it; a horizontal bar's above it (below it near the top of the plot), from its
/// start, or ending at its end when the start is open, or before its start, centred on it,
/// when there is no room after.
fn label_mark<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    mark: &Mark,
    (a, b): ((i32, i32), (i32, i32)),
    (y_lo, y_hi): (f64, f64),
    right_edge: i32,
) -> Result<(), ChartError> {
    let (w, h) = text_size(&mark.label, NOTE_PX)?;
    let (w, h) = (w as i32, h as i32);
    let (x, y) = match mark.direction {
        Direction::Vertical => {
            let (px, py) = if mark.from.is_some() { a } else { b };
            // Left of the bar when the right would leave the plot.
            let x = if px + 12 + w > right_edge { px - 12 - w } else { px + 12 };
            (x, py - h / 2)
        }
        Direction::Horizontal => {
            let near_top = mark.at > y_hi - 0.05 * (y_hi - y_lo);
            if mark.from.is_some() && a.0 + 6 + w > right_edge {
                // No room after the start: before it, centred on the bar.
                (a.0 - 12 - w, a.1 - h / 2)
            } else {
                let (px, py) = if mark.from.is_some() { a } else { (b.0 - w - 12, b.1) };
                (px + 6, if near_top { py + 8 } else { py - 8 - h })
            }
        }
    };
    root.draw(&Rectangle::new([(x - 3, y - 2), (x + w + 3, y + h + 2)], WHITE.filled()))
        .map_err(draw_error)?;
    let style = text(NOTE_PX, MARK).pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(mark.label.clone(), (x, y), style)).map_err(draw_error)?;
    Ok(())
}

/// How close to its final value a line must stay, as a share of its range, to count as
/// settled: a long tail of a few stragglers (177 machines still down out of 2 million at the
/// peak) is invisible at chart scale and should not stretch the axis.
pub const SETTLED_SHARE: f64 = 0.005;

/// When the lines settle: the latest x after which every line (and band) stays within
/// [`SETTLED_SHARE`] of its range from its final value.
pub fn settled_at(lines: &[Line]) -> f64 {
    fn last_away(points: impl DoubleEndedIterator<Item = (f64, f64)> + Clone) -> f64 {
        let (lo, hi) = points
            .clone()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
        let Some(last) = points.clone().next_back() else { return 0.0 };
        let tolerance = (hi - lo) * SETTLED_SHARE;
        let mut rev = points.rev().peekable();
        // The last point still away from the final value; the line settles at the next one.
        let mut settled = last.0;
        while let Some(p) = rev.next() {
            if (p.1 - last.1).abs() > tolerance {
                return settled;
            }
            settled = p.0;
            if rev.peek().is_none() {
                return settled;
            }
        }
        settled
    }
    let mut settled: f64 = 0.0;
    for line in lines {
        settled = settled.max(last_away(line.points.iter().copied()));
        settled = settled.max(last_away(line.band.iter().map(|b| (b.0, b.1))));
        settled = settled.max(last_away(line.band.iter().map(|b| (b.0, b.2))));
    }
    settled
}

/// Cuts every line and band at `end`, keeping the value they hold there, so a chart can show
/// the part of a long run where something happens.
pub fn trim_to(lines: &mut [Line], end: f64) {
    for line in lines {
        if let Some(&(_, y)) = line.points.iter().rev().find(|p| p.0 <= end) {
            line.points.retain(|p| p.0 <= end);
            if line.points.last().is_some_and(|p| p.0 < end) {
                line.points.push((end, y));
            }
        }
        if let Some(&(_, lo, hi)) = line.band.iter().rev().find(|b| b.0 <= end) {
            line.band.retain(|b| b.0 <= end);
            if line.band.last().is_some_and(|b| b.0 < end) {
                line.band.push((end, lo, hi));
            }
        }
    }
}

/// Where a time axis should end to show a run whose lines settle at `settled` hours out of
/// `total`: a margin past the last change, rounded to whole days (or to 6 hours in the
/// first two days); `None` when the lines change until near the end anyway.
pub fn focus_end(settled: f64, total: f64) -> Option<f64> {
    let step = if settled < 42.0 { 6.0 } else { 24.0 };
    let end = ((settled * 1.15 + 6.0) / step).ceil() * step;
    (end < total * 0.85).then_some(end)
}

/// Drops interior points whose neighbours have the same values, which leaves the drawn line
/// unchanged: long flat stretches (full capacity, no loss yet) then cost two points in the
/// SVG instead of hundreds. `key` gives the values that must match.
pub fn drop_flat<T: Copy, K: PartialEq>(points: &[T], key: impl Fn(&T) -> K) -> Vec<T> {
    let n = points.len();
    (0..n)
        .filter(|&i| {
            i == 0
                || i + 1 == n
                || key(&points[i - 1]) != key(&points[i])
                || key(&points[i + 1]) != key(&points[i])
        })
        .map(|i| points[i])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(points: Vec<(f64, f64)>) -> Line {
        Line {
            label: String::new(),
            colour: plotters::style::RGBColor(0, 0, 0),
            points,
            band: Vec::new(),
            width: 1,
            dashed: false,
            markers: false,
        }
    }

    #[test]
    fn a_long_flat_tail_is_trimmed_after_the_last_change() {
        let mut lines = vec![
            line(vec![(0.0, 0.0), (10.0, 5.0), (30.0, 0.0), (336.0, 0.0)]),
            line(vec![(0.0, 1.0), (20.0, 1.0), (40.0, 2.0), (336.0, 2.0)]),
        ];
        assert_eq!(settled_at(&lines), 40.0);
        let end = focus_end(40.0, 336.0).unwrap();
        assert_eq!(end, 54.0);
        trim_to(&mut lines, end);
        assert_eq!(lines[0].points.last(), Some(&(54.0, 0.0)));
        assert_eq!(lines[1].points, vec![(0.0, 1.0), (20.0, 1.0), (40.0, 2.0), (54.0, 2.0)]);
        // A run that changes to the end keeps its whole axis.
        assert_eq!(focus_end(300.0, 336.0), None);
    }

    #[test]
    fn a_tail_within_half_a_percent_of_the_range_counts_as_settled() {
        // Falls from 1,000 to 4 by hour 50, then creeps to 1 by hour 300: settled at 50.
        let lines = vec![line(vec![(0.0, 1_000.0), (50.0, 4.0), (300.0, 1.0), (336.0, 1.0)])];
        assert_eq!(settled_at(&lines), 50.0);
        // Still 10 above the final value (more than 0.5% of 999) at hour 50: settled at 300.
        let lines = vec![line(vec![(0.0, 1_000.0), (50.0, 11.0), (300.0, 1.0), (336.0, 1.0)])];
        assert_eq!(settled_at(&lines), 300.0);
    }

    #[test]
    fn flat_stretches_keep_their_ends() {
        let p: [(f64, f64); 6] =
            [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0), (3.0, 0.5), (4.0, 0.5), (5.0, 0.5)];
        let kept = drop_flat(&p, |q| q.1.to_bits());
        assert_eq!(kept, [(0.0, 1.0), (2.0, 1.0), (3.0, 0.5), (5.0, 0.5)]);
        assert_eq!(drop_flat(&p[..1], |q| q.1.to_bits()), [(0.0, 1.0)]);
    }

    #[test]
    fn extent_ignores_non_finite_values() {
        assert_eq!(extent([1.0, f64::NAN, -2.0, f64::INFINITY].into_iter()), (-2.0, 1.0));
        assert_eq!(extent(std::iter::empty()), (0.0, 1.0));
    }
}
