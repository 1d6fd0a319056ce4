"""Designer (home): the map, placing sites, Solve, and the resulting KPIs."""

import streamlit as st

from ui import fmt, panels, results, solve, state
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

# The map and, beside it, the KPI cards and legend: on one 1280x720 screen. What does not
# depend on the solve (the map's controls, the basemap toggle, the closed sections below the
# map) is sent before the wait for the solve asked for by this run (solve.status_area), so
# that the browser renders it while the solve runs; what shows the solve goes into places
# kept for it (empty containers) once the wait is over.
# When this run will most likely show a design (`panels.design_expected`), the KPI cards'
# rows and the results' tabs are drawn before the wait too, and redrawn if it shows none.
expected = panels.design_expected(scenario)
map_column, side = st.columns(panels.MAP_SHARE, gap="small")
with side:
    panels.side_actions(scenario, selection)
    status_place = st.container()  # the solve's status, "why not this site?"
    panels.map_controls()
    kpi_place = st.empty()  # the KPI cards (or what stands for them), what the map shows
    cards = None
    if expected:
        with kpi_place.container():
            cards = results.kpi_places()
    panels.basemap_toggle()
meeting = panels.meeting_sections()
results_place = st.empty()
tabs = None
if expected:
    with results_place.container():
        tabs = results.results_tabs()
panels.sites_section(scenario)
export = panels.export_box()

with status_place:
    solve.status_area()  # waits a little for the solve this run asked for
    record = panels.current_record(scenario)
    panels.build_ahead(scenario, record, selection)  # then the solve's elements leave together
    panels.why_not(scenario, selection[1])
shows_design = record is not None and record.result.status.has_design
if cards is not None and shows_design:
    panels.kpi_section(scenario, record, cards)
    with cards.below:
        panels.map_caption(panels.design_evaluation(record))
else:
    with kpi_place.container():
        panels.kpi_section(scenario, record)
        panels.map_caption(panels.design_evaluation(record))
with map_column:
    panels.network_map(scenario, record, selection)
    panels.legend_over_map(panels.design_evaluation(record))
panels.fill_meeting_sections(meeting, scenario, record)
if shows_design:
    if tabs is None:
        with results_place.container():
            results.show_results(record)
    else:
        results.show_results(record, tabs)
elif tabs is not None:
    results_place.empty()
panels.fill_export_box(export, scenario, record)
