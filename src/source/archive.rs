//! Tile archives as layer sources: a PMTiles v3 or MBTiles file (a basemap, or an archive
//! made with tippecanoe) is served through the same tile URLs as a GeoJSON layer; its stored
//! tiles are passed through, decompressed, so they can be concatenated with cut tiles.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value as Json;

use crate::error::LoadError;
use crate::geometry::TileCoord;

/// Which kind of archive a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveFormat {
    Pmtiles,
    Mbtiles,
}

impl ArchiveFormat {
    /// The format a file name says, if it names an archive.
    pub fn of_path(path: &Path) -> Option<ArchiveFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "pmtiles" => Some(ArchiveFormat::Pmtiles),
            "mbtiles" => Some(ArchiveFormat::Mbtiles),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ArchiveFormat::Pmtiles => "pmtiles",
            ArchiveFormat::Mbtiles => "mbtiles",
        }
    }
}

/// What an archive's tiles are: vector tiles, which borderland concatenates with the tiles it
/// cuts, or pictures (a hillshade, a basemap), which it serves as they are under their own URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileFormat {
    Mvt,
    Png,
    Jpeg,
    Webp,
}

impl TileFormat {
    /// The PMTiles header's tile type (1 MVT, 2 PNG, 3 JPEG, 4 WebP).
    pub fn of_pmtiles_type(t: u8) -> Option<TileFormat> {
        match t {
            1 => Some(TileFormat::Mvt),
            2 => Some(TileFormat::Png),
            3 => Some(TileFormat::Jpeg),
            4 => Some(TileFormat::Webp),
            _ => None,
        }
    }

    /// The MBTiles `format` metadata value (`pbf`, `png`, `jpg`, `webp`).
    pub fn of_mbtiles_format(f: &str) -> Option<TileFormat> {
        match f.trim().to_ascii_lowercase().as_str() {
            "pbf" | "mvt" => Some(TileFormat::Mvt),
            "png" => Some(TileFormat::Png),
            "jpg" | "jpeg" => Some(TileFormat::Jpeg),
            "webp" => Some(TileFormat::Webp),
            _ => None,
        }
    }

    /// Raster tiles (pictures), not vector tiles.
    pub fn is_raster(self) -> bool {
        self != TileFormat::Mvt
    }

    /// The file extension of a tile URL and TileJSON's `format`.
    pub fn extension(self) -> &'static str {
        match self {
            TileFormat::Mvt => "mvt",
            TileFormat::Png => "png",
            TileFormat::Jpeg => "jpg",
            TileFormat::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            TileFormat::Mvt => "application/vnd.mapbox-vector-tile",
            TileFormat::Png => "image/png",
            TileFormat::Jpeg => "image/jpeg",
            TileFormat::Webp => "image/webp",
        }
    }
}

/// What an archive says about itself (TileJSON fields).
#[derive(Clone, Debug, Default)]
pub struct ArchiveMetadata {
    pub name: Option<String>,
    pub description: Option<String>,
    pub attribution: Option<String>,
    /// The TileJSON `vector_layers` entries, as the archive stores them.
    pub vector_layers: Vec<Json>,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// `[west, south, east, north]` in degrees.
    pub bounds: [f64; 4],
}

/// A tile that could not be read from an archive.
#[derive(Debug)]
pub struct ArchiveError(pub String);

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ArchiveError {}

/// An open archive.
pub struct Archive {
    pub format: ArchiveFormat,
    pub path: PathBuf,
    pub metadata: ArchiveMetadata,
    /// What its tiles are.
    pub tiles: TileFormat,
    /// Bytes that change when the archive does (for the data version).
    pub fingerprint: Vec<u8>,
    reader: Reader,
}

impl fmt::Debug for Archive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Archive")
            .field("format", &self.format)
            .field("path", &self.path)
            .field("metadata", &self.metadata)
            .finish()
    }
}

enum Reader {
    Pmtiles(PmtilesReader),
    /// SQLite connections are not shareable between threads; reads are short.
    Mbtiles(Mutex<rusqlite::Connection>),
}

impl Archive {
    /// Open an archive and read its metadata; errors name the file and what is wrong.
    pub fn open(path: &Path) -> Result<Archive, LoadError> {
        match ArchiveFormat::of_path(path) {
            Some(ArchiveFormat::Pmtiles) => open_pmtiles(path),
            Some(ArchiveFormat::Mbtiles) => open_mbtiles(path),
            None => Err(LoadError::new(
                path,
                "not a tile archive (expected .pmtiles or .mbtiles)",
            )),
        }
    }

