"""Designer (home): the map, placing sites, Solve, and the resulting KPIs."""

import streamlit as st

from ui import fmt, panels, results, state
from ui.entry import ensure_routed

ensure_routed()  # a fresh server's first visit by this page's address: run it in the frame

scenario = state.scenario()
st.title("Network designer")
orders = scenario.demand.annual_orders * (1 + scenario.demand.growth_pct / 100)
opened = state.opened_from()
saved = f" · saved as {fmt.md_text(opened.label)}" if opened else ""
st.caption(f"Scenario: **{fmt.md_text(scenario.name)}**{saved} · {len(scenario.sites)} candidate "
           f"sites · {orders:,.0f} orders a year · demand: {fmt.md_text(scenario.demand.source)}")
panels.show_notices()

selection = panels.map_selection()  # (ZIP3, site id) clicked on the map, if any
panels.toolbar(scenario)

# The map and, beside it, the KPI cards and legend: on one 1280x720 screen
map_column, side = st.columns(panels.MAP_SHARE, gap="small")
with side:
    panels.side_actions(scenario, selection)
    panels.map_controls()
    record = panels.current_record(scenario)
    panels.build_ahead(scenario, record, selection)  # then the solve's elements leave together
    panels.kpi_section(scenario, record)
    panels.map_notes(panels.design_evaluation(record))
with map_column:
    panels.network_map(scenario, record, selection)
    panels.legend_over_map(panels.design_evaluation(record))

panels.meeting_sections(scenario, record)
if record is not None and record.result.status.has_design:
    results.show_results(record)
panels.sites_section(scenario)
panels.export_buttons(scenario, record)
