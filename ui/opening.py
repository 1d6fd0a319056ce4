"""Opening saved work into the session: a saved version (Scenarios page, share link) or the
session's autosaved working copy (a reload). Either way the scenario and its design come
back with their results at once, rebuilt with evaluate() from the saved design, without
solving again (ui.saved)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from network.errors import InputError
from ui import data, library, state
from ui.baseline import Baseline
from ui.fmt import md_text
from ui.saved import OpenedFrom, reopened_result, saved_evaluation, saved_scenario

if TYPE_CHECKING:
    from network.store import VersionContent


def open_saved(scenario_id: int, version: int | None, from_link: bool = False) -> bool:
    """Make a saved version (the latest when `version` is None) the session's scenario, with
    its solve; False (and a message) when it cannot be opened."""
    saved, problem = library.store_call(
        lambda: library.opening().store.open_version(scenario_id, version))
    if saved is None:
        where = "The link's scenario" if from_link else "The scenario"
        state.notify("error", f"{where} could not be opened: {problem}")
        return False
    opened = OpenedFrom(saved.scenario_id, saved.name, saved.version, saved.saved_at)
    when = f"{saved.saved_at:%Y-%m-%d %H:%M} UTC"
    if not _bring_in(saved.content, opened.label,
                     f"opened from {opened.label}, saved {when} (not solved again)"):
        return False
    state.set_opened_from(opened)
    latest = "" if saved.is_latest else (f" A newer version, {saved.latest_version}, exists: "
                                         "open it from the Scenarios page.")
    state.notify("success", f"Opened {md_text(opened.label)} (saved {when}).{latest}")
    return True


def restore_working_copy(session_key: str) -> bool:
    """Bring back this session key's autosaved work; False when there is none."""
    copy, problem = library.store_call(
        lambda: library.opening().store.open_working_copy(session_key))
    if copy is None:
        return False
    st_state = st.session_state  # first, so that the restore's autosave writes the same copy
    st_state["session_key"] = session_key
    st_state["opened_from"] = OpenedFrom.from_dict(copy.session.get("opened_from"))
    st_state["baseline"] = Baseline.from_dict(copy.session.get("baseline"))
    if not _bring_in(copy.content, "the autosaved work",
                     f"restored from the autosave of {copy.updated_at:%H:%M:%S} UTC "
                     "(not solved again)"):
        return False
    state.notify("info", "Restored this session's work as it was autosaved "
                 f"({copy.updated_at:%Y-%m-%d %H:%M:%S} UTC).")
    return True


def _bring_in(content: VersionContent, source: str, origin: str) -> bool:
    """The saved scenario and its solve as the session's current ones."""
    try:
        scenario = saved_scenario(content, source)
        evaluation = saved_evaluation(content, scenario, data.lanes)
    except InputError as err:
        state.notify("error", f"**{source[0].upper() + source[1:]} could not be opened**: "
                     "its inputs no longer pass the checks. Problems:\n\n"
                     + "\n".join(f"- {md_text(str(p))}" for p in err.problems))
        return False
    state.set_scenario(scenario)
    result = reopened_result(content, evaluation)
    if result is not None:
        state.record_solve(state.SolveRecord(result, scenario, data.scenario_key(scenario), 0.0,
                                             origin))
    return True
