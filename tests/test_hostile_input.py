"""Hostile input, tried systematically: every CSV reader, the command line and the app's upload
and edit functions end in a clear message or a valid result, never a traceback, an exit code
other than 0 or 2, or a change to the scenario they were given. Clean files must be accepted.

Case counts: `pytest tests/test_hostile_input.py --hypothesis-show-statistics`; more cases:
HYPOTHESIS_PROFILE=thorough (see tests/conftest.py and RELIABILITY.md).
"""

from __future__ import annotations

import json
import math
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from network.geo import N_ZONES
from network.places import zip5_table, zip5_to_zip3
from network.scenario import Scenario, Zip3Base
from network.scenario_file import embedded_zip3_base, load_default_scenario
from network.tables import (
    load_rate_cards,
    load_sites,
    load_transit_days,
    load_user_demand,
    load_zip3_base,
)
from ui import edits
from ui import settings_edits as se

import hostile
from hostile import budget, clear_outcome, cli, csv_files, rows_of, unchanged

SITE_COLUMNS = ["site_id", "name", "lat", "lon", "fixed_cost_usd_per_year",
                "capacity_orders_per_year"]
CARD_COLUMNS = ["service", "zone", "weight_lb", "rate_usd"]
TRANSIT_COLUMNS = ["service", "zone", "transit_days"]
ZIP3_COLUMNS = ["zip3", "state", "lat", "lon", "population"]
UPLOAD_SITE_COLUMNS = ["name", "zip", "fixed_cost_usd_per_year", "capacity_orders_per_year"]
PRINTABLE = st.characters(exclude_categories=("Cc", "Cs"))  # text a clean file may hold
WEIGHTS_LB = (0.25, 0.5, 1, 2, 3, 5, 10, 20, 35, 70, 150)


@cache
def base() -> Zip3Base:
    return embedded_zip3_base()


@cache
def scenario() -> Scenario:
    """The default scenario with ten sites (the app's edits check the whole scenario)."""
    default = load_default_scenario()
    return default.with_changes(sites=default.sites[:10])


@cache
def services() -> tuple[str, ...]:
    return scenario().service_ids


@cache
def modelled_zip5s() -> tuple[str, ...]:
    """ZIP5s whose ZIP3 is in the demand base (others are refused by design)."""
    known = set(base().zip3)
    return tuple(sorted(z for z in zip5_table() if z[:3] in known))


# ---------------------------------------------------------------------------------------------
# Clean rows for each reader (csv_files breaks them)


def demand_rows(key: str) -> st.SearchStrategy[list[dict[str, str]]]:
    codes = base().zip3 if key == "zip3" else modelled_zip5s()
    zips = st.sampled_from(codes)
    variants = st.one_of(zips, zips.map(lambda z: z.lstrip("0") or "0"))
    if key == "zip5":
        variants = st.one_of(variants, zips.map(lambda z: f"{z}-0001"))
    return rows_of(**{key: variants, "orders_per_year": hostile.positive_numbers(1, 1e9)})


@st.composite
def site_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    """Sites at ZIP3 points (a site must lie within 150 miles of one), unique ids."""
    ids = draw(st.lists(st.from_regex(r"[A-Z]{2,5}[0-9]{0,3}", fullmatch=True), min_size=1,
                        max_size=8, unique=True))
    rows = []
    for site_id in ids:
        i = draw(st.integers(0, len(base().zip3) - 1))
        rows.append({"site_id": site_id, "name": draw(st.text(PRINTABLE, max_size=30)),
                     "lat": f"{base().lat[i]:.4f}", "lon": f"{base().lon[i]:.4f}",
                     "fixed_cost_usd_per_year": draw(hostile.positive_numbers(0, 1e8)),
                     "capacity_orders_per_year": draw(hostile.positive_numbers(1, 1e9))})
    return rows


@st.composite
def card_rows(draw: st.DrawFn, up_to_lb: float | None = None) -> list[dict[str, str]]:
    """Whole cards: every weight band of each service priced in zones 1-8 (and the last band
    at least `up_to_lb`: a scenario's card must cover its weight mix)."""
    rows = []
    for service in draw(st.lists(st.sampled_from(services()), min_size=1, max_size=2,
                                 unique=True)):
        weights = draw(st.lists(st.sampled_from(WEIGHTS_LB), min_size=1, max_size=3,
                                unique=True))
        if up_to_lb is not None and max(weights) < up_to_lb:
            weights.append(max(WEIGHTS_LB))
        for weight in weights:
            rows += [{"service": service, "zone": str(z), "weight_lb": f"{weight:g}",
                      "rate_usd": draw(hostile.positive_numbers(0, 500))}
                     for z in range(1, N_ZONES + 1)]
    return draw(st.permutations(rows))


