#!/usr/bin/env bash
# Load test on loopback: 256 connections for 60 s on a mix of cached and uncached tiles (and
# filtered tiles), with a data reload in the middle of the run. Prints wrk's latency summary,
# the count of non-2xx responses and socket errors, and the server's peak memory.
#
#   cargo build --release && [CACHE_MB=64] benches/load.sh [seconds] [connections]
#
# Needs wrk (Debian package). Bounded in time; touches nothing outside a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-60}
CONNECTIONS=${2:-256}
BIN=target/release/borderland
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 2; }

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cp data/*.geojson data/*.csv data/*.md data/*.mbtiles data/layers.toml "$work/"
port=18090
"$BIN" --config "$work/layers.toml" --listen "127.0.0.1:$port" --cache-mb ${CACHE_MB:-64} --watch-secs 0.5 > "$work/server.out" 2> "$work/server.err" &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.1; done
v0=$(curl -s "http://127.0.0.1:$port/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')

cat > "$work/mix.lua" <<'LUA'
-- Half the requests hit a small set of low-zoom tiles (cached after the first), the rest
-- ask for random deep tiles over the region or random filtered windows (uncached).
local counter = 0
math.randomseed(os.time())
local function tile(z, lon0, lat0, lon1, lat1)
  local n = 2 ^ z
  local function x(lon) return math.floor((lon + 180) / 360 * n) end
  local function y(lat)
    local r = math.rad(lat)
    return math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
  end
  return z, math.random(x(lon0), x(lon1)), math.random(y(lat1), y(lat0))
end
request = function()
  counter = counter + 1
  local kind = counter % 4
  local path
  if kind < 2 then
    local z, x, y = tile(math.random(0, 6), 60.5, 23.7, 77.0, 38.5)
    path = string.format("/tiles/provinces,border,incidents/%d/%d/%d.mvt", z, x, y)
  elseif kind == 2 then
    local z, x, y = tile(math.random(10, 14), 60.5, 23.7, 77.0, 38.5)
    path = string.format("/tiles/provinces,border/%d/%d/%d.mvt", z, x, y)
  else
    local z, x, y = tile(math.random(4, 8), 60.5, 23.7, 77.0, 38.5)
    local year = math.random(2020, 2026)
    local month = math.random(1, 12)
    path = string.format("/tiles/provinces,incidents/%d/%d/%d.mvt?from=%d-%02d&to=%d-12-31", z, x, y, year, month, year)
  end
  return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip" })
end
LUA

# Reload in the middle of the run: a journalist adds a row.
( sleep $((SECONDS_RUN / 2)); printf 'Zabul,TTP,"load-test row",province,Load test,none,2026-02\n' >> "$work/presence.csv" ) &
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 10s --latency -s "$work/mix.lua" "http://127.0.0.1:$port" | tee "$work/wrk.out"
v1=$(curl -s "http://127.0.0.1:$port/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
echo "data version before: $v0 after: $v1 ($([ "$v0" != "$v1" ] && echo reloaded || echo 'NOT reloaded'))"
echo "non-2xx responses: $(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/wrk.out" | grep -o '[0-9]*$' || echo 0)"
echo "socket errors: $(grep 'Socket errors' "$work/wrk.out" || echo none)"
echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MB"}')"
echo "tile cache: $(curl -s "http://127.0.0.1:$port/metrics" | grep '^borderland_tile_cache_bytes' | awk '{print $2/1048576 " MB held"}') (limit ${CACHE_MB:-64} MB)"
echo "server RSS now: $(grep VmRSS /proc/$server/status | awk '{print $2/1024 " MB"}')"
echo "5xx in metrics: $(curl -s "http://127.0.0.1:$port/metrics" | grep -E 'status="5[0-9][0-9]"' || echo none)"

# Phase two (issue 18): costly uncached cuts and slow clients while cached tiles are fetched.
kill "$server" 2>/dev/null || true
echo
echo "== phase two: costly cuts and slow clients (benches/load_slow.sh)"
benches/load_slow.sh 20 500
