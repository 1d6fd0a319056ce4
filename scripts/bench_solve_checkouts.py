"""The default solve, alternating between checkouts, for side-by-side comparisons of the
optimizer's time and answer.

    git archive <commit> | tar -x -C /tmp/before
    .venv/bin/python scripts/bench_solve_checkouts.py --runs 5 /tmp/before .

Each round runs, in every checkout in turn, a fresh process (this interpreter, that checkout's
code) that loads the default scenario, builds its lanes and times `optimize()`. The machine is
shared and noisy, so the checkouts alternate within each round and only their medians over the
same rounds are compared. Prints each run, then per checkout the medians and the answer
(design, cost, carrier mix) as Markdown.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ONE_SOLVE = """
import json, time
from network.scenario_file import load_default_scenario
from network.lanes import build_lanes
from network.optimize import optimize
scenario = load_default_scenario()
start = time.perf_counter()
lanes = build_lanes(scenario)
built = time.perf_counter()
result = optimize(scenario, lanes)
done = time.perf_counter()
k = result.evaluation.kpis
print(json.dumps({"lanes_s": built - start, "solve_s": done - built, "status": result.status.value,
                  "sites": list(result.open_site_ids), "cost": k.total_cost_usd,
                  "carriers": k.carrier_share, "breakdown": k.cost_breakdown_usd,
                  "within": k.share_within_days, "avg_days": k.avg_delivery_days}))
"""


def one_run(checkout: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", ONE_SOLVE], cwd=checkout, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs: dict[Path, list[dict]] = {c: [] for c in args.checkouts}
    for run in range(args.runs):
        for checkout in args.checkouts:
            r = one_run(checkout)
            runs[checkout].append(r)
            print(f"run {run + 1} {checkout}: lanes {r['lanes_s']:.3f} s, solve "
                  f"{r['solve_s']:.2f} s, {r['status']}, ${r['cost']:,.0f}", flush=True)
    print("\n| checkout | lanes, median (s) | solve, median (range) (s) | design | cost | "
          "carrier mix |\n|---|---|---|---|---|---|")
    for checkout, rs in runs.items():
        solve = [r["solve_s"] for r in rs]
        last = rs[-1]
        mix = ", ".join(f"{c} {100 * v:.1f}%" for c, v in last["carriers"].items() if v > 0)
        print(f"| {checkout} | {statistics.median(r['lanes_s'] for r in rs):.3f} | "
              f"{statistics.median(solve):.2f} ({min(solve):.2f}-{max(solve):.2f}) | "
              f"{', '.join(last['sites'])} | ${last['cost']:,.0f} | {mix} |")
    for checkout, rs in runs.items():
        print(f"\n{checkout}: " + json.dumps({k: rs[-1][k] for k in
                                              ("breakdown", "within", "avg_days")}))


if __name__ == "__main__":
    main()
