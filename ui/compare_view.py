"""The Compare page: 2 to 4 saved scenario versions side by side: KPIs with their change
against the baseline, cost by component, delivery days, their maps, and what changed (sites,
ZIP3s, inputs).

Each version's evaluation is rebuilt from its saved design with evaluate() (no solve), and
kept per (scenario, version): a saved version never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import pydeck as pdk
import streamlit as st

from network.compare import design_changes, input_differences
from network.evaluate import Evaluation
from network.scenario import Scenario
from ui import data, fmt, library, maps, state
from ui.fmt import md_text
from ui.saved import Figures, OpenedFrom, saved_evaluation, saved_scenario

if TYPE_CHECKING:
    from ui.baseline import Baseline

PICK_KEY = "compare_pick"
MAP_VIEW_KEY = "compare_map_view"
ONE_MAP_KEY = "compare_one_map"
MAX_PICKED = 4
MAPS_PER_ROW = 2
COMPARE_MAP_HEIGHT_PX = 270  # the lower 48 at COMPARE_VIEW are about 215 px tall
ONE_MAP_HEIGHT_PX = 480
# Half the Designer's width at 1280 px (about 390 px a map): the lower 48 span about 58 degrees
# of longitude, 82.5 x 2^zoom pixels in Web Mercator, so zoom 2.25 holds them (393 px).
COMPARE_VIEW = pdk.ViewState(latitude=38.5, longitude=-96.3, zoom=2.25, pitch=0, bearing=0)
ONE_VIEW = pdk.ViewState(latitude=38.2, longitude=-95.9, zoom=3.0, pitch=0, bearing=0)


@dataclass(frozen=True)
class Compared:
    """One saved version on the page."""

    opened: OpenedFrom
    scenario: Scenario
    evaluation: Evaluation | None  # None: saved before a solve
    scenario_json: str
    solver: str
    note: str


def picker() -> list[OpenedFrom]:
    """The versions to compare, picked from every saved version (latest first)."""
    options, problem = library.store_call(_all_versions)
    if options is None:
        st.error(f"The saved scenarios cannot be listed: {problem}")
        return []
    if len(options) < 2:
        st.info("Save at least two scenarios (or two versions of one) to compare them: on "
                "the Designer, under **Save, share and baseline**.")
        return []
    by_key = {f"{o.scenario_id}:{o.version}": o for o in options}
    if PICK_KEY not in st.session_state:  # at first the two newest scenarios' latest versions
        newest = list(dict.fromkeys(o.scenario_id for o in options))[:2]
        firsts = [next(k for k, o in by_key.items() if o.scenario_id == i) for i in newest]
        st.session_state[PICK_KEY] = firsts if len(firsts) == 2 else list(by_key)[:2]
    st.session_state[PICK_KEY] = [k for k in st.session_state[PICK_KEY] if k in by_key]
    keys = st.multiselect(f"Saved scenarios to compare (2 to {MAX_PICKED}); the first is the "
                          "reference for what changed", list(by_key), key=PICK_KEY,
                          max_selections=MAX_PICKED,
                          format_func=lambda k: f"{by_key[k].name} · version {by_key[k].version}")
    return [by_key[k] for k in keys]


def _all_versions() -> list[OpenedFrom]:
    store = library.opening().store
    return [OpenedFrom(s.scenario_id, s.name, v.version, v.saved_at)
            for s in store.list_scenarios() for v in store.history(s.scenario_id)]


def load(picked: list[OpenedFrom]) -> list[Compared]:
    return [_load(o.scenario_id, o.version) for o in picked]


@st.cache_resource(show_spinner="Opening the saved versions…", max_entries=32)
def _load(scenario_id: int, version: int) -> Compared:
    saved = library.opening().store.open_version(scenario_id, version)
    opened = OpenedFrom(scenario_id, saved.name, version, saved.saved_at)
    scenario = saved_scenario(saved.content, opened.label)
    evaluation = saved_evaluation(saved.content, scenario, data.lanes)
    solve = saved.content.solve
    solver = "not solved" if solve is None else solve.status + (
        f", gap {fmt.pct(solve.gap, 2)}" if solve.gap is not None else "")
    return Compared(opened, scenario, evaluation, saved.content.scenario_json, solver,
                    saved.content.note)


# ---------------------------------------------------------------------------------------------
# KPIs


KPI_ROWS = (
    ("Total annual cost", lambda f: f.total_cost_usd, fmt.usd, fmt.signed_usd),
    ("Cost per order", lambda f: f.cost_per_order_usd, fmt.usd_cents, fmt.signed_usd_cents),
    ("Average delivery", lambda f: f.avg_delivery_days, fmt.days, fmt.signed_days),
    ("Sites open", lambda f: f.n_open_sites, str, fmt.signed_count),
    *((f"Orders within {fmt.day_count(d)}",
       lambda f, d=d: f.share_within_days[d], fmt.pct, fmt.signed_points) for d in (1, 2, 3)),
)


def kpi_table(items: list[Compared]) -> pd.DataFrame:
    """KPIs side by side, each with its change against the baseline (the pinned one, else
    the first version picked)."""
    pinned = state.baseline()
    reference = items[0]
    columns: dict[str, list[str]] = {"KPI": [r[0] for r in KPI_ROWS]
                                     + ["Solver", "Saved (UTC)", "Note"]}
    for item in items:
        mine = Figures.of(item.evaluation.kpis) if item.evaluation is not None else None
        base = _baseline_for(item, pinned, reference)
        cells = []
        for _, fn, show, signed in KPI_ROWS:
            if mine is None:
                cells.append("not solved")
                continue
            change = "" if base is None else signed(fn(mine) - fn(base))
            change = "" if not change or fmt.is_zero_change(change) else f" ({change})"
            cells.append(show(fn(mine)) + change)
        saved = item.opened.saved_at
        columns[item.opened.label] = cells + [
            item.solver, f"{saved:%Y-%m-%d %H:%M}" if saved else "", item.note]
    return pd.DataFrame(columns)


def baseline_caption(items: list[Compared]) -> str:
    pinned = state.baseline()
    if pinned is None:
        return (f"In brackets: the change against {md_text(items[0].opened.label)}, the first "
                "picked "
                "(pin a baseline on the Scenarios page or the Designer to measure against it).")
    kind = ("under each scenario's own inputs" if pinned.kind != "saved"
            else "as saved")
    return f"In brackets: the change against the baseline, {md_text(pinned.label)}, {kind}."


def _baseline_for(item: Compared, pinned: Baseline | None, reference: Compared
                  ) -> Figures | None:
    if pinned is None:
        if item is reference or reference.evaluation is None:
            return None
        return Figures.of(reference.evaluation.kpis)
    from ui.baseline import figures

    found, _ = figures(pinned, item.scenario)
    return found


# ---------------------------------------------------------------------------------------------
# Charts and maps


def show_charts(items: list[Compared]) -> None:
    from ui import charts  # here: altair is slow to import

    solved = [i for i in items if i.evaluation is not None]
    if not solved:
        return
    left, right = st.columns(2)
    left.altair_chart(charts.compare_cost_chart(
        [(i.opened.label, i.evaluation) for i in solved]), width="stretch")
    right.altair_chart(charts.compare_days_chart(
        [(i.opened.label, i.evaluation) for i in solved]), width="stretch")


def show_maps(items: list[Compared]) -> None:
    """The maps side by side, two to a row (up to four: four WebGL contexts of Chromium's 16
    per page, drawn in about 5 s in software WebGL against 3.6 s for two; BENCHMARKS.md,
    Compare maps), or, on request, one map switched between them."""
    solved = [i for i in items if i.evaluation is not None]
    if not solved:
        return
    one = len(solved) > 1 and st.toggle("One map at a time (larger, switched)", key=ONE_MAP_KEY)
    if one:
        labels = [i.opened.label for i in solved]
        if st.session_state.get(MAP_VIEW_KEY) not in labels:
            st.session_state[MAP_VIEW_KEY] = labels[0]
        shown = st.segmented_control("Map of", labels, key=MAP_VIEW_KEY) or labels[0]
        _map(solved[labels.index(shown)], "compare_map_one", ONE_VIEW, ONE_MAP_HEIGHT_PX)
    else:
        for start in range(0, len(solved), MAPS_PER_ROW):
            row = solved[start:start + MAPS_PER_ROW]
            for col, item in zip(st.columns(MAPS_PER_ROW), row, strict=False):
                with col:
                    st.markdown(f"**{md_text(item.opened.label)}**")
                    _map(item, f"compare_map_{solved.index(item)}", COMPARE_VIEW,
                         COMPARE_MAP_HEIGHT_PX)
    from ui.panels import legend

    legend(solved[0].evaluation)


def _map(item: Compared, key: str, view: pdk.ViewState, height: int) -> None:
    deck = maps.network_deck(item.scenario, data.lanes(item.scenario), item.evaluation,
                             basemap=state.basemap(), view=view)
    st.pydeck_chart(deck, key=key, height=height)


# ---------------------------------------------------------------------------------------------
# What changed


def show_changes(items: list[Compared]) -> None:
    """Each version against the first picked: sites, ZIP3s and inputs."""
    reference = items[0]
    for item in items[1:]:
        st.markdown(f"#### From {md_text(reference.opened.label)} to "
                    f"{md_text(item.opened.label)}")
        if reference.evaluation is not None and item.evaluation is not None:
            _design_changes(reference.evaluation, item.evaluation)
        else:
            st.caption("One of the two was saved before a solve: no design to compare.")
        _input_changes(reference.scenario_json, item.scenario_json)


def _design_changes(before: Evaluation, after: Evaluation) -> None:
    changes = design_changes(before, after)
    opened = md_text(", ".join(changes.sites_opened)) or "none"
    closed = md_text(", ".join(changes.sites_closed)) or "none"
    total = after.kpis.orders_per_year
    st.markdown(f"**Sites opened:** {opened} · **closed:** {closed} · **ZIP3s served "
                f"otherwise:** {len(changes.zip3_changes)}, carrying "
                f"{fmt.count(changes.orders_moved)} orders a year "
                f"({fmt.pct(changes.orders_moved / total if total else 0.0)} of orders)")
    if not changes.zip3_changes.empty:
        st.dataframe(changes.zip3_changes.rename(columns={
            "zip3": "ZIP3", "state": "State", "orders": "Orders per year",
            "site_before": "Site before", "service_before": "Service before",
            "site_after": "Site after", "service_after": "Service after"}),
            hide_index=True, width="stretch", height=240, column_config={
                "Orders per year": st.column_config.NumberColumn(format="%,.0f")})


def _input_changes(before_json: str, after_json: str) -> None:
    found = input_differences(before_json, after_json)
    if not found:
        st.markdown("**Inputs:** the same.")
        return
    st.markdown(f"**Inputs that differ:** {len(found)}")
    st.dataframe(pd.DataFrame([{"Input": d.path, "Before": d.before, "After": d.after}
                               for d in found]), hide_index=True, width="stretch",
                 height=min(400, 38 + 35 * len(found)))
