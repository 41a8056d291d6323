#!/usr/bin/env python3
"""Scores keyless's SDK-use findings against the hand-made labels of bench/labels/.

Usage:
  python3 bench/score-sdk-calls.py --labels bench/labels/sdk-calls.tsv \\
      --files bench/labels/sdk-files.tsv \\
      --corpus-json bench-corpus=REPORT1.json --corpus-json bench-history=REPORT2.json \\
      [--json] [--misses]

Each REPORT is the JSON output of `keyless scan --format json <corpus folder>`:
{"findings": [{"rule_id", "level", "path", "line", "end_line", "service", ...}]}, with `path`
relative to the scanned folder and 1-based lines.

Only findings whose rule_id starts with `sdk-` (any level) in files listed in --files count.
- A positive row is hit when some such finding's line lies in [line, end_line]; several findings
  inside one positive row count once.
- A finding inside no positive row of its file (inside a negative row, or anywhere else in a
  listed file) is a false positive. False positives are counted once per (file, line).
- precision = hits / (hits + false positives); recall = hits / positives.
- service accuracy = hits where some finding inside the row has `service` equal to the label's
  service, over hits.
Languages javascript and typescript are reported together as js/ts. Standard library only;
always exits 0 (a missing or unreadable report is reported as a warning on stderr).
"""

import argparse
import csv
import json
import sys

LANG_GROUP = {"javascript": "js/ts", "typescript": "js/ts"}
LANG_ORDER = ["csharp", "python", "js/ts", "java", "go", "powershell"]


def group(lang):
    return LANG_GROUP.get(lang, lang)


def norm_path(p, corpus):
    """Path relative to the corpus folder, with forward slashes."""
    p = p.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    marker = corpus + "/"
    i = p.find(marker)
    if i >= 0 and (i == 0 or p[i - 1] == "/"):
        p = p[i + len(marker):]
    return p.lstrip("/")


def read_tsv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return rows


def load_findings(spec, warn):
    if "=" not in spec:
        warn(f"--corpus-json {spec!r}: expected CORPUS=REPORT.json")
        return None, []
    corpus, path = spec.split("=", 1)
    corpus = corpus.strip().rstrip("/")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        warn(f"cannot read {path}: {e}")
        return corpus, []
    findings = data.get("findings", []) if isinstance(data, dict) else data
    out = []
    for fd in findings or []:
        if not isinstance(fd, dict):
            continue
        if not str(fd.get("rule_id", "")).startswith("sdk-"):
            continue
        try:
            line = int(fd.get("line"))
        except (TypeError, ValueError):
            continue
        out.append(
            {
                "path": norm_path(str(fd.get("path", "")), corpus),
                "line": line,
                "service": fd.get("service"),
                "rule_id": fd.get("rule_id"),
            }
        )
    return corpus, out


