//! The tile pyramid, built once per data version (geojson-vt's `index.js`).
//!
//! A node holds the layer's geometry clipped to its tile plus a buffer. A node with more than
//! `max_points` vertices, above `max_zoom`, is split into four children and then keeps only
//! its geometry simplified for its own zoom; a leaf keeps full resolution, and tiles below it
//! are cut from it on demand. So a low-zoom tile never walks the full-resolution data, and a
//! deep tile walks only its leaf's share of it.

use std::collections::HashMap;
use std::sync::Arc;

use super::clip::{ClipScratch, Run, clip_shapes};
use super::{TileCoord, tile_bbox};
use crate::geometry::{GeomKind, Shapes};

/// How the pyramid is built; the defaults suit province-sized polygons.
#[derive(Clone, Copy, Debug)]
pub struct IndexOptions {
    /// Deepest zoom that is split at load.
    pub max_zoom: u8,
    /// A node with at most this many vertices is not split further.
    pub max_points: usize,
    /// Simplification tolerance in tile units.
    pub tolerance: f64,
    /// Tile extent.
    pub extent: u32,
    /// Buffer around each tile in tile units.
    pub buffer: u32,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            max_zoom: 6,
            max_points: 50_000,
            tolerance: 4.0,
            extent: 4096,
            buffer: 64,
        }
    }
}

/// One node of the pyramid.
#[derive(Debug)]
pub struct Node {
    pub shapes: Arc<Shapes>,
    /// A leaf holds full-resolution geometry; tiles below it are cut from it.
    pub leaf: bool,
}

/// All nodes of one layer's pyramid.
#[derive(Debug, Default)]
pub struct TileIndex {
    nodes: HashMap<TileCoord, Node>,
}

impl TileIndex {
    pub fn build(shapes: &Arc<Shapes>, kinds: &[GeomKind], opts: &IndexOptions) -> TileIndex {
        let mut nodes = HashMap::new();
        let mut scratch = ClipScratch::default();
        let root = TileCoord { z: 0, x: 0, y: 0 };
        build_node(
            root,
            Arc::clone(shapes),
            kinds,
            opts,
            &mut nodes,
            &mut scratch,
        );
        TileIndex { nodes }
    }

    /// The node a tile is cut from: the tile's own node, or its nearest ancestor when that
    /// ancestor is a leaf. `None` when the tile holds nothing.
    pub fn source_for(&self, coord: TileCoord) -> Option<&Node> {
        let mut c = coord;
        loop {
            if let Some(node) = self.nodes.get(&c) {
                return (c == coord || node.leaf).then_some(node);
            }
            if c.z == 0 {
                return None;
            }
            c = TileCoord {
                z: c.z - 1,
                x: c.x / 2,
                y: c.y / 2,
            };
        }
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

fn build_node(
    coord: TileCoord,
    shapes: Arc<Shapes>,
    kinds: &[GeomKind],
    opts: &IndexOptions,
    nodes: &mut HashMap<TileCoord, Node>,
    scratch: &mut ClipScratch,
) {
    if coord.z >= opts.max_zoom || shapes.vertex_count() <= opts.max_points {
        nodes.insert(coord, Node { shapes, leaf: true });
        return;
    }
    for dy in 0..2 {
        for dx in 0..2 {
            let child = TileCoord {
                z: coord.z + 1,
                x: coord.x * 2 + dx,
                y: coord.y * 2 + dy,
            };
            let bbox = tile_bbox(child, opts.buffer as f64 / opts.extent as f64);
            let clipped = clip_shapes(&shapes, kinds, &bbox, scratch);
            if !clipped.pieces.is_empty() {
                build_node(child, Arc::new(clipped), kinds, opts, nodes, scratch);
            }
        }
    }
    let sq_tol = super::simplify::sq_tolerance(coord.z, opts.tolerance, opts.extent);
    nodes.insert(
        coord,
        Node {
            shapes: Arc::new(simplified(&shapes, kinds, sq_tol)),
            leaf: false,
        },
    );
}

/// A copy of `src` keeping only the vertices a tile at this tolerance would keep.
fn simplified(src: &Shapes, kinds: &[GeomKind], sq_tol: f64) -> Shapes {
    let mut out = Shapes::default();
    let mut run = Run::default();
    for piece in &src.pieces {
        let first_part = out.parts.len();
        let polygon = kinds[piece.feature as usize] == GeomKind::Polygon;
        let mut outer_kept = false;
        for part in src.parts_of(piece) {
            if polygon {
                if !part.outer && !outer_kept {
                    continue;
                }
                if part.area < sq_tol {
                    if part.outer {
                        outer_kept = false;
                    }
                    continue;
                }
            }
            run.clear();
            for i in part.range() {
                if src.importance[i] > sq_tol {
                    run.push(src.xy[i], src.importance[i]);
                }
            }
            if polygon {
                run.close_ring();
            }
            let enough = if polygon {
                run.len() >= 4
            } else {
                !run.is_empty()
            };
            if enough {
                out.push_part(&run.xy, &run.imp, part.outer);
                if part.outer {
                    outer_kept = true;
                }
            } else if part.outer {
                outer_kept = false;
            }
        }
        out.finish_piece(piece.feature, first_part);
    }
    out
}
