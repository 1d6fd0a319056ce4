"""The command-line contract: zone, lanes and evaluate on the default scenario."""

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from network.inventory import inventory_usd_per_year
from network.scenario_file import load_default_scenario


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


PART_COLUMNS = ["goods_to_us_usd_per_order", "customs_usd_per_order", "inbound_usd_per_order",
                "handling_usd_per_order", "outbound_usd_per_order", "returns_usd_per_order"]


def test_lanes_command(tmp_path, default_lanes, default_scenario):
    """lanes writes every option the optimizer chooses from: each (zip3, site, service) lane
    and, in rows of its own, cross-border direct per ZIP3, with the same cost parts adding up;
    the carriers' shares of each option's parcels add up to 1 (0 for cross-border). One lane
    (Seattle to ZIP3 100, Manhattan, by UPS Ground) recomputed here from the scenario's rate
    card, transit days and handling."""
    path = tmp_path / "lanes.csv"
    assert run("lanes", "--out", str(path)).returncode == 0
    frame = pd.read_csv(path, dtype={"zip3": str}, keep_default_na=False,
                        na_values={"distance_mi": [""]})
    n_z, n_s, n_k = default_lanes.shape
    assert len(frame) == n_z * n_s * n_k + n_z
    assert ((frame[PART_COLUMNS].sum(axis=1) - frame["cost_usd_per_order"]).abs() < 1e-3).all()
    assert {"zip3", "site_id", "service", "zone", "distance_mi", "delivery_days",
            "orders"} <= set(frame.columns)
    cross = frame[frame["site_id"] == "CROSS_BORDER"]
    assert cross["zip3"].is_unique and len(cross) == n_z
    assert (cross["delivery_days"] == 10).all() and (cross["service"] == "").all()
    parts = default_lanes.cross_border_parts
    assert cross[PART_COLUMNS].iloc[0].tolist() == pytest.approx(
        [parts[c.removesuffix("_usd_per_order")] for c in PART_COLUMNS])
    shares = frame[[f"share_{c}" for c in ("FedEx", "UPS", "USPS")]].sum(axis=1)
    assert shares[frame["site_id"] != "CROSS_BORDER"].to_numpy() == pytest.approx(1.0)
    assert (shares[frame["site_id"] == "CROSS_BORDER"] == 0).all()
    shopped = frame[frame["service"].str.startswith("rate_shop_")]
    assert shopped["parcel_services"].str.contains("fedex_ground").any()
    lane = frame[(frame["zip3"] == "100") & (frame["site_id"] == "SEA")
                 & (frame["service"] == "ups_ground")].iloc[0]
    service, costs = default_scenario.service("ups_ground"), default_scenario.costs
    assert lane["zone"] == 8 and lane["distance_mi"] > 1800  # across the country
    assert lane["delivery_days"] == costs.processing_days + service.transit_days_by_zone[7]
    rate = sum(share * service.rate_usd_by_zone(weight)[7] for weight, share in costs.weight_mix)
    outbound = rate * (1 + service.fuel_surcharge_pct / 100) + service.residential_surcharge_usd
    assert lane["outbound_usd_per_order"] == pytest.approx(outbound, abs=1e-4)
    receiving = costs.inbound.receiving_usd_per_container / costs.inbound.orders_per_container
    assert lane["handling_usd_per_order"] == pytest.approx(
        costs.pick_pack_usd_per_order + receiving, abs=1e-4)


def test_evaluate_command(tmp_path):
    """evaluate writes result.json (KPIs) and lanes.csv (one chosen lane per ZIP3)."""
    out = run("evaluate", "--open", "SEA,EWR,DFW", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "result.json").read_text())
    k = doc["kpis"]
    assert "2" in k["share_within_days"] and k["avg_delivery_days"] > 0
    lanes = pd.read_csv(tmp_path / "lanes.csv", dtype={"zip3": str})
    sites = pd.read_csv(tmp_path / "sites.csv")
    # The total from the written files: each ZIP3's orders at its lane's cost, the open sites'
    # fixed costs and the inventory of three sites (written by other code than the KPIs; the
    # file rounds orders to 0.1 and costs to 1e-4 USD, hence the tolerance).
    variable = float((lanes["orders"] * lanes["cost_usd_per_order"]).sum())
    fixed = float(sites.loc[sites["open"], "fixed_cost_usd_per_year"].sum())
    inventory = inventory_usd_per_year(load_default_scenario(), 3, float(lanes["orders"].sum()))
    assert k["total_cost_usd"] == pytest.approx(variable + fixed + inventory, rel=1e-5)
    assert lanes["zip3"].is_unique and set(lanes["site_id"]) <= {"SEA", "EWR", "DFW",
                                                                  "CROSS_BORDER"}
    assert run("evaluate", "--open", "NOPE", "--out", str(tmp_path)).returncode == 2


