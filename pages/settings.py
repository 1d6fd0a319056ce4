"""Settings: demand, orders and costs, targets, ports, customs, cross-border and rate cards."""

import streamlit as st

from ui import fmt, panels, settings_tabs, settings_view, state
from ui.entry import ensure_routed

ensure_routed()  # a fresh server's first visit by this page's address: run it in the frame

scenario = state.scenario()
st.title("Settings")
st.caption(f"Scenario: **{fmt.md_text(scenario.name)}**. Each section applies when you press "
           "its button; changes that fail a check are not applied, and the problems are listed.")
panels.show_notices()

tabs = st.tabs(settings_tabs.TABS, default=settings_tabs.requested_tab())
with tabs[0]:
    settings_view.demand_section(scenario)
with tabs[1]:
    settings_view.orders_section(scenario)
    settings_view.inventory_section(scenario)
with tabs[2]:
    settings_view.targets_section(scenario)
with tabs[3]:
    settings_view.inbound_section(scenario)
with tabs[4]:
    settings_view.customs_section(scenario)
with tabs[5]:
    settings_view.cross_border_section(scenario)
with tabs[6]:
    settings_view.rate_cards_section(scenario)
with tabs[7]:
    settings_view.sources_section(scenario)
