//! A small, deterministic PNG encoder for 8-bit RGB images: per-row adaptive filtering and a
//! zlib stream of one DEFLATE block with the fixed Huffman codes and greedy LZ77 matching.
//!
//! It exists because neither of the PNG encoders in the dependency graph (the `image` and `png`
//! crates, pulled in by plotters) is reachable from this crate without declaring a new
//! dependency. It knows nothing of charts: bytes in, bytes out. Output depends only on the
//! input pixels, so the same chart always gives the same file.
//!
//! ```text
//! PNG  = signature · IHDR · IDAT(zlib(filtered rows)) · IEND
//! zlib = 0x78 0x9C · deflate(fixed Huffman, one final block) · Adler-32
//! ```

/// The eight bytes every PNG file starts with.
pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];

/// Encodes `rgb` (row-major, 3 bytes per pixel, no padding) as a PNG file.
///
/// # Panics
/// When `rgb.len() != width * height * 3`, which would be a bug in the caller.
pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let stride = width as usize * 3;
    assert_eq!(rgb.len(), stride * height as usize, "RGB buffer does not match the size");
    let filtered = filter_rows(rgb, stride);
    let mut out = Vec::with_capacity(filtered.len() / 8 + 1024);
    out.extend_from_slice(&SIGNATURE);
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 2 (truecolour), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib(&filtered));
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Appends a chunk: length, type, data, CRC-32 of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = Crc32::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finish().to_be_bytes());
}

/// Prefixes each row with the filter that minimises the sum of absolute filtered bytes (the
/// heuristic the PNG specification recommends), trying None, Sub, Up, Average and Paeth.
fn filter_rows(rgb: &[u8], stride: usize) -> Vec<u8> {
    const BPP: usize = 3;
    let rows = rgb.len().checked_div(stride).unwrap_or(0);
    let mut out = Vec::with_capacity(rows * (stride + 1));
    let zeros = vec![0u8; stride];
    let mut candidates: [Vec<u8>; 5] = std::array::from_fn(|_| vec![0u8; stride]);
    for r in 0..rows {
        let row = &rgb[r * stride..(r + 1) * stride];
        let prev = if r == 0 { &zeros[..] } else { &rgb[(r - 1) * stride..r * stride] };
        for i in 0..stride {
            let a = if i >= BPP { row[i - BPP] } else { 0 };
            let b = prev[i];
            let c = if i >= BPP { prev[i - BPP] } else { 0 };
            let x = row[i];
            candidates[0][i] = x;
            candidates[1][i] = x.wrapping_sub(a);
            candidates[2][i] = x.wrapping_sub(b);
            candidates[3][i] = x.wrapping_sub(((u16::from(a) + u16::from(b)) / 2) as u8);
            candidates[4][i] = x.wrapping_sub(paeth(a, b, c));
        }
        let cost =
            |v: &Vec<u8>| v.iter().map(|&b| u64::from((b as i8).unsigned_abs())).sum::<u64>();
        // The first minimum wins ties, so the choice is deterministic.
        let mut best = 0;
        let mut best_cost = cost(&candidates[0]);
        for (f, cand) in candidates.iter().enumerate().skip(1) {
            let c = cost(cand);
            if c < best_cost {
                best = f;
                best_cost = c;
            }
        }
        out.push(best as u8);
        out.extend_from_slice(&candidates[best]);
    }
    out
}

/// The Paeth predictor: whichever of left, up and upper-left is closest to left + up - upper-left.
fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) =
        ((p - i16::from(a)).abs(), (p - i16::from(b)).abs(), (p - i16::from(c)).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// A zlib stream (RFC 1950) around one fixed-Huffman DEFLATE block.
fn zlib(data: &[u8]) -> Vec<u8> {
    let mut bits = BitWriter::default();
    // CMF 0x78: deflate with a 32 KiB window; FLG 0x9C makes the header a multiple of 31.
    bits.bytes.extend_from_slice(&[0x78, 0x9C]);
    deflate_fixed(data, &mut bits);
    let mut out = bits.finish();
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// Bits packed least significant first, as DEFLATE wants.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    acc: u64,
    count: u32,
}

impl BitWriter {
    /// Writes the low `n` bits of `value`, least significant first.
    fn bits(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.count;
        self.count += n;
        while self.count >= 8 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    /// Writes a Huffman code, which DEFLATE stores most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        self.bits(code.reverse_bits() >> (32 - len), len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.bytes.push(self.acc as u8);
        }
        self.bytes
    }
}

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] =
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

const WINDOW: usize = 32 * 1024;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// How many earlier positions with the same hash to try; bounded so that long runs of equal
/// bytes (white background) cost constant time per position.
const MAX_CHAIN: usize = 48;
const HASH_BITS: u32 = 15;

