"""The bench classes' warm edits, alternating between checkouts, in wall and CPU seconds.

    git archive <commit> | tar -x -C /tmp/before
    .venv/bin/python scripts/bench_warm_edits.py --classes next_day_35,forced_sites /tmp/before .

Per checkout in turn, a fresh process (this interpreter, that checkout's code) takes each
class as `python -m network bench` does: the cold solve is `optimize` with the lanes built
first (options reduced, model built, searched and reported: what the bench's cold column
times; the WarmSolver's own first solve leaves its option reduction out, 0.07-0.21 CPU s),
then one WarmSolver, the class solved, solved again, then each of its first `--edits` small
edits (network.bench.classes.small_edits) from the base solution, timed. CPU seconds
(`time.process_time`, the solver's threads included) beside wall seconds, because on a
shared machine the wall seconds follow the load (BENCHMARKS.md, "Warm edits"). Prints one
line per class and edit.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ONE_CHECKOUT = """
import os, sys, time
from network.bench.classes import BENCH_PARAMS, load_class, small_edits
from network.lanes import build_lanes
from network.optimize import WarmSolver, optimize
for name in sys.argv[1].split(","):
    scenario = load_class(name)
    lanes = build_lanes(scenario)
    wall, cpu = time.perf_counter(), time.process_time()
    optimize(scenario, lanes, BENCH_PARAMS)
    cold = time.perf_counter() - wall, time.process_time() - cpu
    solver = WarmSolver(scenario, lanes, BENCH_PARAMS)
    base = solver.solve()
    for edit, edited in small_edits(scenario, base.open_site_ids)[:int(sys.argv[2])]:
        solver.solve(scenario)
        wall, cpu = time.perf_counter(), time.process_time()
        r = solver.solve(edited)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        cost = "-" if r.objective_usd is None else f"${r.objective_usd:,.0f}"
        gap = "-" if r.gap is None else f"{r.gap:.1e}"
        print(f"{name:22s} cold {cold[0]:6.2f} s cpu {cold[1]:6.2f} | {edit:14s} warm "
              f"{wall:6.2f} s cpu {cpu:6.2f}  {r.status.value} {cost} gap {gap} "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
"""


def alternate(description: str, one_checkout: str, classes: str) -> None:
    """The command line shared by the side-by-side scripts: `one_checkout` (Python source
    that reads the classes and the number of edits from its argv) run in a fresh process per
    checkout, the checkouts alternating, `--rounds` times."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--classes", default=classes)
    parser.add_argument("--edits", type=int, default=1, help="first N small edits per class")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    for round_ in range(1, args.rounds + 1):
        for checkout in args.checkouts:
            print(f"== {checkout} round {round_}", flush=True)
            subprocess.run([sys.executable, "-c", one_checkout, args.classes, str(args.edits)],
                           cwd=checkout.resolve(), check=True)


def main() -> None:
    alternate(__doc__.splitlines()[0], ONE_CHECKOUT, "default,next_day_35,forced_sites")


if __name__ == "__main__":
    main()
