#!/usr/bin/env bash
# Load test, second phase (issue 18): costly uncached cuts and slow clients at the same time,
# while a third client asks for tiles that are already cached. The cached tiles must keep
# answering, fast and with no errors. On loopback only, bounded in time and in connections.
#
#   cargo build --release && benches/load_slow.sh [seconds] [slow clients]
#
# Phases run at once for SECONDS (default 20):
#   - costly: wrk, 32 connections, random tiles z0-9 of a 250,000-point GeoJSON layer (each
#     tile a new, uncached cut) with --request-timeout-secs 1, so requesters give up and retry;
#   - slow clients: SLOW (default 500) connections that send half a request's headers and
#     then nothing (--header-timeout-secs 2);
#   - cached: wrk, 16 connections, eight tiles fetched once before the run.
# Needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-20}
SLOW=${2:-500}
BIN=target/release/borderland
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 2; }

work=$(mktemp -d)
cleanup() { kill "$server" 2>/dev/null || true; kill "$slowpid" 2>/dev/null || true; rm -rf "$work"; }
slowpid=""
trap cleanup EXIT
cp data/*.geojson data/*.csv data/*.md data/*.mbtiles data/layers.toml "$work/"
python3 - "$work/sightings.geojson" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('{"type":"FeatureCollection","features":[')
    for i in range(250_000):
        lon = 60 + (i * 7919 % 18000) / 1000
        lat = 23 + (i * 104729 % 15000) / 1000
        f.write(("," if i else "") + '{"type":"Feature","properties":{"n":%d,"label":"SYNTHETIC sighting %d"},"geometry":{"type":"Point","coordinates":[%.3f,%.3f]}}' % (i, i, lon, lat))
    f.write("]}")
PY
printf '\n[[layer]]\nid = "sightings"\nfile = "sightings.geojson"\ntitle = "SYNTHETIC points for the load test"\n' >> "$work/layers.toml"
port=18091
"$BIN" --config "$work/layers.toml" --listen "127.0.0.1:$port" --watch-secs 0 \
  --request-timeout-secs 1 --header-timeout-secs 2 > "$work/server.out" 2> "$work/server.err" &
server=$!
# Up to five minutes: on a busy machine the 250,000 points take a while to load.
until curl -sf "http://127.0.0.1:$port/health" > /dev/null; do
  kill -0 "$server" 2>/dev/null || { cat "$work/server.err"; exit 1; }
  [ "$SECONDS" -lt 300 ] || { echo "the server did not answer within 300 s"; exit 1; }
  sleep 0.2
done

cached=(/tiles/provinces,border,incidents/0/0/0.mvt /tiles/provinces,border,incidents/4/11/6.mvt
        /tiles/provinces,border,incidents/5/22/13.mvt /tiles/provinces/6/44/26.mvt
        /tiles/provinces/6/45/26.mvt /tiles/border/6/44/26.mvt /tiles/incidents/5/22/12.mvt
        /tiles/provinces,border/5/23/13.mvt)
for p in "${cached[@]}"; do curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$p"; done
printf '%s\n' "${cached[@]}" > "$work/cached.txt"
cat > "$work/cached.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("CACHED")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], { ["Accept-Encoding"] = "gzip" })
end
LUA
cat > "$work/costly.lua" <<'LUA'
math.randomseed(os.time())
request = function()
  local z = math.random(0, 9)
  local n = 2 ^ z
  local function x(lon) return math.floor((lon + 180) / 360 * n) end
  local function y(lat)
    local r = math.rad(lat)
    return math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
  end
  local path = string.format("/tiles/sightings,provinces/%d/%d/%d.mvt", z,
    math.random(x(60), x(78)), math.random(y(38), y(23)))
  return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip" })
end
LUA

# Slow clients: half a request each, then silence, held for the whole run.
python3 - "$port" "$SLOW" "$SECONDS_RUN" > "$work/slow.out" <<'PY' &
import socket, sys, time
port, count, secs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
socks, closed = [], 0
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    s.setblocking(False)
    socks.append(s)
end = time.time() + secs
while time.time() < end:
    time.sleep(0.5)
for s in socks:
    try:
        closed += s.recv(1) == b""
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
print(f"slow clients: {count} opened, {closed} closed by the server")
PY
slowpid=$!
wrk -t1 -c32 -d"${SECONDS_RUN}s" --timeout 10s -s "$work/costly.lua" "http://127.0.0.1:$port" > "$work/costly.out" &
costly=$!
sleep 1
CACHED="$work/cached.txt" wrk -t1 -c16 -d"$((SECONDS_RUN - 2))s" --timeout 10s --latency -s "$work/cached.lua" "http://127.0.0.1:$port" > "$work/cached.out"
wait "$costly" || true
wait "$slowpid" || true
slowpid=""
echo "== cached tiles, during the costly cuts and the slow clients"
cat "$work/cached.out"
echo "== costly uncached cuts (requests time out after 1 s)"
grep -E "Requests/sec|Latency|requests in|Non-2xx" "$work/costly.out"
cat "$work/slow.out"
echo "== server"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^borderland_(overload_total|connections_closed_total|tile_cache_(hits|misses)_total|tile_cuts_in_progress|tile_cut_seconds_(count|sum))'
echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MB"}')"
curl -s "http://127.0.0.1:$port/health"; echo
