//! Point clustering at low zooms: points that fall in the same cell of a 64-unit grid become
//! one feature with `cluster = true` and `point_count`, as MapLibre's own GeoJSON clustering
//! names them, plus what [`ClusterRules`] asks for (a sum, one category or "several", a
//! first and last value): for claim tables, the fatality sum, the group and the date range.
//! Lone points keep all their attributes. Clustering runs after the request's filter, so
//! counts follow the time window.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use super::encode::GeometryWriter;
use super::{BUFFER, EXTENT, TileCoord, TileLayer, tile_bbox};
use crate::geometry::{BBox, Shapes};
use crate::value::{Value, text_id};

/// Cell size in tile units (of 4096): 8 pixels on a 512-pixel tile.
pub const CELL: i32 = 64;
/// Cluster ids live above 2^52 so they do not collide with row ids.
const CLUSTER_ID_BASE: u64 = 1 << 52;

/// Which fields a cluster aggregates, by index in the layer's fields; each keeps its field's
/// name in the cluster. Fields the layer lacks are `None`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClusterRules {
    /// Points are clustered below this zoom.
    pub maxzoom: u8,
    /// Integer field summed over the cluster.
    pub sum: Option<usize>,
    /// Text field kept when every point shares it, else "several groups".
    pub category: Option<usize>,
    /// Integer fields whose smallest and largest value the cluster keeps.
    pub first: Option<usize>,
    pub last: Option<usize>,
}

pub enum Item<'a> {
    Single {
        feature: usize,
        geometry: GeometryWriter,
    },
    Cluster {
        id: u64,
        geometry: GeometryWriter,
        props: Vec<(&'a str, Value)>,
    },
}

pub struct Clusters<'a> {
    pub items: Vec<Item<'a>>,
}

/// The cells of one tile in order of their first point. A tile's buffered area spans
/// about 70 cells a side, so cells are found through a dense table rather than hashed (a
/// z5 tile of a million points hashed a million keys); a point outside it (none, as the
/// tile's area is checked first) would go to `others`.
struct Grid {
    cells: Vec<((i32, i32), Cell)>,
    dense: Vec<u32>,
    others: HashMap<(i32, i32), u32>,
}

/// Cells a side of [`Grid::dense`], from cell -2 on.
const DENSE_SIDE: i32 = (EXTENT as i32 + 2 * BUFFER as i32) / CELL + 4;

impl Default for Grid {
    fn default() -> Self {
        Grid {
            cells: Vec::new(),
            dense: vec![u32::MAX; (DENSE_SIDE * DENSE_SIDE) as usize],
            others: HashMap::new(),
        }
    }
}

impl Grid {
    /// Add `other`'s cells, which hold points that come after this grid's: a shared cell
    /// keeps this grid's first point, a new one goes last, so the cells keep the order of
    /// their first point.
    fn absorb(&mut self, other: Grid) {
        for (key, cell) in other.cells {
            let mut incoming = Some(cell);
            let here = self.entry(key, || incoming.take().unwrap_or_default());
            if let Some(cell) = incoming {
                here.combine(&cell);
            }
        }
    }

    fn entry(&mut self, key: (i32, i32), new: impl FnOnce() -> Cell) -> &mut Cell {
        let (x, y) = (key.0 + 2, key.1 + 2);
        let slot = if (0..DENSE_SIDE).contains(&x) && (0..DENSE_SIDE).contains(&y) {
            &mut self.dense[(y * DENSE_SIDE + x) as usize]
        } else {
            self.others.entry(key).or_insert(u32::MAX)
        };
        if *slot == u32::MAX {
            *slot = self.cells.len() as u32;
            self.cells.push((key, new()));
        }
        &mut self.cells[*slot as usize].1
    }
}

#[derive(Debug, PartialEq)]
struct Cell {
    count: u32,
    sum: [i64; 2],
    first: usize,
    first_point: [i32; 2],
    sum_value: Option<i64>,
    /// The category every point so far shares ([`NO_CATEGORY`] before the first).
    group: u32,
    several_groups: bool,
    first_day: Option<i64>,
    last_day: Option<i64>,
}

