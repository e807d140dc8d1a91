//! Reads the vector tiles the browser gets (MVT 2.1 protobuf) back into features, so a static
//! image is drawn from the same bytes as the map: the same simplification, clustering and
//! filtered attributes.

use std::collections::HashMap;

use super::expression::Val;

/// One decoded feature; geometry in tile units (0..extent), rings and lines as point lists.
#[derive(Debug, Clone)]
pub struct TileFeature {
    pub id: Option<u64>,
    pub geometry_type: &'static str,
    /// Points: one list of all points. Lines: one list per line. Polygons: rings, each
    /// exterior followed by its holes (MVT winding).
    pub parts: Vec<Vec<[f64; 2]>>,
    pub properties: HashMap<String, Val>,
}

/// One layer of a tile.
#[derive(Debug, Clone, Default)]
pub struct TileLayerData {
    pub name: String,
    pub extent: u32,
    pub features: Vec<TileFeature>,
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Reader<'a> {
        Reader { b, pos: 0 }
    }

    fn done(&self) -> bool {
        self.pos >= self.b.len()
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.pos).ok_or("truncated varint")?;
            self.pos += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(v);
            }
        }
        Err("varint too long".into())
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.varint()? as usize;
        let end = self.pos.checked_add(n).ok_or("length overflow")?;
        let s = self.b.get(self.pos..end).ok_or("truncated field")?;
        self.pos = end;
        Ok(s)
    }

    fn fixed(&mut self, n: usize) -> Result<&'a [u8], String> {
        let s = self
            .b
            .get(self.pos..self.pos + n)
            .ok_or("truncated field")?;
        self.pos += n;
        Ok(s)
    }

    /// Skip a field of `wire` type.
    fn skip(&mut self, wire: u64) -> Result<(), String> {
        match wire {
            0 => self.varint().map(|_| ()),
            1 => self.fixed(8).map(|_| ()),
            2 => self.bytes().map(|_| ()),
            5 => self.fixed(4).map(|_| ()),
            w => Err(format!("unknown wire type {w}")),
        }
    }

    fn packed(&mut self) -> Result<Vec<u32>, String> {
        let mut r = Reader::new(self.bytes()?);
        let mut out = Vec::new();
        while !r.done() {
            out.push(r.varint()? as u32);
        }
        Ok(out)
    }
}

/// Decode a whole tile (uncompressed). Layers with the same name (concatenated tiles) stay
/// separate, in order.
pub fn decode(tile: &[u8]) -> Result<Vec<TileLayerData>, String> {
    let mut r = Reader::new(tile);
    let mut layers = Vec::new();
    while !r.done() {
        let key = r.varint()?;
        if key == ((3 << 3) | 2) {
            layers.push(decode_layer(r.bytes()?)?);
        } else {
            r.skip(key & 7)?;
        }
    }
    Ok(layers)
}

struct RawFeature {
    id: Option<u64>,
    tags: Vec<u32>,
    kind: u64,
    geometry: Vec<u32>,
}

fn decode_layer(b: &[u8]) -> Result<TileLayerData, String> {
    let mut r = Reader::new(b);
    let mut layer = TileLayerData {
        extent: 4096,
        ..Default::default()
    };
    let mut keys = Vec::new();
    let mut values = Vec::new();
    let mut raw = Vec::new();
    while !r.done() {
        let key = r.varint()?;
        match key {
            k if k == ((1 << 3) | 2) => {
                layer.name = String::from_utf8_lossy(r.bytes()?).into_owned();
            }
            k if k == ((2 << 3) | 2) => raw.push(r.bytes()?),
            k if k == ((3 << 3) | 2) => {
                keys.push(String::from_utf8_lossy(r.bytes()?).into_owned());
            }
            k if k == ((4 << 3) | 2) => values.push(decode_value(r.bytes()?)?),
            k if k == (5 << 3) => layer.extent = r.varint()? as u32,
            k => r.skip(k & 7)?,
        }
    }
    for bytes in raw {
        let f = decode_feature(bytes)?;
        let mut properties = HashMap::with_capacity(f.tags.len() / 2);
        for pair in f.tags.chunks_exact(2) {
            let (Some(k), Some(v)) = (keys.get(pair[0] as usize), values.get(pair[1] as usize))
            else {
                return Err("feature tag points past the layer's keys or values".into());
            };
            properties.insert(k.clone(), v.clone());
        }
        let geometry_type = match f.kind {
            1 => "Point",
            2 => "LineString",
            3 => "Polygon",
            _ => continue,
        };
        layer.features.push(TileFeature {
            id: f.id,
            geometry_type,
            parts: decode_geometry(&f.geometry, f.kind),
            properties,
        });
    }
    Ok(layer)
}

