"""The Tradeoffs page's robustness: demand drawn N times (state-level noise with a chosen
spread, national growth uncertainty; seeded), the optimal network of each draw, how often
each site is chosen (a map), the spread of the optimum's cost, and the current design's cost
across the draws with its regret (network.explore.robustness)."""

from __future__ import annotations

import streamlit as st

from network.scenario import Scenario
from ui import data, fmt, maps, state, sweeps, tradeoffs

STUDY = "robustness"
DEFAULTS = {"robustness_draws": 20, "robustness_spread": 10.0, "robustness_growth": 5.0,
            "robustness_seed": 0}


def show(scenario: Scenario) -> None:
    st.caption("Each draw moves every state's orders by a random factor (lognormal, mean one, "
               "with the spread below) and national growth by a random number of points; "
               "the same seed gives the same draws. Per draw: the cheapest network, and the "
               "current design with its sites kept (each ZIP3 re-assigned to its cheapest "
               "lane meeting the targets). Regret = the current design's cost − the draw's "
               "optimum.")
    if not tradeoffs.need_current_design(scenario):
        return
    noise = controls()
    current = tradeoffs.current_record(scenario).result.open_site_ids
    config = (data.scenario_key(scenario), current, noise.state_spread, noise.growth_sd_pct,
              noise.seed, sweeps.params_key())
    if st.button(f"Run {noise.draws} draws ({2 * noise.draws} solves)", type="primary",
                 key="run_robustness"):
        from network.explore import robustness_tasks

        sweeps.start(STUDY, robustness_tasks(scenario, current, noise), config,
                     {"title": "robustness draws", "keep_design": False})
        st.rerun()
    st.caption("More draws with the same spread, growth and seed keep the draws already "
               "solved (draw k is the same draw whatever their number).")
    sweeps.live(STUDY, lambda: results(scenario, current, config, noise.draws))


def controls():
    from network.explore import DemandNoise

    def kept(key: str) -> dict:
        return tradeoffs.kept_input(key, DEFAULTS[key], "value")

    cols = st.columns(4)
    draws = cols[0].number_input("Draws", min_value=1, max_value=500, step=10,
                                 **kept("robustness_draws"))
    spread = cols[1].number_input("State spread (%)", min_value=0.0, max_value=100.0,
                                  step=1.0, **kept("robustness_spread"),
                                  help="Standard deviation of each state's log multiplier: "
                                       "10% moves a state by about ±10%")
    growth = cols[2].number_input("Growth uncertainty (points)", min_value=0.0,
                                  max_value=50.0, step=1.0, **kept("robustness_growth"),
                                  help="Standard deviation of national growth, in "
                                       "percentage points")
    seed = cols[3].number_input("Seed", min_value=0, max_value=2**31 - 1, step=1,
                                **kept("robustness_seed"))
    return DemandNoise(int(draws), float(spread) / 100, float(growth), int(seed))


def results(scenario: Scenario, current: tuple[str, ...], config: tuple, draws: int) -> None:
    from network.explore import robustness_frame, site_frequency_frame, summarize
    from ui import explore_charts

    points = [p for p in sweeps.study_points(STUDY, config) if p.labels["draw"] <= draws]
    if not points:
        tradeoffs.nothing_yet(STUDY, config)
        return
    frame = robustness_frame(points)
    summary = summarize(frame)
    _summary_cards(summary)
    left, right = st.columns(2)
    left.altair_chart(explore_charts.cost_spread_chart(frame), width="stretch")
    right.altair_chart(explore_charts.regret_chart(frame, summary.regret_p50_usd,
                                                   summary.regret_p90_usd), width="stretch")
    st.caption(sweeps.summary(STUDY, points))
    frequency = site_frequency_frame(points, scenario, current)
    st.markdown("**How often each site is in a draw's optimal network**")
    st.pydeck_chart(maps.frequency_deck(scenario, frequency, basemap=state.basemap()),
                    height=470, key="robustness_map")
    st.caption("Circle size and darkness: the share of draws whose optimal network opens the "
               "site; red ring: a site of the current design; white: never chosen. Hover for "
               "the numbers.")
    st.dataframe(frequency_table(frequency), hide_index=True, width="stretch")


def _summary_cards(s) -> None:
    def usd(v) -> str:
        return "—" if v is None else fmt.usd_millions(v)

    cols = st.columns(4)
    cols[0].metric("Optimum, P50", usd(s.cost_p50_usd), border=True,
                   help="Median over the draws of each draw's cheapest network")
    cols[1].metric("Current design, P50", usd(s.current_p50_usd), border=True,
                   help="Median over the draws of the current design's cost, its sites kept")
    cols[2].metric("Regret, P50", usd(s.regret_p50_usd), border=True,
                   help="How much more the current design costs than each draw's own optimum")
    cols[3].metric("Regret, P90", usd(s.regret_p90_usd), border=True)
    st.caption(f"Optimum's cost P10–P90: {usd(s.cost_p10_usd)}–{usd(s.cost_p90_usd)} "
               f"({s.draws_with_optimum} of {s.draws} draws with an optimum); current "
               f"design's P90: {usd(s.current_p90_usd)}; draws where the current sites cannot "
               f"meet the targets: {s.current_infeasible_draws} of {s.draws}. A regret "
               "smaller than the solvers' gap (see *Where sweeps run*) is within their "
               "tolerance.")


def frequency_table(frequency):
    shown = frequency[frequency["draws_open"] > 0]
    return shown.assign(
        Share=[fmt.pct(v, 0) for v in shown["share_of_draws"]],
        Current=["yes" if v else "" for v in shown["in_current_design"]])[
        ["site_id", "name", "draws_open", "Share", "Current"]].rename(columns={
            "site_id": "Site", "name": "Name", "draws_open": "Draws open",
            "Current": "In current design"})
