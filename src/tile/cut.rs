//! Cut one layer's tile from its pyramid node: keep the vertices this zoom needs, clip to the
//! buffered tile, round to the integer grid, clean, and hand each feature's commands on.

use super::clean;
use super::clip::{Run, clip_line, clip_ring};
use super::encode::GeometryWriter;
use super::simplify::sq_tolerance;
use super::{BUFFER, EXTENT, TileCoord, TileLayer, tile_bbox};
use crate::geometry::{BBox, GeomKind, Part, Piece, Shapes};

/// Tolerance of simplification, in tile units (of 4096): half a pixel on a 512-pixel tile.
pub const TOLERANCE: f64 = 4.0;

/// Reusable buffers for cutting.
#[derive(Default)]
pub struct CutScratch {
    a: Run,
    b: Run,
    c: Run,
    line: Run,
    ints: Vec<[i32; 2]>,
    geometry: GeometryWriter,
}

/// How much detail a tile keeps: normally [`Detail::default`]; coarser when a tile would
/// exceed the size budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detail {
    /// Simplification tolerance in tile units.
    pub tolerance: f64,
    /// Polygons smaller than this many square tile units, and lines shorter than its square
    /// root, are left out.
    pub min_area: f64,
}

impl Default for Detail {
    fn default() -> Self {
        Detail {
            tolerance: TOLERANCE,
            min_area: 0.0,
        }
    }
}

/// Cut `layer` for `coord`, calling `emit(feature index, kind, geometry, size)` for each
/// feature with something to draw. `size` is what [`Detail::min_area`] compares: square tile
/// units of area for polygons, the square of the longer side of the box for lines, infinite
/// for points.
pub fn cut_layer(
    layer: &TileLayer,
    coord: TileCoord,
    detail: Detail,
    s: &mut CutScratch,
    mut emit: impl FnMut(usize, GeomKind, &GeometryWriter, f64),
) {
    let Some(node) = layer.index.source_for(coord) else {
        return;
    };
    let bbox = tile_bbox(coord, BUFFER as f64 / EXTENT as f64);
    // Pieces that reach this tile: from the layer's own geometry, then the node's copies.
    let mut refs: Vec<(u32, &Shapes, &Piece)> = node
        .pieces(layer.shapes)
        .filter(|(shapes, p)| shapes.piece_bbox(p).intersects(&bbox))
        .map(|(shapes, p)| (p.feature, shapes, p))
        .collect();
    // A feature cut at the antimeridian has several pieces; they become one MVT feature, at
    // the place of its first piece.
    let mut ids: Vec<u32> = refs.iter().map(|r| r.0).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        let mut first = std::collections::HashMap::new();
        for (i, r) in refs.iter().enumerate() {
            first.entry(r.0).or_insert(i);
        }
        refs.sort_by_key(|r| first[&r.0]);
    }
    let sq_tol = sq_tolerance(coord.z, detail.tolerance, EXTENT);
    let grid = Grid::new(coord);
    let mut i = 0;
    while i < refs.len() {
        let feature = refs[i].0;
        let kind = layer.kinds[feature as usize];
        s.geometry.clear();
        let mut size = 0.0;
        while i < refs.len() && refs[i].0 == feature {
            let (_, shapes, piece) = refs[i];
            if let Some(piece_size) =
                write_piece(shapes, piece, kind, coord, &bbox, &grid, sq_tol, detail, s)
            {
                size += piece_size;
            }
            i += 1;
        }
        if !s.geometry.is_empty() {
            emit(feature as usize, kind, &s.geometry, size);
        }
    }
}

