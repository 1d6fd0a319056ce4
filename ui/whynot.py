""""Why not this site?": the cost of forcing a candidate the other way.

On the Designer, for the site a planner clicks on the map (or has just added): a warm re-solve
of the current scenario with that site forced open (when the design leaves it closed) or
closed (when it is open), in this session's solve thread (ui.background: the last solution is
the start, so it takes a fraction of the full solve), told in one sentence: "Forcing Seattle
open costs +$8,639,995 a year and closes Ontario." Both costs come from the same warm solver
with the same settings.

On the Tradeoffs page, the same for every candidate as one sweep (network.explore.forcing),
in a sortable table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from network.scenario import Scenario
from ui import data, fmt, maps, sessions, state, sweeps
from ui.background import WHY_NOT, SolveRequest, SolveRun

ANSWERS_KEY = "why_not"  # {(scenario key, site id): Answer}
KEEP_ANSWERS = 30
STUDY = "forcing"
REFRESH_S = 0.5


@dataclass(frozen=True)
class Answer:
    """What forcing one site the other way does: the sentence, the change in annual cost
    (None when the forced scenario has no design), the forced design's open sites, and how
    precise the two costs are."""

    site_id: str
    sentence: str
    delta_usd: float | None
    open_sites: tuple[str, ...]
    precision: str


def site_names(scenario: Scenario) -> dict[str, str]:
    return {s.site_id: maps.short_name(s.name) for s in scenario.sites}


def answer_for(scenario: Scenario, base_result, site_id: str, opening: bool, forced_result
               ) -> Answer:
    """The answer from the current design's result and the forced scenario's result (the
    forced design is checked by evaluate(): a rejected one counts as no design)."""
    from network.explore.forcing import FORCE_CLOSED, FORCE_OPEN, changes, forcing_sentence
    from network.explore.points import outcome_of

    base, moved = outcome_of(base_result), outcome_of(forced_result)
    opens, closes = changes(base.open_sites, moved)
    delta = (moved.cost_usd - base.cost_usd) if base.has_design and moved.has_design else None
    names = site_names(scenario)
    row = {"action": FORCE_OPEN if opening else FORCE_CLOSED, "name": names[site_id],
           "site_id": site_id, "delta_usd": delta, "opens": ";".join(opens),
           "closes": ";".join(closes), "explanation": " ".join(moved.explanation)}
    return Answer(site_id, forcing_sentence(row, names), delta,
                  tuple(names.get(s, s) for s in moved.open_sites), precision_text(base, moved))


def precision_text(base, moved) -> str:
    """How far the two costs may be from their optimum: both proven optimal, or the larger
    gap of a solve the time limit stopped."""
    outcomes = [o for o in (base, moved) if o.has_design]
    if not outcomes:
        return ""
    if all(o.status == "optimal" for o in outcomes):
        return "Both designs are proven optimal."
    worst = max(o.gap or 0.0 for o in outcomes)
    return (f"A solve stopped at its time limit: each cost is within {fmt.pct(worst, 2)} of "
            "its optimum.")


# ---------------------------------------------------------------------------------------------
# The Designer's panel


def site_in_question(scenario: Scenario, selected_site: str | None) -> str | None:
    """The site clicked on the map, else the one just added (while still a candidate)."""
    if selected_site in scenario.site_ids:
        return selected_site
    added = st.session_state.get("last_added_site")
    return added if added in scenario.site_ids else None


def designer_panel(scenario: Scenario, record: state.SolveRecord | None,
                   site_id: str | None) -> None:
    """For the site in question, once the scenario has a design: the answer, or its live
    progress, or the button that asks."""
    if site_id is None or record is None or not record.result.status.has_design:
        return
    name = site_names(scenario)[site_id]
    answer = st.session_state[ANSWERS_KEY].get((record.scenario_key, site_id))
    if answer is not None:
        opened = fmt.md_text(", ".join(answer.open_sites) or "none")
        why = "Why" if site_id in record.result.open_site_ids else "Why not"
        st.info(f"**{why} {fmt.md_text(name)}?** {fmt.md_text(answer.sentence)} Design with "
                f"it forced: {opened}. {answer.precision}", icon=":material/help:")
        return
    if _running(site_id, record.scenario_key) is not None:
        st.fragment(_live, run_every=REFRESH_S)(site_id, record.scenario_key, name)
        return
    opening = site_id not in record.result.open_site_ids
    st.button(f"Why is {name} {'closed' if opening else 'open'}? Cost of forcing it "
              f"{'open' if opening else 'closed'}", key="why_not_button",
              icon=":material/help:", on_click=ask, args=(scenario, record, site_id),
              help="Re-solves this scenario with the site forced the other way (from the "
                   "current design: a fraction of a full solve) and says what it costs")


def _running(site_id: str, base_key: str) -> SolveRun | SolveRequest | None:
    work = sessions.existing_work()
    if work is None:
        return None
    found = work.solver.running(WHY_NOT) or work.solver.waiting(WHY_NOT)
    request = found.request if isinstance(found, SolveRun) else found
    if request is None or (request.site_id, request.base_key) != (site_id, base_key):
        return None
    return found


def _live(site_id: str, base_key: str, name: str) -> None:
    found = _running(site_id, base_key)
    if found is None:
        state.rerun_keeping_notices()  # answered (or cancelled): the page shows the answer
    seconds = f" {found.elapsed_s:.1f} s" if isinstance(found, SolveRun) else ""
    left, right = st.columns([6, 1], vertical_alignment="center")
    left.caption(f":material/progress_activity: Re-solving with {name} forced "
                 f"{'open' if found_opening(found) else 'closed'}…{seconds}")
    right.button("Cancel", key="cancel_why_not", on_click=cancel, width="stretch")


def found_opening(found: SolveRun | SolveRequest) -> bool:
    return (found.request if isinstance(found, SolveRun) else found).opening


def ask(scenario: Scenario, record: state.SolveRecord, site_id: str) -> None:
    """The button: re-solve with the site forced the other way (the remembered result when
    this forced scenario was solved before)."""
    from network.explore.forcing import forced

    opening = site_id not in record.result.open_site_ids
    moved = forced(scenario, site_id, opening)
    key = data.scenario_key(moved)
    remembered = data.cached_solve(key)
    if remembered is not None:
        _keep(scenario, record, site_id, opening, remembered)
        return
    work = sessions.session_work()
    sessions.solving_now()
    work.solver.request(SolveRequest(WHY_NOT, moved, key, data.lanes(scenario), site_id,
                                     opening, base_key=record.scenario_key))


def cancel() -> None:
    work = sessions.existing_work()
    if work is not None:
        work.solver.cancel(WHY_NOT)


def keep(run: SolveRun) -> None:
    """A finished "why not" solve (ui.solve.collect): its answer, against the design it was
    asked about (dropped if that is no longer the session's last solve)."""
    request = run.request
    record = state.last_solve()
    if run.result is None or record is None or record.scenario_key != request.base_key:
        if run.problems or run.error:
            state.notify("error", "The \"why not\" re-solve failed: "
                         + "; ".join(run.problems or (run.error,)))
        return
    data.remember_solve(request.key, run.result)
    _keep(record.scenario, record, request.site_id, request.opening, run.result)


def _keep(scenario: Scenario, record: state.SolveRecord, site_id: str, opening: bool,
          forced_result) -> None:
    answers = dict(st.session_state[ANSWERS_KEY])
    answers[record.scenario_key, site_id] = answer_for(scenario, record.result, site_id,
                                                       opening, forced_result)
    st.session_state[ANSWERS_KEY] = dict(list(answers.items())[-KEEP_ANSWERS:])


# ---------------------------------------------------------------------------------------------
# The Tradeoffs page: every candidate


def every_candidate(scenario: Scenario) -> None:
    from ui import tradeoffs

    st.caption("For every candidate site: the cost of forcing it **open** when the current "
               "design leaves it closed, or **closed** when the design opens it, with "
               "everything else kept, and the sites that then open or close. Each cost "
               "change is against the same scenario re-solved in the same sweep. Click a "
               "column header to sort.")
    if not tradeoffs.need_current_design(scenario):
        return
    current = tradeoffs.current_record(scenario).result.open_site_ids
    config = (data.scenario_key(scenario), current, sweeps.params_key())
    n = len(scenario.sites) + 1
    if st.button(f"Cost of forcing each of the {n - 1} candidates ({n} points)",
                 type="primary", key="run_forcing"):
        from network.explore import forcing_tasks

        sweeps.start(STUDY, forcing_tasks(scenario, current), config,
                     {"title": "why-not sweep", "keep_design": False})
        st.rerun()
    sweeps.live(STUDY, lambda: _table(scenario, current, config))


def _table(scenario: Scenario, current: tuple[str, ...], config: tuple) -> None:
    from network.explore import forcing_frame, forcing_sentence
    from ui import tradeoffs

    points = sweeps.study_points(STUDY, config)
    if not points:
        tradeoffs.nothing_yet(STUDY, config)
        return
    frame = forcing_frame(points, scenario, current)
    names = site_names(scenario)
    frame["name"] = [names[s] for s in frame["site_id"]]
    shown = pd.DataFrame({
        "Site": frame["site_id"], "Name": frame["name"],
        "Forced": frame["action"].str.replace("force ", ""),
        "Change (USD a year)": frame["delta_usd"],
        "In words": [forcing_sentence(r, names) for _, r in frame.iterrows()],
        "Status": [tradeoffs.status_text(s, g, None, e) for s, g, e in zip(
            frame["status"], _gaps(points), frame["explanation"], strict=True)]})
    shown = shown.sort_values("Change (USD a year)", na_position="last")
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "Change (USD a year)": st.column_config.NumberColumn(format="$%,.0f"),
        "In words": st.column_config.TextColumn(width="large")})
    st.caption(f"{sweeps.summary(STUDY, points)} Sorted by the change in cost: the cheapest "
               "sites to force first.")


def _gaps(points) -> list:
    """The gap of each forced point, in forcing_frame's row order (the base left out)."""
    from network.explore.forcing import BASE

    return [p.optimum.gap for p in sorted(points, key=lambda p: p.index)
            if p.labels["site_id"] != BASE]
