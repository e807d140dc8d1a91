//! The tile pyramid, built once per data version (geojson-vt's `index.js`).
//!
//! A node covers one tile plus a buffer. A node with more than `max_points` vertices, above
//! `max_zoom`, is split into four children and then keeps only its geometry simplified for
//! its own zoom, so a low-zoom tile never walks the full-resolution data. A leaf keeps full
//! resolution, and tiles below it are cut from it on demand, so a deep tile walks only its
//! leaf's share. Pieces that lie wholly inside a node are not copied: the node refers to the
//! layer's own geometry, and only pieces crossing the node's edge are clipped into a copy.
//! That keeps the pyramid's memory near the size of the data itself.

use std::collections::HashMap;

use super::clip::{ClipScratch, Run, clip_pieces};
use super::{TileCoord, tile_bbox};
use crate::geometry::{BBox, GeomKind, Part, Piece, Shapes};

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
            max_zoom: 8,
            max_points: 50_000,
            tolerance: super::cut::TOLERANCE,
            extent: 4096,
            buffer: 64,
        }
    }
}

/// One node of the pyramid: pieces of the layer's own geometry (`shared`) and clipped or
/// simplified copies (`own`).
#[derive(Debug, Default)]
pub struct Node {
    /// Positions of pieces in the layer's full-resolution [`Shapes`] (4 bytes each: a layer
    /// of a million points is referred to at every level of the pyramid).
    pub shared: Vec<u32>,
    /// Geometry owned by this node.
    pub own: Shapes,
    /// A leaf holds full-resolution geometry; tiles below it are cut from it.
    pub leaf: bool,
}

impl Node {
    /// The node's pieces, each with the store it indexes: the layer's own geometry first,
    /// then the node's copies.
    pub fn pieces<'a>(
        &'a self,
        layer: &'a Shapes,
    ) -> impl Iterator<Item = (&'a Shapes, &'a Piece)> {
        let shared = self
            .shared
            .iter()
            .map(move |&i| (layer, &layer.pieces[i as usize]));
        shared.chain(self.own.pieces.iter().map(move |p| (&self.own, p)))
    }
}

/// All nodes of one layer's pyramid.
#[derive(Debug, Default)]
pub struct TileIndex {
    nodes: HashMap<TileCoord, Node>,
}

struct Builder<'a> {
    layer: &'a Shapes,
    /// The layer is one point a feature, in order ([`Shapes::one_point_each`]): a piece's
    /// box is its point, read without its part.
    points: bool,
    /// Every feature is a point (read once, not at every node).
    all_points: bool,
    kinds: &'a [GeomKind],
    opts: IndexOptions,
    nodes: HashMap<TileCoord, Node>,
    scratch: ClipScratch,
}

impl TileIndex {
    pub fn build(shapes: &Shapes, kinds: &[GeomKind], opts: &IndexOptions) -> TileIndex {
        TileIndex::build_with_copies(shapes, kinds, opts, Shapes::default())
    }

    /// As [`TileIndex::build`], with `copies` held at the root beside the layer's own
    /// geometry: what lies within a buffer of ±180, copied across the antimeridian.
    pub fn build_with_copies(
        shapes: &Shapes,
        kinds: &[GeomKind],
        opts: &IndexOptions,
        copies: Shapes,
    ) -> TileIndex {
        let mut b = Builder {
            layer: shapes,
            points: shapes.one_point_each(kinds.len()),
            all_points: kinds.iter().all(|k| *k == GeomKind::Point),
            kinds,
            opts: *opts,
            nodes: HashMap::new(),
            scratch: ClipScratch::default(),
        };
        let root = Node {
            shared: (0..shapes.pieces.len() as u32).collect(),
            own: copies,
            leaf: true,
        };
        b.build(TileCoord { z: 0, x: 0, y: 0 }, root);
        TileIndex { nodes: b.nodes }
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

    /// Vertices held in copies (clipped or simplified), beyond the layer's own geometry.
    pub fn copied_vertices(&self) -> usize {
        self.nodes.values().map(|n| n.own.vertex_count()).sum()
    }
}

impl Builder<'_> {
    fn vertices(&self, node: &Node) -> usize {
        if self.points {
            return node.shared.len() + node.own.vertex_count();
        }
        node.shared
            .iter()
            .map(|&i| self.layer.piece_vertices(&self.layer.pieces[i as usize]))
            .sum::<usize>()
            + node.own.vertex_count()
    }

