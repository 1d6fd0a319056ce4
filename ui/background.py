"""A session's background work: its solves (one thread, one warm solver) and its sweeps.

A page script must never run the optimizer itself: a click or a page switch stops the script,
and whatever it was computing would be lost. So the Designer's Solve (and the "why not this
site" re-solves) are requests to this session's `SessionSolver`, which solves them one at a
time in its own thread and keeps each result until a script run collects it (ui.solve
`collect`, on every page; the Designer waits a little for the solve it asked for,
`wait_done`, so that a quick one shows in the same run, and a click meanwhile still stops
that run, never the solve); the Tradeoffs page's sweeps are `SweepJob`s on the server's shared
executor (ui.sweeps). Both live in the session's `SessionWork` (`st.session_state["work"]`),
which ui.sessions ends when Streamlit ends the session.

Requests never stack: a session has at most one solve thread, at most one request waiting per
kind, and a newer request of a kind makes the running one of that kind stale. A stale or
cancelled solve is dropped at once (the page stops showing it and its result is thrown away)
and stops at the optimizer's next progress report: the progress callback raises `Stopped`,
which unwinds the search between two of its steps (the optimizer has no stop call of its own;
a step already running, one LP or MIP, runs to its end).

The threads here never touch the session (Streamlit's session state belongs to the script
thread): they only fill the objects the page reads.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from network.errors import InputError
from network.lanes import LaneTable
from network.scenario import Scenario

if TYPE_CHECKING:  # the optimizer loads ortools (0.8 s): imported in the solve thread
    from network.explore import Progress, SweepRun
    from network.optimize import OptimizeResult, WarmSolver
    from network.optimize.result import SolveProgress

DESIGN = "design"  # the Designer's solve of the current scenario
WHY_NOT = "why_not"  # the current scenario with one site forced the other way
KIND_ORDER = (DESIGN, WHY_NOT)  # what the solve thread takes first


class Stopped(Exception):  # noqa: N818  (a request, not an error)
    """Raised from the optimizer's progress callback to stop a solve between two steps."""


@dataclass(frozen=True)
class SolveRequest:
    """Solve `scenario` (its `lanes` computed by the page); for WHY_NOT, the `site_id`
    forced open (`opening`) or closed, against the design of the scenario keyed `base_key`."""

    kind: str
    scenario: Scenario
    key: str
    lanes: LaneTable = field(repr=False, compare=False)
    site_id: str | None = None
    opening: bool = False
    base_key: str | None = None

    def same_work(self, other: SolveRequest) -> bool:
        return (self.kind, self.key, self.site_id) == (other.kind, other.key, other.site_id)


class SolveRun:
    """One request in the solve thread, then its outcome: `result`, or the input `problems`,
    or an unexpected `error`; `stopped` when the optimizer stopped at our request."""

    def __init__(self, request: SolveRequest):
        self.request = request
        self.started = time.perf_counter()
        self.progress: SolveProgress | None = None
        self.result: OptimizeResult | None = None
        self.problems: tuple[str, ...] = ()
        self.error: str | None = None
        self.stopped = False
        self.wall_s: float | None = None
        self.stop = threading.Event()  # set: drop this run, stop at the next report

    @property
    def elapsed_s(self) -> float:
        return self.wall_s if self.wall_s is not None else time.perf_counter() - self.started

    def on_progress(self, report: SolveProgress) -> None:
        """The optimizer's progress callback (the solve thread): keep the report, and stop
        the search here when the run was dropped."""
        self.progress = report
        if self.stop.is_set():
            raise Stopped


# (the session's warm solver or None, the request, its run) -> (result, the warm solver to keep)
SolveFn = Callable[[Any, SolveRequest, SolveRun], tuple[Any, Any]]


def warm_solve(warm: WarmSolver | None, request: SolveRequest, run: SolveRun
               ) -> tuple[OptimizeResult, WarmSolver]:
    """Solve the request with the session's warm solver (built on first use): it keeps the
    last solution and its row prices, so a what-if edit re-solves from there."""
    from network.optimize import WarmSolver
    from ui.data import solve_params

    if warm is None:
        warm = WarmSolver(request.scenario, request.lanes, solve_params())
    return warm.solve(request.scenario, on_progress=run.on_progress, lanes=request.lanes,
                      started=run.started), warm  # the limit as the status shows it


