//! The fonts labels are set in, loaded from bytes: Open Sans (embedded, the font the glyph
//! ranges are made from) and, only when the system has it, Noto Sans Arabic for Dari, Pashto
//! and Urdu. Both the label measurer and the rasteriser read this one list.

use std::sync::LazyLock;

/// Family names, in fallback order, for SVG `font-family`.
pub const FAMILIES: &str = "'Open Sans', 'Noto Sans Arabic', sans-serif";

/// The embedded font (SIL Open Font License, `fonts/LICENSE-OpenSans.txt`).
pub const OPEN_SANS: &[u8] = include_bytes!("../../fonts/OpenSans-Regular.ttf");

/// Debian's `fonts-noto-core` places it here; when absent, Arabic script falls back to
/// whatever the rasteriser has (nothing is required at run time).
const ARABIC_FALLBACK: &str = "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf";

/// Every font's bytes, in fallback order.
pub static FONTS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut fonts = vec![OPEN_SANS.to_vec()];
    if let Ok(bytes) = std::fs::read(ARABIC_FALLBACK)
        && ttf_parser::Face::parse(&bytes, 0).is_ok()
    {
        fonts.push(bytes);
    }
    fonts
});

/// Advance widths for measuring labels before placing them.
pub struct Metrics<'a> {
    faces: Vec<ttf_parser::Face<'a>>,
}

impl Metrics<'static> {
    pub fn load() -> Metrics<'static> {
        Metrics {
            faces: FONTS
                .iter()
                .filter_map(|b| ttf_parser::Face::parse(b, 0).ok())
                .collect(),
        }
    }
}

impl Metrics<'_> {
    /// Width of `text` at `size` pixels: the advance of each character in the first font
    /// that has it (half an em when none does).
    pub fn width(&self, text: &str, size: f64) -> f64 {
        text.chars()
            .map(|c| {
                self.faces
                    .iter()
                    .find_map(|f| {
                        let g = f.glyph_index(c)?;
                        let adv = f.glyph_hor_advance(g)?;
                        Some(f64::from(adv) / f64::from(f.units_per_em()))
                    })
                    .unwrap_or(0.5)
                    * size
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_sans_measures_text() {
        let m = Metrics::load();
        let w = m.width("Paktika", 10.0);
        assert!(w > 25.0 && w < 45.0, "{w}");
        assert!(m.width("WWW", 10.0) > m.width("iii", 10.0));
    }
}
