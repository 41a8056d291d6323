#!/usr/bin/env bash
# bench/run.sh [CORPUS] — keyless side by side with peer scanners on the same tree, in the same run.
#
# Times (hyperfine, medians), peak RSS (/usr/bin/time -v) and finding counts for keyless, Kingfisher,
# ripsecrets, detect-secrets and ripgrep (one literal: the floor of "read every byte once") on CORPUS;
# keyless and Kingfisher run alternately, pair after pair (the paired wall ratio: both see the same
# load); keyless, Kingfisher and ripgrep on the corpus split by file kind (config, IaC, code, other:
# the cost of each kind per byte; "other" is the kind that needs no parser, see bench/trees.py);
# keyless and ripgrep again on copies of CORPUS scaled x4 and x16 (does cost grow linearly with bytes?);
# keyless on a generated tree of many small files (peak RSS against file count); and the cold start of
# keyless and Kingfisher on one small file. Writes bench/RESULTS.md, and the raw hyperfine JSON and tool
# outputs under target/bench/ (the per-kind and small-file trees are made there and removed at exit).
#
# CORPUS defaults to /tmp/bench-corpus (build it as the message below says). Missing peers are
# installed (apt: hyperfine ripgrep time; pip: kingfisher-bin detect-secrets; cargo: ripsecrets).
#
# Environment knobs:
#   RUNS=3 WARMUP=1     hyperfine runs and warmups for the scans
#   SLOW_RUNS=1         hyperfine runs for detect-secrets (minutes per run; no warmup)
#   COLD_RUNS=30        hyperfine runs for the cold start (3 warmups)
#   PAIRS=5             keyless/Kingfisher pairs for the paired ratio, after WARMUP unrecorded pairs
#                       (0: skip)
#   KINDS=1             per-kind section: the corpus split by kind, hard links under target/bench
#                       (0: skip)
#   MANY_FILES=100000   small files in the generated tree for peak RSS against file count (0: skip)
#   SCALES="4 16"       scaled copies for the growth table, made beside CORPUS (empty: skip)
#   SKIP_SLOW=1         leave out the slow peers, ripsecrets and detect-secrets (not installed either)
#   SKIP_PEERS=1        time keyless and ripgrep only (quick check of a keyless change)
#   KEYLESS=path        use this keyless binary instead of building target/release/keyless
#   RESULTS=path        where to write the report (default bench/RESULTS.md)
set -euo pipefail
export LC_ALL=C

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

corpus=${1:-/tmp/bench-corpus}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
SLOW_RUNS=${SLOW_RUNS:-1}
COLD_RUNS=${COLD_RUNS:-30}
PAIRS=${PAIRS:-5}
KINDS=${KINDS:-1}
MANY_FILES=${MANY_FILES:-100000}
SCALES=${SCALES-4 16}
SKIP_SLOW=${SKIP_SLOW:-0}
SKIP_PEERS=${SKIP_PEERS:-0}
[[ $PAIRS =~ ^[0-9]+$ && $MANY_FILES =~ ^[0-9]+$ ]] || { echo "bench: PAIRS and MANY_FILES must be numbers" >&2; exit 2; }
RESULTS=${RESULTS:-$repo_root/bench/RESULTS.md}
out=$repo_root/target/bench
# Results of an earlier run must not leak into this report.
rm -rf -- "$out"
mkdir -p "$out"

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

if [[ ! -d $corpus ]] || [[ -z $(ls -A "$corpus" 2>/dev/null) ]]; then
  cat >&2 <<EOF
bench: the corpus $corpus is missing or empty. Build it (data is never committed):
  1. bring a snapshot of each repository listed in ../shared/bench/repos.txt (github:owner/name)
     under /work/.mirror (DEVELOPERS.md says how);
  2. ../shared/bench/export.sh ../shared/bench/repos.txt $corpus
then run bench/run.sh again (or pass another corpus directory as the first argument).
EOF
  exit 2
fi
corpus=$(realpath -- "$corpus")

# ---------------------------------------------------------------------------------------------
# Peers: installed when missing.
apt_install() {
  command -v apt-get >/dev/null || die "need $* and apt-get is missing; install them by hand"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  say "apt-get install $*"
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >&2
}

