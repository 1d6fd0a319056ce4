"""Saving from the app: Save (the next version of the scenario it was opened from), Save as (a
new scenario), the store's conflict message with its two ways out, the share link, and
pinning a baseline. Used by the Designer's "Save, share and baseline" section and the
Scenarios page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from network.scenario import Scenario
from ui import library, links, state
from ui.baseline import MY_NETWORK, SAVED, STATUS_QUO, Baseline
from ui.fmt import md_text
from ui.saved import OpenedFrom, version_content

if TYPE_CHECKING:  # the store loads SQLAlchemy (0.7 s): only once saving happens
    from network.store import ScenarioStore, VersionContent, VersionRef

NOTE_KEY = "save_note"
NAME_KEY = "save_name"
COPY_NAME_KEY = "save_copy_name"


def store_status() -> bool:
    """The store's mode, said plainly when it is not the normal one; True when saving works."""
    found = library.opening()
    if found.mode.value == "normal":
        st.caption(f"Scenario store: {found.store.location}")
        return True
    if found.mode.value == "read_only":
        st.warning(f"**Saving is off: the scenario store is read-only.** {found.message}")
        return False
    st.warning(f"**A fresh scenario store is in use.** {found.message}")
    return True


def save_panel(scenario: Scenario) -> None:
    """Save / Save as with a note, the conflict's two ways out, the share link, baselines."""
    writable = store_status()
    opened = state.opened_from()
    if writable:
        inputs = st.columns(2)
        inputs[0].text_input("Note for this save", key=NOTE_KEY, max_chars=4000,
                             placeholder="what this version is, e.g. 'three coasts, 95% in 2 "
                                         "days'")
        name = inputs[1].text_input("Name, to save as a new scenario", key=NAME_KEY,
                                    placeholder="e.g. East coast, 4 sites")
        buttons = st.columns(2)
        if opened is not None:
            buttons[0].button(f"Save as a new version of '{md_text(opened.name)}'",
                              key="save_version",
                              type="primary", width="stretch", on_click=_save_version,
                              help=f"Adds the next version after version {opened.version}; "
                                   "earlier versions stay in its history")
        buttons[1].button("Save as new scenario", key="save_as", width="stretch",
                          disabled=not name.strip(), on_click=_save_as,
                          type="secondary" if opened is not None else "primary")
        if state.current_result() is None:
            st.caption("Not solved yet: a save now keeps the inputs only. Solve first to keep "
                       "the design and its results with them.")
        conflict_box()
    if opened is not None:
        share_box(opened)
    baseline_buttons(opened)


def _save_version() -> None:
    opened = state.opened_from()
    if opened is None:
        return
    _save(lambda store, content: store.save_version(opened.scenario_id, content,
                                                    based_on=opened.version))


def _save_as() -> None:
    name = st.session_state.get(NAME_KEY, "")
    _save(lambda store, content: store.create(name, content))


def _save(action: Callable[[ScenarioStore, VersionContent], VersionRef],
          force_content: VersionContent | None = None) -> None:
    """Run a save; a conflict is kept for `conflict_box`, any other refusal is shown."""
    from network.store import VersionConflict

    content = force_content or version_content(state.scenario(), state.current_result(),
                                               st.session_state.get(NOTE_KEY, "").strip())
    store = library.opening().store

    def attempt():
        try:
            return action(store, content), None
        except VersionConflict as conflict:  # two ways out: kept for conflict_box
            return None, conflict

    outcome, problem = library.store_call(attempt)
    ref, conflict = outcome or (None, None)
    if conflict is not None:
        st.session_state["save_conflict"] = (conflict, content)
        return
    if ref is None:
        state.notify("error", f"**Not saved.** {problem}")  # store_call escapes it
        return
    st.session_state["save_conflict"] = None
    state.set_opened_from(OpenedFrom(ref.scenario_id, ref.name, ref.version, ref.saved_at))
    state.notify("success", f"Saved as '{md_text(ref.name)}' version {ref.version} "
                 f"({ref.saved_at:%Y-%m-%d %H:%M} UTC). Share link: "
                 f"{links.share_url(ref.scenario_id, ref.version)}")


def conflict_box() -> None:
    """A save refused because someone saved a newer version: the store's message and its two
    ways out (save anyway as the next version, or save as a copy)."""
    pending = st.session_state.get("save_conflict")
    if pending is None:
        return
    conflict, content = pending
    st.warning(md_text(str(conflict)))
    cols = st.columns([1, 1.2, 1], vertical_alignment="bottom")
    cols[0].button(f"Save anyway as version {conflict.latest + 1}", key="save_anyway",
                   type="primary", width="stretch", on_click=_save, args=(
                       lambda store, c: store.save_version(conflict.scenario_id, c,
                                                           based_on=conflict.based_on,
                                                           force=True), content))
    copy_name = cols[1].text_input("Or save as a copy named", key=COPY_NAME_KEY,
                                   value=f"{conflict.name} (my copy)")
    cols[2].button("Save as a copy", key="save_copy", width="stretch",
                   disabled=not copy_name.strip(), on_click=_save, args=(
                       lambda store, c: store.create(
                           st.session_state.get(COPY_NAME_KEY, ""), c), content))


def share_box(opened: OpenedFrom) -> None:
    st.markdown(f"**Share link** for {md_text(opened.label)}: anyone on this server opens it "
                "as saved (copy it with the button at the right of the box).")
    st.code(links.share_url(opened.scenario_id, opened.version), language=None)


def baseline_buttons(opened: OpenedFrom | None) -> None:
    """Pin a baseline: the status quo, the opened saved version, or none."""
    pinned = state.baseline()
    st.markdown(f"**Baseline**: {md_text(pinned.label) if pinned else 'none pinned'}. Every "
                "KPI card "
                "then shows its change against it as well as against the previous solve.")
    cols = st.columns(3)
    cols[0].button("Pin the status quo (all cross-border)", key="pin_status_quo",
                   width="stretch", on_click=state.set_baseline, args=(Baseline(STATUS_QUO),),
                   disabled=pinned is not None and pinned.kind == STATUS_QUO)
    if opened is not None:
        cols[1].button(f"Pin {md_text(opened.label)}", key="pin_opened", width="stretch",
                       on_click=state.set_baseline, args=(Baseline(SAVED, saved=opened),))
    cols[2].button("Clear the baseline", key="clear_baseline", width="stretch",
                   disabled=pinned is None, on_click=state.set_baseline, args=(None,))


def pin_my_network(site_ids: tuple[str, ...]) -> None:
    state.set_baseline(Baseline(MY_NETWORK, site_ids))
