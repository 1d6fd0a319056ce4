"""The Tradeoffs page's sensitivity: each key input moved down and up by its step (defaults
shown and editable), the network re-optimized, the current design costed at the moved input
with its sites kept, and a tornado ranking the inputs by effect (network.explore.sensitivity).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from network.scenario import Scenario
from ui import data, fmt, sweeps, tradeoffs

STUDY = "sensitivity"
STEPS_KEY = "sensitivity_step_values"  # {input name: step %}, kept across page switches
EDITOR_KEY = "sensitivity_steps"


def show(scenario: Scenario) -> None:
    st.caption("Each input moved down and up by its step, everything else kept: the cheapest "
               "network is found again (its cost change, and whether its sites change), and "
               "the current design is costed at the moved input with its sites kept (each "
               "ZIP3 re-assigned to its cheapest lane that still meets the targets). Edit a "
               "step in the table (percent).")
    if not tradeoffs.need_current_design(scenario):
        return
    steps = step_editor()
    if steps is None:
        return
    current = tradeoffs.current_record(scenario).result.open_site_ids
    config = (data.scenario_key(scenario), current, tuple(sorted(steps.items())),
              sweeps.params_key())
    n = 1 + 2 * len(steps)
    if st.button(f"Run sensitivity ({n} points)", type="primary", key="run_sensitivity"):
        from network.explore import sensitivity_tasks

        sweeps.start(STUDY, sensitivity_tasks(scenario, current, steps), config,
                     {"title": "sensitivity", "keep_design": False})
        st.rerun()
    sweeps.live(STUDY, lambda: results(config))


def step_editor() -> dict[str, float] | None:
    """The inputs with their steps (percent); None (with the problem shown) for a step out
    of range."""
    from network.explore import PERTURBATIONS

    kept = st.session_state.setdefault(
        STEPS_KEY, {p.name: 100 * p.default_step for p in PERTURBATIONS})
    table = pd.DataFrame([{"input": p.name, "Input": p.label, "Step (%)": kept[p.name]}
                          for p in PERTURBATIONS])
    edited = st.data_editor(table, key=EDITOR_KEY, hide_index=True, width="stretch",
                            disabled=["input", "Input"], column_order=["Input", "Step (%)"],
                            column_config={"Step (%)": st.column_config.NumberColumn(
                                min_value=1.0, max_value=90.0, step=1.0, format="%.0f%%")})
    bad = [f"row {i + 1} ({r['Input']}): the step must be a number from 1 to 90%"
           for i, r in edited.iterrows()
           if pd.isna(r["Step (%)"]) or not 1 <= r["Step (%)"] <= 90]
    if bad:
        st.error("**The steps have problems.** Nothing was run.\n\n"
                 + "\n".join(f"- {b}" for b in bad))
        return None
    st.session_state[STEPS_KEY] = dict(zip(edited["input"], edited["Step (%)"], strict=True))
    return {name: float(pct) / 100 for name, pct in zip(edited["input"], edited["Step (%)"],
                                                        strict=True)}


def results(config: tuple) -> None:
    from network.explore import sensitivity_frame, tornado_frame
    from ui import explore_charts

    points = sweeps.study_points(STUDY, config)
    if not points:
        tradeoffs.nothing_yet(STUDY, config)
        return
    frame = sensitivity_frame(points)
    tornado = tornado_frame(frame)
    if not tornado.empty:
        st.altair_chart(explore_charts.tornado_chart(tornado), width="stretch")
    st.caption(f"{sweeps.summary(STUDY, points)} Bars: the re-optimized network's annual "
               "cost change when the input moves down (blue) and up (orange), against the "
               "scenario as it is; the largest swing on top.")
    st.dataframe(sensitivity_table(frame), hide_index=True, width="stretch")


def sensitivity_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per input: the two moves side by side."""
    moved = frame[frame["input"] != "base"]
    rows = []
    for _, group in moved.groupby("input", sort=False):
        side = {r["direction"]: r for _, r in group.iterrows()}
        row = {"Input": group["label"].iloc[0], "Step": fmt.pct(group["step"].iloc[0], 0)}
        for direction in ("down", "up"):
            r = side.get(direction)
            row[f"Re-optimized, {direction}"] = _change(r, "delta_usd")
            row[f"Sites change, {direction}"] = _changed(r)
            row[f"Current design, {direction}"] = _change(r, "current_design_delta_usd")
        rows.append(row)
    return pd.DataFrame(rows)


def _change(row, column: str) -> str:
    if row is None or row[column] is None or pd.isna(row[column]):
        return "—" if row is None else tradeoffs.status_text(row["status"], None, None)
    return fmt.signed_usd(row[column])


def _changed(row) -> str:
    if row is None or row["design_changed"] is None or pd.isna(row["design_changed"]):
        return "—"
    return (f"yes: {str(row['open_sites']).replace(';', ', ')}" if row["design_changed"]
            else "no")
