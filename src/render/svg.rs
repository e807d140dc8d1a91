//! The small pieces of SVG writing every drawing step shares: escaping, rounded numbers,
//! and ids that stay valid XML names.

/// Escape text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A screen coordinate rounded to a tenth of a pixel, without a trailing `.0`.
pub fn coord(out: &mut String, v: f64) {
    let tenths = (v * 10.0).round() as i64;
    let (sign, abs) = if tenths < 0 {
        ("-", -tenths)
    } else {
        ("", tenths)
    };
    let (whole, frac) = (abs / 10, abs % 10);
    use std::fmt::Write;
    if frac == 0 {
        let _ = write!(out, "{sign}{whole}");
    } else {
        let _ = write!(out, "{sign}{whole}.{frac}");
    }
}

/// A number for an attribute: at most three decimals.
pub fn attr_number(v: f64) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    let text = format!("{r}");
    if text == "-0" { "0".into() } else { text }
}

/// An XML id from a style layer id: letters, digits, `-`, `_` and `.` kept, others `_`;
/// never starting with a digit.
pub fn xml_id(id: &str) -> String {
    let mut out: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        let mut s = String::new();
        coord(&mut s, 12.04);
        s.push(' ');
        coord(&mut s, -3.26);
        s.push(' ');
        coord(&mut s, -0.01);
        assert_eq!(s, "12 -3.3 0");
        assert_eq!(attr_number(0.6), "0.6");
        assert_eq!(attr_number(2.0), "2");
    }

    #[test]
    fn ids_and_text_are_safe() {
        assert_eq!(xml_id("province lines"), "province_lines");
        assert_eq!(xml_id("3d"), "_3d");
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
