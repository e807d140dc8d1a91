//! Makes the SDF glyph ranges that the server ships (fonts/open-sans-regular/*.pbf), so map
//! labels render with no internet. Pure Rust: ab_glyph rasterizes, a Felzenszwalb distance
//! transform (as Mapbox's TinySDF does it) makes the distance field, protobuf is written by hand.
//!
//! `cargo run --release --example glyphs -- fonts/OpenSans-Regular.ttf "Open Sans Regular" fonts/open-sans-regular 0-255 256-511 8192-8447`

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

/// MapLibre's glyph conventions: 24 px em, a 3 px border around each bitmap, an 8 px
/// distance radius, and the edge at 192 of 255 (cutoff 0.25).
const EM_PX: f32 = 24.0;
const BUFFER: usize = 3;
const RADIUS: f64 = 8.0;
const CUTOFF: f64 = 0.25;
const INF: f64 = 1e20;

struct Glyph {
    id: u32,
    bitmap: Vec<u8>,
    width: u32,
    height: u32,
    left: i32,
    top: i32,
    advance: u32,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: glyphs FONT.ttf \"Stack Name\" OUT_DIR START-END...");
        std::process::exit(2);
    }
    let bytes = std::fs::read(&args[0]).unwrap_or_else(|e| fail(&format!("{}: {e}", args[0])));
    let font = FontRef::try_from_slice(&bytes)
        .unwrap_or_else(|e| fail(&format!("{} is not a font: {e}", args[0])));
    let out = std::path::Path::new(&args[2]);
    std::fs::create_dir_all(out).unwrap_or_else(|e| fail(&format!("{}: {e}", out.display())));
    for range in &args[3..] {
        let (start, end) = range
            .split_once('-')
            .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
            .unwrap_or_else(|| fail(&format!("range '{range}' is not START-END")));
        let glyphs: Vec<Glyph> = (start..=end).filter_map(|c| glyph(&font, c)).collect();
        let pbf = encode(&args[1], range, &glyphs);
        let path = out.join(format!("{range}.pbf"));
        std::fs::write(&path, &pbf).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
        println!(
            "{}: {} glyphs, {} bytes",
            path.display(),
            glyphs.len(),
            pbf.len()
        );
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1)
}

/// The SDF glyph of one code point, or `None` if the font lacks it.
fn glyph(font: &FontRef, codepoint: u32) -> Option<Glyph> {
    let c = char::from_u32(codepoint)?;
    let id = font.glyph_id(c);
    if id.0 == 0 {
        return None;
    }
    // ab_glyph scales by ascent - descent; FreeType (which the conventions assume) by the em.
    let units_per_em = font.units_per_em()?;
    let scale = PxScale::from(EM_PX * font.height_unscaled() / units_per_em);
    let scaled = font.as_scaled(scale);
    let advance = scaled.h_advance(id).round().max(0.0) as u32;
    let ascender = scaled.ascent().round() as i32;
    let Some(outlined) = font.outline_glyph(id.with_scale_and_position(scale, point(0.0, 0.0)))
    else {
        // Spaces and other blank glyphs: metrics only.
        return Some(Glyph {
            id: codepoint,
            bitmap: Vec::new(),
            width: 0,
            height: 0,
            left: 0,
            top: -ascender,
            advance,
        });
    };
    let bounds = outlined.px_bounds();
    let (w, h) = (bounds.width() as usize, bounds.height() as usize);
    let mut alpha = vec![0f32; w * h];
    outlined.draw(|x, y, a| {
        if let Some(v) = alpha.get_mut(y as usize * w + x as usize) {
            *v = a.clamp(0.0, 1.0);
        }
    });
    Some(Glyph {
        id: codepoint,
        bitmap: sdf(&alpha, w, h),
        width: w as u32,
        height: h as u32,
        left: bounds.min.x.round() as i32,
        // Bounds grow downwards from the baseline; glyph tops are measured from the ascender.
        top: (-bounds.min.y).round() as i32 - ascender,
        advance,
    })
}

