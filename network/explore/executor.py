"""Where sweep points run, and a running sweep: progress, results as they finish, cancel.

One interface for every sweep (frontier, site counts, sensitivity, forcing, robustness):
`run_sweep(tasks, executor)` submits each `PointTask` to `executor.submit(solve_point, task,
params)` and collects the futures as they finish. Two executors give those futures:

- `LocalExecutor(workers)`: worker processes on this machine (`workers` >= 2, started with
  "spawn" so that a server's threads are never forked), or with `workers=1` one thread in this
  process (the warm solver then lives beside the caller).
- `DaskExecutor(address)`: a Dask cluster (`dask.distributed`); its workers must be able to
  import this package.

`executor_for(scheduler)` picks Dask when a scheduler address is given or set in the
environment variable NETWORK_DASK_SCHEDULER, else the local one. Both executors return futures
with `done()`, `result()` and `cancel()`, and the collecting loop below uses only those, so the
code path after `submit` is the same for both.

A task with `after` (the frontier's envelope points: points.PointTask) is held back until
the tasks it names are done, then submitted as `points.prepared(task, their points)`; the
indices it names that are not in the run are not waited for (then it is solved as it is).

Cancelling stops every point not yet started (held-back ones too); points already running
finish on their worker (a solve cannot be interrupted) but are not waited for; everything
finished before the cancel is kept.

A point that does not come back long after its solves' time limits (`stall_s`: twice
points.overrun_s from the moment its future shows as running) is given up: it is kept as an
`error` point that says so, and the sweep goes on and ends without it, where it would
otherwise show "0 of N points" for ever. Its worker has written its threads' stacks to its
stderr by then (points.solve_point), and its executor is told (`abandon_stalled`): a local
one then stops its worker processes when closed instead of waiting for ever. Only futures
that say when they run (the local executors') are watched; a Dask cluster watches its own
workers.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor as FuturesExecutor
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from network.explore.points import (
    Outcome,
    PointResult,
    PointTask,
    overrun_s,
    prepared,
    solve_point,
)
from network.optimize import SolveParams

SCHEDULER_ENV = "NETWORK_DASK_SCHEDULER"  # a Dask scheduler address, e.g. tcp://10.0.0.5:8786
DEFAULT_LOCAL_WORKERS = 2  # processes; see BENCHMARKS.md (Tradeoff explorer) for the choice
SWEEP_PARAMS = SolveParams(time_limit_s=60.0, relative_gap=1e-4)
POLL_S = 0.05  # how often the collecting thread looks at the futures
ERROR = "error"  # status of a point whose worker raised (a bug: the message is kept)


class _Closing:
    """`with executor:` closes it at the end."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalExecutor(_Closing):
    """Worker processes on this machine (or one thread in this process when workers == 1)."""

    def __init__(self, workers: int = DEFAULT_LOCAL_WORKERS):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.stalled = False  # a point given up as stalled: see abandon_stalled
        self._pool: FuturesExecutor = (
            ThreadPoolExecutor(1, thread_name_prefix="sweep") if workers == 1
            else ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                                     initializer=_ignore_interrupt))

    @property
    def description(self) -> str:
        return ("1 thread in this process" if self.workers == 1
                else f"{self.workers} local worker processes")

    def submit(self, fn: Callable, *args):
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        """Drop the points not started and wait for the running ones (a solve cannot be
        interrupted) before the workers stop; after a stall (`abandon_stalled`) the worker
        processes are stopped instead, since one of them would never end."""
        if self.stalled and self.workers > 1:
            for process in list((self._pool._processes or {}).values()):
                process.terminate()
        self._pool.shutdown(wait=not self.stalled, cancel_futures=True)

    def abandon_stalled(self) -> None:
        """A sweep gave up a point that never came back (SweepRun): its worker is stuck."""
        self.stalled = True


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the caller, which cancels the sweep and keeps what is done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class DaskExecutor(_Closing):
    """A Dask cluster reached through its scheduler's address."""

    def __init__(self, address: str, timeout_s: float = 10.0):
        from distributed import Client  # here: importing distributed takes about a second

        self.address = address
        self.client = Client(address, timeout=timeout_s, set_as_default=False)

    @property
    def description(self) -> str:
        workers = len(self.client.scheduler_info().get("workers", {}))
        return f"Dask cluster at {self.address} ({workers} workers)"

    def submit(self, fn: Callable, *args):
        return self.client.submit(fn, *args, pure=False)

    def close(self) -> None:
        self.client.close()


