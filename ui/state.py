"""Session state, initialised in one place (`init_state`, called by app.py before any page).

Keys:
    scenario          the current Scenario (immutable; every edit stores a new one)
    undo              earlier scenarios, newest last, for the Undo button
    result            the last SolveRecord (None before the first solve)
    previous_result   the solve before it, for the KPI deltas
    scenario_version  bumped on every scenario change; the site table is keyed by it, so it
                      starts fresh instead of showing stale edits, and a map selection made
                      before the last change is ignored (panels.map_selection)
    map_selection_seen  (the map's selected objects, scenario_version when first seen)
    map_epoch         part of the Designer map's key; bumped only to clear a stale selection
    map_view_epoch    part of the Designer map's view id; "Reset view" bumps it, which puts the
                      map back at the lower 48 (ui.maps)
    map_wheel_zoom    the Designer's "Mouse-wheel zoom" toggle (off: the wheel scrolls the page)
    near_site_add     a place to add that is near an existing candidate (ui.panels), with the
                      scenario_version it was asked in: shown with its two ways out
    basemap           CARTO basemap tiles under the maps (off by default: offline and faster);
                      kept apart from its toggles' keys so it survives page switches
    sites_table_open  whether the Designer's "Candidate sites" table is open (closed at first:
                      the first page then loads no table code); survives page switches too
    notices           (kind, text) messages to show once on the next run
    notices_shown     the notices this page shows (popped by the last full run): a rerun the
                      app starts itself (`rerun_keeping_notices`) shows them again
    tradeoff_counts   N of the Tradeoffs page's site counts, 1..N
    upload_problems   {uploader key: problem lines} of the last rejected upload
    auto_solve        the Designer's "re-solve after each change" toggle
    tradeoff_clicked  the site count last clicked on the Tradeoffs site-count chart
    work              this session's background work (ui.sessions, ui.background): its
                      solves and sweeps, created on the first solve or sweep
    solve_line, auto_solve_skip   the last solve's status line; a scenario the auto re-solve
                      leaves alone (ui.solve)
    last_added_site   the site last added on the Designer, for "why not this site?"
    why_not           {(scenario key, site id): answer} of the Designer's "why not" (ui.whynot)
    tradeoff_study    the open tab of the Tradeoffs page
    explore_points, dask_address, sweep_time_limit_s, sweep_gap_pct   the Tradeoffs page's
                      kept points per study and where and how its sweeps run (ui.sweeps)
    kept:<key>        the value of a Tradeoffs input, kept across page switches
                      (`kept_value`, `keep_input`)
    solves            {scenario key: SolveRecord} of this session's recent solves, so Undo
                      brings back a scenario's result with it (no new solve)
    opened_from       the saved version (saved.OpenedFrom) the scenario was opened from or
                      last saved as: Save adds the next version of it, the link names it
    baseline          the pinned baseline (ui.baseline.Baseline) or None
    session_key       this session's working-copy key (None until the first autosave); the
                      app's link carries it, so a reload finds the work again (ui.links)
    link_read         whether this session has read its link (done on its first run)
    save_conflict     a refused save (the store's VersionConflict and what was to be saved),
                      shown with its two ways out until one is taken
    derived           (owner, {name: value}): what the Designer drew from its current solve
                      or scenario and reuses on the next runs (`derived`)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import streamlit as st

from network.errors import InputError
from network.scenario import Scenario
from network.scenario_file import load_default_scenario
from ui.data import SCENARIO_ENV, default_scenario, scenario_key
from ui.fmt import md_text

if TYPE_CHECKING:  # importing the optimizer loads ortools (0.8 s); only the type is needed here
    from network.optimize.result import OptimizeResult
    from ui.baseline import Baseline
    from ui.saved import OpenedFrom

UNDO_DEPTH = 30
DERIVED_KEY = "derived"
T = TypeVar("T")


@dataclass(frozen=True)
class SolveRecord:
    """One solve: the result and the scenario it was solved for."""

    result: OptimizeResult
    scenario: Scenario
    scenario_key: str
    wall_seconds: float
    origin: str | None = None  # where it came from when not solved in this session, e.g.
    # "opened from 'East coast' version 3, saved 2026-11-30 14:02 UTC (not solved again)"


def init_state() -> None:
    """Create every session key with its default; existing values are kept."""
    defaults = {
        "scenario": None,
        "undo": [],
        "result": None,
        "previous_result": None,
        "scenario_version": 0,
        "notices": [],
        "notices_shown": [],
        "tradeoff_counts": 8,
        "upload_problems": {},
        "auto_solve": False,
        "tradeoff_clicked": None,
        "map_selection_seen": None,
        "map_epoch": 0,
        "map_view_epoch": 0,
        "map_wheel_zoom": False,
        "near_site_add": None,
        "basemap": False,
        "sites_table_open": False,
        "solves": {},
        "opened_from": None,
        "baseline": None,
        "session_key": None,
        "link_read": False,
        "save_conflict": None,
        "last_added_site": None,
        "why_not": {},
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value
    if st.session_state["scenario"] is None:
        st.session_state["scenario"] = _starting_scenario()
    from ui import sweeps  # its keys: where and how sweeps run

    sweeps.init_keys()


# Inputs of pages not always shown keep their values across page switches: Streamlit forgets
# a widget's value when a run does not draw it (another page), so the value lives under
# "kept:<key>" and the widget, drawn with it, copies each change there (`keep_input`).


def kept_value(key: str, default):
    """The kept value of the input `key` (`default` the first time)."""
    return st.session_state.setdefault(f"kept:{key}", default)


def keep_input(key: str) -> None:
    """The input's on_change: keep its new value."""
    st.session_state[f"kept:{key}"] = st.session_state[key]