    /// The tile at `coord`, decompressed (plain MVT bytes, or the picture's own bytes); `None`
    /// where the archive has none.
    pub fn tile(&self, coord: TileCoord) -> Result<Option<Vec<u8>>, ArchiveError> {
        let stored = match &self.reader {
            Reader::Pmtiles(r) => r.tile(coord),
            Reader::Mbtiles(conn) => mbtiles_tile(conn, coord),
        }
        .map_err(|e| ArchiveError(format!("{}: tile {coord}: {e}", self.path.display())))?;
        match stored {
            Some(bytes) if !bytes.is_empty() => decompress(bytes)
                .map(Some)
                .map_err(|e| ArchiveError(format!("{}: tile {coord}: {e}", self.path.display()))),
            _ => Ok(None),
        }
    }
}

/// Gunzip when the bytes are gzip (MBTiles does not say; PMTiles headers can lie).
fn decompress(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot gunzip: {e}"))?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

fn vector_layers_of(json: &Json) -> Vec<Json> {
    json.get("vector_layers")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// PMTiles v3: a 127-byte header, gzip-compressed directories of varints, tiles addressed by
// Hilbert tile id. https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md

const PMTILES_HEADER: usize = 127;
const MAX_DIRECTORY_DEPTH: usize = 4;

struct PmtilesReader {
    file: Mutex<File>,
    root: Vec<DirEntry>,
    leaf_offset: u64,
    data_offset: u64,
    internal_gzip: bool,
    /// Leaf directories already read, by offset.
    leaves: Mutex<std::collections::HashMap<u64, std::sync::Arc<Vec<DirEntry>>>>,
}

#[derive(Clone, Copy, Debug)]
struct DirEntry {
    tile_id: u64,
    offset: u64,
    length: u64,
    run_length: u32,
}

fn read_at(file: &Mutex<File>, offset: u64, len: u64) -> Result<Vec<u8>, String> {
    use std::io::{Seek, SeekFrom};
    let mut f = file
        .lock()
        .map_err(|_| "the archive's file lock is poisoned".to_string())?;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| format!("cannot seek to {offset}: {e}"))?;
    let mut buf = vec![0; len as usize];
    f.read_exact(&mut buf)
        .map_err(|e| format!("cannot read {len} bytes at {offset}: {e}"))?;
    Ok(buf)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

fn i32_at(b: &[u8], at: usize) -> i32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    i32::from_le_bytes(w)
}

fn varint(b: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*pos).ok_or("directory ends inside a number")?;
        *pos += 1;
        v |= ((byte & 0x7f) as u64) << shift;
        if byte < 0x80 {
            return Ok(v);
        }
    }
    Err("a number in the directory is too long".into())
}

fn parse_directory(b: &[u8]) -> Result<Vec<DirEntry>, String> {
    let mut pos = 0;
    let n = varint(b, &mut pos)? as usize;
    if n > b.len() {
        return Err(format!("directory claims {n} entries in {} bytes", b.len()));
    }
    let mut entries = vec![
        DirEntry {
            tile_id: 0,
            offset: 0,
            length: 0,
            run_length: 0
        };
        n
    ];
    let mut last = 0u64;
    for e in entries.iter_mut() {
        last = last
            .checked_add(varint(b, &mut pos)?)
            .ok_or("tile id overflows")?;
        e.tile_id = last;
    }
    for e in entries.iter_mut() {
        e.run_length = u32::try_from(varint(b, &mut pos)?).map_err(|_| "run length too large")?;
    }
    for e in entries.iter_mut() {
        e.length = varint(b, &mut pos)?;
    }
    for i in 0..n {
        let v = varint(b, &mut pos)?;
        entries[i].offset = if v == 0 && i > 0 {
            entries[i - 1].offset + entries[i - 1].length
        } else {
            v.saturating_sub(1)
        };
    }
    Ok(entries)
}

/// The entry covering `tile_id`: the last one that starts at or before it.
fn find_entry(entries: &[DirEntry], tile_id: u64) -> Option<DirEntry> {
    let i = entries.partition_point(|e| e.tile_id <= tile_id);
    let e = *entries.get(i.checked_sub(1)?)?;
    if e.run_length == 0 || tile_id < e.tile_id + e.run_length as u64 {
        Some(e)
    } else {
        None
    }
}

/// The PMTiles tile id (position on the Hilbert curve, counted over all lower zooms).
pub fn pmtiles_tile_id(c: TileCoord) -> u64 {
    let base = ((1u64 << (2 * c.z as u32)) - 1) / 3;
    let n = 1u64 << c.z;
    let (mut x, mut y) = (c.x as u64, c.y as u64);
    let mut d = 0u64;
    let mut s = n / 2;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    base + d
}

