"""Usable in the room: a new site beside an existing candidate asks first, the Designer's map
(no wheel zoom, Reset view), the infeasibility advice and its Settings buttons, "1 day"."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
from test_app import click_solve, plain, start

from network.evaluate import Design, evaluate
from network.export.content import ScenarioWithDesign
from network.export.frames import kpi_rows
from network.lanes import build_lanes
from network.places import NEAR_SITE_MI, Place, search_places, sites_near
from network.scenario import CrossBorderSettings, DesignConstraints, ShareTarget, Targets
from network.scenario_file import load_default_scenario, load_scenario
from network.wording import day_count
from ui import maps, panels, results, settings_tabs

BENCH_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios" / "bench"

SMALL_SITES = ("SEA", "ONT", "DFW", "ORD", "ATL", "MDT", "MCO", "SLC", "DEN", "MEM")


@pytest.fixture(scope="module")
def default():
    return load_default_scenario()


@pytest.fixture(scope="module")
def small(default):
    return default.with_changes(sites=tuple(s for s in default.sites
                                            if s.site_id in SMALL_SITES))


def site_names(at) -> list[str]:
    return [s.name for s in at.session_state["scenario"].sites]


# -- a new site near an existing candidate ----------------------------------------------------


def test_sites_near_a_place_are_those_within_the_distance_or_in_its_zip3(default):
    """Seattle is 16 miles from Seattle/Tacoma (another ZIP3); a point in SEA's ZIP3 is near
    however far; Portland, OR is near only its own candidate."""
    seattle = search_places("Seattle", 1)[0]
    assert [n.site.site_id for n in sites_near(seattle, default.sites)] == ["SEA"]
    assert not sites_near(seattle, default.sites)[0].same_zip3
    far_in_980 = Place("Far", "WA", 48.5, -121.0, "", "980")  # about 90 miles away
    near = sites_near(far_in_980, default.sites)
    assert [n.site.site_id for n in near] == ["SEA"] and near[0].distance_mi > NEAR_SITE_MI
    assert near[0].same_zip3
    portland = search_places("Portland, OR", 1)[0]
    assert [n.site.site_id for n in sites_near(portland, default.sites)] == ["PDX"]
    # Carson City: 27 miles from Reno/Sparks, in another ZIP3
    carson = Place("Carson City", "NV", 39.1638, -119.7674, "", "897")
    assert sites_near(carson, default.sites) == []


def test_adding_seattle_beside_seattle_tacoma_asks_and_can_use_the_existing_site():
    """Search "Seattle", Add site: nothing is added yet; a warning names Seattle/Tacoma (SEA)
    with its distance, and one click keeps the existing site instead."""
    at = start()
    before = site_names(at)
    at.text_input(key=panels.SEARCH_KEY).input("Seattle").run()
    at.button(key="add_search").click().run()
    assert site_names(at) == before
    warning = plain(" ".join(w.value for w in at.warning))
    assert "Seattle/Tacoma (Kent Valley)** (SEA" in warning and "16 mi away" in warning
    assert at.button(key="near_use_existing").label == "Use Seattle/Tacoma (Kent Valley) (SEA)"
    at.button(key="near_use_existing").click().run()
    assert site_names(at) == before
    assert any("No site added" in plain(i.value) for i in at.info)
    assert "near_use_existing" not in [b.key for b in at.button]
    assert not at.exception


def test_adding_seattle_anyway_adds_it():
    """The other way out: "Add Seattle anyway" adds the site as before."""
    at = start()
    before = site_names(at)
    at.text_input(key=panels.SEARCH_KEY).input("Seattle").run()
    at.button(key="add_search").click().run()
    at.button(key="near_add_anyway").click().run()
    assert site_names(at) == before + ["Seattle"]
    assert any("Added candidate site Seattle" in plain(s.value) for s in at.success)
    assert "near_add_anyway" not in [b.key for b in at.button]


def test_a_site_far_from_every_candidate_is_added_at_once(small):
    """Reno is 400 miles from the small scenario's nearest site: no question asked."""
    at = start(small)
    at.text_input(key=panels.SEARCH_KEY).input("Reno, NV").run()
    at.button(key="add_search").click().run()
    assert site_names(at)[-1] == "Reno"
    assert "near_use_existing" not in [b.key for b in at.button]


# -- the Designer's map -----------------------------------------------------------------------


