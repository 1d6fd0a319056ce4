"""Sweeps from the app: where they run, each study's sweep as this session's background job,
the points kept per study, and the live view that refreshes itself while points come in.

- Where: the server's shared executor (`shared_executor`): 2 local worker processes, shared
  by every session (the machine has the cores it has; a second sweep queues behind the
  first), or a Dask cluster at the scheduler address set on the Tradeoffs page (initially
  $NETWORK_DASK_SCHEDULER, the variable the explorer's command line reads too).
- Points kept: each study keeps the points of its latest settings (`StudyPoints`: the
  scenario, the solver settings and the study's own inputs). Cancel keeps what is done, and
  a new run solves only the points not already there: a coarse grid first, the full grid
  after, re-solves nothing.
- Live view (`live`): while a study's sweep runs, its results area is a fragment that reruns
  itself every `REFRESH_S`, with a progress bar (points done of the total, time left) and
  Cancel; the rest of the page stays usable. When the sweep ends the whole page reruns once.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import streamlit as st

from network.evaluate import Design
from ui import fmt, sessions, state
from ui.background import SweepJob

POINTS_KEY = "explore_points"  # {study: StudyPoints}
ADDRESS_KEY = "dask_address"  # the Dask scheduler address of this session ("" = local)
TIME_LIMIT_KEY = "sweep_time_limit_s"
GAP_KEY = "sweep_gap_pct"
SCHEDULER_ENV = "NETWORK_DASK_SCHEDULER"  # network.explore.SCHEDULER_ENV (not imported here:
# it loads the optimizer)
REFRESH_S = 1.5
DEFAULT_TIME_LIMIT_S = 20.0  # per point: a meeting waits minutes, not hours (BENCHMARKS.md)
DEFAULT_GAP_PCT = 0.01  # as the Designer's solve: costs from both compare
TIME_LIMITED = ("feasible", "no_solution")
DASK_CONNECT_TIMEOUT_S = 5.0  # statuses of points the time limit stopped


def init_keys() -> None:
    """This module's session keys (called by state.init_state)."""
    defaults = {POINTS_KEY: {}, ADDRESS_KEY: os.environ.get(SCHEDULER_ENV, "").strip(),
                TIME_LIMIT_KEY: DEFAULT_TIME_LIMIT_S, GAP_KEY: DEFAULT_GAP_PCT}
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


@dataclass
class StudyPoints:
    """A study's points for one `config` (scenario key, solver settings, study inputs)."""

    config: tuple
    points: dict[tuple, object] = field(default_factory=dict)  # label key -> PointResult


def label_key(labels) -> tuple:
    return tuple(sorted(labels.items()))


def params():
    """The solver settings of this session's sweeps."""
    from network.optimize import SolveParams

    return SolveParams(time_limit_s=float(st.session_state[TIME_LIMIT_KEY]),
                       relative_gap=float(st.session_state[GAP_KEY]) / 100)


def params_key() -> tuple:
    return (float(st.session_state[TIME_LIMIT_KEY]), float(st.session_state[GAP_KEY]))


@st.cache_resource(show_spinner=False)
def shared_executor(address: str):
    """The server's executor for `address` ("" = 2 local worker processes)."""
    from network.explore import DaskExecutor

    return DaskExecutor(address, timeout_s=DASK_CONNECT_TIMEOUT_S) if address else local_executor()


def _healthy(executor, address: str):
    """The shared executor, or a new one when a sweep gave up a point of this one as stalled
    (network.explore.executor): one of its workers would never take another point. The old
    one's workers are stopped."""
    if not getattr(executor, "stalled", False):
        return executor
    shared_executor.clear()
    executor.close()
    return shared_executor(address)


