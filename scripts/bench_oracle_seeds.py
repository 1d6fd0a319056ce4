"""Our optimizer on tests/test_oracle.py's random scenarios, one line per seed: status, cost,
proven gap, wall and CPU seconds. For finding the seeds we do not prove within a time limit,
and for comparing checkouts side by side (run it from each checkout at the same time; the
machine is shared, so note the load):

    .venv/bin/python scripts/bench_oracle_seeds.py 100 141 --limit 60

Prints `seed status cost gap wall cpu`. `--textbook CAP` adds, per seed, the benchmark's
textbook model (network/bench/textbook.py: HiGHS to the same 1e-4 gap, in a child process,
capped at CAP s) and the ratios as `python -m network bench` measures them: the textbook's wall
and CPU s, then its wall and CPU s over ours (a capped run counts as the cap: a lower bound).
Not the tests' oracle (tests/oracle.py solves to 1e-6, a stricter gap that takes HiGHS longer).
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
    parser.add_argument("--textbook", type=float, default=None, metavar="CAP",
                        help="also the textbook model in HiGHS, capped at CAP s")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from test_oracle import PARAMS, random_scenario

    from network.bench.textbook import textbook_highs
    from network.lanes import build_lanes
    from network.optimize import optimize

    for seed in range(args.first, args.end):
        scenario = random_scenario(seed)
        lanes = build_lanes(scenario)
        wall, cpu = time.perf_counter(), time.process_time()
        result = optimize(scenario, lanes, replace(PARAMS, time_limit_s=args.limit))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        cost = "-" if result.objective_usd is None else f"{result.objective_usd:.6g}"
        gap = "-" if result.gap is None else f"{result.gap:.2e}"
        line = f"{seed} {result.status.value} {cost} {gap} {wall:.1f} {cpu:.1f}"
        if args.textbook is not None:
            tb = textbook_highs(scenario, lanes, args.textbook)
            line += (f" textbook {tb.seconds:.1f}{'+' if tb.capped else ''} {tb.cpu_seconds:.1f}"
                     f" ratio {tb.seconds / max(wall, 1e-9):.1f}"
                     f" {tb.cpu_seconds / max(cpu, 1e-9):.1f} {tb.status}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
