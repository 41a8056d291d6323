#!/usr/bin/env bash
# Fuzzes every target (or those named) for SECONDS each, one after another, seeded by seed.sh.
# Fails on the first crash, leak, timeout or out-of-memory (libFuzzer exits non-zero and leaves
# the input in fuzz/artifacts/<target>/). Prints each target's executions and executions/s.
#
#   fuzz/run.sh 30                 # CI: 30 s per target
#   fuzz/run.sh 600 json bicep     # 10 minutes each for two targets
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
./seed.sh >/dev/null
# `cargo fuzz run` builds each target first (sanitizers on: the first build is slow).
mkdir -p logs
for target in "${targets[@]}"; do
  log=logs/$target.log
  if ! cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=10 -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $target failed; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  echo "fuzz: $target: ${seconds}s, ${execs:-?} executions, ${rate:-?} exec/s"
done
