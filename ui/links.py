"""The app's links: a share link opens a saved version for anyone on the same server; the
address bar carries the session's own working copy, so a reload (or a dropped connection)
comes back to where the meeting was.

    ?scenario=12&version=3          share link: that saved version, as saved
    ?work=KEY&scenario=12&version=3 the address bar: this session's autosaved working copy
                                    (ui.library), opened from or saved as version 3 of 12

A session reads its link once, on its first run (`parsed_link`: a link is user input, typed
or pasted; a number that is not a saved scenario's is said so and ignored, never passed on to
the store). `work` wins when its copy is still in the
store; otherwise the saved version opens. The address bar is set again on every run, because
Streamlit clears the query parameters when the page changes. A plain first page (no link)
touches neither the store nor the optimizer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import streamlit as st

from network.errors import shown_value
from ui import state
from ui.fmt import md_text

WORK, SCENARIO, VERSION = "work", "scenario", "version"
FALLBACK_BASE = "http://localhost:8501/"
NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits, within the store's 64-bit integers
MAX_KEY_CHARS = 64  # the store's longest session key; a longer one is no session's


@dataclass(frozen=True)
class Link:
    """What a link asks for: a working copy, a saved version (the latest when `version` is
    None), and the sentences saying which of its parameters were not usable."""

    work: str | None = None
    scenario_id: int | None = None
    version: int | None = None
    problems: tuple[str, ...] = ()


def parsed_link(params: Mapping[str, str]) -> Link:
    """The link's parameters, each checked: ids are saved scenarios' numbers (1 or more, in
    ASCII digits), a session key at most 64 characters; anything else is a problem."""
    problems: list[str] = []
    scenario_id = _number(params, SCENARIO, "scenario", problems)
    version = _number(params, VERSION, "version", problems)
    if version is not None and scenario_id is None:
        problems.append("The link gives a version but no scenario: it is ignored.")
        version = None
    work = params.get(WORK) or None
    if work is not None and len(work) > MAX_KEY_CHARS:
        problems.append("The link's autosave key is not one this app writes: it is ignored.")
        work = None
    return Link(work, scenario_id, version, tuple(problems))


def _number(params: Mapping[str, str], key: str, what: str, problems: list[str]) -> int | None:
    text = params.get(key)
    if text is None:
        return None
    if NUMBER.fullmatch(text) and int(text) >= 1:
        return int(text)
    problems.append(f"The link's {what} '{md_text(shown_value(text, 40))}' is not a saved "
                    f"{what}'s number: it is ignored.")
    return None


def read_link_once() -> None:
    """On a session's first run: restore its working copy, or open the linked version."""
    if st.session_state["link_read"]:
        return
    st.session_state["link_read"] = True
    link = parsed_link(st.query_params.to_dict())
    for problem in link.problems:
        state.notify("warning", problem)
    if link.work is None and link.scenario_id is None:
        return
    from ui import opening  # here: the store and the optimizer's types load only for a link

    if link.work is not None and opening.restore_working_copy(link.work):
        return
    if link.scenario_id is not None:
        opening.open_saved(link.scenario_id, link.version, from_link=True)
    elif link.work is not None:
        state.notify("warning", "This link's autosaved work is no longer in the scenario "
                     "store (autosaves unused for 30 days are removed, or the store was "
                     "changed): the app starts afresh.")


def sync_address_bar() -> None:
    """Make the address bar carry this session's working copy and opened version."""
    wanted = {}
    if st.session_state.get("session_key"):
        wanted[WORK] = st.session_state["session_key"]
    opened = state.opened_from()
    if opened is not None:
        wanted |= {SCENARIO: str(opened.scenario_id), VERSION: str(opened.version)}
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def share_url(scenario_id: int, version: int) -> str:
    """The link that opens this saved version on this server (the Designer, as saved)."""
    return f"{app_base_url()}?{urlencode({SCENARIO: scenario_id, VERSION: version})}"


def app_base_url() -> str:
    """The app's root as this browser reached it (scheme, host, port, base path)."""
    url = getattr(st.context, "url", None)
    if not url:
        return FALLBACK_BASE
    parts = urlsplit(url)
    base_path = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}/{base_path + '/' if base_path else ''}"
