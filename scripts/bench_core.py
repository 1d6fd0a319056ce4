"""Benchmark: load the default scenario and compute every lane (issue 2, target < 1 s), and the
scenario edits the app makes (each builds new, validated scenario objects and runs the
scenario checks).

Run: .venv/bin/python -m scripts.bench_core [--repeats 7]
Each load repeat clears the in-process caches, so it measures a cold load of the embedded CSVs
(ZIP3 demand, sites, rate cards) plus the lane table, inside one warm Python process. Each edit
is timed over `--edit-runs` runs (median): a Settings edit (orders and costs, the peak
multiplier changed), a site-table edit (one fixed cost changed) and a scenario saved to JSON
and read back.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

from network import scenario_file
from network.lanes import build_lanes
from network.scenario import Scenario
from ui import edits
from ui import settings_edits as se


def one_run() -> tuple[float, float, tuple[int, int, int]]:
    scenario_file.embedded_zip3_base.cache_clear()
    t0 = time.perf_counter()
    scenario = scenario_file.load_default_scenario()
    t1 = time.perf_counter()
    lanes = build_lanes(scenario)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, lanes.shape


def edit_calls(scenario: Scenario) -> dict[str, Callable[[], object]]:
    """The app's edits, each from the same starting scenario."""
    mix = se.weight_mix_table(scenario)
    table = edits.sites_table(scenario)
    table.loc[0, "fixed_cost_usd_per_year"] = 12_345_678.0
    text = scenario_file.scenario_to_json(scenario)
    return {
        "Settings edit (orders and costs)":
            lambda: se.apply_orders_profile(scenario, mix, 15.0, 0, 3.0, 1.5),
        "site-table edit (one fixed cost)": lambda: edits.apply_sites_table(scenario, table),
        "scenario to JSON": lambda: scenario_file.scenario_to_json(scenario),
        "scenario from JSON": lambda: scenario_file.scenario_from_json(text),
    }


def median_ms(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--edit-runs", type=int, default=50)
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
    for label, call in edit_calls(scenario_file.load_default_scenario()).items():
        call()  # first call outside the timing (imports, caches)
        print(f"median of {args.edit_runs}: {label} {median_ms(call, args.edit_runs):.2f} ms")


if __name__ == "__main__":
    main()
