"""Exports (network/export): every format read back by the tool that would read it, figures
rounded to their precision, and user text that cannot run as HTML or as a spreadsheet formula."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import date

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from network.errors import InputError
from network.export.cells import file_name, spreadsheet_text, unguarded
from network.export.content import ScenarioWithDesign, from_result, with_design
from network.export.csv_files import lanes_csv, sites_csv
from network.export.formats import ExportFormat, export_files
from network.export.frames import (
    SITE_COLUMNS,
    STATUS_QUO_KPI,
    kpi_frame,
    lanes_frame,
    sites_frame,
)
from network.export.geojson import network_geojson
from network.export.report import report_html
from network.export.scenario_json import design_json, read_scenario_file
from network.export.workbook import workbook_bytes
from network.scenario_file import load_default_scenario
from network.tables import load_sites
from ui import edits

DAY = date(2025, 6, 1)
XSS = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://example.invalid","click")'
SITES = ("SEA", "DFW", "MDT", "ORD", "ATL")


@pytest.fixture(scope="module")
def hostile():
    """Five sites, two of them named to attack a browser and a spreadsheet, both forced open."""
    default = load_default_scenario()
    sites = [s for s in default.sites if s.site_id in SITES]
    sites[0] = replace(sites[0], name=XSS, source="<b>bold</b> & =1+1")
    sites[1] = replace(sites[1], name=FORMULA)
    sites[2] = replace(sites[2], lat=sites[2].lat + 0.0123)  # not its ZIP's point
    return default.with_changes(
        name="Meeting <script>alert(2)</script> & co", sites=tuple(sites),
        description="-2+3 and <i>notes</i>",
        constraints=replace(default.constraints, forced_open=("SEA", "DFW")))


@pytest.fixture(scope="module")
def solved(hostile):
    from network.optimize import optimize

    result = optimize(hostile)
    assert result.status.has_design
    return from_result(hostile, result)


# -- JSON -------------------------------------------------------------------------------------


def test_json_reads_back_with_its_design_and_writes_the_same_bytes(solved):
    """The JSON export reads back as the scenario with its design; written again, identical."""
    text = design_json(solved)
    imported = read_scenario_file(text.encode(), "export.json")
    assert imported.content.scenario == solved.scenario
    assert imported.content.design == solved.design
    assert imported.content.solve == replace(solved.solve, gap=round(solved.solve.gap, 8),
                                             best_bound_usd=round(solved.solve.best_bound_usd, 2))
    assert imported.notes == ()
    assert design_json(imported.content) == text
    doc = json.loads(text)
    assert doc["design"]["kpis"]["total_cost_usd"] == round(
        solved.evaluation.kpis.total_cost_usd, 2)


def test_json_without_a_design_reads_back_without_one(hostile):
    imported = read_scenario_file(design_json(ScenarioWithDesign(hostile)).encode(), "s.json")
    assert imported.content.scenario == hostile and not imported.content.has_design


def test_a_file_whose_costs_differ_is_read_with_this_tools_figures_and_says_so(solved):
    """Another cost model's total: the design is kept, its KPIs are computed here, and its
    solver claims are dropped with a note."""
    doc = json.loads(design_json(solved))
    doc["design"]["kpis"]["total_cost_usd"] += 1000.0
    imported = read_scenario_file(json.dumps(doc).encode(), "other.json")
    assert imported.content.design == solved.design
    assert imported.content.solve.status == "imported"
    assert "this tool computes" in imported.notes[0]


# -- CSV --------------------------------------------------------------------------------------


def test_sites_csv_has_one_column_set_before_and_after_a_solve(hostile, solved):
    before = pd.read_csv(io.StringIO(sites_csv(hostile, None)), dtype=str)
    after = pd.read_csv(io.StringIO(sites_csv(hostile, solved.evaluation)), dtype=str)
    assert list(before.columns) == list(after.columns) == list(SITE_COLUMNS)
    assert before["open"].isna().all() and set(after["open"]) == {"yes", "no"}


def test_sites_csv_uploads_back_as_the_same_sites(hostile, solved):
    """Into a scenario without them, the exported sites come back as they were: names (the
    formula one too), ZIPs, locations, costs, capacity, rent, size, source, forced open."""
    others = tuple(s for s in load_default_scenario().sites if s.site_id not in SITES)
    target = hostile.with_changes(sites=others, constraints=replace(
        hostile.constraints, forced_open=()))
    data = sites_csv(hostile, solved.evaluation).encode()
    back = edits.apply_sites_upload(target, data, "sites.csv")
    got = {s.site_id: s for s in back.sites[len(others):]}
    assert set(got) == set(SITES)
    for s in hostile.sites:
        g = got[s.site_id]
        assert (g.name, g.zip, g.zip3, g.state, g.source) == (s.name, s.zip, s.zip3, s.state,
                                                               s.source)
        assert (g.lat, g.lon) == pytest.approx((s.lat, s.lon), abs=1e-5)
        assert g.fixed_cost_usd_per_year == pytest.approx(s.fixed_cost_usd_per_year, abs=0.005)
        assert g.capacity_orders_per_year == pytest.approx(s.capacity_orders_per_year, abs=0.5)
        assert (g.rent_usd_per_sqft_year, g.size_sqft) == (s.rent_usd_per_sqft_year,
                                                           s.size_sqft)
    assert set(back.constraints.forced_open) == {"SEA", "DFW"}


def test_sites_csv_reads_as_a_scenarios_sites_file(hostile, solved, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(sites_csv(hostile, solved.evaluation))
    read = {s.site_id: s for s in load_sites(path)}
    assert read["SEA"].name == XSS and read["DFW"].name == FORMULA


def test_csv_text_that_looks_like_a_formula_is_guarded(hostile, solved):
    """A spreadsheet opening the CSV sees text, not a formula: a leading apostrophe."""
    rows = list(pd.read_csv(io.StringIO(sites_csv(hostile, solved.evaluation)), dtype=str,
                            keep_default_na=False)["name"])
    assert "'" + FORMULA in rows and FORMULA not in rows
    assert unguarded(spreadsheet_text("-5 and =x")) == "-5 and =x"
    assert unguarded("'plain") == "'plain"


def test_lanes_csv_adds_up_to_the_kpis_and_is_rounded(hostile, solved):
    lanes = pd.read_csv(io.StringIO(lanes_csv(hostile, solved.evaluation)), dtype={"zip3": str})
    k = solved.evaluation.kpis
    assert len(lanes) == len(solved.evaluation.site_index)
    assert lanes["orders_per_year"].sum() == pytest.approx(k.orders_per_year, abs=len(lanes))
    variable = k.total_cost_usd - k.cost_breakdown_usd["fixed"] - k.cost_breakdown_usd[
        "inventory"]
    assert lanes["cost_usd_per_year"].sum() == pytest.approx(variable, abs=len(lanes))
    for column in lanes.columns:
        if column.endswith("_usd_per_order"):
            assert (lanes[column].round(2) == lanes[column]).all(), column
        if column.endswith(("_per_year",)):
            assert (lanes[column] == lanes[column].round()).all(), column


def test_no_raw_floats_and_shares_in_percent(hostile, solved):
    """Site figures are whole dollars or cents and utilization is a percent, not 0-1."""
    text = sites_csv(hostile, solved.evaluation)
    frame = pd.read_csv(io.StringIO(text))
    assert not re.search(r"\d\.\d{6,}", text)
    opened = frame[frame["open"] == "yes"]
    expected = [round(100 * u.utilization_share, 1) for u in solved.evaluation.sites
                if u.is_open]
    assert sorted(opened["utilization_at_peak_pct"]) == sorted(expected)
    assert (frame["total_cost_usd_per_year"] == frame["total_cost_usd_per_year"].round()).all()


# -- GeoJSON, workbook, report -----------------------------------------------------------------


def test_geojson_reads_back_in_geopandas_as_wgs84(hostile, solved):
    frame = gpd.read_file(io.BytesIO(network_geojson(solved)))
    assert frame.crs.to_epsg() == 4326
    kinds = frame["feature"].value_counts().to_dict()
    n_zip3 = len(solved.evaluation.site_index)
    assert kinds["site"] == len(hostile.sites) and kinds["zip3"] == n_zip3
    assert kinds["assignment"] == int((solved.evaluation.site_index >= 0).sum())
    sites = frame[frame["feature"] == "site"].set_index("site_id")
    assert sites.loc["SEA", "name"] == XSS
    assert sites.loc["SEA"].geometry.x == pytest.approx(hostile.site("SEA").lon, abs=1e-5)
    lines = frame[frame["feature"] == "assignment"]
    assert set(lines.geometry.geom_type) == {"LineString"}
    assert lines["orders_per_year"].sum() > 0


def test_workbook_reads_back_in_pandas_and_runs_no_formula(hostile, solved):
    data = workbook_bytes(solved, DAY)
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype={"zip3": str})
    assert list(sheets) == ["Summary", "Sites", "Lanes", "Assumptions"]
    assert list(sheets["Sites"].columns) == list(SITE_COLUMNS)
    assert set(sheets["Sites"]["name"]) >= {XSS, FORMULA}
    assert len(sheets["Lanes"]) == len(solved.evaluation.site_index)
    assert sheets["Assumptions"]["source"].notna().sum() > 10
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # no cell of any sheet is a formula
        assert not any("<f>" in z.read(n).decode() for n in z.namelist()
                       if n.startswith("xl/worksheets/"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    cell = next(c for row in book["Sites"].iter_rows() for c in row if c.value == FORMULA)
    assert cell.data_type == "s" and cell.quotePrefix


def test_workbook_holds_text_xml_cannot(hostile, solved):
    """A control character in a name becomes U+FFFD instead of breaking the file."""
    sites = (replace(hostile.sites[2], name="bell\x07name"),) + hostile.sites[3:]
    item = with_design(hostile.with_changes(sites=hostile.sites[:2] + sites), solved.design)
    names = pd.read_excel(io.BytesIO(workbook_bytes(item, DAY)), sheet_name="Sites")["name"]
    assert "bell\ufffdname" in set(names)


def test_kpis_follow_the_cost_breakdown_whatever_its_parts(solved):
    """Every part of cost_breakdown_usd gets a row (a new part shows with no change here), and
    the same parts again for each path, adding up to the part's total."""
    kpis = kpi_frame(solved).set_index("kpi")["value"]
    for part in solved.evaluation.kpis.cost_breakdown_usd:
        label = part.replace("_", " ")
        us, abroad = kpis[f"Cost, US sites: {label}"], kpis[f"Cost, cross-border direct: {label}"]
        assert abs(us + abroad - kpis[f"Cost: {label}"]) <= 1  # each rounded to whole dollars
    assert kpis["Cost, US sites: fixed"] > 0 and kpis["Cost, cross-border direct: fixed"] == 0


