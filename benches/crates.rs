//! The design card's crates (`geo`, georust's `polylabel`, `geojson`, `mvt`) measured against
//! our own code on the same data, with a check that both give the same answer: the figures
//! behind the README's decisions. `cargo bench --features compare-crates --bench crates`.

#[path = "../tests/common/mvt.rs"]
#[allow(dead_code)]
mod mvt_decode;

use std::path::Path;

use borderland::config::LayerConfig;
use borderland::dataset::{Layer, build_layer};
use borderland::features::geojson::FeatureWriter;
use borderland::features::select::Selection;
use borderland::geometry::polylabel::polylabel;
use borderland::geometry::projection::project;
use borderland::geometry::{GeomKind, PieceIndex, Shapes, ring_area};
use borderland::join::spatial::PolygonIndex;
use borderland::source::validate::self_intersection;
use borderland::tile::encode::{GeometryWriter, LayerEncoder};
use borderland::tile::{self, TileCoord};
use borderland::value::Value;
use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use geo::{Area, Contains, Validation};

/// Label precision of `dataset/labels.rs`, in projected units.
const PRECISION: f64 = 1e-6;

fn load(name: &str, bytes: Vec<u8>) -> Layer {
    let path = Path::new(name);
    build_layer(&LayerConfig::for_file(path), path, bytes).expect("benchmark data loads")
}

fn provinces() -> Layer {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("data/provinces.geojson")).expect("default provinces");
    load("provinces.geojson", bytes)
}

fn synthetic() -> Layer {
    load(
        "synthetic_provinces.geojson",
        borderland::synthetic::provinces(180, 90, 24).into_bytes(),
    )
}

type Rings = Vec<Vec<[f64; 2]>>;

/// The largest polygon (exterior and holes) of each polygon feature: what a label is placed in.
fn label_polygons(layer: &Layer) -> Vec<Rings> {
    let shapes: &Shapes = &layer.shapes;
    let pieces = PieceIndex::new(shapes, layer.features.len());
    (0..layer.features.len())
        .filter(|&i| layer.kinds[i] == GeomKind::Polygon)
        .filter_map(|i| {
            let mut best: Option<(f64, Rings)> = None;
            for &p in pieces.of(i) {
                for polygon in shapes.polygons_of(&shapes.pieces[p as usize]) {
                    let area = ring_area(&shapes.xy[polygon[0].range()]).abs();
                    if best.as_ref().is_none_or(|(a, _)| area > *a) {
                        let rings = polygon.iter().map(|r| shapes.xy[r.range()].to_vec());
                        best = Some((area, rings.collect()));
                    }
                }
            }
            best.map(|(_, rings)| rings)
        })
        .collect()
}

fn geo_polygon(rings: &[Vec<[f64; 2]>]) -> geo::Polygon<f64> {
    let ring = |r: &Vec<[f64; 2]>| {
        geo::LineString::from(r.iter().map(|&[x, y]| (x, y)).collect::<Vec<_>>())
    };
    geo::Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
}

