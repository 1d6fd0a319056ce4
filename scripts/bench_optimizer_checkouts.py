"""The optimizer's default rows of `python -m network bench`, two checkouts side by side.

    .venv/bin/python -m scripts.bench_optimizer_checkouts CHECKOUT_A CHECKOUT_B [--pairs 8]

Alternates between the two checkouts (e.g. a `git worktree` of the commit before a change and
the change itself), each sample a fresh process in that checkout: 3 cold solves of the default
scenario, then the bench's four warm edits (close the last open site, open the first closed
one, the target 5 points down and up) from a WarmSolver. Prints every sample with the load
average, then the medians per checkout. Only the public API (`optimize`, `WarmSolver`) is used,
so any two commits since issue 4 compare. Figures: BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

SAMPLE = """
import json, time
from dataclasses import replace
from network.lanes import build_lanes
from network.optimize import WarmSolver, optimize
from network.scenario import ShareTarget, Targets
from network.scenario_file import load_default_scenario
s = load_default_scenario(); lanes = build_lanes(s)
cold = []
for _ in range(3):
    t = time.perf_counter(); r = optimize(s, lanes); cold.append(time.perf_counter() - t)
solver = WarmSolver(s, lanes); base = solver.solve()
k, open_ids = s.constraints, base.open_site_ids
closed = [x for x in s.site_ids if x not in open_ids]
edits = [s.with_changes(constraints=replace(k, forced_closed=k.forced_closed + (open_ids[-1],))),
         s.with_changes(constraints=replace(k, forced_open=k.forced_open + (closed[0],)))]
for d in (-5, 5):
    edits.append(s.with_changes(targets=Targets(tuple(
        ShareTarget(t.within_days, min(100.0, t.share_pct + d))
        for t in s.targets.share_targets), s.targets.max_days_any_zip3)))
warm = []
for e in edits:
    solver.solve(s); t = time.perf_counter(); solver.solve(e); warm.append(time.perf_counter() - t)
print(json.dumps({"cold": cold, "warm": warm, "status": r.status.value,
                  "objective_usd": r.objective_usd}))
"""


def sample(checkout: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, "-c", SAMPLE], cwd=checkout, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs=2, type=Path)
    parser.add_argument("--pairs", type=int, default=8)
    args = parser.parse_args(argv)
    times: dict[Path, dict[str, list[float]]] = {c: {"cold": [], "warm": []}
                                                  for c in args.checkouts}
    for i in range(args.pairs):
        for checkout in args.checkouts:
            load = os.getloadavg()[0]
            got = sample(checkout)
            times[checkout]["cold"] += got["cold"]
            times[checkout]["warm"] += got["warm"]
            print(f"{i + 1} {checkout} load {load:.1f}: cold {[round(x, 2) for x in got['cold']]}"
                  f" warm {[round(x, 2) for x in got['warm']]} {got['status']} "
                  f"${got['objective_usd']:,.0f}", flush=True)
    for checkout, t in times.items():
        print(f"{checkout}: cold median {statistics.median(t['cold']):.2f} s "
              f"({len(t['cold'])}), warm median {statistics.median(t['warm']):.2f} s "
              f"({len(t['warm'])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