class SessionSolver:
    """This session's solves: one thread at a time works through the waiting requests (the
    latest of each kind), from one warm solver; finished runs wait for `take_finished`."""

    def __init__(self, solve: SolveFn | None = None):
        self._solve = solve  # None: `warm_solve` (looked up when a solve starts)
        self._lock = threading.Lock()  # guards every field below
        self._changed = threading.Condition(self._lock)  # a run ended, or the thread did
        self._pending: dict[str, SolveRequest] = {}
        self._current: SolveRun | None = None
        self._finished: list[SolveRun] = []
        self._thread: threading.Thread | None = None
        self._warm: WarmSolver | None = None
        self._ended = False

    # -- the page's side ----------------------------------------------------------------------

    def request(self, request: SolveRequest) -> None:
        """Queue `request`, replacing a waiting one of its kind; a running one of its kind
        for other work becomes stale (dropped, stopped at its next step)."""
        with self._lock:
            if self._ended:
                return
            current = self._current
            if current is not None and current.request.kind == request.kind:
                if current.request.same_work(request) and not current.stop.is_set():
                    self._pending.pop(request.kind, None)
                    return  # already solving exactly this
                current.stop.set()
            self._pending[request.kind] = request
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="session-solver",
                                                daemon=True)
                self._thread.start()

    def cancel(self, kind: str) -> bool:
        """Drop the waiting and the running request of `kind`; True if there was one."""
        with self._lock:
            dropped = self._pending.pop(kind, None) is not None
            current = self._current
            if current is not None and current.request.kind == kind and not current.stop.is_set():
                current.stop.set()
                dropped = True
            self._changed.notify_all()
            return dropped

    def running(self, kind: str) -> SolveRun | None:
        """The run of `kind` in progress (not dropped), if any."""
        with self._lock:
            current = self._current
            if current is not None and current.request.kind == kind and not current.stop.is_set():
                return current
            return None

    def waiting(self, kind: str) -> SolveRequest | None:
        with self._lock:
            return self._pending.get(kind)

    def stopping(self) -> bool:
        """A dropped run is still finishing its step (the next request waits for it)."""
        with self._lock:
            return self._current is not None and self._current.stop.is_set()

    def busy(self) -> bool:
        with self._lock:
            return self._thread is not None

    def wait_done(self, kind: str, timeout_s: float) -> bool:
        """Wait up to `timeout_s` until no request of `kind` is running or waiting (finished,
        dropped, or there was none); True if so. The Designer waits this way for a quick solve,
        so that its result shows in the same script run as the click."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._has_work(kind), timeout_s)

    def _has_work(self, kind: str) -> bool:  # (with the lock held)
        current = self._current
        return kind in self._pending or (current is not None and current.request.kind == kind
                                         and not current.stop.is_set())

    def take_finished(self) -> list[SolveRun]:
        """Runs finished since the last call (never a dropped one), oldest first."""
        with self._lock:
            done, self._finished = self._finished, []
            return done

    @property
    def has_warm_state(self) -> bool:
        return self._warm is not None

    def drop_warm(self) -> bool:
        """Free the warm solver unless a solve is using it; True if freed (or none held)."""
        with self._lock:
            if self._current is not None:
                return self._warm is None
            self._warm = None
            return True

    def end(self) -> None:
        """The session is over: drop every request, stop the running one, free the warm
        solver (now, or when the running solve stops)."""
        with self._lock:
            self._ended = True
            self._pending.clear()
            if self._current is not None:
                self._current.stop.set()
            else:
                self._warm = None
            self._changed.notify_all()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the solve thread to finish its work (tests, shutdown); True if idle."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
        return not self.busy()

    # -- the solve thread ---------------------------------------------------------------------

    def _next(self) -> SolveRun | None:
        with self._lock:
            for kind in KIND_ORDER:
                if kind in self._pending:
                    self._current = SolveRun(self._pending.pop(kind))
                    return self._current
            self._thread = None
            self._changed.notify_all()
            return None

    def _work(self) -> None:
        while (run := self._next()) is not None:
            self._run(run)
            with self._lock:
                self._current = None
                if not run.stop.is_set():
                    self._finished.append(run)
                if self._ended:
                    self._warm = None
                self._changed.notify_all()

    def _run(self, run: SolveRun) -> None:
        try:
            solve = self._solve or warm_solve
            run.result, self._warm = solve(self._warm, run.request, run)
        except Stopped:
            run.stopped = True
        except InputError as err:  # the scenario cannot be solved as it stands
            run.problems = tuple(str(p) for p in err.problems)
        except Exception as exc:  # noqa: BLE001  (a bug: shown, and the session goes on)
            run.error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        run.wall_s = time.perf_counter() - run.started


@dataclass
class SweepJob:
    """A study's sweep on the shared executor: the run, the settings its points depend on
    (`config`), what the page needs to read them (`context`), and how many points were
    reused from before (not solved again). Once the sweep has ended and its points are kept
    elsewhere, `settle` drops the run (and the points it holds)."""

    study: str
    run: SweepRun | None
    config: tuple
    context: dict
    reused: int = 0
    started: float = field(default_factory=time.perf_counter)
    final: Progress | None = None

    @property
    def progress(self) -> Progress:
        return self.final if self.final is not None else self.run.progress

    @property
    def running(self) -> bool:
        return self.final is None and not self.run.progress.finished

    def results(self) -> list:
        return [] if self.run is None else self.run.results()

    def cancel(self) -> None:
        if self.run is not None:
            self.run.cancel()

    def settle(self) -> None:
        if self.run is not None and self.run.progress.finished:
            self.final, self.run = self.run.progress, None


class SessionWork:
    """Everything a session runs in the background; `end` stops and frees all of it."""

    def __init__(self, solver: SessionSolver | None = None):
        self.solver = solver or SessionSolver()
        self.sweeps: dict[str, SweepJob] = {}
        self.ended = False

    def running_sweeps(self) -> list[SweepJob]:
        return [job for job in self.sweeps.values() if job.running]

    def busy(self) -> bool:
        return self.solver.busy() or bool(self.running_sweeps())

    def end(self) -> None:
        self.ended = True
        self.solver.end()
        for job in self.sweeps.values():
            job.cancel()