/// Writes a literal or end-of-block symbol with the fixed code (RFC 1951, 3.2.6).
fn literal(bits: &mut BitWriter, symbol: u16) {
    let s = u32::from(symbol);
    match s {
        0..=143 => bits.code(0x30 + s, 8),
        144..=255 => bits.code(0x190 + s - 144, 9),
        256..=279 => bits.code(s - 256, 7),
        _ => bits.code(0xC0 + s - 280, 8),
    }
}

/// Writes a match of `len` bytes at `dist` bytes back.
fn back_reference(bits: &mut BitWriter, len: usize, dist: usize) {
    let li = LENGTH_BASE.iter().rposition(|&b| usize::from(b) <= len).unwrap_or(0);
    literal(bits, 257 + li as u16);
    bits.bits((len - usize::from(LENGTH_BASE[li])) as u32, u32::from(LENGTH_EXTRA[li]));
    let di = DIST_BASE.iter().rposition(|&b| usize::from(b) <= dist).unwrap_or(0);
    bits.code(di as u32, 5);
    bits.bits((dist - usize::from(DIST_BASE[di])) as u32, u32::from(DIST_EXTRA[di]));
}

fn hash3(data: &[u8], i: usize) -> usize {
    let v = u32::from(data[i]) | u32::from(data[i + 1]) << 8 | u32::from(data[i + 2]) << 16;
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// One final DEFLATE block with the fixed codes and greedy matching over hash chains.
fn deflate_fixed(data: &[u8], bits: &mut BitWriter) {
    // BFINAL = 1, BTYPE = 01 (fixed Huffman).
    bits.bits(1, 1);
    bits.bits(1, 2);
    const NONE: u32 = u32::MAX;
    let mut head = vec![NONE; 1 << HASH_BITS];
    let mut prev = vec![NONE; data.len()];
    let insert = |head: &mut Vec<u32>, prev: &mut Vec<u32>, i: usize| {
        if i + MIN_MATCH <= data.len() {
            let h = hash3(data, i);
            prev[i] = head[h];
            head[h] = i as u32;
        }
    };
    let mut i = 0;
    while i < data.len() {
        let mut best_len = 0;
        let mut best_dist = 0;
        if i + MIN_MATCH <= data.len() {
            let max_len = MAX_MATCH.min(data.len() - i);
            let mut candidate = head[hash3(data, i)];
            let mut tries = 0;
            while candidate != NONE && tries < MAX_CHAIN {
                let c = candidate as usize;
                if i - c > WINDOW {
                    break;
                }
                let len = data[c..c + max_len]
                    .iter()
                    .zip(&data[i..i + max_len])
                    .take_while(|(a, b)| a == b)
                    .count();
                if len > best_len {
                    best_len = len;
                    best_dist = i - c;
                    if len == max_len {
                        break;
                    }
                }
                candidate = prev[c];
                tries += 1;
            }
        }
        if best_len >= MIN_MATCH {
            back_reference(bits, best_len, best_dist);
            for j in i..i + best_len {
                insert(&mut head, &mut prev, j);
            }
            i += best_len;
        } else {
            literal(bits, u16::from(data[i]));
            insert(&mut head, &mut prev, i);
            i += 1;
        }
    }
    literal(bits, 256);
}

fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that can be summed before b could overflow a u32.
    for block in data.chunks(5_552) {
        for &x in block {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// CRC-32 (IEEE, reflected, as PNG uses).
struct Crc32(u32);

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

impl Crc32 {
    fn new() -> Crc32 {
        Crc32(0xFFFF_FFFF)
    }

    fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.0 = CRC_TABLE[((self.0 ^ u32::from(b)) & 0xFF) as usize] ^ (self.0 >> 8);
        }
    }

    fn finish(&self) -> u32 {
        self.0 ^ 0xFFFF_FFFF
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A decoder for exactly what the encoder writes (fixed-Huffman blocks), to check round
    /// trips without a second PNG library.
    struct BitReader<'a> {
        data: &'a [u8],
        pos: usize,
        bit: u32,
    }

    impl BitReader<'_> {
        fn bit(&mut self) -> u32 {
            let b = (u32::from(self.data[self.pos]) >> self.bit) & 1;
            self.bit += 1;
            if self.bit == 8 {
                self.bit = 0;
                self.pos += 1;
            }
            b
        }
        fn bits(&mut self, n: u32) -> u32 {
            (0..n).fold(0, |acc, i| acc | self.bit() << i)
        }
        /// Reads a fixed literal/length symbol, most significant bit first.
        fn symbol(&mut self) -> u32 {
            let mut code = 0;
            for len in 1..=9 {
                code = code << 1 | self.bit();
                match len {
                    7 if code <= 0x17 => return code + 256,
                    8 if (0x30..=0xBF).contains(&code) => return code - 0x30,
                    8 if (0xC0..=0xC7).contains(&code) => return code - 0xC0 + 280,
                    9 => return code - 0x190 + 144,
                    _ => {}
                }
            }
            unreachable!()
        }
    }

    fn inflate_fixed(stream: &[u8]) -> Vec<u8> {
        let mut r = BitReader { data: stream, pos: 0, bit: 0 };
        assert_eq!(r.bits(1), 1, "final block");
        assert_eq!(r.bits(2), 1, "fixed Huffman");
        let mut out: Vec<u8> = Vec::new();
        loop {
            let s = r.symbol();
            match s {
                0..=255 => out.push(s as u8),
                256 => return out,
                _ => {
                    let li = (s - 257) as usize;
                    let len =
                        usize::from(LENGTH_BASE[li]) + r.bits(u32::from(LENGTH_EXTRA[li])) as usize;
                    let di = (0..5).fold(0, |acc, _| acc << 1 | r.bit()) as usize;
                    let dist =
                        usize::from(DIST_BASE[di]) + r.bits(u32::from(DIST_EXTRA[di])) as usize;
                    for _ in 0..len {
                        out.push(out[out.len() - dist]);
                    }
                }
            }
        }
    }

    fn unfilter(filtered: &[u8], stride: usize) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        for (r, row) in filtered.chunks(stride + 1).enumerate() {
            let (f, row) = (row[0], &row[1..]);
            for i in 0..stride {
                let a = if i >= 3 { out[r * stride + i - 3] } else { 0 };
                let b = if r > 0 { out[(r - 1) * stride + i] } else { 0 };
                let c = if r > 0 && i >= 3 { out[(r - 1) * stride + i - 3] } else { 0 };
                let pred = match f {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                    4 => paeth(a, b, c),
                    _ => panic!("filter {f}"),
                };
                out.push(row[i].wrapping_add(pred));
            }
        }
        out
    }

    /// Splits a PNG into (type, data) chunks, checking each CRC.
    fn chunks(png: &[u8]) -> Vec<(String, Vec<u8>)> {
        assert_eq!(png[..8], SIGNATURE);
        let mut out = Vec::new();
        let mut at = 8;
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = &png[at + 4..at + 8];
            let data = &png[at + 8..at + 8 + len];
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            let mut check = Crc32::new();
            check.update(kind);
            check.update(data);
            assert_eq!(check.finish(), crc);
            out.push((String::from_utf8(kind.to_vec()).unwrap(), data.to_vec()));
            at += 12 + len;
        }
        out
    }

    #[test]
    fn checksums_match_known_answers() {
        let mut crc = Crc32::new();
        crc.update(b"123456789");
        assert_eq!(crc.finish(), 0xCBF4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(&[]), 1);
    }

    #[test]
    fn deflate_round_trips() {
        let mut text = Vec::new();
        for i in 0..20_000u32 {
            text.extend_from_slice(format!("{} ", i % 97).as_bytes());
            text.push((i.wrapping_mul(2_654_435_761) >> 24) as u8);
        }
        text.extend(std::iter::repeat_n(0u8, 70_000));
        for input in [&b""[..], b"a", b"abcabcabcabcabcabc", &text] {
            let z = zlib(input);
            assert_eq!(&z[..2], &[0x78, 0x9C]);
            assert_eq!(u16::from_be_bytes([z[0], z[1]]) % 31, 0);
            let body = &z[2..z.len() - 4];
            assert_eq!(inflate_fixed(body), input);
            assert_eq!(z[z.len() - 4..], adler32(input).to_be_bytes());
        }
        // Runs of a background colour compress to almost nothing.
        assert!(zlib(&[255u8; 100_000]).len() < 1_000);
    }

    #[test]
    fn png_round_trips() {
        let (w, h) = (37u32, 23u32);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| ((i * 7) ^ (i / 97)) as u8).collect();
        let png = encode_rgb(w, h, &rgb);
        let parts = chunks(&png);
        let kinds: Vec<&str> = parts.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
        assert_eq!(parts[0].1, [0, 0, 0, 37, 0, 0, 0, 23, 8, 2, 0, 0, 0]);
        let z = &parts[1].1;
        let filtered = inflate_fixed(&z[2..z.len() - 4]);
        assert_eq!(unfilter(&filtered, w as usize * 3), rgb);
        assert_eq!(encode_rgb(w, h, &rgb), png);
    }

    #[test]
    fn paeth_picks_the_nearest_neighbour() {
        assert_eq!(paeth(10, 20, 10), 20);
        assert_eq!(paeth(20, 10, 10), 20);
        assert_eq!(paeth(10, 10, 10), 10);
        assert_eq!(paeth(200, 100, 150), 150);
    }
}