Executor = LocalExecutor | DaskExecutor


def executor_for(scheduler: str | None = None, workers: int = DEFAULT_LOCAL_WORKERS
                 ) -> Executor:
    """Dask at `scheduler` (or at $NETWORK_DASK_SCHEDULER when that is set), else local."""
    address = scheduler or os.environ.get(SCHEDULER_ENV, "").strip()
    return DaskExecutor(address) if address else LocalExecutor(workers)


@dataclass(frozen=True)
class Progress:
    """How far a sweep is: points finished of the total, seconds since it started, and an
    estimate of the seconds left (None before the first point); after a cancel, `skipped`
    counts the points stopped before they started."""

    done: int
    total: int
    elapsed_s: float
    cancelled: bool
    finished: bool
    skipped: int = 0

    @property
    def eta_s(self) -> float | None:
        if self.done == 0:
            return None
        return self.elapsed_s / self.done * (self.total - self.done)


class SweepRun:
    """A sweep running in the background. Iterate it for points as they finish, or poll
    `progress` and `results()`; `cancel()` stops the points not yet started."""

    def __init__(self, tasks: Sequence[PointTask], executor: Executor, params: SolveParams,
                 on_point: Callable[[PointResult, Progress], None] | None = None,
                 owns_executor: bool = False):
        self.total = len(tasks)
        self._lock = threading.Lock()
        self._done: list[PointResult] = []
        self._queue: queue.Queue[tuple[PointResult, Progress] | None] = queue.Queue()
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._start = time.perf_counter()
        self._end: float | None = None
        self._skipped = 0
        self._on_point = on_point
        self.stall_s = 2 * overrun_s(params)  # see the module's docstring
        self.callback_errors: list[str] = []  # what `on_point` raised, per point
        self._params = params
        self._indices = {t.index for t in tasks}
        self._held = [t for t in tasks if any(a in self._indices for a in t.after)]  # module
        held = {id(t) for t in self._held}
        futures = {executor.submit(solve_point, t, params): t for t in tasks
                   if id(t) not in held}
        self._thread = threading.Thread(target=self._collect, name="sweep-collector",
                                        args=(futures, executor, owns_executor), daemon=True)
        self._thread.start()

    @property
    def progress(self) -> Progress:
        with self._lock:
            done = len(self._done)
        end = self._end if self._end is not None else time.perf_counter()
        return Progress(done, self.total, end - self._start, self._cancel.is_set(),
                        self._finished.is_set(), self._skipped)

    def results(self) -> list[PointResult]:
        """Every point finished so far, in the order of the tasks."""
        with self._lock:
            return sorted(self._done, key=lambda r: r.index)

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout_s: float | None = None) -> list[PointResult]:
        """Block until the sweep ends (or is cancelled) or `timeout_s` passes; the results."""
        self._finished.wait(timeout_s)
        return self.results()

    def __iter__(self) -> Iterator[PointResult]:
        """Points in the order they finish, until the sweep ends or is cancelled (one
        consumer only, of this or `updates`)."""
        return (point for point, _ in self.updates())

    def updates(self) -> Iterator[tuple[PointResult, Progress]]:
        """Each point as it finishes with the progress counted when it came in."""
        while True:
            item = self._queue.get()
            if item is None:
                return
            yield item

    def _collect(self, futures: dict, executor: Executor, owns_executor: bool) -> None:
        pending = dict(futures)
        running_since: dict = {}  # future -> when it was first seen running
        try:
            while pending and not self._cancel.is_set():
                ready = [f for f in pending if f.done()]
                if not ready:
                    time.sleep(POLL_S)
                for future in ready:
                    running_since.pop(future, None)
                    self._keep(_point_of(future, pending.pop(future)))
                for future in self._stalled(pending, running_since):
                    self._keep(_stalled_point(pending.pop(future), self.stall_s))
                    getattr(executor, "abandon_stalled", lambda: None)()
                if self._held and not self._cancel.is_set():
                    pending.update(self._release(executor))
        finally:
            for future in pending:
                future.cancel()
            self._skipped = sum(future.cancelled() for future in pending) + len(self._held)
            self._end = time.perf_counter()
            self._finished.set()
            self._queue.put(None)
            if owns_executor:
                executor.close()

    def _release(self, executor: Executor) -> dict:
        """Submit the held-back tasks whose `after` tasks are all done, each prepared with
        their points (points.prepared); the futures, to their tasks."""
        with self._lock:
            done = {p.index: p for p in self._done}
        out = {}
        for task in [t for t in self._held
                     if all(a in done for a in t.after if a in self._indices)]:
            self._held.remove(task)
            ready = prepared(task, [done[a] for a in task.after if a in done])
            out[executor.submit(solve_point, ready, self._params)] = task
        return out

    def _stalled(self, pending: dict, running_since: dict) -> list:
        """The pending futures running for longer than `stall_s` (local executors only)."""
        now = time.perf_counter()
        out = []
        for future in pending:
            if future.done() or not callable(getattr(future, "running", None)):
                continue
            if future.running():
                since = running_since.setdefault(future, now)
                if now - since > self.stall_s:
                    out.append(future)
        for future in out:
            running_since.pop(future)
        return out

    def _keep(self, point: PointResult) -> None:
        """Keep a finished point and pass it on. The caller's `on_point` raising (a bug on
        its side) is recorded in `callback_errors`, never allowed to end the collecting loop:
        that stopped the sweep silently, the other points neither collected nor reported."""
        with self._lock:
            self._done.append(point)
        progress = self.progress
        self._queue.put((point, progress))
        if self._on_point is not None:
            try:
                self._on_point(point, progress)
            except Exception as exc:  # noqa: BLE001 - reported, and the sweep goes on
                self.callback_errors.append(f"point {point.index}: {type(exc).__name__}: {exc}")


