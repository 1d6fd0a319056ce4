"""Scenario JSON: round trips, version 1 and 2 files, file references, the ZIP3 base, and the
problems a bad file reports (field and row, all at once)."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from network.errors import InputError
from network.evaluate import Design, evaluate
from network.lanes import build_lanes
from network.scenario import FORMAT_VERSION, CostSettings, CrossBorderSettings, Site, Zip3Base
from network.scenario_file import (
    DEFAULT_SCENARIO_FILE,
    embedded_zip3_base,
    load_scenario,
    save_scenario,
    scenario_from_dict,
    scenario_from_json,
    scenario_to_dict,
    scenario_to_json,
)

from toy import toy_scenario

DATA = Path(__file__).resolve().parent / "data"
V1_FILE = DATA / "scenario_v1.json"


def default_doc() -> dict:
    return json.loads(DEFAULT_SCENARIO_FILE.read_text())


def problems_of(doc: dict, base_dir: Path = DEFAULT_SCENARIO_FILE.parent) -> list[str]:
    with pytest.raises(InputError) as info:
        scenario_from_dict(doc, name="s.json", base_dir=base_dir)
    return [str(p) for p in info.value.problems]


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
    assert doc["format_version"] == FORMAT_VERSION and isinstance(doc["sites"], list)


def test_saved_file_stands_alone(default_scenario, tmp_path):
    """A saved scenario names no other file: data inline, the ZIP3 table the embedded one."""
    doc = scenario_to_dict(default_scenario)
    assert not {"sites_file", "rate_cards_dir", "zip3_base"} & set(doc)
    assert doc["zip3_file"] == "embedded"
    assert scenario_from_json(json.dumps(doc), base_dir=tmp_path) == default_scenario


def _leaves(node, path=()) -> set[tuple]:
    """Every (path, value) of a JSON document; list items by position."""
    if isinstance(node, dict):
        return set().union(*(_leaves(v, (*path, k)) for k, v in node.items())) if node else set()
    if isinstance(node, list):
        return set().union(*(_leaves(v, (*path, i)) for i, v in enumerate(node))) if node \
            else {(path, "[]")}
    return {(path, node)}


# What version 3 moved: the per-order customs and the flat cross-border cost, and their sources.
MOVED = {("costs", "inbound", "customs_usd_per_order"),
         ("costs", "cross_border", "cost_usd_per_order"), ("costs", "sources", "cross_border"),
         ("costs", "sources", "inbound.customs_usd_per_order")}


def test_version_1_file_still_loads():
    """A file written by the version-1 writer reads: every value it holds comes back where it
    was, and the two that version 3 moved where it put them, adding up to what they were."""
    doc = json.loads(V1_FILE.read_text())
    assert doc["format_version"] == 1
    old = load_scenario(V1_FILE)
    assert old.site_ids == ("SEA", "DFW", "EWR")
    assert old.service_ids == ("usps_ground_advantage", "ups_ground")
    again = scenario_to_dict(old)
    assert again["format_version"] == FORMAT_VERSION == 3
    kept = {(path, value) for path, value in _leaves(doc) if path[:3] not in MOVED
            and path != ("format_version",)}
    assert kept <= _leaves(again)
    customs, xb = old.costs.customs, old.costs.cross_border
    assert customs.entry_usd_per_container / old.costs.inbound.orders_per_container == \
        pytest.approx(0.25)  # the file's customs per order
    assert xb.parcel_usd_per_parcel + customs.entry_usd_per_parcel == pytest.approx(22.0)
    assert xb.parcel_usd_per_lb == 0  # flat, as the file's figure was
    assert "version-1 file" in dict(old.costs.sources)["customs.entry_usd_per_container"]


def test_version_2_safety_stock_keeps_its_cost_at_its_own_volume():
    """A version-2 file at 80 million orders had 20M USD of safety stock with one site,
    whatever its volume: read in version 3, its reference volume is its own orders, so its
    one-site inventory cost is still 20M; the same figure in a version-3 file scales."""
    doc = json.loads(V1_FILE.read_text())
    doc["format_version"] = 2
    doc["demand"]["annual_orders"] = 80_000_000
    old = scenario_from_dict(doc)
    lanes = build_lanes(old)
    assert old.costs.safety_stock_reference_orders_per_year == pytest.approx(80e6)
    inventory = evaluate(old, Design(("SEA",)), lanes).kpis.cost_breakdown_usd["inventory"]
    assert inventory == pytest.approx(20e6)
    doc = scenario_to_dict(old)
    del doc["costs"]["safety_stock_reference_orders_per_year"]  # the default 50M reference
    doc["costs"]["sources"].pop("safety_stock_reference_orders_per_year")
    new = scenario_from_dict(doc)
    assert evaluate(new, Design(("SEA",)), lanes).kpis.cost_breakdown_usd["inventory"] == \
        pytest.approx(20e6 * (80 / 50) ** 0.5)


def test_custom_zip3_base_travels_inline_and_reads_back_equal(tmp_path):
    """A scenario on its own ZIP3 table is saved with the table inline and reads back equal,
    from a folder with no other file."""
    toy = toy_scenario()
    doc = scenario_to_dict(toy)
    assert "zip3_file" not in doc and doc["zip3_base"]["zip3"] == list(toy.zip3_base.zip3)
    again = scenario_from_json(scenario_to_json(toy), base_dir=tmp_path)
    assert again == toy
    assert again.zip3_base.source == "toy"
    assert evaluate(again, Design(("A",))).kpis.total_cost_usd == pytest.approx(
        evaluate(toy, Design(("A",))).kpis.total_cost_usd, rel=1e-12)


def test_zip3_file_reference_is_read_then_saved_inline(tmp_path):
    """A file pointing at its own ZIP3 CSV loads it; saved elsewhere, the table goes inline."""
    base = embedded_zip3_base()
    keep = [i for i, s in enumerate(base.state) if s in ("WA", "OR", "TX", "NJ", "NY")]
    rows = "".join(f"{base.zip3[i]},{base.state[i]},{base.lat[i]},{base.lon[i]},"
                   f"{2 * base.population[i]}\n" for i in keep)
    (tmp_path / "zip3.csv").write_text("zip3,state,lat,lon,population\n" + rows)
    doc = json.loads(V1_FILE.read_text()) | {"zip3_file": "zip3.csv"}
    (tmp_path / "s.json").write_text(json.dumps(doc))
    scenario = load_scenario(tmp_path / "s.json")
    assert len(scenario.zip3_base.zip3) == len(keep)
    assert scenario.zip3_base.source == "zip3.csv"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    save_scenario(scenario, elsewhere / "copy.json")
    assert load_scenario(elsewhere / "copy.json") == scenario


def test_zip3_base_equality_looks_at_every_column():
    """Two ZIP3 tables that differ only in a point are different tables."""
    base = toy_scenario().zip3_base
    moved = replace(base, lat=base.lat + np.array([0, 0, 0, 0, 0.5]))
    assert moved != base
    assert replace(base, lat=base.lat.copy()) == base


def test_inline_sites_without_codes_get_the_nearest_zip3():
    """An inline site given only a location gets the state and ZIP3 of its nearest ZIP3."""
    doc = json.loads(V1_FILE.read_text())
    for site in doc["sites"]:
        del site["state"], site["zip3"]
    scenario = scenario_from_dict(doc)
    assert [s.state for s in scenario.sites] == ["WA", "TX", "NJ"]
    assert all(s.zip3.startswith(p) for s, p in zip(scenario.sites, ("98", "75", "0"),
                                                    strict=True))


def test_cost_parameters_left_at_default_get_the_default_source():
    """Without `costs.sources`, a default value is credited to the definition's source; a
    changed one is not credited to anything."""
    doc = json.loads(V1_FILE.read_text())
    del doc["costs"]["sources"]
    doc["costs"]["peak_multiplier"] = 1.5
    sources = dict(scenario_from_dict(doc).costs.sources)
    assert sources["pick_pack_usd_per_order"].startswith("3PL survey 2025")
    assert sources["cross_border.delivery_days"] == "estimate: 10 days door to door"
    assert "peak_multiplier" not in sources
    assert dict(CostSettings(cross_border=CrossBorderSettings(delivery_days=12)).sources).get(
        "cross_border.delivery_days") is None


# ---------------------------------------------------------------------------------------------
# Problems: field and row, every one at once


@pytest.mark.parametrize(("path", "value", "expected"), [
    (("demand", "growth_pct"), -100, "field 'demand.growth_pct': Input should be greater "
     "than -100"),
    (("costs", "peak_multiplier"), 5.5, "field 'costs.peak_multiplier': Input should be less "
     "than or equal to 5"),
    (("costs", "cross_border", "delivery_days"), 0,
     "field 'costs.cross_border.delivery_days': Input should be greater than or equal to 1"),
    (("targets", "share_targets", 0, "within_days"), 0,
     "row 1, field 'targets.share_targets.within_days'"),
    (("costs", "inbound", "ports", 2, "share"), 1.5, "row 3, field 'costs.inbound.ports.share'"),
    (("costs", "weight_mix", "5"), 1.2, "field 'costs.weight_mix.5': Input should be less "
     "than or equal to 1"),
    (("demand", "region_multipliers", "Atlantis"), 1.1,
     "field 'demand.region_multipliers.Atlantis': key: Input should be 'Northeast'"),
    (("sites", 1, "capacity_orders_per_year"), 0,
     "row 2, field 'sites.capacity_orders_per_year': Input should be greater than 0"),
    (("services", 1, "rates_usd_by_weight_lb", "5", 2), -1.0,
     "row 2, field 'services.rates_usd_by_weight_lb.5[3]': Input should be greater than or "
     "equal to 0"),
    (("demand", "annual_orders"), "50000000", "field 'demand.annual_orders': Input should be "
     "a valid number"),
    (("costs", "returns", "return_rate_share"), float("nan"),
     "field 'costs.returns.return_rate_share': Input should be a finite number"),
])
def test_each_range_violation_names_its_field_and_row(path, value, expected):
    """A value outside its range (or of the wrong type) names the field, the list row and,
    for objects, the key."""
    doc = json.loads(V1_FILE.read_text())
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    messages = problems_of(doc)
    assert len(messages) == 1 and messages[0].startswith("s.json, ")
    assert expected in messages[0], messages


def test_every_problem_of_a_file_is_listed_at_once():
    """Five independent mistakes give five lines, misspelt keys with a suggestion."""
    doc = default_doc()
    doc["demand"]["growth_pct"] = -120
    doc["costs"]["peak_multipler"] = 2
    doc["costs"]["inbound"]["ports"][0]["lat"] = 95
    doc["targets"]["share_targets"].append({"within_days": 1})
    doc["constraints"]["max_sites"] = -1
    messages = problems_of(doc)
    assert len(messages) == 5, messages
    assert ("s.json, field 'costs.peak_multipler': is not a known key (did you mean "
            "'peak_multiplier'?)") in messages
    assert "s.json, row 2, field 'targets.share_targets.share_pct': is required" in messages


def test_a_missing_reference_and_a_bad_inline_row_are_reported_together(tmp_path):
    """References are all tried: a missing sites CSV and a missing card folder both show."""
    doc = default_doc() | {"sites_file": "nope.csv", "rate_cards_dir": "none"}
    messages = problems_of(doc, base_dir=tmp_path)
    assert any("field 'sites_file'" in m and "does not exist" in m for m in messages)
    assert any("field 'rate_cards_dir'" in m for m in messages)


def test_both_inline_and_file_is_refused():
    """Sites given twice (inline and as a file) is a problem, not a silent choice."""
    doc = json.loads(V1_FILE.read_text()) | {"sites_file": "../candidate_sites.csv"}
    assert any("give 'sites' or 'sites_file', not both" in m for m in problems_of(doc))


def test_newer_version_is_refused_plainly():
    """A file from a newer tool says so instead of guessing."""
    messages = problems_of(default_doc() | {"format_version": FORMAT_VERSION + 1})
    assert len(messages) == 1 and "newer than this tool reads" in messages[0]


def test_construction_validates(default_scenario):
    """Building a scenario object in code checks each field against the same definition."""
    with pytest.raises(ValueError, match="less than or equal to 5"):
        replace(default_scenario.costs, peak_multiplier=9.0)
    with pytest.raises(ValueError, match="pattern"):
        replace(default_scenario.sites[0], zip3="98")
    with pytest.raises(ValueError, match="different lengths"):
        Zip3Base(zip3=("001",), state=("MA", "MA"), lat=np.zeros(1), lon=np.zeros(1),
                 population=np.ones(1))
    site = default_scenario.sites[0]
    assert isinstance(hash(default_scenario), int) and replace(site) == site
    assert Site(*[getattr(site, f) for f in ("site_id", "name", "state", "lat", "lon", "zip3",
                                             "fixed_cost_usd_per_year",
                                             "capacity_orders_per_year")],
                zip=site.zip, rent_usd_per_sqft_year=site.rent_usd_per_sqft_year,
                size_sqft=site.size_sqft, source=site.source) == site


def test_scenario_file_not_utf8_or_nested_too_deeply_is_a_clear_message(tmp_path):
    """A UTF-16 scenario file and JSON nested thousands deep are refused with a sentence, not
    a codec error or a RecursionError."""
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes('{"name": "Süd"}'.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16 text, not UTF-8"):
        load_scenario(utf16)
    with pytest.raises(InputError, match="nested too deeply"):
        scenario_from_json("[" * 100_000 + "]" * 100_000)


REFERENCE_FAULTS = {
    "missing": lambda p: None,
    "a folder": lambda p: p.mkdir(),
    "a dangling link": lambda p: p.symlink_to(p.parent / "gone.csv"),
    "binary": lambda p: p.write_bytes(bytes(range(256)) * 4),
    "empty": lambda p: p.write_bytes(b""),
    "UTF-16": lambda p: p.write_text("site_id,name\nA,B\n", encoding="utf-16"),
}


@pytest.mark.parametrize("fault", sorted(REFERENCE_FAULTS))
@pytest.mark.parametrize("key, name", [("sites_file", "sites.csv"),
                                       ("zip3_file", "zip3.csv")])
def test_a_referenced_file_that_cannot_be_used_is_a_message(tmp_path, key, name, fault):
    """A scenario file whose sites or ZIP3 file is missing, a folder, a dangling link, binary,
    empty or UTF-16: a message naming the field (or the file), never a traceback."""
    REFERENCE_FAULTS[fault](tmp_path / name)
    doc = default_doc() | {key: name, "rate_cards_dir": str(DEFAULT_SCENARIO_FILE.parent.parent
                                                           / "rate_cards")}
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    lines = [str(p) for p in info.value.problems]
    assert any(key in line or name in line for line in lines), lines
    assert not any("Traceback" in line or "Errno" in line for line in lines), lines
