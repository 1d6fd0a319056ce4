"""Solving from a page without being held by it: Solve asks this session's solver
(ui.background); the Designer waits for it up to QUICK_SOLVE_S (most what-ifs: their result
then shows in the click's own run), and past that a fragment that refreshes itself shows the
elapsed time and the optimizer's progress (best cost so far, current gap) with a Cancel
button, while every other control stays usable; the result is collected by whichever page
runs next (`collect`, called by app.py on every run), so a page switch during a solve keeps
it. Results are remembered per scenario across sessions (the solver is deterministic, so the
same scenario needs solving only once).
"""

from __future__ import annotations

import time
import types

import streamlit as st
from streamlit.elements.lib import mutable_status_container

from network.scenario import Scenario
from ui import data, fmt, sessions, state
from ui.background import DESIGN, SolveRequest, SolveRun

# Streamlit sleeps 50 ms each time a status is made (StatusContainer._create, and again on
# leaving a `with st.status(...)` block), so that an update sent right after it is not lost
# in the browser. The app's statuses (below) are made once with their final label and state
# and never updated; one is made in every solve's run, on the edit's round trip, and one on
# each refresh of the short wait's status. Its sleep is skipped; whatever else of `time` that
# module uses (today nothing) is the real one.


class _TimeWithoutSleep(types.ModuleType):
    """The `time` module as the status container sees it: `sleep` returns at once."""

    def __getattr__(self, name: str):
        return getattr(time, name)

    @staticmethod
    def sleep(_seconds: float) -> None:
        return None


mutable_status_container.time = _TimeWithoutSleep("time")

PROGRESS_EVERY_S = 0.5  # the solve status refreshes this often while a solve runs
QUICK_SOLVE_S = 2.5  # the Designer waits this long for a solve it asked for (status_area)
QUICK_QUIET_S = 1.0  # for this long first it shows no status (_wait_for_quick_solve)
QUICK_STEP_S = 0.25  # then its status refreshes this often
WAIT_KEY = "solve_wait"  # set by `solve(wait=True)`: the Designer's status waits for it
LINE_KEY = "solve_line"  # (text, ok) of the last finished solve, shown once
SKIP_KEY = "auto_solve_skip"  # a scenario key the auto re-solve leaves alone (cancelled, or
# its solve failed): asking again would only fail or be cancelled again


def status_line(result, wall_s: float) -> str:
    status = result.status.value.replace("_", " ")
    if status == "check failed":
        return f"Finished in {wall_s:.1f} s: the design failed the independent check"
    if result.status.has_design:
        gap = f", gap {fmt.pct(result.gap or 0.0, 2)}" if result.gap is not None else ""
        return f"Solved in {wall_s:.1f} s: {status}{gap}"
    return f"Finished in {wall_s:.1f} s: {status}"


def solve(scenario: Scenario, wait: bool = False) -> None:
    """Solve `scenario`: the remembered result at once, else a request to this session's
    solver (a running solve of another scenario is dropped: solves never stack); `wait`: the
    Designer's status, further down in this run, waits a little for it (status_area)."""
    key = data.scenario_key(scenario)
    st.session_state.pop(SKIP_KEY, None)
    result = data.cached_solve(key)
    if result is not None:
        work = sessions.existing_work()
        if work is not None:  # a solve of an earlier scenario is stale now
            work.solver.cancel(DESIGN)
        state.record_solve(state.SolveRecord(result, scenario, key, 0.0))
        st.session_state[LINE_KEY] = (f"{status_line(result, 0.0)} (remembered: this "
                                      "scenario was solved before)", result.status.has_design)
        return
    work = sessions.session_work()
    sessions.solving_now()
    work.solver.request(SolveRequest(DESIGN, scenario, key, data.lanes(scenario)))
    if wait:
        st.session_state[WAIT_KEY] = True


def auto_solve(scenario: Scenario, wait: bool = False) -> None:
    """The "Auto re-solve" toggle's solve: once per scenario, never again for one whose
    solve was cancelled or failed (Solve still does)."""
    key = data.scenario_key(scenario)
    if st.session_state.get(SKIP_KEY) == key or solving(scenario):
        return
    solve(scenario, wait)