/// Append one piece's geometry, as this tile draws it, to `s.geometry`; its size, or `None`
/// when it is too small for the tile's detail.
#[allow(clippy::too_many_arguments)]
fn write_piece(
    shapes: &Shapes,
    piece: &Piece,
    kind: GeomKind,
    coord: TileCoord,
    bbox: &BBox,
    grid: &Grid,
    sq_tol: f32,
    detail: Detail,
    s: &mut CutScratch,
) -> Option<f64> {
    let units = (1u64 << coord.z) as f64 * EXTENT as f64;
    let size = match kind {
        GeomKind::Polygon => {
            let area: f64 = shapes
                .polygons_of(piece)
                .map(|polygon| polygon.exterior().area)
                .sum();
            area * units * units
        }
        GeomKind::Line => {
            let b = shapes.piece_bbox(piece);
            let side = (b.max_x - b.min_x).max(b.max_y - b.min_y) * units;
            side * side
        }
        GeomKind::Point => f64::INFINITY,
    };
    if size < detail.min_area {
        return None;
    }
    match kind {
        GeomKind::Polygon => {
            // A hole is drawn only when its exterior is.
            for polygon in shapes.polygons_of(piece) {
                let exterior = polygon.exterior();
                if exterior.outer && write_ring(shapes, exterior, bbox, grid, sq_tol, s) {
                    for hole in polygon.holes() {
                        write_ring(shapes, hole, bbox, grid, sq_tol, s);
                    }
                }
            }
        }
        GeomKind::Line => {
            for part in shapes.parts_of(piece) {
                write_line(shapes, part, bbox, grid, sq_tol, s);
            }
        }
        GeomKind::Point => {
            for part in shapes.parts_of(piece) {
                write_points(shapes, part, bbox, grid, s);
            }
        }
    }
    Some(size)
}

/// Append one line as this tile draws it (simplified, clipped into runs, on the grid).
fn write_line(
    shapes: &Shapes,
    part: &Part,
    bbox: &BBox,
    grid: &Grid,
    sq_tol: f32,
    s: &mut CutScratch,
) {
    if !part.bbox.intersects(bbox) {
        return;
    }
    s.a.keep_important(shapes, part, sq_tol);
    if s.a.len() < 2 {
        return;
    }
    if part.bbox.within(bbox) {
        grid.round(&s.a.xy, &mut s.ints);
        if clean::line(&mut s.ints) {
            s.geometry.line(&s.ints);
        }
        return;
    }
    let (geometry, ints, line) = (&mut s.geometry, &mut s.ints, &mut s.line);
    clip_line(&s.a, bbox.min_x, bbox.max_x, 0, &mut s.b, |run| {
        clip_line(run, bbox.min_y, bbox.max_y, 1, line, |piece| {
            grid.round(&piece.xy, ints);
            if clean::line(ints) {
                geometry.line(ints);
            }
        });
    });
}

/// Append the points of one part that fall inside the buffered tile.
fn write_points(shapes: &Shapes, part: &Part, bbox: &BBox, grid: &Grid, s: &mut CutScratch) {
    if !part.bbox.intersects(bbox) {
        return;
    }
    s.a.clear();
    for &p in &shapes.xy[part.range()] {
        if p[0] >= bbox.min_x && p[0] <= bbox.max_x && p[1] >= bbox.min_y && p[1] <= bbox.max_y {
            s.a.push(p, 0.0);
        }
    }
    grid.round(&s.a.xy, &mut s.ints);
    s.geometry.points(&s.ints);
}

/// Append one polygon ring as this tile draws it (simplified, clipped, on the grid, cleaned);
/// whether anything was drawn.
fn write_ring(
    shapes: &Shapes,
    ring: &Part,
    bbox: &BBox,
    grid: &Grid,
    sq_tol: f32,
    s: &mut CutScratch,
) -> bool {
    if ring.area < sq_tol as f64 || !ring.bbox.intersects(bbox) {
        return false;
    }
    s.a.keep_important(shapes, ring, sq_tol);
    s.a.close_ring();
    if s.a.len() < 4 {
        return false;
    }
    let xy = if ring.bbox.within(bbox) {
        &s.a.xy
    } else {
        clip_ring(&s.a, bbox.min_x, bbox.max_x, 0, &mut s.b);
        clip_ring(&s.b, bbox.min_y, bbox.max_y, 1, &mut s.c);
        &s.c.xy
    };
    grid.round(xy, &mut s.ints);
    if !clean::ring(&mut s.ints, ring.outer) {
        return false;
    }
    s.geometry.ring(&s.ints);
    true
}

/// Projected coordinates to a tile's integer grid.
struct Grid {
    scale: f64,
    x0: f64,
    y0: f64,
}

impl Grid {
    fn new(c: TileCoord) -> Grid {
        Grid {
            scale: (1u64 << c.z) as f64,
            x0: c.x as f64,
            y0: c.y as f64,
        }
    }

    fn round(&self, xy: &[[f64; 2]], out: &mut Vec<[i32; 2]>) {
        out.clear();
        let e = EXTENT as f64;
        out.extend(xy.iter().map(|p| {
            [
                ((p[0] * self.scale - self.x0) * e).round() as i32,
                ((p[1] * self.scale - self.y0) * e).round() as i32,
            ]
        }));
    }
}
