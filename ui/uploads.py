"""CSV uploads that change the scenario (Settings: demand, rate cards; Designer: candidate
sites), and how a rejected input's problems are shown. Each file is checked in the uploader's
callback, so it is handled once; a rejected file leaves the scenario as it was and its problems
(row and field) stay shown under the uploader.

Limits: Streamlit refuses a file over `server.maxUploadSize` (.streamlit/config.toml, equal to
network.input_files.MAX_FILE_BYTES) before it reaches the app; each reader refuses a file with
more rows than its limit (stated under its uploader) before parsing it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from network.errors import InputError, problem_lines
from network.input_files import MAX_FILE_BYTES
from network.scenario import Scenario
from ui import fmt, state

UPLOAD_PROBLEMS = "upload_problems"  # session key: {uploader key: (count, [shown lines])}
MAX_UPLOAD_MB = MAX_FILE_BYTES // 2**20
# Characters Markdown or Streamlit's Markdown give a meaning to (emphasis, links, HTML, LaTeX,
# colour directives): escaped in any text the user wrote, which then shows as written.


def uploader(label: str, key: str, handler: Callable[[Scenario, bytes, str], Scenario],
             what: str, max_rows: int) -> None:
    st.file_uploader(label, type=["csv"], key=key, on_change=_on_upload,
                     args=(key, handler, what), max_upload_size=MAX_UPLOAD_MB)
    st.caption(f"A comma-separated UTF-8 file (Excel: 'CSV UTF-8'), up to {max_rows:,} rows "
               f"below the header and {MAX_UPLOAD_MB} MB. Problems name the row as a "
               "spreadsheet numbers it (the header is row 1).")
    shown = st.session_state.get(UPLOAD_PROBLEMS, {}).get(key)
    if shown:
        count, lines = shown
        st.error(problems_markdown("The uploaded file was not used; the previous data is kept.",
                                   count, lines))


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
            store[key] = (len(err.problems), problem_lines(err.problems))
    st.session_state[UPLOAD_PROBLEMS] = store
    return applied


def show_problems(error: InputError, headline: str) -> None:
    """The problems of a rejected edit, naming row and field (see `rejection_markdown`)."""
    st.error(rejection_markdown(error, headline))


def rejection_markdown(error: InputError, headline: str) -> str:
    """Why an edit was not applied: the first 20 problems and a count of the rest."""
    return problems_markdown(f"{headline} Nothing was changed.", len(error.problems),
                             problem_lines(error.problems))


def problems_markdown(headline: str, count: int, lines: Sequence[str]) -> str:
    """A bold headline, the number of problems, then one bullet per shown line, the user's text
    escaped so that it shows as written."""
    return (f"**{headline}** {count:,} problem{'s' if count != 1 else ''}:\n\n"
            + "\n".join(f"- {fmt.md_text(line)}" for line in lines))

