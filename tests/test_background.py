"""ui.background and ui.sessions: a session's solves never stack, cancel drops and stops them,
and a session's work ends (its warm solver freed) when Streamlit ends the session."""

from __future__ import annotations

import threading
import time

import pytest

from ui.background import DESIGN, WHY_NOT, SessionSolver, SessionWork, SolveRequest, Stopped
from ui.sessions import Registry

WAIT_S = 30


class FakeSolves:
    """A solve function for SessionSolver: each solve reports progress until the test lets it
    finish (`release`), and records what ran, how many ran at once, and the warm state it got."""

    def __init__(self):
        self.started: list[SolveRequest] = []
        self.warm_seen: list[object] = []
        self.running = 0
        self.most_at_once = 0
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, warm, request, run):
        with self.lock:
            self.started.append(request)
            self.warm_seen.append(warm)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            while not self.release.wait(0.01):
                run.on_progress(None)  # the optimizer's report between two steps
            return f"result of {request.key}", f"warm after {request.key}"
        finally:
            with self.lock:
                self.running -= 1


def request(key: int, kind: str = DESIGN, site_id: str | None = None) -> SolveRequest:
    return SolveRequest(kind, scenario=None, key=key, lanes=None, site_id=site_id)


def wait_until(condition, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_newer_request_replaces_the_running_one_and_solves_never_stack():
    """Three requests while one solves: the first is stopped at its next progress report, the
    second (replaced before it started) never runs, the third runs; one solve at a time."""
    fake = FakeSolves()
    solver = SessionSolver(fake)
    solver.request(request(1))
    wait_until(lambda: solver.running(DESIGN) is not None)
    first = solver.running(DESIGN)
    solver.request(request(2))
    solver.request(request(3))
    wait_until(lambda: first.stopped)  # Stopped raised from its progress callback
    fake.release.set()
    assert solver.join(WAIT_S)
    assert [r.key for r in fake.started] == [1, 3]
    assert fake.most_at_once == 1
    finished = solver.take_finished()
    assert [(r.request.key, r.result) for r in finished] == [(3, "result of 3")]
    assert solver.take_finished() == []


def test_the_same_request_twice_solves_once():
    """Asking again for what is being solved (a rerun of the page) does not start over."""
    fake = FakeSolves()
    solver = SessionSolver(fake)
    solver.request(request(7))
    wait_until(lambda: solver.running(DESIGN) is not None)
    solver.request(request(7))
    fake.release.set()
    assert solver.join(WAIT_S)
    assert [r.key for r in fake.started] == [7]
    assert len(solver.take_finished()) == 1


def test_cancel_drops_the_result_and_stops_the_solve_at_its_next_step():
    """Cancel: the page stops showing the solve at once, the solve thread stops at the next
    progress report, and no result is delivered."""
    fake = FakeSolves()
    solver = SessionSolver(fake)
    solver.request(request(1))
    wait_until(lambda: solver.running(DESIGN) is not None)
    run = solver.running(DESIGN)
    assert solver.cancel(DESIGN)
    assert solver.running(DESIGN) is None  # dropped at once
    assert solver.join(WAIT_S)  # stopped without being released
    assert run.stopped and run.result is None
    assert solver.take_finished() == []
    assert not solver.cancel(DESIGN)


def test_a_why_not_request_waits_for_the_design_solve_and_shares_its_warm_state():
    """Kinds queue behind each other on the one thread, each starting from the warm state the
    last solve left."""
    fake = FakeSolves()
    solver = SessionSolver(fake)
    solver.request(request(1))
    solver.request(request(2, WHY_NOT, site_id="SEA"))
    fake.release.set()
    assert solver.join(WAIT_S)
    assert [(r.kind, r.key) for r in fake.started] == [(DESIGN, 1), (WHY_NOT, 2)]
    assert fake.warm_seen == [None, "warm after 1"]
    assert solver.has_warm_state


def test_ending_the_session_stops_its_solve_and_frees_its_warm_state():
    """end(): the running solve stops, nothing waits, the warm solver is freed, and later
    requests are ignored."""
    fake = FakeSolves()
    solver = SessionSolver(fake)
    solver.request(request(1))
    fake.release.set()
    assert solver.join(WAIT_S) and solver.has_warm_state
    fake.release.clear()
    solver.request(request(2))
    wait_until(lambda: solver.running(DESIGN) is not None)
    solver.request(request(3, WHY_NOT, site_id="SEA"))
    solver.end()
    assert solver.join(WAIT_S)
    assert not solver.has_warm_state
    assert [r.key for r in fake.started] == [1, 2]
    solver.request(request(4))
    assert not solver.busy()


def test_a_failing_solve_is_reported_and_the_next_one_runs():
    """An exception in a solve is kept as the run's error (no traceback on the page), and the
    thread goes on with the next request."""
    def solve(warm, req, run):
        if req.key == 1:
            raise RuntimeError("boom")
        return "ok", warm

    solver = SessionSolver(solve)
    solver.request(request(1))
    assert solver.join(WAIT_S)
    solver.request(request(2))
    assert solver.join(WAIT_S)
    runs = solver.take_finished()
    assert [(r.request.key, r.error, r.result) for r in runs] == [
        (1, "RuntimeError: boom", None), (2, None, "ok")]


def test_stopped_is_raised_only_after_a_cancel():
    """The progress callback keeps the report, and raises only once the run is dropped."""
    from ui.background import SolveRun

    run = SolveRun(request(1))
    run.on_progress("report")
    assert run.progress == "report"
    run.stop.set()
    with pytest.raises(Stopped):
        run.on_progress("later")


# ---------------------------------------------------------------------------------------------
# Across sessions


def warm_work() -> SessionWork:
    """A session's work whose solver holds warm state (one finished solve)."""
    solver = SessionSolver(lambda warm, req, run: ("result", "warm"))
    solver.request(request(1))
    assert solver.join(WAIT_S) and solver.has_warm_state
    return SessionWork(solver)


def test_the_server_keeps_at_most_max_warm_solvers_least_recent_dropped_first():
    """With a cap of 2, a third session solving frees the warm solver of the least recent."""
    registry = Registry(lambda sid: True, max_warm=2)
    works = {sid: warm_work() for sid in ("a", "b", "c")}
    for sid, work in works.items():
        registry.register(sid, work)
    registry.used("a")  # a solved most recently, then c: b is the least recent
    registry.used("c")
    assert [works[s].solver.has_warm_state for s in "abc"] == [True, False, True]


def test_a_session_gone_past_the_grace_period_has_its_work_ended():
    """reap(): a session Streamlit no longer has connected is ended after the grace period
    (its warm solver freed, its sweeps cancelled, forgotten); a reconnect before it keeps it."""
    connected = {"a": True, "b": False}
    registry = Registry(lambda sid: connected[sid], grace_s=10)
    works = {"a": warm_work(), "b": warm_work()}
    cancelled = []
    works["b"].sweeps["frontier"] = type("Job", (), {
        "cancel": lambda self: cancelled.append("frontier"), "running": True})()
    for sid, work in works.items():
        registry.register(sid, work)
    assert registry.reap(now=100.0) == []  # b just left: within the grace period
    assert registry.reap(now=105.0) == []
    connected["b"] = True  # a blip: back before the grace period ended
    assert registry.reap(now=106.0) == []
    connected["b"] = False
    assert registry.reap(now=107.0) == []
    assert registry.reap(now=117.0) == ["b"]
    assert works["b"].ended and not works["b"].solver.has_warm_state
    assert cancelled == ["frontier"]
    assert works["a"].solver.has_warm_state and not works["a"].ended
    assert registry.sessions() == ["a"]


def test_new_work_for_a_session_ends_the_work_it_replaces():
    """Streamlit cleared the session's state (its work with it): the old work is ended."""
    registry = Registry(lambda sid: True)
    old, new = warm_work(), warm_work()
    registry.register("a", old)
    registry.register("a", new)
    assert old.ended and not old.solver.has_warm_state and not new.ended


def test_wait_done_returns_when_the_solve_of_that_kind_is_over():
    """The Designer's short wait: False while the solve runs (after the timeout), True once it
    has finished or was cancelled, True at once with nothing to wait for; another kind's
    solve is not waited for."""
    fake = FakeSolves()
    solver = SessionSolver(fake)
    assert solver.wait_done(DESIGN, 0.0)
    solver.request(request(1))
    assert not solver.wait_done(DESIGN, 0.05)
    assert solver.wait_done(WHY_NOT, 0.0)
    fake.release.set()
    assert solver.wait_done(DESIGN, WAIT_S)
    assert [r.request.key for r in solver.take_finished()] == [1]
    fake.release.clear()
    solver.request(request(2))
    wait_until(lambda: solver.running(DESIGN) is not None)
    solver.cancel(DESIGN)
    assert solver.wait_done(DESIGN, 0.0)  # dropped: the page no longer waits for it
    fake.release.set()
    assert solver.join(WAIT_S)
