//! PNG files from 8-bit RGB pixel buffers, through the `png` crate (the encoder plotters
//! itself uses, so it adds nothing to the build).
//!
//! It knows nothing of charts: pixels in, bytes out. The encoder writes no timestamp or other
//! ambient metadata, and its filtering and compression are pure functions of the pixels, so the
//! same chart always gives the same file.

use super::ChartError;

/// The eight bytes every PNG file starts with.
pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];

/// Encodes `rgb` (row-major, 3 bytes per pixel, no padding) as a PNG file.
///
/// Rows are filtered adaptively (each row takes whichever of the five PNG filters suits it
/// best), which shrinks charts' flat backgrounds and straight lines far more than one fixed
/// filter would.
///
/// # Errors
/// [`ChartError::Png`] when the encoder refuses the image: a zero width or height, or a buffer
/// whose length is not `width * height * 3`. Both would be bugs in the caller.
pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, ChartError> {
    let png_error = |e: png::EncodingError| ChartError::Png(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Default);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(rgb).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a PNG with the `png` crate: (width, height, colour type, bit depth, pixels).
    fn decode(bytes: &[u8]) -> (u32, u32, png::ColorType, png::BitDepth, Vec<u8>) {
        let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG header");
        let mut pixels = vec![0u8; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).expect("one frame");
        pixels.truncate(frame.buffer_size());
        (frame.width, frame.height, frame.color_type, frame.bit_depth, pixels)
    }

    /// Pixels with no pattern a single filter would catch, so every filter gets exercised.
    fn noise(width: u32, height: u32) -> Vec<u8> {
        (0..width * height * 3).map(|i| ((i * 7) ^ (i / 97)) as u8).collect()
    }

    #[test]
    fn png_round_trips_through_a_decoder() {
        for (w, h) in [(1u32, 1u32), (37, 23), (640, 3)] {
            let rgb = noise(w, h);
            let png = encode_rgb(w, h, &rgb).unwrap();
            assert!(png.starts_with(&SIGNATURE));
            let (dw, dh, colour, depth, pixels) = decode(&png);
            assert_eq!((dw, dh), (w, h));
            assert_eq!((colour, depth), (png::ColorType::Rgb, png::BitDepth::Eight));
            assert_eq!(pixels, rgb, "{w}x{h}");
        }
    }

    #[test]
    fn png_is_a_function_of_the_pixels() {
        let rgb = noise(37, 23);
        assert_eq!(encode_rgb(37, 23, &rgb).unwrap(), encode_rgb(37, 23, &rgb).unwrap());
    }

    #[test]
    fn flat_backgrounds_compress_to_almost_nothing() {
        let white = vec![255u8; 800 * 500 * 3];
        let png = encode_rgb(800, 500, &white).unwrap();
        assert!(png.len() < 4_000, "{} bytes", png.len());
        assert_eq!(decode(&png).4, white);
    }

    #[test]
    fn a_buffer_of_the_wrong_size_is_an_error_not_a_panic() {
        assert!(matches!(encode_rgb(4, 4, &[0u8; 47]), Err(ChartError::Png(_))));
        assert!(matches!(encode_rgb(0, 4, &[]), Err(ChartError::Png(_))));
    }
}
