"""Tradeoffs: the cheapest network for 1..N sites, cost against the delivery promise."""

import streamlit as st

from ui import charts, data, state, tradeoffs

scenario = state.scenario()
st.title("Tradeoffs: what does one more site buy?")
st.caption("Each point is the cheapest network with exactly that many sites for the current "
           "scenario (delivery targets are not enforced here; they are drawn as dashed lines).")

n = st.slider("Up to how many sites", min_value=2, max_value=15, key="tradeoff_counts")
counts = tuple(range(1, n + 1))
key = data.scenario_key(scenario)
sweep = st.session_state["sweep"]
if st.button(f"Compare 1 to {n} sites", type="primary", key="run_sweep"):
    with st.spinner(f"Solving for 1 to {n} sites…", show_time=True):
        results = data.sweep_for(scenario, key, counts)
    sweep = st.session_state["sweep"] = (key, counts, results)
if sweep is None or sweep[0] != key or sweep[1] != counts:
    st.info("Press the button to solve for each number of sites (the first run takes a while; "
            "results are remembered).")
    st.stop()

frame = tradeoffs.sweep_frame(sweep[2], counts)
left, right = st.columns(2)
left.altair_chart(charts.sweep_cost_chart(frame, tradeoffs.current_site_count(scenario)),
                  width="stretch")
right.altair_chart(charts.sweep_service_chart(frame, scenario), width="stretch")
tradeoffs.sweep_table(frame)

with_design = [k for k, r in zip(counts, sweep[2], strict=True) if r.status.has_design]
k = st.radio("Show the network with", with_design, horizontal=True, key="tradeoff_pick",
             format_func=lambda v: f"{v} site{'s' if v > 1 else ''}")
if k is not None:
    tradeoffs.show_network(scenario, sweep[2][counts.index(k)], k)
