#!/usr/bin/env python3
"""Score a keyless JSON report against the real-leak labels.

    keyless scan --format json bench-leaks > REPORT.json
    python3 bench/leaks/score.py REPORT.json [--misses] [--json]

Only findings with level == "error" count. A label is hit when an error
finding is in the same case file at the same line, or when a finding's
fingerprint equals the label's sha256 anywhere in that file. An error finding
that hits no label is a false positive (negatives.tsv rows are look-alikes, so
an error finding on one of them is simply a false positive; they are listed
separately with --misses). A finding on a row of ambiguous.tsv (values judged
unresolvable after reading) counts neither way. Never prints a value. Always exits 0.
"""
import argparse, collections, csv, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name):
    with open(os.path.join(HERE, name), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def case_path(r):
    owner, name = r["repo"].split("/", 1)
    return f"{owner}__{name}/{r['commit'][:12]}/{r['path']}"


def norm(p):
    p = p.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    for pre in ("bench-leaks/",):
        i = p.find(pre)
        if i >= 0 and (i == 0 or p[i - 1] == "/"):
            p = p[i + len(pre):]
    return p.lstrip("/")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--misses", action="store_true", help="list missed labels and false positives")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args()
    labels = load("labels.tsv")
    negatives = load("negatives.tsv")
    # Values judged unresolvable after reading (README): a finding on one counts neither way.
    ambiguous = load("ambiguous.tsv") if os.path.exists(os.path.join(HERE, "ambiguous.tsv")) else []
    try:
        with open(a.report) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        print(f"cannot read report: {e}", file=sys.stderr)
        return 0
    findings = [x for x in rep.get("findings", []) if x.get("level") == "error"]

    by_file = collections.defaultdict(list)
    for i, l in enumerate(labels):
        by_file[case_path(l)].append(i)
    neg_at = {(case_path(n), int(n["line"])): n for n in negatives}
    unsure = {(case_path(n), int(n["line"])) for n in ambiguous} | {
        (case_path(n), n["sha256"].lower()) for n in ambiguous}

    hit = [False] * len(labels)
    fp = []
    fp_service = collections.Counter()
    err_service = collections.Counter()
    for f in findings:
        p = norm(f.get("path", ""))
        line = f.get("line")
        fpr = (f.get("fingerprint") or "").lower()
        if (p, line) in unsure or (p, fpr) in unsure:
            continue
        matched = []
        for i in by_file.get(p, []):
            l = labels[i]
            if (line is not None and int(line) == int(l["line"])) or (fpr and fpr == l["sha256"].lower()):
                matched.append(i)
        if matched:
            for i in matched:
                hit[i] = True
            svc = labels[matched[0]]["service"]
        else:
            svc = f.get("service") or "unknown"
            fp.append(f)
            fp_service[svc] += 1
        err_service[svc] += 1

    services = sorted({l["service"] for l in labels} | set(err_service))
    table = []
    for s in services + ["TOTAL"]:
        idx = [i for i, l in enumerate(labels) if s == "TOTAL" or l["service"] == s]
        pos = len(idx)
        h = sum(1 for i in idx if hit[i])
        errs = len(findings) if s == "TOTAL" else err_service[s]
        fps = len(fp) if s == "TOTAL" else fp_service[s]
        table.append({
            "service": s, "positives": pos, "hits": h,
            "recall": round(h / pos, 4) if pos else None,
            "error_findings": errs, "false_positives": fps,
            "precision": round((errs - fps) / errs, 4) if errs else None,
        })
    misses = [{"path": case_path(labels[i]), "line": int(labels[i]["line"]),
               "service": labels[i]["service"], "kind": labels[i]["kind"]}
              for i in range(len(labels)) if not hit[i]]
    fps_out = []
    for f in fp:
        p = norm(f.get("path", ""))
        n = neg_at.get((p, int(f["line"]) if f.get("line") is not None else -1))
        fps_out.append({"path": p, "line": f.get("line"), "rule_id": f.get("rule_id"),
                        "service": f.get("service"), "on_negative": bool(n)})
    if a.json:
        out = {"by_service": table}
        if a.misses:
            out["misses"] = misses
            out["false_positives"] = fps_out
        print(json.dumps(out, indent=2))
        return 0
    fmt = "{:<20} {:>9} {:>6} {:>8} {:>7} {:>6} {:>9}"
    print(fmt.format("service", "positives", "hits", "recall", "errors", "FP", "precision"))
    for t in table:
        r = "-" if t["recall"] is None else f"{t['recall']:.3f}"
        pr = "-" if t["precision"] is None else f"{t['precision']:.3f}"
        print(fmt.format(t["service"], t["positives"], t["hits"], r, t["error_findings"], t["false_positives"], pr))
    if a.misses:
        print(f"\nmissed labels ({len(misses)}):")
        for m in misses:
            print(f"  {m['path']}:{m['line']}  {m['service']}  {m['kind']}")
        print(f"\nfalse positives ({len(fps_out)}):")
        for f in fps_out:
            tag = "  [labelled negative]" if f["on_negative"] else ""
            print(f"  {f['path']}:{f['line']}  {f['service']}  {f['rule_id']}{tag}")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # never fail the caller
        print(f"score.py error: {e}", file=sys.stderr)
    sys.exit(0)
