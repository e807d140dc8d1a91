//! What picture is asked for, in tileserver-gl's URL scheme: `{lon},{lat},{zoom}[@{bearing}]`
//! or `{west},{south},{east},{north}`, then `{w}x{h}[@2x].{png|svg}`. The server's route and
//! the `render` command both parse it here, so they accept the same pictures.

use std::fmt;

/// Largest width or height, in CSS pixels (before `@2x`/`@3x`).
pub const MAX_SIDE: u32 = 2048;
/// Largest pixel ratio.
pub const MAX_SCALE: u32 = 3;
/// Deepest zoom a picture may ask for (MapLibre's default `maxZoom`).
pub const MAX_ZOOM: f64 = 22.0;

/// The part of the map to draw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum View {
    /// Centre in degrees, zoom, bearing in degrees clockwise from north.
    Center {
        lon: f64,
        lat: f64,
        zoom: f64,
        bearing: f64,
    },
    /// A box in degrees, fitted like MapLibre's `fitBounds` with no padding.
    Bounds {
        west: f64,
        south: f64,
        east: f64,
        north: f64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// A picture: view, size in CSS pixels, pixel ratio and format.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImageRequest {
    pub view: View,
    pub width: u32,
    pub height: u32,
    pub scale: u32,
    pub format: Format,
}

/// Why a picture cannot be drawn as asked, with what to do instead.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestError {
    pub error: String,
    pub hint: String,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.error, self.hint)
    }
}

const VIEW_HINT: &str = "the view is lon,lat,zoom (e.g. 69.3,33.5,5), lon,lat,zoom@bearing, or west,south,east,north in degrees (e.g. 60.5,23.6,77.8,38.5)";
const SIZE_HINT: &str = "the size is WIDTHxHEIGHT with an optional @2x or @3x and .png or .svg, e.g. 1200x630.png or 600x400@2x.svg; each side at most 2048";

fn bad(error: String, hint: &str) -> RequestError {
    RequestError {
        error,
        hint: hint.to_string(),
    }
}

fn number(text: &str, what: &str) -> Result<f64, RequestError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| bad(format!("{what} '{text}' is not a number"), VIEW_HINT))
}

/// Parse the view segment.
pub fn parse_view(text: &str) -> Result<View, RequestError> {
    let (coords, bearing) = match text.split_once('@') {
        Some((c, b)) => (c, Some(number(b, "bearing")?)),
        None => (text, None),
    };
    let parts: Vec<&str> = coords.split(',').collect();
    match parts.as_slice() {
        [lon, lat, zoom] => {
            let (lon, lat, zoom) = (
                number(lon, "longitude")?,
                number(lat, "latitude")?,
                number(zoom, "zoom")?,
            );
            check_lon_lat(lon, lat)?;
            if !(0.0..=MAX_ZOOM).contains(&zoom) {
                return Err(bad(format!("zoom {zoom} is outside 0–22"), VIEW_HINT));
            }
            Ok(View::Center {
                lon,
                lat,
                zoom,
                bearing: bearing.unwrap_or(0.0).rem_euclid(360.0),
            })
        }
        [w, s, e, n] if bearing.is_none() => {
            let (west, south, east, north) = (
                number(w, "west")?,
                number(s, "south")?,
                number(e, "east")?,
                number(n, "north")?,
            );
            check_lon_lat(west, south)?;
            check_lon_lat(east, north)?;
            if west >= east || south >= north {
                return Err(bad(
                    format!(
                        "the box {coords} is empty: west must be less than east, south less than north"
                    ),
                    VIEW_HINT,
                ));
            }
            Ok(View::Bounds {
                west,
                south,
                east,
                north,
            })
        }
        _ => Err(bad(format!("'{text}' is not a view"), VIEW_HINT)),
    }
}

fn check_lon_lat(lon: f64, lat: f64) -> Result<(), RequestError> {
    if !(-180.0..=180.0).contains(&lon) {
        return Err(bad(
            format!("longitude {lon} is outside -180–180"),
            VIEW_HINT,
        ));
    }
    let max = crate::geometry::projection::MAX_LATITUDE;
    if !(-max..=max).contains(&lat) {
        return Err(bad(
            format!("latitude {lat} is outside what Web Mercator shows (±85.05)"),
            VIEW_HINT,
        ));
    }
    Ok(())
}