impl PmtilesReader {
    fn directory(&self, offset: u64, length: u64) -> Result<Vec<DirEntry>, String> {
        let bytes = read_at(&self.file, offset, length)?;
        let bytes = if self.internal_gzip {
            decompress(bytes)?
        } else {
            bytes
        };
        parse_directory(&bytes)
    }

    fn tile(&self, coord: TileCoord) -> Result<Option<Vec<u8>>, String> {
        let id = pmtiles_tile_id(coord);
        let mut entry = find_entry(&self.root, id);
        for _ in 0..MAX_DIRECTORY_DEPTH {
            let Some(e) = entry else { return Ok(None) };
            if e.run_length > 0 {
                return read_at(&self.file, self.data_offset + e.offset, e.length).map(Some);
            }
            let offset = self.leaf_offset + e.offset;
            let cached = self
                .leaves
                .lock()
                .ok()
                .and_then(|m| m.get(&offset).cloned());
            let leaf = match cached {
                Some(l) => l,
                None => {
                    let l = std::sync::Arc::new(self.directory(offset, e.length)?);
                    if let Ok(mut m) = self.leaves.lock() {
                        if m.len() > 4096 {
                            m.clear();
                        }
                        m.insert(offset, std::sync::Arc::clone(&l));
                    }
                    l
                }
            };
            entry = find_entry(&leaf, id);
        }
        Err("leaf directories nest too deep".into())
    }
}

