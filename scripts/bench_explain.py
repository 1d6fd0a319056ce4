"""How long an infeasible solve takes to return with its explanation, alternating between
checkouts: a bench class with at most a few sites open, which the search proves infeasible
and `pre_checks` does not catch, so `explain.relaxation_explanation` runs after the search.

    .venv/bin/python scripts/bench_explain.py --runs 3 --limit 5 --max-sites 3 /path/to/before .

Each round runs, in every checkout in turn, a fresh process (this interpreter, that
checkout's code): the scenario (default next_day_80) with `constraints.max_sites` set, its
lanes built, then `optimize()` with the time limit, timed by wall and CPU clock. Prints each
run (wall and CPU seconds, status, the explanation's first sentence).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ONE_SHOT = """
import json, sys, time
from dataclasses import replace
from network.scenario_file import load_scenario
from network.lanes import build_lanes
from network.optimize import optimize
from network.optimize.result import SolveParams
scenario = load_scenario(sys.argv[1])
scenario = scenario.with_changes(constraints=replace(scenario.constraints,
                                                     max_sites=int(sys.argv[3])))
lanes = build_lanes(scenario)
wall, cpu = time.perf_counter(), time.process_time()
result = optimize(scenario, lanes, SolveParams(time_limit_s=float(sys.argv[2])))
print(json.dumps({"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                  "status": result.status.value, "explanation": list(result.explanation)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=5.0)
    parser.add_argument("--max-sites", type=int, default=3)
    parser.add_argument("--scenario", default="data/scenarios/bench/next_day_80.json",
                        help="a scenario file, relative to each checkout")
    args = parser.parse_args()
    for run in range(args.runs):
        for checkout in args.checkouts:
            out = subprocess.run([sys.executable, "-c", ONE_SHOT, args.scenario,
                                  f"{args.limit:g}", str(args.max_sites)], cwd=checkout,
                                 capture_output=True, text=True, check=True,
                                 env={**os.environ, "PYTHONPATH": str(checkout.resolve())})
            r = json.loads(out.stdout.strip().splitlines()[-1])
            first = r["explanation"][0] if r["explanation"] else ""
            print(f"run {run + 1} {checkout}: {r['wall_s']:.2f} s ({r['cpu_s']:.2f} CPU s), "
                  f"{r['status']}: {first}", flush=True)


if __name__ == "__main__":
    main()
