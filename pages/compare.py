"""Compare: 2 to 4 saved scenario versions side by side, against the baseline."""

import streamlit as st

from ui import compare_view, panels
from ui.entry import ensure_routed

ensure_routed()  # a fresh server's first visit by this page's address: run it in the frame

st.title("Compare saved scenarios")
st.caption("Each version as saved: its design evaluated under its own inputs (not solved "
           "again).")
panels.show_notices()

picked = compare_view.picker()
if len(picked) < 2:
    if picked:
        st.info("Pick at least one more saved scenario.")
    st.stop()
items = compare_view.load(picked)

st.subheader("Key figures")
st.dataframe(compare_view.kpi_table(items), hide_index=True, width="stretch")
st.caption(compare_view.baseline_caption(items))
compare_view.show_charts(items)
st.subheader("Maps")
compare_view.show_maps(items)
st.subheader("What changed")
compare_view.show_changes(items)