impl Cell {
    /// Take in a cell of later points.
    fn combine(&mut self, o: &Cell) {
        self.count += o.count;
        self.sum[0] += o.sum[0];
        self.sum[1] += o.sum[1];
        if let Some(s) = o.sum_value {
            *self.sum_value.get_or_insert(0) += s;
        }
        if o.several_groups {
            self.group = NO_CATEGORY;
            self.several_groups = true;
        } else if o.group != NO_CATEGORY {
            self.take_category(o.group);
        }
        if let Some(d) = o.first_day {
            self.first_day = Some(self.first_day.map_or(d, |x| x.min(d)));
        }
        if let Some(d) = o.last_day {
            self.last_day = Some(self.last_day.map_or(d, |x| x.max(d)));
        }
    }

    fn take_category(&mut self, category: u32) {
        if self.group == NO_CATEGORY && !self.several_groups {
            self.group = category;
        } else if self.group != NO_CATEGORY && self.group != category {
            self.group = NO_CATEGORY;
            self.several_groups = true;
        }
    }

    fn add(&mut self, ix: i32, iy: i32, v: &PointValues) {
        self.count += 1;
        self.sum[0] += ix as i64;
        self.sum[1] += iy as i64;
        if v.has & 1 != 0 {
            *self.sum_value.get_or_insert(0) += v.sum;
        }
        if v.category != NO_CATEGORY {
            self.take_category(v.category);
        }
        if v.has & 2 != 0 {
            self.first_day = Some(self.first_day.map_or(v.first, |x| x.min(v.first)));
        }
        if v.has & 4 != 0 {
            self.last_day = Some(self.last_day.map_or(v.last, |x| x.max(v.last)));
        }
    }
}

impl Default for Cell {
    fn default() -> Self {
        Cell {
            count: 0,
            sum: [0; 2],
            first: 0,
            first_point: [0; 2],
            sum_value: None,
            group: NO_CATEGORY,
            several_groups: false,
            first_day: None,
            last_day: None,
        }
    }
}

/// What clustering reads of each point, packed: the [`ClusterRules`] fields as numbers and the
/// category as a code into [`ClusterColumns::categories`]. Reading these instead of each
/// feature's attributes halves the work of a low-zoom tile of a million points.
#[derive(Clone, Copy, Debug, Default)]
struct PointValues {
    sum: i64,
    first: i64,
    last: i64,
    category: u32,
    /// Which of `sum`, `first`, `last` the point has (bits 1, 2, 4).
    has: u8,
}

/// A point with no category.
const NO_CATEGORY: u32 = u32::MAX;

/// The [`PointValues`] of every feature of a point layer, under one set of rules.
#[derive(Debug, Default)]
pub struct ClusterColumns {
    values: Vec<PointValues>,
    /// Feature `i` is the layer's piece `i`, one point at `xy[i]`.
    points_in_order: bool,
    categories: Vec<Arc<str>>,
}

impl ClusterColumns {
    /// The columns of the `n` features of `shapes`, `value(i, k)` giving feature `i`'s value
    /// of field `k`. Read on every core; categories are numbered in order of first
    /// appearance, as one pass would.
    pub fn new<'p>(
        shapes: &Shapes,
        n: usize,
        value: impl Fn(usize, usize) -> Option<Cow<'p, Value>> + Sync,
        rules: &ClusterRules,
    ) -> Self {
        // Written in place, each run numbering its own categories, renumbered after.
        let mut values = vec![PointValues::default(); n];
        let runs = crate::cores::fill_runs(&mut values, 100_000, |start, part| {
            let mut codes: HashMap<Arc<str>, u32> = HashMap::new();
            let mut categories: Vec<Arc<str>> = Vec::new();
            for (j, slot) in part.iter_mut().enumerate() {
                let i = start + j;
                let int = |f: Option<usize>| match f.and_then(|f| value(i, f)).as_deref() {
                    Some(Value::Int(n)) => Some(*n),
                    _ => None,
                };
                let (sum, first, last) = (int(rules.sum), int(rules.first), int(rules.last));
                let category = match rules.category.and_then(|f| value(i, f)).as_deref() {
                    Some(Value::String(g)) => *codes.entry(g.clone()).or_insert_with(|| {
                        categories.push(g.clone());
                        categories.len() as u32 - 1
                    }),
                    _ => NO_CATEGORY,
                };
                *slot = PointValues {
                    sum: sum.unwrap_or(0),
                    first: first.unwrap_or(0),
                    last: last.unwrap_or(0),
                    category,
                    has: u8::from(sum.is_some())
                        | (u8::from(first.is_some()) << 1)
                        | (u8::from(last.is_some()) << 2),
                };
            }
            (start, part.len(), categories)
        });
        // Each run's codes renumbered into one list, in order.
        let mut codes: HashMap<Arc<str>, u32> = HashMap::new();
        let mut categories: Vec<Arc<str>> = Vec::new();
        for (start, len, run_categories) in runs {
            let renumber: Vec<u32> = run_categories
                .into_iter()
                .map(|g| {
                    *codes.entry(g.clone()).or_insert_with(|| {
                        categories.push(g);
                        categories.len() as u32 - 1
                    })
                })
                .collect();
            for v in &mut values[start..start + len] {
                if v.category != NO_CATEGORY {
                    v.category = renumber[v.category as usize];
                }
            }
        }
        let points_in_order = shapes.one_point_each(n);
        ClusterColumns {
            values,
            points_in_order,
            categories,
        }
    }
}

