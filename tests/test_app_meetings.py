"""The app carrying a meeting (AppTest): save, save as and the conflict's ways out, the
Scenarios page, opening a version without solving, baseline deltas, my network, Compare,
links and autosave, Undo with its result."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, SMALL_SITES, TIMEOUT_S, click_solve, settle

from network.evaluate import Design, evaluate, status_quo
from network.optimize import optimize
from network.scenario import ShareTarget, Targets
from network.scenario_file import load_default_scenario
from network.store import ENV_VAR, open_store
from ui import baseline, compare_view, fmt, library, panels
from ui.saved import version_content


@pytest.fixture(scope="module")
def small():
    default = load_default_scenario()
    return default.with_changes(sites=tuple(s for s in default.sites
                                            if s.site_id in SMALL_SITES))


@pytest.fixture(scope="module")
def solved(small):
    return optimize(small)


@pytest.fixture
def app_store(tmp_path, monkeypatch):
    """A fresh SQLite store for the app, as $NETWORK_STORE names it."""
    path = str(tmp_path / "scenarios.db")
    yield from _use_store(path, monkeypatch)


@pytest.fixture
def any_store(store_db, monkeypatch):
    """The same on SQLite and on PostgreSQL."""
    yield from _use_store(store_db, monkeypatch)


def _use_store(db: str, monkeypatch):
    monkeypatch.setenv(ENV_VAR, db)
    _forget()
    store = open_store(db)
    yield store
    library.flush_autosaves()
    store.close()
    _forget()


def _forget() -> None:
    library.flush_autosaves()
    library.forget_openings()
    baseline._saved.clear()
    compare_view._load.clear()


def start(scenario=None, page: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if scenario is not None:
        at.session_state["scenario"] = scenario
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def open_section(at: AppTest, key: str) -> AppTest:
    """What a click on one of the Designer's lazy expanders does (AppTest cannot click one)."""
    at.session_state[key] = True
    at.session_state[f"{key}_remembered"] = True
    at.run()
    ok(at)
    return at


def solve(at: AppTest) -> AppTest:
    """Press Solve and wait for the result on the page (the solve runs in the background)."""
    click_solve(at)
    ok(at)
    return at


def save_as(at: AppTest, name: str, note: str = "") -> AppTest:
    open_section(at, panels.SAVE_EXPANDER_KEY)
    at.text_input(key="save_note").input(note).run()
    at.text_input(key="save_name").input(name).run()
    at.button(key="save_as").click().run()
    ok(at)
    return at


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_scenarios_page_without_saves(app_store):
    """An empty store: the page says how to save, and shows where the store is."""
    at = start(page="pages/scenarios.py")
    assert at.title[0].value == "Scenarios"
    assert any("No scenario is saved yet" in i.value for i in at.info)
    assert any(str(app_store.location) in c.value for c in at.caption)


def test_save_with_a_note_then_open_it_without_solving(app_store, small, monkeypatch):
    """Solve, save as 'East coast' with a note: the library lists its figures; a new session
    opens it from the Scenarios page with the same KPI cards, without solving again."""
    at = save_as(solve(start(small)), "East coast", "four sites, 90% in 2 days")
    assert any("Saved as 'East coast' version 1" in s.value for s in at.success)
    cards = metric_values(at)
    saved = app_store.open_version(app_store.find("East coast").scenario_id)
    assert saved.content.note == "four sites, 90% in 2 days"
    assert saved.content.design == at.session_state["result"].result.design
    at.switch_page("pages/scenarios.py").run()
    row = at.dataframe[0].value.iloc[0]
    assert (row["Name"], row["Versions"], row["Note"]) == ("East coast", 1,
                                                          "four sites, 90% in 2 days")
    assert fmt.usd(row["Total cost (USD/yr)"]) == cards["Total annual cost"]

    def no_solve(*args, **kwargs):
        raise AssertionError("opening a saved version must not solve")

    monkeypatch.setattr("ui.solve.solve", no_solve)
    monkeypatch.setattr("network.optimize.optimize", no_solve)
    other = start(page="pages/scenarios.py")  # another planner, another session
    other.button(key="open_version").click().run()
    ok(other)
    assert other.session_state["scenario"] == small
    assert metric_values(other) == cards
    assert other.session_state["result"].origin.startswith("opened from 'East coast' version 1")
    assert any("not solved again" in c.value for c in other.caption)