def local_executor():
    """2 worker processes, started now with a plain __main__. Streamlit runs a page with
    `__main__` pointing at app.py, and a spawned worker re-runs its parent's __main__ file
    before its first task: each worker would run the app. Both start here, at once (a
    process pool starts its workers as tasks arrive), so none starts later."""
    from concurrent.futures import wait

    from network.explore import LocalExecutor

    with plain_main_module():
        executor = LocalExecutor()
        started = [executor.submit(os.getpid) for _ in range(executor.workers)]
    wait(started)
    return executor


@contextmanager
def plain_main_module() -> Iterator[None]:
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def executor_description(address: str) -> str:
    return f"the Dask cluster at {address}" if address else "2 worker processes on this server"


# ---------------------------------------------------------------------------------------------
# A study's points and job


def job(study: str) -> SweepJob | None:
    work = sessions.existing_work()
    return None if work is None else work.sweeps.get(study)


def study_points(study: str, config: tuple) -> list:
    """The points of `study` solved for `config` (kept ones and those come in since)."""
    _absorb(study)
    kept = st.session_state[POINTS_KEY].get(study)
    if kept is None or kept.config != config:
        return []
    return sorted(kept.points.values(), key=lambda p: p.index)


def other_points(study: str, config: tuple) -> int:
    """How many points the study holds for other settings (not shown)."""
    kept = st.session_state[POINTS_KEY].get(study)
    return 0 if kept is None or kept.config == config else len(kept.points)


def _absorb(study: str) -> None:
    """Add the finished points of the study's job to its kept points (once it has ended, the
    job then lets go of them)."""
    running = job(study)
    if running is None:
        return
    kept = st.session_state[POINTS_KEY].get(study)
    if kept is not None and kept.config == running.config:
        slim = not running.context.get("keep_design", True)
        for point in running.results():
            key = label_key(point.labels)
            if key not in kept.points:
                kept.points[key] = without_assignments(point) if slim else packed(point)
    running.settle()


# What a session keeps of each point (BENCHMARKS.md, "App: background work per session"): a
# design's lane per ZIP3, as the explorer sends it, is about 150 KB of Python objects; the
# frontier and site counts keep it packed (the map and "use this design" need it), the other
# studies keep only the open sites.


@dataclass(frozen=True)
class PackedDesign(Design):
    """A Design whose lane per ZIP3 is packed: the ZIP3s (one tuple shared by the points of a
    scenario), the site and service ids used, and per ZIP3 the index of its site and of its
    service (uint16 pairs). `unpacked` gives the Design back."""

    zip3: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    codes: bytes = b""


def packed(point):
    def pack(outcome):
        if outcome is None or outcome.design is None or not outcome.design.assignment:
            return outcome
        zip3, sites, services = zip(*outcome.design.assignment, strict=True)
        names = tuple(sorted(set(sites) | set(services)))
        index = {n: i for i, n in enumerate(names)}
        codes = np.array([(index[s], index[k]) for s, k in zip(sites, services, strict=True)],
                         dtype=np.uint16).tobytes()
        return replace(outcome, design=PackedDesign(outcome.design.open_site_ids, (),
                                                    _shared(zip3), names, codes))

    return replace(point, optimum=pack(point.optimum), fixed=pack(point.fixed))


def unpacked(design: Design) -> Design:
    """The Design with its lane per ZIP3 (as it was before `packed`)."""
    if not isinstance(design, PackedDesign):
        return design
    pairs = np.frombuffer(design.codes, dtype=np.uint16).reshape(-1, 2)
    return Design(design.open_site_ids, tuple(
        (z, design.names[s], design.names[k]) for z, (s, k) in zip(design.zip3, pairs,
                                                                   strict=True)))


