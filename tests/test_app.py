"""The Streamlit app driven from its entry script with AppTest (no browser)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from network.errors import InputError
from network.scenario import DesignConstraints, ShareTarget, Targets
from network.scenario_file import load_default_scenario
from ui import edits, maps, panels, results
from ui import settings_edits as se

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT_S = 120
SMALL_SITES = ("SEA", "ONT", "DFW", "ORD", "ATL", "MDT", "MCO", "SLC", "DEN", "MEM")
GOOD_CARD = "service,zone,weight_lb,rate_usd,source\n" + "".join(
    f"ups_ground,{z},{w},{5 + z + w:.2f},negotiated 2026\n" for w in (1, 2, 5, 10)
    for z in range(1, 9))
BAD_CARD = b"service,zone,weight_lb,rate_usd\nups_ground,1,1,abc\nfedex_gorund,9,1,2\n"


@pytest.fixture(scope="module")
def default():
    return load_default_scenario()


@pytest.fixture(scope="module")
def small(default):
    """The default scenario cut to ten candidate sites, so that solves take about a second."""
    return default.with_changes(sites=tuple(s for s in default.sites
                                            if s.site_id in SMALL_SITES))


def start(scenario=None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if scenario is not None:
        at.session_state["scenario"] = scenario
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def plain(markdown: str) -> str:
    """Markdown as a reader sees it, its escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def error_text(at: AppTest) -> str:
    """The page's error boxes as a reader sees them."""
    return plain(" ".join(e.value for e in at.error))


def settle(at: AppTest, timeout_s: float = TIMEOUT_S) -> AppTest:
    """Wait for the session's background solves and sweeps to finish, then run the page again
    (what the page's self-refreshing status does in a browser)."""
    work = at.session_state["work"] if "work" in at.session_state else None  # noqa: SIM401
    if work is not None:
        assert work.solver.join(timeout_s), "the solve did not finish"
        for job in list(work.sweeps.values()):
            if job.run is not None:
                job.run.wait(timeout_s)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def click_solve(at: AppTest) -> AppTest:
    """Press Solve and wait for the background solve's result on the page: in the click's own
    run when the solve finished within the Designer's short wait, else in the run after it
    (the live status, with its Cancel, was shown meanwhile)."""
    at.button(key="solve_button").click().run()
    assert not at.exception, [e.message for e in at.exception]
    if any(b.key == "cancel_solve" for b in at.button):
        settle(at)
    return at


def open_sites_table(at: AppTest) -> AppTest:
    """What a click on the Designer's closed "Candidate sites" expander does (AppTest cannot
    click one): the expander's state and the session's memory of it, then a rerun."""
    at.session_state[panels.SITES_EXPANDER_KEY] = True
    at.session_state["sites_table_open"] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_results_tab(at: AppTest, tab: str) -> AppTest:
    """What a click on one of the Designer's results tabs does (AppTest cannot click one): the
    tabs' state and the session's memory of it, then a rerun."""
    at.session_state[results.RESULTS_TAB_KEY] = tab
    at.session_state[results.RESULTS_TAB_MEMORY] = tab
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("page", [None, "pages/designer.py", "pages/tradeoffs.py",
                                  "pages/settings.py"])
def test_every_page_renders(page):
    """Each page renders from the entry script without an exception."""
    at = start(page=page)
    assert at.title[0].value


def test_solve_shows_kpis(small):
    """Solve fills the KPI cards with formatted numbers and the per-site table."""
    at = start(small)
    click_solve(at)
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Total annual cost"].startswith("$") and "," in metrics["Total annual cost"]
    assert metrics["Cost per order"].startswith("$")
    assert metrics["Average delivery"].endswith(" days")
    assert metrics["Within 2 days"].endswith("%")
    assert int(metrics["Sites open"]) >= 1
    open_results_tab(at, results.SITES_TAB)
    open_sites = next(d.value for d in at.dataframe if "Site" in d.value.columns)
    assert len(open_sites) == int(metrics["Sites open"])


