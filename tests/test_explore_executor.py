"""The executors: a Dask cluster gives the same points as local workers, results stream back
with progress, and cancel keeps what is done."""

from __future__ import annotations

import os
import threading
import time

import psutil
import pytest

from network.explore import (
    SCHEDULER_ENV,
    DaskExecutor,
    LocalExecutor,
    executor_for,
    frontier_frame,
    frontier_tasks,
    run_sweep,
)
from network.optimize import SolveParams

from small import small_scenario

TIGHT = SolveParams(time_limit_s=60.0, relative_gap=1e-6)
SITES = ("ONT", "DFW", "ORD", "ATL", "MDT", "BDL")


@pytest.fixture(scope="module")
def scenario(default_scenario):
    return small_scenario(default_scenario, every=30, sites=SITES)


def _tasks(scenario):
    return frontier_tasks(scenario, 2, [0.7, 0.9], [2, 3])


def _frame(points, scenario):
    return frontier_frame(points, scenario, 2).set_index(["sites", "target"]).sort_index()


@pytest.fixture(scope="module")
def local_frame(scenario):
    with LocalExecutor(1) as ex:
        return _frame(run_sweep(_tasks(scenario), ex, TIGHT).wait(), scenario)


def _same(frame, expected):
    assert list(frame.index) == list(expected.index)
    assert list(frame["status"]) == list(expected["status"])
    assert frame["cost_usd"].to_numpy() == pytest.approx(expected["cost_usd"].to_numpy(),
                                                         rel=2e-6)


def test_dask_path_equals_local_path(scenario, local_frame, dask_cluster):
    """The same sweep through a LocalCluster (2 worker processes, loopback) gives the same
    statuses and costs, and points ran on both workers' processes."""
    with DaskExecutor(dask_cluster.scheduler_address) as ex:
        points = run_sweep(_tasks(scenario), ex, TIGHT).wait()
    _same(_frame(points, scenario), local_frame)
    _ran_in_other_processes(points, at_most=2)


def test_scheduler_from_environment(monkeypatch, dask_cluster):
    """$NETWORK_DASK_SCHEDULER picks Dask; unset, the local executor."""
    monkeypatch.setenv(SCHEDULER_ENV, dask_cluster.scheduler_address)
    with executor_for() as ex:
        assert isinstance(ex, DaskExecutor)
    monkeypatch.delenv(SCHEDULER_ENV)
    with executor_for(workers=1) as ex:
        assert isinstance(ex, LocalExecutor)


def test_local_processes_equal_one_thread(scenario, local_frame):
    """Two spawned worker processes give the same points as one thread in this process."""
    with LocalExecutor(2) as ex:
        points = run_sweep(_tasks(scenario), ex, TIGHT).wait()
    _same(_frame(points, scenario), local_frame)
    _ran_in_other_processes(points, at_most=2)


def _ran_in_other_processes(points, at_most: int) -> None:
    """Every point ran in a worker process, not in this one, and on at most `at_most` of them
    (how the points spread over the workers depends on the machine's load: not checked)."""
    workers = {p.worker for p in points}
    assert 1 <= len(workers) <= at_most, workers
    assert not any(w.rsplit(":", 1)[-1] == str(os.getpid()) for w in workers), workers


def test_points_stream_with_progress(scenario):
    """Iterating a run yields every point once, each with the progress counted so far."""
    seen = []
    with LocalExecutor(1) as ex:
        run = run_sweep(_tasks(scenario), ex, TIGHT,
                        on_point=lambda p, pr: seen.append((p.index, pr.done, pr.total)))
        streamed = [p.index for p in run]
    assert sorted(streamed) == list(range(6))
    assert [done for _, done, _ in seen] == list(range(1, 7))
    assert run.progress.finished and run.progress.done == 6 and run.progress.eta_s == 0


@pytest.mark.parametrize("backend", ["local", "dask"])
def test_cancel_keeps_finished_points(scenario, backend, request):
    """Cancelling after the first point stops the rest; the finished points are kept whole."""
    if backend == "dask":
        ex = DaskExecutor(request.getfixturevalue("dask_cluster").scheduler_address)
    else:
        ex = LocalExecutor(1)
    first = threading.Event()
    tasks = frontier_tasks(scenario, 2, [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0],
                           range(1, 7))
    try:
        run = run_sweep(tasks, ex, TIGHT, on_point=lambda p, pr: first.set())
        assert first.wait(120)
        run.cancel()
        kept = run.wait(60)
    finally:
        ex.close()
    progress = run.progress
    assert progress.cancelled and progress.finished
    assert 1 <= len(kept) < len(tasks)
    assert progress.skipped >= 1 and len(kept) + progress.skipped <= len(tasks)
    assert all(p.optimum.has_design for p in kept)
    assert run.results() == kept


