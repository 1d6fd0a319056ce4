"""The Settings page's tabs, and opening one of them from another page (the Designer's advice
when no network meets the targets lands on the tab it names, not on the first one)."""

from __future__ import annotations

import streamlit as st

SETTINGS_PAGE = "pages/settings.py"
TARGETS_TAB = "Service targets and site limits"
ORDERS_TAB = "Orders and costs"
CROSS_BORDER_TAB = "Cross-border direct"
TABS = ("Demand", ORDERS_TAB, TARGETS_TAB, "Ports and inbound", "Customs",
        CROSS_BORDER_TAB, "Rate cards", "Sources")
REQUEST_KEY = "settings_tab_request"  # the tab to show on the next visit to Settings


def open_tab(tab: str) -> None:
    """Go to Settings, on `tab` (a label of TABS)."""
    st.session_state[REQUEST_KEY] = tab
    st.switch_page(SETTINGS_PAGE)


def requested_tab() -> str | None:
    """The tab another page asked Settings to show (once), else None (the first tab)."""
    tab = st.session_state.pop(REQUEST_KEY, None)
    return tab if tab in TABS else None
