"""Tradeoffs: the cost of each delivery promise (the frontier), the site counts with the targets
kept, sensitivity, "why not this site?", robustness, and where the sweeps run."""

import streamlit as st

from ui import (
    fmt,
    frontier_view,
    panels,
    robustness_view,
    sensitivity_view,
    sweeps,
    tradeoffs,
    whynot,
)
from ui.entry import ensure_routed
from ui.state import scenario as current_scenario

ensure_routed()  # a fresh server's first visit by this page's address: run it in the frame

tradeoffs.switch_if_used()
scenario = current_scenario()
st.title("Tradeoffs: promise vs. cost")
st.caption(f"Scenario: **{fmt.md_text(scenario.name)}**. "
           f"{tradeoffs.current_design_line(scenario)} Sweeps run in the background: switch tabs "
           "or pages meanwhile.")
panels.show_notices()

names = ["Promise frontier", "Site counts", "Sensitivity", "Why not this site?", "Robustness",
         "Where sweeps run"]
tabs = tradeoffs.kept_tabs("tradeoff_study", names)
views = [frontier_view.show, tradeoffs.site_counts, sensitivity_view.show,
         whynot.every_candidate, robustness_view.show, lambda _: sweeps.settings_panel()]
for tab, view in zip(tabs, views, strict=True):
    if tab.open:
        with tab:
            view(scenario)
st.caption("Costs from the scenario's rate cards (large-shipper prices: USPS commercial, UPS "
           "and FedEx list less an estimated discount) and cost settings (sources in Settings; "
           "many are estimates). Delivery days: processing + carrier transit days by zone.")