def test_results_build_only_the_open_tab_and_keep_it(small):
    """Below the map each result is a tab and only the open one is built and sent: after a
    solve the two charts, none of the tables; the carrier mix once its tab is picked, without
    the charts. The pick stays across a solve and a page switch."""
    at = start(small)
    click_solve(at)
    assert [t.label for t in at.tabs] == list(results.RESULT_TABS)
    assert len(at.get("vega_lite_chart")) == 2
    assert not at.dataframe and not at.table
    open_results_tab(at, results.MIX_TAB)
    assert {"Carrier", "Parcel"} <= {c for d in at.dataframe for c in d.value.columns}
    assert not at.get("vega_lite_chart") and not at.table
    click_solve(at)
    at.switch_page("pages/settings.py").run()
    at.switch_page("pages/designer.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state[results.RESULTS_TAB_KEY] == results.MIX_TAB
    assert len(at.dataframe) == 2 and not at.get("vega_lite_chart")


def test_exports_are_one_closed_section_until_opened(small):
    """Closed (how a session starts) the "Export and import" section sends no download button
    and no upload; opened, every export and the scenario import, and it stays open."""
    at = start(small)
    assert [e.label for e in at.expander if e.label == panels.EXPORT_LABEL]
    assert not at.get("download_button") and not at.get("file_uploader")
    at.session_state[panels.EXPORT_EXPANDER_KEY] = True
    at.session_state[f"{panels.EXPORT_EXPANDER_KEY}_remembered"] = True
    at.run()
    assert len(at.get("download_button")) == 6 and len(at.get("file_uploader")) == 1
    at.switch_page("pages/settings.py").run()
    at.switch_page("pages/designer.py").run()
    assert len(at.get("download_button")) == 6


def test_solve_shows_the_carrier_mix(small):
    """Below the sites, the parcels by carrier service add up to all parcels shipped from US
    sites, with the basis of the rates named, and the carriers by weight and zone."""
    at = start(small)
    click_solve(at)
    open_results_tab(at, results.MIX_TAB)
    mix = next(d.value for d in at.dataframe if "Carrier" in d.value.columns)
    assert mix["Share of parcels"].sum() == pytest.approx(100)
    assert set(mix["Carrier"]) <= {"USPS", "UPS", "FedEx"}
    assert any("large-shipper prices" in c.value for c in at.caption)
    by_weight = next(d.value for d in at.dataframe if "Parcel" in d.value.columns)
    assert list(by_weight["Parcel"]) == ["1 lb", "2 lb", "5 lb", "10 lb"]


def test_rate_card_tab_states_the_price_basis():
    """Settings → Rate cards says what the default prices are and shows, per weight and zone,
    which service carries a parcel for the least."""
    at = start(page="pages/settings.py")
    assert any("Price basis" in m.value and "large-shipper discount" in m.value
               for m in at.markdown)
    assert "large-shipper price" in " ".join(c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "Parcel" in d.value.columns)
    assert len(table) == 4 * 5  # weights of the mix x services
    cheapest = se.cheapest_in_table(table)
    winners = {(row.Parcel, z): row.Service for i, row in table.iterrows()
               for z in range(1, 9) if cheapest.loc[i, f"Zone {z}"]}
    assert winners[("1 lb", 1)] == winners[("1 lb", 8)] == winners[("10 lb", 1)] == (
        "USPS Ground Advantage")
    assert winners[("10 lb", 8)] == "FedEx Ground"


def test_second_solve_shows_deltas(small):
    """The cards show the change since the previous solve: 'no change' (no arrow) where the
    number did not move, the signed change where it did."""
    at = start(small)
    click_solve(at)
    click_solve(at)  # the same scenario: nothing moves
    assert not at.exception, [e.message for e in at.exception]
    assert {m.delta for m in at.metric} == {"no change"}
    first = at.session_state["result"].result
    closed = first.open_site_ids[0]
    at.session_state["scenario"] = small.with_changes(constraints=replace(
        small.constraints, forced_closed=(closed,)))
    at.run()
    click_solve(at)
    assert not at.exception, [e.message for e in at.exception]
    deltas = {m.label: m.delta for m in at.metric}
    assert re.fullmatch(r"\+\$\d{1,3}(,\d{3})*", deltas["Total annual cost"]), deltas


def test_auto_solve_after_an_edit(small):
    """With "re-solve after each change" on, adding a site re-solves without a click."""
    at = start(small)
    click_solve(at)
    at.toggle(key="auto_solve").set_value(True).run()
    at.text_input(key="site_search").input("Reno, NV").run()
    at.button(key="add_search").click().run()
    settle(at)
    assert at.session_state["result"].scenario == at.session_state["scenario"]
    assert any(m.label == "Total annual cost" and m.delta for m in at.metric)


def test_an_edit_asks_for_its_solve_before_the_page_runs(small, monkeypatch):
    """With "Auto re-solve" on, "Add site" asks for the edited scenario's solve in its own
    callback, before the page script builds the toolbar (which then asks no second time), so
    the solve runs while the page's top is sent; the click's run shows no "Running for you"
    line for it (the Designer shows its status beside the map)."""
    from ui import background, data

    at = start(small)
    click_solve(at)
    at.toggle(key="auto_solve").set_value(True).run()
    at.text_input(key="site_search").input("Reno, NV").run()
    calls = []
    toolbar, request = panels.toolbar, background.SessionSolver.request

    def counted_toolbar(*args):
        calls.append("toolbar")
        return toolbar(*args)

    def counted_request(self, asked):
        calls.append(f"request {asked.kind}")
        return request(self, asked)

    monkeypatch.setattr(panels, "toolbar", counted_toolbar)
    monkeypatch.setattr(background.SessionSolver, "request", counted_request)
    monkeypatch.setattr(data, "cached_solve", lambda key: None)  # (another test's solve of
    # the same scenario would be remembered: no request at all)
    at.button(key="add_search").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert calls == ["request design", "toolbar"]
    assert not [c for c in at.caption if "Running for you" in c.value]
    settle(at)
    assert at.session_state["result"].scenario == at.session_state["scenario"]
    assert calls.count("request design") == 1


def _sent_label(msg) -> str | None:
    """The label of the element or expander a forward message adds, if it has one."""
    if msg.WhichOneof("type") != "delta":
        return None
    delta = msg.delta
    if delta.WhichOneof("type") == "add_block":
        block = delta.add_block
        kind = block.WhichOneof("type")
        if kind == "tab":
            return f"tab: {block.tab.label}"
        return block.expandable.label if kind == "expandable" else None
    if delta.WhichOneof("type") != "new_element":
        return None
    element = delta.new_element
    kind = element.WhichOneof("type")
    return f"{kind}: {getattr(getattr(element, kind), 'label', '')}" if kind else None


def test_the_designer_sends_what_does_not_show_the_solve_before_its_wait(small, monkeypatch):
    """An edit's run with "Auto re-solve" on sends the map's controls, the basemap toggle and
    the closed sections below the map before the Designer waits for the edit's solve (the
    browser renders them while the solve runs), and the KPI cards, the map and the results
    after it, each in its place on the page."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    from ui import data, solve

    at = start(small)
    click_solve(at)
    at.toggle(key="auto_solve").set_value(True).run()
    at.text_input(key="site_search").input("Reno, NV").run()
    sent: list[str | None] = []
    before_wait: list[list[str | None]] = []
    enqueue, status_area = ScriptRunContext.enqueue, solve.status_area

    def recorded_enqueue(self, msg):
        sent.append(_sent_label(msg))
        return enqueue(self, msg)

    def recorded_status_area():
        before_wait.append(list(sent))
        return status_area()

    monkeypatch.setattr(ScriptRunContext, "enqueue", recorded_enqueue)
    monkeypatch.setattr(solve, "status_area", recorded_status_area)
    monkeypatch.setattr(data, "cached_solve", lambda key: None)  # a solve, not a memory
    at.button(key="add_search").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(before_wait) == 1
    early = set(before_wait[0])
    for label in ("button: Reset view", "checkbox: Mouse-wheel zoom", "checkbox: Basemap tiles",
                  "Save, share and baseline", "My network: cost exactly the sites you pick",
                  panels.SITES_LABEL, panels.EXPORT_LABEL, "tab: Cost and delivery days",
                  "tab: Carrier mix"):
        assert label in early, label
    assert not [x for x in early if x and x.startswith(("metric", "deck_gl_json_chart",
                                                         "vega_lite_chart"))]
    later = sent[len(before_wait[0]):]
    assert [x for x in later if x and x.startswith("metric")]
    assert "deck_gl_json_chart: " in later
    settle(at)
    assert at.session_state["result"].scenario == at.session_state["scenario"]
    # the page reads as before: the map's controls above the cards, the basemap toggle under
    # them, the results' tabs above the closed sections
    order = [_tree_label(node) for node in _walk(at.main)]
    at_ = order.index
    first_card = next(i for i, x in enumerate(order) if x.startswith("metric"))
    assert at_("button: Reset view") < first_card < at_("toggle: Basemap tiles")
    assert at_("tab: Cost and delivery days") < at_(f"expander: {panels.SITES_LABEL}")


def test_an_edit_whose_solve_has_no_design_takes_the_early_tabs_away(small, monkeypatch):
    """The KPI cards' places and the results' tabs drawn before the wait for an edit's solve
    (a design was shown) are gone from the click's run when that solve finds no design; its
    explanation shows."""
    from ui import background, data

    at = start(small)
    click_solve(at)
    at.toggle(key="auto_solve").set_value(True).run()
    at.text_input(key="site_search").input("Reno, NV").run()
    real = background.warm_solve
    impossible = Targets(share_targets=(ShareTarget(within_days=1, share_pct=100.0),))

    def no_design(warm, request, run):
        scenario = request.scenario.with_changes(
            targets=impossible, constraints=DesignConstraints(max_sites=1))
        return real(warm, replace(request, scenario=scenario), run)

    monkeypatch.setattr(background, "warm_solve", no_design)
    monkeypatch.setattr(data, "cached_solve", lambda key: None)
    at.button(key="add_search").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.tabs and not at.get("vega_lite_chart") and not at.metric
    settle(at)
    assert not at.tabs and not at.metric
    assert any("No network meets" in e.value for e in at.error)


def _walk(node):
    """The nodes of an AppTest element tree, in page order."""
    yield node
    children = getattr(node, "children", None) or {}
    for key in sorted(children):
        yield from _walk(children[key])


def _tree_label(node) -> str:
    label = getattr(node, "label", None)
    return f"{node.type}: {label}" if isinstance(label, str) else node.type


def test_infeasible_target_shows_explanation(small):
    """100% within 1 day with at most one site: the optimizer's explanation is shown."""
    impossible = small.with_changes(
        targets=Targets(share_targets=(ShareTarget(within_days=1, share_pct=100.0),)),
        constraints=DesignConstraints(max_sites=1))
    at = start(impossible)
    click_solve(at)
    assert not at.exception, [e.message for e in at.exception]
    assert any("No network meets" in e.value for e in at.error)
    text = " ".join(m.value for m in at.markdown)
    assert "within 1 day" in text
    assert any("What to change" in i.value for i in at.info)
    assert not at.metric


def test_a_design_that_fails_the_check_shows_its_violations(small, monkeypatch):
    """A design evaluate() rejects (a defect planted in the optimizer's model builder forgets
    the forced-open SLC) is shown as failing the check, with its violation, never as optimal,
    and without KPI cards."""
    from network.optimize import scenario_solver, warm_solver

    real = scenario_solver.problem_from_scenario

    def forgetful(scenario, lanes, options):
        problem = real(scenario, lanes, options)
        return replace(problem, forced_open=np.zeros_like(problem.forced_open))

    for module in (scenario_solver, warm_solver):  # optimize() and WarmSolver
        monkeypatch.setattr(module, "problem_from_scenario", forgetful)
    at = start(small.with_changes(constraints=replace(small.constraints,
                                                      forced_open=("SLC",))))
    click_solve(at)
    assert any("fails the independent check" in e.value for e in at.error)
    shown = [e.value for e in (*at.markdown, *at.caption, *at.error, *at.info, *at.success)]
    shown += [box.label for box in at.status]  # the solve status box
    assert any("independent check" in box.label for box in at.status)
    assert "SLC is forced open but closed" in " ".join(shown)
    assert not any("optimal" in text.lower() for text in shown), shown
    assert not at.metric


def test_add_site_by_search_and_undo(default):
    """Searching a city and adding it grows the site table; Undo takes it away again."""
    at = open_sites_table(start())
    before = len(at.data_editor[0].value)
    at.text_input(key="site_search").input("Reno, NV").run()
    at.button(key="add_search").click().run()
    at.button(key="near_add_anyway").click().run()  # Reno/Sparks is 3 miles away: asked first
    assert not at.exception
    table = at.data_editor[0].value
    assert len(table) == before + 1
    assert "RENO-895" in set(table["site_id"])
    at.button(key="undo_button").click().run()
    assert len(at.data_editor[0].value) == before


def test_site_table_is_sent_only_once_opened_and_stays_open(small):
    """Closed when a session starts, so the first page carries no table (its browser code is
    the first page's largest extra); opened, it lists the sites and is still open after a
    visit to another page."""
    at = start(small)
    assert len([e for e in at.expander if "Candidate sites" in e.label]) == 1
    assert not at.data_editor
    assert not [u for u in at.file_uploader if "candidate sites" in u.label]
    open_sites_table(at)
    assert list(at.data_editor[0].value["site_id"]) == [s.site_id for s in small.sites]
    at.switch_page("pages/settings.py").run()
    at.switch_page("pages/designer.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.data_editor) == 1


def test_remove_and_edit_sites_through_the_table(default):
    """Edits made in the site table (two rows removed, a capacity changed) and applied change
    the scenario; bad cells are listed with row and field, and the scenario stays as it was."""
    at = open_sites_table(start(default))
    editor = f"sites_editor_{at.session_state['scenario_version']}"
    at.session_state[editor] = {"edited_rows": {2: {"capacity_orders_per_year": 1000.0}},
                                "added_rows": [], "deleted_rows": [0, 1]}
    _apply_sites(at)
    scenario = at.session_state["scenario"]
    assert scenario.site_ids == default.site_ids[2:]
    assert scenario.sites[0].capacity_orders_per_year == 1000.0
    editor = f"sites_editor_{at.session_state['scenario_version']}"
    at.session_state[editor] = {"edited_rows": {2: {"capacity_orders_per_year": -5.0},
                                                3: {"forced_open": True, "forced_closed": True}},
                                "added_rows": [], "deleted_rows": []}
    _apply_sites(at)
    text = " ".join(e.value for e in at.error).replace("\\", "")  # Markdown escapes out
    assert "row 3" in text and "capacity_orders_per_year" in text
    assert "row 4" in text and "forced_closed" in text
    assert at.session_state["scenario"] is scenario


def _apply_sites(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Apply changes to sites").click().run()
    assert not at.exception, [e.message for e in at.exception]


def test_remove_site_clicked_on_the_map(default):
    """A click on a site's marker (the selection the browser sends for it) offers to remove
    that site; removing it drops it from the sites and from the forced-open list."""
    forced = default.with_changes(constraints=replace(default.constraints,
                                                      forced_open=("SEA",)))
    at = start(forced)
    at.session_state[f"{panels.MAP_KEY}_{at.session_state['map_epoch']}"] = {
        "selection": {"indices": {maps.SITE_LAYER: [0]},
                      "objects": {maps.SITE_LAYER: [{"site_id": "SEA"}]}}}
    at.run()
    at.button(key="remove_clicked").click().run()
    assert not at.exception, [e.message for e in at.exception]
    scenario = at.session_state["scenario"]
    assert "SEA" not in scenario.site_ids and scenario.constraints.forced_open == ()
    assert any("Removed site" in n.value for n in at.success)


def test_bad_rate_card_upload_keeps_previous_data():
    """A bad card lists every problem with row and field, and the old card stays in use."""
    at = start(page="pages/settings.py")
    before = at.session_state["scenario"].services
    card_uploader = next(u for u in at.file_uploader if "rate card" in u.label)
    card_uploader.set_value(("bad.csv", BAD_CARD, "text/csv")).run()
    assert not at.exception
    message = error_text(at)
    assert "previous data is kept" in message
    assert "row 2, field 'rate_usd'" in message and "row 3, field 'service'" in message
    assert at.session_state["scenario"].services == before


def test_good_rate_card_upload_replaces_the_card():
    """A valid negotiated card replaces that service's rates and source."""
    at = start(page="pages/settings.py")
    card_uploader = next(u for u in at.file_uploader if "rate card" in u.label)
    card_uploader.set_value(("ups.csv", GOOD_CARD.encode(), "text/csv")).run()
    assert not at.exception and not at.error
    assert at.session_state["scenario"].service("ups_ground").source == "negotiated 2026"


def test_bad_demand_upload_keeps_previous_demand():
    """A demand file with an unknown ZIP is rejected with its row; demand is unchanged."""
    at = start(page="pages/settings.py")
    before = at.session_state["scenario"].demand
    uploader = next(u for u in at.file_uploader if "demand" in u.label)
    uploader.set_value(("d.csv", b"zip3,orders_per_year\n100,5000\n000,10\n", "text/csv")).run()
    assert "row 3, field 'zip3'" in error_text(at)
    assert at.session_state["scenario"].demand == before


def test_demand_upload_with_orders_outside_the_lower_48_says_so_and_offers_them():
    """Uploaded orders in AK and HI while they are excluded: the Demand tab says how many and
    which ZIP3s at upload, and one click includes them."""
    at = start(page="pages/settings.py")
    uploader = next(u for u in at.file_uploader if "demand" in u.label)
    data = b"zip3,orders_per_year\n100,9000\n995,600\n967,400\n"
    uploader.set_value(("orders.csv", data, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    warning = " ".join(w.value for w in at.warning)
    assert "1,000 uploaded orders a year (10.0% of the file) are in AK, HI" in warning
    assert "967, 995" in warning
    at.button(key="include_left_out").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["scenario"].demand.include_noncontiguous
    assert not any("uploaded orders" in w.value for w in at.warning)


def test_upload_problems_from_the_scenario_checks_name_no_file_row(default):
    """A card that stops short of the weight mix fails the scenario check, whose row would be
    the service's place in the scenario, not a row of the file: no row is named."""
    card = "service,zone,weight_lb,rate_usd\n" + "".join(
        f"ups_ground,{z},0.5,{5 + z}\n" for z in range(1, 9))
    with pytest.raises(InputError) as err:
        edits.apply_rate_card_upload(default, card.encode(), "card.csv")
    [problem] = err.value.problems
    assert problem.row is None and "card stops at 0.5 lb" in problem.message


def test_long_problem_list_is_cut_and_user_text_shown_as_written():
    """881 bad rows show 20 problems and one line counting the rest; a cell written as
    Markdown shows as typed (escaped), not as bold text or a link; the limits are stated."""
    at = start(page="pages/settings.py")
    before = at.session_state["scenario"].demand
    uploader = next(u for u in at.file_uploader if "demand" in u.label)
    bad = b"zip3,orders_per_year\n" + b"981,**x**[a](http://e)\n" * 881
    uploader.set_value(("d.csv", bad, "text/csv")).run()
    [box] = at.error
    bullets = [line for line in box.value.splitlines() if line.startswith("- ")]
    assert len(bullets) == 21 and "881 problems" in box.value
    assert plain(bullets[-1]).startswith("- ... and 861 more problems in rows 22 to 882")
    assert "\\*\\*x\\*\\*\\[a\\]" in bullets[0]  # no emphasis, no link
    assert plain(bullets[0]) == ("- d.csv, row 2, field 'orders_per_year': '**x**[a](http://e)'"
                                 " is not a number")
    assert at.session_state["scenario"].demand == before
    assert any("up to 200,000 rows" in c.value and "20 MB" in c.value for c in at.caption)


def test_settings_reject_shares_not_adding_up(default):
    """Weight-mix shares must add up to 100%; the problem names the field."""
    mix = se.weight_mix_table(default)
    mix.loc[0, "share_pct"] = 10
    with pytest.raises(InputError, match="share_pct"):
        se.apply_orders_profile(default, mix, 15, 0, 3, 1.3)
    targets = se.targets_table(default)
    tighter = se.apply_targets(default, targets.assign(share_pct=95.0), 5, 0, 3)
    assert tighter.targets.share_targets[0].share_pct == 95.0
    assert tighter.targets.max_days_any_zip3 == 5 and tighter.constraints.max_sites == 3


def test_tradeoffs_site_counts_keep_the_targets_and_show_a_network(default):
    """The site-count view over 1..2 sites solves with the targets kept (say so), draws the
    curves and the table, and shows the network of a count picked."""
    three = default.with_changes(sites=tuple(s for s in default.sites
                                             if s.site_id in ("ONT", "ORD", "MDT")))
    at = start(three, page="pages/tradeoffs.py")
    at.session_state["kept:tradeoff_study"] = "Site counts"
    at.session_state["tradeoff_study"] = "Site counts"  # the tab a planner clicks
    at.run()
    assert any("meets the scenario's targets" in c.value for c in at.caption)
    at.slider(key="tradeoff_counts").set_value(2).run()
    at.button(key="run_sweep").click().run()
    settle(at)
    sweep = at.dataframe[0].value
    assert list(sweep["Sites"]) == [1, 2]
    assert "cannot be met" in sweep["Status"].iloc[0]  # one site cannot reach 90% in 2 days
    assert sweep["Annual cost"].iloc[1].startswith("$")
    assert at.radio(key="tradeoff_pick").options == ["2 sites"]
    at.radio(key="tradeoff_pick").set_value(2).run()
    assert any(m.value.startswith("**2 sites:**") for m in at.markdown)
    assert at.get("deck_gl_json_chart")


def number_input(at: AppTest, label: str):
    return next(n for n in at.number_input if n.label == label)


def test_settings_form_applies_and_undo_restores():
    """A settings form changes the scenario after its checks; Undo brings the old one back."""
    at = start(page="pages/settings.py")
    before = at.session_state["scenario"]
    number_input(at, "Maximum number of sites (0 = no limit)").set_value(3)
    next(b for b in at.button if b.label == "Apply targets and limits").click().run()
    assert not at.exception
    assert at.session_state["scenario"].constraints.max_sites == 3
    at.switch_page("pages/designer.py").run()
    at.button(key="undo_button").click().run()
    assert at.session_state["scenario"] == before


def test_settings_customs_cross_border_and_inventory_apply():
    """Duty, the cross-border return policy, the safety stock's volume exponent and rate
    shopping are applied from their Settings forms."""
    at = start(page="pages/settings.py")
    number_input(at, "Duty (% of the customs value)").set_value(25.0)
    next(b for b in at.button if b.label == "Apply customs").click().run()
    at.radio[0].set_value("refund_without_return")
    next(b for b in at.button if b.label == "Apply cross-border").click().run()
    number_input(at, "Volume exponent (0.5: independent demand)").set_value(1.0)
    next(b for b in at.button if b.label == "Apply inventory").click().run()
    next(c for c in at.checkbox if c.label.startswith("Rate-shop each parcel")).uncheck()
    next(b for b in at.button if b.label == "Apply carrier choice").click().run()
    assert not at.exception, [e.message for e in at.exception]
    costs = at.session_state["scenario"].costs
    assert costs.customs.duty_rate_pct == 25
    assert costs.cross_border.return_policy == "refund_without_return"
    assert costs.safety_stock_volume_exponent == 1.0
    assert costs.rate_shop_per_parcel is False


def test_solve_shows_the_design_beside_the_status_quo(small):
    """After a solve, the status quo (every order from abroad) stands beside the design, with
    the same cost elements and the design's total as on its KPI card."""
    at = start(small)
    at.button(key="solve_button").click().run()
    open_results_tab(at, results.STATUS_QUO_TAB)
    table = next(t.value for t in at.table if "This design" in t.value.columns)
    assert {"Status quo: all cross-border", "Change"} <= set(table.columns)
    assert "· Goods to the US" in table.index and "· Customs (duty, entry)" in table.index
    card = {m.label: m.value for m in at.metric}["Total annual cost"]
    assert table.loc["Total annual cost", "This design"] == card


def test_settings_form_rejects_bad_values():
    """Growth of -100% (the input allows it, the definition wants more) is rejected with the
    field named; the scenario is unchanged."""
    at = start(page="pages/settings.py")
    before = at.session_state["scenario"]
    number_input(at, "Growth (%)").set_value(-100.0)
    next(b for b in at.button if b.label == "Apply demand").click().run()
    errors = error_text(at)
    assert "field 'growth %'" in errors and "must be greater than -100" in errors
    assert at.session_state["scenario"] == before


def test_settings_inputs_take_their_limits_from_the_definition():
    """The Settings page's number inputs offer the scenario definition's ranges."""
    at = start(page="pages/settings.py")
    assert (number_input(at, "Delivery days").min, number_input(at, "Delivery days").max) \
        == (1, 60)
    peak = number_input(at, "Peak-season multiplier")
    assert (peak.min, peak.max) == (1, 5)
    assert number_input(at, "Growth (%)").min == -100
    assert number_input(at, "No ZIP3 over this many days (0 = no limit)").max == 60


def test_solve_status_shows_the_live_gap():
    """While the optimizer runs, the status line gives the best cost so far and the gap."""
    from network.optimize.result import SolveProgress
    from ui.solve import progress_text

    assert "first design" in progress_text(None)
    assert "first design" in progress_text(SolveProgress(None, None, 0.1))
    text = progress_text(SolveProgress(862_000_000.0, 861_138_000.0, 1.2))
    assert "$862,000,000" in text and "gap ≤ 0.10%" in text
    assert "bound not yet known" in progress_text(SolveProgress(9.0e8, None, 0.5))


def test_basemap_toggle_survives_a_page_switch(small):
    """Off by default (no request leaves the browser); on, the Designer's deck asks Streamlit
    for its basemap, the credit is shown, and the choice holds on the Tradeoffs page too."""
    at = start(small)
    deck = at.get("deck_gl_json_chart")[0].proto
    assert '"mapStyle":"__MAP_STYLE__"' in deck.json
    at.toggle(key="basemap_toggle").set_value(True).run()
    assert at.session_state["basemap"] is True
    assert "__MAP_STYLE__" not in at.get("deck_gl_json_chart")[0].proto.json
    assert any("CARTO" in c.value for c in at.caption)
    at.switch_page("pages/settings.py").run()
    at.switch_page("pages/designer.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.toggle(key="basemap_toggle").value is True
    assert "__MAP_STYLE__" not in at.get("deck_gl_json_chart")[0].proto.json


def test_bad_scenario_file_shows_problems_and_starts_on_the_default(tmp_path, monkeypatch,
                                                                    default):
    """$NETWORK_SCENARIO pointing at a broken file: the problems are listed with the file
    and field, no traceback, and the app runs on the embedded default."""
    from ui import data

    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x"}')
    monkeypatch.setenv(data.SCENARIO_ENV, str(broken))
    data.default_scenario.clear()  # cached without the variable by other tests
    try:
        at = start()
    finally:
        data.default_scenario.clear()
    message = error_text(at)
    assert "could not be used" in message and "broken.json" in message
    assert "field 'format_version'" in message
    assert at.session_state["scenario"] == default


SITES_CSV = (b"name,zip,fixed_cost_usd_per_year,capacity_orders_per_year\n"
             b"Broker A (Sparks),89431,9000000,\n"
             b"Broker B (Memphis),38118,,20000000\n")
BAD_SITES_CSV = (b"name,zip,fixed_cost_usd_per_year,site_id\n"
                 b",89431,abc,\n"
                 b"Nowhere,99999,-1,\n"
                 b"Seattle again,98101,,SEA\n")


def test_sites_upload_adds_sites_with_costs_or_labelled_estimates(small):
    new = edits.apply_sites_upload(small, SITES_CSV, "brokers.csv")
    added = new.sites[len(small.sites):]
    assert [(s.name, s.state, s.zip3) for s in added] == [
        ("Broker A (Sparks)", "NV", "894"), ("Broker B (Memphis)", "TN", "381")]
    assert added[0].fixed_cost_usd_per_year == 9_000_000
    assert added[1].capacity_orders_per_year == 20_000_000
    assert "capacity estimated" in added[0].source and "row 2" in added[0].source
    assert "fixed cost estimated" in added[1].source
    assert len({s.site_id for s in new.sites}) == len(new.sites)
    with pytest.raises(InputError) as err:  # the same file again: nothing doubled
        edits.apply_sites_upload(new, SITES_CSV, "brokers.csv")
    assert [p.row for p in err.value.problems] == [2, 3]
    assert "already candidate site" in str(err.value.problems[0])


def test_sites_upload_names_every_bad_row_and_field(small):
    with pytest.raises(InputError) as err:
        edits.apply_sites_upload(small, BAD_SITES_CSV, "bad.csv")
    text = [str(p) for p in err.value.problems]
    assert any("row 2" in t and "'name'" in t for t in text)
    assert any("row 2" in t and "fixed_cost_usd_per_year" in t for t in text)
    assert any("row 3" in t and "'zip'" in t and "99999" in t for t in text)
    assert any("row 3" in t and "fixed_cost_usd_per_year" in t for t in text)
    assert any("row 4" in t and "site_id" in t and "SEA" in t for t in text)


def test_sites_upload_on_the_designer(small):
    """A good file adds its sites to the table; a bad one lists its problems and keeps the
    sites as they were."""
    at = open_sites_table(start(small))
    uploader = next(u for u in at.file_uploader if "candidate sites" in u.label)
    uploader.set_value(("bad.csv", BAD_SITES_CSV, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "previous data is kept" in error_text(at)
    assert at.session_state["scenario"].sites == small.sites
    uploader = next(u for u in at.file_uploader if "candidate sites" in u.label)
    uploader.set_value(("brokers.csv", SITES_CSV, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.session_state["scenario"].sites) == len(small.sites) + 2
    assert any("brokers.csv" in plain(s.value) for s in at.success)


def test_a_zip_outside_the_demand_base_is_refused_with_its_row(small):
    """00501 (Holtsville, NY, an IRS PO-box ZIP) lies in ZIP3 005, which has no population
    data: a site there has no lanes. The upload names its row; the search path says why."""
    from network.places import find_zip

    data = b"name,zip\nGood,89431\nIRS,00501\n"
    with pytest.raises(InputError) as err:
        edits.apply_sites_upload(small, data, "sites.csv")
    assert [str(p) for p in err.value.problems] == [
        "sites.csv, row 3, field 'zip': " + edits.unmodelled_zip3(small, find_zip("00501"))]
    with pytest.raises(InputError) as err:
        edits.add_site(small, find_zip("00501"))
    assert "ZIP3 005" in str(err.value.problems[0])
