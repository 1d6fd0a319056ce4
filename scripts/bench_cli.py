"""Command-line start-up, checkouts side by side: each `python -m network` command in a new
process, as a user (and tests/test_cli.py) runs it.

    git worktree add /tmp/before <commit>
    .venv/bin/python scripts/bench_cli.py --runs 3 /tmp/before .

For each command, each round runs it once in every checkout in turn (its own folder, this
interpreter; output files in a temporary folder), so that both meet the same load on a shared
machine, and records the wall time and the CPU seconds of the process (user + system, from
`os.wait4`). Prints each run with the load average, then a Markdown table of medians.
Figures: BENCHMARKS.md, section App, "start-up of the command line and the server".
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Each command with {out} for a folder of its own; all read the default scenario's data.
COMMANDS = (
    "zone 10001 94105",
    "validate data/candidate_sites.csv",
    "evaluate --open SEA,ONT,DFW --ignore-targets --out {out}/eval",
    "solve --out {out}/solve",
    "export --format json --out {out}/export.json",
    "schema --check",
    "store list --db {out}/store.db",
    "--help",
)


def run_once(checkout: Path, command: str, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `python -m network COMMAND` in `checkout`."""
    args = [sys.executable, "-m", "network", *command.format(out=out).split()]
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=checkout, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{checkout}: `{command}` exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commands", default="",
                        help="only the commands containing one of these comma-separated words")
    args = parser.parse_args()
    words = [w for w in args.commands.split(",") if w]
    commands = [c for c in COMMANDS if not words or any(w in c for w in words)]
    times: dict[tuple[str, Path], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        for command in commands:
            for run in range(args.runs):
                for i, checkout in enumerate(args.checkouts):
                    out = Path(tmp) / f"{i}-{run}"
                    wall, cpu = run_once(checkout.resolve(), command, out)
                    times.setdefault((command, checkout), []).append((wall, cpu))
                    print(f"{command} | {checkout}: {wall:.2f} s, CPU {cpu:.2f} s "
                          f"(load {os.getloadavg()[0]:.1f})", flush=True)
    print("\n| command | checkout | wall, median (s) | CPU, median (s) |\n|---|---|---:|---:|")
    for (command, checkout), runs in times.items():
        print(f"| `{command.replace('{out}/', '')}` | {checkout} | "
              f"{statistics.median(r[0] for r in runs):.2f} | "
              f"{statistics.median(r[1] for r in runs):.2f} |")


if __name__ == "__main__":
    main()
