"""Running the optimizer from a page: a worker thread does the solve while the page shows a
status box with the elapsed time and the optimizer's progress (best cost so far, current gap);
results are remembered per scenario (the solver is
deterministic, so the same scenario needs solving only once)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

import streamlit as st

from network.errors import InputError
from network.scenario import Scenario
from ui import data, fmt, state

POLL_S = 0.2


def _status_line(result, wall_s: float) -> str:
    status = result.status.value.replace("_", " ")
    if status == "check failed":
        return f"Finished in {wall_s:.1f} s: the design failed the independent check"
    if result.status.has_design:
        gap = f", gap {fmt.pct(result.gap or 0.0, 2)}" if result.gap is not None else ""
        return f"Solved in {wall_s:.1f} s: {status}{gap}"
    return f"Finished in {wall_s:.1f} s: {status}"


def solve(scenario: Scenario) -> state.SolveRecord | None:
    """Solve `scenario` (or reuse the remembered result) with a visible status; stores and
    returns the record, or None when the optimizer rejects the scenario as input."""
    key = data.scenario_key(scenario)
    start = time.perf_counter()
    result = data.cached_solve(key)
    with st.status("Solving…", expanded=False) as box:
        if result is None:
            try:
                result = _solve_in_thread(scenario, box, start, _hint())
            except InputError as err:  # the scenario cannot be solved as it stands
                box.update(label="Not solved: the scenario has problems", state="error")
                st.error("\n".join(f"- {fmt.md_text(str(p))}" for p in err.problems))
                return None
            data.remember_solve(key, result)
        wall = time.perf_counter() - start
        ok = result.status.has_design
        box.update(label=_status_line(result, wall), state="complete" if ok else "error")
    record = state.SolveRecord(result, scenario, key, wall)
    state.record_solve(record)
    return record


def _hint():
    """The last design, to warm-start the search after a small edit."""
    last = state.last_solve()
    return last.result.design if last is not None and last.result.status.has_design else None


def _solve_in_thread(scenario: Scenario, box, start: float, hint):
    from network.optimize import optimize  # here: ortools takes 0.8 s to import; the first
    # page, which needs no solve, should not wait for it

    lanes = data.lanes(scenario)
    latest = []  # the optimizer's last progress report (written by its thread)
    warm = _warm_solver(scenario, lanes)
    with ThreadPoolExecutor(max_workers=1) as pool:
        if warm is not None:
            future = pool.submit(_warm_solve, warm, scenario, lanes, latest.append)
        else:
            future = pool.submit(optimize, scenario, lanes, data.solve_params(), hint,
                                 latest.append)
        while not future.done():  # the solver reports its incumbent first, its proof after
            box.update(label=f"Solving… {time.perf_counter() - start:.1f} s "
                       f"(limit {data.SOLVE_TIME_LIMIT_S:.0f} s){_progress_text(latest)}")
            wait([future], timeout=POLL_S)  # returns as soon as the solve is done
        return future.result()


def _warm_solver(scenario: Scenario, lanes):
    """This session's WarmSolver (it keeps the last solution and its row prices, so a what-if
    edit of forced sites, site counts or a target share re-solves in 0.3-0.4 s against 0.8-1.1 s
    cold on the default, and adding a candidate site in about 0.35 s: BENCHMARKS.md), locked for
    this solve; None while another solve of this session still holds it."""
    held = st.session_state.get(_WARM_KEY)
    if held is None:
        held = st.session_state[_WARM_KEY] = [None, threading.Lock()]
    if not held[1].acquire(blocking=False):
        return None
    return held


def _warm_solve(held, scenario: Scenario, lanes, on_progress):
    """Runs in the worker thread; releases the session's solver whatever happens."""
    from network.optimize import WarmSolver

    try:
        if held[0] is None:
            held[0] = WarmSolver(scenario, lanes, data.solve_params())
        return held[0].solve(scenario, on_progress=on_progress, lanes=lanes)
    finally:
        held[1].release()


_WARM_KEY = "warm_solver"


def _progress_text(reports: list) -> str:
    """The proof so far: the best cost found (not yet proven) and how far above the proven
    bound it may be. The first report comes once the heuristic's design and the first
    bounds are in."""
    if not reports or reports[-1].incumbent_usd is None:
        return " · searching for a first design"
    now = reports[-1]
    gap = "bound not yet known" if now.gap is None else f"gap ≤ {fmt.pct(now.gap, 2)}"
    return f" · best so far (not yet proven) {fmt.usd(now.incumbent_usd)} a year, {gap}"
