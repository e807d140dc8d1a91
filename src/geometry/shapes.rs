//! Flat geometry storage shared by the readers, the dataset and the tile pipeline.
//!
//! Coordinates live in one array per store (Web Mercator in [0, 1]), with a parallel array of
//! per-vertex importance (squared Douglas–Peucker distance, as f32: 20 bytes a vertex), so a tile cut walks contiguous
//! memory and a zoom's simplification is a comparison, not a recomputation.

use std::ops::Range;

/// What a feature is drawn as; matches the MVT geometry types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GeomKind {
    Point,
    Line,
    Polygon,
}

impl GeomKind {
    pub fn name(self) -> &'static str {
        match self {
            GeomKind::Point => "point",
            GeomKind::Line => "line",
            GeomKind::Polygon => "polygon",
        }
    }
}

/// An axis-aligned box in projected coordinates: `[min_x, min_y, max_x, max_y]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

impl BBox {
    pub const EMPTY: BBox = BBox {
        min_x: f64::INFINITY,
        min_y: f64::INFINITY,
        max_x: f64::NEG_INFINITY,
        max_y: f64::NEG_INFINITY,
    };

    pub fn extend(&mut self, [x, y]: [f64; 2]) {
        self.min_x = self.min_x.min(x);
        self.min_y = self.min_y.min(y);
        self.max_x = self.max_x.max(x);
        self.max_y = self.max_y.max(y);
    }

    pub fn union(&mut self, other: &BBox) {
        self.min_x = self.min_x.min(other.min_x);
        self.min_y = self.min_y.min(other.min_y);
        self.max_x = self.max_x.max(other.max_x);
        self.max_y = self.max_y.max(other.max_y);
    }

    pub fn of_points(xy: &[[f64; 2]]) -> BBox {
        let mut b = BBox::EMPTY;
        for &p in xy {
            b.extend(p);
        }
        b
    }

    pub fn is_empty(&self) -> bool {
        self.min_x > self.max_x
    }

    pub fn intersects(&self, other: &BBox) -> bool {
        self.min_x <= other.max_x
            && self.max_x >= other.min_x
            && self.min_y <= other.max_y
            && self.max_y >= other.min_y
    }

    pub fn within(&self, other: &BBox) -> bool {
        self.min_x >= other.min_x
            && self.max_x <= other.max_x
            && self.min_y >= other.min_y
            && self.max_y <= other.max_y
    }
}

/// One run of vertices: a polygon ring (exterior or hole), a line, or a set of points.
/// Polygon rings are stored closed (last vertex equals the first).
#[derive(Clone, Debug)]
pub struct Part {
    pub start: u32,
    pub end: u32,
    /// For polygons: true for an exterior ring; holes follow their exterior.
    pub outer: bool,
    /// Absolute projected area for rings (used to drop rings too small for a zoom).
    pub area: f64,
    pub bbox: BBox,
}

impl Part {
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// The geometry of one feature inside a [`Shapes`] store. Its bounding box is its parts'
/// ([`Shapes::piece_bbox`]): a point layer's million pieces each held a copy of their point.
#[derive(Clone, Debug)]
pub struct Piece {
    /// Index of the feature in its layer.
    pub feature: u32,
    pub parts: Range<u32>,
}

/// A store of geometry pieces: the layer's full-resolution geometry, or the clipped and
/// simplified geometry of one node of the tile pyramid.
#[derive(Clone, Debug, Default)]
pub struct Shapes {
    pub pieces: Vec<Piece>,
    pub parts: Vec<Part>,
    pub xy: Vec<[f64; 2]>,
    pub importance: Vec<f32>,
}

impl Shapes {
    pub fn vertex_count(&self) -> usize {
        self.xy.len()
    }

    pub fn parts_of(&self, piece: &Piece) -> &[Part] {
        &self.parts[piece.parts.start as usize..piece.parts.end as usize]
    }

    /// The bounding box of a piece: the union of its parts' boxes.
    pub fn piece_bbox(&self, piece: &Piece) -> BBox {
        let mut bbox = BBox::EMPTY;
        for p in self.parts_of(piece) {
            bbox.union(&p.bbox);
        }
        bbox
    }

