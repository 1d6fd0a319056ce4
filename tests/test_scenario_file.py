"""Scenario JSON: round trip, defaults, inline and file references."""

import json

from network.evaluate import Design, evaluate
from network.scenario_file import (
    load_scenario,
    save_scenario,
    scenario_from_json,
    scenario_to_dict,
)


def test_default_scenario_contents(default_scenario):
    """The default: lower 48, 50M orders, default sites and cards, a 2-day target."""
    assert default_scenario.demand.annual_orders == 50e6
    assert not default_scenario.demand.include_noncontiguous
    assert 40 <= len(default_scenario.sites) <= 60
    assert len(default_scenario.services) >= 4
    target = default_scenario.targets.share_targets[0]
    assert (target.within_days, target.share_pct) == (2, 90)


def test_round_trip_is_lossless(default_scenario, tmp_path):
    """Saving then loading gives an equal scenario and the same KPIs."""
    path = tmp_path / "s.json"
    save_scenario(default_scenario, path)
    again = load_scenario(path)
    assert again == default_scenario
    design = Design(("SEA", "EWR", "DFW"))
    assert (evaluate(again, design).kpis.total_cost_usd
            == evaluate(default_scenario, design).kpis.total_cost_usd)
    doc = json.loads(path.read_text())
    assert doc["format_version"] == 1 and isinstance(doc["sites"], list)


def test_saved_file_stands_alone(default_scenario, tmp_path):
    """A saved scenario needs no other file: it loads from any folder."""
    text = json.dumps(scenario_to_dict(default_scenario))
    assert scenario_from_json(text, base_dir=tmp_path) == default_scenario