/// A signed distance field of a coverage bitmap, with a `BUFFER` border.
fn sdf(alpha: &[f32], w: usize, h: usize) -> Vec<u8> {
    let (width, height) = (w + 2 * BUFFER, h + 2 * BUFFER);
    let mut outer = vec![INF; width * height];
    let mut inner = vec![0.0; width * height];
    for y in 0..h {
        for x in 0..w {
            let a = alpha[y * w + x] as f64;
            if a == 0.0 {
                continue;
            }
            let j = (y + BUFFER) * width + x + BUFFER;
            if a >= 1.0 {
                outer[j] = 0.0;
                inner[j] = INF;
            } else {
                // Sub-pixel edge: a half-covered pixel sits on the edge.
                let d = 0.5 - a;
                outer[j] = if d > 0.0 { d * d } else { 0.0 };
                inner[j] = if d < 0.0 { d * d } else { 0.0 };
            }
        }
    }
    edt(&mut outer, width, height);
    edt(&mut inner, width, height);
    outer
        .iter()
        .zip(&inner)
        .map(|(o, i)| {
            let d = o.sqrt() - i.sqrt();
            (255.0 - 255.0 * (d / RADIUS + CUTOFF))
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect()
}

/// 2D squared Euclidean distance transform, in place (columns, then rows).
fn edt(grid: &mut [f64], width: usize, height: usize) {
    let n = width.max(height);
    let (mut f, mut v, mut z) = (vec![0.0; n], vec![0usize; n], vec![0.0; n + 1]);
    for x in 0..width {
        edt_1d(grid, x, width, height, &mut f, &mut v, &mut z);
    }
    for y in 0..height {
        edt_1d(grid, y * width, 1, width, &mut f, &mut v, &mut z);
    }
}

fn edt_1d(
    grid: &mut [f64],
    offset: usize,
    stride: usize,
    length: usize,
    f: &mut [f64],
    v: &mut [usize],
    z: &mut [f64],
) {
    v[0] = 0;
    z[0] = -INF;
    z[1] = INF;
    f[0] = grid[offset];
    let mut k = 0usize;
    for q in 1..length {
        f[q] = grid[offset + q * stride];
        let q2 = (q * q) as f64;
        let mut s;
        loop {
            let r = v[k];
            s = (f[q] - f[r] + q2 - (r * r) as f64) / (q - r) as f64 / 2.0;
            if s <= z[k] && k > 0 {
                k -= 1;
                continue;
            }
            if s <= z[k] {
                // k == 0 and the new parabola hides the first one: replace it.
                k = usize::MAX;
            }
            break;
        }
        k = k.wrapping_add(1);
        v[k] = q;
        z[k] = s;
        z[k + 1] = INF;
    }
    let mut k = 0;
    for q in 0..length {
        while z[k + 1] < q as f64 {
            k += 1;
        }
        let r = v[k];
        let qr = q as f64 - r as f64;
        grid[offset + q * stride] = f[r] + qr * qr;
    }
}

// Protobuf, by hand: glyphs { stacks = 1: fontstack { name = 1, range = 2, glyphs = 3 } }.

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, ((field << 3) | wire) as u64);
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn uint_field(out: &mut Vec<u8>, field: u32, v: u32) {
    key(out, field, 0);
    varint(out, v as u64);
}

fn sint_field(out: &mut Vec<u8>, field: u32, v: i32) {
    key(out, field, 0);
    varint(out, ((v << 1) ^ (v >> 31)) as u32 as u64);
}

fn encode(stack: &str, range: &str, glyphs: &[Glyph]) -> Vec<u8> {
    let mut fontstack = Vec::new();
    bytes_field(&mut fontstack, 1, stack.as_bytes());
    bytes_field(&mut fontstack, 2, range.as_bytes());
    for g in glyphs {
        let mut m = Vec::new();
        uint_field(&mut m, 1, g.id);
        if !g.bitmap.is_empty() {
            bytes_field(&mut m, 2, &g.bitmap);
        }
        uint_field(&mut m, 3, g.width);
        uint_field(&mut m, 4, g.height);
        sint_field(&mut m, 5, g.left);
        sint_field(&mut m, 6, g.top);
        uint_field(&mut m, 7, g.advance);
        bytes_field(&mut fontstack, 3, &m);
    }
    let mut out = Vec::new();
    bytes_field(&mut out, 1, &fontstack);
    out
}
