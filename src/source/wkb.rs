//! Well-known binary geometry (OGC simple features, ISO and PostGIS EWKB flavours) read into
//! longitude/latitude parts: GeoPackages store it, and PostGIS returns it.

use super::LonLatGeometry;

/// Why a WKB blob could not be read.
#[derive(Debug, PartialEq)]
pub struct WkbError(pub String);

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    little: bool,
}

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], WkbError> {
        let slice = self
            .bytes
            .get(self.at..self.at + N)
            .ok_or_else(|| WkbError(format!("geometry ends early at byte {}", self.at)))?;
        self.at += N;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, WkbError> {
        let b = self.take::<4>()?;
        Ok(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self) -> Result<f64, WkbError> {
        let b = self.take::<8>()?;
        Ok(if self.little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A count of things that each take at least `min_bytes`, checked against what is left
    /// so a corrupt count cannot ask for gigabytes.
    fn count(&mut self, min_bytes: usize) -> Result<usize, WkbError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_bytes) > self.bytes.len().saturating_sub(self.at) {
            return Err(WkbError(format!(
                "geometry claims {n} elements, more than its {} bytes can hold",
                self.bytes.len()
            )));
        }
        Ok(n)
    }
}

/// Parse one WKB geometry into `out` (collections add every member).
pub fn read(bytes: &[u8], out: &mut LonLatGeometry) -> Result<(), WkbError> {
    let mut c = Cursor {
        bytes,
        at: 0,
        little: true,
    };
    geometry(&mut c, out, 0)
}

fn geometry(c: &mut Cursor, out: &mut LonLatGeometry, depth: usize) -> Result<(), WkbError> {
    if depth > 32 {
        return Err(WkbError("geometry collections nested too deep".into()));
    }
    c.little = match c.take::<1>()?[0] {
        0 => false,
        1 => true,
        other => return Err(WkbError(format!("byte order {other} is neither 0 nor 1"))),
    };
    let code = c.u32()?;
    // EWKB flags in the high bits; ISO adds 1000 (Z), 2000 (M) or 3000 (ZM).
    let (mut has_z, mut has_m) = (code & 0x8000_0000 != 0, code & 0x4000_0000 != 0);
    if code & 0x2000_0000 != 0 {
        c.u32()?; // SRID
    }
    let iso = code & 0x0fff_ffff;
    let kind = iso % 1000;
    match iso / 1000 {
        1 => has_z = true,
        2 => has_m = true,
        3 => (has_z, has_m) = (true, true),
        _ => {}
    }
    let dims = 2 + has_z as usize + has_m as usize;
    let point = |c: &mut Cursor| -> Result<[f64; 2], WkbError> {
        let p = [c.f64()?, c.f64()?];
        for _ in 2..dims {
            c.f64()?;
        }
        Ok(p)
    };
    let points = |c: &mut Cursor| -> Result<Vec<[f64; 2]>, WkbError> {
        let n = c.count(dims * 8)?;
        (0..n).map(|_| point(c)).collect()
    };
    let polygon = |c: &mut Cursor| -> Result<Vec<Vec<[f64; 2]>>, WkbError> {
        let n = c.count(4)?;
        (0..n).map(|_| points(c)).collect()
    };
    match kind {
        1 => {
            let p = point(c)?;
            // An empty point is NaN, NaN.
            if p[0].is_finite() && p[1].is_finite() {
                out.points.push(p);
            }
        }
        2 => out.lines.push(points(c)?),
        3 => {
            let rings = polygon(c)?;
            if !rings.is_empty() {
                out.polygons.push(rings);
            }
        }
        4..=7 => {
            let n = c.count(5)?;
            for _ in 0..n {
                geometry(c, out, depth + 1)?;
            }
        }
        other => {
            return Err(WkbError(format!(
                "geometry type {other} is not a point, line, polygon or collection (curves and surfaces are not supported; ogr2ogr -nlt CONVERT_TO_LINEAR converts them)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le_point(x: f64, y: f64) -> Vec<u8> {
        let mut b = vec![1u8];
        b.extend(1u32.to_le_bytes());
        b.extend(x.to_le_bytes());
        b.extend(y.to_le_bytes());
        b
    }

    #[test]
    fn reads_a_point_and_a_big_endian_polygon_with_z() {
        let mut g = LonLatGeometry::default();
        read(&le_point(69.0, 32.5), &mut g).expect("point");
        assert_eq!(g.points, vec![[69.0, 32.5]]);

        let mut b = vec![0u8];
        b.extend(1003u32.to_be_bytes());
        b.extend(1u32.to_be_bytes());
        b.extend(4u32.to_be_bytes());
        for (x, y) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)] {
            for v in [x, y, 5.0f64] {
                b.extend(v.to_be_bytes());
            }
        }
        let mut g = LonLatGeometry::default();
        read(&b, &mut g).expect("polygon");
        assert_eq!(g.polygons[0][0].len(), 4);
        assert_eq!(g.polygons[0][0][1], [1.0, 0.0]);
    }

    #[test]
    fn a_truncated_or_lying_blob_is_an_error() {
        let mut g = LonLatGeometry::default();
        let b = le_point(1.0, 2.0);
        assert!(read(&b[..10], &mut g).is_err());
        let mut lying = vec![1u8];
        lying.extend(2u32.to_le_bytes());
        lying.extend(u32::MAX.to_le_bytes());
        assert!(read(&lying, &mut g).is_err());
    }
}
