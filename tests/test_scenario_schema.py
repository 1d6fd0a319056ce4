"""The scenario definition's outputs agree: the checked-in JSON Schema and field tables are
generated from it, the schema accepts and refuses what the reader does, and the Settings
page's limits are the schema's."""

import json
from pathlib import Path

import jsonschema
import pytest

from network import scenario_schema
from network.cli import main
from network.regions import STATE_REGION, US_REGIONS, Region
from network.scenario_file import DEFAULT_SCENARIO_FILE, scenario_to_dict
from network.scenario_upgrade import upgraded
from ui import settings_edits as se

from toy import toy_scenario

V1_FILE = Path(__file__).resolve().parent / "data" / "scenario_v1.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(scenario_schema.SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_checked_in_schema_and_tables_are_generated_from_the_definition():
    """docs/scenario.schema.json and the field tables in docs/scenario-format.md are what
    `python -m network schema` writes today."""
    assert scenario_schema.stale_docs() == []
    assert main(["schema", "--check"]) == 0


def test_schema_check_fails_on_a_hand_edited_copy(tmp_path, monkeypatch, capsys):
    """A schema edited by hand (a range widened) is reported by `schema --check`."""
    copy = tmp_path / "scenario.schema.json"
    copy.write_text(scenario_schema.SCHEMA_FILE.read_text().replace('"maximum": 5', '"maximum": 6'))
    monkeypatch.setattr(scenario_schema, "SCHEMA_FILE", copy)
    assert main(["schema", "--check"]) == 1
    assert "scenario.schema.json differs" in capsys.readouterr().err


def test_schema_accepts_what_the_reader_reads(validator, default_scenario):
    """The shipped default, a version-1 file once upgraded and saved scenarios (one with its own
    ZIP3 table inline) are valid under the schema (of the current version)."""
    docs = [json.loads(DEFAULT_SCENARIO_FILE.read_text()),
            upgraded(json.loads(V1_FILE.read_text())),
            scenario_to_dict(default_scenario), scenario_to_dict(toy_scenario())]
    for doc in docs:
        assert list(validator.iter_errors(doc)) == []


@pytest.mark.parametrize(("path", "value"), [
    (("demand", "growth_pct"), -100), (("costs", "peak_multiplier"), 5.5),
    (("costs", "cross_border", "delivery_days"), 0),
    (("targets", "share_targets", 0, "within_days"), 0),
    (("targets", "max_days_any_zip3"), 61), (("costs", "processing_days"), 11),
    (("costs", "inbound", "ports", 0, "share"), 1.5), (("costs", "weight_mix", "1"), 1.5),
    (("demand", "region_multipliers", "Atlantis"), 1.0),
    (("demand", "annual_orders"), "many"), (("costs", "peak_multipler"), 2.0),
    (("sites_file",), "../candidate_sites.csv"),
])
def test_schema_refuses_what_the_reader_refuses(validator, path, value):
    """Each value the reader rejects is invalid under the schema too."""
    doc = upgraded(json.loads(V1_FILE.read_text()))
    assert list(validator.iter_errors(doc)) == []
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert list(validator.iter_errors(doc))


def _bounds(defs: dict, owner: str, key: str) -> tuple:
    prop = defs[owner]["properties"][key]
    prop = next((p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"), prop)
    return tuple(prop.get(k) for k in ("minimum", "exclusiveMinimum", "maximum",
                                       "exclusiveMaximum"))


@pytest.mark.parametrize(("limit", "owner", "key", "scale"), [
    (se.GROWTH_PCT, "DemandSettings", "growth_pct", 1),
    (se.ANNUAL_ORDERS, "DemandSettings", "annual_orders", 1),
    (se.PEAK_MULTIPLIER, "CostSettings", "peak_multiplier", 1),
    (se.PROCESSING_DAYS, "CostSettings", "processing_days", 1),
    (se.RETURN_RATE_PCT, "ReturnsSettings", "return_rate_share", 100),
    (se.CROSS_BORDER_DAYS, "CrossBorderSettings", "delivery_days", 1),
    (se.PORT_FREIGHT_USD, "Port", "freight_usd_per_container", 1),
    (se.WITHIN_DAYS, "ShareTarget", "within_days", 1),
    (se.TARGET_PCT, "ShareTarget", "share_pct", 1),
    (se.MAX_DAYS, "Targets", "max_days_any_zip3", 1),
    (se.PORT_SHARE_PCT, "Port", "share", 100),
    (se.TRUCKLOAD_USD_PER_MILE, "InboundSettings", "truckload_usd_per_mile", 1),
])
def test_settings_limits_are_the_schemas(limit, owner, key, scale):
    """The Settings page checks (and offers) exactly the schema's range of each value."""
    defs = json.loads(scenario_schema.SCHEMA_FILE.read_text())["$defs"]
    expected = tuple(None if b is None else b * scale for b in _bounds(defs, owner, key))
    assert (limit.ge, limit.gt, limit.le, limit.lt) == expected


def test_regions_cover_every_state_once():
    """The four Census regions hold the 50 states and DC, each once."""
    assert tuple(US_REGIONS) == Region.__args__
    assert len(STATE_REGION) == 51 == sum(len(s) for s in US_REGIONS.values())
