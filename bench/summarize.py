#!/usr/bin/env python3
"""Turns the raw output of bench/run.sh (target/bench/) into the markdown of bench/RESULTS.md.

Usage: summarize.py OUT_DIR > RESULTS.md

Reads OUT_DIR/meta.tsv (facts about the run), OUT_DIR/NAME.json (hyperfine exports),
OUT_DIR/paired.json (bench/paired.py), OUT_DIR/NAME.time (/usr/bin/time -v) and each tool's saved
output for its finding count. Standard library only.
"""

import json
import os
import re
import statistics
import sys

# The goals of issue #18, checked at the end of the report.
GOAL_KINGFISHER_RATIO = 0.33  # keyless wall / Kingfisher wall, median of the paired runs
GOAL_MIN_PAIRS = 5  # fewer pairs than this do not settle the Kingfisher goal
GOAL_VS_RIPGREP = 3.0  # keyless within this many times ripgrep's wall time on files needing no parser
NO_PARSER_KIND = "other"  # the kind of bench/trees.py read with text rules only
GOAL_RSS_MB = 100.0  # peak RSS, MB (10^6 bytes), on the corpus and on the many-small-files tree
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
    meta = {"version": {}, "command": {}, "tool": [], "growth": [], "kinds": [], "many": None}
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
            elif key == "kind" and len(rest) >= 4:
                kind, directory, files, nbytes = rest[:4]
                extensions = rest[4] if len(rest) > 4 else ""
                meta["kinds"].append(
                    {"kind": kind, "dir": directory, "files": int(files), "bytes": int(nbytes),
                     "extensions": extensions}
                )
            elif key == "many" and len(rest) == 3:
                directory, files, nbytes = rest
                meta["many"] = {"dir": directory, "files": int(files), "bytes": int(nbytes)}
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


def scanned(out, name):
    """keyless's own summary (files and bytes it read) from a saved JSON report, or None."""
    doc = load_json(os.path.join(out, name + ".out.json"))
    return (doc or {}).get("summary")


