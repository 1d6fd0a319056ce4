"""The Tradeoffs page's frontier: for a promise "share of orders within N days" at each level,
and each number of sites (and any number), the cheapest network meeting it with the other
targets and constraints kept (network.explore.frontier), as a chart, a table, and the network
of the point clicked.

The default grid is coarse (levels every 10% from 60%, site counts around the current
design's): a meeting can wait for about 25 points, not for 121 (BENCHMARKS.md, "Tradeoff
explorer"); the full grid (every 5%) is one click, and reuses the points already solved.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from network.scenario import Scenario
from ui import data, fmt, state, sweeps, tradeoffs

STUDY = "frontier"
LEVELS = [round(0.05 * i, 2) for i in range(1, 21)]  # 5% .. 100%
COARSE_STEP, FULL_STEP = 0.10, 0.05
DEFAULT_LEVELS = (0.60, 1.00)
MAX_COUNT = 15
METRICS = {"cost_usd": "Annual cost", "cost_per_order_usd": "Cost per order"}


def show(scenario: Scenario) -> None:
    days, levels, counts, include_any, button_slot = controls(scenario)
    config = (data.scenario_key(scenario), days, sweeps.params_key())
    n = len(levels) * (len(counts) + include_any)
    if button_slot.button(f"Run the frontier: {n} points", type="primary", key="run_frontier",
                          disabled=n == 0, width="stretch"):
        from network.explore import frontier_tasks

        tasks = frontier_tasks(scenario, days, levels, counts, include_any=include_any)
        sweeps.start(STUDY, tasks, config, {"title": "frontier", "days": days})
        st.rerun()
    st.caption(f"Every 10% by default, a grid a meeting can wait for (*every 5%* adds the "
               f"levels between); up to {st.session_state[sweeps.TIME_LIMIT_KEY]:g} s a point.")
    sweeps.live(STUDY, lambda: results(scenario, days, config))


def controls(scenario: Scenario):
    """The promise (N days), its levels, the site counts and "any number", each kept across
    page switches (state.kept_value); and the place for the Run button."""
    most = min(MAX_COUNT, len(scenario.sites))
    defaults = _defaults(scenario, most)
    top = st.columns([1.25, 1.5, 1.5], vertical_alignment="bottom")
    days = top[0].segmented_control(
        "Delivered within", [1, 2, 3], required=True, default=_kept("frontier_days", defaults),
        **_keeps("frontier_days"), format_func=fmt.day_count)
    low, high = pair(top[1].select_slider(
        "Promise levels: share of orders", options=LEVELS,
        value=_kept("frontier_levels", defaults), **_keeps("frontier_levels"),
        format_func=lambda v: f"{100 * v:.0f}%"))
    lo, hi = pair(_kept("frontier_counts", defaults))
    lo, hi = pair(top[2].select_slider(
        "Exactly this many sites", options=list(range(1, most + 1)),
        value=(min(lo, most), min(hi, most)), **_keeps("frontier_counts")) if most > 1 else 1)
    row = st.columns([1.25, 1.5, 1.5], vertical_alignment="center")
    step = row[0].segmented_control(
        "Level step", [COARSE_STEP, FULL_STEP], required=True, label_visibility="collapsed",
        default=_kept("frontier_step", defaults), **_keeps("frontier_step"),
        format_func=lambda v: f"every {100 * v:g}%")
    include_any = row[1].checkbox("and any number of sites (the frontier)",
                                  value=_kept("frontier_any", defaults),
                                  **_keeps("frontier_any"))
    return (int(days), level_grid(low, high, step), list(range(lo, hi + 1)), include_any,
            row[2])


def _kept(key: str, defaults: dict):
    return state.kept_value(key, defaults[key])


def _keeps(key: str) -> dict:
    return tradeoffs.kept_input(key)


def pair(value) -> tuple:
    """A range slider's value as (low, high) (a single value when both ends meet)."""
    return tuple(value) if isinstance(value, list | tuple) else (value, value)