fn decode_feature(b: &[u8]) -> Result<RawFeature, String> {
    let mut r = Reader::new(b);
    let mut f = RawFeature {
        id: None,
        tags: Vec::new(),
        kind: 0,
        geometry: Vec::new(),
    };
    while !r.done() {
        let key = r.varint()?;
        match key {
            k if k == (1 << 3) => f.id = Some(r.varint()?),
            k if k == ((2 << 3) | 2) => f.tags = r.packed()?,
            k if k == (3 << 3) => f.kind = r.varint()?,
            k if k == ((4 << 3) | 2) => f.geometry = r.packed()?,
            k => r.skip(k & 7)?,
        }
    }
    Ok(f)
}

fn decode_value(b: &[u8]) -> Result<Val, String> {
    let mut r = Reader::new(b);
    let mut v = Val::Null;
    while !r.done() {
        let key = r.varint()?;
        v = match key {
            k if k == ((1 << 3) | 2) => Val::Str(String::from_utf8_lossy(r.bytes()?).into_owned()),
            k if k == ((2 << 3) | 5) => {
                let s = r.fixed(4)?;
                Val::Num(f64::from(f32::from_le_bytes([s[0], s[1], s[2], s[3]])))
            }
            k if k == ((3 << 3) | 1) => {
                let s = r.fixed(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                Val::Num(f64::from_le_bytes(a))
            }
            k if k == (4 << 3) => Val::Num(r.varint()? as i64 as f64),
            k if k == (5 << 3) => Val::Num(r.varint()? as f64),
            k if k == (6 << 3) => {
                let n = r.varint()?;
                Val::Num(((n >> 1) as i64 ^ -((n & 1) as i64)) as f64)
            }
            k if k == (7 << 3) => Val::Bool(r.varint()? != 0),
            k => {
                r.skip(k & 7)?;
                continue;
            }
        };
    }
    Ok(v)
}

/// Commands to point lists: MoveTo starts a part, LineTo extends it, ClosePath closes a ring.
fn decode_geometry(cmds: &[u32], kind: u64) -> Vec<Vec<[f64; 2]>> {
    let mut parts: Vec<Vec<[f64; 2]>> = Vec::new();
    let (mut x, mut y) = (0i64, 0i64);
    let mut i = 0;
    let zig = |v: u32| ((v >> 1) as i64) ^ -((v & 1) as i64);
    while i < cmds.len() {
        let id = cmds[i] & 7;
        let count = (cmds[i] >> 3) as usize;
        i += 1;
        match id {
            1 | 2 => {
                for _ in 0..count {
                    let (Some(&dx), Some(&dy)) = (cmds.get(i), cmds.get(i + 1)) else {
                        return parts;
                    };
                    i += 2;
                    x += zig(dx);
                    y += zig(dy);
                    let p = [x as f64, y as f64];
                    if id == 1 && (kind != 1 || parts.is_empty()) {
                        parts.push(vec![p]);
                    } else if let Some(last) = parts.last_mut() {
                        last.push(p);
                    }
                }
            }
            7 => {
                if let Some(last) = parts.last_mut()
                    && let Some(&first) = last.first()
                {
                    last.push(first);
                }
            }
            _ => return parts,
        }
    }
    parts
}
