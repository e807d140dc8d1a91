#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 600), one after another, on the committed
# corpora. cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP lets the stable toolchain
# provide them. Crashes land in fuzz/artifacts/<target>/.
#
#   cargo install cargo-fuzz && fuzz/run.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-600}
export RUSTC_BOOTSTRAP=1
for target in geojson csv_table catalog tile_request; do
  echo "== $target for ${SECONDS_EACH}s"
  cargo fuzz run -O "$target" "fuzz/corpus/$target" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -max_len=65536 2>&1 | grep -E "^(#[0-9]+.*(DONE|pulse)|Done|==[0-9]+==|SUMMARY|artifact)" | tail -3
done