@st.composite
def transit_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    """Every known service's days for zones 1-8."""
    return [{"service": s, "zone": str(z), "transit_days": str(draw(st.integers(0, 30)))}
            for s in services() for z in range(1, N_ZONES + 1)]


def zip3_rows() -> st.SearchStrategy[list[dict[str, str]]]:
    return rows_of(unique_by="zip3", zip3=st.from_regex(r"[0-9]{3}", fullmatch=True),
                   state=st.from_regex(r"[A-Z]{2}", fullmatch=True),
                   lat=st.floats(-90, 90).map(lambda v: f"{v:.5f}"),
                   lon=st.floats(-180, 180).map(lambda v: f"{v:.5f}"),
                   population=hostile.positive_numbers(0, 1e7))


def upload_site_rows() -> st.SearchStrategy[list[dict[str, str]]]:
    return rows_of(max_size=4, unique_by="zip",
                   name=st.from_regex(r"[A-Za-z][A-Za-z ()]{0,20}", fullmatch=True),
                   zip=st.sampled_from(modelled_zip5s()),
                   fixed_cost_usd_per_year=st.one_of(st.just(""),
                                                     hostile.positive_numbers(0, 1e8)),
                   capacity_orders_per_year=st.one_of(st.just(""),
                                                      hostile.positive_numbers(1, 1e9)))


# ---------------------------------------------------------------------------------------------
# What a valid result is, for each reader


def valid_demand(result: tuple[tuple[str, float], ...]) -> None:
    assert result and list(result) == sorted(dict(result).items())
    assert all(z in base().zip3 and math.isfinite(v) and v >= 0 for z, v in result)
    assert sum(v for _, v in result) > 0


def valid_sites(result) -> None:
    assert result and len({s.site_id for s in result}) == len(result)
    for s in result:
        assert s.site_id and s.zip3 in base().zip3
        assert all(math.isfinite(v) for v in (s.lat, s.lon, s.fixed_cost_usd_per_year))
        assert s.fixed_cost_usd_per_year >= 0 and s.capacity_orders_per_year > 0


def valid_cards(result) -> None:
    assert result and set(result) <= set(services())
    for card in result.values():
        weights = card.weight_bands_lb
        assert list(weights) == sorted(set(weights)) and weights[0] > 0
        assert all(len(r) == N_ZONES and all(math.isfinite(v) and v >= 0 for v in r)
                   for r in card.rates_usd)


def valid_transit(result) -> None:
    assert set(result) == set(services())
    assert all(len(d) == N_ZONES and all(0 <= v <= 30 for v in d) for d in result.values())


def valid_zip3_base(result: Zip3Base) -> None:
    assert result.zip3 and len(set(result.zip3)) == len(result.zip3)
    assert all(len(z) == 3 and z.isdigit() for z in result.zip3)
    for values in (result.lat, result.lon, result.population):
        assert len(values) == len(result.zip3) and np.isfinite(values).all()


def read_and_check(read, file: hostile.CsvFile, valid) -> hostile.Outcome:
    """A reader's outcome for `file`: clear either way, and a clean file accepted."""
    outcome = clear_outcome(lambda: read(file.data), valid=valid, max_row=file.lines)
    assert not (file.clean and outcome.rejected), [str(p) for p in outcome.problems]
    return outcome


# ---------------------------------------------------------------------------------------------
# Every CSV reader


@settings(max_examples=budget())
@given(file=csv_files(["zip3", "orders_per_year"], demand_rows("zip3")))
def test_demand_by_zip3(file):
    """Demand by ZIP3: a clear message or valid orders; clean files are accepted."""
    read_and_check(lambda data: load_user_demand(data, base(), name="d.csv"), file,
                   valid_demand)