/// Parse the size segment: `1200x630.png`, `600x400@2x.svg`.
pub fn parse_size(text: &str) -> Result<(u32, u32, u32, Format), RequestError> {
    let (rest, format) = if let Some(r) = text.strip_suffix(".png") {
        (r, Format::Png)
    } else if let Some(r) = text.strip_suffix(".svg") {
        (r, Format::Svg)
    } else {
        return Err(bad(
            format!("'{text}' does not end in .png or .svg"),
            SIZE_HINT,
        ));
    };
    let (dims, scale) = match rest.split_once('@') {
        Some((d, s)) => {
            let n = s
                .strip_suffix('x')
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| (1..=MAX_SCALE).contains(n))
                .ok_or_else(|| {
                    bad(
                        format!("pixel ratio '@{s}' is not @1x, @2x or @3x"),
                        SIZE_HINT,
                    )
                })?;
            (d, n)
        }
        None => (rest, 1),
    };
    let (w, h) = dims
        .split_once('x')
        .ok_or_else(|| bad(format!("'{dims}' is not WIDTHxHEIGHT"), SIZE_HINT))?;
    let side = |v: &str, what: &str| {
        v.parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_SIDE).contains(n))
            .ok_or_else(|| {
                bad(
                    format!("{what} '{v}' is not a whole number from 1 to {MAX_SIDE}"),
                    SIZE_HINT,
                )
            })
    };
    Ok((side(w, "width")?, side(h, "height")?, scale, format))
}

impl ImageRequest {
    /// Parse the two URL segments after `/styles/{style}/static/`.
    pub fn parse(view: &str, size: &str) -> Result<ImageRequest, RequestError> {
        let view = parse_view(view)?;
        let (width, height, scale, format) = parse_size(size)?;
        Ok(ImageRequest {
            view,
            width,
            height,
            scale,
            format,
        })
    }
}

/// The picture's own query parameters (`title`, `legend`, `attribution`, `lang`) taken out
/// of a raw query; the rest (the tile filters) is returned for the filter parser.
pub fn split_query(query: Option<&str>) -> Result<(super::Extras, String), RequestError> {
    let mut extras = super::Extras::default();
    let mut rest = Vec::new();
    let hint = "picture options are title=TEXT, legend=1, attribution=TEXT and lang=CODE (a label language); the tile filters (from, to, group, event_type) apply as on tiles";
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            crate::join::filter::decode(s)
                .map_err(|e| bad(format!("query parameter '{k}': {e}"), hint))
        };
        let text = |v: &str| -> Result<Option<String>, RequestError> {
            let t = decode(v)?;
            if t.chars().count() > 200 {
                return Err(bad(format!("'{k}' is longer than 200 characters"), hint));
            }
            Ok(Some(t).filter(|t| !t.trim().is_empty()))
        };
        match k {
            "title" => extras.title = text(v)?,
            "attribution" => extras.credit = text(v)?,
            "legend" => {
                extras.legend = match decode(v)?.as_str() {
                    "" | "1" | "true" | "yes" => true,
                    "0" | "false" | "no" => false,
                    other => return Err(bad(format!("legend '{other}' is not 1 or 0"), hint)),
                }
            }
            "lang" => {
                let code = decode(v)?;
                extras.lang = Some(crate::assets::label_language(&code).ok_or_else(|| {
                    let shown: String = code.chars().take(16).collect();
                    bad(
                        format!("lang '{shown}' is not a label language"),
                        &format!(
                            "lang is one of: {} (names missing in a language stay in English)",
                            crate::assets::LABEL_LANGUAGES.join(", ")
                        ),
                    )
                })?);
            }
            _ => rest.push(pair),
        }
    }
    Ok((extras, rest.join("&")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tileserver_gl_urls() {
        let r = ImageRequest::parse("69.3,33.5,5@30", "600x400@2x.png").expect("valid");
        assert_eq!(
            r.view,
            View::Center {
                lon: 69.3,
                lat: 33.5,
                zoom: 5.0,
                bearing: 30.0
            }
        );
        assert_eq!(
            (r.width, r.height, r.scale, r.format),
            (600, 400, 2, Format::Png)
        );
        let r = ImageRequest::parse("60.5,23.6,77.8,38.5", "1200x630.svg").expect("valid");
        assert_eq!(
            r.view,
            View::Bounds {
                west: 60.5,
                south: 23.6,
                east: 77.8,
                north: 38.5
            }
        );
        assert_eq!(r.format, Format::Svg);
    }

    #[test]
    fn refuses_what_it_cannot_draw() {
        for (view, size) in [
            ("69.3,33.5", "600x400.png"),
            ("69.3,33.5,5", "600x400.jpg"),
            ("69.3,33.5,5", "4000x400.png"),
            ("69.3,33.5,5", "600x400@4x.png"),
            ("69.3,33.5,5", "0x400.png"),
            ("69.3,33.5,23", "600x400.png"),
            ("69.3,95,5", "600x400.png"),
            ("77,23,60,38", "600x400.png"),
            ("a,b,c", "600x400.png"),
            ("60,23,77,38@10", "600x400.png"),
        ] {
            let e = ImageRequest::parse(view, size).expect_err(view);
            assert!(!e.hint.is_empty(), "{view} {size}");
        }
    }
}