    /// Whether the store is `n` features of one point each, in order: piece, part and vertex
    /// `i` are feature `i`'s, so a piece's point is `xy[i]` (a point layer made from a table).
    pub fn one_point_each(&self, n: usize) -> bool {
        self.xy.len() == n
            && self.parts.len() == n
            && self.pieces.len() == n
            && self.pieces.iter().enumerate().all(|(i, p)| {
                p.feature as usize == i
                    && p.parts == (i as u32..i as u32 + 1)
                    && self.parts[i].range() == (i..i + 1)
            })
    }

    /// The bounding box of every piece.
    pub fn bbox(&self) -> BBox {
        let mut bbox = BBox::EMPTY;
        for p in &self.pieces {
            bbox.union(&self.piece_bbox(p));
        }
        bbox
    }

    /// The polygons of a piece of a polygon feature, each as its exterior ring and holes.
    pub fn polygons_of<'a>(&'a self, piece: &Piece) -> impl Iterator<Item = Polygon<'a>> + 'a {
        polygons(self.parts_of(piece))
    }

    /// Number of vertices of a piece (its parts are contiguous).
    pub fn piece_vertices(&self, piece: &Piece) -> usize {
        let parts = self.parts_of(piece);
        match (parts.first(), parts.last()) {
            (Some(a), Some(b)) => (b.end - a.start) as usize,
            _ => 0,
        }
    }

    /// Append a part from vertices and their importance.
    pub fn push_part(&mut self, xy: &[[f64; 2]], importance: &[f32], outer: bool) {
        let start = self.xy.len() as u32;
        self.xy.extend_from_slice(xy);
        self.importance.extend_from_slice(importance);
        let end = self.xy.len() as u32;
        self.parts.push(Part {
            start,
            end,
            outer,
            area: ring_area(xy).abs(),
            bbox: BBox::of_points(xy),
        });
    }

    /// Close the parts pushed since `first_part` into a piece of `feature`.
    pub fn finish_piece(&mut self, feature: u32, first_part: usize) {
        if first_part == self.parts.len() {
            return;
        }
        self.pieces.push(Piece {
            feature,
            parts: first_part as u32..self.parts.len() as u32,
        });
    }
}

/// The pieces of each feature, as offsets into one array (a feature may have several).
pub struct PieceIndex {
    offsets: Vec<u32>,
    pieces: Vec<u32>,
}

impl PieceIndex {
    pub fn new(shapes: &Shapes, features: usize) -> PieceIndex {
        let mut counts = vec![0u32; features + 1];
        for p in &shapes.pieces {
            if let Some(c) = counts.get_mut(p.feature as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut next = counts.clone();
        let mut pieces = vec![0u32; shapes.pieces.len()];
        for (i, p) in shapes.pieces.iter().enumerate() {
            if let Some(slot) = next.get_mut(p.feature as usize) {
                pieces[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        PieceIndex {
            offsets: counts,
            pieces,
        }
    }

    /// Indices into `shapes.pieces` of feature `i`.
    pub fn of(&self, i: usize) -> &[u32] {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.pieces[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// One polygon of a piece: its exterior ring, then its holes (contiguous parts).
#[derive(Clone, Copy, Debug)]
pub struct Polygon<'a> {
    /// The exterior ring first, then the holes.
    pub rings: &'a [Part],
}

impl<'a> Polygon<'a> {
    pub fn exterior(&self) -> &'a Part {
        &self.rings[0]
    }

    pub fn holes(&self) -> &'a [Part] {
        &self.rings[1..]
    }
}

/// Split polygon parts into polygons: each an exterior ring followed by its holes. A stray
/// leading hole (no exterior before it) starts a polygon whose `exterior().outer` is false;
/// the tiler drops such a polygon.
pub fn polygons(parts: &[Part]) -> impl Iterator<Item = Polygon<'_>> {
    let mut rest = parts;
    std::iter::from_fn(move || {
        let (_, tail) = rest.split_first()?;
        let holes = tail.iter().take_while(|p| !p.outer).count();
        let (rings, next) = rest.split_at(1 + holes);
        rest = next;
        Some(Polygon { rings })
    })
}

/// Signed area of a closed ring (shoelace); positive when counter-clockwise with y up.
pub fn ring_area(xy: &[[f64; 2]]) -> f64 {
    if xy.len() < 3 {
        return 0.0;
    }
    let mut sum = 0.0;
    for w in xy.windows(2) {
        sum += w[0][0] * w[1][1] - w[1][0] * w[0][1];
    }
    sum / 2.0
}
