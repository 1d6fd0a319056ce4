"""The Tradeoffs page's shared pieces (the current design, a point's network on the map and
"use this design") and its site-count view: the cheapest network for exactly k sites that
meets the scenario's targets, k = 1..N."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from network.scenario import Scenario
from ui import data, fmt, maps, state, sweeps
from ui.panels import legend

COUNTS_STUDY = "site_counts"
CURRENT_KEY = "current_outcome"  # (scenario key, Outcome of the current design)


# ---------------------------------------------------------------------------------------------
# The current design: the Designer's last solve of this very scenario


def current_record(scenario: Scenario) -> state.SolveRecord | None:
    record = state.last_solve()
    if (record is None or record.scenario_key != data.scenario_key(scenario)
            or not record.result.status.has_design):
        return None
    return record


def current_outcome(scenario: Scenario):
    """The current design's own point (network.explore.design_outcome: its cost and shares,
    checked by evaluate()), or None before a solve of this scenario."""
    record = current_record(scenario)
    if record is None:
        return None
    kept = st.session_state.get(CURRENT_KEY)
    if kept is not None and kept[0] == record.scenario_key:
        return kept[1]
    from network.explore import design_outcome

    outcome = design_outcome(scenario, record.result.design, data.lanes(scenario))
    st.session_state[CURRENT_KEY] = (record.scenario_key, outcome)
    return outcome


def current_design_line(scenario: Scenario) -> str:
    outcome = current_outcome(scenario)
    if outcome is None:
        return ("No current design yet: solve this scenario (here or on the Designer) to mark "
                "it on the charts and to run sensitivity, \"why not this site\" and "
                "robustness.")
    return (f"Current design (the Designer's last solve): {len(outcome.open_sites)} sites "
            f"({fmt.md_text(', '.join(outcome.open_sites))}), {fmt.usd(outcome.cost_usd)} a year, "
            f"{fmt.usd_cents(outcome.cost_per_order_usd)} per order.")


def need_current_design(scenario: Scenario) -> bool:
    """True when there is a current design; else says so, with a Solve button (the solve runs
    in the background; this page updates when it is done)."""
    if current_record(scenario) is not None:
        return True
    from ui import solve

    if solve.solving(scenario):
        st.info("Solving the current scenario… this study starts from its design; the page "
                "updates when the solve is done.")
        return False
    st.info("This study starts from the current design: solve the scenario first.")
    st.button("Solve the current scenario", key="tradeoffs_solve", type="primary",
              on_click=solve.solve, args=(scenario,))
    return False


# ---------------------------------------------------------------------------------------------
# A point of a sweep: its network on the map, and "use this design" in the Designer


def point_result(point_scenario: Scenario, outcome, seconds: float):
    """A sweep point as the optimizer's result for its own scenario (evaluate() of its
    design), so the Designer can show it like one of its solves."""
    from network.evaluate import evaluate
    from network.optimize import OptimizeResult, SolveStatus

    design = sweeps.unpacked(outcome.design)
    evaluation = evaluate(point_scenario, design, data.lanes(point_scenario))
    return OptimizeResult(SolveStatus(outcome.status), design, evaluation,
                          evaluation.kpis.total_cost_usd, outcome.bound_usd, outcome.gap,
                          seconds)


def show_point(point_scenario: Scenario, outcome, seconds: float, title: str,
               change: str, key: str) -> None:
    """A point's network: one line of KPIs, the map (one map on the page: WebGL contexts are
    few) and the button that makes it the Designer's scenario and result."""
    result = point_result(point_scenario, outcome, seconds)
    kp = result.evaluation.kpis
    gap = ("proven optimal" if outcome.status == "optimal" else
           f"stopped at the time limit, within {fmt.pct(outcome.gap or 0.0, 2)} of optimal")
    st.markdown(f"**{title}:** {fmt.md_text(', '.join(outcome.open_sites))} · "
                f"{fmt.usd(kp.total_cost_usd)} a year · {fmt.usd_cents(kp.cost_per_order_usd)} "
                f"per order · {fmt.days(kp.avg_delivery_days)} on average · "
                f"{fmt.pct(kp.share_within_days.get(2, 1.0))} within 2 days · {gap}")
    st.button(f"Use this design in the Designer ({change})", key=key, type="primary",
              on_click=use_design, args=(point_scenario, result, title, change),
              help="Makes this point's scenario the current one, with this design as its "
                   "result, and opens the Designer. Undo there goes back.")
    deck = maps.network_deck(point_scenario, data.lanes(point_scenario), result.evaluation,
                             basemap=state.basemap())
    st.pydeck_chart(deck, height=480, key="tradeoff_map")
    legend(result.evaluation)


