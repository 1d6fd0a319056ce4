"""Time each export format and the import of the default scenario's design (BENCHMARKS.md,
Exports): `.venv/bin/python -m scripts.bench_export`."""

import datetime
import time

from network.export.content import from_result
from network.export.formats import ExportFormat, export_files
from network.export.scenario_json import design_json, read_scenario_file
from network.optimize import optimize
from network.scenario_file import load_default_scenario


def main() -> None:
    scenario = load_default_scenario()
    item = from_result(scenario, optimize(scenario))
    day = datetime.date.today()
    for fmt in ExportFormat:
        export_files(item, fmt, day)  # warm: imports (geopandas, openpyxl) load on first use
        start = time.perf_counter()
        files = export_files(item, fmt, day)
        ms = 1000 * (time.perf_counter() - start)
        print(f"{fmt.value:8s} {ms:7.0f} ms  {sum(len(f.data) for f in files) / 1024:7.0f} KB")
    text = design_json(item).encode()
    start = time.perf_counter()
    read_scenario_file(text, "export.json")
    print(f"import   {1000 * (time.perf_counter() - start):7.0f} ms")


if __name__ == "__main__":
    main()
