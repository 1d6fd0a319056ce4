"""Where sweep points run, and a running sweep: progress, results as they finish, cancel.

One interface for every sweep (frontier, site counts, sensitivity, forcing, robustness):
`run_sweep(tasks, executor)` submits each `PointTask` as `executor.submit(solve_point, task,
params, slot=s)` and collects the futures as they finish. An executor has `slots` (how many
points run at once: its workers) and runs a point submitted to slot s on that slot's worker,
so a worker's warm state (points.solve_point) serves the next point it is given. Two
executors give those futures:

- `LocalExecutor(workers)`: worker processes on this machine (`workers` >= 2, started with
  "spawn" so that a server's threads are never forked), or with `workers=1` one thread in this
  process (the warm solver then lives beside the caller).
- `DaskExecutor(address)`: a Dask cluster (`dask.distributed`); its workers must be able to
  import this package.

`executor_for(scheduler)` picks Dask when a scheduler address is given or set in the
environment variable NETWORK_DASK_SCHEDULER, else the local one. Both executors return futures
with `done()`, `result()` and `cancel()`, and the collecting loop below uses only those, so the
code path after `submit` is the same for both.

Each slot runs one point at a time, and is given its next point when that one is done
(`_Plan`): a task with `after` (the frontier's envelope points: points.PointTask) once the
tasks it names are done (first of all, as `points.prepared(task, their points)`; the indices
it names that are not in the run are not waited for, then it is solved as it is); else the
next point of the chain the slot walks (points.PointTask.chain: a frontier's site count,
level after falling level, so that each level starts from the last level's design and
prices on the same worker); else the first chain no slot has taken (tasks without a chain
are chains of one, in the order given); else the later half of the longest chain another
slot still walks, so that no slot idles while points wait. Why one at a time and not every
task queued at once: a pool then hands the levels of one count alternately to its two
workers, each level starting from the level two above and each worker's first level of each
count from another count's solution (BENCHMARKS.md, "Tradeoff explorer", branch `frontier3`:
the 121-point frontier in 1.2x less CPU).

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
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor as FuturesExecutor
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import active_children, get_context
from multiprocessing.process import BaseProcess

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
PID_WAIT_S = 10.0  # LocalExecutor.processes waits this long for a starting worker's pid
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
    """Worker processes on this machine (or one thread in this process when workers == 1).

    Each worker process is a pool of its own (a slot), so that a sweep can send the points
    of one chain (points.PointTask.chain) to the process that holds that chain's warm state;
    a pool of several processes hands each point to whichever process is free."""

    def __init__(self, workers: int = DEFAULT_LOCAL_WORKERS):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.stalled = False  # a point given up as stalled: see abandon_stalled
        self._next = 0  # the slot of a submit that names none
        self._pids: list[Future | None] = [None] * workers  # each worker's first task:
        # os.getpid, answered once it has started (processes)
        self._pools: list[FuturesExecutor] = (
            [ThreadPoolExecutor(1, thread_name_prefix="sweep")] if workers == 1
            else [ProcessPoolExecutor(1, mp_context=get_context("spawn"),
                                      initializer=_ignore_interrupt)
                  for _ in range(workers)])

    @property
    def description(self) -> str:
        return ("1 thread in this process" if self.workers == 1
                else f"{self.workers} local worker processes")

    @property
    def slots(self) -> int:
        """How many points run at once: one per worker."""
        return self.workers

    def submit(self, fn: Callable, *args, slot: int | None = None):
        """`fn(*args)` on worker `slot` (0 .. slots - 1; the next one in turn when None)."""
        if slot is None:
            slot, self._next = self._next, self._next + 1
        i = slot % len(self._pools)
        if self.workers > 1 and self._pids[i] is None:  # its process starts with this submit
            with worker_environment():
                self._pids[i] = self._pools[i].submit(os.getpid)
        return self._pools[i].submit(fn, *args)

    def processes(self) -> list[BaseProcess]:
        """The worker processes that have started (none for the one-thread executor): this
        process's children (multiprocessing.active_children) whose pid a worker answered to
        its first task. Why so: a ProcessPoolExecutor names its processes only in a private
        attribute; a worker running any task has answered (one process per pool, first task
        first), so a stalled one is always among these. A worker still starting is waited
        for up to PID_WAIT_S: a future shows as running once queued, before its worker runs."""
        pids = set()
        for future in self._pids:
            if future is None:
                continue
            try:
                pids.add(future.result(timeout=PID_WAIT_S))
            except Exception:  # noqa: BLE001 - no answer (cancelled, lost worker): not ours
                continue
        return [process for process in active_children() if process.pid in pids]

    def close(self) -> None:
        """Drop the points not started and wait for the running ones (a solve cannot be
        interrupted) before the workers stop; after a stall (`abandon_stalled`) the worker
        processes are stopped instead, since one of them would never end."""
        if self.stalled and self.workers > 1:
            for process in self.processes():
                process.terminate()
        for pool in self._pools:
            pool.shutdown(wait=not self.stalled, cancel_futures=True)

    def abandon_stalled(self) -> None:
        """A sweep gave up a point that never came back (SweepRun): its worker is stuck."""
        self.stalled = True


WORKER_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1"}  # what a worker process starts with, unless
# this process's environment sets it already


@contextmanager
def worker_environment() -> Iterator[None]:
    """This process's environment with WORKER_ENVIRONMENT's variables where it has none, while
    a worker process is started (it inherits the environment it is started with), restored
    after.

    Why: OpenBLAS reads OPENBLAS_NUM_THREADS once, when numpy loads it, which a spawned worker
    does as it imports this package to unpickle its first task, before a pool's initializer
    runs; without it each worker starts a BLAS thread per core, and on a machine of 2 cores
    shared by the two workers and the caller those threads wait for a core:
    `full.objective @ values` (261,381 terms, in every incumbent.offer) took 24 ms at load 14
    against 0.09 ms with one thread (BENCHMARKS.md, branches warm4 and warm5). A variable the
    caller set is left as it is."""
    added = [name for name in WORKER_ENVIRONMENT if name not in os.environ]
    for name in added:
        os.environ[name] = WORKER_ENVIRONMENT[name]
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the caller, which cancels the sweep and keeps what is done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class DaskExecutor(_Closing):
    """A Dask cluster reached through its scheduler's address."""

    def __init__(self, address: str, timeout_s: float = 10.0):
        from distributed import Client  # here: importing distributed takes about a second

        self.address = address
        self.client = Client(address, timeout=timeout_s, set_as_default=False)
        self._addresses: list[str] = []  # a worker's address per slot (one per thread)

    @property
    def description(self) -> str:
        workers = len(self.client.scheduler_info().get("workers", {}))
        return f"Dask cluster at {self.address} ({workers} workers)"

    @property
    def slots(self) -> int:
        """How many points run at once: one per worker thread of the cluster (as it was
        when first asked; at least 1)."""
        return len(self._slot_workers())

    def submit(self, fn: Callable, *args, slot: int | None = None):
        """`fn(*args)` on the cluster; with `slot`, preferably on that slot's worker (another
        takes it when that one is gone)."""
        address = None if slot is None else self._slot_workers()[slot % self.slots]
        workers = [address] if address else None
        return self.client.submit(fn, *args, pure=False, workers=workers,
                                  allow_other_workers=workers is not None)

    def _slot_workers(self) -> list[str]:
        if not self._addresses:
            info = self.client.scheduler_info().get("workers", {})
            self._addresses = [address for address, worker in sorted(info.items())
                               for _ in range(max(1, int(worker.get("nthreads", 1))))]
        return self._addresses or [""]

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