def solving(scenario: Scenario | None = None) -> bool:
    """A Designer solve (of `scenario`, if given) is running or waiting."""
    work = sessions.existing_work()
    if work is None:
        return False
    found = work.solver.running(DESIGN) or work.solver.waiting(DESIGN)
    if found is None:
        return False
    request = found.request if isinstance(found, SolveRun) else found
    return scenario is None or request.key == data.scenario_key(scenario)


def cancel() -> None:
    """The Cancel button: drop the running solve (it stops at the optimizer's next step) and
    keep the result shown before."""
    work = sessions.existing_work()
    running = work.solver.running(DESIGN) if work else None
    waiting = work.solver.waiting(DESIGN) if work else None
    request = running.request if running else waiting
    if work is None or request is None:
        return
    work.solver.cancel(DESIGN)
    st.session_state[SKIP_KEY] = request.key
    seconds = f" after {running.elapsed_s:.1f} s" if running else ""
    shown = ("the numbers shown are from the last finished solve" if state.last_solve()
             else "nothing was solved")
    state.notify("info", f"Solve cancelled{seconds}; {shown}.")


def collect(toast: bool = False) -> None:
    """Move finished solves into this session (every run, on every page): the Designer's
    result (with a toast saying so when `toast`), and the "why not this site" answers."""
    work = sessions.existing_work()
    if work is None:
        return
    for run in work.solver.take_finished():
        if run.request.kind == DESIGN:
            _keep_design(run, toast)
        else:
            from ui import whynot

            whynot.keep(run)


def _keep_design(run: SolveRun, toast: bool) -> None:
    request = run.request
    if run.problems or run.error:
        st.session_state[SKIP_KEY] = request.key
        problems = run.problems or (f"the optimizer failed: {run.error}",)
        state.notify("error", "**Not solved: the scenario has problems.**\n\n"
                     + "\n".join(f"- {fmt.md_text(str(p))}" for p in problems))
        st.session_state[LINE_KEY] = ("Not solved: the scenario has problems", False)
        return
    result = run.result
    data.remember_solve(request.key, result)
    record = state.SolveRecord(result, request.scenario, request.key, run.wall_s)
    if _would_hide_the_current_result(request.key):
        state.keep_for_undo(record)  # a late result for an earlier scenario: kept, not shown
        return
    state.record_solve(record)
    line = status_line(result, run.wall_s)
    st.session_state[LINE_KEY] = (line, result.status.has_design)
    if toast and result.status.has_design:
        st.toast(f"The Designer's solve is done: "
                 f"{fmt.usd(result.evaluation.kpis.total_cost_usd)} a year.",
                 icon=":material/check_circle:")


def _would_hide_the_current_result(key: str) -> bool:
    """A solve of scenario `key` finished, but the current scenario is another one that has
    its own result shown (a remembered solve, a design used from Tradeoffs, a file opened with
    its design): showing the late result would hide it."""
    current = data.scenario_key(state.scenario())
    shown = state.last_solve()
    return key != current and shown is not None and shown.scenario_key == current


# ---------------------------------------------------------------------------------------------
# The Designer's solve status


def status_area() -> None:
    """While a solve runs: its live status and Cancel; after it, its status line once.

    A solve asked for in this run (Solve, or an edit with "Auto re-solve" on) is waited for
    here, up to QUICK_SOLVE_S, with its live status and Cancel shown meanwhile: most what-ifs
    finish within it, and the page then draws their result (KPIs, map) further down in this
    same run instead of in the next one, which a refreshing status would start up to
    PROGRESS_EVERY_S later (and which sends the whole page again). A longer solve falls back
    to the refreshing status: the page stays usable meanwhile."""
    waiting = st.empty()  # the short wait's status, in a place of its own (always there,
    # so that the elements below keep their places)
    if st.session_state.pop(WAIT_KEY, False) and solving():
        _wait_for_quick_solve(waiting)
        waiting.empty()
    if solving():
        st.fragment(_live_status, run_every=PROGRESS_EVERY_S)()
        return
    line = st.session_state.pop(LINE_KEY, None)
    if line is not None:
        st.status(line[0], state="complete" if line[1] else "error", expanded=False)


