"""Benchmark: large but valid demand files, read the way the app's upload and the CLI read them.

Run: .venv/bin/python -m scripts.bench_inputs [--repeats 5]

Files (made in memory, one row per line, orders 1-97):
- every ZIP5 of the `zipcodes` package whose ZIP3 is in the demand base (about 41,500 rows);
- the demand reader's row limit (tables.DEMAND_MAX_ROWS, 200,000 rows: those ZIP5s repeated).

For each: the structure pass alone (network.input_files.read_csv: size, lines, UTF-8, delimiter,
shape), the whole reader (tables.load_user_demand: every ZIP and number checked, summed into
ZIP3s), and the app's upload (ui.edits.apply_demand_upload: the reader plus the scenario
checks). Beside them, in the same process, pandas' C parser on the same bytes (what the
readers used before the structure pass), to compare the ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import time
from collections.abc import Callable

import pandas as pd

from network.input_files import read_csv
from network.places import zip5_table, zip5_to_zip3
from network.scenario_file import embedded_zip3_base, load_default_scenario
from network.tables import DEMAND_MAX_ROWS, load_user_demand
from ui.edits import apply_demand_upload


def demand_file(n_rows: int | None) -> bytes:
    known = set(embedded_zip3_base().zip3)
    zips = sorted(z for z in zip5_table() if z[:3] in known)
    rows = zips if n_rows is None else [zips[i % len(zips)] for i in range(n_rows)]
    return ("zip5,orders_per_year\n"
            + "".join(f"{z},{i % 97 + 1}\n" for i, z in enumerate(rows))).encode()


def median_s(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    base, scenario = embedded_zip3_base(), load_default_scenario()
    zip5_table()  # loaded once, as in a running app
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    print("| file | rows | MB | pandas C parser | structure pass | whole reader | app upload |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, n_rows in (("every modelled ZIP5", None), ("row limit", DEMAND_MAX_ROWS)):
        data = demand_file(n_rows)
        rows = data.count(b"\n") - 1
        figures = [
            median_s(lambda d=data: pd.read_csv(io.BytesIO(d), dtype=str,
                                                keep_default_na=False), args.repeats),
            median_s(lambda d=data: read_csv(d, "d.csv", DEMAND_MAX_ROWS), args.repeats),
            median_s(lambda d=data: load_user_demand(d, base, name="d.csv",
                                                     zip5_to_zip3=zip5_to_zip3), args.repeats),
            median_s(lambda d=data: apply_demand_upload(scenario, d, "d.csv"), args.repeats),
        ]
        print(f"| {label} | {rows:,} | {len(data) / 2**20:.2f} | "
              + " | ".join(f"{s:.2f} s" for s in figures) + " |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