class _Plan:
    """Which task each slot runs next (the module's docstring): the chains not yet taken,
    each slot's chain in progress, and the released `after` tasks, which go first."""

    def __init__(self, tasks: Sequence[PointTask], slots: int):
        self.chains: deque[deque[PointTask]] = deque()
        for task in tasks:
            last = self.chains[-1] if self.chains else None
            if task.chain is not None and last and last[-1].chain == task.chain:
                last.append(task)
            else:
                self.chains.append(deque([task]))
        self.walks: list[deque[PointTask]] = [deque() for _ in range(slots)]
        self.urgent: deque[PointTask] = deque()

    def next_for(self, slot: int) -> PointTask | None:
        if self.urgent:
            return self.urgent.popleft()
        walk = self.walks[slot]
        if not walk and self.chains:
            walk = self.walks[slot] = self.chains.popleft()
        if not walk:
            longest = max(self.walks, key=len)
            if longest:  # its later half (its lowest levels), the later tasks in order
                half = max(1, len(longest) // 2)
                walk = self.walks[slot] = deque(longest.pop() for _ in range(half))
                walk.reverse()
        return walk.popleft() if walk else None

    def left(self) -> int:
        """Tasks not handed out yet (the held-back ones are not here)."""
        return (len(self.urgent) + sum(map(len, self.chains)) + sum(map(len, self.walks)))


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
        self._wake = threading.Event()  # a future is done, or the sweep is cancelled
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
        self._slots = max(1, executor.slots)  # asked once: a cluster's may change meanwhile
        self._plan = _Plan([t for t in tasks if id(t) not in held], self._slots)
        self._thread = threading.Thread(target=self._collect, name="sweep-collector",
                                        args=(executor, owns_executor), daemon=True)
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
        self._wake.set()

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

    def _collect(self, executor: Executor, owns_executor: bool) -> None:
        pending: dict = {}  # future -> (its task, its slot)
        running_since: dict = {}  # future -> when it was first seen running
        free = list(range(self._slots))  # slots with no point running
        try:
            while not self._cancel.is_set():
                self._fill(executor, pending, free)
                if not pending:
                    break
                self._wake.wait(POLL_S)
                self._wake.clear()  # before looking: a future done after this wakes the next
                for future in [f for f in pending if f.done()]:
                    running_since.pop(future, None)
                    task, slot = pending.pop(future)
                    free.append(slot)
                    self._keep(_point_of(future, task))
                for future in self._stalled(pending, running_since):
                    task, _ = pending.pop(future)  # its slot's worker is stuck: not reused
                    self._keep(_stalled_point(task, self.stall_s))
                    getattr(executor, "abandon_stalled", lambda: None)()
                if self._held:
                    self._release()
        finally:
            for future in pending:
                future.cancel()
            self._skipped = (sum(future.cancelled() for future in pending) + self._plan.left()
                             + len(self._held))
            self._end = time.perf_counter()
            self._finished.set()
            self._queue.put(None)
            if owns_executor:
                executor.close()

    def _fill(self, executor: Executor, pending: dict, free: list[int]) -> None:
        """Give each free slot its next task (`_Plan`), in slot order."""
        free.sort()
        while free:
            task = self._plan.next_for(free[0])
            if task is None:
                return
            slot = free.pop(0)
            future = executor.submit(solve_point, task, self._params, slot=slot)
            future.add_done_callback(lambda _: self._wake.set())
            pending[future] = (task, slot)

    def _release(self) -> None:
        """Hand the held-back tasks whose `after` tasks are all done to the plan, each
        prepared with their points (points.prepared)."""
        with self._lock:
            done = {p.index: p for p in self._done}
        for task in [t for t in self._held
                     if all(a in done for a in t.after if a in self._indices)]:
            self._held.remove(task)
            self._plan.urgent.append(prepared(task, [done[a] for a in task.after if a in done]))

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
