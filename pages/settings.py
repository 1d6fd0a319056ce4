"""Settings: demand, costs, targets, ports, cross-border and rate cards."""

import streamlit as st

st.title("Settings")
st.info("Coming soon.")
