//! SVG to PNG with resvg (pure Rust: usvg parses, tiny-skia rasterises, text shaped with
//! the fonts in [`super::fonts`]), so the PNG is the SVG an artist would get, pixel for pixel.

use std::sync::{Arc, LazyLock};

use resvg::{tiny_skia, usvg};

use super::RenderError;

pub use tiny_skia::Pixmap;

/// The font database, built once from the label fonts' bytes.
static FONT_DB: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    for bytes in super::fonts::FONTS.iter() {
        db.load_font_data(bytes.clone());
    }
    db.set_sans_serif_family("Open Sans");
    Arc::new(db)
});

/// Draw `svg` at its `width`×`height` (device pixels; its viewBox is in CSS pixels, so
/// `@2x` is already in the size).
pub fn pixmap(svg: &str) -> Result<Pixmap, RenderError> {
    let options = usvg::Options {
        fontdb: Arc::clone(&FONT_DB),
        font_family: "Open Sans".into(),
        ..usvg::Options::default()
    };
    let tree =
        usvg::Tree::from_str(svg, &options).map_err(|e| RenderError::Raster(e.to_string()))?;
    let size = tree.size();
    let (w, h) = (size.width().round() as u32, size.height().round() as u32);
    let mut pixmap = Pixmap::new(w, h)
        .ok_or_else(|| RenderError::Raster(format!("cannot make a {w}x{h} image")))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// The pixels as PNG bytes (8-bit RGBA). Fast deflate with adaptive filters: a map of flat
/// colours compresses almost as well as at the default level, in a fraction of the time.
pub fn encode(pixmap: &Pixmap) -> Result<Vec<u8>, RenderError> {
    // tiny-skia keeps premultiplied alpha; PNG stores it straight.
    let mut rgba = pixmap.data().to_vec();
    for px in rgba.chunks_exact_mut(4) {
        let a = u16::from(px[3]);
        if a != 0 && a != 255 {
            for c in &mut px[..3] {
                *c = ((u16::from(*c) * 255 + a / 2) / a).min(255) as u8;
            }
        }
    }
    let mut out = Vec::with_capacity(rgba.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder
        .write_header()
        .map_err(|e| RenderError::Raster(e.to_string()))?;
    writer
        .write_image_data(&rgba)
        .map_err(|e| RenderError::Raster(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| RenderError::Raster(e.to_string()))?;
    Ok(out)
}

/// [`pixmap`] then [`encode`].
pub fn rasterise(svg: &str) -> Result<Vec<u8>, RenderError> {
    encode(&pixmap(svg)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ink(svg: &str) -> usize {
        let p = pixmap(svg).expect("rasterises");
        p.pixels().iter().filter(|c| c.alpha() > 128).count()
    }

    #[test]
    fn labels_are_shaped_with_the_label_fonts() {
        let svg = |text: &str| {
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"40\" viewBox=\"0 0 100 20\"><text x=\"5\" y=\"15\" font-family=\"{}\" font-size=\"12\">{text}</text></svg>",
                super::super::fonts::FAMILIES
            )
        };
        // Latin from the embedded Open Sans, with no system fonts at all.
        assert!(ink(&svg("Paktika")) > 50);
        // Arabic script from the embedded Noto Naskh Arabic, with no system fonts either.
        assert!(ink(&svg("\u{0627}\u{0628}\u{062a}\u{062b}")) > 50);
    }
}
