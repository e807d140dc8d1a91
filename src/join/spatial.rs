//! Point in polygon with a grid index: assigns each incident to the province that contains it.

use crate::geometry::{BBox, GeomKind, Shapes};

/// A uniform grid over a polygon layer's bounds; each cell lists the pieces whose box touches it.
pub struct PolygonIndex<'a> {
    shapes: &'a Shapes,
    bbox: BBox,
    n: usize,
    cells: Vec<Vec<u32>>,
}

impl<'a> PolygonIndex<'a> {
    pub fn new(shapes: &'a Shapes, kinds: &[GeomKind]) -> PolygonIndex<'a> {
        let mut bbox = BBox::EMPTY;
        for p in &shapes.pieces {
            bbox.union(&p.bbox);
        }
        let n = ((shapes.pieces.len() as f64).sqrt().ceil() as usize).clamp(1, 256);
        let mut index = PolygonIndex {
            shapes,
            bbox,
            n,
            cells: vec![Vec::new(); n * n],
        };
        for (i, piece) in shapes.pieces.iter().enumerate() {
            if kinds[piece.feature as usize] != GeomKind::Polygon || bbox.is_empty() {
                continue;
            }
            let (x0, y0) = index.cell(piece.bbox.min_x, piece.bbox.min_y);
            let (x1, y1) = index.cell(piece.bbox.max_x, piece.bbox.max_y);
            for y in y0..=y1 {
                for x in x0..=x1 {
                    index.cells[y * n + x].push(i as u32);
                }
            }
        }
        index
    }

    fn cell(&self, x: f64, y: f64) -> (usize, usize) {
        let fx = (x - self.bbox.min_x) / (self.bbox.max_x - self.bbox.min_x).max(f64::MIN_POSITIVE);
        let fy = (y - self.bbox.min_y) / (self.bbox.max_y - self.bbox.min_y).max(f64::MIN_POSITIVE);
        let c = |f: f64| ((f * self.n as f64) as isize).clamp(0, self.n as isize - 1) as usize;
        (c(fx), c(fy))
    }

    /// The feature whose polygon contains `p` (projected), if any.
    pub fn locate(&self, p: [f64; 2]) -> Option<usize> {
        if self.bbox.is_empty()
            || p[0] < self.bbox.min_x
            || p[0] > self.bbox.max_x
            || p[1] < self.bbox.min_y
            || p[1] > self.bbox.max_y
        {
            return None;
        }
        let (x, y) = self.cell(p[0], p[1]);
        self.cells[y * self.n + x].iter().find_map(|&i| {
            let piece = &self.shapes.pieces[i as usize];
            let b = &piece.bbox;
            if p[0] < b.min_x || p[0] > b.max_x || p[1] < b.min_y || p[1] > b.max_y {
                return None;
            }
            let mut inside = false;
            for part in self.shapes.parts_of(piece) {
                let ring = &self.shapes.xy[part.range()];
                for w in ring.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    if (a[1] > p[1]) != (b[1] > p[1])
                        && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
                    {
                        inside = !inside;
                    }
                }
            }
            inside.then_some(piece.feature as usize)
        })
    }

    /// Features nearest to `p` by distance to their boxes, closest first (for reports).
    pub fn nearest(&self, p: [f64; 2], n: usize) -> Vec<usize> {
        let mut d: Vec<(f64, usize)> = self
            .shapes
            .pieces
            .iter()
            .map(|piece| {
                let b = &piece.bbox;
                let dx = (b.min_x - p[0]).max(0.0).max(p[0] - b.max_x);
                let dy = (b.min_y - p[1]).max(0.0).max(p[1] - b.max_y);
                (dx * dx + dy * dy, piece.feature as usize)
            })
            .collect();
        d.sort_by(|a, b| a.0.total_cmp(&b.0));
        d.into_iter().map(|(_, f)| f).take(n).collect()
    }
}
