"""The app's links: a share link opens a saved version for anyone on the same server; the
address bar carries the session's own working copy, so a reload (or a dropped connection)
comes back to where the meeting was.

    ?scenario=12&version=3          share link: that saved version, as saved
    ?work=KEY&scenario=12&version=3 the address bar: this session's autosaved working copy
                                    (ui.library), opened from or saved as version 3 of 12

A session reads its link once, on its first run. `work` wins when its copy is still in the
store; otherwise the saved version opens. The address bar is set again on every run, because
Streamlit clears the query parameters when the page changes. A plain first page (no link)
touches neither the store nor the optimizer.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st

from ui import state

WORK, SCENARIO, VERSION = "work", "scenario", "version"
FALLBACK_BASE = "http://localhost:8501/"


def read_link_once() -> None:
    """On a session's first run: restore its working copy, or open the linked version."""
    if st.session_state["link_read"]:
        return
    st.session_state["link_read"] = True
    params = st.query_params.to_dict()
    if not params.keys() & {WORK, SCENARIO}:
        return
    from ui import opening  # here: the store and the optimizer's types load only for a link

    if params.get(WORK) and opening.restore_working_copy(params[WORK]):
        return
    scenario_id, version = _int(params.get(SCENARIO)), _int(params.get(VERSION))
    if scenario_id is not None:
        opening.open_saved(scenario_id, version, from_link=True)
    elif params.get(WORK):
        state.notify("warning", "This link's autosaved work is no longer in the scenario "
                     "store (autosaves unused for 30 days are removed, or the store was "
                     "changed): the app starts afresh.")


def sync_address_bar() -> None:
    """Make the address bar carry this session's working copy and opened version."""
    wanted = {}
    if st.session_state.get("session_key"):
        wanted[WORK] = st.session_state["session_key"]
    opened = state.opened_from()
    if opened is not None:
        wanted |= {SCENARIO: str(opened.scenario_id), VERSION: str(opened.version)}
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def share_url(scenario_id: int, version: int) -> str:
    """The link that opens this saved version on this server (the Designer, as saved)."""
    return f"{app_base_url()}?{urlencode({SCENARIO: scenario_id, VERSION: version})}"


def app_base_url() -> str:
    """The app's root as this browser reached it (scheme, host, port, base path)."""
    url = getattr(st.context, "url", None)
    if not url:
        return FALLBACK_BASE
    parts = urlsplit(url)
    base_path = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}/{base_path + '/' if base_path else ''}"


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
