"""Designer (home): the map, placing sites, Solve, and the resulting KPIs."""

import streamlit as st

from ui import fmt, panels, results, state

scenario = state.scenario()
st.title("Network designer")
orders = scenario.demand.annual_orders * (1 + scenario.demand.growth_pct / 100)
opened = state.opened_from()
saved = f" · saved as {fmt.md_text(opened.label)}" if opened else ""
st.caption(f"Scenario: **{fmt.md_text(scenario.name)}**{saved} · {len(scenario.sites)} candidate "
           f"sites · {orders:,.0f} orders a year · demand: {fmt.md_text(scenario.demand.source)}")
panels.show_notices()

kpi_box = st.container()
selection = panels.map_selection()  # (ZIP3, site id) clicked on the map, if any
panels.toolbar(scenario, selection)

record = panels.current_record(scenario)
panels.network_map(scenario, record, selection)
with kpi_box:
    panels.kpi_section(scenario, record)

panels.meeting_sections(scenario, record)
if record is not None and record.result.status.has_design:
    results.show_results(record)
panels.sites_section(scenario)
panels.export_buttons(scenario, record)
