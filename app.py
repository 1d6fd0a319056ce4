"""Entry point of the planner app: `streamlit run app.py`.

The frame that runs before every page and the router over the page scripts in pages/
(Designer is the home page) live in ui/entry.py, so that a page opened by its address on a
fresh server runs inside the same frame (ui.entry.ensure_routed).
"""

from ui.entry import run_app

run_app()
