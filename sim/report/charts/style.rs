//! The look shared by every chart: the embedded font, text sizes, colours (one per sector, a
//! categorical palette for scenarios, a sequential scale for heatmaps), tick placement and
//! tick labels by unit, the time axis (hours since the start, UTC day boundaries), and the
//! header and legend drawn around a plot.
//!
//! It knows plotters and the report's number formats; it knows nothing of results or of
//! which chart it is drawing.

use std::sync::OnceLock;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::FontStyle;
pub use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::fmt;
use blastradius_model::spec::Sector;

use super::ChartError;

/// The family name under which the embedded Noto Sans is registered. SVG output names it too,
/// so a browser renders the SVG with its own sans-serif font and no font file is referenced.
pub const FONT: &str = "sans-serif";

/// Text sizes in pixels, as plotters measures them (the line height; the em is about three
/// quarters of it). Bitmap text at 12 px and below can lose the spaces between words (a
/// plotters bug), and charts are often shown scaled down in a page, so nothing is small.
pub const TITLE_PX: u32 = 30;
pub const SUBTITLE_PX: u32 = 20;
pub const AXIS_DESC_PX: u32 = 20;
pub const TICK_PX: u32 = 19;
pub const LEGEND_PX: u32 = 19;
pub const NOTE_PX: u32 = 18;

/// The canvas of the time-series and generic charts: 16:9, large enough for a slide.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 675;

/// Space above the plot for the title and subtitle.
pub const HEADER_PX: u32 = 96;
/// Left and right outer margin.
pub const SIDE_PX: i32 = 24;

pub const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
pub const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
pub const AXIS: RGBColor = RGBColor(0x88, 0x88, 0x88);
pub const DAY_LINE: RGBColor = RGBColor(0x9A, 0xA5, 0xB1);

/// Registers the embedded font once per process. Drawing text, measuring it and even laying
/// out SVG (which measures labels to place them) all need it, so every chart calls this first.
pub fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            // The error type implements neither Debug nor Error, so it is described here.
            plotters::style::register_font(FONT, FontStyle::Normal, ttf_noto_sans::REGULAR)
                .map_err(|_| "the embedded Noto Sans font could not be loaded".to_string())
        })
        .clone()
        .map_err(ChartError::Font)
}

/// A text style in the chart font.
pub fn text(px: u32, colour: RGBColor) -> TextStyle<'static> {
    (FONT, px).into_font().color(&colour)
}

/// The width and height of `s` in pixels at `px`, as the bitmap renders it.
pub fn text_size(s: &str, px: u32) -> Result<(u32, u32), ChartError> {
    (FONT, px).into_font().box_size(s).map_err(|e| ChartError::Font(e.to_string()))
}

/// A consistent colour per sector, from Tableau 10 (distinct for most colour-blind readers),
/// with three more from Tableau 20 for the sectors beyond ten.
pub fn sector_colour(sector: Sector) -> RGBColor {
    match sector {
        Sector::Airline => RGBColor(0x4E, 0x79, 0xA7),
        Sector::Hospital => RGBColor(0xE1, 0x57, 0x59),
        Sector::Bank => RGBColor(0x59, 0xA1, 0x4F),
        Sector::Retail => RGBColor(0xF2, 0x8E, 0x2B),
        Sector::Government => RGBColor(0xB0, 0x7A, 0xA1),
        Sector::Media => RGBColor(0xED, 0xC9, 0x48),
        Sector::Logistics => RGBColor(0x9C, 0x75, 0x5F),
        Sector::Health => RGBColor(0x76, 0xB7, 0xB2),
        Sector::Manufacturing => RGBColor(0xFF, 0x9D, 0xA7),
        Sector::ItServices => RGBColor(0xBA, 0xB0, 0xAC),
        Sector::Consumer => RGBColor(0x2F, 0x4B, 0x7C),
        Sector::Other => RGBColor(0x79, 0x70, 0x6E),
    }
}

/// Colours for series that are not sectors (scenarios, parameters), in order of use; the
/// ninth series reuses the first colour.
pub fn series_colour(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 8] = [
        RGBColor(0x1F, 0x77, 0xB4),
        RGBColor(0xD6, 0x27, 0x28),
        RGBColor(0x2C, 0xA0, 0x2C),
        RGBColor(0xFF, 0x7F, 0x0E),
        RGBColor(0x94, 0x67, 0xBD),
        RGBColor(0x8C, 0x56, 0x4B),
        RGBColor(0xE3, 0x77, 0xC2),
        RGBColor(0x17, 0xBE, 0xCF),
    ];
    PALETTE[i % PALETTE.len()]
}