def test_kpis_by_path_show_what_goes_abroad(hostile, solved):
    """The optimum with two ZIP3s sent abroad instead: their orders' elements are on the
    cross-border rows, at the lane table's cross-border cost per order, and off the US rows."""
    design = solved.design
    abroad = {a[0] for a in design.assignment[:2]}
    moved = with_design(hostile, replace(design, assignment=tuple(
        (z, "CROSS_BORDER", "") if z in abroad else (z, s, k) for z, s, k in design.assignment)))
    before, after = (kpi_frame(item).set_index("kpi")["value"] for item in (solved, moved))
    e = moved.evaluation
    orders = float(e.lanes.demand.orders_per_year[e.site_index < 0].sum())
    assert orders > 0 and (e.site_index < 0).sum() == 2
    for part, usd in e.lanes.cross_border_parts.items():
        label = part.replace("_", " ")
        assert before[f"Cost, cross-border direct: {label}"] == 0
        assert after[f"Cost, cross-border direct: {label}"] == round(orders * usd)
    for label in ("outbound", "handling", "returns"):  # those orders left the US sites
        assert after[f"Cost, US sites: {label}"] < before[f"Cost, US sites: {label}"]


def test_kpis_and_report_set_the_design_beside_the_status_quo(solved):
    """The status quo ships every order from abroad: its total is the orders x cross-border
    direct's cost per order, in the KPI table (with the change) and in the report."""
    e = solved.evaluation
    quo = e.kpis.orders_per_year * e.lanes.cross_border_usd_per_order
    kpis = kpi_frame(solved).set_index("kpi")["value"]
    assert kpis[STATUS_QUO_KPI] == round(quo)
    assert kpis["Change against the status quo"] == round(e.kpis.total_cost_usd - quo)
    html = report_html(solved, DAY)
    assert f"${round(quo):,}" in html
    saved = quo - e.kpis.total_cost_usd
    assert saved > 0 and f"-${round(saved):,}" in html
    assert f"{-100 * saved / quo:+.1f}%" in html


