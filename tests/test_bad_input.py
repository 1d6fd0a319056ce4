"""Every class of bad input gets a message naming its row and field, never a traceback."""

import json
from pathlib import Path

import pytest

from network.cli import main
from network.errors import InputError
from network.fields import Range
from network.places import zip5_to_zip3
from network.scenario import Site
from network.scenario_file import embedded_zip3_base, scenario_from_json
from network.tables import (
    load_rate_cards,
    load_sites,
    load_transit_days,
    load_user_demand,
    load_zip3_base,
)

SITES_HEADER = "site_id,name,lat,lon,fixed_cost_usd_per_year,capacity_orders_per_year\n"
SERVICES = ["usps_ground_advantage", "ups_ground"]


def problems_of(call) -> list[str]:
    with pytest.raises(InputError) as info:
        call()
    return [str(p) for p in info.value.problems]


def sites(text: str) -> list[str]:
    return problems_of(lambda: load_sites(text.encode(), embedded_zip3_base(), name="s.csv"))


def test_missing_and_misspelled_columns():
    """A misspelled column is named with a suggestion, and the missing one is named."""
    msgs = sites("site_id,name,lattitude,lon,fixed_cost_usd_per_year,capacity_orders_per_year\n"
                 "X,x,47,-122,1,1\n")
    assert any("field 'lattitude'" in m and "did you mean 'lat'" in m for m in msgs)
    assert any("field 'lat': required column is missing" in m for m in msgs)


def test_text_and_nan_where_numbers_belong():
    """Text and NaN in number columns name the row and field."""
    msgs = sites(SITES_HEADER + "A,a,47.4,-122.3,lots,100\nB,b,nan,-122.3,5,100\n")
    assert "s.csv, row 2, field 'fixed_cost_usd_per_year': 'lots' is not a number" in msgs
    assert "s.csv, row 3, field 'lat': 'nan' is not a finite number" in msgs


def test_latitude_out_of_range():
    """Latitude 147 is out of range; a longitude with the wrong sign is not in the US."""
    msgs = sites(SITES_HEADER + "A,a,147,-122.3,5,100\nB,b,47.4,122.3,5,100\n")
    assert any("row 2, field 'lat'" in m and "above the maximum 90" in m for m in msgs)
    assert any("row 3, field 'lat'" in m and "miles from the nearest US" in m for m in msgs)


def test_duplicate_site_ids_and_negative_cost():
    """A second use of an id and a negative cost are both reported."""
    msgs = sites(SITES_HEADER + "A,a,47.4,-122.3,5,100\nA,b,40.7,-74.0,-5,100\n")
    assert "s.csv, row 3, field 'site_id': duplicate site id 'A' (first used in row 2)" in msgs
    assert any("row 3, field 'fixed_cost_usd_per_year'" in m and "below the minimum" in m
               for m in msgs)


def test_unknown_zip_in_sites_and_demand():
    """Unknown ZIPs are named with their row."""
    msgs = sites("site_id,name,lat,lon,zip,fixed_cost_usd_per_year,capacity_orders_per_year\n"
                 "A,a,47.4,-122.3,00000,5,100\n")
    assert any("row 2, field 'zip': unknown ZIP3 '000'" in m for m in msgs)
    base = embedded_zip3_base()
    msgs = problems_of(lambda: load_user_demand(b"zip5,orders_per_year\n98101,10\n99999,5\n",
                                                base, name="d.csv", zip5_to_zip3=zip5_to_zip3))
    assert msgs == ["d.csv, row 3, field 'zip5': unknown ZIP '99999'"]


def test_negative_demand():
    """Negative orders are refused."""
    msgs = problems_of(lambda: load_user_demand(b"zip3,orders_per_year\n981,-3\n",
                                                embedded_zip3_base(), name="d.csv"))
    assert any("row 2, field 'orders_per_year'" in m for m in msgs)


def test_duplicate_keys_in_the_zip3_table_and_transit_days(tmp_path):
    """A ZIP3 or a (service, zone) given twice is named with the row of its first use."""
    zip3 = b"zip3,state,lat,lon,population\n981,WA,47.6,-122.3,5\n981,WA,47.6,-122.3,5\n"
    assert problems_of(lambda: load_zip3_base(zip3)) == [
        "ZIP3 file, row 3, field 'zip3': duplicate ZIP3 '981' (first in row 2)"]
    rows = "".join(f"{s},{z},2\n" for s in SERVICES for z in range(1, 9))
    text = "service,zone,transit_days\n" + rows + "ups_ground,3,4\n"
    assert problems_of(lambda: load_transit_days(text.encode(), SERVICES, name="t.csv")) == [
        "t.csv, row 18, field 'zone': duplicate transit days for ups_ground, zone 3"]


def test_user_demand_aggregates_to_zip3():
    """ZIP5 rows add up into their ZIP3."""
    out = load_user_demand(b"zip5,orders_per_year\n98101,10\n98104,5\n10001,1\n",
                           embedded_zip3_base(), zip5_to_zip3=zip5_to_zip3)
    assert dict(out) == {"981": 15.0, "100": 1.0}


