#!/usr/bin/env python3
"""PostGIS benchmark: tiles cut in the database (ST_AsMVT, what `borderland serve
postgresql://…` does), before and after `--prepare-database`, against Martin on the same
tables, the alternative of fetching rows as WKB for borderland's own tiler, and borderland's
in-memory file layer on the same data. Same machine, same run, uncached, sequential.
Writes Markdown to stdout for BENCHMARKS.md.

    cargo build --release
    python3 benches/postgis.py [--cluster URL] [--reuse] [--martin PATH]

Needs PostgreSQL with PostGIS (.ci/postgis starts a throwaway cluster), psql and ogr2ogr.
Data, all SYNTHETIC: the 40 MB provinces of `cargo run --release --example synth`, 100,000
points over the Afghanistan–Pakistan region, and 1,000,000 dated incident rows for the
time-windowed join.

"WKB fetch" times only what that design cannot avoid: the database selecting the tile's rows
and sending them as WKB (psql, output discarded). It is a lower bound: the tiler's own work
(parse, index, cut) would come on top.
"""

import argparse
import http.client
import math
import shutil
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "borderland")
REGION = (60.0, 23.0, 78.0, 39.0)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def psql(url, sql):
    return run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]).stdout.strip()


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tiles_over(bbox, zooms):
    w, s, e, n = bbox
    out = []
    for z in zooms:
        x0, y0 = tile_of(w, n, z)
        x1, y1 = tile_of(e, s, z)
        out += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return out


def all_tiles(zooms):
    return [(z, x, y) for z in zooms for x in range(2 ** z) for y in range(2 ** z)]