def paired_summary(out):
    """bench/paired.py's runs with their per-pair ratios and medians, or None when it did not run."""
    doc = load_json(os.path.join(out, "paired.json"))
    if not doc or not doc.get("pairs"):
        return None
    pairs = doc["pairs"]

    def run_cpu(run):
        return run["user"] + run["system"]

    med = statistics.median
    return {
        "names": doc["names"],
        "pairs": pairs,
        "wall_ratios": [a["wall"] / b["wall"] for a, b in pairs],
        "cpu_ratios": [run_cpu(a) / run_cpu(b) for a, b in pairs if run_cpu(b) > 0],
        "wall": [med([pair[i]["wall"] for pair in pairs]) for i in (0, 1)],
        "cpu": [med([run_cpu(pair[i]) for pair in pairs]) for i in (0, 1)],
        "rss_mb": [max(pair[i]["max_rss_kb"] for pair in pairs) * 1024 / 1e6 for i in (0, 1)],
        "run_cpu": run_cpu,
    }


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
    slow = (
        "ripsecrets and detect-secrets left out (`SKIP_SLOW=1`); "
        if meta.get("skip_slow") == "1"
        else f"detect-secrets `--runs {meta.get('slow_runs')}` without warmup (it takes minutes per run); "
    )
    p.append(
        f"- hyperfine `--runs {meta.get('runs')} --warmup {meta.get('warmup')}` (medians); "
        + slow
        + "peak RSS from one more run under `/usr/bin/time -v`, whose output also gives the finding count."
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

    paired = paired_summary(out)
    if paired:
        a, b = (LABELS.get(n, n) for n in paired["names"])
        p.append(f"## {a} and {b}, paired\n")
        p.append(
            f"One run of each, alternately ({a}, {b}, {a}, {b}, ...) after {meta.get('warmup', '?')} "
            "unrecorded pair(s): both tools of a pair see the same machine load, so the per-pair "
            "ratio is steadier than two medians taken apart. Wall and CPU from `wait4`.\n"
        )
        p.append(f"| pair | {a} wall | {b} wall | wall ratio | {a} CPU | {b} CPU | CPU ratio |")
        p.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        run_cpu = paired["run_cpu"]
        for i, (x, y) in enumerate(paired["pairs"], 1):
            cpu_ratio = run_cpu(x) / run_cpu(y) if run_cpu(y) > 0 else None
            p.append(
                f"| {i} | {seconds(x['wall'])} | {seconds(y['wall'])} | {x['wall'] / y['wall']:.3f}"
                f" | {seconds(run_cpu(x))} | {seconds(run_cpu(y))} | {fmt(cpu_ratio, '.3f')} |"
            )
        p.append(
            f"| **median** | {seconds(paired['wall'][0])} | {seconds(paired['wall'][1])}"
            f" | **{statistics.median(paired['wall_ratios']):.3f}** | {seconds(paired['cpu'][0])}"
            f" | {seconds(paired['cpu'][1])} | {statistics.median(paired['cpu_ratios']):.3f} |"
            if paired["cpu_ratios"] else
            f"| **median** | {seconds(paired['wall'][0])} | {seconds(paired['wall'][1])}"
            f" | **{statistics.median(paired['wall_ratios']):.3f}** | | | |"
        )
        ratio = statistics.median(paired["wall_ratios"])
        enough = len(paired["pairs"]) >= GOAL_MIN_PAIRS
        p.append(
            f"\nTarget: {a} wall at most {GOAL_KINGFISHER_RATIO:g}x {b}'s, median of at least "
            f"{GOAL_MIN_PAIRS} pairs. Median ratio of {len(paired['pairs'])} pairs: {ratio:.3f}x, "
            + ("holds." if ratio <= GOAL_KINGFISHER_RATIO and enough
               else "does not hold." if enough else f"not settled (fewer than {GOAL_MIN_PAIRS} pairs).")
            + f" Peak RSS over the pairs: {a} {paired['rss_mb'][0]:.1f} MB, {b} {paired['rss_mb'][1]:.1f} MB.\n"
        )

    kinds = meta["kinds"]
    if kinds:
        p.append("## Per file kind\n")
        p.append(
            "The corpus split into four trees by file kind (hard links, same relative paths; "
            "`bench/trees.py`, which reads keyless's table of file types, `src/filetypes.rs`):\n"
        )
        p.append("- **config**: parsed settings formats: JSON (not ARM), YAML, XML, key=value "
                 "(`.env`, `.properties`, `.ini`, `.cfg`, `.conf`: keyless parses these too);")
        p.append("- **iac**: Bicep, Terraform / HCL, and JSON whose `$schema` is an ARM deployment template "
                 "or parameter file;")
        p.append("- **code**: C#, Python, JavaScript / TypeScript, Java, Go, PowerShell, Rust (source "
                 "parsers and call rules);")
        p.append(f"- **{NO_PARSER_KIND}**: no parser, text rules only: types the table reads as text "
                 "(Markdown, shell, TOML, Dockerfile, ...) and every file it does not list (`.txt`, "
                 "images, `go.sum`, ...); binary files are skipped by keyless and ripgrep alike.")
        p.append(
            "\nIgnore files (`.gitignore`, `.ignore`) are left out of the trees so that every tool reads "
            "the same files (keyless honours `.gitignore` outside a git repository, ripgrep does not). "
            "ns/byte is over the bytes on disk of the tree; \"keyless ÷\" is keyless's time over that "
            "tool's on the same tree (below 1: keyless is faster).\n"
        )
        p.append("| kind | files | MB | most common | keyless read |")
        p.append("| --- | ---: | ---: | --- | --- |")
        for k in kinds:
            summary = scanned(out, f"kind-{k['kind']}-keyless") or {}
            read_text = (
                f"{summary['files_scanned']:,} files, {summary.get('bytes_scanned', 0) / 1e6:.1f} MB"
                f" ({summary.get('skipped_binary', 0):,} binary skipped)"
                if "files_scanned" in summary else "–"
            )
            top = ", ".join(
                f"{e.rsplit(':', 1)[0]} {e.rsplit(':', 1)[1]}" for e in k["extensions"].split(",")[:6] if ":" in e
            )
            p.append(f"| {k['kind']} | {k['files']:,} | {k['bytes'] / 1e6:.1f} | {top} | {read_text} |")
        p.append("")
        p.append(
            "| kind | tool | wall median | CPU (user+sys) | wall ns/byte | CPU ns/byte | MB/s"
            " | keyless ÷ tool (wall) | keyless ÷ tool (CPU) | peak RSS (MB) |"
        )
        p.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for k in kinds:
            nb = k["bytes"] or 1
            mine = hyperfine(out, f"kind-{k['kind']}-keyless")
            for tool in ("keyless", "kingfisher", "ripgrep"):
                r = hyperfine(out, f"kind-{k['kind']}-{tool}")
                if r is None:
                    continue
                wall, c = r["median"], cpu(r)
                vs_wall = vs_cpu = "–"
                if tool != "keyless" and mine:
                    vs_wall = f"{mine['median'] / wall:.2f}x"
                    vs_cpu = f"{cpu(mine) / c:.2f}x" if c > 0 else "–"
                rss = peak_rss_mb(out, f"kind-{k['kind']}-keyless") if tool == "keyless" else None
                p.append(
                    f"| {k['kind']} | {LABELS.get(tool, tool)} | {seconds(wall)} | {seconds(c)}"
                    f" | {wall * 1e9 / nb:.1f} | {c * 1e9 / nb:.1f} | {nb / 1e6 / wall:.1f}"
                    f" | {vs_wall} | {vs_cpu} | {fmt(rss, '.1f', '')} |"
                )
        p.append("")
        mine = hyperfine(out, f"kind-{NO_PARSER_KIND}-keyless")
        rg_k = hyperfine(out, f"kind-{NO_PARSER_KIND}-ripgrep")
        if mine and rg_k:
            p.append(
                f"Files that need no parser ({NO_PARSER_KIND}): keyless ÷ ripgrep "
                f"{mine['median'] / rg_k['median']:.2f}x wall, "
                f"{fmt(cpu(rg_k) and cpu(mine) / cpu(rg_k), '.2f')}x CPU; target at most {GOAL_VS_RIPGREP:g}x.\n"
            )

    many = meta["many"]
    if many:
        p.append("## Many small files\n")
        p.append(
            f"A generated tree of {many['files']:,} small files (about {many['bytes'] / max(many['files'], 1):.0f} "
            "bytes each: appsettings.json, .env, values.yaml, settings.ini and notes.txt with Azure-looking "
            "settings, one in ten holding a made-up key), 100 to a folder; written under `target/bench` "
            "and removed after the run. Peak RSS against file count rather than bytes.\n"
        )
        p.append("| files | MB | keyless wall | keyless CPU | files/s | peak RSS (MB) | findings | ripgrep wall | keyless ÷ ripgrep |")
        p.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        k = hyperfine(out, "many-keyless")
        r = hyperfine(out, "many-ripgrep")
        summary = scanned(out, "many-keyless") or {}
        kw = k["median"] if k else None
        rw = r["median"] if r else None
        p.append(
            f"| {many['files']:,} | {many['bytes'] / 1e6:.1f} | {fmt(kw and seconds(kw), 's')}"
            f" | {fmt(k and seconds(cpu(k)), 's')} | {fmt(kw and many['files'] / kw, ',.0f')}"
            f" | {fmt(peak_rss_mb(out, 'many-keyless'), '.1f')} | {summary.get('findings', '?')}"
            f" | {fmt(rw and seconds(rw), 's')} | {fmt(kw and rw and kw / rw, '.1f')}x |"
        )
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
    if paired:
        ratio = statistics.median(paired["wall_ratios"])
        n = len(paired["pairs"])
        text = (f"keyless wall at most {GOAL_KINGFISHER_RATIO:g}x Kingfisher's (median of {n} pairs, "
                f"at least {GOAL_MIN_PAIRS}): {ratio:.3f}x")
        if n >= GOAL_MIN_PAIRS:
            goal(ratio <= GOAL_KINGFISHER_RATIO, text)
        else:
            p.append(f"- not settled: {text}")
        if paired["cpu_ratios"]:
            p.append(f"- info: paired CPU ratio keyless / Kingfisher (median): "
                     f"{statistics.median(paired['cpu_ratios']):.3f}x")
        if kw and "kingfisher" in walls:
            p.append(f"- info: separate medians, keyless / Kingfisher wall: {kw / walls['kingfisher']:.3f}x")
    elif kw and "kingfisher" in walls:
        goal(kw / walls["kingfisher"] <= GOAL_KINGFISHER_RATIO,
             f"keyless wall at most {GOAL_KINGFISHER_RATIO:g}x Kingfisher's (separate medians, not paired): "
             f"{kw / walls['kingfisher']:.3f}x")
    for peer in ("ripsecrets", "detect-secrets"):
        if kw and peer in walls:
            ratio = walls[peer] / kw
            if ratio >= 1:
                p.append(f"- info: {ratio:.1f}x faster than {peer}")
            else:
                p.append(f"- info: {1 / ratio:.1f}x slower than {peer}")
    no_parser = hyperfine(out, f"kind-{NO_PARSER_KIND}-keyless")
    no_parser_rg = hyperfine(out, f"kind-{NO_PARSER_KIND}-ripgrep")
    if no_parser and no_parser_rg:
        goal(no_parser["median"] / no_parser_rg["median"] <= GOAL_VS_RIPGREP,
             f"files that need no parser ({NO_PARSER_KIND}) within {GOAL_VS_RIPGREP:g}x of ripgrep's time on "
             f"the same files: {no_parser['median'] / no_parser_rg['median']:.2f}x")
        if cpu(no_parser_rg) > 0:
            p.append(f"- info: the same on CPU time: {cpu(no_parser) / cpu(no_parser_rg):.2f}x")
        if kw and rg_wall:
            p.append(f"- info: whole corpus, every parser: {kw / rg_wall:.1f}x ripgrep's wall")
    elif kw and rg_wall:
        goal(kw / rg_wall <= GOAL_VS_RIPGREP,
             f"within {GOAL_VS_RIPGREP:g}x of ripgrep (whole corpus): {kw / rg_wall:.1f}x")
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
    if meta["many"]:
        many_rss = peak_rss_mb(out, "many-keyless")
        if many_rss is not None:
            goal(many_rss <= GOAL_RSS_MB,
                 f"peak RSS at most {GOAL_RSS_MB:g} MB on {meta['many']['files']:,} small files: {many_rss:.1f} MB")
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
