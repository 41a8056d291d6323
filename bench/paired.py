#!/usr/bin/env python3
"""Runs two commands alternately (A B A B ...) and records each run's wall time, CPU time and peak RSS.

Usage: paired.py OUT.json PAIRS WARMUP NAME_A COMMAND_A NAME_B COMMAND_B

Two tools timed back to back, pair after pair, see the same machine load: the ratio of each pair
holds steadier on a busy machine than two medians taken minutes apart. WARMUP pairs run first and
are not recorded. COMMANDs are split on blanks (no shell); their output is discarded, their exit
status kept (scanners exit non-zero when they find something).

Writes {"names": [A, B], "commands": [..], "pairs": [[run_A, run_B], ...]}, each run
{"wall": s, "user": s, "system": s, "max_rss_kb": n, "status": n}. Standard library only.
"""

import json
import os
import shlex
import sys
import time


def run(argv):
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        actions = [
            (os.POSIX_SPAWN_DUP2, devnull, 0),
            (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2),
        ]
        start = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    finally:
        os.close(devnull)
    return {
        "wall": wall,
        "user": usage.ru_utime,
        "system": usage.ru_stime,
        "max_rss_kb": usage.ru_maxrss,
        "status": os.waitstatus_to_exitcode(status),
    }


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    out, pairs, warmup, name_a, command_a, name_b, command_b = sys.argv[1:]
    argv_a, argv_b = shlex.split(command_a), shlex.split(command_b)
    for _ in range(int(warmup)):
        run(argv_a)
        run(argv_b)
    recorded = []
    for i in range(int(pairs)):
        a = run(argv_a)
        b = run(argv_b)
        recorded.append([a, b])
        print(
            f"pair {i + 1}: {name_a} {a['wall']:.3f} s, {name_b} {b['wall']:.3f} s,"
            f" ratio {a['wall'] / b['wall']:.3f}",
            file=sys.stderr,
        )
    with open(out, "w", encoding="utf-8") as f:
        json.dump(
            {"names": [name_a, name_b], "commands": [command_a, command_b], "pairs": recorded},
            f,
            indent=1,
        )


if __name__ == "__main__":
    main()