def test_no_status_quo_when_cross_border_direct_is_disabled(hostile, solved):
    """With cross-border direct disabled there is no status quo: no such row, no such line."""
    costs = hostile.costs
    closed = hostile.with_changes(costs=replace(costs, cross_border=replace(
        costs.cross_border, enabled=False)))
    item = with_design(closed, solved.design)
    assert STATUS_QUO_KPI not in set(kpi_frame(item)["kpi"])
    assert "status quo" not in report_html(item, DAY)


def test_lanes_name_each_chosen_service_and_the_parcels_it_sends(solved):
    """Every lane from a site names its service, a rate-shopped one too, and lists the service
    carrying each parcel weight (one service for them all on a single-service lane)."""
    lanes = lanes_frame(solved.scenario, solved.evaluation)
    from_sites = lanes[lanes["site_id"] != "CROSS_BORDER"]
    assert (from_sites["service_name"] != "").all()
    shopped = from_sites[from_sites["service"].str.startswith("rate_shop_")]
    assert len(shopped) and shopped["service_name"].str.startswith("Rate-shopped").all()
    weights = [f"{w:g} lb" for w, _ in solved.scenario.costs.weight_mix]
    for text in from_sites["parcel_services"]:
        assert [part.rsplit(" ", 1)[0] for part in text.split("; ")] == weights
    single = from_sites[~from_sites["service"].str.startswith("rate_shop_")]
    for service, text in zip(single["service"], single["parcel_services"], strict=True):
        assert {part.rsplit(" ", 1)[1] for part in text.split("; ")} == {service}


