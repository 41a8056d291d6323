#!/usr/bin/env python3
"""Rebuild the real-leak benchmark case files from the fetched repositories.

For each distinct (repo, commit, path) in labels.tsv and negatives.tsv, write the
blob at that commit to OUT/<owner>__<name>/<commit[:12]>/<path>, then check that
the SHA-256 of the labelled value occurs on the labelled line (each candidate
token on that line is hashed; values themselves are never stored anywhere).

Usage: python3 bench/leaks/rebuild.py [--out DIR] [--mirror-root DIR]
Mirror root: $MIRROR_ROOT or /work/.mirror (bare repos at <root>/<owner>+<name>/repo).
Default output: /work/main/bench-leaks/ (git-ignored; never commit it).
Stdlib + git only. Exit status 1 if any blob is missing or any hash mismatches.
"""
import argparse, csv, hashlib, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ["repo", "commit", "path", "line", "service", "kind", "sha256", "note"]


def load(name):
    with open(os.path.join(HERE, name), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def git_dir(root, repo):
    owner, name = repo.split("/", 1)
    return os.path.join(root, f"{owner}+{name}", "repo")


TOKEN_SPLITS = [
    re.compile(r"[\s\"'`,;<>(){}\[\]]+"),      # whitespace / quotes / punctuation
    re.compile(r"[\s\"'`,;<>(){}\[\]&?=:@]+"),  # also URL/query/kv separators
    re.compile(r"[^A-Za-z0-9+/=_\-.~%]+"),      # base64/url-ish runs
]
KV = re.compile(r"[=:]\s*")


def candidate_tokens(line):
    """Yield plausible secret tokens on a line (cheap tokenizers first)."""
    seen = set()
    for rx in TOKEN_SPLITS:
        for tok in rx.split(line):
            for t in (tok, tok.strip("=:")):
                if t and t not in seen:
                    seen.add(t); yield t
            # key=value / key: value pieces, and everything after the first '='
            parts = KV.split(tok, maxsplit=1)
            if len(parts) == 2:
                for t in parts:
                    if t and t not in seen:
                        seen.add(t); yield t
    # URL-style sig=... values
    for m in re.finditer(r"(?:sig|SharedAccessKey|AccountKey|Password|pwd)=([^;&\"'\s]+)", line, re.I):
        t = m.group(1)
        if t not in seen:
            seen.add(t); yield t


def line_has_hash(line, digest):
    for t in candidate_tokens(line):
        if hashlib.sha256(t.encode()).hexdigest() == digest:
            return True
    # fallback: every substring of length 8..128 (values with unusual characters)
    n = len(line)
    for i in range(n):
        for j in range(i + 8, min(n, i + 128) + 1):
            if hashlib.sha256(line[i:j].encode()).hexdigest() == digest:
                return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/main/bench-leaks")
    ap.add_argument("--mirror-root", default=os.environ.get("MIRROR_ROOT", "/work/.mirror"))
    a = ap.parse_args()
    rows = [("label", r) for r in load("labels.tsv")] + [("negative", r) for r in load("negatives.tsv")]
    files = {}
    for _, r in rows:
        files.setdefault((r["repo"], r["commit"], r["path"]), None)
    problems = 0
    for (repo, commit, path) in files:
        gd = git_dir(a.mirror_root, repo)
        p = subprocess.run(["git", "--git-dir", gd, "cat-file", "blob", f"{commit}:{path}"], capture_output=True)
        if p.returncode != 0:
            print(f"MISSING {repo} {commit[:12]} {path}: {p.stderr.decode().strip()}", file=sys.stderr)
            problems += 1
            continue
        owner, name = repo.split("/", 1)
        dest = os.path.join(a.out, f"{owner}__{name}", commit[:12], path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(p.stdout)
        files[(repo, commit, path)] = p.stdout.decode("utf-8", "replace").split("\n")
    ok = 0
    for kind, r in rows:
        lines = files.get((r["repo"], r["commit"], r["path"]))
        if lines is None:
            continue
        ln = int(r["line"])
        if 1 <= ln <= len(lines) and line_has_hash(lines[ln - 1], r["sha256"]):
            ok += 1
        else:
            problems += 1
            print(f"MISMATCH {kind} {r['repo']} {r['commit'][:12]} {r['path']}:{ln} ({r['service']}/{r['kind']})", file=sys.stderr)
    print(f"wrote {sum(1 for v in files.values() if v is not None)} files to {a.out}; "
          f"{ok}/{len(rows)} rows verified, {problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