def set_kept(key: str, value) -> None:
    """Change a kept input's value from code (the widget shows it on its next draw)."""
    st.session_state[f"kept:{key}"] = value
    st.session_state.pop(key, None)


def _starting_scenario() -> Scenario:
    """$NETWORK_SCENARIO's scenario, or, when that file cannot be used, the embedded default
    with a message listing its problems (not a traceback)."""
    try:
        return default_scenario()
    except InputError as err:
        notify("error", f"**The scenario file in ${SCENARIO_ENV} could not be used**, so the "
               "embedded default scenario is shown instead. Problems:\n\n"
               + "\n".join(f"- {md_text(str(p))}" for p in err.problems))
        return load_default_scenario()


def scenario() -> Scenario:
    return st.session_state["scenario"]


def set_scenario(new: Scenario, notice: str | None = None) -> None:
    """Make `new` the current scenario, keeping the old one for Undo."""
    old = st.session_state["scenario"]
    if old is not None and scenario_key(old) != scenario_key(new):
        st.session_state["undo"] = (st.session_state["undo"] + [old])[-UNDO_DEPTH:]
    st.session_state["scenario"] = new
    st.session_state["scenario_version"] += 1
    if notice:
        notify("success", notice)
    autosave()


def undo() -> bool:
    """Go back to the previous scenario; False when there is nothing to undo."""
    stack = st.session_state["undo"]
    if not stack:
        return False
    st.session_state["scenario"] = stack[-1]
    st.session_state["undo"] = stack[:-1]
    st.session_state["scenario_version"] += 1
    known = st.session_state["solves"].get(scenario_key(stack[-1]))
    last = last_solve()
    if known is not None and (last is None or last.scenario_key != known.scenario_key):
        _keep_result(known)  # its result was known: shown again without solving
        notify("info", "Undone: back to the previous scenario and its result (not solved "
               "again).")
    else:
        notify("info", "Undone: back to the previous scenario.")
    autosave()
    return True


def can_undo() -> bool:
    return bool(st.session_state["undo"])


def record_solve(record: SolveRecord) -> None:
    """Store a new solve; the last one with a design becomes the reference for the
    "since the previous solve" deltas."""
    _keep_result(record)
    keep_for_undo(record)
    autosave()


def keep_for_undo(record: SolveRecord) -> None:
    """Remember a solve among this session's recent ones (Undo back to its scenario shows it)
    without showing it now: a background solve that finished after the planner moved on."""
    solves = {k: v for k, v in st.session_state["solves"].items() if k != record.scenario_key}
    solves[record.scenario_key] = record
    st.session_state["solves"] = dict(list(solves.items())[-(UNDO_DEPTH + 1):])