/// Distance from `p` to the nearest ring edge, negative outside (even-odd): how good a label is.
fn clearance(p: [f64; 2], rings: &[Vec<[f64; 2]>]) -> f64 {
    let mut inside = false;
    let mut best = f64::INFINITY;
    for ring in rings {
        for w in ring.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
            {
                inside = !inside;
            }
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let len = dx * dx + dy * dy;
            let t = if len > 0.0 {
                (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (ex, ey) = (p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
            best = best.min((ex * ex + ey * ey).sqrt());
        }
    }
    if inside { best } else { -best }
}

fn ours_label(rings: &[Vec<[f64; 2]>]) -> [f64; 2] {
    let refs: Vec<&[[f64; 2]]> = rings.iter().map(|r| r.as_slice()).collect();
    polylabel(&refs, PRECISION)
}

fn crate_label(polygon: &geo::Polygon<f64>) -> [f64; 2] {
    polylabel::polylabel(polygon, &PRECISION)
        .map(|p| [p.x(), p.y()])
        .unwrap_or([f64::NAN, f64::NAN])
}

fn labels(g: &mut BenchmarkGroup<WallTime>, name: &str, layer: &Layer) {
    let polygons = label_polygons(layer);
    let geo_polygons: Vec<geo::Polygon<f64>> = polygons.iter().map(|r| geo_polygon(r)).collect();
    // Same answers? Both labels inside, and how far from the edges (more is better).
    let (mut ours_in, mut crate_in, mut ours_sum, mut crate_sum, mut worse) = (0, 0, 0.0, 0.0, 0);
    for (rings, polygon) in polygons.iter().zip(&geo_polygons) {
        let (a, b) = (
            clearance(ours_label(rings), rings),
            clearance(crate_label(polygon), rings),
        );
        ours_in += (a > 0.0) as usize;
        crate_in += (b > 0.0) as usize;
        ours_sum += a.max(0.0);
        crate_sum += b.max(0.0);
        worse += (b < a - 2.0 * PRECISION) as usize;
    }
    eprintln!(
        "labels {name}: {} polygons; inside: ours {ours_in}, crate {crate_in}; mean clearance \
         ours {:.3e}, crate {:.3e}; crate clearly worse on {worse}",
        polygons.len(),
        ours_sum / polygons.len() as f64,
        crate_sum / polygons.len() as f64,
    );
    g.bench_function(format!("{name}/ours"), |b| {
        b.iter(|| polygons.iter().map(|r| ours_label(r)).collect::<Vec<_>>())
    });
    g.bench_function(format!("{name}/polylabel_crate_with_conversion"), |b| {
        b.iter(|| {
            polygons
                .iter()
                .map(|r| crate_label(&geo_polygon(r)))
                .collect::<Vec<_>>()
        })
    });
    g.bench_function(format!("{name}/polylabel_crate_prebuilt"), |b| {
        b.iter(|| geo_polygons.iter().map(crate_label).collect::<Vec<_>>())
    });
}

/// 100,000 SYNTHETIC incident points (projected) over the default provinces.
fn incident_points(n: usize) -> Vec<[f64; 2]> {
    let csv = borderland::synthetic::incidents_csv(n);
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            let lat: f64 = cols.get(4)?.parse().ok()?;
            let lon: f64 = cols.get(5)?.parse().ok()?;
            Some(project([lon, lat]))
        })
        .collect()
}

/// Each piece of a polygon layer as a geo `MultiPolygon` (parts with holes following).
fn geo_pieces(shapes: &Shapes) -> Vec<geo::MultiPolygon<f64>> {
    shapes
        .pieces
        .iter()
        .map(|piece| {
            geo::MultiPolygon::new(
                shapes
                    .polygons_of(piece)
                    .map(|polygon| {
                        let rings: Rings = polygon
                            .iter()
                            .map(|r| shapes.xy[r.range()].to_vec())
                            .collect();
                        geo_polygon(&rings)
                    })
                    .collect(),
            )
        })
        .collect()
}