/// Cluster the visible points of `layer` in tile `coord`.
pub fn cluster<'a>(layer: &TileLayer<'a>, rules: &ClusterRules, coord: TileCoord) -> Clusters<'a> {
    let (f_sum, f_category, f_first, f_last) = (rules.sum, rules.category, rules.first, rules.last);
    let visible = layer.visible;
    let fields = layer.fields;
    let name = |i: usize| -> &'a str { fields[i].name.as_str() };
    let bbox = tile_bbox(coord, BUFFER as f64 / EXTENT as f64);
    let scale = (1u64 << coord.z) as f64;
    let Some(node) = layer.index.source_for(coord) else {
        return Clusters { items: Vec::new() };
    };
    // The layer's own columns, or (attributes recomputed under a filter) this view's.
    let own;
    let columns = match layer.cluster_columns {
        Some(c) if layer.props.is_none() => c,
        _ => {
            own = ClusterColumns::new(
                layer.shapes,
                layer.features.len(),
                |i, k| layer.value(i, k),
                rules,
            );
            &own
        }
    };
    let placer = Placer {
        bbox,
        scale,
        origin: [coord.x as f64, coord.y as f64],
        values: &columns.values,
    };
    // A layer of one point per feature, in order: its shared pieces are read as points,
    // without going through their parts, on every core (a z5 tile of a million points).
    let direct = columns.points_in_order;
    let mut cells = Grid::default();
    if direct {
        let shared = &node.shared;
        let runs = crate::cores::map_runs(shared.len(), 100_000, |run| {
            let mut grid = Grid::default();
            for &i in &shared[run] {
                let feature = i as usize;
                if visible.is_none_or(|v| v[feature]) {
                    placer.place(&mut grid, feature, layer.shapes.xy[feature]);
                }
            }
            grid
        });
        for grid in runs {
            cells.absorb(grid);
        }
    }
    let shared: &[u32] = if direct { &[] } else { &node.shared };
    let pieces = shared
        .iter()
        .map(|&i| (layer.shapes, &layer.shapes.pieces[i as usize]))
        .chain(node.own.pieces.iter().map(|p| (&node.own, p)));
    for (shapes, piece) in pieces {
        let feature = piece.feature as usize;
        // The filter first: it is one byte a point, the box its part.
        if visible.is_some_and(|v| !v[feature]) || !shapes.piece_bbox(piece).intersects(&bbox) {
            continue;
        }
        for part in shapes.parts_of(piece) {
            for p in &shapes.xy[part.range()] {
                placer.place(&mut cells, feature, *p);
            }
        }
    }
    let items = cells
        .cells
        .into_iter()
        .map(|(key, c)| {
            let mut geometry = GeometryWriter::default();
            if c.count == 1 {
                geometry.points(&[c.first_point]);
                return Item::Single {
                    feature: c.first,
                    geometry,
                };
            }
            let n = c.count as i64;
            geometry.points(&[[(c.sum[0] / n) as i32, (c.sum[1] / n) as i32]]);
            let id = CLUSTER_ID_BASE
                | (text_id(&format!("{coord}/{}/{}", key.0, key.1)) & (CLUSTER_ID_BASE - 1));
            let mut props: Vec<(&'a str, Value)> = vec![
                ("cluster", Value::Bool(true)),
                ("point_count", Value::Int(n)),
                (
                    "point_count_abbreviated",
                    Value::String(abbreviate(n).into()),
                ),
            ];
            if let (Some(f), Some(s)) = (f_sum, c.sum_value) {
                props.push((name(f), Value::Int(s)));
            }
            if let Some(f) = f_category {
                match (columns.categories.get(c.group as usize), c.several_groups) {
                    (Some(g), false) => props.push((name(f), Value::String(g.clone()))),
                    (_, true) => props.push((name(f), Value::String("several groups".into()))),
                    _ => {}
                }
            }
            if let (Some(f), Some(d)) = (f_first, c.first_day) {
                props.push((name(f), Value::Int(d)));
            }
            if let (Some(f), Some(d)) = (f_last, c.last_day) {
                props.push((name(f), Value::Int(d)));
            }
            Item::Cluster {
                id,
                geometry,
                props,
            }
        })
        .collect();
    Clusters { items }
}

