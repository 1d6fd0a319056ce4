"""How long a solve with a time limit takes to return, alternating between checkouts: the
one-shot `optimize()` and the Designer's first solve as its solve thread runs it.

    .venv/bin/python scripts/bench_time_limit.py --runs 3 --limit 20 /path/to/before .

Each round runs, in every checkout in turn, two fresh processes (this interpreter, that
checkout's code) on the scenario (default: that checkout's tests/data/slow_solve.json, 150
candidates, which runs into any limit up to a minute): `optimize()` with that time limit,
timed from before its lanes are built; and `ui.background.warm_solve` on a new `SolveRun`
(the optimizer's import, the warm solver's build and its solve, as the Designer's first
solve), timed from the run's start as the Designer's status line times it, the limit given by
$NETWORK_SOLVE_TIME_LIMIT_S. Prints each run (wall and CPU seconds, status, gap), then per
checkout and path the median wall seconds past the limit and the median CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ONE_SHOT = """
import json, sys, time
from network.scenario_file import load_scenario
from network.optimize import optimize
from network.optimize.result import SolveParams
scenario = load_scenario(sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
result = optimize(scenario, params=SolveParams(time_limit_s=float(sys.argv[2])))
print(json.dumps({"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                  "status": result.status.value, "gap": result.gap}))
"""

DESIGNER = """
import json, sys, time
from network.scenario_file import load_scenario
from network.lanes import build_lanes
from ui.background import DESIGN, SolveRequest, SolveRun, warm_solve
scenario = load_scenario(sys.argv[1])
lanes = build_lanes(scenario)  # the page's, before it asks for the solve
run = SolveRun(SolveRequest(DESIGN, scenario, "bench", lanes))
cpu = time.process_time()
result, _ = warm_solve(None, run.request, run)
print(json.dumps({"wall_s": time.perf_counter() - run.started,
                  "cpu_s": time.process_time() - cpu, "status": result.status.value,
                  "gap": result.gap}))
"""


def one_run(checkout: Path, code: str, scenario: str, limit: float) -> dict:
    env = {**os.environ, "NETWORK_SOLVE_TIME_LIMIT_S": f"{limit:g}"}
    out = subprocess.run([sys.executable, "-c", code, str(scenario), f"{limit:g}"],
                         cwd=checkout, capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=20.0)
    parser.add_argument("--scenario", default="tests/data/slow_solve.json",
                        help="a scenario file, relative to each checkout (a scenario may "
                        "refer only to its own project's data)")
    args = parser.parse_args()
    paths = {"optimize": ONE_SHOT, "designer": DESIGNER}
    runs: dict[tuple[Path, str], list[dict]] = {}
    for run in range(args.runs):
        for name, code in paths.items():
            for checkout in args.checkouts:
                r = one_run(checkout, code, args.scenario, args.limit)
                runs.setdefault((checkout, name), []).append(r)
                gap = "-" if r["gap"] is None else f"{r['gap']:.2e}"
                print(f"run {run + 1} {name} {checkout}: {r['wall_s']:.2f} s "
                      f"({r['cpu_s']:.2f} CPU s), {r['status']}, gap {gap}", flush=True)
    print(f"\n| checkout | path | wall past the {args.limit:g} s limit, median (range) | "
          "CPU s, median | gaps |\n|---|---|---|---|---|")
    for (checkout, name), rs in runs.items():
        past = [r["wall_s"] - args.limit for r in rs]
        gaps = ", ".join("-" if r["gap"] is None else f"{r['gap']:.1e}" for r in rs)
        print(f"| {checkout} | {name} | {statistics.median(past):+.2f} s "
              f"({min(past):+.2f} to {max(past):+.2f}) | "
              f"{statistics.median(r['cpu_s'] for r in rs):.2f} | {gaps} |")


if __name__ == "__main__":
    main()
