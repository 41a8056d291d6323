#!/usr/bin/env python3
"""Turns the raw output of bench/run.sh (target/bench/) into the markdown of bench/RESULTS.md.

Usage: summarize.py OUT_DIR > RESULTS.md

Reads OUT_DIR/meta.tsv (facts about the run), OUT_DIR/NAME.json (hyperfine exports),
OUT_DIR/NAME.time (/usr/bin/time -v) and each tool's saved output for its finding count.
Standard library only.
"""

import json
import os
import re
import sys

# The goals of issue #18, checked at the end of the report.
GOAL_VS_KINGFISHER = 2.0  # keyless at least this many times faster than Kingfisher
GOAL_VS_RIPGREP = 3.0  # keyless within this many times ripgrep's wall time
GOAL_RSS_MB = 100.0  # peak RSS, MB (10^6 bytes)
GOAL_COLD_MS = 20.0  # cold start on one small file
GOAL_LINEARITY = 1.25  # ns per byte at the largest scale / ns per byte at x1

LABELS = {
    "keyless": "keyless",
    "kingfisher": "Kingfisher",
    "ripsecrets": "ripsecrets",
    "detect-secrets": "detect-secrets",
    "ripgrep": "ripgrep (one literal)",
}


def read_meta(path):
    meta = {"version": {}, "command": {}, "tool": [], "growth": []}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            key, rest = fields[0], fields[1:]
            if key in ("version", "command") and len(rest) >= 2:
                meta[key][rest[0]] = "\t".join(rest[1:])
            elif key == "tool" and rest:
                meta["tool"].append(rest[0])
            elif key == "growth" and len(rest) == 4:
                scale, directory, files, nbytes = rest
                meta["growth"].append(
                    {"scale": int(scale), "dir": directory, "files": int(files), "bytes": int(nbytes)}
                )
            elif rest:
                meta[key] = "\t".join(rest)
    return meta


def hyperfine(out, name):
    """The hyperfine result for NAME, or None when it did not run."""
    try:
        with open(os.path.join(out, name + ".json"), encoding="utf-8") as f:
            results = json.load(f)["results"]
    except (OSError, ValueError, KeyError):
        return None
    return results[0] if results else None


