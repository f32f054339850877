//! The timeline of key events (first crash, gate trips, halt, revert, tools, recovery
//! milestones) of replication 0: markers on a time axis with labels staggered in rows so that
//! no label overlaps another and no marker's stem crosses a label.
//!
//! ```text
//!   first crash (+1m)
//!   │   gate trips (+30m)
//!   │   │  revert published (+1h 18m)        90% recovered (+2d 4h)
//!   │   │  │                 50% recovered   │         99% recovered
//!   ●───●──●─────────────────●───────────────●─────────●──────────────▶ hours
//! ```
//!
//! It knows key events and plotters; it knows nothing of how events arise.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::RunSet;
use crate::fmt;
use blastradius_model::results::KeyEvent;

use super::render::{Figure, render};
use super::style::{
    self, AXIS, AXIS_DESC_PX, DAY_LINE, HEADER_PX, HPos, MUTED, NOTE_PX, Pos, SIDE_PX, TEXT,
    TICK_PX, VPos, WIDTH, draw_error, ensure_font, text, text_size,
};
use super::{Chart, ChartError};

const LABEL_PX: u32 = 19;
/// Vertical distance between label rows.
const ROW_PX: i32 = 34;
/// Space above the first row, for the names of days.
const TOP_PX: i32 = 34;
/// Horizontal space between a stem and its label, and between neighbouring labels.
const GAP_PX: i32 = 8;
const LEFT_PX: i32 = SIDE_PX + 24;
const RIGHT_PX: i32 = WIDTH as i32 - SIDE_PX - 24;

/// A label placed in a row: the marker's x and the text's horizontal extent, in pixels.
#[derive(Clone, Debug, PartialEq)]
struct Placed {
    x: i32,
    left: i32,
    right: i32,
    row: usize,
}

/// Puts each label in the lowest row where it overlaps no label in that row and no stem of a
/// label in a higher row passes through it. Labels extend to the right of their markers, and
/// events are placed latest first; then an event's stem, which rises from the axis through
/// the rows below its label, can only meet labels of earlier events, which are not placed
/// yet and will avoid it. So the rule always succeeds, and earlier events of a cluster stack
/// above later ones, reading top-down in time order.
fn place(markers: &[(i32, i32)]) -> Vec<Placed> {
    let mut placed: Vec<Placed> = Vec::with_capacity(markers.len());
    let mut order: Vec<usize> = (0..markers.len()).collect();
    // Latest first; among simultaneous events, the later-listed first, so that stacking
    // follows the input order top-down.
    order.sort_by(|&a, &b| markers[b].0.cmp(&markers[a].0).then(b.cmp(&a)));
    let mut result = vec![None; markers.len()];
    for i in order {
        let (x, width) = markers[i];
        let (left, right) = (x + GAP_PX, x + GAP_PX + width);
        let mut row = 0;
        loop {
            let clashes = placed.iter().any(|p| {
                (p.row == row && left < p.right + GAP_PX && p.left < right + GAP_PX)
                    || (p.row > row && p.x >= left - GAP_PX / 2 && p.x <= right + GAP_PX / 2)
            });
            if !clashes {
                break;
            }
            row += 1;
        }
        let p = Placed { x, left, right, row };
        placed.push(p.clone());
        result[i] = Some(p);
    }
    result.into_iter().flatten().collect()
}

/// The marker colour of an event, by what kind of event its label names.
fn event_colour(label: &str) -> RGBColor {
    let l = label.to_ascii_lowercase();
    if l.contains("recovered") {
        RGBColor(0x2C, 0xA0, 0x2C)
    } else if l.contains("crash") && !l.contains("gate") {
        RGBColor(0xD6, 0x27, 0x28)
    } else if l.contains("gate") || l.contains("halt") {
        RGBColor(0xFF, 0x7F, 0x0E)
    } else {
        RGBColor(0x1F, 0x77, 0xB4)
    }
}

struct Timeline {
    title: String,
    subtitle: String,
    start_unix_s: i64,
    x_hi_hours: f64,
    ticks: Vec<f64>,
    /// Label text, colour, placement.
    events: Vec<(String, RGBColor, Placed)>,
    rows: usize,
}