def test_save_version_conflict_offers_both_ways_out(any_store, small, solved):
    """Someone saved version 2 after this session opened version 1: the store's message with
    'save anyway' (version 3) and 'save as a copy'; nothing is written over."""
    ref = any_store.create("Plan", version_content(small, solved, "mine"))
    at = start(query={"scenario": str(ref.scenario_id), "version": "1"})
    any_store.save_version(ref.scenario_id, version_content(small, solved, "theirs"),
                           based_on=1)
    open_section(at, panels.SAVE_EXPANDER_KEY)
    at.text_input(key="save_note").input("my change").run()
    at.button(key="save_version").click().run()
    ok(at)
    warning = " ".join(w.value for w in at.warning)
    assert "you started from version 1, and version 2 was saved" in warning
    assert [v.version for v in any_store.history(ref.scenario_id)] == [2, 1]
    at.button(key="save_anyway").click().run()
    ok(at)
    history = any_store.history(ref.scenario_id)
    assert [(v.version, v.note) for v in history][:2] == [(3, "my change"), (2, "theirs")]
    assert at.session_state["opened_from"].version == 3
    assert not any("was saved again" in w.value for w in at.warning)
    any_store.save_version(ref.scenario_id, version_content(small, solved, "again"),
                           based_on=3)
    at.button(key="save_version").click().run()
    at.text_input(key="save_copy_name").input("Plan, my copy").run()
    at.button(key="save_copy").click().run()
    ok(at)
    copy = any_store.find("Plan, my copy")
    assert copy is not None and copy.latest.note == "my change"
    assert any_store.summary(ref.scenario_id).n_versions == 4


def test_rename_duplicate_and_delete_with_confirmation(app_store, small, solved):
    """The library's management: rename keeps the versions, duplicate copies the picked
    version, delete asks first and Keep it leaves it."""
    ref = app_store.create("Draft", version_content(small, solved, "v1"))
    app_store.save_version(ref.scenario_id, version_content(small, None, "v2"), based_on=1)
    at = start(page="pages/scenarios.py")
    at.text_input(key=f"library_rename_{ref.scenario_id}_Draft").input("West coast").run()
    at.button(key="rename").click().run()
    ok(at)
    assert app_store.summary(ref.scenario_id).name == "West coast"
    at.selectbox(key=f"library_version_{ref.scenario_id}").set_value(1).run()
    at.button(key="duplicate").click().run()
    copy = app_store.find("West coast (copy)")
    assert copy is not None and copy.latest.note == "copy of 'West coast' version 1"
    at.selectbox(key="library_pick").set_value(ref.scenario_id).run()
    at.button(key="delete_ask").click().run()
    assert any("Delete 'West coast' and its 2 saved versions" in w.value for w in at.warning)
    at.button(key="delete_cancel").click().run()
    assert app_store.find("West coast") is not None
    at.button(key="delete_ask").click().run()
    at.button(key="delete_confirm").click().run()
    ok(at)
    assert app_store.find("West coast") is None


def test_baseline_deltas_on_every_card(app_store, small, solved):
    """Pinned, the status quo (all cross-border) puts its change on each KPI card beside the
    change since the previous solve; a pinned saved version does the same with its KPIs."""
    at = solve(start(small))
    open_section(at, panels.SAVE_EXPANDER_KEY)
    at.button(key="pin_status_quo").click().run()
    ok(at)
    lines = [c.value for c in at.caption  # a card whose figure equals the baseline's says so
             if "vs baseline" in c.value or "same as the baseline" in c.value]
    assert len(lines) == len(at.metric) == 7
    k = solved.evaluation.kpis
    quo = status_quo(small).kpis
    expected = fmt.signed_usd(k.total_cost_usd - quo.total_cost_usd).replace("$", "\\$")
    assert lines[0] == f":green[{expected} vs baseline]"
    assert "status quo" in " ".join(c.value for c in at.caption)
    three = evaluate(small, Design(("SEA", "DFW", "ATL")))
    result = replace(solved, design=Design(("SEA", "DFW", "ATL")), evaluation=three)
    ref = app_store.create("Three sites", version_content(small, result))
    at.switch_page("pages/scenarios.py").run()
    at.selectbox(key="library_pick").set_value(ref.scenario_id).run()
    at.button(key="pin_version").click().run()
    at.switch_page("pages/designer.py").run()
    ok(at)
    lines = [c.value for c in at.caption if "vs baseline" in c.value]
    change = fmt.signed_usd(k.total_cost_usd - round(three.kpis.total_cost_usd, 2))
    assert lines[0].endswith(f"[{change.replace('$', chr(92) + '$')} vs baseline]")
    assert at.session_state["baseline"].saved.scenario_id == ref.scenario_id


