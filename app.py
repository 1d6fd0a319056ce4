"""Entry point of the planner app: `streamlit run app.py`.

Runs before every page: sets the page up, initialises the session state once, reads the
session's link on its first run (a share link or a reload's autosaved work: ui.links), collects
the solves finished in the background since the last run (whatever the page), and hands over
to the page scripts in pages/ (Designer is the home page).
"""

import streamlit as st

from ui import links, solve, style
from ui.state import init_state

st.set_page_config(page_title="Network designer", page_icon="🗺️", layout="wide")
init_state()
style.apply()
links.read_link_once()
links.sync_address_bar()

designer = st.Page("pages/designer.py", title="Designer", icon=":material/map:", default=True)
navigation = st.navigation([
    designer,
    st.Page("pages/scenarios.py", title="Scenarios", icon=":material/folder_open:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/tradeoffs.py", title="Tradeoffs", icon=":material/insights:"),
    st.Page("pages/settings.py", title="Settings", icon=":material/tune:"),
], position="top")  # a bar across the top: at 1280 px a sidebar would take a quarter
# solves finished in the background since the last run, whatever the page (a toast says so
# away from the Designer)
solve.collect(toast=navigation.url_path != designer.url_path)
solve.sidebar_status()
navigation.run()