/// The viridis colour scale at `t` in [0, 1] (perceptually uniform, readable in greyscale),
/// interpolated between nine anchors.
pub fn viridis(t: f64) -> RGBColor {
    const ANCHORS: [(u8, u8, u8); 9] = [
        (0x44, 0x01, 0x54),
        (0x47, 0x2D, 0x7B),
        (0x3B, 0x52, 0x8B),
        (0x2C, 0x72, 0x8E),
        (0x21, 0x91, 0x8C),
        (0x28, 0xAE, 0x80),
        (0x5E, 0xC9, 0x62),
        (0xAD, 0xDC, 0x30),
        (0xFD, 0xE7, 0x25),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (ANCHORS.len() - 1) as f64;
    let i = (x.floor() as usize).min(ANCHORS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + f * (f64::from(q) - f64::from(p))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// How an axis or a colour scale labels its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A plain number: "0.25", "1,500".
    Number,
    /// A count, compact: "250k", "8.5M".
    Count,
    /// US dollars, compact: "$1.2M", "$3.4B".
    Usd,
    /// A share in [0, 1] shown as a percentage: "40%".
    Share,
    /// Seconds shown as a duration: "1h 30m".
    Seconds,
    /// Hours, as a plain number ("48"), for time axes whose label says "hours".
    Hours,
}

impl Unit {
    /// A tick label: compact, without trailing zeros ("$1.5B", not "$1.50B").
    pub fn tick(self, v: f64) -> String {
        match self {
            Unit::Number | Unit::Hours => fmt::number(v),
            Unit::Count => trim_zeros(&fmt::count_compact(v)),
            Unit::Usd => trim_zeros(&fmt::money(v)),
            Unit::Share => format!("{}%", fmt::number(v * 100.0)),
            Unit::Seconds => fmt::duration(v),
        }
    }

    /// A value label, e.g. inside a heatmap cell: three significant digits.
    pub fn value(self, v: f64) -> String {
        match self {
            Unit::Number | Unit::Hours => fmt::number(v),
            Unit::Count => fmt::count_compact(v),
            Unit::Usd => fmt::money(v),
            Unit::Share => fmt::percent(v, 1),
            Unit::Seconds => fmt::duration(v),
        }
    }
}

/// Removes trailing zeros after a decimal point before a suffix: "$1.50B" → "$1.5B",
/// "5.00M" → "5M".
fn trim_zeros(s: &str) -> String {
    let Some(dot) = s.find('.') else { return s.to_string() };
    let digits_end =
        s[dot + 1..].find(|c: char| !c.is_ascii_digit()).map_or(s.len(), |i| dot + 1 + i);
    let decimals = s[dot + 1..digits_end].trim_end_matches('0');
    let head = &s[..dot];
    let tail = &s[digits_end..];
    if decimals.is_empty() { format!("{head}{tail}") } else { format!("{head}.{decimals}{tail}") }
}

/// A "nice" step (1, 2, 2.5 or 5 times a power of ten) of at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    // The tolerance keeps binary noise (0.2 / 0.1 = 2.0000000000000004) from skipping a step.
    let m = m - 1e-9;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 2.5 {
        2.5
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// An axis range and its ticks: the range is widened to whole steps, with about `target`
/// ticks. A degenerate or empty range becomes a unit range around its value.
pub fn nice_axis(lo: f64, hi: f64, target: usize) -> (f64, f64, Vec<f64>) {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= if lo == 0.0 { 0.0 } else { pad };
        hi += pad;
    }
    let step = nice_step((hi - lo) / target.max(1) as f64);
    // The tolerance keeps binary noise (0.30000000000000004 / 0.1) from adding a tick.
    let first = (lo / step + 1e-9).floor();
    let last = (hi / step - 1e-9).ceil();
    let ticks: Vec<f64> = (first as i64..=last as i64).map(|k| clean(k as f64 * step)).collect();
    (clean(first * step), clean(last * step), ticks)
}

/// Rounds away binary noise (0.30000000000000004 → 0.3) so tick labels and SVG coordinates
/// are stable and short.
fn clean(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let digits = 12 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits.clamp(0, 15));
    (x * scale).round() / scale
}

/// A linear f64 axis whose ticks (and grid lines) are exactly the given values. plotters'
/// own `with_key_points` combinator cannot be used with a label formatter on f64 axes, and the
/// ticks must be ours anyway so that they fall on round hours and round money.
#[derive(Clone, Debug, PartialEq)]
pub struct TickAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl TickAxis {
    /// The axis from `lo` to `hi` with ticks at `ticks` (those outside the range are dropped).
    pub fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> TickAxis {
        let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        let ticks = ticks.into_iter().filter(|t| *t >= a - 1e-9 && *t <= b + 1e-9).collect();
        TickAxis { lo, hi, ticks }
    }
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    /// The same linear mapping as plotters' `RangedCoordf64`.
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        if self.hi == self.lo {
            return (limit.1 - limit.0) / 2;
        }
        let share = (v - self.lo) / (self.hi - self.lo);
        let length = limit.1 - limit.0;
        if length == 0 || !share.is_finite() {
            return limit.1;
        }
        if length > 0 {
            limit.0 + (f64::from(length) * share + 1e-3).floor() as i32
        } else {
            limit.0 + (f64::from(length) * share - 1e-3).ceil() as i32
        }
    }

    /// Our ticks for bold (labelled) points; no light grid lines.
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Ticks for a time axis in hours from 0 to `max_hours`: steps of 1, 2, 3, 6, 12 or 24 hours
/// or whole days and weeks, so they fall on readable boundaries, with at most about 14 ticks.
pub fn hour_ticks(max_hours: f64) -> Vec<f64> {
    const STEPS: [f64; 11] = [1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 672.0];
    let max_hours = if max_hours.is_finite() && max_hours > 0.0 { max_hours } else { 1.0 };
    let step = STEPS
        .iter()
        .copied()
        .find(|s| max_hours / s <= 14.0)
        .unwrap_or_else(|| nice_step(max_hours / 14.0 / 168.0) * 168.0);
    let n = (max_hours / step).floor() as usize;
    (0..=n).map(|k| k as f64 * step).collect()
}

/// The label of a time axis: "hours since Fri 19 Jul 2024 04:09 UTC".
pub fn hours_label(start_unix_s: i64) -> String {
    format!("hours since {}", fmt::utc_datetime(start_unix_s, 0.0))
}

/// The UTC midnights after the start and before `max_hours`, as (hours since the start,
/// "Sat 20 Jul").
pub fn utc_midnights(start_unix_s: i64, max_hours: f64) -> Vec<(f64, String)> {
    let first = start_unix_s.div_euclid(86_400) * 86_400 + 86_400;
    let mut out = Vec::new();
    let mut at = first;
    while ((at - start_unix_s) as f64) / 3_600.0 < max_hours && out.len() < 400 {
        let hours = (at - start_unix_s) as f64 / 3_600.0;
        out.push((hours, fmt::utc_format(at, 0.0, "%a %-d %b")));
        at += 86_400;
    }
    out
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swatch {
    Line,
    Dashed,
    /// A filled square, for bars and bands.
    Block,
}

/// One entry of a legend.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendItem {
    pub label: String,
    pub colour: RGBColor,
    pub swatch: Swatch,
}

/// The width of a legend column for these items (0 when there are none).
pub fn legend_width(items: &[LegendItem]) -> Result<u32, ChartError> {
    if items.is_empty() {
        return Ok(0);
    }
    let mut widest = 0;
    for item in items {
        widest = widest.max(text_size(&item.label, LEGEND_PX)?.0);
    }
    Ok((widest + 70).clamp(150, 400))
}

/// Draws the title and subtitle in the header and the legend in a column on the right, and
/// returns the area left for the plot. Legends sit outside the plot so they never hide data.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    legend: &[LegendItem],
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    root.fill(&WHITE).map_err(draw_error)?;
    root.draw(&Text::new(title.to_string(), (SIDE_PX, 16), text(TITLE_PX, TEXT)))
        .map_err(draw_error)?;
    if !subtitle.is_empty() {
        root.draw(&Text::new(subtitle.to_string(), (SIDE_PX, 58), text(SUBTITLE_PX, MUTED)))
            .map_err(draw_error)?;
    }
    let (_, body) = root.split_vertically(HEADER_PX);
    let width = legend_width(legend)?;
    if width == 0 {
        return Ok(body.margin(0, 0, 0, SIDE_PX as u32));
    }
    let (w, _) = body.dim_in_pixel();
    let (plot, side) = body.split_horizontally(w.saturating_sub(width));
    draw_legend(&side, legend)?;
    Ok(plot)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
) -> Result<(), ChartError> {
    let x0 = 14;
    for (i, item) in items.iter().enumerate() {
        let y = 24 + 32 * i as i32;
        match item.swatch {
            Swatch::Line => area
                .draw(&PathElement::new(vec![(x0, y), (x0 + 26, y)], item.colour.stroke_width(3))),
            Swatch::Dashed => area
                .draw(&PathElement::new(vec![(x0, y), (x0 + 10, y)], item.colour.stroke_width(3)))
                .and_then(|_| {
                    area.draw(&PathElement::new(
                        vec![(x0 + 16, y), (x0 + 26, y)],
                        item.colour.stroke_width(3),
                    ))
                }),
            Swatch::Block => area
                .draw(&Rectangle::new([(x0 + 4, y - 8), (x0 + 22, y + 8)], item.colour.filled())),
        }
        .map_err(draw_error)?;
        let style = text(LEGEND_PX, TEXT).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(item.label.clone(), (x0 + 36, y), style)).map_err(draw_error)?;
    }
    Ok(())
}

