"""A few style rules the theme cannot set, for reading on a projector: less empty space above
the title (the map should fit on one screen with the KPI cards) and darker captions; and no
CSS transitions or animations.

Why no motion: while any transition or animation runs, the browser draws the whole page again
on every frame it can. With a GPU that is cheap; in a browser that draws in software (a
remote desktop or a virtual machine without a GPU, and the headless Chromium of the tests and
benchmarks, SwiftShader) every frame of the whole page is CPU work beside the app's, and
Streamlit's own motion would keep frames coming for most of an edit's rerun: it fades the
elements a rerun has not yet re-sent (opacity over 1 s, after 0.5 s), the expanders' borders
with them, and the running status's spinner turns while the Designer waits for a solve.
Without them the page is drawn only when its content changes (BENCHMARKS.md, App). What the
planner sees: the elements of a rerun longer than 0.5 s dim at once instead of fading
(Streamlit's delay is kept, so a quick rerun still does not flicker), the running status's
spinner stands still (its elapsed time still counts up, ui.solve), and hovers and focus rings
change at once."""

import streamlit as st

# No motion (see the module docstring); stale elements still wait Streamlit's 0.5 s. Also in
# the page `make run` serves (ui.serve), so that it holds from the first paint: the
# placeholders of elements whose code is still loading shimmer until this page's CSS, itself
# such an element, has arrived.
NO_MOTION_CSS = """*, *::before, *::after {
  transition: none !important; animation: none !important; }
[data-stale="true"] { transition: opacity 0s 0.5s !important; }"""

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
""" + NO_MOTION_CSS + "\n</style>\n"


def apply() -> None:
    st.html(CSS)