@settings(max_examples=budget())
@given(file=csv_files(["zip5", "orders_per_year"], demand_rows("zip5")))
def test_demand_by_zip5(file):
    """Demand by ZIP5 (ZIP+4 and dropped leading zeros included)."""
    read_and_check(lambda data: load_user_demand(data, base(), name="d.csv",
                                                 zip5_to_zip3=zip5_to_zip3), file, valid_demand)


@settings(max_examples=budget())
@given(file=csv_files(SITE_COLUMNS, site_rows()))
def test_candidate_sites(file):
    """Candidate sites: a clear message or sites with finite numbers and known ZIP3s."""
    read_and_check(lambda data: load_sites(data, base(), name="s.csv"), file, valid_sites)


@settings(max_examples=budget())
@given(file=csv_files(CARD_COLUMNS, card_rows()))
def test_rate_cards(file):
    """Rate cards: a clear message or complete cards (8 zones per weight band)."""
    read_and_check(lambda data: load_rate_cards(data, services(), name="card.csv"), file,
                   valid_cards)


@settings(max_examples=budget(0.5))
@given(file=csv_files(TRANSIT_COLUMNS, transit_rows()))
def test_transit_days(file):
    """Transit days: a clear message or 8 zones of 0-30 days for every service."""
    read_and_check(lambda data: load_transit_days(data, services(), name="t.csv"), file,
                   valid_transit)


@settings(max_examples=budget())
@given(file=csv_files(ZIP3_COLUMNS, zip3_rows()))
def test_zip3_population_table(file):
    """The ZIP3 population table: a clear message or unique ZIP3s with finite numbers."""
    read_and_check(load_zip3_base, file, valid_zip3_base)


@settings(max_examples=budget())
@given(data=hostile.hostile_bytes(), reader=st.sampled_from(["demand", "sites", "card",
                                                             "transit", "zip3"]))
def test_files_that_are_not_csv_text(data, reader):
    """Binary data, workbooks and other encodings get a message from every reader."""
    read = {"demand": lambda: load_user_demand(data, base(), name="d.csv"),
            "sites": lambda: load_sites(data, base(), name="s.csv"),
            "card": lambda: load_rate_cards(data, services(), name="c.csv"),
            "transit": lambda: load_transit_days(data, services(), name="t.csv"),
            "zip3": lambda: load_zip3_base(data)}[reader]
    clear_outcome(read)


# ---------------------------------------------------------------------------------------------
# Row numbers as a spreadsheet shows them


@settings(max_examples=budget(0.5))
@given(rows=site_rows(), blank_before=st.lists(st.booleans(), min_size=8, max_size=8),
       multiline=st.lists(st.booleans(), min_size=8, max_size=8), data=st.data())
def test_problem_rows_are_spreadsheet_rows(rows, blank_before, multiline, data):
    """With blank rows and values spanning lines about, a bad cell is reported in the row a
    spreadsheet shows it in (the header is row 1)."""
    bad = data.draw(st.integers(0, len(rows) - 1))
    lines, row_of = [",".join(SITE_COLUMNS + ["source"])], {}
    for i, rec in enumerate(rows):
        if blank_before[i]:
            lines.append("")
        source = '"a note\nover two lines"' if multiline[i] else "web"
        cost = "lots" if i == bad else rec["fixed_cost_usd_per_year"]
        lines.append(",".join([rec["site_id"], '"x"', rec["lat"], rec["lon"], f'"{cost}"',
                               f'"{rec["capacity_orders_per_year"]}"', source]))
        row_of[i] = len(lines)  # each written record is one spreadsheet row
    text = "\n".join(lines) + "\n"
    outcome = clear_outcome(lambda: load_sites(text.encode(), base(), name="s.csv"))
    assert [(p.row, p.field) for p in outcome.problems] == [
        (row_of[bad], "fixed_cost_usd_per_year")]


# ---------------------------------------------------------------------------------------------
# The app's uploads and edits: a rejected one leaves the scenario as it was


@settings(max_examples=budget())
@given(file=st.one_of(csv_files(UPLOAD_SITE_COLUMNS, upload_site_rows()),
                      hostile.hostile_bytes().map(lambda b: hostile.CsvFile(b, False))))
def test_sites_upload(file):
    """Sites upload: new sites or a message; the scenario passed in is unchanged."""
    current = scenario()
    with unchanged(current):
        outcome = clear_outcome(lambda: edits.apply_sites_upload(current, file.data, "s.csv"),
                                max_row=file.lines)
    if not outcome.rejected:
        assert len(outcome.result.sites) > len(current.sites)
    assert not (file.clean and outcome.rejected), [str(p) for p in outcome.problems]


