"""The app's frame: what runs before every page, and the page router (st.navigation).

`run_app()` is the whole of `app.py`. Every page script in `pages/` starts with
`ensure_routed()`: Streamlit takes a `pages/` folder beside the entry script for its older
multipage scheme until some session first calls st.navigation, so the very first visit to a
fresh server at, say, /settings runs pages/settings.py alone, without this frame (no session
state, a raw list of file names for navigation). The guard then runs the frame itself, which
calls st.navigation (switching the server to it for good) and runs the requested page inside
it; the page's own direct run stops there.
"""

from __future__ import annotations

import threading

import streamlit as st

from ui import access, links, solve, style
from ui.state import init_state, new_run

_ROUTED = threading.local()  # set while the frame runs a page (one script thread per session)


def run_app() -> None:
    """Set the page up, ask for a login when the server configures one (ui.access: nothing
    else shows until then), initialise the session state once, read the session's link on its
    first run (a share link or a reload's autosaved work: ui.links), collect the solves finished
    in the background since the last run (whatever the page), and run the selected page."""
    st.set_page_config(page_title="Network designer", page_icon="🗺️", layout="wide")
    access.require_login()
    init_state()
    new_run()
    style.apply()
    links.read_link_once()
    links.sync_address_bar()
    designer = st.Page("pages/designer.py", title="Designer", icon=":material/map:",
                       default=True)
    navigation = st.navigation([
        designer,
        st.Page("pages/scenarios.py", title="Scenarios", icon=":material/folder_open:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
        st.Page("pages/tradeoffs.py", title="Tradeoffs", icon=":material/insights:"),
        st.Page("pages/settings.py", title="Settings", icon=":material/tune:"),
    ], position="top")  # a bar across the top: at 1280 px a sidebar would take a quarter
    # solves finished in the background since the last run, whatever the page (a toast says
    # so away from the Designer)
    solve.collect(toast=navigation.url_path != designer.url_path)
    solve.running_status()  # a line above the page while work runs
    _ROUTED.active = True
    try:
        navigation.run()
    finally:
        _ROUTED.active = False


def ensure_routed() -> None:
    """Called first by every page script: when the page runs without the frame (a fresh
    server's first visit by the page's address), run the frame instead and stop."""
    if getattr(_ROUTED, "active", False):
        return
    run_app()
    st.stop()