def test_a_raising_callback_does_not_stop_the_sweep(scenario):
    """`on_point` raising on every point (a bug on the caller's side) is recorded per point;
    the sweep still collects and streams every point."""
    def broken(point, progress):
        raise RuntimeError("caller bug")

    with LocalExecutor(1) as ex:
        run = run_sweep(_tasks(scenario), ex, TIGHT, on_point=broken)
        streamed = [p.index for p in run]
    assert sorted(streamed) == list(range(6))
    assert run.progress.finished and not run.progress.cancelled
    assert len(run.callback_errors) == 6
    assert all("RuntimeError: caller bug" in e for e in run.callback_errors)


def test_a_point_that_raises_is_an_error_point(scenario, monkeypatch):
    """A point whose solve raises on the worker comes back as an `error` point with the
    exception's text; the points after it are solved."""
    from network.explore import executor as executor_module
    from network.explore.points import solve_point

    def flaky(task, params):
        if task.index == 1:
            raise ValueError("worker bug")
        return solve_point(task, params)

    monkeypatch.setattr(executor_module, "solve_point", flaky)
    with LocalExecutor(1) as ex:
        points = run_sweep(_tasks(scenario), ex, TIGHT).wait()
    assert sorted(p.index for p in points) == list(range(6))
    bad = [p for p in points if p.optimum.status == executor_module.ERROR]
    assert [p.index for p in bad] == [1]
    assert "ValueError: worker bug" in bad[0].optimum.explanation[0]
    assert all(p.optimum.has_design for p in points if p.index != 1)


class _Threads:
    """An executor of two threads in this process (futures that say when they run)."""

    slots = 2

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(2)

    def submit(self, fn, *args, slot=None):
        return self.pool.submit(fn, *args)

    def abandon_stalled(self):
        self.abandoned = True


def test_a_point_that_never_comes_back_is_given_up_and_the_sweep_ends(scenario, monkeypatch):
    """A worker stuck on one point (twice in CI a sweep stayed at "0 of N points"): after
    `stall_s` the collector keeps it as an `error` point that says so, and the sweep ends
    with every other point instead of never ending."""
    from network.explore import executor as executor_module
    from network.explore.points import Outcome, PointResult

    release = threading.Event()

    def answer(task, params):
        if task.index == 1:
            release.wait(60)
        return PointResult(task.index, task.labels, Outcome("optimal", cost_usd=1.0), None,
                           0.0, "test")

    monkeypatch.setattr(executor_module, "solve_point", answer)
    monkeypatch.setattr(executor_module, "overrun_s", lambda params: 0.5)
    threads = _Threads()
    try:
        run = run_sweep(_tasks(scenario), threads, TIGHT)
        points = run.wait(30)
        assert run.progress.finished, "the sweep waited for the stuck point"
    finally:
        release.set()
        threads.pool.shutdown()
    assert run.stall_s == 1.0
    assert threads.abandoned, "the executor was not told that a worker is stuck"
    assert sorted(p.index for p in points) == list(range(6))
    stuck = [p for p in points if p.optimum.status == executor_module.ERROR]
    assert [p.index for p in stuck] == [1]
    assert "no answer from its worker within 1 s" in stuck[0].optimum.explanation[0]
    assert all(p.optimum.status == "optimal" for p in points if p.index != 1)


def test_a_point_past_its_limits_writes_where_it_is(scenario, monkeypatch, capsys):
    """A point running past `overrun_s` writes a line naming it and its threads' stacks to
    stderr (a server's log), and still returns its result."""
    from network.explore import points as points_module

    def slow(task, params):
        time.sleep(1.0)
        return "done"

    monkeypatch.setattr(points_module, "_solve_point", slow)
    monkeypatch.setattr(points_module, "overrun_s", lambda params: 0.2)
    task = _tasks(scenario)[0]
    assert points_module.solve_point(task, TIGHT) == "done"
    err = capsys.readouterr().err
    assert f"sweep point 0 {dict(task.labels)} has run" in err
    assert "in slow" in err and "time.sleep(1.0)" in err


def test_closing_after_a_stall_stops_the_stuck_worker():
    """A local executor told of a stalled point stops its worker processes when closed (a
    command line would otherwise wait at exit for a solve that never ends)."""
    ex = LocalExecutor(2)
    stuck = ex.submit(time.sleep, 600)
    while not stuck.running():
        time.sleep(0.05)
    processes, waited = ex.processes(), time.monotonic()  # a starting worker is waited for
    while not processes and time.monotonic() - waited < 300:  # PID_WAIT_S each: a spawned
        processes = ex.processes()  # worker's imports took longer at load 14
    assert len(processes) == 1  # the one worker started (slot 0's), found by public means
    ex.abandon_stalled()
    ex.close()
    pids = [process.pid for process in processes]
    assert all(_ends_within(pid, 30) for pid in pids), pids