def deck_json(at) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def test_the_map_never_zooms_with_the_wheel_unless_asked(default):
    """Every map's view turns scroll zoom off (and rotation: a flat US map); asked, on."""
    deck = json.loads(maps.network_deck(default, build_lanes(default)).to_json())
    (view,) = deck["views"]
    assert view["@@type"] == "MapView"
    assert view["controller"]["scrollZoom"] is False and view["controller"]["dragPan"] is True
    assert view["controller"]["dragRotate"] is False
    wheel = json.loads(maps.network_deck(default, build_lanes(default),
                                         wheel_zoom=True).to_json())
    assert wheel["views"][0]["controller"]["scrollZoom"] is True


def test_the_first_page_map_is_the_warm_up_s(monkeypatch):
    """The server's warm-up builds the first page's map (ui.serve, panels.first_map); a new
    session's first run then shows that very deck, built by no run of its own."""
    from ui import data, serve

    panels.scenario_deck.clear()
    assert serve.warm_caches()
    real = maps.network_deck
    built = []
    monkeypatch.setattr(maps, "network_deck", lambda *a, **k: built.append(a) or real(*a, **k))
    at = start()
    assert not built  # the first run found the warm-up's deck
    fresh = real(data.default_scenario(), data.lanes(data.default_scenario()),
                 view=panels.DESIGNER_VIEW, view_id="designer-0")
    assert at.get("deck_gl_json_chart")[0].proto.json == fresh.to_json()


def test_reset_view_and_the_wheel_toggle_on_the_designer():
    """Reset view gives the map's view a new id (the browser then puts the view back at the
    lower 48); the toggle turns wheel zoom on; neither rebuilds the map (same key)."""
    at = start()
    first = deck_json(at)
    assert first["views"][0]["controller"]["scrollZoom"] is False
    key = at.get("deck_gl_json_chart")[0].proto.id
    at.button(key="reset_view").click().run()
    after = deck_json(at)
    assert after["views"][0]["id"] != first["views"][0]["id"]
    assert after["initialViewState"] == first["initialViewState"]
    at.toggle(key=panels.WHEEL_ZOOM_KEY).set_value(True).run()
    assert deck_json(at)["views"][0]["controller"]["scrollZoom"] is True
    assert at.get("deck_gl_json_chart")[0].proto.id == key


def test_kpi_cards_and_legend_sit_beside_the_map(small):
    """After a solve the map and the KPI cards are in one row of columns, the legend in the
    map's column right after the map."""
    at = click_solve(start(small))
    (row,) = [block for block in at.main.children.values()
              if block.type == "flex_container" and any(
                  hasattr(child, "get") and child.get("deck_gl_json_chart")  # (a block)
                  for child in block.children.values())]
    map_column, side = list(row.children.values())
    assert map_column.get("deck_gl_json_chart") and not side.get("deck_gl_json_chart")
    assert [m.label for m in side.get("metric")][:2] == ["Total annual cost", "Cost per order"]
    legend = [h for h in map_column.get("html") if "map-legend" in h.proto.body]
    assert legend and "1 day" in legend[0].proto.body


def test_each_kpi_card_is_one_element(small):
    """Without a pinned baseline each KPI card is a metric drawing its own border, not a
    metric inside a bordered box: one element for the browser to render again on every edit
    where there were two (with a baseline, the box holds the metric and its baseline line)."""
    at = click_solve(start(small))

    def boxes(node) -> list:
        found = []
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if (getattr(child, "type", None) == "flex_container"
                    and proto.flex_container.border and child.get("metric")):
                found.append(child)
            found += boxes(child)
        return found

    assert len(at.metric) == 7 and all(m.proto.show_border for m in at.metric)
    assert not boxes(at.main)


# -- when no network meets the targets -------------------------------------------------------