def _point_of(future, task: PointTask) -> PointResult:
    """The future's result, or an `error` point carrying the exception's text."""
    try:
        return future.result()
    except Exception as exc:  # a worker's bug or a lost worker: keep the sweep going
        return _error_point(task, f"{type(exc).__name__}: {exc}", 0.0)


def _error_point(task: PointTask, text: str, seconds: float) -> PointResult:
    return PointResult(task.index, task.labels, Outcome(ERROR, explanation=(text,)), None,
                       seconds, "")


def _stalled_point(task: PointTask, stall_s: float) -> PointResult:
    """An `error` point for a task whose worker gave no answer within `stall_s`."""
    text = (f"no answer from its worker within {stall_s:.0f} s of starting, long past the "
            "solve's time limit: given up so that the sweep could end (the worker's log has "
            "where it stalled)")
    return _error_point(task, text, stall_s)


def run_sweep(tasks: Sequence[PointTask], executor: Executor | None = None,
              params: SolveParams = SWEEP_PARAMS,
              on_point: Callable[[PointResult, Progress], None] | None = None) -> SweepRun:
    """Start `tasks` on `executor` (default: `executor_for()`, closed when the sweep ends) and
    return at once. `on_point(point, progress)` is called from the collecting thread."""
    owns = executor is None
    return SweepRun(tasks, executor or executor_for(), params, on_point, owns_executor=owns)