_ZIP3_TUPLES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared(zip3: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple object for equal ZIP3 lists (the points of a scenario all have the same)."""
    if zip3 not in _ZIP3_TUPLES:
        while len(_ZIP3_TUPLES) >= 8:
            _ZIP3_TUPLES.pop(next(iter(_ZIP3_TUPLES)))
        _ZIP3_TUPLES[zip3] = zip3
    return _ZIP3_TUPLES[zip3]


def without_assignments(point):
    """The point with its designs cut to their open sites."""
    def slim(outcome):
        if outcome is None or outcome.design is None:
            return outcome
        return replace(outcome, design=Design(outcome.design.open_site_ids))

    return replace(point, optimum=slim(point.optimum), fixed=slim(point.fixed))


def start(study: str, tasks: Sequence, config: tuple, context: dict) -> None:
    """Run the tasks of `study` not already solved for `config` in the background (a running
    sweep of the study is cancelled first: sweeps never stack)."""
    from network.explore import run_sweep

    previous = job(study)
    if previous is not None:
        _absorb(study)
        previous.cancel()
    kept = st.session_state[POINTS_KEY].get(study)
    if kept is None or kept.config != config:
        kept = st.session_state[POINTS_KEY][study] = StudyPoints(config)
    todo = [t for t in tasks if label_key(t.labels) not in kept.points]
    if not todo:
        state.notify("info", f"All {len(tasks)} points of this {context['title']} are solved "
                     "already (shown below).")
        return
    address = st.session_state[ADDRESS_KEY].strip()
    try:
        executor = _healthy(shared_executor(address), address)
    except Exception as exc:  # noqa: BLE001  (an address typed by hand: say what failed)
        state.notify("error", f"**Could not reach the Dask scheduler at "
                     f"{fmt.md_text(address)}**: {type(exc).__name__}: {fmt.md_text(str(exc))}. "
                     "Nothing was started; check the address "
                     "under *Where sweeps run*, or clear it to run on this server.")
        return
    run = run_sweep(todo, executor, params())
    sessions.session_work().sweeps[study] = SweepJob(
        study, run, config, {**context, "where": executor_description(address)},
        reused=len(tasks) - len(todo))


def cancel(study: str) -> None:
    running = job(study)
    if running is None or not running.running:
        return
    running.cancel()
    _absorb(study)
    done = running.progress.done
    state.notify("info", f"{running.context['title'].capitalize()} cancelled: the {done} "
                 f"point{'s' if done != 1 else ''} finished are kept; Run again solves only "
                 "the missing ones.")


# ---------------------------------------------------------------------------------------------
# The live view


def live(study: str, draw: Callable[[], None]) -> None:
    """`draw` the study's results; while its sweep runs, inside a fragment that reruns every
    REFRESH_S with the progress bar and Cancel above."""
    running = job(study)
    if running is not None and running.running:
        st.fragment(_live, run_every=REFRESH_S)(study, draw)
    else:
        draw()


def _live(study: str, draw: Callable[[], None]) -> None:
    running = job(study)
    if running is None or not running.running:
        state.rerun_keeping_notices()  # the sweep ended: the whole page shows its final state
    left, right = st.columns([6, 1], vertical_alignment="center")
    p = running.progress
    left.progress(p.done / max(p.total, 1), text=progress_text(running))
    right.button("Cancel", key=f"cancel_{study}", on_click=cancel, args=(study,),
                 width="stretch", help="Stop the points not started; the finished ones stay")
    draw()


def progress_text(running: SweepJob) -> str:
    p = running.progress
    parts = [f"**{p.done} of {p.total} points** on {running.context['where']}",
             f"{fmt.duration(p.elapsed_s)} elapsed"]
    parts.append("time left: known after the first point" if p.eta_s is None
                 else f"about {fmt.duration(p.eta_s)} left")
    limited = sum(r.optimum.status in TIME_LIMITED for r in running.results())
    if limited:
        parts.append(f"{limited} stopped at the time limit (gap in the table)")
    if running.reused:
        parts.append(f"{running.reused} kept from before")
    return " · ".join(parts)


def summary(study: str, points: Sequence) -> str:
    """The points shown, by status, and how the last run went (cancelled, how long, where,
    points kept from before), in one caption."""
    text = f"{len(points)} point{'s' if len(points) != 1 else ''}: {status_counts(points)}."
    ended = job(study)
    if ended is None or ended.running:
        return text
    p = ended.progress
    how = "cancelled after" if p.cancelled else "finished in"
    kept = f", {ended.reused} kept from before" if ended.reused else ""
    return (f"{text} Last run {how} {fmt.duration(p.elapsed_s)} on {ended.context['where']}: "
            f"{p.done} of {p.total} solved{kept}.")


def status_counts(points: Sequence) -> str:
    """'12 optimal, 3 at the time limit, 2 cannot be met' for a caption."""
    names = {"optimal": "proven optimal", "feasible": "stopped at the time limit",
             "infeasible": "cannot be met", "no_solution": "no design within the time limit",
             "rejected": "rejected by the independent check", "error": "failed"}
    counts: dict[str, int] = {}
    for p in points:
        counts[p.optimum.status] = counts.get(p.optimum.status, 0) + 1
    order = [s for s in names if s in counts] + sorted(set(counts) - set(names))
    return ", ".join(f"{counts[s]} {names.get(s, s)}" for s in order)


# ---------------------------------------------------------------------------------------------
# Where sweeps run, and how hard each point is tried


def settings_panel() -> None:
    """The Dask scheduler address and the per-point solver settings."""
    inputs = {"sweep_address_input": ADDRESS_KEY, "sweep_limit_input": TIME_LIMIT_KEY,
              "sweep_gap_input": GAP_KEY}
    for widget, kept in inputs.items():  # what is applied now (after a page switch too)
        st.session_state.setdefault(widget, st.session_state[kept])
    with st.form("sweep_settings", border=False):
        address = st.text_input(
            "Dask scheduler address", key="sweep_address_input",
            placeholder="tcp://10.0.0.5:8786",
            help=f"Starts as ${SCHEDULER_ENV} of the server (the command line's --scheduler "
                 "reads it too). Applies to the sweeps you start after this.")
        cols = st.columns(2)
        limit = cols[0].number_input("Time limit per point (s)", min_value=1.0,
                                     max_value=600.0, step=5.0, key="sweep_limit_input")
        gap = cols[1].number_input("Optimality gap (%)", min_value=0.0, max_value=10.0,
                                   step=0.01, format="%.2f", key="sweep_gap_input")
        if st.form_submit_button("Apply"):
            _apply_settings(address.strip(), limit, gap)
    st.markdown("Sweeps run on **" + executor_description(
        st.session_state[ADDRESS_KEY].strip()) + "**. A Dask cluster spreads the points over "
        "its workers (each needs this project installed); leave the address empty to run here.")
    st.caption(f"A point stops at its time limit with the best design found, labelled with "
               f"its gap to the proven bound. The defaults ({DEFAULT_TIME_LIMIT_S:.0f} s, "
               f"{DEFAULT_GAP_PCT:g}%: the Designer's gap, so costs compare) keep a sweep "
               "within a meeting; points solved before under other settings are not reused.")


def _apply_settings(address: str, limit: float, gap: float) -> None:
    if address and "://" not in address:
        st.error(f"**Dask scheduler address**: '{fmt.md_text(address)}' is not an address like "
                 "tcp://host:8786. Nothing was changed.")
        return
    if address and address != st.session_state[ADDRESS_KEY]:
        try:
            description = shared_executor(address).description
        except Exception as exc:  # noqa: BLE001
            st.error(f"**Could not reach the Dask scheduler at {fmt.md_text(address)}**: "
                     f"{type(exc).__name__}: {fmt.md_text(str(exc))}. Nothing was changed.")
            return
        st.success(f"Connected: {description}.")
    st.session_state[ADDRESS_KEY] = address
    st.session_state[TIME_LIMIT_KEY] = limit
    st.session_state[GAP_KEY] = gap