class Server:
    def __init__(self, args, cwd=ROOT):
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [BIN] + args + ["--listen", "127.0.0.1:0", "--watch-secs", "0", "--cache-mb", "1"],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()
        self.ready = time.perf_counter() - self.started
        self.port = int(line.rsplit(":", 1)[1].strip().strip("/"))
        self.path = "/tiles/{layer}/{z}/{x}/{y}.mvt"

    def time_tiles(self, layer, tiles, query=""):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        started = time.perf_counter()
        total = 0
        worst = 0.0
        for z, x, y in tiles:
            t0 = time.perf_counter()
            conn.request("GET", self.path.format(layer=layer, z=z, x=x, y=y) + query,
                         headers={"Accept-Encoding": "gzip"})
            r = conn.getresponse()
            body = r.read()
            if r.status not in (200, 204):
                raise RuntimeError(f"{layer} {z}/{x}/{y}: {r.status} {body[:200]}")
            worst = max(worst, time.perf_counter() - t0)
            total += len(body)
        return time.perf_counter() - started, total, worst

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Martin(Server):
    """Martin auto-publishing the same database, its tile cache off."""

    def __init__(self, binary, url):
        port = free_port()
        self.proc = subprocess.Popen(
            [binary, "--listen-addresses", f"127.0.0.1:{port}", "--cache-size", "0", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.port = port
        self.path = "/{layer}/{z}/{x}/{y}"
        deadline = time.time() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/catalog")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("martin did not start")
            time.sleep(0.2)
        self.version = run([binary, "--version"]).stdout.strip()


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wkb_fetch(url, table, tiles):
    """The rows of each tile as WKB in Web Mercator, through psql, output discarded."""
    sql = "\\o /dev/null\n"
    for z, x, y in tiles:
        sql += (
            f"SELECT ST_AsBinary(ST_Transform(geom, 3857)), fid FROM {table} WHERE geom && "
            f"ST_Transform((SELECT ST_MakeEnvelope(greatest(ST_XMin(e), -20037508.342789244), "
            f"greatest(ST_YMin(e), -20037508.342789244), least(ST_XMax(e), 20037508.342789244), "
            f"least(ST_YMax(e), 20037508.342789244), 3857) FROM (SELECT ST_TileEnvelope({z}, {x}, {y}, "
            f"margin => 64.0 / 4096) AS e) AS b), 4326);\n"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(sql)
    started = time.perf_counter()
    run(["psql", url, "-q", "-f", f.name])
    os.unlink(f.name)
    return time.perf_counter() - started


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cluster", help="cluster URL (default: .ci/postgis start bench)")
    ap.add_argument("--reuse", action="store_true", help="keep the database of a previous run")
    ap.add_argument("--martin", help="a martin binary to time side by side (default: martin on PATH)")
    args = ap.parse_args()
    martin = args.martin or shutil.which("martin")
    cluster = args.cluster or run([os.path.join(ROOT, ".ci", "postgis"), "start", "bench"]).stdout.strip()
    url = cluster.rsplit("/", 1)[0] + "/borderland_bench"
    tmp = os.path.join(ROOT, "target", "postgis-bench")
    os.makedirs(tmp, exist_ok=True)
    synth = os.path.join(tmp, "provinces_SYNTHETIC.geojson")
    if not args.reuse:
        load(cluster, url, synth)
    rows = []
    catalog = os.path.join(tmp, "layers.toml")
    write_catalog(catalog, url)
    report(url, synth, catalog, rows, martin)
    if not args.cluster and not args.reuse:
        run([os.path.join(ROOT, ".ci", "postgis"), "destroy", "bench"])


def load(cluster, url, synth):
    psql(cluster, "DROP DATABASE IF EXISTS borderland_bench WITH (FORCE)")
    psql(cluster, "CREATE DATABASE borderland_bench")
    psql(url, "CREATE EXTENSION postgis")
    run(["cargo", "run", "--release", "--quiet", "--example", "synth", "--", "provinces", synth], cwd=ROOT)
    rest = url[len("postgresql://"):]
    user_host, db = rest.split("/", 1)
    user, hostport = user_host.split("@")
    host, port = hostport.split(":")
    pg = f"PG:host={host} port={port} user={user} dbname={db}"
    run(["ogr2ogr", "-f", "PostgreSQL", pg, synth, "-nln", "provinces",
         "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid"])
    w, s, e, n = REGION
    psql(url, f"""
        SELECT setseed(0.42);
        CREATE TABLE points AS
          SELECT i AS fid, 'SYNTHETIC' AS label, (i % 50) AS value,
                 ST_SetSRID(ST_MakePoint({w} + random() * {e - w}, {s} + random() * {n - s}), 4326) AS geom
          FROM generate_series(1, 100000) AS i;
        -- A typed column (SRID in geometry_columns): Martin publishes only those.
        ALTER TABLE points ALTER COLUMN geom TYPE geometry(Point, 4326);
        ALTER TABLE points ADD PRIMARY KEY (fid);
        CREATE INDEX ON points USING gist (geom);
        CREATE TABLE incidents AS
          SELECT i AS id, 'SYNTHETIC ' || (i % 5) AS armed_group,
                 DATE '2020-01-01' + (i % 2190) AS event_date, (i % 7) AS fatalities,
                 'SYNTHETIC source' AS source,
                 ST_SetSRID(ST_MakePoint({w} + random() * {e - w}, {s} + random() * {n - s}), 4326) AS geom
          FROM generate_series(1, 1000000) AS i;
        ALTER TABLE incidents ALTER COLUMN geom TYPE geometry(Point, 4326);
        ALTER TABLE incidents ADD PRIMARY KEY (id);
        CREATE INDEX ON incidents USING gist (geom);
        CREATE INDEX ON incidents (event_date);
        ANALYZE;
    """)


def write_catalog(catalog, url):
    with open(catalog, "w") as f:
        f.write(f"""
[[table]]
id = "incidents"
postgres = "{url}"
table = "incidents"
kind = "events"
group = "armed_group"
date = "event_date"
missing_report_date = "SYNTHETIC"

[[layer]]
id = "provinces"
postgres = "{url}"
table = "provinces"
filters = ["date", "group"]

[[layer.join]]
table = "incidents"
""")


def report(url, synth, catalog, rows, martin):
    low = all_tiles(range(0, 5))
    pts = tiles_over(REGION, range(6, 11))
    polys = "SYNTHETIC provinces (40 MB), z0–z4, 341 tiles"
    points = f"100k SYNTHETIC points, z6–z10 over the region, {len(pts)} tiles"
    # Start from the source tables alone: what a first `borderland serve` reads.
    psql(url, "DROP SCHEMA IF EXISTS borderland CASCADE")

    db_server = Server(["serve", url])
    t, size, worst = db_server.time_tiles("provinces", low)
    rows.append((polys, "borderland, database cuts from the source table", t, size, worst))
    t, size, worst = db_server.time_tiles("points", pts)
    rows.append((points, "borderland, database cuts (ST_AsMVT)", t, size, worst))
    db_server.stop()

    if martin:
        m = Martin(martin, url)
        name = m.version.replace("martin ", "Martin ")
        t, size, worst = m.time_tiles("provinces", low)
        rows.append((polys, f"{name}, auto-published table", t, size, worst))
        t, size, worst = m.time_tiles("points", pts)
        rows.append((points, f"{name}, auto-published table", t, size, worst))
        m.stop()

    t = wkb_fetch(url, "provinces", low)
    rows.append((polys, "WKB fetch only (lower bound)", t, None, None))
    t = wkb_fetch(url, "points", pts)
    rows.append((points, "WKB fetch only (lower bound)", t, None, None))

    file_server = Server(["serve", synth])
    t, size, worst = file_server.time_tiles("provinces_SYNTHETIC", low)
    rows.append((polys, "anchor: borderland file layer (in memory)", t, size, worst))
    file_server.stop()

    z5 = tile_of(69.0, 33.0, 5)
    windows = [("2021-01", "2021-12"), ("2023-01", "2023-06"), ("2024", "2025")]
    before = windowed(catalog, z5, windows)

    # Preparing happens before the server listens: its start-up time is the preparation's.
    preparing = Server(["serve", "--config", catalog, "--prepare-database"])
    prepared_in = preparing.ready
    preparing.stop()

    db_server = Server(["serve", url])
    t, size, worst = db_server.time_tiles("provinces", low)
    rows.append((polys, "borderland after `--prepare-database` (simplified per zoom band)", t, size, worst))
    db_server.stop()
    after = windowed(catalog, z5, windows)

    print("| data | how | total s | per tile ms | MB gzipped | slowest tile ms |")
    print("|---|---|---|---|---|---|")
    for data, how, t, size, worst in sorted(rows, key=lambda r: r[0] != polys):
        n_tiles = int(data.split(", ")[-1].split(" ")[0])
        mb = f"{size / 1e6:.1f}" if size is not None else ""
        worst_ms = f"{worst * 1000:.0f}" if worst is not None else ""
        print(f"| {data} | {how} | {t:.2f} | {t / n_tiles * 1000:.1f} | {mb} | {worst_ms} |")
    print()
    print(f"`--prepare-database` (claim areas of 1,000,000 rows, simplified provinces): {prepared_in:.1f} s, once.")
    print()
    print(f"Time-windowed z5 provinces tile {z5[0]}/{z5[1]}, counts recomputed in SQL from 1,000,000 incident rows (uncached):")
    print()
    print("| window | from the source tables | after `--prepare-database` | KB gzipped |")
    print("|---|---|---|---|")
    for (frm, to), b, a in zip(windows, before, after):
        print(f"| `?from={frm}&to={to}` | {b[0]} | {a[0]} | {a[1]} |")


def windowed(catalog, z5, windows):
    """Each window's z5 tile, timed, from a fresh server (so nothing is cached)."""
    out = []
    joined = Server(["serve", "--config", catalog])
    try:
        for frm, to in windows:
            try:
                t, size, worst = joined.time_tiles("provinces", [(5, z5[0], z5[1])], f"?from={frm}&to={to}")
                out.append((f"{t * 1000:.0f} ms", f"{size / 1e3:.0f}"))
            except RuntimeError as e:
                out.append((f"failed: {e}", ""))
    finally:
        joined.stop()
    return out


if __name__ == "__main__":
    sys.exit(main())
