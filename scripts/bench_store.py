"""Time the scenario store's operations on SQLite and PostgreSQL side by side, with a real
version (the default scenario's inputs, a three-site design of all 881 ZIP3s, its KPIs).

    .venv/bin/python -m scripts.bench_store [--scenarios 200] [--repeats 30]

PostgreSQL: $NETWORK_TEST_POSTGRES_URL, else a throwaway server (scripts/postgres_server.py).
Writes nothing outside temporary folders. Figures and the machine: BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from store_helpers import postgres_schema  # noqa: E402  (tests/: a schema of its own)

from network.evaluate import CROSS_BORDER, Design, evaluate, kpis_dict  # noqa: E402
from network.scenario_file import load_default_scenario, scenario_to_json  # noqa: E402
from network.store import SolveSummary, VersionContent, open_store  # noqa: E402
from scripts.postgres_server import start, stop  # noqa: E402


def real_content() -> VersionContent:
    scenario = load_default_scenario()
    evaluation = evaluate(scenario, Design(("SEA", "DFW", "EWR")))
    lanes = evaluation.lanes
    assignment = tuple(
        (z, CROSS_BORDER, "") if s < 0 else (z, lanes.site_ids[s], lanes.service_ids[k])
        for z, s, k in zip(lanes.demand.zip3, evaluation.site_index, evaluation.service_index,
                           strict=True))
    return VersionContent(scenario_to_json(scenario), Design(("SEA", "DFW", "EWR"), assignment),
                          kpis_dict(evaluation), SolveSummary("optimal", 1e-5, 8.6e8), "bench")


def median_ms(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall-clock and median CPU milliseconds of this process (the CPU figure is the
    steadier one on a shared machine; PostgreSQL's server CPU is not in it)."""
    wall, cpu = [], []
    for _ in range(repeats):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - start_wall) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def measure(db: str, content: VersionContent, n_scenarios: int, repeats: int
            ) -> dict[str, tuple[float, float]]:
    store = open_store(db)
    for i in range(n_scenarios):
        store.create(f"Scenario {i}", content)
    target = store.create("Target", content).scenario_id
    latest = [1]

    def save() -> None:
        latest[0] = store.save_version(target, content, based_on=latest[0]).version

    figures = {
        "save a version": median_ms(save, repeats),
        "open a version": median_ms(lambda: store.open_version(target), repeats),
        f"list {n_scenarios + 1} scenarios": median_ms(store.list_scenarios, repeats),
        "open the store (schema current)": median_ms(lambda: open_store(db).close(), repeats),
    }
    store.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenarios", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    content = real_content()
    print(f"version size: inputs {len(content.scenario_json):,} characters, "
          f"{len(content.design.assignment)} ZIP3 lanes; load average {os.getloadavg()[0]:.1f}")
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    pg_dir = None
    url = os.environ.get("NETWORK_TEST_POSTGRES_URL")
    if not url:
        pg_dir = Path(tempfile.mkdtemp(prefix="network-pg-"))
        url = start(pg_dir)
    try:
        results = {"SQLite": measure(str(folder / "s.db"), content, args.scenarios,
                                     args.repeats)}
        with postgres_schema(url) as schema_url:
            results["PostgreSQL"] = measure(schema_url, content, args.scenarios, args.repeats)
    finally:
        if pg_dir:
            stop(pg_dir)
    print(f"{'median ms: wall (this process CPU)':<34} {'SQLite':>14} {'PostgreSQL':>14}")
    for name in results["SQLite"]:
        cells = [f"{wall:.1f} ({cpu:.1f})" for wall, cpu in (results["SQLite"][name],
                                                            results["PostgreSQL"][name])]
        print(f"{name:<34} {cells[0]:>14} {cells[1]:>14}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