def _ends_within(pid: int, timeout_s: float) -> bool:
    """Whether process `pid` is gone (or a zombie) within `timeout_s`. Not `is_alive()`: the
    pool's own thread reaps the worker too, and a `Process` whose exit that thread collected
    first reads as alive for ever (3 of 40 tries at load 6, the process long gone)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def test_a_point_with_after_waits_for_them_and_gets_their_points(monkeypatch):
    """A task naming `after` tasks is submitted only once they are done (on two threads, so
    not by the order of a queue), prepared with their points: an envelope task gets the
    cheapest as its candidate with the least bound. `after` indices not in the run are not
    waited for."""
    from network.explore import executor as executor_module
    from network.explore.points import Outcome, PointResult, PointTask

    log = []

    def fake(task, params):
        log.append(("start", task.index, time.perf_counter()))
        time.sleep(0.2 if task.index < 2 else 0.0)
        cost = {0: 110.0, 1: 100.0}.get(task.index, 50.0)
        outcome = Outcome("optimal", cost_usd=cost, bound_usd=cost - 1 - task.index,
                          design=object())
        log.append(("end", task.index, time.perf_counter(), task.candidate))
        return PointResult(task.index, task.labels, outcome, None, 0.0, "w")

    monkeypatch.setattr(executor_module, "solve_point", fake)
    tasks = [PointTask("s", 0, {"sites": 1}, None), PointTask("s", 1, {"sites": 2}, None),
             PointTask("s", 2, {"sites": "any"}, None, after=(0, 1), swept_counts=(1, 2)),
             PointTask("s", 3, {"sites": "x"}, None, after=(99,), swept_counts=(5,))]
    ex = _Threads()
    try:
        points = run_sweep(tasks, ex, TIGHT).wait(30)
    finally:
        ex.pool.shutdown()
    assert sorted(p.index for p in points) == [0, 1, 2, 3]
    ends = {e[1]: e for e in log if e[0] == "end"}
    starts = {e[1]: e[2] for e in log if e[0] == "start"}
    assert starts[2] >= max(ends[0][2], ends[1][2])
    candidate = ends[2][3]
    assert candidate.cost_usd == 100.0 and candidate.bound_usd == 98.0
    assert ends[3][3] is None  # its `after` task is not in the run: solved as it is


def test_cancel_skips_the_held_back_points(monkeypatch):
    """Points still waiting for their `after` points when the sweep is cancelled are
    counted as skipped, never submitted."""
    from network.explore import executor as executor_module
    from network.explore.points import Outcome, PointResult, PointTask

    gate, started = threading.Event(), []

    def fake(task, params):
        started.append(task.index)
        gate.wait(30)
        return PointResult(task.index, task.labels, Outcome("optimal"), None, 0.0, "w")

    monkeypatch.setattr(executor_module, "solve_point", fake)
    tasks = [PointTask("s", 0, {"sites": 1}, None),
             PointTask("s", 1, {"sites": "any"}, None, after=(0,), swept_counts=(1,))]
    with LocalExecutor(1) as ex:
        run = run_sweep(tasks, ex, TIGHT)
        while not started:
            time.sleep(0.01)
        run.cancel()
        gate.set()
        run.wait(30)
    assert started == [0]
    assert run.progress.skipped == 1 and run.progress.cancelled


def test_a_slot_walks_one_chain_in_turn_and_an_idle_slot_takes_the_later_half():
    """The plan gives each slot the next task of the chain it walks (a frontier's count,
    levels falling), a new chain when its own is done, a released `after` task before
    either, and, with no chain left, the later half of the longest walk of another slot."""
    from network.explore.executor import _Plan
    from network.explore.points import PointTask

    def task(i, chain):
        return PointTask("s", i, {}, None, chain=chain)

    tasks = [task(0, "a"), task(1, "a"), task(2, "a"), task(3, "b"), task(4, None),
             task(5, "c"), task(6, "c"), task(7, "c"), task(8, "c"), task(9, "c")]
    plan = _Plan(tasks, 2)
    order = []

    def take(slot):
        t = plan.next_for(slot)
        order.append((slot, None if t is None else t.index))

    take(0), take(1), take(0), take(1), take(1), take(0)
    assert order == [(0, 0), (1, 3), (0, 1), (1, 4), (1, 5), (0, 2)]
    plan.urgent.append(task(10, None))
    take(0)  # the released task first
    take(0)  # a's walk is done and no chain waits: the later half of c's (6-9 left)
    take(1), take(0), take(1), take(0), take(1)
    assert order[6:] == [(0, 10), (0, 8), (1, 6), (0, 9), (1, 7), (0, None), (1, None)]
    assert plan.left() == 0


def test_worker_processes_start_with_one_blas_thread(monkeypatch):
    """A local worker process starts with OPENBLAS_NUM_THREADS=1 (OpenBLAS reads it once, as
    numpy loads, before any initializer runs) unless the caller set it, and the caller's own
    environment is left as it was."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    with LocalExecutor(2) as ex:
        set_by_caller = ex.submit(os.getenv, "OPENBLAS_NUM_THREADS", slot=0).result()
        monkeypatch.delenv("OPENBLAS_NUM_THREADS")
        unset = ex.submit(os.getenv, "OPENBLAS_NUM_THREADS", slot=1).result()
        assert "OPENBLAS_NUM_THREADS" not in os.environ
    assert (set_by_caller, unset) == ("2", "1")
