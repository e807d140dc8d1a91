#!/usr/bin/env bash
# Cached tiles against a bare axum server answering the same bytes (issue 18, item 14).
# borderland serves the default data; one z5 composite tile is cut once, then wrk asks for it
# over and over (a cache hit every time). The anchor, in the same run, is examples/bare_tile:
# axum answering the same bytes and headers for any path, with no lookup and no middleware.
# The two alternate, ROUNDS times each, so drift on a shared machine hits both alike.
# BIN= names another borderland binary to measure; BEFORE= names a second one (an older
# build, e.g. main's) measured in the same rounds, so a change is judged within one run.
#
#   cargo build --release --bin borderland --example bare_tile && benches/cached_vs_bare.sh [secs] [rounds]
#   BEFORE=path/to/old/borderland benches/cached_vs_bare.sh 10 3
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
ROUNDS=${2:-3}
BIN=${BIN:-target/release/borderland}
BEFORE=${BEFORE:-}
BARE=target/release/examples/bare_tile
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
[ -x "$BIN" ] && [ -x "$BARE" ] || { echo "build first: cargo build --release --bin borderland --example bare_tile"; exit 2; }
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || { echo "BEFORE=$BEFORE is not an executable"; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
port=18093
bare_port=18094
before_port=18095
tile=/tiles/provinces,border,incidents/5/22/13.mvt
start() { # binary port
  "$1" --listen "127.0.0.1:$2" --watch-secs 0 > "$work/server-$2.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$2/health" > /dev/null && break; sleep 0.1; done
}
start "$BIN" $port
curl -sf -H 'Accept-Encoding: gzip' -o "$work/tile.mvt.gz" -D "$work/headers" "http://127.0.0.1:$port$tile"
if [ -n "$BEFORE" ]; then
  start "$BEFORE" $before_port
  cmp <(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$before_port$tile") "$work/tile.mvt.gz" \
    || { echo "BEFORE answers different bytes"; exit 1; }
fi
encoding=$(awk -F': ' 'tolower($1)=="content-encoding" {gsub("\r",""); print $2}' "$work/headers")
"$BARE" "127.0.0.1:$bare_port" "$work/tile.mvt.gz" "$encoding" > "$work/bare.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$bare_port$tile" && break; sleep 0.1; done
cmp <(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$tile") \
    <(curl -s "http://127.0.0.1:$bare_port$tile") || { echo "the two servers answer different bytes"; exit 1; }

rate() { wrk -t2 -c64 -d"${SECS}s" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$1$tile" | awk '/Requests\/sec/ {print $2}'; }
echo "tile: $tile ($(stat -c %s "$work/tile.mvt.gz") bytes, ${encoding:-identity}); wrk -t2 -c64 -d${SECS}s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -z "$BEFORE" ]; then
  echo "| round | borderland cached req/s | bare axum req/s | ratio |"
  echo "|---|---|---|---|"
else
  echo "| round | borderland cached req/s | bare axum req/s | ratio | before req/s | before ratio |"
  echo "|---|---|---|---|---|---|"
fi
sum_b=0; sum_a=0; sum_o=0
for r in $(seq 1 "$ROUNDS"); do
  b=$(rate $port)
  a=$(rate $bare_port)
  sum_b=$(echo "$sum_b + $b" | bc); sum_a=$(echo "$sum_a + $a" | bc)
  if [ -z "$BEFORE" ]; then
    echo "| $r | $b | $a | $(echo "scale=2; $b / $a" | bc) |"
  else
    o=$(rate $before_port)
    sum_o=$(echo "$sum_o + $o" | bc)
    echo "| $r | $b | $a | $(echo "scale=2; $b / $a" | bc) | $o | $(echo "scale=2; $o / $a" | bc) |"
  fi
done
all="| all | $(echo "scale=0; $sum_b / $ROUNDS" | bc) | $(echo "scale=0; $sum_a / $ROUNDS" | bc) | $(echo "scale=2; $sum_b / $sum_a" | bc) |"
[ -z "$BEFORE" ] || all="$all $(echo "scale=0; $sum_o / $ROUNDS" | bc) | $(echo "scale=2; $sum_o / $sum_a" | bc) |"
echo "$all"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
