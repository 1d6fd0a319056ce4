"""The Designer's "My network" section: pick exactly which sites are open (for example the
network running today) and get the cheapest assignment of ZIP3s to them that meets the
delivery targets, or why they cannot and what they reach.

The pick becomes the scenario's own constraints (network.my_network.my_network_scenario:
picked sites forced open, every other forced closed, no site-count limits), so the map, the
KPI cards, Save, Undo and the share link all work on it as on any scenario; the solve is the
Designer's usual one.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from network.errors import InputError
from network.my_network import exact_network, my_network_scenario, what_sites_reach
from network.scenario import Scenario
from ui import data, maps, state
from ui.fmt import md_text
from ui.state import SolveRecord

PICK_KEY = "my_network_pick"
SOLVE_REQUEST = "solve_requested"  # read by the Designer's toolbar, which runs the solve


def section(scenario: Scenario, record: SolveRecord | None) -> None:
    exact = exact_network(scenario)
    st.caption("Open exactly the sites you pick, nothing else: the cheapest way to serve "
               "every ZIP3 from them that meets the delivery targets, or why they cannot. "
               "The site-count limits do not apply; Undo goes back.")
    st.multiselect("Open exactly these sites", scenario.site_ids, key=PICK_KEY,
                   default=_default_pick(scenario, record, exact),
                   format_func=lambda s: f"{s} · {maps.short_name(scenario.site(s).name)}")
    picked = tuple(st.session_state.get(PICK_KEY) or ())
    cols = st.columns(3)
    cols[0].button("Cost my network", key="cost_my_network", type="primary", width="stretch",
                   on_click=_apply, args=(picked,),
                   help="Solve with exactly these sites open (others closed)")
    from ui.saving import pin_my_network

    cols[1].button("Pin as the baseline", key="pin_my_network", width="stretch",
                   disabled=not picked, on_click=pin_my_network, args=(picked,),
                   help="Every KPI card then shows its change against this network, costed "
                        "under the scenario on screen")
    cols[2].button("Let the optimizer choose the sites", key="release_my_network",
                   width="stretch", disabled=exact is None, on_click=_release,
                   help="Clears the forced open and forced closed sites")
    if exact is not None:
        st.info(f"The scenario now opens exactly: {md_text(', '.join(exact)) or 'no site'}.")


def _default_pick(scenario: Scenario, record: SolveRecord | None,
                  exact: tuple[str, ...] | None) -> list[str]:
    if exact is not None:
        return list(exact)
    if record is not None and record.result.status.has_design:
        return list(record.result.open_site_ids)
    return list(scenario.constraints.forced_open)


def _apply(picked: tuple[str, ...]) -> None:
    scenario = state.scenario()
    try:
        mine = my_network_scenario(scenario, picked)
    except InputError as err:
        state.notify("error", "\n".join(f"- {md_text(str(p))}" for p in err.problems))
        return
    names = md_text(", ".join(picked)) or "no site (every order cross-border)"
    state.set_scenario(mine, f"My network: exactly {names} open.")
    st.session_state[SOLVE_REQUEST] = True


def _release() -> None:
    scenario = state.scenario()
    constraints = replace(scenario.constraints, forced_open=(), forced_closed=())
    state.set_scenario(scenario.with_changes(constraints=constraints),
                       "The optimizer chooses the sites again (no site forced open or closed).")


def show_reach(record: SolveRecord) -> None:
    """Under a "my network" scenario with no design: what the picked sites do reach."""
    exact = exact_network(record.scenario)
    if exact is None:
        return
    reach = what_sites_reach(record.scenario, exact, data.lanes(record.scenario))
    if reach is None:
        return
    st.markdown(f"**What {md_text(', '.join(exact)) or 'no site'} reach:**\n"
                + "\n".join(f"- {s}" for s in reach.sentences(record.scenario)))
    st.caption("Pick more or other sites under My network (below the map), or relax the "
               "targets in Settings.")