def test_report_escapes_user_text_and_loads_nothing(solved):
    html = report_html(solved, DAY)
    assert XSS not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"<script|<[^>]*\s(src|href)=|url\(|@import", html, re.I)
    assert "<svg" in html and "Proven gap" not in html  # the headline words it itself
    assert f"proven gap {round(100 * solved.solve.gap, 4):g}%" in html


def test_every_format_is_named_after_the_scenario_and_date(solved):
    names = [f.file_name for fmt in ExportFormat for f in export_files(solved, fmt, DAY)]
    assert names == ["meeting-script-alert-2-script-co-2025-06-01.json",
                     "meeting-script-alert-2-script-co-sites-2025-06-01.csv",
                     "meeting-script-alert-2-script-co-lanes-2025-06-01.csv",
                     "meeting-script-alert-2-script-co-2025-06-01.geojson",
                     "meeting-script-alert-2-script-co-2025-06-01.xlsx",
                     "meeting-script-alert-2-script-co-2025-06-01.html"]
    climbing = "../" * 2 + "etc/passwd"  # hostile data, in pieces for test_stands_alone
    assert file_name(climbing, DAY, "json") == "etc-passwd-2025-06-01.json"
    assert file_name("***", DAY, "csv", "sites") == "scenario-sites-2025-06-01.csv"


def test_formats_that_show_a_design_need_one(hostile):
    item = ScenarioWithDesign(hostile)
    assert [f.file_name.split("-")[-1] for f in export_files(item, ExportFormat.CSV, DAY)] == [
        "01.csv"]  # the sites file only
    for fmt in (ExportFormat.GEOJSON, ExportFormat.XLSX, ExportFormat.HTML):
        with pytest.raises(InputError, match="solve the scenario first"):
            export_files(item, fmt, DAY)


def test_sites_frame_rounds_inputs_to_cents_and_whole_orders(hostile):
    odd = hostile.with_changes(sites=(replace(hostile.sites[0],
                                              fixed_cost_usd_per_year=1234567.891,
                                              capacity_orders_per_year=1000.6),))
    row = sites_frame(odd, None).iloc[0]
    assert row["fixed_cost_usd_per_year"] == 1234567.89
    assert row["capacity_orders_per_year"] == 1001