def _wait_for_quick_solve(slot) -> None:
    """Wait up to QUICK_SOLVE_S for the Designer's solve; once it is done, move its result
    into the session. Its problems, if it had any, are notices: the page runs again to show
    them at the top.

    For its first QUICK_QUIET_S (a second) the wait shows nothing new: a solve done by then
    shows its result without a "Solving…" status drawn and redrawn in between (each one a
    frame of the whole page, which a browser drawing in software pays for in CPU beside the
    solve's). The planner still sees at once that work is running: Streamlit's running
    indicator at the top of the page, and after 0.5 s the page's elements not yet sent again
    dim (ui.style). After that second the status and Cancel show, refreshed every QUICK_STEP_S
    (each refresh also lets a Cancel click stop this run and cancel it)."""
    work = sessions.existing_work()
    if work is None:
        return
    deadline = time.perf_counter() + QUICK_SOLVE_S
    if not work.solver.wait_done(DESIGN, min(QUICK_QUIET_S, QUICK_SOLVE_S)):
        with slot.container():
            text = _status_row("cancel_solve_wait").empty()
        while True:
            text.status(live_text(work.solver.running(DESIGN), work.solver.stopping()),
                        state="running", expanded=False)
            left_s = deadline - time.perf_counter()
            if work.solver.wait_done(DESIGN, min(QUICK_STEP_S, max(left_s, 0.0))):
                break
            if left_s <= 0:
                return
    notices = len(st.session_state["notices"])
    collect()
    if len(st.session_state["notices"]) > notices:
        state.rerun_keeping_notices()


def _live_status() -> None:
    work = sessions.existing_work()
    run = work.solver.running(DESIGN) if work else None
    if run is None and not solving():
        state.rerun_keeping_notices()  # finished or cancelled: the whole page shows it
    _status_row("cancel_solve").status(live_text(run, work.solver.stopping()), state="running",
                                       expanded=False)


def _status_row(cancel_key: str):
    """A running solve's row: the column for its status, and Cancel (wide enough for its
    word beside the map at 1280 px)."""
    left, right = st.columns([3.5, 1], vertical_alignment="center")
    right.button("Cancel", key=cancel_key, on_click=cancel, width="stretch",
                 help="Stop this solve; the numbers shown stay those of the last finished "
                      "solve")
    return left


def live_text(run: SolveRun | None, stopping: bool) -> str:
    from ui.data import SOLVE_TIME_LIMIT_S

    if run is None:
        return ("Waiting for the cancelled solve to stop (at the optimizer's next step)…"
                if stopping else "Starting the solve…")
    return (f"Solving… {run.elapsed_s:.1f} s (limit {SOLVE_TIME_LIMIT_S:.0f} s)"
            f"{progress_text(run.progress)}")


def progress_text(report) -> str:
    """The proof so far: the best cost found (not yet proven) and how far above the proven
    bound it may be. The first report comes once the heuristic's design and the first
    bounds are in."""
    if report is None or report.incumbent_usd is None:
        return " · searching for a first design"
    gap = "bound not yet known" if report.gap is None else f"gap ≤ {fmt.pct(report.gap, 2)}"
    return f" · best so far (not yet proven) {fmt.usd(report.incumbent_usd)} a year, {gap}"


# ---------------------------------------------------------------------------------------------
# Every page: what runs in the background, in a line above the page


RUNNING_EVERY_S = 1.0


def running_status() -> None:
    """One line above every page naming each solve or sweep running for this session (so a
    page switch does not hide it; in the page, not a sidebar, which would take a quarter of a
    1280 px screen); the page reruns when the work finishes, which collects it."""
    work = sessions.existing_work()
    if work is None or not work.busy():
        return
    if st.session_state.get(WAIT_KEY) and not work.running_sweeps():
        return  # the Designer's solve asked for by this run's edit: its page waits for it
        # and shows its status beside the map (status_area)
    st.fragment(_running_line, run_every=RUNNING_EVERY_S)()


def _running_line() -> None:
    work = sessions.existing_work()
    if work is None or not work.busy():
        state.rerun_keeping_notices()
    parts = []
    run = work.solver.running(DESIGN)
    if run is not None:
        parts.append(f"Solve · {run.elapsed_s:.0f} s")
    elif work.solver.stopping():
        parts.append("a cancelled solve, stopping")
    for job in work.running_sweeps():
        p = job.progress
        parts.append(f"{job.context['title'].capitalize()} · {p.done} of {p.total} points")
    st.caption(":material/progress_activity: **Running for you:** " + " · ".join(parts))
