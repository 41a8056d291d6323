#!/usr/bin/env bash
# bench/history.sh [MIRROR...] — `keyless scan --history` against Kingfisher's full-history scan,
# paired in the same run, on whole repositories.
#
# Each MIRROR is a bare git repository with its full history (default: the two below, brought
# with the harness's `fetch` into /work/.mirror/OWNER+NAME/repo). Each is copied once to
# $WORK/NAME/.git (a non-bare layout with no checkout, so both tools read history and nothing
# else; the mirror itself is never touched), then timed with hyperfine (medians, paired runs),
# measured once more under /usr/bin/time -v for peak RSS, and its unique reachable blobs counted
# (the cost should be linear in their bytes). Writes bench/HISTORY.md and the raw data under
# target/bench-history/.
#
# Environment knobs:
#   RUNS=3 WARMUP=1    hyperfine runs and warmups
#   WORK=/tmp/keyless-history-bench    where the non-bare copies live
#   KEYLESS=path       use this keyless binary instead of building target/release/keyless
#   SKIP_PEERS=1       time keyless only
#   RESULTS=path       where to write the report (default bench/HISTORY.md)
set -euo pipefail
export LC_ALL=C

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
WORK=${WORK:-/tmp/keyless-history-bench}
SKIP_PEERS=${SKIP_PEERS:-0}
RESULTS=${RESULTS:-$repo_root/bench/HISTORY.md}
out=$repo_root/target/bench-history
rm -rf -- "$out"
mkdir -p "$out" "$WORK"

