"""Our optimizer alone on tests/test_oracle.py's random scenarios (no oracle), one line per
seed: status, cost, proven gap, wall and CPU seconds. For finding the seeds we do not prove
within a time limit, and for comparing checkouts side by side (run it from each checkout at
the same time; the machine is shared, so note the load):

    .venv/bin/python scripts/bench_oracle_seeds.py 100 141 --limit 60

Prints `seed status cost gap wall cpu`.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=int)
    parser.add_argument("end", type=int, help="one past the last seed")
    parser.add_argument("--limit", type=float, default=60.0, help="time limit per solve, s")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from test_oracle import PARAMS, random_scenario

    from network.lanes import build_lanes
    from network.optimize import optimize

    for seed in range(args.first, args.end):
        scenario = random_scenario(seed)
        lanes = build_lanes(scenario)
        wall, cpu = time.perf_counter(), time.process_time()
        result = optimize(scenario, lanes, replace(PARAMS, time_limit_s=args.limit))
        cost = "-" if result.objective_usd is None else f"{result.objective_usd:.6g}"
        gap = "-" if result.gap is None else f"{result.gap:.2e}"
        print(seed, result.status.value, cost, gap,
              f"{time.perf_counter() - wall:.1f} {time.process_time() - cpu:.1f}", flush=True)


if __name__ == "__main__":
    main()
