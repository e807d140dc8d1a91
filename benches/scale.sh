#!/usr/bin/env bash
# Scale (issue 18, item 11): a claims table of ACLED's size. One million SYNTHETIC incident
# rows (about 110 MB of CSV, written to a temporary folder, never to data/) joined to the
# default provinces, served by the release binary. Measures:
#   - load: process start to the first 200 from /health;
#   - peak memory (VmHWM) after loading, against the file's size;
#   - time-windowed z5 tiles of provinces and incidents, each window new (uncached);
#   - memory after the table is replaced (atomic rename) by a 1,000-row one and reloaded.
# Anchor, same run: Python's csv module reading the same file (parse only, no typing).
#
#   cargo build --release && benches/scale.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
BIN=${BIN:-target/release/borderland}  # BIN=other/borderland to time another build
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 2; }

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cp data/provinces.geojson "$work/"

synth() { # rows out
python3 - "$1" "$2" <<'PY'
import random, sys, datetime
n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(2026)
groups = ["TTP", "ISIL-K", "Al-Qaeda", "IMP", "Lashkar-e-Islam", "Unknown"]
kinds = ["armed clash", "bombing", "airstrike", "targeted killing"]
start = datetime.date(2020, 1, 1).toordinal()
with open(out, "w") as f:
    f.write("id,date,event_type,group,latitude,longitude,fatalities,location,source,citation,report_date\n")
    for i in range(n):
        lon = 62.0 + rng.random() * 9.0
        lat = 30.0 + rng.random() * 6.5
        d = datetime.date.fromordinal(start + int(rng.random() * 2500))
        g = groups[int(rng.random() * len(groups))]
        k = kinds[int(rng.random() * len(kinds))]
        fat = int(rng.random() * rng.random() * 40)
        f.write(f"{i+1},{d.isoformat()},{k},{g},{lat:.4f},{lon:.4f},{fat},SYNTHETIC place {i % 997},"
                f"SYNTHETIC benchmark data,SYNTHETIC row {i},{d.year:04d}-{d.month:02d}\n")
PY
}

synth "$ROWS" "$work/incidents.csv"
bytes=$(stat -c %s "$work/incidents.csv")
cat > "$work/layers.toml" <<'TOML'
title = "SYNTHETIC scale benchmark"

[[table]]
id = "incidents"
file = "incidents.csv"
kind = "events"
title = "SYNTHETIC incidents"
columns = { date = "date", report_date = "date", fatalities = "integer" }

[[layer]]
id = "provinces"
file = "provinces.geojson"
id_property = "iso_3166_2"
keys = ["iso_3166_2", "name", "name_alt"]
filters = ["date", "group", "event_type"]

[[layer.join]]
table = "incidents"

[[layer]]
id = "incidents"
table = "incidents"
filters = ["date", "group", "event_type"]
TOML

anchor=$(python3 - "$work/incidents.csv" <<'PY'
import csv, sys, time
t = time.perf_counter()
with open(sys.argv[1], newline="") as f:
    n = sum(1 for _ in csv.reader(f))
print(f"{time.perf_counter() - t:.2f}")
PY
)

port=18097
base="http://127.0.0.1:$port"
t0=$(date +%s.%N)
"$BIN" --config "$work/layers.toml" --listen "127.0.0.1:$port" --watch-secs 1 \
  > "$work/server.out" 2> "$work/server.err" &
server=$!
until curl -sf "$base/health" > /dev/null; do
  kill -0 "$server" 2>/dev/null || { cat "$work/server.err"; exit 1; }
  sleep 0.02
done
t1=$(date +%s.%N)
load=$(echo "$t1 - $t0" | bc)
# CPU seconds the process spent loading (user + system): on a shared machine wall time
# includes waiting for a core, this does not.
tck=$(getconf CLK_TCK)
load_cpu=$(awk -v t="$tck" '{printf "%.2f", ($14 + $15) / t}' /proc/$server/stat)
hwm_kb=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$server/status)

# Windowed z5 tiles (the region's tile at z5 holding most rows), each window new.
tile="/tiles/provinces,incidents/5/21/13.mvt"
times=()
windows=()
for y in 2020 2021 2022 2023 2024 2025 2026; do
  windows+=("from=$y-01-01&to=$y-12-31" "from=$y-03-01&to=$y-03-31&group=TTP,ISIL-K")
done
windows+=("from=2020-01-01&to=2026-12-31" "from=2019-01-01&to=2027-01-01&event_type=bombing" "group=IMP")
for w in "${windows[@]}"; do
  t=$(curl -s -o /dev/null -w '%{time_starttransfer}' -H 'Accept-Encoding: gzip' "$base$tile?$w")
  times+=("$(echo "$t * 1000" | bc)")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
max=$(echo "$sorted" | tail -1)
hwm_tiles_kb=$(awk '/VmHWM/ {print $2}' /proc/$server/status)

# Back to small data: a 1,000-row table, renamed into place; wait for the new version.
version=$(curl -s "$base/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
synth 1000 "$work/incidents.csv.new"
mv "$work/incidents.csv.new" "$work/incidents.csv"
for _ in $(seq 1 600); do
  v=$(curl -s "$base/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
  [ "$v" != "$version" ] && break
  sleep 0.1
done
[ "$v" != "$version" ] || { echo "no reload after 60 s"; exit 1; }
sleep 2
after_kb=$(awk '/VmRSS/ {print $2}' /proc/$server/status)

mb() { echo "scale=0; $1 / 1024" | bc; }
echo "rows: $ROWS SYNTHETIC, file: $((bytes / 1000000)) MB"
echo "anchor (python csv.reader, parse only): ${anchor} s"
echo "load (start to first /health 200): ${load} s wall, ${load_cpu} s CPU; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "peak RSS after load: $(mb "$hwm_kb") MB ($(echo "scale=2; $hwm_kb * 1024 / $bytes" | bc)x the file); RSS: $(mb "$rss_kb") MB"
echo "windowed z5 tiles ($tile, ${#windows[@]} windows, uncached): median ${median} ms, max ${max} ms"
echo "  each: ${times[*]}"
echo "peak RSS after tiles: $(mb "$hwm_tiles_kb") MB"
echo "RSS after reloading to 1,000 rows: $(mb "$after_kb") MB"