/// Where points go in one tile's cells.
struct Placer<'c> {
    /// The tile's buffered area.
    bbox: BBox,
    /// 2^z.
    scale: f64,
    /// The tile's column and row.
    origin: [f64; 2],
    values: &'c [PointValues],
}

impl Placer<'_> {
    /// Add `feature`'s point `p` to its cell, when it lies in the tile's buffered area.
    fn place(&self, grid: &mut Grid, feature: usize, p: [f64; 2]) {
        let b = &self.bbox;
        if p[0] < b.min_x || p[0] > b.max_x || p[1] < b.min_y || p[1] > b.max_y {
            return;
        }
        let ix = ((p[0] * self.scale - self.origin[0]) * EXTENT as f64).round() as i32;
        let iy = ((p[1] * self.scale - self.origin[1]) * EXTENT as f64).round() as i32;
        let key = (ix.div_euclid(CELL), iy.div_euclid(CELL));
        let v = self.values.get(feature).copied().unwrap_or_default();
        grid.entry(key, || Cell {
            first: feature,
            first_point: [ix, iy],
            ..Cell::default()
        })
        .add(ix, iy, &v);
    }
}

/// 1234 → "1.2k", as MapLibre abbreviates cluster counts.
fn abbreviate(n: i64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6),
        n if n >= 10_000 => format!("{}k", n / 1000),
        n if n >= 1000 => format!("{:.1}k", n as f64 / 1e3),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points read in runs and their grids merged make the cells one pass makes, in the same
    /// order: counts, sums, groups ("several" across runs), date ranges, first points.
    #[test]
    fn grids_merged_in_order_are_the_grid_of_one_pass() {
        let mut seed = 0x9e37_79b9_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let coord = TileCoord { z: 5, x: 21, y: 13 };
        let n = 5_000;
        let points: Vec<[f64; 2]> = (0..n)
            .map(|_| {
                // Within the tile and its buffer, and a few outside.
                let u = (next() % 1200) as f64 / 1000.0 - 0.1;
                let v = (next() % 1200) as f64 / 1000.0 - 0.1;
                [(21.0 + u) / 32.0, (13.0 + v) / 32.0]
            })
            .collect();
        let values: Vec<PointValues> = (0..n)
            .map(|_| PointValues {
                sum: (next() % 50) as i64,
                first: (next() % 3000) as i64,
                last: 3000 + (next() % 3000) as i64,
                category: if next() % 5 == 0 {
                    NO_CATEGORY
                } else {
                    (next() % 3) as u32
                },
                has: (next() % 8) as u8,
            })
            .collect();
        let placer = Placer {
            bbox: tile_bbox(coord, BUFFER as f64 / EXTENT as f64),
            scale: 32.0,
            origin: [21.0, 13.0],
            values: &values,
        };
        let grid_of = |range: std::ops::Range<usize>| {
            let mut grid = Grid::default();
            for i in range {
                placer.place(&mut grid, i, points[i]);
            }
            grid
        };
        let whole = grid_of(0..n);
        assert!(whole.cells.iter().any(|(_, c)| c.several_groups));
        assert!(
            whole
                .cells
                .iter()
                .any(|(_, c)| c.count > 1 && c.group != NO_CATEGORY)
        );
        for cuts in [vec![1], vec![2_500], vec![1_000, 1_001, 4_000], vec![4_999]] {
            let mut merged = Grid::default();
            let mut start = 0;
            for end in cuts.into_iter().chain([n]) {
                merged.absorb(grid_of(start..end));
                start = end;
            }
            assert_eq!(merged.cells, whole.cells);
        }
    }
}
