"""The Scenarios page: the library of saved scenarios, one scenario's versions, and opening,
renaming, duplicating, deleting (after a confirmation), sharing and pinning them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from ui import fmt, library, links, state
from ui.baseline import SAVED, Baseline
from ui.fmt import md_text
from ui.saved import OpenedFrom

if TYPE_CHECKING:
    from network.store import ScenarioStore, ScenarioSummary

PICK_KEY = "library_pick"
VERSION_KEY = "library_version"
RENAME_KEY = "library_rename"
DUPLICATE_KEY = "library_duplicate"
DELETE_PLAN = "library_delete_plan"


def library_frame(summaries: list[ScenarioSummary]) -> pd.DataFrame:
    """One row per saved scenario, its latest version's figures (blank before a solve)."""
    return pd.DataFrame([{
        "Name": s.name, "Versions": s.n_versions,
        "Total cost (USD/yr)": s.latest.total_cost_usd,
        "Cost per order (USD)": s.latest.cost_per_order_usd,
        "Sites": s.latest.n_open_sites,
        "Within 2 days": None if s.latest.share_within_2_days is None
        else 100 * s.latest.share_within_2_days,
        "Saved (UTC)": s.latest.saved_at.strftime("%Y-%m-%d %H:%M"),
        "Note": s.latest.note} for s in summaries])


FIGURE_COLUMNS = {
    "Total cost (USD/yr)": st.column_config.NumberColumn(format="$%,.0f"),
    "Cost per order (USD)": st.column_config.NumberColumn(format="$%.2f"),
    "Within 2 days": st.column_config.NumberColumn(format="%.1f%%"),
    "Versions": st.column_config.NumberColumn(width="small"),
    "Sites": st.column_config.NumberColumn(format="%d", width="small"),
    "Note": st.column_config.TextColumn(width="medium"),
}


def library_section() -> int | None:
    """The library table and the pick of one scenario; its id, or None when empty."""
    summaries, problem = library.store_call(lambda: library.opening().store.list_scenarios())
    if summaries is None:
        st.error(f"The saved scenarios cannot be listed: {problem}")
        return None
    if not summaries:
        st.info("No scenario is saved yet. On the Designer, open **Save, share and baseline** "
                "below the map and save the scenario on screen: with its design and results "
                "once solved.")
        return None
    st.dataframe(library_frame(summaries), hide_index=True, width="stretch",
                 column_config=FIGURE_COLUMNS)
    ids = [s.scenario_id for s in summaries]
    names = {s.scenario_id: f"{s.name} ({s.n_versions} version"
             f"{'s' if s.n_versions != 1 else ''})" for s in summaries}
    opened = state.opened_from()
    if st.session_state.get(PICK_KEY) not in ids:  # first visit, or the pick was deleted
        st.session_state[PICK_KEY] = opened.scenario_id if opened and \
            opened.scenario_id in ids else ids[0]
    return st.selectbox("Pick a scenario to see its versions", ids, key=PICK_KEY,
                        format_func=names.get)


def scenario_section(scenario_id: int) -> None:
    """One scenario: its versions, and what can be done with the one picked."""
    history, problem = library.store_call(lambda: library.opening().store.history(scenario_id))
    if history is None:
        st.error(problem)
        return
    name = library.opening().store.summary(scenario_id).name
    st.subheader(f"'{md_text(name)}': versions")
    frame = pd.DataFrame([{
        "Version": v.version, "Saved (UTC)": v.saved_at.strftime("%Y-%m-%d %H:%M"),
        "Note": v.note, "Solver": v.solver_status or "not solved",
        "Total cost (USD/yr)": v.total_cost_usd, "Cost per order (USD)": v.cost_per_order_usd,
        "Sites": v.n_open_sites,
        "Within 2 days": None if v.share_within_2_days is None else 100 * v.share_within_2_days}
        for v in history])
    st.dataframe(frame, hide_index=True, width="stretch", column_config=FIGURE_COLUMNS)
    numbers = [v.version for v in history]
    key = f"{VERSION_KEY}_{scenario_id}"
    version = st.selectbox("Version to open, pin, share or duplicate", numbers, key=key,
                           format_func=lambda n: f"version {n}" + (
                               " (latest)" if n == numbers[0] else ""))
    picked = OpenedFrom(scenario_id, name, version)
    _version_actions(picked)
    _manage(scenario_id, name)