def level_grid(low: float, high: float, step: float) -> list[float]:
    """Levels from `high` down by `step` to `low` (so 100% is always in), rising."""
    out, level = [], high
    while level >= low - 1e-9:
        out.append(round(level, 4))
        level -= step
    return sorted(out)


def _defaults(scenario: Scenario, most: int) -> dict:
    """The first visit's controls: the scenario's own promise, the coarse grid, counts around
    the current design's."""
    targets = scenario.targets.share_targets
    outcome = tradeoffs.current_outcome(scenario)
    around = len(outcome.open_sites) if outcome is not None else 4
    return {"frontier_days": targets[0].within_days if targets else 2,
            "frontier_levels": DEFAULT_LEVELS, "frontier_step": COARSE_STEP,
            "frontier_counts": (max(1, min(around - 1, most - 1)), min(around + 2, most)),
            "frontier_any": True, "frontier_metric": "cost_usd"}


# ---------------------------------------------------------------------------------------------
# Results


def results(scenario: Scenario, days: int, config: tuple) -> None:
    from network.explore import frontier_frame

    points = sweeps.study_points(STUDY, config)
    if not points:
        tradeoffs.nothing_yet(STUDY, config)
        return
    frame = frontier_frame(points, scenario, days)
    left, right = st.columns([2.2, 1.2], vertical_alignment="center")
    left.caption(sweeps.summary(STUDY, points))
    metric = right.segmented_control("Show", list(METRICS), required=True,
                                     label_visibility="collapsed",
                                     default=state.kept_value("frontier_metric", "cost_usd"),
                                     **_keeps("frontier_metric"), format_func=METRICS.get)
    event = _chart(scenario, frame, days, metric)
    st.caption(chart_caption(frame, days, tradeoffs.current_outcome(scenario) is not None))
    outcomes = point_outcomes(points, scenario)
    picked = _picked(event, frame, outcomes)
    if picked is not None:
        sites, level = picked
        outcome, seconds = outcomes[picked]
        from network.explore import with_promise

        point_scenario = with_promise(tradeoffs.with_count_label(scenario, sites), days, level)
        tradeoffs.show_point(point_scenario, outcome, seconds, point_title(sites, level, days),
                             change_text(sites, level, days), "use_frontier")
    st.markdown("**Every point**")
    st.dataframe(frontier_table(frame, days), hide_index=True, width="stretch")


def _chart(scenario: Scenario, frame: pd.DataFrame, days: int, metric: str):
    from ui import explore_charts

    outcome = tradeoffs.current_outcome(scenario)
    current = None
    if outcome is not None:
        current = {"share": outcome.share_within.get(days, 1.0), "y": getattr(outcome, metric),
                   "tip": f"{', '.join(outcome.open_sites)}: {fmt.usd(outcome.cost_usd)}, "
                          f"{fmt.pct(outcome.share_within.get(days, 1.0))} within {days} d"}
    chart = explore_charts.frontier_chart(frame, days, metric, current)
    return st.altair_chart(chart, width="stretch", on_select="rerun", key="frontier_chart")


def chart_caption(frame: pd.DataFrame, days: int, marked: bool) -> str:
    """The knee in words and how to read the chart (`marked`: the current design is on it)."""
    parts = []
    knee = frame[frame["knee"]]
    if not knee.empty:
        k = knee.iloc[0]
        parts.append(f"**The knee:** {fmt.pct(k['target'], 0)} within "
                     f"{fmt.day_count(days)} at {fmt.usd_millions(k['cost_usd'])} a year "
                     f"({str(k['open_sites']).replace(';', ', ')}): past it, each further "
                     "point of promise costs more than before.")
    parts.append("Filled points are proven optimal; hollow ones were stopped by the time "
                 "limit (gap in the table); × marks where a line cannot go further, with the "
                 "best share reachable.")
    parts.append("The red diamond is the current design itself." if marked else
                 "Solve the scenario to mark the current design on the chart.")
    parts.append("Click a point for its network.")
    return " ".join(parts)


