#!/usr/bin/env bash
# bench/compare-findings.sh BEFORE_BIN AFTER_BIN [CORPUS]
#
# Runs two keyless binaries over the same corpus (default /tmp/bench-corpus) with `--format json`
# and compares the SET of findings, each taken as (rule_id, path, line, column, end_line, end_column,
# level, service, message). A speed change must not change what keyless finds.
#
# Exit status: 0 and "identical: N findings" when the sets are equal; 1 with the findings only BEFORE
# had (removed) and only AFTER has (added); 2 on bad usage or when a binary fails (status above 1).
set -euo pipefail
export LC_ALL=C

usage() {
  echo "usage: ${0##*/} BEFORE_BIN AFTER_BIN [CORPUS]   (CORPUS defaults to /tmp/bench-corpus)" >&2
  exit 2
}
[[ $# -eq 2 || $# -eq 3 ]] || usage
before=$1 after=$2 corpus=${3:-/tmp/bench-corpus}
for bin in "$before" "$after"; do
  [[ -x $bin && -f $bin ]] || { echo "compare-findings: $bin is not an executable" >&2; exit 2; }
done
# Both run from a scratch directory (no keyless.toml of ours applies), so paths must be absolute.
before=$(realpath -- "$before") after=$(realpath -- "$after")
if [[ ! -e $corpus ]]; then
  echo "compare-findings: no corpus at $corpus; build it with ../shared/bench/export.sh ../shared/bench/repos.txt $corpus (see bench/run.sh)" >&2
  exit 2
fi
corpus=$(realpath -- "$corpus")

work=$(mktemp -d /tmp/keyless-compare.XXXXXX)
trap 'rm -rf -- "$work"' EXIT

# run NAME BIN: the JSON report in $work/NAME.json. keyless exits 1 when it finds something.
run() {
  local name=$1 bin=$2 status=0
  (cd "$work" && "$bin" scan "$corpus" --format json --output "$work/$name.json" --quiet) 2>"$work/$name.err" || status=$?
  if [[ $status -gt 1 ]]; then
    echo "compare-findings: $bin failed (exit $status):" >&2
    cat "$work/$name.err" >&2
    exit 2
  fi
}
run before "$before"
run after "$after"

python3 - "$work/before.json" "$work/after.json" <<'EOF'
import json
import sys

KEYS = ("rule_id", "path", "line", "column", "end_line", "end_column", "level", "service", "message")


def findings(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return {tuple(f.get(k) for k in KEYS) for f in doc["findings"]}


before, after = findings(sys.argv[1]), findings(sys.argv[2])
if before == after:
    print(f"identical: {len(after)} findings")
    sys.exit(0)


def by_place(t):
    return (str(t[1]), t[2] or 0, t[3] or 0, str(t[0]))


def show(sign, items):
    for rule_id, path, line, col, end_line, end_col, level, service, message in sorted(items, key=by_place):
        print(f"{sign} {path}:{line}:{col}-{end_line}:{end_col} [{level}] {rule_id} ({service}): {message}")


removed, added = before - after, after - before
print(f"different: {len(before)} findings before, {len(after)} after; {len(removed)} removed, {len(added)} added")
show("-", removed)
show("+", added)
sys.exit(1)
EOF
