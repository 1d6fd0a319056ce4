"""The solve and bench commands: result files, exit codes and the benchmark's last line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

DEFAULT = Path(__file__).resolve().parent.parent / "data" / "scenarios" / "default.json"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "network", *args], capture_output=True,
                          text=True, timeout=600)


def _edited_default(tmp_path: Path, **changes) -> Path:
    """The default scenario file with absolute data paths and some fields replaced."""
    doc = json.loads(DEFAULT.read_text())
    for key in ("sites_file", "rate_cards_dir"):
        doc[key] = str((DEFAULT.parent / doc[key]).resolve())
    for section, values in changes.items():
        doc[section].update(values)
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc))
    return path


def test_solve_writes_the_contract_files(tmp_path):
    """solve on the default scenario: exit 0, optimal; the search's own cost of the design
    agrees with evaluate()'s KPI total, the bound is below it, and the files hold the design
    (every ZIP3 once, served only from the open sites or cross-border)."""
    out = run("solve", "--out", str(tmp_path), "--time-limit", "300")
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "result.json").read_text())
    assert doc["status"] == "optimal" and doc["explanation"] == []
    assert doc["solver_objective_usd"] == pytest.approx(doc["kpis"]["total_cost_usd"], rel=1e-6)
    assert doc["best_bound_usd"] <= doc["objective_usd"] and doc["gap"] <= 1e-4
    assert doc["open_sites"] and doc["kpis"]["violations"] == []
    lanes = pd.read_csv(tmp_path / "lanes.csv", dtype={"zip3": str})
    assert {"zip3", "site_id", "service", "zone", "delivery_days", "orders",
            "cost_usd_per_order"} <= set(lanes.columns)
    assert lanes["zip3"].is_unique
    assert set(lanes["site_id"]) <= set(doc["open_sites"]) | {"CROSS_BORDER"}
    sites = pd.read_csv(tmp_path / "sites.csv")
    assert {"fixed_cost_usd_per_year", "capacity_orders_per_year", "orders_per_year",
            "utilization_share"} <= set(sites.columns)


def test_solve_infeasible_exits_3_with_explanation(tmp_path):
    """Every ZIP3 within 1 day is impossible: exit 3, the reasons printed and in result.json."""
    path = _edited_default(tmp_path, targets={"max_days_any_zip3": 1},
                           costs={"cross_border": {"enabled": False, "delivery_days": 10}})
    out = run("solve", str(path), "--out", str(tmp_path / "out"))
    assert out.returncode == 3
    doc = json.loads((tmp_path / "out" / "result.json").read_text())
    assert doc["status"] == "infeasible" and doc["objective_usd"] is None
    assert any("cannot be reached within 1 day" in s for s in doc["explanation"])
    assert "cannot be reached within 1 day" in out.stdout


def test_solve_bad_input_exits_2(tmp_path):
    """A missing scenario file and a negative time limit are bad input: exit 2."""
    assert run("solve", str(tmp_path / "missing.json"), "--out", str(tmp_path)).returncode == 2
    out = run("solve", "--out", str(tmp_path), "--time-limit", "-1")
    assert out.returncode == 2 and "time limit" in out.stderr


def test_bench_smoke_prints_the_summary_line():
    """bench --smoke ends with the machine-readable line (no assertion on time)."""
    out = run("bench", "--smoke")
    assert out.returncode == 0, out.stderr
    last = out.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"ratio_vs_textbook=\d+\.\d median_default_solve_s=\d+\.\d\d "
                        r"warm_resolve_s=\d+\.\d\d worst_class_cold_s=\d+\.\d\d", last)


@pytest.mark.slow
def test_bench_scale_only_prints_its_row_and_summary_line():
    """bench --scale-only on a small draw prints the row and its machine-readable last line
    (slow: the first run builds the ZIP5 table from the zipcodes package)."""
    out = run("bench", "--scale-only", "--scale-points", "300", "--scale-sites", "20")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].split() == ["instance", "points", "sites", "options", "build_s", "solve_s",
                                "gap", "peak_MB"]
    assert re.fullmatch(r"scale_gap=\d\.\d{4} scale_solve_s=\d+\.\d\d scale_peak_mb=\d+",
                        lines[-1])