def peak_rss_mb(out, name):
    try:
        with open(os.path.join(out, name + ".time"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return int(m.group(1)) * 1024 / 1e6 if m else None


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def findings(out, tool):
    """How many findings TOOL reported, as text (with what was counted when not obvious)."""
    if tool == "keyless":
        doc = load_json(os.path.join(out, "keyless.out.json"))
        return str(len(doc["findings"])) if doc else "?"
    if tool == "kingfisher":
        doc = load_json(os.path.join(out, "kingfisher.out.json"))
        if not doc:
            return "?"
        raw = sum(
            r.get("stats", {}).get("findings", 0)
            for r in doc.get("audit", {}).get("repositories", [])
        )
        n = len(doc.get("findings", []))
        return f"{n} ({raw} before dedup)" if raw and raw != n else str(n)
    if tool == "detect-secrets":
        doc = load_json(os.path.join(out, "detect-secrets.out.json"))
        return str(sum(len(v) for v in doc.get("results", {}).values())) if doc else "?"
    if tool == "ripsecrets":
        try:
            with open(os.path.join(out, "ripsecrets.out.txt"), encoding="utf-8", errors="replace") as f:
                return str(sum(1 for line in f if line.strip()))
        except OSError:
            return "?"
    if tool == "ripgrep":
        try:
            with open(os.path.join(out, "ripgrep.out.txt"), encoding="utf-8", errors="replace") as f:
                lines = [line.rsplit(":", 1) for line in f if line.strip()]
        except OSError:
            return "?"
        total = sum(int(c) for _, c in lines if c.strip().isdigit())
        return f"{total} lines in {len(lines)} files"
    return "?"


def cpu(result):
    """Mean CPU time (user + system) of a hyperfine result: steadier than wall on a busy machine."""
    return result.get("user", 0.0) + result.get("system", 0.0)


def what_was_read(out):
    """The files and bytes keyless and Kingfisher report having scanned (they skip or add some)."""
    said = []
    doc = load_json(os.path.join(out, "keyless.out.json"))
    summary = (doc or {}).get("summary", {})
    if "files_scanned" in summary:
        said.append(
            f"keyless {summary['files_scanned']:,} files, {summary.get('bytes_scanned', 0) / 1e6:.1f} MB"
            f" (skipped {summary.get('skipped_binary', 0):,} binary, {summary.get('skipped_large', 0):,} large)"
        )
    doc = load_json(os.path.join(out, "kingfisher.out.json"))
    summary = (doc or {}).get("metadata", {}).get("summary", {})
    if "blobs_scanned" in summary:
        said.append(
            f"Kingfisher {summary['blobs_scanned']:,} blobs, {summary.get('bytes_scanned', 0) / 1e6:.1f} MB"
            " (archives unpacked)"
        )
    return said


def seconds(s):
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt(x, spec, missing="–"):
    return missing if x is None else format(x, spec)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: summarize.py OUT_DIR")
    out = sys.argv[1]
    meta = read_meta(os.path.join(out, "meta.tsv"))
    base = next((g for g in meta["growth"] if g["scale"] == 1), None)
    if base is None:
        sys.exit("summarize: meta.tsv has no x1 corpus line")
    nfiles, nbytes = base["files"], base["bytes"]

    p = []
    p.append("# keyless benchmark results\n")
    p.append(
        "Written by `bench/run.sh`; rerun it to refresh. Raw hyperfine JSON and each tool's output "
        "are in `target/bench/`.\n"
    )
    p.append("## Machine and run\n")
    p.append(f"- Date: {meta.get('date', '?')}")
    p.append(f"- CPU: {meta.get('cpu', '?')}, {meta.get('nproc', '?')} cores (nproc); memory {meta.get('memory', '?')}")
    p.append(f"- Load average when the report was written: {meta.get('load', '?')}")
    p.append(f"- keyless build: {meta.get('keyless_build', '?')}")
    p.append(
        f"- Corpus: `{base['dir']}`: {nfiles:,} files, {nbytes:,} bytes ({nbytes / 1e6:.1f} MB) "
        "(the bench set of `../shared/bench/repos.txt`, exported by `../shared/bench/export.sh`)"
    )
    p.append(
        f"- hyperfine `--runs {meta.get('runs')} --warmup {meta.get('warmup')}` (medians); "
        f"detect-secrets `--runs {meta.get('slow_runs')}` without warmup (it takes minutes per run); "
        "peak RSS from one more run under `/usr/bin/time -v`, whose output also gives the finding count."
    )
    p.append(
        "- Throughput uses the whole corpus (files and bytes on disk) for every tool, so the columns "
        "compare like with like; each tool decides itself what it skips (binary files, .gitignore'd paths)."
    )
    p.append("- MB = 10^6 bytes.\n")

    p.append("### Versions\n")
    for tool, version in meta["version"].items():
        p.append(f"- {tool}: {version}")
    p.append("")
    p.append("### Command lines (DIR is the corpus, FILE a one-line file in an empty folder)\n")
    p.append("```")
    for tool, command in meta["command"].items():
        p.append(f"{tool:16} {command}")
    p.append("```\n")

    p.append("## Same tree, same run\n")
    p.append("| tool | wall median | CPU (user+sys) | files/s | MB/s | peak RSS (MB) | findings | vs ripgrep |")
    p.append("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    rg = hyperfine(out, "ripgrep")
    rg_wall = rg["median"] if rg else None
    walls = {}
    for tool in meta["tool"]:
        r = hyperfine(out, tool)
        if r is None:
            p.append(f"| {LABELS.get(tool, tool)} | did not run | | | | | | |")
            continue
        wall = r["median"]
        walls[tool] = wall
        runs = len(r.get("times", []))
        ratio = f"{wall / rg_wall:.1f}x" if rg_wall else "–"
        p.append(
            f"| {LABELS.get(tool, tool)} | {seconds(wall)}"
            + (f" ({runs} run{'s' if runs != 1 else ''})" if runs != int(meta.get("runs", 3)) else "")
            + f" | {seconds(cpu(r))} | {nfiles / wall:,.0f} | {nbytes / 1e6 / wall:.1f}"
            + f" | {fmt(peak_rss_mb(out, tool), '.1f')}"
            + f" | {findings(out, tool)} | {ratio} |"
        )
    p.append(
        "\nFindings are not comparable one for one: keyless reports credentials that should be "
        "managed identities (and key-based wiring), the others report secrets of any kind; ripgrep "
        "counts lines holding the literal `AccountKey`."
    )
    read = what_was_read(out)
    if read:
        p.append("\nWhat the scanners say they read: " + "; ".join(read) + ".")
    p.append("")

    if len(meta["growth"]) > 1:
        p.append("## Growth (cost against bytes)\n")
        p.append(
            "The corpus copied N times into one folder (`copy1/` … `copyN/`). Linear cost means a "
            "flat ns/byte column.\n"
        )
        p.append(
            "| scale | files | bytes | keyless wall | MB/s | ns/byte | keyless CPU | CPU ns/byte"
            " | peak RSS (MB) | ripgrep wall | keyless / ripgrep |"
        )
        p.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for g in meta["growth"]:
            suffix = "" if g["scale"] == 1 else f"-x{g['scale']}"
            k = hyperfine(out, "keyless" + suffix)
            r = hyperfine(out, "ripgrep" + suffix)
            kw = k["median"] if k else None
            rw = r["median"] if r else None
            p.append(
                f"| x{g['scale']} | {g['files']:,} | {g['bytes']:,} | {fmt(kw, '.2f')} s"
                f" | {fmt(kw and g['bytes'] / 1e6 / kw, '.1f')} | {fmt(kw and kw * 1e9 / g['bytes'], '.1f')}"
                f" | {fmt(k and cpu(k), '.2f')} s | {fmt(k and cpu(k) * 1e9 / g['bytes'], '.1f')}"
                f" | {fmt(peak_rss_mb(out, 'keyless' + suffix), '.1f')} | {fmt(rw, '.3f')} s"
                f" | {fmt(kw and rw and kw / rw, '.1f')}x |"
            )
        p.append("")

    p.append("## Cold start (one small file)\n")
    p.append("| tool | file | mean | median | min | runs |")
    p.append("| --- | --- | ---: | ---: | ---: | ---: |")
    colds = {}
    for name, file in (("keyless-cold", "settings.toml"), ("kingfisher-cold", "settings.toml"),
                       ("keyless-cold-code", "Upload.cs (C# parser, call rule)"),
                       ("kingfisher-cold-code", "Upload.cs (C# parser, call rule)")):
        r = hyperfine(out, name)
        if r is None:
            continue
        colds[name] = r["median"]
        p.append(
            f"| {name.split('-')[0]} | {file} | {r['mean'] * 1000:.1f} ± {r['stddev'] * 1000:.1f} ms"
            f" | {r['median'] * 1000:.1f} ms | {r['min'] * 1000:.1f} ms | {len(r.get('times', []))} |"
        )
    p.append("")

    p.append("## Goals of issue #18\n")

    def goal(ok, text):
        p.append(f"- {'PASS' if ok else 'FAIL'}: {text}")

    kw = walls.get("keyless")
    if kw and "kingfisher" in walls:
        goal(walls["kingfisher"] / kw >= GOAL_VS_KINGFISHER,
             f"at least {GOAL_VS_KINGFISHER:g}x faster than Kingfisher: {walls['kingfisher'] / kw:.2f}x")
    for peer in ("ripsecrets", "detect-secrets"):
        if kw and peer in walls:
            ratio = walls[peer] / kw
            if ratio >= 1:
                p.append(f"- info: {ratio:.1f}x faster than {peer}")
            else:
                p.append(f"- info: {1 / ratio:.1f}x slower than {peer}")
    if kw and rg_wall:
        goal(kw / rg_wall <= GOAL_VS_RIPGREP,
             f"within {GOAL_VS_RIPGREP:g}x of ripgrep: {kw / rg_wall:.1f}x")
    # The same two comparisons on CPU time, which a busy machine disturbs less than wall time.
    keyless_run = hyperfine(out, "keyless")
    for peer in ("kingfisher", "ripgrep"):
        peer_run = hyperfine(out, peer)
        if keyless_run and peer_run and cpu(keyless_run) > 0:
            p.append(
                f"- info: CPU time keyless {seconds(cpu(keyless_run))}, {LABELS[peer]} {seconds(cpu(peer_run))}"
                f" (keyless / {peer}: {cpu(keyless_run) / cpu(peer_run):.2f}x)"
            )
    rss = peak_rss_mb(out, "keyless")
    if rss is not None:
        goal(rss <= GOAL_RSS_MB, f"peak RSS at most {GOAL_RSS_MB:g} MB on the corpus: {rss:.1f} MB")
    for g in meta["growth"][1:]:
        scaled = peak_rss_mb(out, f"keyless-x{g['scale']}")
        if scaled is not None:
            p.append(f"- info: peak RSS at x{g['scale']}: {scaled:.1f} MB")
    # Linearity is judged on CPU time per byte: wall time on a shared machine swings too much.
    first = hyperfine(out, "keyless")
    largest = meta["growth"][-1] if len(meta["growth"]) > 1 else None
    last = hyperfine(out, f"keyless-x{largest['scale']}") if largest else None
    if first and last:
        cpu_ratio = (cpu(last) / largest["bytes"]) / (cpu(first) / nbytes)
        wall_ratio = (last["median"] / largest["bytes"]) / (first["median"] / nbytes)
        goal(cpu_ratio <= GOAL_LINEARITY,
             f"linear growth (CPU ns/byte at x{largest['scale']} within {GOAL_LINEARITY:g}x of x1): {cpu_ratio:.2f}x")
        p.append(f"- info: wall ns/byte at x{largest['scale']} / x1: {wall_ratio:.2f}x")
    if "keyless-cold" in colds:
        goal(colds["keyless-cold"] * 1000 < GOAL_COLD_MS,
             f"cold start under {GOAL_COLD_MS:g} ms: {colds['keyless-cold'] * 1000:.1f} ms (median)")
    if "keyless-cold-code" in colds:
        goal(colds["keyless-cold-code"] * 1000 < GOAL_COLD_MS,
             f"cold start on a C# file under {GOAL_COLD_MS:g} ms: "
             f"{colds['keyless-cold-code'] * 1000:.1f} ms (median)")
    p.append("")
    print("\n".join(p))


if __name__ == "__main__":
    main()
