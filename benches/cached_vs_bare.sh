#!/usr/bin/env bash
# Cached tiles against a bare axum server answering the same bytes (issue 18, item 14).
# borderland serves the default data; one z5 composite tile is cut once, then wrk asks for it
# over and over (a cache hit every time). The anchor, in the same run, is examples/bare_tile:
# axum answering the same bytes and headers for any path, with no lookup and no middleware.
# The two alternate, ROUNDS times each, so drift on a shared machine hits both alike.
#
#   cargo build --release --bin borderland --example bare_tile && benches/cached_vs_bare.sh [secs] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
ROUNDS=${2:-3}
BIN=target/release/borderland
BARE=target/release/examples/bare_tile
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
[ -x "$BIN" ] && [ -x "$BARE" ] || { echo "build first: cargo build --release --bin borderland --example bare_tile"; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
port=18093
bare_port=18094
tile=/tiles/provinces,border,incidents/5/22/13.mvt
"$BIN" --listen "127.0.0.1:$port" --watch-secs 0 > "$work/server.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.1; done
curl -sf -H 'Accept-Encoding: gzip' -o "$work/tile.mvt.gz" -D "$work/headers" "http://127.0.0.1:$port$tile"
encoding=$(awk -F': ' 'tolower($1)=="content-encoding" {gsub("\r",""); print $2}' "$work/headers")
"$BARE" "127.0.0.1:$bare_port" "$work/tile.mvt.gz" "$encoding" > "$work/bare.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$bare_port$tile" && break; sleep 0.1; done
cmp <(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$tile") \
    <(curl -s "http://127.0.0.1:$bare_port$tile") || { echo "the two servers answer different bytes"; exit 1; }

rate() { wrk -t2 -c64 -d"${SECS}s" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$1$tile" | awk '/Requests\/sec/ {print $2}'; }
echo "tile: $tile ($(stat -c %s "$work/tile.mvt.gz") bytes, ${encoding:-identity}); wrk -t2 -c64 -d${SECS}s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| round | borderland cached req/s | bare axum req/s | ratio |"
echo "|---|---|---|---|"
sum_b=0; sum_a=0
for r in $(seq 1 "$ROUNDS"); do
  b=$(rate $port)
  a=$(rate $bare_port)
  sum_b=$(echo "$sum_b + $b" | bc); sum_a=$(echo "$sum_a + $a" | bc)
  echo "| $r | $b | $a | $(echo "scale=2; $b / $a" | bc) |"
done
echo "| all | $(echo "scale=0; $sum_b / $ROUNDS" | bc) | $(echo "scale=0; $sum_a / $ROUNDS" | bc) | $(echo "scale=2; $sum_b / $sum_a" | bc) |"
