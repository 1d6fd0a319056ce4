"""The command-line contract: zone, lanes and evaluate on the default scenario."""

import json
import subprocess
import sys

import pandas as pd


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "network", *args], capture_output=True,
                          text=True, timeout=120)


def test_zone_command():
    """zone prints one JSON object with the ZIP3s, miles and zone."""
    out = run("zone", "98101", "10001")
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert doc["origin_zip3"] == "981" and doc["dest_zip3"] == "100" and doc["zone"] == 8
    assert run("zone", "99999", "10001").returncode == 2


def test_lanes_command(tmp_path, default_lanes):
    """lanes writes every (zip3, site, service) option with its cost parts adding up."""
    path = tmp_path / "lanes.csv"
    assert run("lanes", "--out", str(path)).returncode == 0
    frame = pd.read_csv(path, dtype={"zip3": str})
    n_z, n_s, n_k = default_lanes.shape
    assert len(frame) == n_z * n_s * n_k
    parts = frame[["outbound_usd_per_order", "returns_usd_per_order", "inbound_usd_per_order",
                   "handling_usd_per_order"]].sum(axis=1)
    assert ((parts - frame["cost_usd_per_order"]).abs() < 1e-3).all()
    assert {"zip3", "site_id", "service", "zone", "distance_mi", "delivery_days",
            "orders"} <= set(frame.columns)


def test_evaluate_command(tmp_path):
    """evaluate writes result.json (KPIs) and lanes.csv (one chosen lane per ZIP3)."""
    out = run("evaluate", "--open", "SEA,EWR,DFW", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "result.json").read_text())
    k = doc["kpis"]
    assert abs(sum(k["cost_breakdown_usd"].values()) - k["total_cost_usd"]) < 1
    assert abs(k["cost_per_order_usd"] * k["orders_per_year"] / k["total_cost_usd"] - 1) < 1e-6
    assert "2" in k["share_within_days"] and k["avg_delivery_days"] > 0
    lanes = pd.read_csv(tmp_path / "lanes.csv", dtype={"zip3": str})
    assert lanes["zip3"].is_unique and set(lanes["site_id"]) <= {"SEA", "EWR", "DFW",
                                                                  "CROSS_BORDER"}
    assert run("evaluate", "--open", "NOPE", "--out", str(tmp_path)).returncode == 2
