//! CSS colours as styles write them (`#rgb`, `#rrggbb`, `rgb()`, `rgba()`, `hsl()`, names),
//! and as SVG wants them back (`#rrggbb` plus a separate opacity).

/// A colour with straight (not premultiplied) alpha, each channel in 0..=1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Color {
    pub r: f32,
    pub g: f32,
    pub b: f32,
    pub a: f32,
}

impl Color {
    pub const BLACK: Color = Color::new(0.0, 0.0, 0.0, 1.0);
    pub const WHITE: Color = Color::new(1.0, 1.0, 1.0, 1.0);
    pub const TRANSPARENT: Color = Color::new(0.0, 0.0, 0.0, 0.0);

    pub const fn new(r: f32, g: f32, b: f32, a: f32) -> Color {
        Color { r, g, b, a }
    }

    /// Parse a CSS colour; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Color> {
        let s = text.trim().to_ascii_lowercase();
        if let Some(hex) = s.strip_prefix('#') {
            return parse_hex(hex);
        }
        if let Some((name, rest)) = s.split_once('(') {
            let inner = rest.strip_suffix(')')?;
            let parts: Vec<&str> = inner
                .split([',', ' ', '/'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            let alpha = |i: usize| -> Option<f32> {
                match parts.get(i) {
                    None => Some(1.0),
                    Some(p) => percent_or(p, 1.0),
                }
            };
            return match name.trim() {
                "rgb" | "rgba" if parts.len() >= 3 => Some(
                    Color::new(
                        percent_or(parts[0], 255.0)? / 255.0,
                        percent_or(parts[1], 255.0)? / 255.0,
                        percent_or(parts[2], 255.0)? / 255.0,
                        alpha(3)?,
                    )
                    .clamped(),
                ),
                "hsl" | "hsla" if parts.len() >= 3 => {
                    let h = parts[0].trim_end_matches("deg").parse::<f32>().ok()?;
                    let sat = parts[1].strip_suffix('%')?.parse::<f32>().ok()? / 100.0;
                    let l = parts[2].strip_suffix('%')?.parse::<f32>().ok()? / 100.0;
                    let (r, g, b) = hsl_to_rgb(h, sat, l);
                    Some(Color::new(r, g, b, alpha(3)?).clamped())
                }
                _ => None,
            };
        }
        named(&s)
    }

    fn clamped(self) -> Color {
        let c = |v: f32| v.clamp(0.0, 1.0);
        Color::new(c(self.r), c(self.g), c(self.b), c(self.a))
    }

    /// `#rrggbb`, for SVG `fill`/`stroke` (the alpha goes into an opacity attribute).
    pub fn hex(&self) -> String {
        let b = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        format!("#{:02x}{:02x}{:02x}", b(self.r), b(self.g), b(self.b))
    }

    /// `rgba(r,g,b,a)`, as MapLibre's `to-string` writes a colour.
    pub fn rgba_text(&self) -> String {
        let b = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        format!(
            "rgba({},{},{},{})",
            b(self.r),
            b(self.g),
            b(self.b),
            super::expression::number_text(f64::from(self.a))
        )
    }

    /// Linear blend in RGB space, as `interpolate` does.
    pub fn mix(&self, other: &Color, t: f32) -> Color {
        let l = |a: f32, b: f32| a + (b - a) * t;
        Color::new(
            l(self.r, other.r),
            l(self.g, other.g),
            l(self.b, other.b),
            l(self.a, other.a),
        )
    }

    /// Relative luminance (WCAG), to pick a legible text colour over a swatch.
    pub fn luminance(&self) -> f32 {
        let lin = |c: f32| {
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.r) + 0.7152 * lin(self.g) + 0.0722 * lin(self.b)
    }
}

fn percent_or(p: &str, scale: f32) -> Option<f32> {
    match p.strip_suffix('%') {
        Some(n) => Some(n.parse::<f32>().ok()? / 100.0 * scale),
        None => p.parse::<f32>().ok(),
    }
}

fn parse_hex(hex: &str) -> Option<Color> {
    let digit = |i: usize| u8::from_str_radix(hex.get(i..i + 1)?, 16).ok();
    let pair = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let f = |v: u8| f32::from(v) / 255.0;
    match hex.len() {
        3 | 4 => {
            let c = |i: usize| digit(i).map(|d| f(d * 17));
            let a = if hex.len() == 4 { c(3)? } else { 1.0 };
            Some(Color::new(c(0)?, c(1)?, c(2)?, a))
        }
        6 | 8 => {
            let a = if hex.len() == 8 { f(pair(6)?) } else { 1.0 };
            Some(Color::new(f(pair(0)?), f(pair(2)?), f(pair(4)?), a))
        }
        _ => None,
    }
}

fn hsl_to_rgb(h: f32, s: f32, l: f32) -> (f32, f32, f32) {
    let h = h.rem_euclid(360.0) / 360.0;
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let channel = |t: f32| {
        let t = t.rem_euclid(1.0);
        if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        }
    };
    (channel(h + 1.0 / 3.0), channel(h), channel(h - 1.0 / 3.0))
}

/// The CSS names styles commonly use.
fn named(name: &str) -> Option<Color> {
    let hex = match name {
        "transparent" => return Some(Color::TRANSPARENT),
        "black" => "000000",
        "white" => "ffffff",
        "red" => "ff0000",
        "green" => "008000",
        "blue" => "0000ff",
        "yellow" => "ffff00",
        "orange" => "ffa500",
        "purple" => "800080",
        "gray" | "grey" => "808080",
        "lightgray" | "lightgrey" => "d3d3d3",
        "darkgray" | "darkgrey" => "a9a9a9",
        "silver" => "c0c0c0",
        "navy" => "000080",
        "teal" => "008080",
        "maroon" => "800000",
        "olive" => "808000",
        "lime" => "00ff00",
        "aqua" | "cyan" => "00ffff",
        "fuchsia" | "magenta" => "ff00ff",
        "brown" => "a52a2a",
        "pink" => "ffc0cb",
        "beige" => "f5f5dc",
        "steelblue" => "4682b4",
        "darkred" => "8b0000",
        "darkgreen" => "006400",
        "darkblue" => "00008b",
        "whitesmoke" => "f5f5f5",
        "gainsboro" => "dcdcdc",
        _ => return None,
    };
    parse_hex(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_styles_use() {
        assert_eq!(Color::parse("#fff"), Some(Color::WHITE));
        assert_eq!(
            Color::parse("#444").map(|c| c.hex()),
            Some("#444444".into())
        );
        assert_eq!(
            Color::parse("#b2182b").map(|c| c.hex()),
            Some("#b2182b".into())
        );
        let c = Color::parse("rgba(255,255,255,0.9)").expect("rgba");
        assert_eq!((c.hex(), c.a), ("#ffffff".into(), 0.9));
        assert_eq!(
            Color::parse("hsl(0, 100%, 50%)").map(|c| c.hex()),
            Some("#ff0000".into())
        );
        assert_eq!(
            Color::parse("steelblue").map(|c| c.hex()),
            Some("#4682b4".into())
        );
        assert_eq!(Color::parse("#12345"), None);
        assert_eq!(Color::parse("rgb(1,2)"), None);
    }
}