def use_design(point_scenario: Scenario, result, title: str, change: str) -> None:
    key = data.scenario_key(point_scenario)
    state.set_scenario(point_scenario, f"Using the design of the Tradeoffs point *{title}*: "
                       f"the scenario now {change} (Settings → Service targets and site "
                       "limits; Undo goes back).")
    state.record_solve(state.SolveRecord(result, point_scenario, key, result.solve_seconds))
    st.session_state["use_design_page"] = True


def switch_if_used() -> None:
    """After "use this design" (a button callback cannot switch pages): open the Designer."""
    if st.session_state.pop("use_design_page", False):
        st.switch_page("pages/designer.py")


# ---------------------------------------------------------------------------------------------
# Site counts, targets kept


def site_counts(scenario: Scenario) -> None:
    st.caption("The cheapest network with **exactly** each number of sites that **meets the "
               f"scenario's targets** ({_targets_text(scenario)}) and every other constraint. "
               "A count that cannot meet them is marked, with the best share it can reach.")
    n = st.slider("Up to how many sites", min_value=2, max_value=15, **kept_input(
        "tradeoff_counts", 8, "value"))
    counts = tuple(range(1, min(n, len(scenario.sites)) + 1))
    config = (data.scenario_key(scenario), sweeps.params_key())
    if st.button(f"Compare 1 to {counts[-1]} sites ({len(counts)} points)", type="primary",
                 key="run_sweep"):
        from network.explore import site_count_tasks

        sweeps.start(COUNTS_STUDY, site_count_tasks(scenario, counts), config,
                     {"title": "site-count sweep"})
        st.rerun()
    sweeps.live(COUNTS_STUDY, lambda: _site_count_results(scenario, config))


def _targets_text(scenario: Scenario) -> str:
    texts = [f"{t.share_pct:g}% within {fmt.day_count(t.within_days)}"
             for t in scenario.targets.share_targets]
    if scenario.targets.max_days_any_zip3:
        texts.append(f"no ZIP3 over {fmt.day_count(scenario.targets.max_days_any_zip3)}")
    return ", ".join(texts) or "none set"


def _site_count_results(scenario: Scenario, config: tuple) -> None:
    from network.explore import site_count_frame, with_site_count
    from ui import explore_charts

    points = sweeps.study_points(COUNTS_STUDY, config)
    if not points:
        nothing_yet(COUNTS_STUDY, config)
        return
    frame = site_count_frame(points, scenario)
    outcome = current_outcome(scenario)
    current = None if outcome is None else {"sites": len(outcome.open_sites),
                                            "cost_usd": outcome.cost_usd}
    left, right = st.columns(2)
    event = left.altair_chart(explore_charts.site_count_cost_chart(frame, current),
                              width="stretch", on_select="rerun", key="tradeoff_chart")
    right.altair_chart(explore_charts.site_count_service_chart(frame, scenario),
                       width="stretch")
    st.caption(f"{sweeps.summary(COUNTS_STUDY, points)} The red diamond is the current design "
               "itself (its own cost and site count), not the cheapest network with as many "
               "sites.")
    st.dataframe(site_count_table(frame), hide_index=True, width="stretch")
    by_count = {p.labels["sites"]: p for p in points if p.optimum.has_design}
    picked = _picked_count(event, sorted(by_count))
    if picked is not None:
        point = by_count[picked]
        show_point(with_site_count(scenario, picked), point.optimum, point.seconds,
                   f"{picked} site{'s' if picked > 1 else ''}",
                   f"asks for exactly {picked} site{'s' if picked > 1 else ''}", "use_count")