def _version_actions(picked: OpenedFrom) -> None:
    cols = st.columns(3)
    if cols[0].button("Open in the Designer", key="open_version",
                      type="primary", width="stretch",
                      help=f"{picked.label}: its inputs and design with their results, not "
                           "solved again"):
        from ui.opening import open_saved

        if open_saved(picked.scenario_id, picked.version):
            st.switch_page("pages/designer.py")
    cols[1].button("Pin as the baseline", key="pin_version", width="stretch",
                   help=f"Every KPI card then shows its change against {picked.label}",
                   on_click=state.set_baseline, args=(Baseline(SAVED, saved=picked),))
    with cols[2].popover("Share link", width="stretch", icon=":material/link:"):
        st.caption(f"Opens {md_text(picked.label)} as saved, for anyone on this server:")
        st.code(links.share_url(picked.scenario_id, picked.version), language=None)


def _manage(scenario_id: int, name: str) -> None:
    """Rename, duplicate, delete (two steps: the question, then the confirmation)."""
    if library.opening().store.read_only:
        return
    cols = st.columns(3, vertical_alignment="bottom")
    new_name = cols[0].text_input("Rename to", key=f"{RENAME_KEY}_{scenario_id}_{name}",
                                 value=name)
    if cols[0].button("Rename", key="rename", width="stretch",
                      disabled=new_name.strip() == name):
        _act(lambda store: store.rename(scenario_id, new_name),
             f"Renamed to '{md_text(new_name)}'.")
    copy_name = cols[1].text_input("Duplicate as", key=f"{DUPLICATE_KEY}_{scenario_id}_{name}",
                                   value=f"{name} (copy)")
    version = st.session_state.get(f"{VERSION_KEY}_{scenario_id}")
    if cols[1].button("Duplicate this version", key="duplicate", width="stretch"):
        _act(lambda store: store.duplicate(scenario_id, copy_name, version=version),
             f"Duplicated as '{md_text(copy_name)}'.")
    cols[2].button("Delete…", key="delete_ask", width="stretch", on_click=_plan_delete,
                   args=(scenario_id,))
    _confirm_delete(scenario_id)


def _act(action: Callable[[ScenarioStore], object], success: str) -> None:
    done, problem = library.store_call(lambda: action(library.opening().store))
    if problem:
        st.error(problem)
        return
    state.notify("success", success)
    st.rerun()


def _plan_delete(scenario_id: int) -> None:
    plan, problem = library.store_call(lambda: library.opening().store.plan_delete(scenario_id))
    st.session_state[DELETE_PLAN] = plan
    if problem:
        state.notify("error", problem)


def _confirm_delete(scenario_id: int) -> None:
    plan = st.session_state.get(DELETE_PLAN)
    if plan is None or plan.scenario_id != scenario_id:
        return
    st.warning(md_text(plan.question))
    cols = st.columns([1, 1, 2])
    if cols[0].button("Delete it", key="delete_confirm", type="primary", width="stretch"):
        st.session_state[DELETE_PLAN] = None
        opened = state.opened_from()
        if opened is not None and opened.scenario_id == scenario_id:
            state.set_opened_from(None)  # the working scenario stays, unsaved
        _act(lambda store: store.delete(plan), f"Deleted '{md_text(plan.name)}'.")
    if cols[1].button("Keep it", key="delete_cancel", width="stretch"):
        st.session_state[DELETE_PLAN] = None
        st.rerun()


def working_section() -> None:
    """What is on the Designer now, and saving it."""
    scenario = state.scenario()
    opened = state.opened_from()
    pinned = state.baseline()
    solved = state.current_result()
    parts = [f"**{md_text(scenario.name)}**",
             f"opened from or saved as {md_text(opened.label)}" if opened else "not saved yet",
             "solved" if solved is not None else "not solved",
             f"baseline: {md_text(pinned.label)}" if pinned else "no baseline pinned"]
    st.markdown("On the Designer now: " + " · ".join(parts))
    if solved is not None:
        k = solved.evaluation.kpis
        st.caption(f"{fmt.usd(k.total_cost_usd)} a year, {fmt.usd_cents(k.cost_per_order_usd)} "
                   f"per order, {k.n_open_sites} sites.")