def test_the_advice_names_only_what_applies(small):
    """ZIP3s "named above" only when the explanation names one; forced-closed sites and
    cross-border direct only when they are in play."""
    plain_tips = " ".join(results.what_to_change(small, ("at most 45.5% of orders can be "
                                                          "delivered within 1 day",)))
    assert "named above" not in plain_tips and "add candidate sites" in plain_tips
    assert "forced-closed" not in plain_tips and "cross-border" not in plain_tips
    assert "capacity" not in plain_tips
    full = " ".join(results.what_to_change(small, (
        "at most 54.0% of orders can be delivered within 2 days from at most 6 sites, each "
        "within its capacity at the peak multiplier 2 (target: 55%)",)))
    assert "raise the capacity of the sites" in full and "peak-season multiplier" in full
    short = " ".join(results.what_to_change(small, (
        "allowed sites can handle 80.0M orders a year at the peak multiplier 2; demand is "
        "100.0M",)))
    assert "raise the capacity of the sites" in short
    named = results.what_to_change(small, ("ZIP3 590 (MT) cannot be reached within 2 days",))
    assert any("near the ZIP3s named above" in t for t in named)
    closed = small.with_changes(
        constraints=DesignConstraints(forced_closed=("SEA",)),
        costs=replace(small.costs, cross_border=CrossBorderSettings(enabled=False)))
    tips = " ".join(results.what_to_change(closed, ()))
    assert "forced-closed sites open (SEA" in tips and "enable cross-border direct" in tips
    assert results.settings_tabs_to_open(small, ()) == [settings_tabs.TARGETS_TAB]
    assert results.settings_tabs_to_open(closed, ()) == [settings_tabs.TARGETS_TAB,
                                                         settings_tabs.CROSS_BORDER_TAB]
    assert results.settings_tabs_to_open(small, ("allowed sites can handle 80.0M orders a year "
                                                 "at the peak multiplier 2; demand is 100.0M",)
                                         ) == [settings_tabs.TARGETS_TAB, settings_tabs.ORDERS_TAB]


