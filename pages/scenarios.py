"""Scenarios: the saved scenarios and their versions; open, save, share, pin a baseline."""

import streamlit as st

from ui import panels, saving, scenarios_view, state
from ui.entry import ensure_routed

ensure_routed()  # a fresh server's first visit by this page's address: run it in the frame

st.title("Scenarios")
st.caption("Every save is a new version; a version never changes. Opening one shows its "
           "inputs and design with their results at once, without solving again.")
panels.show_notices()

picked = scenarios_view.library_section()
if picked is not None:
    scenarios_view.scenario_section(picked)

st.subheader("Save the scenario on the Designer")
scenarios_view.working_section()
saving.save_panel(state.scenario())