def test_my_network_in_the_app(app_store, small):
    """Pick Seattle and Dallas under My network: the solve opens exactly those and meets the
    target; with 80% within 1 day they cannot, and the page says what they reach."""
    at = open_section(start(small), panels.MY_NETWORK_EXPANDER_KEY)
    at.multiselect(key="my_network_pick").set_value(["SEA", "DFW"]).run()
    at.button(key="cost_my_network").click().run()
    settle(at)  # the solve runs in the background
    result = at.session_state["result"].result
    assert result.open_site_ids == ("SEA", "DFW")
    assert all(t.met for t in result.evaluation.targets)
    assert metric_values(at)["Sites open"] == "2"
    tight = small.with_changes(targets=Targets(share_targets=(ShareTarget(1, 80.0),)))
    at = open_section(start(tight), panels.MY_NETWORK_EXPANDER_KEY)
    at.multiselect(key="my_network_pick").set_value(["SEA", "DFW"]).run()
    at.button(key="cost_my_network").click().run()
    settle(at)  # the solve runs in the background
    assert any("No network meets" in e.value for e in at.error)
    reach = " ".join(m.value for m in at.markdown)
    assert "What SEA, DFW reach" in reach
    assert re.search(r"at best \d+\.\d% of orders within 1 day \(target 80%\)", reach)
    at.button(key="release_my_network").click().run()
    assert at.session_state["scenario"].constraints.forced_closed == ()


def test_my_network_as_the_baseline(app_store, small, solved):
    """My network pinned as the baseline: each card's change against that network, costed
    under the scenario on screen."""
    from network.my_network import cost_my_network

    at = open_section(solve(start(small)), panels.MY_NETWORK_EXPANDER_KEY)
    at.multiselect(key="my_network_pick").set_value(["SEA", "DFW", "ATL"]).run()
    at.button(key="pin_my_network").click().run()
    ok(at)
    mine = cost_my_network(small, ("SEA", "DFW", "ATL")).result.evaluation.kpis
    change = fmt.signed_usd(solved.evaluation.kpis.total_cost_usd - mine.total_cost_usd)
    lines = [c.value for c in at.caption if "vs baseline" in c.value]
    assert lines[0] == f":green[{change.replace('$', chr(92) + '$')} vs baseline]"


def test_compare_two_saved_scenarios(app_store, small, solved):
    """Two saved versions: KPIs side by side with the change against the first, both maps,
    the cost and delivery charts, and what changed (sites, ZIP3s, inputs)."""
    a = app_store.create("Optimal", version_content(small, solved))
    fewer = small.with_changes(targets=Targets(share_targets=(ShareTarget(2, 50.0),)))
    other = optimize(fewer)
    b = app_store.create("Looser target", version_content(fewer, other))
    at = start(page="pages/compare.py")
    at.multiselect(key="compare_pick").set_value(_picks(at, a, b)).run()
    ok(at)
    table = at.dataframe[0].value
    assert list(table.columns) == ["KPI", "'Optimal' version 1", "'Looser target' version 1"]
    total = dict(zip(table["KPI"], table["'Looser target' version 1"], strict=True))
    change = fmt.signed_usd(other.evaluation.kpis.total_cost_usd
                            - solved.evaluation.kpis.total_cost_usd)
    assert total["Total annual cost"].endswith(f"({change})")
    assert len(at.get("deck_gl_json_chart")) == 2
    assert len(at.get("vega_lite_chart")) == 2
    text = " ".join(m.value for m in at.markdown)
    opened = set(other.open_site_ids) - set(solved.open_site_ids)
    assert f"**Sites opened:** {', '.join(sorted(opened, key=small.site_ids.index)) or 'none'}" \
        in text
    inputs = next(d.value for d in at.dataframe if "Input" in d.value.columns)
    assert list(inputs["Input"]) == ["targets.share_targets[2].share_pct"]
    assert list(inputs["Before"]) == ["90"] and list(inputs["After"]) == ["50"]