if [[ $# -gt 0 ]]; then
  mirrors=("$@")
else
  mirrors=(
    /work/.mirror/microsoft+botframework-solutions/repo
    /work/.mirror/Azure+azure-event-hubs/repo
  )
fi

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

command -v hyperfine >/dev/null || die "needs hyperfine (apt-get install hyperfine)"
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (apt-get install time)"

if [[ $SKIP_PEERS != 1 ]]; then
  if ! python3 -c 'import kingfisher' 2>/dev/null; then
    say "pip install kingfisher-bin"
    python3 -m pip install --quiet --disable-pip-version-check kingfisher-bin >&2
  fi
  # kingfisher-bin's console script is a Python wrapper around the native binary it ships;
  # time the native binary itself.
  kingfisher=$(python3 - <<'EOF'
import importlib.util, os
spec = importlib.util.find_spec("kingfisher")
print(os.path.join(os.path.dirname(spec.origin), "bin", "kingfisher"))
EOF
  )
  "$kingfisher" --version >/dev/null || die "kingfisher does not run"
fi

if [[ -n ${KEYLESS:-} ]]; then
  keyless=$(realpath -- "$KEYLESS")
else
  say "cargo build --release"
  cargo build --release --quiet >&2
  keyless=$repo_root/target/release/keyless
fi

keyless_cmd() { echo "$keyless scan --history $1 --format json --output ${2:-/dev/null} -q"; }
kingfisher_cmd() { echo "$kingfisher scan $1 --no-validate --git-history full --no-update-check -q --format json -o ${2:-/dev/null}"; }

# peak_rss NAME COMMAND: one run under /usr/bin/time -v; prints the peak RSS in MB.
peak_rss() {
  local name=$1 cmd=$2
  # shellcheck disable=SC2086 # the command line is split on purpose
  /usr/bin/time -v -o "$out/$name.time" $cmd >/dev/null 2>"$out/$name.stderr" || true
  awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$out/$name.time"
}

median_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"])' "$1" "$2"; }

rows=()
for mirror in "${mirrors[@]}"; do
  [[ -d $mirror ]] || die "$mirror: no such mirror (bring it with the harness's fetch)"
  name=$(basename "$(dirname "$mirror")")
  name=${name#*+}
  copy=$WORK/$name
  if [[ ! -d $copy/.git ]]; then
    say "copying $mirror to $copy/.git"
    mkdir -p "$copy"
    cp -a "$mirror" "$copy/.git"
    git -C "$copy" config core.bare false
  fi
  commits=$(git -C "$copy" rev-list --all | wc -l)
  # Unique blobs reachable from every reference (what both tools read), and their bytes.
  # (%(rest) makes cat-file read only the id of each `id path` line.)
  read -r blobs blob_bytes < <(git -C "$copy" rev-list --all --objects --missing=allow-any |
    git -C "$copy" cat-file --batch-check='%(objecttype) %(objectsize) %(rest)' 2>/dev/null |
    awk '$1 == "blob" { n++; s += $2 } END { print n + 0, s + 0 }')
  pack_kib=$(git -C "$copy" count-objects -v | awk '/size-pack/ { print $2 }')

  say "hyperfine $name"
  cmds=(--command-name keyless "$(keyless_cmd "$copy")")
  [[ $SKIP_PEERS == 1 ]] || cmds+=(--command-name kingfisher "$(kingfisher_cmd "$copy")")
  hyperfine -N -i --style basic --runs "$RUNS" --warmup "$WARMUP" \
    --export-json "$out/$name.json" "${cmds[@]}" >&2
  keyless_wall=$(median_of "$out/$name.json" 0)
  keyless_rss=$(peak_rss "keyless-$name" "$(keyless_cmd "$copy")")
  $(keyless_cmd "$copy" "$out/keyless-$name.out.json") 2>"$out/keyless-$name.summary" || true
  keyless_errors=$(python3 -c 'import json,sys; print(sum(1 for f in json.load(open(sys.argv[1]))["findings"] if f["level"] == "error"))' "$out/keyless-$name.out.json")
  if [[ $SKIP_PEERS != 1 ]]; then
    kingfisher_wall=$(median_of "$out/$name.json" 1)
    kingfisher_rss=$(peak_rss "kingfisher-$name" "$(kingfisher_cmd "$copy")")
    $(kingfisher_cmd "$copy" "$out/kingfisher-$name.out.json") 2>/dev/null || true
    kingfisher_findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("findings", [])))' "$out/kingfisher-$name.out.json")
  else
    kingfisher_wall=nan kingfisher_rss=- kingfisher_findings=-
  fi
  rows+=("$name $commits $blobs $blob_bytes $pack_kib $keyless_wall $keyless_rss $keyless_errors $kingfisher_wall $kingfisher_rss $kingfisher_findings")
done

say "writing $RESULTS"
{
  echo "# History scan benchmark"
  echo
  echo "Written by \`bench/history.sh\`; rerun it to refresh. Raw hyperfine JSON, /usr/bin/time output and"
  echo "both tools' reports are in \`target/bench-history/\`."
  echo
  echo "## Machine and run"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores; memory $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
  echo "- Load average when the report was written: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- keyless build: $(git -C "$repo_root" rev-parse --short HEAD); $("$keyless" --version)"
  [[ $SKIP_PEERS == 1 ]] || echo "- $("$kingfisher" --version)"
  echo "- hyperfine \`--runs $RUNS --warmup $WARMUP\`, both tools in one invocation (paired, same run); medians. Peak RSS from one more run each under \`/usr/bin/time -v\`."
  echo "- Each repository is a copy of a full-history bare mirror laid out as \`DIR/.git\` with no checkout: both tools read the history and nothing else."
  echo
  echo "\`\`\`"
  echo "keyless     $(keyless_cmd DIR)"
  [[ $SKIP_PEERS == 1 ]] || echo "kingfisher  $(kingfisher_cmd DIR)"
  echo "\`\`\`"
  echo
  echo "## Results"
  echo
  echo "| repository | commits | unique blobs | blob bytes (MB) | pack (MB) | keyless wall | keyless peak RSS (MB) | keyless errors | Kingfisher wall | Kingfisher peak RSS (MB) | Kingfisher findings | keyless / Kingfisher | keyless ns per blob byte |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for row in "${rows[@]}"; do
    # shellcheck disable=SC2086
    set -- $row
    python3 - "$@" <<'EOF'
import math, sys
name, commits, blobs, blob_bytes, pack_kib, kw, krss, kerr, fw, frss, ffind = sys.argv[1:]
kw, fw, blob_bytes = float(kw), float(fw), int(blob_bytes)
ratio = "-" if math.isnan(fw) else f"{kw / fw:.2f}x"
fws = "-" if math.isnan(fw) else f"{fw:.2f} s"
print(f"| {name} | {int(commits):,} | {int(blobs):,} | {blob_bytes / 1e6:.1f} | {int(pack_kib) / 1024:.1f} | {kw:.2f} s | {krss} | {kerr} | {fws} | {frss} | {ffind} | {ratio} | {kw * 1e9 / max(blob_bytes, 1):.1f} |")
EOF
  done
  # Hand-written notes (the findings, profiling) below the marker survive a rerun.
  if [[ -f $RESULTS ]] && grep -q '^<!-- notes' "$RESULTS"; then
    echo
    sed -n '/^<!-- notes/,$p' "$RESULTS"
  fi
} >"$RESULTS.tmp"
mv -- "$RESULTS.tmp" "$RESULTS"
cat "$RESULTS" >&2