@settings(max_examples=budget())
@given(file=st.one_of(csv_files(["zip5", "orders_per_year"], demand_rows("zip5")),
                      csv_files(["zip3", "orders"], demand_rows("zip3").map(
                          lambda rows: [{"zip3": r["zip3"], "orders": r["orders_per_year"]}
                                        for r in rows]))))
def test_demand_upload(file):
    """Demand upload: the user's orders or a message; the scenario passed in is unchanged."""
    current = scenario()
    with unchanged(current):
        outcome = clear_outcome(lambda: edits.apply_demand_upload(current, file.data, "d.csv"),
                                max_row=file.lines)
    assert not (file.clean and outcome.rejected), [str(p) for p in outcome.problems]


@settings(max_examples=budget(0.4))  # 0.3-0.8 s an example: the whole scenario re-checked
@given(file=csv_files(CARD_COLUMNS, card_rows(up_to_lb=max(
    w for w, _ in load_default_scenario().costs.weight_mix))))
def test_rate_card_upload(file):
    """Rate card upload: the new cards or a message; the scenario passed in is unchanged."""
    current = scenario()
    with unchanged(current):
        outcome = clear_outcome(lambda: edits.apply_rate_card_upload(current, file.data,
                                                                     "c.csv"),
                                max_row=file.lines)
    assert not (file.clean and outcome.rejected), [str(p) for p in outcome.problems]


def hostile_numbers() -> st.SearchStrategy:
    """What a number input or a table cell may hold, typed or pasted."""
    return st.one_of(st.floats(), st.integers(-10**20, 10**20), hostile.number_texts(),
                     st.none(), st.just(pd.NA), st.booleans())


def frame_of(columns: list[str]) -> st.SearchStrategy[pd.DataFrame]:
    row = st.fixed_dictionaries({c: st.one_of(hostile_numbers(), hostile.words())
                                 for c in columns})
    return st.lists(row, max_size=5).map(lambda rows: pd.DataFrame(rows, columns=columns))


@settings(max_examples=budget())
@given(edit=st.sampled_from(["demand", "orders", "targets", "inbound", "customs", "cross border",
                             "inventory", "site table"]),
       numbers=st.lists(hostile_numbers(), min_size=5, max_size=5), data=st.data())
def test_settings_and_table_edits(edit, numbers, data):
    """Every Settings form and the site table, fed hostile numbers and cells: a checked new
    scenario or a message, and the scenario passed in is unchanged."""
    s, (a, b, c, d, _) = scenario(), numbers
    ticked = data.draw(st.booleans())  # a checkbox: always a bool

    def fields(names) -> dict:  # a form's number inputs, each given a hostile number
        return dict(zip(names, numbers, strict=False))

    calls = {
        "demand": lambda: se.apply_demand(s, a, b, ticked),
        "orders": lambda: se.apply_orders_profile(
            s, data.draw(frame_of(["weight_lb", "share_pct"])), a, b, c, d),
        "targets": lambda: se.apply_targets(
            s, data.draw(frame_of(["within_days", "share_pct"])), a, b, c),
        "inbound": lambda: se.apply_inbound(
            s, data.draw(frame_of(["name", "lat", "lon", "share_pct",
                                   "freight_usd_per_container"])), fields(se.INBOUND_NUMBERS)),
        "customs": lambda: se.apply_customs(s, fields(se.CUSTOMS_NUMBERS)),
        "cross border": lambda: se.apply_cross_border(
            s, ticked, data.draw(st.sampled_from([*se.RETURN_POLICIES, "keep it", ""])),
            fields(se.CROSS_BORDER_NUMBERS)),
        "inventory": lambda: se.apply_inventory(s, fields(se.INVENTORY_NUMBERS)),
        "site table": lambda: edits.apply_sites_table(s, data.draw(_edited_site_table(s))),
    }
    with unchanged(s):
        clear_outcome(calls[edit])


