"""Entry point of the planner app: `streamlit run app.py`.

Runs before every page: sets the page up, initialises the session state once, reads the
session's link on its first run (a share link or a reload's autosaved work: ui.links), collects
the solves finished in the background since the last run (whatever the page), and hands over
to the page scripts in app_pages/ (Designer is the home page).

The folder is not called `pages/`: Streamlit takes a `pages/` folder beside the entry script for
its older multipage scheme until a session first calls st.navigation, so the first visit to a
fresh server at, say, /settings ran that page without this script (a KeyError on the session
state, and a raw list of file names for navigation).
"""

import streamlit as st

from ui import links, solve, style
from ui.state import init_state

st.set_page_config(page_title="Network designer", page_icon="🗺️", layout="wide")
init_state()
style.apply()
links.read_link_once()
links.sync_address_bar()

designer = st.Page("app_pages/designer.py", title="Designer", icon=":material/map:",
                   default=True)
navigation = st.navigation([
    designer,
    st.Page("app_pages/scenarios.py", title="Scenarios", icon=":material/folder_open:"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("app_pages/tradeoffs.py", title="Tradeoffs", icon=":material/insights:"),
    st.Page("app_pages/settings.py", title="Settings", icon=":material/tune:"),
], position="top")  # a bar across the top: at 1280 px a sidebar would take a quarter
# solves finished in the background since the last run, whatever the page (a toast says so
# away from the Designer)
solve.collect(toast=navigation.url_path != designer.url_path)
solve.sidebar_status()
navigation.run()
