//! Renders one figure twice, as SVG text and as a PNG, from the same drawing code.
//!
//! It knows plotters' two in-memory backends and the PNG encoding step; it knows nothing of what a
//! figure shows. A figure is anything that can draw itself on a plotters drawing area of any
//! backend, which is why drawing code is generic over `DrawingBackend`.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{draw_error, ensure_font};
use super::{Chart, ChartError, png};

/// Something that can draw itself on any plotters backend.
pub trait Figure {
    /// The canvas size in pixels (width, height).
    fn size(&self) -> (u32, u32);

    /// Draws the whole figure, background included, on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>;
}

/// Draws `figure` as SVG and as PNG.
pub fn render(name: &str, title: &str, figure: &impl Figure) -> Result<Chart, ChartError> {
    ensure_font()?;
    let (w, h) = figure.size();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        figure.draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        figure.draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    Ok(Chart {
        name: name.to_string(),
        title: title.to_string(),
        svg,
        png: png::encode_rgb(w, h, &rgb)?,
    })
}
