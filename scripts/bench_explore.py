"""Time the tradeoff explorer's sweeps side by side (BENCHMARKS.md, "Tradeoff explorer").

    .venv/bin/python -m scripts.bench_explore [--days 2] [--sites 1-10] [--levels 11] [--lowest 0.5]
        [--modes warm1,warm2,cold1,dask2] [--draws 100] [--time-limit 30] [--csv DIR]

Modes: warm1 one thread in this process, warm workers (the in-process path); warm2 two local
worker processes; cold1 one thread but every point a fresh solver (no warm start); dask2 a
LocalCluster of 2 worker processes on loopback. Each mode runs the same frontier (the default
scenario, counts x levels and "any"), then `--draws` robustness draws with the modes of
`--draw-modes`. Prints one line per run: wall seconds, points by status, slowest points.
With `--csv DIR`, each frontier run's rows go to DIR/frontier-MODE.csv (frontier.csv's columns
plus each point's seconds and CPU seconds on its worker, blank for a package that does not
report them) and each robustness run's to DIR/robustness-MODE.csv (robustness.csv's columns,
plus each draw's seconds and the optimum's gap), to compare two checkouts' points: run this
file of one checkout with the other's package first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from network.explore import DaskExecutor, DemandNoise, LocalExecutor, run_sweep
from network.explore.frontier import frontier_frame, frontier_tasks
from network.explore.points import PointResult, PointTask, new_sweep_id, scenario_task
from network.explore.robustness import robustness_frame, robustness_tasks
from network.optimize import SolveParams
from network.scenario_file import load_default_scenario


def main() -> None:
    args = _parser().parse_args()
    scenario = load_default_scenario()
    params = SolveParams(time_limit_s=args.time_limit, relative_gap=args.gap)
    lo, hi = (int(x) for x in args.sites.split("-"))
    span = 1.0 - args.lowest
    levels = [round(args.lowest + span * i / (args.levels - 1), 9) for i in range(args.levels)]
    print(f"load average {os.getloadavg()[0]:.1f}; default scenario, {args.days}-day promise, "
          f"sites {lo}-{hi} and any, {len(levels)} levels, time limit {args.time_limit:g} s "
          f"per point, gap {args.gap:g}")
    tasks = frontier_tasks(scenario, args.days, levels, range(lo, hi + 1))
    for mode in [m for m in args.modes.split(",") if m]:
        points = _time(f"frontier {mode}", _mode_tasks(mode, tasks), mode, params)
        if args.csv:
            _write_frontier(points, scenario, args.days, Path(args.csv) / f"frontier-{mode}.csv")
    if args.draws:
        current = _current_sites(scenario, params)
        draws = robustness_tasks(scenario, current, DemandNoise(draws=args.draws))
        for mode in [m for m in args.draw_modes.split(",") if m]:
            points = _time(f"robustness {args.draws} draws {mode}", _mode_tasks(mode, draws),
                           mode, params)
            if args.csv:
                _write_draws(points, Path(args.csv) / f"robustness-{mode}.csv")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=2)
    p.add_argument("--sites", default="1-10")
    p.add_argument("--levels", type=int, default=11, help="levels from --lowest to 1.0")
    p.add_argument("--lowest", type=float, default=0.5)
    p.add_argument("--modes", default="warm1,warm2,cold1,dask2")
    p.add_argument("--draws", type=int, default=0)
    p.add_argument("--draw-modes", default="warm2")
    p.add_argument("--time-limit", type=float, default=30.0)
    p.add_argument("--gap", type=float, default=1e-4)
    p.add_argument("--csv", default=None, help="write each robustness run's draws here")
    return p


def _mode_tasks(mode: str, tasks: list[PointTask]) -> list[PointTask]:
    """Cold: every task its own sweep id, so no worker reuses a solver."""
    return [replace(t, sweep_id=new_sweep_id()) for t in tasks] if mode.startswith("cold") \
        else tasks


def _executor(mode: str):
    n = int(mode[-1])
    if mode.startswith("dask"):
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        return DaskExecutor(cluster.scheduler_address), cluster
    return LocalExecutor(n), None


def _time(name: str, tasks: list[PointTask], mode: str, params: SolveParams
          ) -> list[PointResult]:
    before = os.times()
    executor, cluster = _executor(mode)
    try:
        start = time.perf_counter()
        points = run_sweep(tasks, executor, params).wait()
        wall = time.perf_counter() - start
    finally:
        executor.close()
        if cluster is not None:
            cluster.close()
    after = os.times()  # the local worker processes are joined by now: their CPU is counted
    cpu = sum(after[i] - before[i] for i in range(4))
    statuses = Counter(p.optimum.status for p in points)
    slow = sorted(points, key=lambda p: -p.seconds)[:3]
    slow_text = "; ".join(f"{dict(p.labels)} {p.seconds:.1f} s" for p in slow)
    solve_s = sum(p.seconds for p in points)
    print(f"{name}: {wall:.1f} s wall for {len(points)} points ({solve_s:.1f} s on workers, "
          f"{cpu:.1f} CPU s in this process and its local workers; {dict(statuses)}); "
          f"slowest: {slow_text}", flush=True)
    by_row: dict[object, list[float]] = {}
    for p in points:
        row = by_row.setdefault(p.labels.get("sites", "draws"), [0.0, 0.0])
        row[0] += p.seconds
        row[1] += getattr(p, "cpu_seconds", float("nan"))
    print("  worker seconds (CPU seconds) by count: "
          + ", ".join(f"{k} {v:.1f} ({c:.1f})" for k, (v, c) in by_row.items()), flush=True)
    return points


def _write_frontier(points: list[PointResult], scenario, days: int, path: Path) -> None:
    """frontier.csv's rows, then each point's worker seconds and CPU seconds as the columns
    `seconds` and `cpu_seconds` (the envelope's: its own point's, not its count's)."""
    frame = frontier_frame(points, scenario, days)
    keys = list(zip(frame["sites"], frame["target"], strict=True))
    for column in ("seconds", "cpu_seconds"):
        values = {(p.labels["sites"], p.labels["target"]): getattr(p, column, None)
                  for p in points}
        frame[column] = [values.get(key) for key in keys]
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    print(f"  frontier written to {path}", flush=True)


def _write_draws(points: list[PointResult], path: Path) -> None:
    frame = robustness_frame(points)
    by_index = {p.index: p for p in points}
    ordered = [by_index[i] for i in sorted(by_index)]
    frame["seconds"] = [p.seconds for p in ordered]
    frame["gap"] = [p.optimum.gap for p in ordered]
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    print(f"  draws written to {path}", flush=True)


def _current_sites(scenario, params: SolveParams) -> tuple[str, ...]:
    ex = LocalExecutor(1)
    try:
        return run_sweep([scenario_task(scenario)], ex, params).wait()[0].optimum.open_sites
    finally:
        ex.close()


if __name__ == "__main__":
    main()
