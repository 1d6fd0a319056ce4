"""Benchmark: load the default scenario and compute every lane (issue 2, target < 1 s).

Run: .venv/bin/python -m scripts.bench_core [--repeats 7]
Each repeat clears the in-process caches, so it measures a cold load of the embedded CSVs
(ZIP3 demand, sites, rate cards) plus the lane table, inside one warm Python process.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from network import scenario_file
from network.lanes import build_lanes


def one_run() -> tuple[float, float, tuple[int, int, int]]:
    scenario_file.embedded_zip3_base.cache_clear()
    t0 = time.perf_counter()
    scenario = scenario_file.load_default_scenario()
    t1 = time.perf_counter()
    lanes = build_lanes(scenario)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, lanes.shape


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.repeats)]
    load = statistics.median(r[0] for r in runs)
    lanes = statistics.median(r[1] for r in runs)
    n_z, n_s, n_k = runs[0][2]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"lanes: {n_z} ZIP3 x {n_s} sites x {n_k} services = {n_z * n_s * n_k:,}")
    print(f"median of {args.repeats}: load scenario {load:.3f} s, build lanes {lanes:.3f} s, "
          f"total {load + lanes:.3f} s")


if __name__ == "__main__":
    main()