need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v rg >/dev/null || need_apt+=(ripgrep)
[[ -x /usr/bin/time ]] || need_apt+=(time)
[[ ${#need_apt[@]} -eq 0 ]] || apt_install "${need_apt[@]}"

# ~/.cargo/bin holds ripsecrets when cargo installed it.
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"

if [[ $SKIP_PEERS != 1 ]]; then
  need_pip=()
  command -v kingfisher >/dev/null || need_pip+=(kingfisher-bin)
  [[ $SKIP_SLOW == 1 ]] || command -v detect-secrets >/dev/null || need_pip+=(detect-secrets)
  if [[ ${#need_pip[@]} -gt 0 ]]; then
    say "pip install ${need_pip[*]}"
    python3 -m pip install --quiet --disable-pip-version-check "${need_pip[@]}" >&2
    hash -r
  fi
  if [[ $SKIP_SLOW != 1 ]] && ! command -v ripsecrets >/dev/null; then
    say "cargo install ripsecrets (compiles; nice -n 19)"
    nice -n 19 cargo install --quiet ripsecrets >&2
  fi
fi

# The program behind a pyenv shim (a shim adds a shell and a Python start to every run).
real_bin() {
  local p
  p=$(command -v "$1") || die "$1 is not installed"
  if [[ $p == */.pyenv/shims/* ]] && command -v pyenv >/dev/null; then
    p=$(pyenv which "$1" 2>/dev/null) || p=$(command -v "$1")
  fi
  echo "$p"
}

if [[ $SKIP_PEERS != 1 ]]; then
  # kingfisher-bin's console script is a Python wrapper that execs the native binary it ships;
  # time the native binary itself.
  kingfisher=$(python3 - <<'EOF' 2>/dev/null || true
import importlib.util, os
spec = importlib.util.find_spec("kingfisher")
if spec and spec.origin:
    p = os.path.join(os.path.dirname(spec.origin), "bin", "kingfisher")
    if os.access(p, os.X_OK):
        print(p)
EOF
  )
  [[ -n $kingfisher ]] || kingfisher=$(real_bin kingfisher)
  "$kingfisher" --version >/dev/null || die "kingfisher does not run"
  if [[ $SKIP_SLOW != 1 ]]; then
    detect_secrets=$(real_bin detect-secrets)
    ripsecrets=$(real_bin ripsecrets)
    "$detect_secrets" --version >/dev/null || die "detect-secrets does not run"
    "$ripsecrets" --version >/dev/null || die "ripsecrets does not run"
  fi
fi
rg=$(real_bin rg)

# ---------------------------------------------------------------------------------------------
# keyless itself.
if [[ -n ${KEYLESS:-} ]]; then
  keyless=$(realpath -- "$KEYLESS")
else
  say "cargo build --release"
  cargo build --release --quiet >&2
  keyless=$repo_root/target/release/keyless
fi
[[ -x $keyless ]] || die "no keyless binary at $keyless"

# ---------------------------------------------------------------------------------------------
# Scaled copies of the corpus: DIR-xN/copyK/..., rebuilt when the corpus changed.
corpus_stamp() { find "$1" -type f -printf '%s %P\n' | sort | cksum | cut -d' ' -f1; }
stamp=$(corpus_stamp "$corpus")
scaled_dir() {
  local n=$1 dir="$corpus-x$1" k
  if [[ -f $dir/.bench-stamp && $(cat "$dir/.bench-stamp") == "$stamp x$n" ]]; then
    echo "$dir"
    return
  fi
  say "making $dir ($n copies of $corpus)"
  rm -rf -- "$dir"
  mkdir -p -- "$dir"
  for ((k = 1; k <= n; k++)); do
    cp -R -- "$corpus" "$dir/copy$k"
  done
  echo "$stamp x$n" >"$dir/.bench-stamp"
  echo "$dir"
}
bytes_of() { find "$1" -type f ! -name .bench-stamp -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
files_of() { find "$1" -type f ! -name .bench-stamp | wc -l; }

# ---------------------------------------------------------------------------------------------
# Command lines. Scanners exit non-zero when they find something; hyperfine -i ignores that.
# Every tool runs from a neutral directory, so no repository config of ours applies.
work=$(mktemp -d /tmp/keyless-bench.XXXXXX)
# The per-kind trees (hard links) and the small-file tree go too: only results stay in target/bench.
trap 'rm -rf -- "$work" "$out/kinds" "$out/many"' EXIT
cd "$work"

keyless_cmd() { echo "$keyless scan $1 --format json --output ${2:-/dev/null}"; }
rg_cmd() { echo "$rg --hidden -c -F AccountKey $1"; }
kingfisher_cmd() { echo "$kingfisher scan $1 --no-validate --git-history none --no-update-check -q --format json -o ${2:-/dev/null}"; }
ripsecrets_cmd() { echo "$ripsecrets $1"; }
# detect-secrets scans only the files below its working directory: it runs from DIR and scans `.`.
detect_secrets_cmd() { echo "cd $1 && $detect_secrets scan --all-files ."; }

# hyperfine NAME RUNS WARMUP COMMAND: exports target/bench/NAME.json.
bench() {
  local name=$1 runs=$2 warmup=$3 cmd=$4
  say "hyperfine $name: $cmd"
  hyperfine -N -i --style basic --runs "$runs" --warmup "$warmup" \
    --command-name "$name" --export-json "$out/$name.json" -- "$cmd" >&2
}

# measure NAME COMMAND STDOUT_FILE: one run under /usr/bin/time -v; peak RSS and the output kept.
measure() {
  local name=$1 cmd=$2 stdout_file=$3
  say "peak RSS $name"
  # shellcheck disable=SC2086 # the command line is split on purpose
  /usr/bin/time -v -o "$out/$name.time" $cmd >"$stdout_file" 2>"$out/$name.stderr" || true
}

tools=(keyless ripgrep)
if [[ $SKIP_PEERS != 1 ]]; then
  if [[ $SKIP_SLOW == 1 ]]; then
    tools=(keyless kingfisher ripgrep)
  else
    tools=(keyless kingfisher ripsecrets detect-secrets ripgrep)
  fi
fi

for tool in "${tools[@]}"; do
  case $tool in
  keyless)
    bench keyless "$RUNS" "$WARMUP" "$(keyless_cmd "$corpus")"
    measure keyless "$(keyless_cmd "$corpus" "$out/keyless.out.json")" /dev/null
    ;;
  kingfisher)
    bench kingfisher "$RUNS" "$WARMUP" "$(kingfisher_cmd "$corpus")"
    measure kingfisher "$(kingfisher_cmd "$corpus" "$out/kingfisher.out.json")" /dev/null
    ;;
  ripsecrets)
    bench ripsecrets "$RUNS" "$WARMUP" "$(ripsecrets_cmd "$corpus")"
    measure ripsecrets "$(ripsecrets_cmd "$corpus")" "$out/ripsecrets.out.txt"
    ;;
  detect-secrets)
    # Minutes per run: the timed runs also give the peak RSS and the output (of the last run).
    say "hyperfine detect-secrets: $(detect_secrets_cmd "$corpus")"
    hyperfine -i --style basic --runs "$SLOW_RUNS" --warmup 0 --command-name detect-secrets \
      --export-json "$out/detect-secrets.json" -- \
      "cd $corpus && /usr/bin/time -v -o $out/detect-secrets.time $detect_secrets scan --all-files . >$out/detect-secrets.out.json" >&2
    ;;
  ripgrep)
    bench ripgrep "$RUNS" "$WARMUP" "$(rg_cmd "$corpus")"
    measure ripgrep "$(rg_cmd "$corpus")" "$out/ripgrep.out.txt"
    ;;
  esac
done

# Paired: keyless and Kingfisher alternately on the corpus, one run each per pair.
if [[ $SKIP_PEERS != 1 && $PAIRS -gt 0 ]]; then
  say "paired: keyless and Kingfisher alternately, $PAIRS pairs after $WARMUP unrecorded pair(s)"
  python3 "$repo_root/bench/paired.py" "$out/paired.json" "$PAIRS" "$WARMUP" \
    keyless "$(keyless_cmd "$corpus")" kingfisher "$(kingfisher_cmd "$corpus")"
fi

# Per kind: the corpus split into config, iac, code and other (bench/trees.py says which is which),
# each tree timed with keyless, Kingfisher and ripgrep.
kind_lines=()
if [[ $KINDS == 1 ]]; then
  say "splitting $corpus by file kind into $out/kinds"
  python3 "$repo_root/bench/trees.py" split "$corpus" "$out/kinds" >"$out/kinds.tsv"
  mapfile -t kind_lines <"$out/kinds.tsv"
  for line in "${kind_lines[@]}"; do
    IFS=$'\t' read -r kind dir _ <<<"$line"
    bench "kind-$kind-keyless" "$RUNS" "$WARMUP" "$(keyless_cmd "$dir")"
    measure "kind-$kind-keyless" "$(keyless_cmd "$dir" "$out/kind-$kind-keyless.out.json")" /dev/null
    [[ $SKIP_PEERS == 1 ]] || bench "kind-$kind-kingfisher" "$RUNS" "$WARMUP" "$(kingfisher_cmd "$dir")"
    bench "kind-$kind-ripgrep" "$RUNS" "$WARMUP" "$(rg_cmd "$dir")"
  done
  rm -rf -- "$out/kinds"
fi

# Many small files: peak RSS and wall against file count rather than bytes.
many_line=
if [[ $MANY_FILES -gt 0 ]]; then
  say "writing $MANY_FILES small files under $out/many"
  many_line=$(python3 "$repo_root/bench/trees.py" many "$out/many" "$MANY_FILES")
  bench many-keyless "$RUNS" "$WARMUP" "$(keyless_cmd "$out/many")"
  measure many-keyless "$(keyless_cmd "$out/many" "$out/many-keyless.out.json")" /dev/null
  bench many-ripgrep "$RUNS" "$WARMUP" "$(rg_cmd "$out/many")"
  rm -rf -- "$out/many"
fi

# Growth: keyless and ripgrep on the scaled copies (x1 is the run above).
growth=("1 $corpus")
for n in $SCALES; do
  dir=$(scaled_dir "$n")
  growth+=("$n $dir")
  bench "keyless-x$n" "$RUNS" "$WARMUP" "$(keyless_cmd "$dir")"
  measure "keyless-x$n" "$(keyless_cmd "$dir")" /dev/null
  bench "ripgrep-x$n" "$RUNS" "$WARMUP" "$(rg_cmd "$dir")"
done

# Cold start: one small file in an empty directory.
mkdir -p "$work/cold"
printf 'greeting = "hello"\n' >"$work/cold/settings.toml"
cold=$work/cold/settings.toml
bench keyless-cold "$COLD_RUNS" 3 "$keyless scan $cold"
[[ $SKIP_PEERS == 1 ]] || bench kingfisher-cold "$COLD_RUNS" 3 "$(kingfisher_cmd "$cold")"
# And a source file that needs the C# parser, a call rule and its remediation: a pre-commit hook
# on code pays for those too.
mkdir -p "$work/cold-code"
printf 'using Azure.Storage.Blobs;\n\nclass Upload\n{\n    static void Main(string[] args)\n    {\n        var client = new BlobServiceClient(Environment.GetEnvironmentVariable(\"AZURE_STORAGE_CONNECTION_STRING\"));\n        client.GetBlobContainerClient("reports").UploadBlob("q1.csv", BinaryData.FromString("x"));\n    }\n}\n' >"$work/cold-code/Upload.cs"
cold_code=$work/cold-code/Upload.cs
bench keyless-cold-code "$COLD_RUNS" 3 "$keyless scan $cold_code"
[[ $SKIP_PEERS == 1 ]] || bench kingfisher-cold-code "$COLD_RUNS" 3 "$(kingfisher_cmd "$cold_code")"

# ---------------------------------------------------------------------------------------------
# Facts for the report.
cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
mem=$(awk '/^MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)
version_of() { "$@" 2>&1 | head -n 1 || true; }
meta_file=$out/meta.tsv
: >"$meta_file"
# meta KEY VALUE...: one tab-separated line for summarize.py.
meta() { (IFS=$'\t'; printf '%s\n' "$*") >>"$meta_file"; }
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta nproc "$(nproc)"
meta cpu "${cpu:-unknown}"
meta memory "${mem:-unknown}"
meta load "$(cut -d' ' -f1-3 /proc/loadavg)"
meta corpus "$corpus"
commit=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo_root" diff --quiet HEAD -- src 2>/dev/null || commit="$commit (src/ modified)"
[[ -z ${KEYLESS:-} ]] || commit="$keyless"
meta keyless_build "$commit"
meta runs "$RUNS"
meta warmup "$WARMUP"
meta slow_runs "$SLOW_RUNS"
meta cold_runs "$COLD_RUNS"
meta skip_slow "$SKIP_SLOW"
meta pairs "$PAIRS"
meta version keyless "$(version_of "$keyless" --version)"
meta command keyless "$(keyless_cmd DIR)"
if [[ $SKIP_PEERS != 1 ]]; then
  meta version kingfisher "$(version_of "$kingfisher" --version)"
  meta command kingfisher "$(kingfisher_cmd DIR)"
  if [[ $SKIP_SLOW != 1 ]]; then
    meta version ripsecrets "$(version_of "$ripsecrets" --version)"
    meta version detect-secrets "detect-secrets $(version_of "$detect_secrets" --version)"
    meta command ripsecrets "$(ripsecrets_cmd DIR)"
    meta command detect-secrets "$(detect_secrets_cmd DIR)"
  fi
fi
meta version ripgrep "$(version_of "$rg" --version)"
meta version hyperfine "$(version_of hyperfine --version)"
meta command ripgrep "$(rg_cmd DIR)"
meta command keyless-cold "$keyless scan FILE"
meta command keyless-cold-code "$keyless scan FILE.cs"
[[ $SKIP_PEERS == 1 ]] || meta command kingfisher-cold "$(kingfisher_cmd FILE)"
for tool in "${tools[@]}"; do meta tool "$tool"; done
for g in "${growth[@]}"; do
  read -r n dir <<<"$g"
  meta growth "$n" "$dir" "$(files_of "$dir")" "$(bytes_of "$dir")"
done
# kind NAME DIR FILES BYTES EXTENSIONS (the trees are gone by now; trees.py counted them).
for line in "${kind_lines[@]}"; do meta kind "$line"; done
# many DIR FILES BYTES
[[ -z $many_line ]] || meta many "$many_line"

python3 "$repo_root/bench/summarize.py" "$out" >"$RESULTS"
say "wrote $RESULTS (raw data in $out)"
cat "$RESULTS"
