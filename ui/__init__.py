"""Shared code of the Streamlit app: session state, cached data, map layers, formatting.

The pages in `pages/` stay thin and call into this package; `network/` does the work and never
imports streamlit.
"""
