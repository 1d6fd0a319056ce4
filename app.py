"""Entry point of the planner app: `streamlit run app.py`.

Sets the page up, initialises the session state once, and hands over to the page scripts in
pages/ (Designer is the home page).
"""

import streamlit as st

from ui import style
from ui.state import init_state

st.set_page_config(page_title="Network designer", page_icon="🗺️", layout="wide")
init_state()
style.apply()

navigation = st.navigation([
    st.Page("pages/designer.py", title="Designer", icon=":material/map:", default=True),
    st.Page("pages/tradeoffs.py", title="Tradeoffs", icon=":material/insights:"),
    st.Page("pages/settings.py", title="Settings", icon=":material/tune:"),
])
navigation.run()
