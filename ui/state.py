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
    basemap           CARTO basemap tiles under the maps (off by default: offline and faster);
                      kept apart from its toggles' keys so it survives page switches
    sites_table_open  whether the Designer's "Candidate sites" table is open (closed at first:
                      the first page then loads no table code); survives page switches too
    notices           (kind, text) messages to show once on the next run
    tradeoff_counts   N of the Tradeoffs page's sweep over 1..N sites
    upload_problems   {uploader key: problem lines} of the last rejected upload
    sweep             (scenario key, counts, results) of the last Tradeoffs sweep
    auto_solve        the Designer's "re-solve after each change" toggle
    tradeoff_clicked  the site count last clicked on the Tradeoffs chart
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from network.errors import InputError
from network.scenario import Scenario
from network.scenario_file import load_default_scenario
from ui.data import SCENARIO_ENV, default_scenario, scenario_key

if TYPE_CHECKING:  # importing the optimizer loads ortools (0.8 s); only the type is needed here
    from network.optimize.result import OptimizeResult

UNDO_DEPTH = 30


@dataclass(frozen=True)
class SolveRecord:
    """One solve: the result and the scenario it was solved for."""

    result: OptimizeResult
    scenario: Scenario
    scenario_key: int
    wall_seconds: float


def init_state() -> None:
    """Create every session key with its default; existing values are kept."""
    defaults = {
        "scenario": None,
        "undo": [],
        "result": None,
        "previous_result": None,
        "scenario_version": 0,
        "notices": [],
        "tradeoff_counts": 8,
        "upload_problems": {},
        "sweep": None,
        "auto_solve": False,
        "tradeoff_clicked": None,
        "map_selection_seen": None,
        "map_epoch": 0,
        "basemap": False,
        "sites_table_open": False,
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value
    if st.session_state["scenario"] is None:
        st.session_state["scenario"] = _starting_scenario()


def _starting_scenario() -> Scenario:
    """$NETWORK_SCENARIO's scenario, or, when that file cannot be used, the embedded default
    with a message listing its problems (not a traceback)."""
    try:
        return default_scenario()
    except InputError as err:
        notify("error", f"**The scenario file in ${SCENARIO_ENV} could not be used**, so the "
               "embedded default scenario is shown instead. Problems:\n\n"
               + "\n".join(f"- {p}" for p in err.problems))
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


def undo() -> bool:
    """Go back to the previous scenario; False when there is nothing to undo."""
    stack = st.session_state["undo"]
    if not stack:
        return False
    st.session_state["scenario"] = stack[-1]
    st.session_state["undo"] = stack[:-1]
    st.session_state["scenario_version"] += 1
    notify("info", "Undone: back to the previous scenario.")
    return True


def can_undo() -> bool:
    return bool(st.session_state["undo"])


def record_solve(record: SolveRecord) -> None:
    """Store a new solve; the last one with a design becomes the baseline for deltas."""
    last = st.session_state["result"]
    if last is not None and last.result.status.has_design:
        st.session_state["previous_result"] = last
    st.session_state["result"] = record


def last_solve() -> SolveRecord | None:
    return st.session_state["result"]


def previous_solve() -> SolveRecord | None:
    return st.session_state["previous_result"]


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
    return notices
