"""A few style rules the theme cannot set, for reading on a projector: less empty space above
the title (the map should fit on one screen with the KPI cards) and darker captions."""

import streamlit as st

CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
[data-testid="stCaption"], [data-testid="stCaptionContainer"],
[data-testid="stCaptionContainer"] p { color: #1f2937 !important; }
[data-testid="stMetricValue"] { font-weight: 600; font-size: 2.0rem; }
</style>
"""


def apply() -> None:
    st.html(CSS)
