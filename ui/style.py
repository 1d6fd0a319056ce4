"""A few style rules the theme cannot set, for reading on a projector: less empty space above
the title (the map should fit on one screen with the KPI cards) and darker captions."""

import streamlit as st

CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.6rem; }
h1 { font-size: 2.1rem !important; padding-top: 0 !important; }
[data-testid="stCaption"], [data-testid="stCaptionContainer"],
[data-testid="stCaptionContainer"] p { color: #1f2937 !important; }
[data-testid="stMetricValue"] { font-weight: 600; font-size: 2.0rem; }
/* The Designer's legend, pulled up over the map's lower left corner (ui.panels) */
.map-legend { position: relative; z-index: 2; pointer-events: none; width: fit-content;
  max-width: 40%; margin-top: -7.2rem; margin-left: 0.4rem; padding: 0.3rem 0.5rem;
  font-size: 0.85rem; line-height: 1.5; background: rgba(255, 255, 255, 0.88);
  border: 1px solid #cbd5e1; border-radius: 4px; }
</style>
"""


def apply() -> None:
    st.html(CSS)