def point_outcomes(points, scenario: Scenario) -> dict[tuple[str, float], tuple]:
    """(sites as text, level) -> (Outcome with a design, seconds): each count's point, and
    the envelope's (the cheapest of "any" and the counts at that level)."""
    from network.explore.frontier import envelope_outcome
    from network.explore.reach import site_count_range

    by_key = {(str(p.labels["sites"]), p.labels["target"]): p for p in points}
    out = {k: (p.optimum, p.seconds) for k, p in by_key.items()
           if k[0] != "any" and p.optimum.has_design}
    lo, hi = site_count_range(scenario)
    for (sites, level), p in by_key.items():
        if sites != "any":
            continue
        counts = [q.optimum for (s, t), q in by_key.items()
                  if s != "any" and t == level and lo <= int(s) <= hi]
        best = envelope_outcome(p.optimum, counts)
        if best.has_design:
            out[sites, level] = (best, p.seconds)
    return out


def _picked(event, frame: pd.DataFrame, outcomes: dict) -> tuple[str, float] | None:
    """The point clicked on the chart (it then drives the pick list), or the list's."""
    from ui.explore_charts import PICK

    keys = sorted(outcomes, key=lambda k: (k[0] == "any", int(k[0]) if k[0] != "any" else 0,
                                           k[1]))
    labels = {k: point_label(k[0], k[1], outcomes[k][0]) for k in keys}
    clicked = ((event or {}).get("selection") or {}).get(PICK) or []
    if clicked:
        k = (str(clicked[0].get("sites")), clicked[0].get("target"))
        if k in outcomes and k != st.session_state.get("frontier_clicked"):
            st.session_state["frontier_clicked"] = k
            state.set_kept("frontier_pick", labels[k])
    by_label = {v: k for k, v in labels.items()}
    options = list(by_label)
    kept = state.kept_value("frontier_pick", None)
    choice = st.selectbox("Show the network of (or click a point on the chart)", options,
                          index=options.index(kept) if kept in options else None,
                          placeholder="Pick a point", **_keeps("frontier_pick"))
    return by_label.get(choice)


def point_label(sites: str, level: float, outcome) -> str:
    who = "Any number of sites" if sites == "any" else \
        f"{sites} site{'s' if sites != '1' else ''}"
    return f"{who} at {fmt.pct(level, 0)}: {fmt.usd_millions(outcome.cost_usd)}"


def point_title(sites: str, level: float, days: int) -> str:
    who = "any number of sites" if sites == "any" else \
        f"{sites} site{'s' if sites != '1' else ''}"
    return f"{fmt.pct(level, 0)} within {fmt.day_count(days)}, {who}"


def change_text(sites: str, level: float, days: int) -> str:
    count = "" if sites == "any" else \
        f" and exactly {sites} site{'s' if sites != '1' else ''}"
    return f"asks for {fmt.pct(level, 0)} of orders within {fmt.day_count(days)}{count}"


def frontier_table(frame: pd.DataFrame, days: int) -> pd.DataFrame:
    def money(v, fn=fmt.usd) -> str:
        return "—" if v is None or pd.isna(v) else fn(v)

    return pd.DataFrame({
        "Sites": ["any number" if s == "any" else str(s) for s in frame["sites"]],
        f"Promise (within {days} d)": [fmt.pct(v, 0) for v in frame["target"]],
        "Annual cost": [money(v) for v in frame["cost_usd"]],
        "Per order": [money(v, fmt.usd_cents) for v in frame["cost_per_order_usd"]],
        "Average delivery": [money(v, fmt.days) for v in frame["avg_days"]],
        "Within 1 day": [money(v, fmt.pct) for v in frame["share_within_1d"]],
        "Within 2 days": [money(v, fmt.pct) for v in frame["share_within_2d"]],
        "Within 3 days": [money(v, fmt.pct) for v in frame["share_within_3d"]],
        "Open sites": [str(v).replace(";", ", ") or "—" for v in frame["open_sites"]],
        "Status": [tradeoffs.status_text(s, g, b) for s, g, b in zip(
            frame["status"], frame["gap"], frame["best_share"], strict=True)],
        "Knee": ["knee" if k else "" for k in frame["knee"]]})
