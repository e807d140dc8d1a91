//! The fonts labels are set in: the two the served glyph ranges are made from (Open Sans for
//! Latin, Noto Naskh Arabic for Dari, Pashto and Urdu), embedded with their licences, so a
//! picture's labels match the browser's on any machine. The measurer and rasteriser share them.

use std::sync::LazyLock;

/// Family names, in fallback order, for SVG `font-family`.
pub const FAMILIES: &str = "'Open Sans', 'Noto Naskh Arabic', sans-serif";

/// Latin (SIL Open Font License, `fonts/LICENSE-OpenSans.txt`).
pub const OPEN_SANS: &[u8] = include_bytes!("../../fonts/OpenSans-Regular.ttf");

/// Arabic script (SIL Open Font License, `fonts/LICENSE-NotoNaskhArabic.txt`).
pub const NOTO_NASKH_ARABIC: &[u8] = include_bytes!("../../fonts/NotoNaskhArabic-Regular.ttf");

/// Every font's bytes, in fallback order.
pub static FONTS: LazyLock<Vec<Vec<u8>>> =
    LazyLock::new(|| vec![OPEN_SANS.to_vec(), NOTO_NASKH_ARABIC.to_vec()]);

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
        // Arabic letters come from Noto Naskh Arabic, not the half-em fallback.
        // (alef, beh, teh, theh: letters, not a place name)
        let arabic = m.width("\u{0627}\u{0628}\u{062a}\u{062b}", 10.0);
        assert!(arabic > 0.0 && (arabic - 20.0).abs() > 0.5, "{arabic}");
    }
}
