"""Tradeoffs: cost against delivery promise for 1..N sites."""

import streamlit as st

st.title("Tradeoffs")
st.info("Coming soon.")