def pct(n, d):
    return None if d == 0 else n / d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", required=True)
    ap.add_argument("--files", required=True)
    ap.add_argument("--corpus-json", action="append", default=[], metavar="CORPUS=REPORT.json")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--misses", action="store_true", help="list missed positives and false positives")
    args = ap.parse_args()

    def warn(msg):
        print(f"score-sdk-calls: warning: {msg}", file=sys.stderr)

    files = {}  # (corpus, path) -> language
    for r in read_tsv(args.files):
        files[(r["corpus"], r["path"])] = r["language"]

    rows_by_file = {}
    positives = []
    for r in read_tsv(args.labels):
        key = (r["corpus"], r["path"])
        if key not in files:
            warn(f"label row for unlisted file {r['corpus']}/{r['path']}:{r['line']}")
        row = {
            "corpus": r["corpus"],
            "path": r["path"],
            "line": int(r["line"]),
            "end_line": int(r["end_line"]),
            "language": r["language"],
            "label": r["label"],
            "service": r["service"],
            "kind": r["kind"],
            "note": r.get("note", ""),
            "findings": [],
        }
        rows_by_file.setdefault(key, []).append(row)
        if row["label"] == "positive":
            positives.append(row)

    considered = {}  # group -> count of findings
    false_pos = {}  # (corpus, path, line) -> info
    covered = set()
    for spec in args.corpus_json:
        corpus, findings = load_findings(spec, warn)
        if corpus is None:
            continue
        covered.add(corpus)
        for fd in findings:
            key = (corpus, fd["path"])
            lang = files.get(key)
            if lang is None:
                continue
            g = group(lang)
            considered[g] = considered.get(g, 0) + 1
            inside = [
                r
                for r in rows_by_file.get(key, [])
                if r["label"] == "positive" and r["line"] <= fd["line"] <= r["end_line"]
            ]
            if inside:
                for r in inside:
                    r["findings"].append(fd)
            else:
                neg = [
                    r
                    for r in rows_by_file.get(key, [])
                    if r["label"] == "negative" and r["line"] <= fd["line"] <= r["end_line"]
                ]
                fp_key = (corpus, fd["path"], fd["line"])
                if fp_key not in false_pos:
                    false_pos[fp_key] = {
                        "corpus": corpus,
                        "path": fd["path"],
                        "line": fd["line"],
                        "group": g,
                        "rule_id": fd["rule_id"],
                        "service": fd["service"],
                        "in_negative": bool(neg),
                    }
    for c in sorted({r["corpus"] for r in positives} - covered):
        warn(f"no --corpus-json for {c}: its positives all count as misses")

    groups = [g for g in LANG_ORDER]
    extra = sorted({group(l) for l in files.values()} - set(groups))
    groups += extra
    stats = {}
    for g in groups + ["total"]:
        pos = [r for r in positives if g == "total" or group(r["language"]) == g]
        hits = [r for r in pos if r["findings"]]
        svc_ok = [r for r in hits if any(f["service"] == r["service"] for f in r["findings"])]
        fps = [f for f in false_pos.values() if g == "total" or f["group"] == g]
        cons = sum(considered.values()) if g == "total" else considered.get(g, 0)
        stats[g] = {
            "positives": len(pos),
            "hits": len(hits),
            "recall": pct(len(hits), len(pos)),
            "findings": cons,
            "false_positives": len(fps),
            "precision": pct(len(hits), len(hits) + len(fps)),
            "service_correct": len(svc_ok),
            "service_accuracy": pct(len(svc_ok), len(hits)),
        }

    missed = [r for r in positives if not r["findings"]]
    if args.json:
        out = {"by_language": {g: stats[g] for g in groups}, "total": stats["total"]}
        if args.misses:
            out["missed"] = [
                {k: r[k] for k in ("corpus", "path", "line", "end_line", "language", "service", "kind", "note")}
                for r in missed
            ]
            out["false_positives"] = sorted(false_pos.values(), key=lambda f: (f["corpus"], f["path"], f["line"]))
        json.dump(out, sys.stdout, indent=2)
        print()
        return 0

    def fmt(x):
        return "-" if x is None else f"{100 * x:.1f}%"

    hdr = ["language", "positives", "hits", "recall", "findings", "false pos", "precision", "service acc"]
    lines = [hdr]
    for g in groups + ["total"]:
        s = stats[g]
        lines.append(
            [
                g,
                str(s["positives"]),
                str(s["hits"]),
                fmt(s["recall"]),
                str(s["findings"]),
                str(s["false_positives"]),
                fmt(s["precision"]),
                f"{fmt(s['service_accuracy'])} ({s['service_correct']}/{s['hits']})",
            ]
        )
    widths = [max(len(l[i]) for l in lines) for i in range(len(hdr))]
    for i, l in enumerate(lines):
        if i == len(lines) - 1:
            print("  ".join("-" * w for w in widths))
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(l, widths))))

    if args.misses:
        print(f"\nMissed positives ({len(missed)}):")
        for r in sorted(missed, key=lambda r: (r["corpus"], r["path"], r["line"])):
            print(f"  {r['corpus']}/{r['path']}:{r['line']}-{r['end_line']}  {r['service']}/{r['kind']}  {r['note']}")
        print(f"\nFalse positives ({len(false_pos)}):")
        for f in sorted(false_pos.values(), key=lambda f: (f["corpus"], f["path"], f["line"])):
            where = "in negative row" if f["in_negative"] else "outside labelled positives"
            print(f"  {f['corpus']}/{f['path']}:{f['line']}  {f['rule_id']} ({f['service']})  {where}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(0)