impl Timeline {
    fn new(set: &RunSet) -> Result<Timeline, ChartError> {
        ensure_font()?;
        let events: Vec<&KeyEvent> = set
            .runs
            .first()
            .map(|r| r.key_events.iter().filter(|e| e.at_s.is_finite()).collect())
            .unwrap_or_default();
        let labels: Vec<String> =
            events.iter().map(|e| format!("{} (+{})", e.label, fmt::duration(e.at_s))).collect();
        let mut widths = Vec::with_capacity(labels.len());
        for l in &labels {
            widths.push(text_size(l, LABEL_PX)?.0 as i32);
        }
        // Stretch the axis so that the latest labels fit to the right of their markers.
        let plot_w = f64::from(RIGHT_PX - LEFT_PX);
        let mut x_hi = 1.0f64;
        for (e, &w) in events.iter().zip(&widths) {
            let hours = e.at_s.max(0.0) / 3_600.0;
            let room = 1.0 - f64::from(w + 2 * GAP_PX) / plot_w;
            x_hi = x_hi.max(hours * 1.02).max(if room > 0.2 { hours / room } else { hours * 5.0 });
        }
        let ticks = style::hour_ticks(x_hi);
        let step = ticks.get(1).copied().unwrap_or(1.0);
        // End the axis on a tick, so that the last label on the axis is a round number.
        let x_hi = (x_hi / step).ceil() * step;
        let ticks = style::hour_ticks(x_hi);
        let to_px = |hours: f64| LEFT_PX + ((hours / x_hi) * plot_w).round() as i32;
        let markers: Vec<(i32, i32)> = events
            .iter()
            .zip(&widths)
            .map(|(e, &w)| (to_px(e.at_s.max(0.0) / 3_600.0), w))
            .collect();
        let placed = place(&markers);
        let rows = placed.iter().map(|p| p.row + 1).max().unwrap_or(1);
        let events = events
            .iter()
            .zip(labels)
            .zip(placed)
            .map(|((e, label), p)| (label, event_colour(&e.label), p))
            .collect();
        Ok(Timeline {
            title: "Timeline of key events".into(),
            subtitle: format!(
                "{}: replication 0; times after {}",
                set.meta.scenario,
                fmt::utc_datetime(set.meta.start_unix_s, 0.0)
            ),
            start_unix_s: set.meta.start_unix_s,
            x_hi_hours: x_hi,
            ticks,
            events,
            rows,
        })
    }

    fn axis_y(&self) -> i32 {
        TOP_PX + ROW_PX * self.rows as i32 + 10
    }

    fn row_y(&self, row: usize) -> i32 {
        // Row 0 is the one nearest the axis.
        self.axis_y() - 10 - ROW_PX / 2 - ROW_PX * row as i32
    }

    fn to_px(&self, hours: f64) -> i32 {
        LEFT_PX + ((hours / self.x_hi_hours) * f64::from(RIGHT_PX - LEFT_PX)).round() as i32
    }
}