def _picks(at: AppTest, first, second) -> list:
    """The multiselect's options for two saved scenarios, in that order."""
    return [f"{ref.scenario_id}:1" for ref in (first, second)]


def test_share_link_opens_the_saved_version(app_store, small, solved):
    """?scenario=ID&version=N opens that version as saved, with its results."""
    ref = app_store.create("Linked", version_content(small, solved))
    at = start(query={"scenario": str(ref.scenario_id), "version": "1"})
    assert at.session_state["scenario"] == small
    assert metric_values(at)["Total annual cost"] == fmt.usd(
        solved.evaluation.kpis.total_cost_usd)
    bad = start(query={"scenario": "999", "version": "1"})
    assert any("could not be opened" in e.value for e in bad.error)


def test_reload_restores_the_working_copy(app_store, small):
    """Edits and a solve are autosaved to one working copy; a new session with the same link
    (a reload) is back where the first one was, solve included."""
    at = solve(start(small))
    at.text_input(key="site_search").input("Reno, NV").run()
    at.button(key="add_search").click().run()
    at = solve(at)
    key = at.session_state["session_key"]
    assert at.query_params["work"] == key
    library.flush_autosaves()
    assert library.autosave_error(key) is None
    reloaded = start(query={"work": key})
    assert reloaded.session_state["scenario"] == at.session_state["scenario"]
    assert "RENO-895" in reloaded.session_state["scenario"].site_ids
    assert {m.label: m.value for m in reloaded.metric} == {
        m.label: m.value for m in at.metric}
    assert reloaded.session_state["session_key"] == key
    reloaded.text_input(key="site_search").input("Boise, ID").run()  # an edit, no solve
    reloaded.button(key="add_search").click().run()
    library.flush_autosaves()
    again = start(query={"work": key})
    assert again.session_state["scenario"] == reloaded.session_state["scenario"]
    assert "BOISE-837" in again.session_state["scenario"].site_ids
    with app_store.engine.connect() as conn:
        from sqlalchemy import func, select

        from network.store.schema import scenario_versions, working_copies
        assert conn.execute(select(func.count()).select_from(working_copies)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(scenario_versions)).scalar() == 0


def test_undo_brings_back_the_result(app_store, small, monkeypatch):
    """Solve, add a site, solve, Undo: the first scenario comes back with its result shown,
    without a solve."""
    at = solve(start(small))
    first = metric_values(at)
    at.text_input(key="site_search").input("Reno, NV").run()
    at.button(key="add_search").click().run()
    solve(at)
    monkeypatch.setattr("ui.solve.solve", lambda *a, **k: pytest.fail("undo solved"))
    at.button(key="undo_button").click().run()
    ok(at)
    assert metric_values(at) == first
    assert any("and its result" in i.value for i in at.info)


def test_a_damaged_store_is_said_plainly(tmp_path, monkeypatch, small):
    """A store file that is not a store: the app runs on a fresh store beside it and says
    so where saving happens."""
    damaged = tmp_path / "scenarios.db"
    damaged.write_bytes(b"not a database" * 100)
    monkeypatch.setenv(ENV_VAR, str(damaged))
    _forget()
    try:
        at = start(page="pages/scenarios.py")
        assert any("A fresh scenario store is in use" in w.value for w in at.warning)
        assert damaged.read_bytes() == b"not a database" * 100
    finally:
        _forget()


def test_a_locked_store_opens_read_only_and_the_app_starts(tmp_path, monkeypatch, small):
    """Another program holding the store's write lock: the app starts, lists what is saved,
    says saving is off, and the file is unchanged once the lock is let go."""
    import hashlib
    import sqlite3

    path = tmp_path / "scenarios.db"
    store = open_store(str(path))
    store.create("Saved before the lock", version_content(small, None))
    store.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setenv(ENV_VAR, str(path))
    _forget()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        at = start(page="pages/scenarios.py")
        assert any("Saving is off: the scenario store is read-only" in w.value
                   for w in at.warning)
        listed = at.dataframe[0].value
        assert "Saved before the lock" in listed.to_string()
    finally:
        other.execute("ROLLBACK")
        other.close()
        _forget()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