fn spatial_join(c: &mut Criterion) {
    let layer = provinces();
    let points = incident_points(100_000);
    let index = PolygonIndex::new(&layer.shapes, &layer.kinds);
    let pieces = geo_pieces(&layer.shapes);
    let geo_locate = |p: [f64; 2]| {
        index
            .candidates(p)
            .find(|&i| pieces[i].contains(&geo::Point::new(p[0], p[1])))
            .map(|i| layer.shapes.pieces[i].feature as usize)
    };
    let ours: Vec<Option<usize>> = points.iter().map(|&p| index.locate(p)).collect();
    let theirs: Vec<Option<usize>> = points.iter().map(|&p| geo_locate(p)).collect();
    let differ = ours.iter().zip(&theirs).filter(|(a, b)| a != b).count();
    eprintln!(
        "point in polygon: {} points, ours matched {}, geo matched {}, {differ} differ",
        points.len(),
        ours.iter().flatten().count(),
        theirs.iter().flatten().count()
    );
    let mut g = c.benchmark_group("point_in_polygon");
    g.sample_size(20);
    g.bench_function(
        "100k_incidents_in_provinces/polygon_index_locate_geo",
        |b| b.iter(|| points.iter().filter_map(|&p| index.locate(p)).count()),
    );
    g.bench_function("100k_incidents_in_provinces/geo_contains_in_bench", |b| {
        b.iter(|| points.iter().filter_map(|&p| geo_locate(p)).count())
    });
    // The ray crossing `join/spatial.rs` used before it took geo's test, on the same grid.
    let ray_locate = |p: [f64; 2]| {
        let shapes: &Shapes = &layer.shapes;
        index.candidates(p).find_map(|i| {
            let piece = &shapes.pieces[i];
            let mut inside = false;
            for part in shapes.parts_of(piece) {
                for w in shapes.xy[part.range()].windows(2) {
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
    };
    let rays: Vec<Option<usize>> = points.iter().map(|&p| ray_locate(p)).collect();
    eprintln!(
        "point in polygon, previous ray crossing: {} differ from PolygonIndex::locate",
        ours.iter().zip(&rays).filter(|(a, b)| a != b).count()
    );
    g.bench_function("100k_incidents_in_provinces/previous_ray_crossing", |b| {
        b.iter(|| points.iter().filter_map(|&p| ray_locate(p)).count())
    });
    g.finish();
}

fn areas_and_validity(c: &mut Criterion) {
    let layer = synthetic();
    let shapes: &Shapes = &layer.shapes;
    let rings: Vec<&[[f64; 2]]> = shapes.parts.iter().map(|p| &shapes.xy[p.range()]).collect();
    let polygons: Vec<geo::Polygon<f64>> =
        rings.iter().map(|r| geo_polygon(&[r.to_vec()])).collect();
    let ours: f64 = rings.iter().map(|r| ring_area(r).abs()).sum();
    let theirs: f64 = polygons.iter().map(|p| p.unsigned_area()).sum();
    let ours_bad = rings
        .iter()
        .filter(|r| self_intersection(r).is_some())
        .count();
    let geo_bad = polygons.iter().filter(|p| !p.is_valid()).count();
    eprintln!(
        "areas: {} rings, total ours {ours:.12}, geo {theirs:.12}; invalid rings: ours {ours_bad}, geo {geo_bad}",
        rings.len()
    );
    let mut g = c.benchmark_group("rings");
    g.sample_size(10);
    g.bench_function("synthetic_area/ours", |b| {
        b.iter(|| rings.iter().map(|r| ring_area(r)).sum::<f64>())
    });
    g.bench_function("synthetic_area/geo_signed_area", |b| {
        b.iter(|| polygons.iter().map(|p| p.signed_area()).sum::<f64>())
    });
    g.bench_function("synthetic_area/geo_with_conversion", |b| {
        b.iter(|| {
            rings
                .iter()
                .map(|r| geo_polygon(&[r.to_vec()]).signed_area())
                .sum::<f64>()
        })
    });
    g.bench_function("synthetic_self_crossing/ours", |b| {
        b.iter(|| {
            rings
                .iter()
                .filter(|r| self_intersection(r).is_some())
                .count()
        })
    });
    g.bench_function("synthetic_self_crossing/geo_is_valid", |b| {
        b.iter(|| polygons.iter().filter(|p| !p.is_valid()).count())
    });
    g.finish();
}

fn label_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("labels");
    g.sample_size(10);
    labels(&mut g, "provinces", &provinces());
    labels(&mut g, "synthetic", &synthetic());
    g.finish();
}

/// The hand-written writer `features/geojson.rs` used before it took the `geojson` crate
/// (formatting each number with `write!`), kept here as the anchor of that decision.
mod handwritten {
    use std::fmt::Write;

    use borderland::dataset::Layer;
    use borderland::geometry::projection::unproject;
    use borderland::geometry::{GeomKind, PieceIndex, Shapes, ring_area};

    fn write_position(out: &mut String, xy: [f64; 2]) {
        let [lon, lat] = unproject(xy);
        let r = |v: f64| (v * 1e7).round() / 1e7;
        let _ = write!(out, "[{},{}]", r(lon), r(lat));
    }

    fn write_positions<'a>(out: &mut String, xy: impl Iterator<Item = &'a [f64; 2]>) {
        out.push('[');
        for (k, p) in xy.enumerate() {
            if k > 0 {
                out.push(',');
            }
            write_position(out, *p);
        }
        out.push(']');
    }

    /// A ring with the orientation RFC 7946 asks for: exteriors counter-clockwise in lon/lat.
    /// Projected y grows southwards, so a counter-clockwise ring has negative projected area.
    fn write_ring(out: &mut String, xy: &[[f64; 2]], exterior: bool) {
        let ccw = ring_area(xy) < 0.0;
        if ccw == exterior {
            write_positions(out, xy.iter());
        } else {
            write_positions(out, xy.iter().rev());
        }
    }

    /// How many points, lines or polygons (exterior rings) a feature has.
    fn member_count(shapes: &Shapes, pieces: &[u32], kind: GeomKind) -> usize {
        let parts = pieces
            .iter()
            .flat_map(|&p| shapes.parts_of(&shapes.pieces[p as usize]));
        match kind {
            GeomKind::Point => parts.map(|part| part.range().len()).sum(),
            GeomKind::Line => parts.count(),
            GeomKind::Polygon => parts.filter(|part| part.outer).count(),
        }
    }

    /// The geometry of one feature (its pieces in `shapes`), or `null`. With `multi`, a single
    /// point, line or polygon is written as a Multi* of one, so a layer has one geometry type.
    pub fn write_geometry(
        out: &mut String,
        shapes: &Shapes,
        pieces: &[u32],
        kind: GeomKind,
        multi: bool,
    ) {
        let parts: Vec<&borderland::geometry::Part> = pieces
            .iter()
            .flat_map(|&p| shapes.parts_of(&shapes.pieces[p as usize]))
            .filter(|part| part.end > part.start)
            .collect();
        if parts.is_empty() {
            out.push_str("null");
            return;
        }
        match kind {
            GeomKind::Point => {
                let points: Vec<&[f64; 2]> = parts
                    .iter()
                    .flat_map(|part| shapes.xy[part.range()].iter())
                    .collect();
                if let ([one], false) = (points.as_slice(), multi) {
                    out.push_str(r#"{"type":"Point","coordinates":"#);
                    write_position(out, **one);
                } else {
                    out.push_str(r#"{"type":"MultiPoint","coordinates":"#);
                    write_positions(out, points.into_iter());
                }
            }
            GeomKind::Line => {
                if let ([one], false) = (parts.as_slice(), multi) {
                    out.push_str(r#"{"type":"LineString","coordinates":"#);
                    write_positions(out, shapes.xy[one.range()].iter());
                } else {
                    out.push_str(r#"{"type":"MultiLineString","coordinates":["#);
                    for (k, part) in parts.iter().enumerate() {
                        if k > 0 {
                            out.push(',');
                        }
                        write_positions(out, shapes.xy[part.range()].iter());
                    }
                    out.push(']');
                }
            }
            GeomKind::Polygon => {
                // Holes follow their exterior; a stray leading hole is treated as an exterior.
                let mut polygons: Vec<Vec<&borderland::geometry::Part>> = Vec::new();
                for part in parts {
                    match polygons.last_mut() {
                        Some(rings) if !part.outer => rings.push(part),
                        _ => polygons.push(vec![part]),
                    }
                }
                let write_polygon = |out: &mut String, rings: &[&borderland::geometry::Part]| {
                    out.push('[');
                    for (k, ring) in rings.iter().enumerate() {
                        if k > 0 {
                            out.push(',');
                        }
                        write_ring(out, &shapes.xy[ring.range()], k == 0);
                    }
                    out.push(']');
                };
                if let ([one], false) = (polygons.as_slice(), multi) {
                    out.push_str(r#"{"type":"Polygon","coordinates":"#);
                    write_polygon(out, one);
                } else {
                    out.push_str(r#"{"type":"MultiPolygon","coordinates":["#);
                    for (k, rings) in polygons.iter().enumerate() {
                        if k > 0 {
                            out.push(',');
                        }
                        write_polygon(out, rings);
                    }
                    out.push(']');
                }
            }
        }
        out.push('}');
    }

    pub fn collection(layer: &Layer) -> String {
        let pieces = PieceIndex::new(&layer.shapes, layer.features.len());
        let multi = (0..layer.features.len())
            .any(|i| member_count(&layer.shapes, pieces.of(i), layer.kinds[i]) > 1);
        let mut out = String::from(r#"{"type":"FeatureCollection","features":["#);
        for (i, feature) in layer.features.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, r#"{{"type":"Feature","id":{},"geometry":"#, feature.id);
            write_geometry(&mut out, &layer.shapes, pieces.of(i), layer.kinds[i], multi);
            out.push_str(r#","properties":"#);
            let props: serde_json::Map<String, serde_json::Value> = layer
                .fields
                .iter()
                .zip(feature.props.iter())
                .map(|(f, v)| (f.name.clone(), v.to_json()))
                .collect();
            out.push_str(&serde_json::Value::Object(props).to_string());
            out.push('}');
        }
        out.push_str("]}");
        out
    }
}

/// `61` and `61.0` are the same JSON number to a reader, but not to `serde_json::Value`'s `==`.
fn numbers_as_f64(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Number(n) => n.as_f64().map(J::from).unwrap_or(J::Null),
        J::Array(a) => J::Array(a.into_iter().map(numbers_as_f64).collect()),
        J::Object(o) => J::Object(o.into_iter().map(|(k, v)| (k, numbers_as_f64(v))).collect()),
        other => other,
    }
}

fn ours_collection(layer: &Layer) -> String {
    let selection = Selection {
        view: None,
        features: (0..layer.features.len()).collect(),
    };
    FeatureWriter::new(layer).collection(&selection, &selection.features, &serde_json::Map::new())
}

fn geojson_writing(c: &mut Criterion) {
    let mut g = c.benchmark_group("geojson_write");
    g.sample_size(10);
    for (name, layer) in [
        ("provinces", provinces()),
        ("synthetic_16200_cells", synthetic()),
    ] {
        let (ours, theirs) = (handwritten::collection(&layer), ours_collection(&layer));
        let parse = |s: &str| numbers_as_f64(serde_json::from_str(s).expect("valid JSON"));
        eprintln!(
            "geojson {name}: hand-written {} bytes, geojson crate {} bytes, same JSON value: {}",
            ours.len(),
            theirs.len(),
            parse(&ours) == parse(&theirs)
        );
        g.bench_function(format!("{name}/handwritten_fmt"), |b| {
            b.iter(|| handwritten::collection(&layer))
        });
        g.bench_function(format!("{name}/feature_writer_geojson_crate"), |b| {
            b.iter(|| ours_collection(&layer))
        });
    }
    g.finish();

    // Reading: our streaming reader (which also projects and stores) against parsing into the
    // crate's FeatureCollection (which does neither).
    let bytes = borderland::synthetic::provinces(180, 90, 24).into_bytes();
    let mut g = c.benchmark_group("geojson_read");
    g.sample_size(10);
    g.bench_function("synthetic_40mb/ours_streaming_reader", |b| {
        b.iter(|| {
            let mut raw = borderland::source::RawLayer::default();
            borderland::source::geojson::read(&bytes, &mut raw).expect("reads");
            raw.features.len()
        })
    });
    g.bench_function("synthetic_40mb/geojson_crate_parse_only", |b| {
        b.iter(|| {
            serde_json::from_slice::<geojson::FeatureCollection>(&bytes)
                .expect("reads")
                .features
                .len()
        })
    });
    g.finish();
}

/// One tile's content as the encoder receives it: per layer, its features with integer
/// geometry (open rings) and attributes.
struct TileContent {
    extent: u32,
    layers: Vec<(String, Vec<FeatureContent>)>,
}

struct FeatureContent {
    id: u64,
    kind: GeomKind,
    props: Vec<(String, Value)>,
    parts: Vec<Vec<[i32; 2]>>,
}

fn tile_content(raw: &[u8]) -> TileContent {
    let layers = mvt_decode::decode_strict(raw);
    let extent = layers.first().map(|l| l.extent).unwrap_or(4096);
    TileContent {
        extent,
        layers: layers
            .into_iter()
            .map(|l| {
                let features = l
                    .features
                    .into_iter()
                    .map(|f| {
                        let mut props: Vec<(String, Value)> = f
                            .props
                            .into_iter()
                            .map(|(k, v)| {
                                let v = match v {
                                    mvt_decode::Prop::Str(s) => Value::String(s.into()),
                                    mvt_decode::Prop::Num(x) if x.fract() == 0.0 => {
                                        Value::Int(x as i64)
                                    }
                                    mvt_decode::Prop::Num(x) => Value::Float(x),
                                    mvt_decode::Prop::Bool(b) => Value::Bool(b),
                                };
                                (k, v)
                            })
                            .collect();
                        props.sort_by(|a, b| a.0.cmp(&b.0));
                        FeatureContent {
                            id: f.id,
                            kind: match f.kind {
                                1 => GeomKind::Point,
                                2 => GeomKind::Line,
                                _ => GeomKind::Polygon,
                            },
                            props,
                            parts: f
                                .parts
                                .into_iter()
                                .map(|p| p.into_iter().map(|[x, y]| [x as i32, y as i32]).collect())
                                .collect(),
                        }
                    })
                    .collect();
                (l.name, features)
            })
            .collect(),
    }
}

fn encode_ours(tile: &TileContent) -> Vec<u8> {
    let mut out = Vec::new();
    let mut geometry = GeometryWriter::default();
    for (name, features) in &tile.layers {
        let mut layer = LayerEncoder::new(name, tile.extent);
        for f in features {
            geometry.clear();
            match f.kind {
                GeomKind::Point => geometry.points(&f.parts.concat()),
                GeomKind::Line => f.parts.iter().for_each(|p| geometry.line(p)),
                GeomKind::Polygon => f.parts.iter().for_each(|p| geometry.ring(p)),
            }
            layer.add_feature(
                f.id,
                f.kind,
                f.props.iter().map(|(k, v)| (k.as_str(), v)),
                &geometry,
            );
        }
        layer.finish_into(&mut out);
    }
    out
}

fn encode_mvt_crate(tile: &TileContent) -> Result<Vec<u8>, mvt::Error> {
    let mut out = mvt::Tile::new(tile.extent);
    for (name, features) in &tile.layers {
        let mut layer = out.create_layer(name);
        for f in features {
            let mut geometry = mvt::GeomEncoder::<i32>::new(match f.kind {
                GeomKind::Point => mvt::GeomType::Point,
                GeomKind::Line => mvt::GeomType::Linestring,
                GeomKind::Polygon => mvt::GeomType::Polygon,
            });
            for part in &f.parts {
                for &[x, y] in part {
                    geometry.add_point(x, y)?;
                }
                if f.kind != GeomKind::Point {
                    geometry.complete_geom()?;
                }
            }
            let mut feature = layer.into_feature(geometry.encode()?);
            feature.set_id(f.id);
            for (k, v) in &f.props {
                match v {
                    Value::String(s) => feature.add_tag_string(k, s),
                    Value::Int(i) if *i >= 0 => feature.add_tag_uint(k, *i as u64),
                    Value::Int(i) => feature.add_tag_sint(k, *i),
                    Value::Float(x) => feature.add_tag_double(k, *x),
                    Value::Bool(b) => feature.add_tag_bool(k, *b),
                    Value::Null => {}
                }
            }
            layer = feature.into_layer();
        }
        out.add_layer(layer)?;
    }
    out.to_bytes()
}

fn mvt_encoding(c: &mut Criterion) {
    let provinces = provinces();
    let synthetic = synthetic();
    let cases = [
        ("provinces_z0", &provinces, TileCoord { z: 0, x: 0, y: 0 }),
        (
            "provinces_z6_kabul",
            &provinces,
            TileCoord { z: 6, x: 44, y: 25 },
        ),
        (
            "synthetic_z0_16200_cells",
            &synthetic,
            TileCoord { z: 0, x: 0, y: 0 },
        ),
        ("synthetic_z4", &synthetic, TileCoord { z: 4, x: 11, y: 6 }),
    ];
    let mut g = c.benchmark_group("mvt_encode");
    g.sample_size(20);
    for (name, layer, coord) in cases {
        let refs = [layer.tile_layer(None)];
        let content = tile_content(&tile::render(&refs, coord).raw);
        let ours = encode_ours(&content);
        let theirs = encode_mvt_crate(&content).expect("mvt crate encodes");
        // Strictly valid both ways? decode_strict panics on the first violation.
        let (a, b) = (
            mvt_decode::decode_strict(&ours),
            mvt_decode::decode_strict(&theirs),
        );
        let count = |layers: &[mvt_decode::DecodedLayer]| -> (usize, usize) {
            layers
                .iter()
                .flat_map(|l| &l.features)
                .fold((0, 0), |(f, v), x| {
                    (f + 1, v + x.parts.iter().map(Vec::len).sum::<usize>())
                })
        };
        let same_geometry = a.iter().zip(&b).all(|(x, y)| {
            x.features
                .iter()
                .zip(&y.features)
                .all(|(p, q)| p.parts == q.parts)
        });
        eprintln!(
            "mvt {name}: ours {} bytes {:?} (features, vertices); crate {} bytes {:?}; same geometry: {same_geometry}",
            ours.len(),
            count(&a),
            theirs.len(),
            count(&b)
        );
        g.bench_function(format!("{name}/ours"), |b| b.iter(|| encode_ours(&content)));
        g.bench_function(format!("{name}/mvt_crate"), |b| {
            b.iter(|| encode_mvt_crate(&content))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    label_bench,
    spatial_join,
    areas_and_validity,
    geojson_writing,
    mvt_encoding
);
criterion_main!(benches);
