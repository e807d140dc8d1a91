#!/usr/bin/env bash
# Windowed z5 tiles over a million rows (issue 18, item 11), builds side by side: the tile part
# of benches/scale.sh on its own, with several builds alternating so they meet the same
# machine. Each round starts each build on the same 1M SYNTHETIC rows, waits for the load, and
# asks the 17 windows once each (each new, so uncached); prints each build's median and max.
#
#   benches/scale_tiles.sh [ROUNDS] BIN [BIN...]
#   e.g. benches/scale_tiles.sh 3 /tmp/before/borderland target/release/borderland
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:?rounds}; shift
[ $# -ge 1 ] || { echo "give one or more binaries"; exit 2; }
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cp data/provinces.geojson "$work/"
# The data and catalog of benches/scale.sh.
sed -n '/^python3 - "\$1" "\$2" <<.PY.$/,/^PY$/p' benches/scale.sh | sed '1d;$d' > "$work/synth.py"
python3 "$work/synth.py" 1000000 "$work/incidents.csv"
sed -n "/^cat > \"\$work\/layers.toml\" <<'TOML'$/,/^TOML$/p" benches/scale.sh | sed '1d;$d' \
  > "$work/layers.toml"
port=18098
tile="/tiles/provinces,incidents/5/21/13.mvt"
windows=()
for y in 2020 2021 2022 2023 2024 2025 2026; do
  windows+=("from=$y-01-01&to=$y-12-31" "from=$y-03-01&to=$y-03-31&group=TTP,ISIL-K")
done
windows+=("from=2020-01-01&to=2026-12-31" "from=2019-01-01&to=2027-01-01&event_type=bombing" "group=IMP")
for round in $(seq 1 "$ROUNDS"); do
  for bin in "$@"; do
    "$bin" --config "$work/layers.toml" --listen "127.0.0.1:$port" --watch-secs 0 \
      > /dev/null 2> "$work/server.err" &
    server=$!
    until curl -sf "http://127.0.0.1:$port/health" > /dev/null; do
      kill -0 "$server" 2>/dev/null || { cat "$work/server.err"; exit 1; }
      sleep 0.1
    done
    times=()
    for w in "${windows[@]}"; do
      t=$(curl -s -o /dev/null -w '%{time_starttransfer}' -H 'Accept-Encoding: gzip' \
        "http://127.0.0.1:$port$tile?$w")
      times+=("$(echo "$t * 1000" | bc)")
    done
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    printf '%s\n' "${times[@]}" | sort -n | awk -v b="$bin" -v r="$round" \
      '{a[NR]=$1} END {printf "round %d  %s  median %.1f ms  max %.1f ms\n", r, b, a[int((NR+1)/2)], a[NR]}'
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