def tab_index(at) -> int:
    """The tab the Settings page opens on."""
    def blocks(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from blocks(child)

    (tabs,) = [b for b in blocks(at.main) if getattr(b, "type", None) == "tab_container"]
    return tabs.proto.tab_container.default_tab_index


def test_the_advice_opens_settings_on_the_tab_it_names(small):
    """100% within 1 day with one site: no network; the advice names no ZIP3s, says "1 day",
    and its button opens Settings on the targets tab (once: a later visit opens the first)."""
    impossible = small.with_changes(
        targets=Targets(share_targets=(ShareTarget(within_days=1, share_pct=100.0),)),
        constraints=DesignConstraints(max_sites=1))
    at = click_solve(start(impossible))
    advice = plain(" ".join(i.value for i in at.info))
    assert "What to change" in advice and "named above" not in advice
    page_text = plain(" ".join(m.value for m in at.markdown))
    assert "within 1 day " in page_text and "1 days" not in page_text + advice
    at.button(key=f"open_tab:{settings_tabs.TARGETS_TAB}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert tab_index(at) == settings_tabs.TABS.index(settings_tabs.TARGETS_TAB) > 0
    at.switch_page("pages/designer.py").run()
    at.switch_page("pages/settings.py").run()
    assert tab_index(at) == 0


def test_each_settings_tab_the_advice_names_has_its_button():
    """Capacity at the peak explains it (capacity_overflow_200m with 55% within 2 days: six
    sites hold at most 54%): the advice names the targets tab and, for the peak-season
    multiplier, Orders and costs; the page has a button for each tab named and no other, and
    the Orders and costs one opens Settings on that tab."""
    overflow = load_scenario(BENCH_DIR / "capacity_overflow_200m.json")
    over = overflow.with_changes(targets=replace(
        overflow.targets, share_targets=(ShareTarget(within_days=2, share_pct=55.0),)))
    at = click_solve(start(over))
    advice = plain(" ".join(i.value for i in at.info))
    assert "peak-season multiplier" in advice
    named = re.findall(r"Settings → ([^)]+)\)", advice)
    assert named == [settings_tabs.TARGETS_TAB, settings_tabs.ORDERS_TAB]
    buttons = [b.key.removeprefix("open_tab:") for b in at.button
               if (b.key or "").startswith("open_tab:")]
    assert buttons == named
    at.button(key=f"open_tab:{settings_tabs.ORDERS_TAB}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert tab_index(at) == settings_tabs.TABS.index(settings_tabs.ORDERS_TAB)


@pytest.fixture
def own_solves():
    """A test that changes what a solve returns must neither read another test's remembered
    result for the same scenario nor leave its own for the next test in this process: the
    app's remembered solves (ui.data) are shared by every session of the process."""
    from ui import data

    data._solve_store.clear()
    yield
    data._solve_store.clear()


def test_a_design_without_a_proven_optimum_says_why(monkeypatch, own_solves):
    """A solve that stops with a design but no proven optimum (capacity_overflow_200m at 54%
    within 2 days runs to its limit: explain.targets_at_capacity) shows the optimizer's reason
    under the KPI cards, not only in the command line's output. The solve is the real one,
    its result given that status and sentence."""
    from network.optimize.result import SolveStatus
    from ui import background

    real = background.warm_solve
    why = "the 2-day target leaves the open sites 308 orders of spare capacity (a test)"

    def stopped(warm, request, run):
        result, warm = real(warm, request, run)
        return replace(result, status=SolveStatus.FEASIBLE, explanation=(why,)), warm

    monkeypatch.setattr(background, "warm_solve", stopped)
    at = click_solve(start())
    captions = plain(" ".join(c.value for c in at.caption))
    assert "Solver: feasible" in captions
    assert "Why no optimum was proven: " + why in captions


def test_the_solve_time_under_the_cards_is_the_status_lines(monkeypatch, own_solves):
    """The caption under the KPI cards gives the same time as the status line ("Solved in N.N
    s": the whole request, the first solve building the session's warm solver too) and names
    the search's own part beside it when that differs, not a second, smaller figure alone.
    The solve is the real one, its result's own seconds set apart from the request's."""
    from ui import background

    real = background.warm_solve

    def slow_to_start(warm, request, run):
        time.sleep(0.3)  # the request's part outside the search
        result, warm = real(warm, request, run)
        return replace(result, solve_seconds=0.01), warm

    monkeypatch.setattr(background, "warm_solve", slow_to_start)
    at = click_solve(start())
    line = [s.label for s in at.status if s.label.startswith("Solved in")]
    assert line, [s.label for s in at.status]
    wall = re.match(r"Solved in ([\d.]+) s", line[0]).group(1)
    captions = plain(" ".join(c.value for c in at.caption))
    assert f", {wall} s (the search itself 0.0 s)." in captions, captions


# -- "1 day", never "1 days" ------------------------------------------------------------------


def test_one_day_is_spelt_one_day_in_targets_and_exports(small):
    """A 1-day target and a 1-day ZIP3 limit read "within 1 day" and "over 1 day" in the
    evaluation, the export's KPI rows and the assumptions."""
    one = small.with_changes(targets=Targets(
        share_targets=(ShareTarget(within_days=1, share_pct=10.0),), max_days_any_zip3=1))
    evaluation = evaluate(one, Design(("ORD", "DFW")), build_lanes(one))
    descriptions = [t.description for t in evaluation.targets]
    assert descriptions == ["at least 10% of orders within 1 day", "no ZIP3 over 1 day"]
    assert day_count(1) == "1 day" and day_count(2) == "2 days" and day_count(0) == "0 days"
    item = ScenarioWithDesign(one, Design(("ORD", "DFW")), evaluation)
    rows = [str(r[0]) + " " + str(r[2]) for r in kpi_rows(item, evaluation)]
    assert "Orders within 1 day %" in rows
    assert not [r for r in rows if "1 days" in r]


# -- the site-count charts' labels ------------------------------------------------------------


def text_layers(chart) -> list[dict]:
    return [layer for layer in chart.to_dict()["layer"]
            if isinstance(layer.get("mark"), dict) and layer["mark"]["type"] == "text"]


def test_site_count_labels_keep_apart(small):
    """Neighbouring counts' cost labels sit on opposite sides of the line; the 1-day share
    labels below their points and the 2-day ones above (a 1-day share is never the larger),
    and the target's label away from the points' labels."""
    import pandas as pd

    from ui import explore_charts

    frame = pd.DataFrame({"sites": [1, 2, 3, 4], "cost_usd": [8.0e8, 7.72e8, 7.69e8, 7.73e8],
                          "open_sites": ["A", "A;B", "A;B;C", "A;B;C;D"],
                          "share_within_1d": [0.15, 0.21, 0.30, 0.35],
                          "share_within_2d": [0.90, 0.90, 0.92, 0.95]})
    cost = explore_charts.site_count_cost_chart(frame, None)
    sides = {layer["transform"][0]["filter"]: layer["mark"]["dy"] for layer in text_layers(cost)}
    assert sorted(sides.values()) == [-16, 18]
    above = cost.to_dict()["datasets"]
    flags = [row["above"] for rows in above.values() for row in rows if "above" in row]
    assert flags == [True, False, True, False]
    shares = explore_charts.site_count_service_chart(frame, small)
    dys = {layer["transform"][0]["filter"]: layer["mark"]["dy"] for layer in text_layers(shares)
           if "transform" in layer}
    one = next(v for k, v in dys.items() if "within 1 day" in str(k))
    two = next(v for k, v in dys.items() if "within 2 days" in str(k))
    assert one > 0 > two
    target = next(layer for layer in text_layers(shares) if "transform" not in layer)
    assert target["mark"]["dy"] > 0 and target["mark"]["align"] == "right"