def tight_scenario(tmp_path):
    """The default with 80% of orders within 1 day: three coastal sites cannot do it."""
    from network.scenario import ShareTarget, Targets
    from network.scenario_file import load_default_scenario, scenario_to_json

    scenario = load_default_scenario().with_changes(
        targets=Targets(share_targets=(ShareTarget(within_days=1, share_pct=80.0),)))
    path = tmp_path / "tight.json"
    path.write_text(scenario_to_json(scenario))
    return path


def test_evaluate_my_network_meets_the_targets(tmp_path):
    """evaluate --open: exactly those sites, the cheapest assignment meeting the default's
    90%-within-2-days target (the cheapest lanes alone give about 21%)."""
    out = run("evaluate", "--open", "SEA,DFW,EWR", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "result.json").read_text())
    assert doc["status"] == "optimal" and doc["feasible"] is True
    assert doc["open_sites"] == ["SEA", "DFW", "EWR"]  # in the scenario's order
    assert doc["kpis"]["n_open_sites"] == 3
    assert doc["kpis"]["share_within_days"]["2"] >= 0.9 - 1e-9
    assert not doc["kpis"]["violations"]
    lanes = pd.read_csv(tmp_path / "lanes.csv", dtype={"zip3": str})
    assert set(lanes["site_id"]) <= {"SEA", "EWR", "DFW", "CROSS_BORDER"}
    cheap = tmp_path / "cheap"
    plain = run("evaluate", "--open", "SEA,DFW,EWR", "--ignore-targets", "--out", str(cheap))
    assert plain.returncode == 0, plain.stderr
    ignored = json.loads((cheap / "result.json").read_text())
    assert ignored["kpis"]["share_within_days"]["2"] < 0.9  # cheapest lanes miss the target
    assert ignored["kpis"]["total_cost_usd"] < doc["kpis"]["total_cost_usd"]
    assert "target not met" in plain.stdout


def test_evaluate_my_network_that_cannot_meet_the_targets_exits_3(tmp_path):
    """80% within 1 day from Seattle, Dallas and New Jersey: exit 3, the explanation printed
    and in result.json, with what the sites reach."""
    scenario = tight_scenario(tmp_path)
    out = run("evaluate", str(scenario), "--open", "SEA,DFW,EWR", "--out", str(tmp_path))
    assert out.returncode == 3, out.stderr
    assert "no assignment to these sites meets the targets" in out.stdout
    assert re.search(r"at best \d+\.\d% of orders within 1 day \(target 80%\)", out.stdout)
    doc = json.loads((tmp_path / "result.json").read_text())
    assert doc["status"] == "infeasible" and doc["feasible"] is False and doc["kpis"] is None
    assert doc["open_sites"] == ["SEA", "DFW", "EWR"]
    assert any("cheapest lane" in s for s in doc["explanation"])
    ignored = run("evaluate", str(scenario), "--open", "SEA,DFW,EWR", "--ignore-targets",
                  "--out", str(tmp_path / "plain"))
    assert ignored.returncode == 0, ignored.stderr


def test_evaluate_with_no_site_open_is_the_status_quo(tmp_path, default_lanes):
    """`--open "" --ignore-targets`: every order from abroad at the cross-border cost per order,
    its elements on the cross-border path and nothing on the US sites' (no fixed cost, no
    inventory)."""
    out = run("evaluate", "--open", "", "--ignore-targets", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    k = json.loads((tmp_path / "result.json").read_text())["kpis"]
    orders = k["orders_per_year"]
    assert k["total_cost_usd"] == pytest.approx(orders * default_lanes.cross_border_usd_per_order)
    abroad, us = (k["cost_breakdown_by_path_usd"][p] for p in ("cross_border", "us_sites"))
    assert abroad == pytest.approx({"fixed": 0, "inventory": 0} | {
        part: orders * usd for part, usd in default_lanes.cross_border_parts.items()})
    assert not any(us.values())
    lanes = pd.read_csv(tmp_path / "lanes.csv", dtype={"zip3": str})
    assert (lanes["site_id"] == "CROSS_BORDER").all()


def _commands(parser) -> dict:
    """A parser's commands: name -> the command's own parser."""
    import argparse

    return next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_a_command_line_parses_as_with_every_command_registered():
    """A command line naming a command registers only the commands defined beside it (the
    others' modules are slow to import: BENCHMARKS.md, "start-up of the command line"); every
    command's parser there is the one the whole parser has, the registry names each command
    once, and a command of another module comes without network.cli's own."""
    from network.cli import COMMAND_MODULES, OWN_COMMANDS, build_parser

    whole = _commands(build_parser())
    beside = {name: names for _, names in COMMAND_MODULES for name in names}
    assert sorted(whole) == sorted([*OWN_COMMANDS, *beside])
    for name, parser in whole.items():
        alone = _commands(build_parser([name, "--help"]))
        assert alone[name].format_help() == parser.format_help(), name
        assert sorted(alone) == sorted(beside.get(name, OWN_COMMANDS)), name
