"""CPU seconds of one site count's promise levels in one warm solver, rising or falling.

    .venv/bin/python -m scripts.bench_count_walk COUNT up|down [TIME_LIMIT_S]

The default scenario with exactly COUNT sites, 2-day share 50..100% in 5% steps, one
`WarmSolver` in this thread (as one frontier worker walking a count), 1e-4 gap; prints each
level's status, cost, gap, wall and CPU seconds, then the total CPU (BENCHMARKS.md, Tradeoff
explorer: CPU seconds are the figure to compare on a loaded machine; give a time limit the
load cannot reach).
"""

from __future__ import annotations

import sys
import time

from network.explore.frontier import with_promise, with_site_count
from network.lanes import build_lanes
from network.optimize import SolveParams, WarmSolver
from network.scenario_file import load_default_scenario


def main() -> None:
    count, order = int(sys.argv[1]), sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
    levels = [round(0.5 + 0.05 * i, 9) for i in range(11)]
    if order == "down":
        levels.reverse()
    scenario = with_site_count(load_default_scenario(), count)
    lanes = build_lanes(scenario)
    params = SolveParams(time_limit_s=limit, relative_gap=1e-4)
    solver, total = None, 0.0
    for level in levels:
        point = with_promise(scenario, 2, level)
        solver = solver or WarmSolver(point, lanes, params)
        wall, cpu = time.perf_counter(), time.process_time()
        result = solver.solve(point, lanes=lanes)
        cpu = time.process_time() - cpu
        total += cpu
        cost = result.evaluation.kpis.total_cost_usd if result.status.has_design else None
        print(f"{count} sites {order} {level:.2f}: {result.status.value} cost {cost} gap "
              f"{result.gap} wall {time.perf_counter() - wall:.1f} s cpu {cpu:.2f} s",
              flush=True)
    print(f"{count} sites {order}: {total:.1f} CPU s", flush=True)


if __name__ == "__main__":
    main()