@st.composite
def _edited_site_table(draw: st.DrawFn, s: Scenario) -> pd.DataFrame:
    table = edits.sites_table(s)
    for _ in range(draw(st.integers(1, 4))):
        row = draw(st.integers(0, len(table) - 1))
        column = draw(st.sampled_from(["name", "fixed_cost_usd_per_year",
                                       "capacity_orders_per_year", "forced_open",
                                       "forced_closed", "site_id"]))
        table[column] = table[column].astype(object)
        table.at[row, column] = draw(st.one_of(hostile_numbers(), hostile.words()))
    return table


# ---------------------------------------------------------------------------------------------
# The command line


CSV_OF_EVERY_KIND = st.one_of(
    csv_files(["zip3", "orders_per_year"], demand_rows("zip3")),
    csv_files(SITE_COLUMNS, site_rows()),
    csv_files(CARD_COLUMNS, card_rows()),
    csv_files(ZIP3_COLUMNS, zip3_rows()),
)


@settings(max_examples=budget(0.5))
@given(file=st.one_of(CSV_OF_EVERY_KIND,
                      hostile.hostile_bytes().map(lambda b: hostile.CsvFile(b, False))),
       suffix=st.sampled_from([".csv", ".csv", ".json", ".txt", ""]))
def test_cli_validate_any_file(file, suffix):
    """validate exits 0 on a clean file of any kind, else 2 with at most 21 lines."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(file.data)
        run = cli(["validate", str(path)])
    if file.clean and suffix == ".csv":
        assert run.code == 0, run.err


@settings(max_examples=budget(0.5))
@given(codes=st.lists(st.one_of(hostile.zip_texts(modelled_zip5s(), 5),
                                hostile.zip_texts(base().zip3, 3)), min_size=0, max_size=3))
def test_cli_zone_any_arguments(codes):
    """zone with any arguments (too few, too many, junk, non-ASCII digits) exits 0 or 2."""
    run = cli(["zone", *codes])
    if run.code == 0:
        assert 1 <= int(json.loads(run.out)["zone"]) <= N_ZONES


@settings(max_examples=budget(0.1))  # each example costs the default design: 2-4 s
@given(ids=st.lists(st.one_of(st.sampled_from(load_default_scenario().site_ids),
                              hostile.words()), max_size=4),
       out=st.sampled_from(["folder", "a file", "nested/new", ""]))
def test_cli_evaluate_any_open_list_and_out(ids, out):
    """evaluate with any --open list and an --out that is a file, a new or no folder: exit 0,
    2, or 3 with the explanation when those sites cannot meet the targets (my network)."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / out if out else Path(folder)
        if out == "a file":
            target.write_text("x")
        run = cli(["evaluate", "--open", ",".join(ids), "--out", str(target)], exits=(0, 2, 3))
        if run.code == 3:
            assert "no assignment to these sites meets the targets" in run.out


@pytest.mark.parametrize("args, message", [
    (["validate", "{latin1}"], "looks like Windows-1252"),
    (["validate", "{semicolons}"], "semicolons"),
    (["validate", "{folder}"], "is a folder"),
    (["evaluate", "--open", "SEA", "--out", "{latin1}"], "is a file, not a folder"),
    (["lanes", "--out", "{folder}"], "is a folder"),
    (["solve", "--out", "{folder}/out", "--time-limit", "inf"], "time limit"),
    (["zone", "9810\u00b2", "10001"], "not a 3- or 5-digit ZIP"),
    (["validate", "{deep}"], "nested too deeply"),
    (["sweep", "{utf16}", "--out", "{folder}/sweep"], "is UTF-16 text, not UTF-8"),
])
def test_cli_process_exit_codes(tmp_path, args, message):
    """As a real process: exit 2 and one plain line for each of these, no traceback."""
    paths = {"latin1": tmp_path / "sites.csv", "semicolons": tmp_path / "demand.csv",
             "folder": tmp_path, "deep": tmp_path / "deep.json"}
    paths["deep"].write_text("[" * 100_000 + "]" * 100_000)
    paths["utf16"] = tmp_path / "scenario.json"
    paths["utf16"].write_text('{"name": "x"}', encoding="utf-16")
    paths["latin1"].write_bytes("site_id,name\nA,Montr\u00e9al\n".encode("cp1252"))
    paths["semicolons"].write_text("zip3;orders_per_year\n981;1,5\n")
    run = hostile.cli_process([a.format(**paths) for a in args])
    assert run.code == 2 and message in run.err, run.err
