//! Deterministic SYNTHETIC data for benchmarks and tests; never served by default, and
//! labelled synthetic in every feature.

use std::fmt::Write as _;

/// A small deterministic generator (SplitMix64), so every run writes the same bytes.
pub struct Rng(pub u64);

impl Rng {
    /// A float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A GeoJSON mosaic of `cols` × `rows` wiggly cells covering the world between ±80°
/// latitude; neighbours share their edges vertex for vertex, like real admin-1 boundaries.
/// Each cell edge has `edge` segments. 180 × 90 × 24 gives about 40 MB.
pub fn provinces(cols: usize, rows: usize, edge: usize) -> String {
    let (lon0, lat0, lon1, lat1) = (-180.0, -80.0, 180.0, 80.0);
    let dx = (lon1 - lon0) / cols as f64;
    let dy = (lat1 - lat0) / rows as f64;
    // Grid corners, jittered (not on the outer frame).
    let mut rng = Rng(42);
    let corner = |i: usize, j: usize, rng: &mut Rng| -> [f64; 2] {
        let (jx, jy) = (rng.unit() - 0.5, rng.unit() - 0.5);
        let x = if i == 0 || i == cols {
            0.0
        } else {
            jx * dx * 0.3
        };
        let y = if j == 0 || j == rows {
            0.0
        } else {
            jy * dy * 0.3
        };
        [lon0 + i as f64 * dx + x, lat0 + j as f64 * dy + y]
    };
    let corners: Vec<Vec<[f64; 2]>> = (0..=cols)
        .map(|i| (0..=rows).map(|j| corner(i, j, &mut rng)).collect())
        .collect();
    // Wiggly edges between corners: horizontal h[i][j] from corner (i,j) to (i+1,j);
    // vertical v[i][j] from (i,j) to (i,j+1). Frame edges stay straight.
    let wiggle = |a: [f64; 2], b: [f64; 2], straight: bool, rng: &mut Rng| -> Vec<[f64; 2]> {
        let (nx, ny) = (-(b[1] - a[1]), b[0] - a[0]);
        let mut pts = Vec::with_capacity(edge);
        let mut offset: f64 = 0.0;
        for k in 1..edge {
            let t = k as f64 / edge as f64;
            offset = (offset + (rng.unit() - 0.5) * 0.08).clamp(-0.12, 0.12);
            let o = if straight {
                0.0
            } else {
                offset * (t * (1.0 - t)).sqrt()
            };
            pts.push([
                a[0] + (b[0] - a[0]) * t + nx * o,
                a[1] + (b[1] - a[1]) * t + ny * o,
            ]);
        }
        pts
    };
    let h: Vec<Vec<Vec<[f64; 2]>>> = (0..cols)
        .map(|i| {
            (0..=rows)
                .map(|j| {
                    wiggle(
                        corners[i][j],
                        corners[i + 1][j],
                        j == 0 || j == rows,
                        &mut rng,
                    )
                })
                .collect()
        })
        .collect();
    let v: Vec<Vec<Vec<[f64; 2]>>> = (0..=cols)
        .map(|i| {
            (0..rows)
                .map(|j| {
                    wiggle(
                        corners[i][j],
                        corners[i][j + 1],
                        i == 0 || i == cols,
                        &mut rng,
                    )
                })
                .collect()
        })
        .collect();
    let mut out = String::with_capacity(45 << 20);
    out.push_str("{\"type\":\"FeatureCollection\",\"name\":\"SYNTHETIC provinces for benchmarks\",\"features\":[\n");
    let push = |out: &mut String, p: [f64; 2]| {
        let _ = write!(out, "[{:.6},{:.6}],", p[0], p[1]);
    };
    let mut first = true;
    for j in 0..rows {
        for i in 0..cols {
            if !first {
                out.push_str(",\n");
            }
            first = false;
            let n = j * cols + i;
            let _ = write!(
                out,
                "{{\"type\":\"Feature\",\"id\":{},\"properties\":{{\"code\":\"SYN-{n:05}\",\"name\":\"Synthetic province {n}\",\"synthetic\":true,\"population\":{},\"density\":{:.3}}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[",
                n + 1,
                (rng.unit() * 5e6) as u64,
                rng.unit() * 500.0
            );
            // Counter-clockwise: bottom edge east, right edge north, top edge west, left edge south.
            push(&mut out, corners[i][j]);
            for &p in &h[i][j] {
                push(&mut out, p);
            }
            push(&mut out, corners[i + 1][j]);
            for &p in &v[i + 1][j] {
                push(&mut out, p);
            }
            push(&mut out, corners[i + 1][j + 1]);
            for &p in h[i][j + 1].iter().rev() {
                push(&mut out, p);
            }
            push(&mut out, corners[i][j + 1]);
            for &p in v[i][j].iter().rev() {
                push(&mut out, p);
            }
            push(&mut out, corners[i][j]);
            out.pop();
            out.push_str("]]}}");
        }
    }
    out.push_str("\n]}\n");
    out
}

/// A CSV of `n` SYNTHETIC incidents over Afghanistan and western Pakistan, 2020–2026, in the
/// default table layout (every row's source says SYNTHETIC).
pub fn incidents_csv(n: usize) -> String {
    const GROUPS: [&str; 6] = [
        "TTP",
        "ISIL-K",
        "Al-Qaeda",
        "IMP",
        "Lashkar-e-Islam",
        "Unknown",
    ];
    const TYPES: [&str; 4] = ["armed clash", "bombing", "airstrike", "targeted killing"];
    let mut rng = Rng(2026);
    let mut out = String::with_capacity(n * 120);
    out.push_str(
        "id,date,event_type,group,latitude,longitude,fatalities,source,citation,report_date\n",
    );
    for i in 0..n {
        let lon = 62.0 + rng.unit() * 9.0;
        let lat = 30.0 + rng.unit() * 6.5;
        let day = crate::date::days_from_civil(2020, 1, 1) + (rng.unit() * 2500.0) as i32;
        let (y, m, d) = crate::date::civil_from_days(day);
        let group = GROUPS[(rng.unit() * GROUPS.len() as f64) as usize];
        let kind = TYPES[(rng.unit() * TYPES.len() as f64) as usize];
        let fatalities = (rng.unit() * rng.unit() * 40.0) as u32;
        let _ = writeln!(
            out,
            "{},{y:04}-{m:02}-{d:02},{kind},{group},{lat:.4},{lon:.4},{fatalities},SYNTHETIC benchmark data,SYNTHETIC row {i},{y:04}-{m:02}",
            i + 1
        );
    }
    out
}