def test_rate_card_missing_zone_and_unknown_service():
    """A card missing zone 8 and a row for an unknown service are both reported."""
    rows = "".join(f"ups_ground,{z},1,{10 + z}\n" for z in range(1, 8))
    text = "service,zone,weight_lb,rate_usd\n" + rows + "dhl_magic,1,1,5\n"
    msgs = problems_of(lambda: load_rate_cards(text.encode(), SERVICES, name="card.csv"))
    assert any("row 9, field 'service': unknown service 'dhl_magic'" in m for m in msgs)
    assert any("ups_ground, 1 lb has no rate for zone 8" in m for m in msgs)


def test_scenario_newer_version_and_schema_errors():
    """A newer format version is refused plainly; schema errors name the field."""
    msgs = problems_of(lambda: scenario_from_json(json.dumps({"format_version": 99,
                                                              "name": "x"})))
    assert "newer than this tool reads" in msgs[0] and "format_version" in msgs[0]
    doc = json.loads(Path("data/scenarios/default.json").read_text())
    doc["demand"]["annual_orders"] = "many"
    doc["costs"]["inbound"]["ports"][2]["lat"] = 400
    msgs = problems_of(lambda: scenario_from_json(json.dumps(doc), name="s.json",
                                                  base_dir=Path("data/scenarios")))
    assert any("field 'demand.annual_orders'" in m for m in msgs)
    assert any("row 3, field 'costs.inbound.ports.lat'" in m for m in msgs)


def test_scenario_meaning_checks():
    """Unknown forced-open ids and shares that do not add to 1 are reported together."""
    doc = json.loads(Path("data/scenarios/default.json").read_text())
    doc["constraints"]["forced_open"] = ["NOPE"]
    doc["costs"]["weight_mix"] = {"1": 0.5, "2": 0.2}
    msgs = problems_of(lambda: scenario_from_json(json.dumps(doc), name="s.json",
                                                  base_dir=Path("data/scenarios")))
    assert any("unknown site id 'NOPE'" in m for m in msgs)
    assert any("weight mix shares add up to 0.7000" in m for m in msgs)


def test_cli_validate_exit_codes(tmp_path, capsys):
    """validate exits 0 on the shipped files and 2 with one line per problem otherwise."""
    assert main(["validate", "data/scenarios/default.json"]) == 0
    assert main(["validate", "data/candidate_sites.csv"]) == 0
    bad = tmp_path / "sites.csv"
    bad.write_text(SITES_HEADER + "A,a,47.4,-122.3,x,100\nA,b,40.7,-74.0,5,100\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("row" in line and "field" in line for line in err)
    card = tmp_path / "card.csv"
    card.write_text("service,zone,weight_lb,rate_usd\nups_ground,1,1,abc\n")
    assert main(["validate", str(card)]) == 2


def _outside(allowed: Range) -> float:
    """A value just outside a range's lower (else upper) bound."""
    if allowed.gt is not None:
        return allowed.gt
    if allowed.ge is not None:
        return allowed.ge - 1
    return (allowed.le if allowed.le is not None else allowed.lt) + 1


@pytest.mark.parametrize("field", ["lat", "lon", "fixed_cost_usd_per_year",
                                   "capacity_orders_per_year", "rent_usd_per_sqft_year",
                                   "size_sqft"])
def test_sites_csv_refuses_what_the_definition_refuses(field):
    """The sites CSV reader refuses each number the Site definition refuses, as a problem
    naming row and field (never a validation traceback from building the Site)."""
    row = {"site_id": "A", "name": "a", "lat": 47.4, "lon": -122.3,
           "fixed_cost_usd_per_year": 5, "capacity_orders_per_year": 100,
           "rent_usd_per_sqft_year": 10, "size_sqft": 1000}
    row[field] = _outside(Range.of(Site, field))
    msgs = sites(",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n")
    assert any(m.startswith(f"s.csv, row 2, field '{field}'") for m in msgs), msgs


def test_a_zip3_table_with_a_zip3_twice_is_a_problem_not_a_traceback(tmp_path, capsys):
    """A repeated ZIP3 (which the ZIP3 table's definition also refuses) is reported by the
    CSV reader with both rows, as a problem line from `validate` (exit 2)."""
    table = tmp_path / "zip3.csv"
    table.write_text("zip3,state,lat,lon,population\n981,WA,47.6,-122.3,10\n"
                     "981,WA,47.6,-122.3,10\n")
    assert main(["validate", str(table)]) == 2
    assert capsys.readouterr().err.endswith(
        "zip3.csv, row 3, field 'zip3': duplicate ZIP3 '981' (first in row 2)\n")


def test_a_control_character_where_an_object_belongs_is_named_not_escaped():
    """A text of control characters given for a section (found by the hostile-document
    property test: '\\x1f' for constraints) is named as such, not quoted back as a Python
    escape; a printable text is quoted back."""
    from network.scenario_file import load_default_scenario, scenario_to_json

    doc = json.loads(scenario_to_json(load_default_scenario()))
    for given, shown in (("\x1f", "(given: a text with control characters)"),
                         ("abc", "(given: 'abc')")):
        doc["constraints"] = given
        with pytest.raises(InputError) as err:
            scenario_from_json(json.dumps(doc))
        line = str(err.value.problems[0])
        assert "field 'constraints'" in line and line.endswith(shown), line
