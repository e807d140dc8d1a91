#!/usr/bin/env python3
"""Side-by-side HTTP benchmark: borderland against Martin's GeoJSON source, same files, same
machine, same run. Writes a Markdown table to stdout (pasted into BENCHMARKS.md).

    cargo build --release
    python3 benches/compare_martin.py [--martin PATH] [--wrk-seconds 10]

Needs `martin` (cargo install martin@1.14.0 --locked --no-default-features --features geojson)
and `wrk` (Debian package). Data sets: the default provinces, the high-resolution reference
admin-1 file when ../shared/data exists, and the SYNTHETIC 40 MB provinces (generated with
`cargo run --release --example synth`). Everything runs on loopback.
"""

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wait_http(port, path, timeout=120):
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            if r.status == 200:
                return time.perf_counter() - start
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"server on {port} did not answer {path}")


def fetch(conn, path):
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    r = conn.getresponse()
    body = r.read()
    return r.status, len(body)


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    def __init__(self, name, cmd, port, ready_path, tile_path):
        self.name, self.cmd, self.port, self.ready_path, self.tile_path = name, cmd, port, ready_path, tile_path

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ready = wait_http(self.port, self.ready_path)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def url(self, z, x, y):
        return self.tile_path.format(z=z, x=x, y=y)


def servers(binary, martin, path, layer):
    yield Server(
        "borderland",
        [binary, "serve", path, "--listen", "127.0.0.1:18080"],
        18080,
        "/health",
        f"/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt",
    )
    yield Server(
        "martin 1.14",
        [martin, path, "--listen-addresses", "127.0.0.1:18081"],
        18081,
        "/catalog",
        f"/{layer}/{{z}}/{{x}}/{{y}}",
    )


def measure(server, wrk_seconds):
    out = {"ready_s": server.ready}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    t = time.perf_counter()
    status, size = fetch(conn, server.url(0, 0, 0))
    out["z0_ms"] = (time.perf_counter() - t) * 1000
    out["z0_kb"] = size / 1024
    t = time.perf_counter()
    total = 0
    biggest = 0
    for z in range(0, 5):
        for x in range(1 << z):
            for y in range(1 << z):
                if z == 0:
                    continue  # already cut above; counted below
                status, size = fetch(conn, server.url(z, x, y))
                total += size
                biggest = max(biggest, size)
    out["z0_4_s"] = time.perf_counter() - t + out["z0_ms"] / 1000
    out["z0_4_mb"] = (total + out["z0_kb"] * 1024) / 1e6
    out["max_kb"] = max(biggest / 1024, out["z0_kb"])
    conn.close()
    if shutil.which("wrk"):
        # Cached throughput: the z3 and z4 tiles (already cut above), 64 connections.
        urls = [server.url(z, x, y) for z in (3, 4) for x in range(1 << z) for y in range(1 << z)]
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write("paths = {" + ",".join(f'"{u}"' for u in urls) + "}\n")
            f.write("i = 0\nrequest = function()\n i = i % #paths + 1\n")
            f.write(' return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})\nend\n')
            script = f.name
        res = subprocess.run(
            ["wrk", "-t2", "-c64", f"-d{wrk_seconds}s", "-s", script, f"http://127.0.0.1:{server.port}"],
            capture_output=True,
            text=True,
        )
        os.unlink(script)
        for line in res.stdout.splitlines():
            if line.startswith("Requests/sec:"):
                out["rps"] = float(line.split()[1])
            if "Non-2xx" in line or "Socket errors" in line:
                out.setdefault("errors", []).append(line.strip())
    out["peak_mb"] = peak_rss_mb(server.proc.pid)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--martin", default=shutil.which("martin") or "martin")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/borderland"))
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--synthetic", default=os.path.join(tempfile.gettempdir(), "borderland-synthetic-provinces.geojson"))
    args = ap.parse_args()

    if not os.path.exists(args.synthetic):
        subprocess.run(
            ["cargo", "run", "--release", "--example", "synth", "--", "provinces", args.synthetic],
            cwd=ROOT,
            check=True,
        )
    sets = [("default provinces", os.path.join(ROOT, "data/provinces.geojson"))]
    ref = os.path.join(ROOT, "..", "shared", "data", "ne10m_af_pk_admin1.geojson")
    if os.path.exists(ref):
        sets.append(("reference admin-1 (NE 10m, AF+PK)", ref))
    sets.append(("SYNTHETIC provinces", args.synthetic))

    print(f"machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}")
    print()
    print("| data (size) | server | ready s | z0 ms | z0 KB | z0–z4 s (341 tiles) | z0–z4 MB | largest KB | cached req/s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, path in sets:
        layer = os.path.splitext(os.path.basename(path))[0]
        mb = os.path.getsize(path) / 1e6
        for server in servers(args.binary, args.martin, path, layer):
            with server as s:
                m = measure(s, args.wrk_seconds)
            errors = "; ".join(m.get("errors", []))
            print(
                f"| {label} ({mb:.1f} MB) | {s.name} | {m['ready_s']:.2f} | {m['z0_ms']:.0f} | {m['z0_kb']:.0f} | "
                f"{m['z0_4_s']:.2f} | {m['z0_4_mb']:.1f} | {m['max_kb']:.0f} | {m.get('rps', float('nan')):.0f} | "
                f"{m['peak_mb']:.0f} |" + (f" errors: {errors}" if errors else "")
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