fn open_pmtiles(path: &Path) -> Result<Archive, LoadError> {
    let err = |m: String| LoadError::new(path, m);
    let file = File::open(path).map_err(|e| LoadError::io(path, e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let file = Mutex::new(file);
    let header = read_at(&file, 0, PMTILES_HEADER as u64).map_err(|e| {
        err(format!(
            "not a PMTiles archive: the file is shorter than a header ({e})"
        ))
    })?;
    if &header[..7] != b"PMTiles" {
        return Err(err(
            "not a PMTiles archive (no 'PMTiles' magic bytes)".into()
        ));
    }
    if header[7] != 3 {
        return Err(err(format!(
            "PMTiles version {} is not supported (only version 3; convert with `pmtiles convert`)",
            header[7]
        )));
    }
    let internal = header[97];
    let tile_type = header[99];
    if internal > 2 {
        return Err(err(format!(
            "the archive's directories use compression {internal} (brotli or zstd); only gzip or none is supported"
        )));
    }
    let Some(tiles) = TileFormat::of_pmtiles_type(tile_type) else {
        return Err(err(format!(
            "the archive holds tile type {tile_type}, which borderland does not serve (MVT, PNG, JPEG or WebP: types 1 to 4)"
        )));
    };
    if header[98] > 2 {
        return Err(err(format!(
            "the archive's tiles use compression {} (brotli or zstd); only gzip or none is supported",
            header[98]
        )));
    }
    let mut reader = PmtilesReader {
        file,
        root: Vec::new(),
        leaf_offset: u64_at(&header, 40),
        data_offset: u64_at(&header, 56),
        internal_gzip: internal == 2,
        leaves: Default::default(),
    };
    reader.root = reader
        .directory(u64_at(&header, 8), u64_at(&header, 16))
        .map_err(|e| err(format!("cannot read the root directory: {e}")))?;
    let meta_bytes = read_at(&reader.file, u64_at(&header, 24), u64_at(&header, 32))
        .and_then(|b| {
            if reader.internal_gzip {
                decompress(b)
            } else {
                Ok(b)
            }
        })
        .map_err(|e| err(format!("cannot read the metadata: {e}")))?;
    let json: Json = if meta_bytes.is_empty() {
        Json::Object(Default::default())
    } else {
        serde_json::from_slice(&meta_bytes)
            .map_err(|e| err(format!("the metadata is not JSON: {e}")))?
    };
    let e7 = |at: usize| i32_at(&header, at) as f64 / 1e7;
    let text = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let metadata = ArchiveMetadata {
        name: text("name"),
        description: text("description"),
        attribution: text("attribution"),
        vector_layers: vector_layers_of(&json),
        minzoom: header[100],
        maxzoom: header[101],
        bounds: [e7(102), e7(106), e7(110), e7(114)],
    };
    let mut fingerprint = header.clone();
    fingerprint.extend_from_slice(&size.to_le_bytes());
    fingerprint.extend_from_slice(&meta_bytes);
    Ok(Archive {
        format: ArchiveFormat::Pmtiles,
        path: path.to_path_buf(),
        metadata,
        tiles,
        fingerprint,
        reader: Reader::Pmtiles(reader),
    })
}

// ---------------------------------------------------------------------------------------
// MBTiles 1.3: SQLite with `tiles(zoom_level, tile_column, tile_row, tile_data)` in the TMS
// scheme (row 0 at the south) and a `metadata(name, value)` table.

fn mbtiles_tile(
    conn: &Mutex<rusqlite::Connection>,
    c: TileCoord,
) -> Result<Option<Vec<u8>>, String> {
    use rusqlite::OptionalExtension;
    let conn = conn
        .lock()
        .map_err(|_| "the archive's connection lock is poisoned".to_string())?;
    let row = (1u64 << c.z) - 1 - c.y as u64;
    conn.prepare_cached(
        "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
    )
    .and_then(|mut stmt| {
        stmt.query_row((c.z as i64, c.x as i64, row as i64), |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .optional()
    })
    .map_err(|e| format!("cannot read the tile: {e}"))
}

fn open_mbtiles(path: &Path) -> Result<Archive, LoadError> {
    use rusqlite::OpenFlags;
    let err = |m: String| LoadError::new(path, m);
    if !path.exists() {
        return Err(LoadError::new(path, "file not found"));
    }
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| err(format!("cannot open as SQLite: {e}")))?;
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT name, value FROM metadata")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()
        })
        .map_err(|e| {
            err(format!(
                "not an MBTiles archive: cannot read its metadata table ({e})"
            ))
        })?;
    let get = |k: &str| rows.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    // An archive that does not say is taken to hold vector tiles, as before MBTiles 1.3.
    let tiles = match get("format") {
        None => TileFormat::Mvt,
        Some(format) => TileFormat::of_mbtiles_format(&format).ok_or_else(|| {
            err(format!(
                "the archive holds '{format}' tiles, which borderland does not serve (format pbf, png, jpg or webp)"
            ))
        })?,
    };
    let json: Json = match get("json") {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| err(format!("the metadata row 'json' is not JSON: {e}")))?,
        None => Json::Null,
    };
    let zoom = |k: &str, sql: &str| -> u8 {
        get(k)
            .and_then(|v| v.trim().parse::<u8>().ok())
            .or_else(|| {
                conn.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
                    .ok()
                    .flatten()
                    .and_then(|z| u8::try_from(z).ok())
            })
            .unwrap_or(0)
    };
    let minzoom = zoom("minzoom", "SELECT min(zoom_level) FROM tiles");
    let maxzoom = zoom("maxzoom", "SELECT max(zoom_level) FROM tiles");
    let bounds = get("bounds")
        .and_then(|b| {
            let v: Vec<f64> = b.split(',').filter_map(|p| p.trim().parse().ok()).collect();
            <[f64; 4]>::try_from(v).ok()
        })
        .unwrap_or([-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59]);
    let metadata = ArchiveMetadata {
        name: get("name"),
        description: get("description"),
        attribution: get("attribution"),
        vector_layers: vector_layers_of(&json),
        minzoom,
        maxzoom,
        bounds,
    };
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut fingerprint = size.to_le_bytes().to_vec();
    for (k, v) in &rows {
        fingerprint.extend_from_slice(k.as_bytes());
        fingerprint.extend_from_slice(v.as_bytes());
    }
    if let Ok(modified) = std::fs::metadata(path).and_then(|m| m.modified())
        && let Ok(d) = modified.duration_since(std::time::UNIX_EPOCH)
    {
        fingerprint.extend_from_slice(&d.as_nanos().to_le_bytes());
    }
    Ok(Archive {
        format: ArchiveFormat::Mbtiles,
        path: path.to_path_buf(),
        metadata,
        tiles,
        fingerprint,
        reader: Reader::Mbtiles(Mutex::new(conn)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_ids_follow_the_pmtiles_hilbert_curve() {
        for z in 0..6u8 {
            for x in 0..(1u32 << z) {
                for y in 0..(1u32 << z) {
                    let ours = pmtiles_tile_id(TileCoord { z, x, y });
                    let theirs = pmtiles::TileId::from(
                        pmtiles::TileCoord::new(z, x, y).expect("valid coordinate"),
                    )
                    .value();
                    assert_eq!(ours, theirs, "{z}/{x}/{y}");
                }
            }
        }
    }

    #[test]
    fn a_directory_round_trips_run_lengths_and_contiguous_offsets() {
        // Two entries: ids 0 and 5 (delta 5), runs 1 and 3, lengths 10 and 20, offsets 0
        // (written as 0 + 1) and contiguous (written as 0).
        let bytes = [2, 0, 5, 1, 3, 10, 20, 1, 0];
        let d = parse_directory(&bytes).expect("parses");
        assert_eq!(d[1].tile_id, 5);
        assert_eq!(d[1].offset, 10);
        assert!(find_entry(&d, 7).is_some());
        assert!(find_entry(&d, 8).is_none());
        assert!(find_entry(&d, 3).is_none());
    }
}