def _keep_result(record: SolveRecord) -> None:
    last = st.session_state["result"]
    if last is not None and last.result.status.has_design:
        st.session_state["previous_result"] = last
    st.session_state["result"] = record


def derived(owner: object, name: Hashable, make: Callable[[], T]) -> T:
    """`make()`, once per `owner` (a SolveRecord, or a Scenario: both immutable, compared by
    identity) and `name`: what the Designer draws from a solve that is slow to build (the
    map's JSON, the result tables: 0.1-0.4 s a run together) is built by the run that first
    shows it and reused by the runs after it that show the same (a search typed, a toggle, a
    click elsewhere on the page). Only the latest owner's are kept."""
    memo = st.session_state.get(DERIVED_KEY)
    if memo is None or memo[0] is not owner:
        memo = (owner, {})
        st.session_state[DERIVED_KEY] = memo
    if name not in memo[1]:
        memo[1][name] = make()
    return memo[1][name]


def last_solve() -> SolveRecord | None:
    return st.session_state["result"]


def previous_solve() -> SolveRecord | None:
    return st.session_state["previous_result"]


def current_result() -> OptimizeResult | None:
    """The last solve's result if it was for the current scenario and has a design."""
    record = last_solve()
    if record is None or record.scenario_key != scenario_key(scenario()):
        return None
    return record.result if record.result.status.has_design else None


def opened_from() -> OpenedFrom | None:
    return st.session_state["opened_from"]


def set_opened_from(opened: OpenedFrom | None) -> None:
    st.session_state["opened_from"] = opened
    autosave()


def baseline() -> Baseline | None:
    return st.session_state["baseline"]


def set_baseline(pinned: Baseline | None) -> None:
    st.session_state["baseline"] = pinned
    autosave()


def session_snapshot() -> dict[str, Any]:
    """The app's small state kept with the working copy (JSON-ready)."""
    opened, pinned = opened_from(), baseline()
    return {"opened_from": opened.to_dict() if opened else None,
            "baseline": pinned.to_dict() if pinned else None}


def autosave() -> None:
    """Queue this session's work for its working copy (ui.library); the first autosave gives
    the session its key, which the app's link then carries."""
    from ui import library, links

    if st.session_state.get("session_key") is None:
        st.session_state["session_key"] = secrets.token_urlsafe(18)
    library.autosave(library.Snapshot(st.session_state["session_key"], scenario(),
                                      current_result(), session_snapshot()))
    links.sync_address_bar()


def basemap() -> bool:
    return st.session_state["basemap"]


def set_basemap_from_toggle(toggle_key: str) -> None:
    st.session_state["basemap"] = bool(st.session_state[toggle_key])


def sites_table_open() -> bool:
    return st.session_state["sites_table_open"]


def set_sites_table_open_from_expander(expander_key: str) -> None:
    st.session_state["sites_table_open"] = bool(st.session_state[expander_key])


def notify(kind: str, text: str) -> None:
    st.session_state["notices"] = st.session_state["notices"] + [(kind, text)]


def pop_notices() -> list[tuple[str, str]]:
    notices = st.session_state["notices"]
    st.session_state["notices"] = []
    st.session_state["notices_shown"] = notices
    return notices


def new_run() -> None:
    """A full run of the page starts (app.py): the notices shown so far were the last page's,
    which this run replaces."""
    st.session_state["notices_shown"] = []


def rerun_keeping_notices() -> NoReturn:
    """Run the whole page again because background work ended (a solve, a sweep, an answer),
    keeping the notices the page shows. A rerun replaces the page, and its notices were popped
    by the run that showed them: a sweep that ended between the page's look at it and its live
    view's (the same run) took away the notice of the click that ran the page, e.g. "Frontier
    cancelled: the 2 points finished are kept" (CI: the flaky Cancel test of
    tests/test_app_explorer.py); a live view's own later rerun took away those on screen."""
    st.session_state["notices"] = st.session_state["notices_shown"] + st.session_state["notices"]
    st.session_state["notices_shown"] = []
    st.rerun()
