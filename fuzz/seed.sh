#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from fixtures/ and ../shared/corpus (when present), so corpora are
# generated, never committed. Idempotent: existing corpus files (libFuzzer's finds) are kept.
#
# scan_text, code and resolver read their first byte as a selector (a file name / a language), so their
# seeds get that byte prefixed; the selector tables are in fuzz_targets/scan_text.rs and code.rs.
set -euo pipefail
cd "$(dirname "$0")"
repo=..
shared=../../shared/corpus
[ -d "$shared" ] || shared=""

# Seeds larger than this are skipped: libFuzzer's -max_len would cut them anyway.
max_bytes=65536

seed() { # seed TARGET PREFIX_BYTE(decimal or "") FILE
  local target=$1 prefix=$2 file=$3
  local size
  size=$(stat -c %s "$file")
  [ "$size" -le "$max_bytes" ] || return 0
  local dir=corpus/$target
  mkdir -p "$dir"
  local name
  name=$(printf '%s:%s' "$prefix" "$file" | sha1sum | cut -c1-16)
  if [ -n "$prefix" ]; then
    { printf "\\$(printf '%03o' "$prefix")"; cat "$file"; } >"$dir/seed-$name"
  else
    cp "$file" "$dir/seed-$name"
  fi
}

# File name -> index in scan_text's NAMES table (same extension family).
scan_text_index() {
  case "$1" in
    *.json | *.jsonc) echo 0 ;;
    *.bicepparam) echo 4 ;;
    *.bicep) echo 3 ;;
    *.tfvars) echo 6 ;;
    *.tf | *.hcl) echo 5 ;;
    */.github/workflows/*) echo 8 ;;
    *.yaml | *.yml) echo 7 ;;
    *.config) echo 10 ;;
    *.csproj | *.pubxml | *.props) echo 11 ;;
    *.xml | *.cscfg | *.csdef) echo 12 ;;
    *.env | */.env*) echo 13 ;;
    *.properties) echo 14 ;;
    *.ini | *.cfg | *.conf) echo 15 ;;
    *.cs | *.csx) echo 16 ;;
    *.py) echo 17 ;;
    *.js | *.mjs | *.jsx) echo 18 ;;
    *.ts | *.tsx) echo 19 ;;
    *.java) echo 20 ;;
    *.go) echo 21 ;;
    *.ps1 | *.psm1) echo 22 ;;
    *.rs) echo 23 ;;
    *.md) echo 24 ;;
    *.sh) echo 25 ;;
    *.ipynb) echo 28 ;;
    *.http | *.rest) echo 29 ;;
    *.bot) echo 30 ;;
    *) echo 26 ;;
  esac
}

# Language -> index in code's LANGUAGES table.
code_index() {
  case "$1" in
    *.cs | *.csx) echo 0 ;;
    *.py) echo 1 ;;
    *.js | *.mjs | *.jsx) echo 2 ;;
    *.ts | *.tsx) echo 3 ;;
    *.java) echo 4 ;;
    *.go) echo 5 ;;
    *.ps1 | *.psm1) echo 6 ;;
    *.rs) echo 7 ;;
    *) echo "" ;;
  esac
}

fixture_files=$(find "$repo/fixtures" -type f)
for file in $fixture_files; do
  seed scan_text "$(scan_text_index "$file")" "$file"
  index=$(code_index "$file")
  [ -z "$index" ] || seed code "$index" "$file"
  [ -z "$index" ] || seed resolver "$index" "$file"
  case "$file" in
    *.json | *.jsonc) seed json "" "$file" ;;
    *.bicep | *.bicepparam) seed bicep "" "$file" ;;
    *.tf | *.tfvars | *.hcl) seed hcl "" "$file" ;;
    *.yaml | *.yml) seed yaml "" "$file" ;;
    *.xml | *.config | *.csproj | *.pubxml | *.cscfg) seed xml "" "$file" ;;
    *.env | */.env* | *.properties | *.ini) seed keyvalue "" "$file" ;;
    *.ipynb) seed derived 0 "$file" ;;
    *.http | *.rest) seed derived 1 "$file" ;;
  esac
done

# A sample of the shared ARM corpus (every 8th template) keeps startup short.
if [ -n "$shared" ]; then
  find "$shared" -name '*.json' | sort | awk 'NR % 8 == 0' | while read -r file; do
    seed json "" "$file"
    seed scan_text 0 "$file"
  done
fi

# The derived-text readers: selector 0 reads a notebook, 1 an .http file.
mkdir -p corpus/derived
printf '\000{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [{"output_type": "stream", "text": ["caf\\u00e9 \\ud83d\\ude00\\n"]}],\n "source": ["key = \\"0123456789abcdef0123456789abcdef\\"\\n", "print(key)"]},\n {"cell_type": "markdown", "metadata": {}, "source": "# Notes \\/ \\t"}], "nbformat": 4}\n' >corpus/derived/seed-notebook
printf '\001@host = https://kl-fake.azure-api.net\n@key = 0123456789abcdef0123456789abcdef\n@url = {{host}}/v1\n\n### list\nGET {{url}}/items\nOcp-Apim-Subscription-Key: {{key}}\nX-Id: {{$guid}}\n' >corpus/derived/seed-http

mkdir -p corpus/config corpus/baseline
cat >corpus/config/seed-readme <<'TOML'
exclude = ["docs/samples", "*.snap"]
fail-level = "error"
max-file-size = "5M"

[rules]
disable = ["storage-sas-token"]
enable = []

[[overrides]]
paths = ["tests", "**/*.test.js"]
rules = ["storage"]
level = "note"

[[allow]]
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
rules = ["storage-account-key"]
reason = "documented sample"

[[allow]]
value = "not-a-secret"
TOML
printf 'max-file-size = 1048576\nfail-level = "note"\n[rules]\ndisable = ["all"]\nenable = ["entra-client-secret"]\n' >corpus/config/seed-numeric
cat >corpus/baseline/seed-two <<'JSON'
{"version":1,"tool":"keyless","entries":[
{"rule":"storage-account-key","path":"app/.env","secret_sha256":"0000000000000000000000000000000000000000000000000000000000000000"},
{"rule":"entra-client-secret","path":"src/app.py","secret_sha256":"1111111111111111111111111111111111111111111111111111111111111111"}
]}
JSON
printf '{"version":1,"entries":[]}\n' >corpus/baseline/seed-empty

for dir in corpus/*; do
  echo "$(basename "$dir"): $(find "$dir" -type f | wc -l) seeds"
done