    fn build(&mut self, coord: TileCoord, mut node: Node) {
        if coord.z >= self.opts.max_zoom || self.vertices(&node) <= self.opts.max_points {
            node.leaf = true;
            self.nodes.insert(coord, node);
            return;
        }
        let buffer = self.opts.buffer as f64 / self.opts.extent as f64;
        // The four children, y then x; each piece is read once and sent to every child it
        // lies within (shared) or crosses into (clipped into a copy).
        let coords: Vec<TileCoord> = (0..2)
            .flat_map(|dy| {
                (0..2).map(move |dx| TileCoord {
                    z: coord.z + 1,
                    x: coord.x * 2 + dx,
                    y: coord.y * 2 + dy,
                })
            })
            .collect();
        let bboxes: Vec<_> = coords.iter().map(|&c| tile_bbox(c, buffer)).collect();
        let mut children: Vec<Node> = (0..4).map(|_| Node::default()).collect();
        let mut crossing: Vec<Vec<Piece>> = vec![Vec::new(); 4];
        for &i in &node.shared {
            let piece = &self.layer.pieces[i as usize];
            let bbox = if self.points {
                BBox::of_points(&self.layer.xy[i as usize..i as usize + 1])
            } else {
                self.layer.piece_bbox(piece)
            };
            for q in 0..4 {
                if bbox.within(&bboxes[q]) {
                    children[q].shared.push(i);
                } else if bbox.intersects(&bboxes[q]) {
                    crossing[q].push(piece.clone());
                }
            }
        }
        for (q, mut child) in children.into_iter().enumerate() {
            clip_pieces(
                self.layer,
                &crossing[q],
                self.kinds,
                &bboxes[q],
                &mut child.own,
                &mut self.scratch,
            );
            clip_pieces(
                &node.own,
                &node.own.pieces,
                self.kinds,
                &bboxes[q],
                &mut child.own,
                &mut self.scratch,
            );
            if !child.shared.is_empty() || !child.own.pieces.is_empty() {
                self.build(coords[q], child);
            }
        }
        // Points are never simplified, so a layer of points keeps referring to its own
        // geometry here rather than holding a copy of every point at every level.
        if self.all_points {
            node.leaf = false;
            self.nodes.insert(coord, node);
            return;
        }
        let sq_tol = super::simplify::sq_tolerance(coord.z, self.opts.tolerance, self.opts.extent);
        let mut own = Shapes::default();
        let layer = self.layer;
        let shared = node.shared.iter().map(|&i| &layer.pieces[i as usize]);
        simplify_into(layer, shared, self.kinds, sq_tol, &mut own);
        simplify_into(&node.own, &node.own.pieces, self.kinds, sq_tol, &mut own);
        self.nodes.insert(
            coord,
            Node {
                shared: Vec::new(),
                own,
                leaf: false,
            },
        );
    }
}

/// Append to `out` the vertices of `pieces` that a tile at this tolerance keeps.
fn simplify_into<'p>(
    src: &Shapes,
    pieces: impl IntoIterator<Item = &'p Piece>,
    kinds: &[GeomKind],
    sq_tol: f32,
    out: &mut Shapes,
) {
    let mut run = Run::default();
    for piece in pieces {
        let first_part = out.parts.len();
        if kinds[piece.feature as usize] == GeomKind::Polygon {
            // A hole is kept only when its exterior is.
            for polygon in src.polygons_of(piece) {
                let exterior = polygon.exterior();
                if exterior.outer && simplify_ring(src, exterior, sq_tol, &mut run, out) {
                    for hole in polygon.holes() {
                        simplify_ring(src, hole, sq_tol, &mut run, out);
                    }
                }
            }
        } else {
            for part in src.parts_of(piece) {
                run.keep_important(src, part, sq_tol);
                if !run.is_empty() {
                    out.push_part(&run.xy, &run.imp, part.outer);
                }
            }
        }
        out.finish_piece(piece.feature, first_part);
    }
}

/// Append the vertices of a polygon ring that this tolerance keeps, unless the ring is too
/// small; whether it was kept.
fn simplify_ring(src: &Shapes, ring: &Part, sq_tol: f32, run: &mut Run, out: &mut Shapes) -> bool {
    if ring.area < sq_tol as f64 {
        return false;
    }
    run.keep_important(src, ring, sq_tol);
    run.close_ring();
    if run.len() < 4 {
        return false;
    }
    out.push_part(&run.xy, &run.imp, ring.outer);
    true
}