impl Figure for Timeline {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEADER_PX + self.axis_y() as u32 + 78)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let body = style::frame(root, &self.title, &self.subtitle, &[])?;
        let axis_y = self.axis_y();
        let d = |r: Result<(), plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>>| {
            r.map_err(draw_error)
        };
        if self.events.is_empty() {
            let style = text(LABEL_PX, MUTED);
            d(body.draw(&Text::new("no key events", (LEFT_PX, TOP_PX), style)))?;
        }
        // UTC midnights, named at the top.
        let mut last_end = i32::MIN;
        for (hours, day) in style::utc_midnights(self.start_unix_s, self.x_hi_hours) {
            let x = self.to_px(hours);
            let dashes = (TOP_PX..axis_y).step_by(8).map(|y| {
                PathElement::new(vec![(x, y), (x, (y + 4).min(axis_y))], DAY_LINE.stroke_width(1))
            });
            for dash in dashes {
                d(body.draw(&dash))?;
            }
            let w = text_size(&day, NOTE_PX)?.0 as i32;
            if x - w / 2 > last_end + GAP_PX {
                let style = text(NOTE_PX, MUTED).pos(Pos::new(HPos::Center, VPos::Bottom));
                d(body.draw(&Text::new(day, (x, TOP_PX - 8), style)))?;
                last_end = x + w / 2;
            }
        }
        // The axis, its ticks and their labels.
        d(body.draw(&PathElement::new(
            vec![(LEFT_PX, axis_y), (RIGHT_PX, axis_y)],
            AXIS.stroke_width(2),
        )))?;
        for &t in &self.ticks {
            let x = self.to_px(t);
            d(body.draw(&PathElement::new(
                vec![(x, axis_y), (x, axis_y + 6)],
                AXIS.stroke_width(1),
            )))?;
            let style = text(TICK_PX, MUTED).pos(Pos::new(HPos::Center, VPos::Top));
            d(body.draw(&Text::new(fmt::number(t), (x, axis_y + 10), style)))?;
        }
        let desc = style::hours_label(self.start_unix_s);
        let style = text(AXIS_DESC_PX, TEXT).pos(Pos::new(HPos::Center, VPos::Top));
        d(body.draw(&Text::new(desc, ((LEFT_PX + RIGHT_PX) / 2, axis_y + 40), style)))?;
        // Stems first, then markers and labels on top.
        for (_, colour, p) in &self.events {
            let y = self.row_y(p.row);
            d(body.draw(&PathElement::new(vec![(p.x, axis_y), (p.x, y)], colour.stroke_width(1))))?;
            d(body
                .draw(&PathElement::new(vec![(p.x, y), (p.left - 3, y)], colour.stroke_width(1))))?;
        }
        for (label, colour, p) in &self.events {
            d(body.draw(&Circle::new((p.x, axis_y), 5, colour.filled())))?;
            let style = text(LABEL_PX, TEXT).pos(Pos::new(HPos::Left, VPos::Center));
            d(body.draw(&Text::new(label.clone(), (p.left, self.row_y(p.row)), style)))?;
        }
        Ok(())
    }
}

/// The key events of replication 0 on a time axis (`timeline`).
pub fn timeline(set: &RunSet) -> Result<Chart, ChartError> {
    let figure = Timeline::new(set)?;
    render("timeline", &figure.title, &figure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(a: &Placed, b: &Placed) -> bool {
        a.row == b.row && a.left < b.right && b.left < a.right
    }

    #[test]
    fn labels_never_overlap_and_stems_never_cross_labels() {
        // A cluster at the start, a few spread out, two simultaneous.
        let markers =
            [(50, 120), (52, 200), (60, 150), (300, 180), (300, 90), (420, 160), (900, 120)];
        let placed = place(&markers);
        assert_eq!(placed.len(), markers.len());
        for (i, a) in placed.iter().enumerate() {
            assert_eq!(a.x, markers[i].0);
            for b in &placed[i + 1..] {
                assert!(!overlaps(a, b), "{a:?} {b:?}");
            }
            for b in &placed {
                // b's stem rises through rows below b.row.
                if b.row > a.row {
                    assert!(b.x < a.left || b.x > a.right, "stem of {b:?} crosses {a:?}");
                }
            }
        }
        // The earliest of the cluster is on top, the isolated last event on the axis row.
        assert!(placed[0].row > placed[1].row && placed[1].row > placed[2].row);
        assert_eq!(placed[6].row, 0);
        // Simultaneous events stack in input order, top-down.
        assert!(placed[3].row > placed[4].row);
    }

    #[test]
    fn spread_out_events_share_one_row() {
        let placed = place(&[(0, 100), (300, 100), (600, 100)]);
        assert!(placed.iter().all(|p| p.row == 0));
    }

    #[test]
    fn colours_by_kind() {
        assert_eq!(event_colour("first crash"), RGBColor(0xD6, 0x27, 0x28));
        assert_eq!(event_colour("gate trips on crash reports (12)"), RGBColor(0xFF, 0x7F, 0x0E));
        assert_eq!(event_colour("90% recovered"), RGBColor(0x2C, 0xA0, 0x2C));
        assert_eq!(event_colour("revert published"), RGBColor(0x1F, 0x77, 0xB4));
    }
}