/// Maps any plotters drawing error to a chart error. On in-memory backends the only realistic
/// cause is the font, but the message is kept whatever it is.
pub fn draw_error<E: std::error::Error + Send + Sync>(
    e: plotters::drawing::DrawingAreaErrorKind<E>,
) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// `colour` mixed with white by `amount` (0 keeps it, 1 gives white), as an opaque colour so
/// that legends can show exactly what the chart draws.
pub fn lighten(colour: RGBColor, amount: f64) -> RGBColor {
    let mix =
        |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * amount.clamp(0.0, 1.0)).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// A light version of a colour for bands: the colour at `alpha` opacity.
pub fn band_style(colour: RGBColor) -> ShapeStyle {
    colour.mix(0.18).filled()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        for (raw, step) in
            [(0.7, 1.0), (1.3, 2.0), (2.2, 2.5), (3.0, 5.0), (7.0, 10.0), (23.0, 25.0)]
        {
            assert_eq!(nice_step(raw), step, "{raw}");
        }
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(120_000.0), 200_000.0);
    }

    #[test]
    fn nice_axes_cover_the_data() {
        assert_eq!(nice_axis(0.0, 9.3, 5), (0.0, 10.0, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]));
        let (lo, hi, ticks) = nice_axis(0.0, 0.7, 7);
        assert_eq!((lo, hi), (0.0, 0.7));
        assert_eq!(ticks[3], 0.3);
        let (lo, hi, _) = nice_axis(5.0, 5.0, 5);
        assert!(lo <= 4.5 && hi >= 5.5, "{lo} {hi}");
        assert_eq!(nice_axis(0.0, 0.3 + 1e-12, 3).1, 0.3);
        assert_eq!(nice_axis(0.0, 0.0, 5), (0.0, 1.0, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]));
    }

    #[test]
    fn hour_ticks_fall_on_readable_boundaries() {
        assert_eq!(hour_ticks(5.5), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(hour_ticks(48.0).len(), 9);
        assert_eq!(hour_ticks(336.0)[1], 24.0);
        assert_eq!(hour_ticks(24.0 * 60.0)[1], 168.0);
    }

    #[test]
    fn tick_labels() {
        assert_eq!(Unit::Usd.tick(1.5e9), "$1.5B");
        assert_eq!(Unit::Usd.tick(2e9), "$2B");
        assert_eq!(Unit::Count.tick(5e6), "5M");
        assert_eq!(Unit::Count.tick(250_000.0), "250k");
        assert_eq!(Unit::Share.tick(0.4), "40%");
        assert_eq!(Unit::Hours.tick(48.0), "48");
        assert_eq!(trim_zeros("$1.20k"), "$1.2k");
        assert_eq!(trim_zeros("12"), "12");
    }

    #[test]
    fn midnights_after_a_friday_morning_start() {
        let m = utc_midnights(1_721_362_140, 50.0);
        // 04:09 → the next midnight is 19h 51m later.
        assert_eq!(m.len(), 2);
        assert!((m[0].0 - 19.85).abs() < 1e-9);
        assert_eq!(m[0].1, "Sat 20 Jul");
        assert_eq!(m[1].1, "Sun 21 Jul");
        assert_eq!(hours_label(1_721_362_140), "hours since Fri 19 Jul 2024 04:09 UTC");
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xFD, 0xE7, 0x25));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }
}
