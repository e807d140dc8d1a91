//! An independent MVT decoder for tests: prost message types written from the
//! vector_tile.proto of the MVT 2.1 specification (not from our encoder), plus a strict
//! checker of the specification's geometry and layer rules.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};

#[derive(Clone, PartialEq, prost::Message)]
pub struct Tile {
    #[prost(message, repeated, tag = "3")]
    pub layers: Vec<Layer>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    #[prost(string, optional, tag = "1")]
    pub string_value: Option<String>,
    #[prost(float, optional, tag = "2")]
    pub float_value: Option<f32>,
    #[prost(double, optional, tag = "3")]
    pub double_value: Option<f64>,
    #[prost(int64, optional, tag = "4")]
    pub int_value: Option<i64>,
    #[prost(uint64, optional, tag = "5")]
    pub uint_value: Option<u64>,
    #[prost(sint64, optional, tag = "6")]
    pub sint_value: Option<i64>,
    #[prost(bool, optional, tag = "7")]
    pub bool_value: Option<bool>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Feature {
    #[prost(uint64, optional, tag = "1")]
    pub id: Option<u64>,
    #[prost(uint32, repeated, tag = "2")]
    pub tags: Vec<u32>,
    #[prost(int32, optional, tag = "3")]
    pub r#type: Option<i32>,
    #[prost(uint32, repeated, tag = "4")]
    pub geometry: Vec<u32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Layer {
    #[prost(uint32, required, tag = "15")]
    pub version: u32,
    #[prost(string, required, tag = "1")]
    pub name: String,
    #[prost(message, repeated, tag = "2")]
    pub features: Vec<Feature>,
    #[prost(string, repeated, tag = "3")]
    pub keys: Vec<String>,
    #[prost(message, repeated, tag = "4")]
    pub values: Vec<Value>,
    #[prost(uint32, optional, tag = "5")]
    pub extent: Option<u32>,
}

/// A decoded attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Prop {
    Str(String),
    Num(f64),
    Bool(bool),
}

impl Prop {
    pub fn str(&self) -> &str {
        match self {
            Prop::Str(s) => s,
            other => panic!("expected a string, got {other:?}"),
        }
    }
}

/// A decoded, checked feature.
#[derive(Clone, Debug)]
pub struct DecodedFeature {
    pub id: u64,
    pub kind: i32,
    pub props: HashMap<String, Prop>,
    /// Points, lines, or rings (open: without the closing point), in tile coordinates.
    pub parts: Vec<Vec<[i64; 2]>>,
    /// For polygons: signed area (y down, positive = exterior) of each ring.
    pub ring_areas: Vec<f64>,
}

impl DecodedFeature {
    pub fn area(&self) -> f64 {
        self.ring_areas.iter().sum()
    }
}

pub struct DecodedLayer {
    pub name: String,
    pub extent: u32,
    pub features: Vec<DecodedFeature>,
}

impl DecodedLayer {
    pub fn find(&self, key: &str, value: &str) -> Option<&DecodedFeature> {
        self.features.iter().find(|f| {
            f.props
                .get(key)
                .map(|p| p == &Prop::Str(value.into()))
                .unwrap_or(false)
        })
    }
}

fn unzigzag(v: u32) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn area2(ring: &[[i64; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| ring[i][0] * ring[(i + 1) % n][1] - ring[(i + 1) % n][0] * ring[i][1])
        .sum()
}

/// Decode a tile (gzipped or not) and check every MVT 2.1 rule we rely on; panics with a
/// description of the first violation.
pub fn decode_strict(bytes: &[u8]) -> Vec<DecodedLayer> {
    let raw = if bytes.starts_with(&[0x1f, 0x8b]) {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("gzip");
        out
    } else {
        bytes.to_vec()
    };
    let tile = <Tile as prost::Message>::decode(raw.as_slice())
        .expect("tile decodes as vector_tile.proto");
    let mut names = HashSet::new();
    tile.layers
        .iter()
        .map(|layer| {
            assert!(
                names.insert(layer.name.clone()),
                "layer name {} repeated",
                layer.name
            );
            assert_eq!(layer.version, 2, "layer {} version", layer.name);
            let keys: HashSet<&String> = layer.keys.iter().collect();
            assert_eq!(
                keys.len(),
                layer.keys.len(),
                "layer {} has duplicate keys",
                layer.name
            );
            for (i, a) in layer.values.iter().enumerate() {
                let set = [
                    a.string_value.is_some(),
                    a.float_value.is_some(),
                    a.double_value.is_some(),
                    a.int_value.is_some(),
                    a.uint_value.is_some(),
                    a.sint_value.is_some(),
                    a.bool_value.is_some(),
                ];
                assert_eq!(
                    set.iter().filter(|s| **s).count(),
                    1,
                    "value {i} must hold exactly one field"
                );
                for b in &layer.values[i + 1..] {
                    assert_ne!(a, b, "layer {} has duplicate values", layer.name);
                }
            }
            let extent = layer.extent.unwrap_or(4096);
            let mut ids = HashSet::new();
            let features = layer
                .features
                .iter()
                .map(|f| {
                    let id = f.id.expect("feature has an id");
                    assert!(
                        ids.insert(id),
                        "feature id {id} repeated in layer {}",
                        layer.name
                    );
                    assert!(f.tags.len() % 2 == 0, "odd tag count");
                    let mut props = HashMap::new();
                    for t in f.tags.chunks(2) {
                        let k = layer.keys.get(t[0] as usize).expect("key index in range");
                        let v = layer
                            .values
                            .get(t[1] as usize)
                            .expect("value index in range");
                        let p = if let Some(s) = &v.string_value {
                            Prop::Str(s.clone())
                        } else if let Some(b) = v.bool_value {
                            Prop::Bool(b)
                        } else if let Some(x) = v.double_value {
                            Prop::Num(x)
                        } else if let Some(x) = v.float_value {
                            Prop::Num(x as f64)
                        } else if let Some(x) = v.int_value {
                            Prop::Num(x as f64)
                        } else if let Some(x) = v.uint_value {
                            Prop::Num(x as f64)
                        } else if let Some(x) = v.sint_value {
                            Prop::Num(x as f64)
                        } else {
                            unreachable!()
                        };
                        assert!(
                            props.insert(k.clone(), p).is_none(),
                            "key {k} twice in one feature"
                        );
                    }
                    let kind = f.r#type.expect("feature has a type");
                    let (parts, ring_areas) = decode_geometry(kind, &f.geometry, id);
                    DecodedFeature {
                        id,
                        kind,
                        props,
                        parts,
                        ring_areas,
                    }
                })
                .collect();
            DecodedLayer {
                name: layer.name.clone(),
                extent,
                features,
            }
        })
        .collect()
}

fn decode_geometry(kind: i32, g: &[u32], id: u64) -> (Vec<Vec<[i64; 2]>>, Vec<f64>) {
    let mut i = 0;
    let mut cursor = [0i64; 2];
    let mut parts: Vec<Vec<[i64; 2]>> = Vec::new();
    let mut areas = Vec::new();
    let read_points = |i: &mut usize, n: usize, cursor: &mut [i64; 2]| -> Vec<[i64; 2]> {
        let mut pts = Vec::new();
        for _ in 0..n {
            let dx = unzigzag(g[*i]);
            let dy = unzigzag(g[*i + 1]);
            *i += 2;
            cursor[0] += dx;
            cursor[1] += dy;
            pts.push(*cursor);
        }
        pts
    };
    assert!(!g.is_empty(), "feature {id}: empty geometry");
    while i < g.len() {
        let cmd = g[i] & 7;
        let count = (g[i] >> 3) as usize;
        i += 1;
        match kind {
            1 => {
                assert_eq!(cmd, 1, "feature {id}: point geometry must be MoveTo");
                assert!(count >= 1);
                assert!(parts.is_empty(), "feature {id}: points must be one MoveTo");
                parts.push(read_points(&mut i, count, &mut cursor));
            }
            2 | 3 => {
                assert_eq!(cmd, 1, "feature {id}: part must start with MoveTo");
                assert_eq!(
                    count, 1,
                    "feature {id}: MoveTo count must be 1 for lines and polygons"
                );
                let mut pts = read_points(&mut i, 1, &mut cursor);
                let lt = g[i];
                assert_eq!(lt & 7, 2, "feature {id}: MoveTo must be followed by LineTo");
                let n = (lt >> 3) as usize;
                i += 1;
                let more = read_points(&mut i, n, &mut cursor);
                let mut prev = pts[0];
                for p in &more {
                    assert_ne!(*p, prev, "feature {id}: zero-length LineTo");
                    prev = *p;
                }
                pts.extend(more);
                if kind == 2 {
                    assert!(pts.len() >= 2);
                } else {
                    assert!(
                        pts.len() >= 3,
                        "feature {id}: ring with {} points",
                        pts.len()
                    );
                    assert_ne!(
                        pts[0],
                        *pts.last().unwrap(),
                        "feature {id}: ring repeats its closing point"
                    );
                    assert_eq!(
                        g[i],
                        7 | (1 << 3),
                        "feature {id}: ring must end with ClosePath(1)"
                    );
                    i += 1;
                    let a = area2(&pts);
                    assert_ne!(a, 0, "feature {id}: zero-area ring");
                    if areas.is_empty() {
                        assert!(
                            a > 0,
                            "feature {id}: first ring must be exterior (positive area, y down), got {a}"
                        );
                    }
                    areas.push(a as f64 / 2.0);
                }
                parts.push(pts);
            }
            other => panic!("feature {id}: unknown geometry type {other}"),
        }
    }
    (parts, areas)
}