def _picked_count(event, counts: list[int]) -> int | None:
    """The count clicked on the chart (it then drives the radio below), or the radio's."""
    from ui.explore_charts import PICK

    picked = ((event or {}).get("selection") or {}).get(PICK) or []
    k = picked[0].get("sites") if picked else None
    if k is not None and k != st.session_state.get("tradeoff_clicked"):
        st.session_state["tradeoff_clicked"] = k
        if int(k) in counts:
            state.set_kept("tradeoff_pick", int(k))
    if not counts:
        return None
    kept = state.kept_value("tradeoff_pick", None)
    return st.radio("Show the network with (or click a point on the cost chart)", counts,
                    horizontal=True, index=counts.index(kept) if kept in counts else None,
                    format_func=lambda v: f"{v} site{'s' if v > 1 else ''}",
                    **kept_input("tradeoff_pick"))


def kept_tabs(key: str, names: list[str]) -> list:
    """st.tabs whose open tab is kept across page switches (state.kept_value), through Session
    State rather than the tabs' `default`: a tabs widget's identity includes its `default`
    (Streamlit 1.67, unlike the other widgets' here, which a key identifies), so with the kept
    tab as `default` every switch made a new widget, and a click on a tab arriving while the
    page ran again (a sweep ending) could be lost: in CI the page stayed on the tab it had
    left, and the test waited 300 s for the frontier it had asked for."""
    if key not in st.session_state:
        st.session_state[key] = state.kept_value(key, names[0])
    return st.tabs(names, **kept_input(key))


def kept_input(key: str, default=None, value_arg: str | None = None) -> dict:
    """A Tradeoffs input's widget arguments: its key, and its kept value (state.kept_value)
    as `value_arg` when given."""
    args = {"key": key, "on_change": state.keep_input, "args": (key,)}
    if value_arg is not None:
        args[value_arg] = state.kept_value(key, default)
    return args


def status_text(status: str, gap, best_share, explanation: str = "") -> str:
    """A point's status in words: proven optimal, stopped at the time limit (gap), cannot be
    met (the best share reachable), rejected by the independent check."""
    if status == "optimal":
        return "proven optimal"
    if status == "feasible":
        return f"time limit: within {fmt.pct(gap or 0.0, 2)} of optimal"
    if status == "infeasible":
        best = "" if best_share is None or pd.isna(best_share) else \
            f": at most {fmt.pct(best_share, 1)} reachable"
        return f"cannot be met{best}"
    if status == "no_solution":
        return "no design within the time limit"
    if status == "rejected":
        return f"rejected by the independent check: {explanation}"
    return f"{status}: {explanation}".rstrip(": ")


def site_count_table(frame: pd.DataFrame) -> pd.DataFrame:
    def money(v, fn=fmt.usd) -> str:
        return "—" if v is None or pd.isna(v) else fn(v)

    return pd.DataFrame({
        "Sites": frame["sites"],
        "Annual cost": [money(v) for v in frame["cost_usd"]],
        "Change vs one fewer site": [money(v, fmt.signed_usd)
                                     for v in frame["cost_usd"].diff()],
        "Per order": [money(v, fmt.usd_cents) for v in frame["cost_per_order_usd"]],
        "Average delivery": [money(v, fmt.days) for v in frame["avg_days"]],
        "Within 1 day": [money(v, fmt.pct) for v in frame["share_within_1d"]],
        "Within 2 days": [money(v, fmt.pct) for v in frame["share_within_2d"]],
        "Open sites": [str(v).replace(";", ", ") or "—" for v in frame["open_sites"]],
        "Status": [status_text(s, g, b, e) for s, g, b, e in zip(
            frame["status"], frame["gap"], frame["best_share"], frame["explanation"],
            strict=True)]})


def nothing_yet(study: str, config: tuple) -> None:
    others = sweeps.other_points(study, config)
    note = (f" (the {others} points of the last run were for an earlier scenario or other "
            "solver settings)" if others else "")
    if sweeps.job(study) is None or not sweeps.job(study).running:
        st.info(f"Press the button above to run it{note}.")


def with_count_label(scenario: Scenario, sites) -> Scenario:
    """A frontier or count point's scenario: exactly `sites` open, or as the scenario allows
    ("any")."""
    from network.explore import with_site_count

    return scenario if sites == "any" else with_site_count(scenario, int(sites))

