"""CSV uploads that change the scenario (Settings: demand, rate cards; Designer: candidate
sites). Each file is checked in the uploader's callback, so it is handled once; a rejected file
leaves the scenario as it was and its problems (row and field) stay shown under the uploader.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from network.errors import InputError
from network.scenario import Scenario
from ui import fmt, state

UPLOAD_PROBLEMS = "upload_problems"  # session key: {uploader key: [problem text]}
SHOWN_PROBLEMS = 50


def uploader(label: str, key: str, handler: Callable[[Scenario, bytes, str], Scenario],
             what: str) -> None:
    st.file_uploader(label, type=["csv"], key=key, on_change=_on_upload,
                     args=(key, handler, what))
    problems = st.session_state.get(UPLOAD_PROBLEMS, {}).get(key)
    if problems:
        st.error(f"**The uploaded file was not used; the previous data is kept.** "
                 f"{len(problems)} problem{'s' if len(problems) > 1 else ''}:\n\n"
                 + "\n".join(f"- {fmt.md_text(p)}" for p in problems[:SHOWN_PROBLEMS]))


def _on_upload(key: str, handler: Callable[[Scenario, bytes, str], Scenario],
               what: str) -> None:
    handle_upload(key, st.session_state.get(key), handler, what)


def handle_upload(key: str, uploaded, handler: Callable[[Scenario, bytes, str], Scenario],
                  what: str) -> bool:
    """Apply an uploaded file to the current scenario; on error keep it and record why."""
    store = dict(st.session_state.get(UPLOAD_PROBLEMS, {}))
    store.pop(key, None)
    applied = False
    if uploaded is not None:
        try:
            new = handler(state.scenario(), uploaded.getvalue(), uploaded.name)
            state.set_scenario(new, f"{what} '{fmt.md_text(uploaded.name)}' applied.")
            applied = True
        except InputError as err:
            store[key] = [str(p) for p in err.problems]
    st.session_state[UPLOAD_PROBLEMS] = store
    return applied
