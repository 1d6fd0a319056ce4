"""Tradeoffs: the cheapest network for 1..N sites, cost against the delivery promise."""

import streamlit as st

from ui import charts, state, tradeoffs

scenario = state.scenario()
st.title("Tradeoffs: what does one more site buy?")
st.caption("Each point is the cheapest network with exactly that many sites for the current "
           "scenario (delivery targets are not enforced here; they are drawn as dashed lines).")

sweep = tradeoffs.sweep_controls(scenario)
if sweep is None:
    st.info("Press the button to solve for each number of sites (the first run takes a while; "
            "results are remembered).")
    st.stop()
counts, results = sweep

frame = tradeoffs.sweep_frame(results, counts)
left, right = st.columns(2)
clicked = left.altair_chart(
    charts.sweep_cost_chart(frame, tradeoffs.current_site_count(scenario)), width="stretch",
    on_select="rerun", key="sweep_chart")
right.altair_chart(charts.sweep_service_chart(frame, scenario), width="stretch")
tradeoffs.sweep_table(frame)
st.caption("Costs from the scenario's rate cards (large-shipper prices: USPS commercial, UPS "
           "and FedEx list less an estimated discount) and cost settings (sources in Settings; "
           "many are estimates). Delivery days: processing + carrier transit days by zone.")

with_design = [k for k, r in zip(counts, results, strict=True) if r.status.has_design]
if tradeoffs.count_clicked(clicked) in with_design:  # a click on the chart picks the count
    st.session_state["tradeoff_pick"] = st.session_state["tradeoff_clicked"]
k = st.radio("Show the network with (or click a point on the cost chart)", with_design,
             horizontal=True, key="tradeoff_pick",
             format_func=lambda v: f"{v} site{'s' if v > 1 else ''}")
if k is not None:
    tradeoffs.show_network(scenario, results[counts.index(k)], k)
