"""What a session's background work holds and how fast Cancel stops it (BENCHMARKS.md, "App:
background work per session").

    .venv/bin/python -m scripts.bench_session_work [--cancels 6] [--points 6]

Memory (tracemalloc, Python allocations; numpy's included):
    warm solver         ui.background's per-session state after one solve of the default
                        scenario (the lane table it refers to is the app's shared cache,
                        counted apart); then the solve's result, which the session keeps
    lane table          the default scenario's lanes (shared by every session on it)
    a point            one sweep point as it comes back from a worker (with each ZIP3's lane),
                        then as the session keeps it: packed (frontier and site counts: the
                        map and "use this design" need the lanes) or slim (open sites only:
                        sensitivity, why-not, robustness)
Cancel: a cold solve of the default scenario in a session's solve thread, cancelled after a
delay; the seconds until the thread has stopped (the optimizer stops at its next progress
report), against the solve left alone.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import time
import tracemalloc

from network.explore import frontier_tasks
from network.explore.points import solve_point
from network.lanes import build_lanes
from network.optimize import SolveParams
from network.scenario_file import load_default_scenario
from ui.background import DESIGN, SessionSolver, SolveRequest, warm_solve
from ui.state import UNDO_DEPTH
from ui.sweeps import packed, unpacked, without_assignments


def traced_mb() -> float:
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 1e6


def memory(points: int) -> None:
    tracemalloc.start()
    scenario = load_default_scenario()
    at = traced_mb()
    lanes = build_lanes(scenario)
    print(f"lane table (shared): {traced_mb() - at:.1f} MB")
    at = traced_mb()
    solver = SessionSolver()
    solver.request(SolveRequest(DESIGN, scenario, hash(scenario), lanes))
    solver.join()
    result = solver.take_finished()[0].result
    with_result = traced_mb() - at
    del result
    warm = traced_mb() - at
    print(f"warm solver after one solve: {warm:.1f} MB; the solve's result: "
          f"{1000 * (with_result - warm):.0f} KB (a session keeps its last solve and, for Undo, "
          f"those of its last {UNDO_DEPTH + 1} scenarios: ui.state)")
    at = traced_mb()
    solver.end()
    print(f"ending the session frees: {at - traced_mb():.1f} MB")
    tasks = frontier_tasks(scenario, 2, [0.9], range(3, 3 + points), include_any=False)
    params = SolveParams(time_limit_s=30)
    sent = [pickle.dumps(solve_point(t, params)) for t in tasks]  # as from a worker process
    at = traced_mb()
    kept = [pickle.loads(b) for b in sent]
    full = (traced_mb() - at) / len(kept)
    at = traced_mb()
    slim = [without_assignments(pickle.loads(b)) for b in sent]
    slim_kb = 1000 * (traced_mb() - at) / len(slim)
    at = traced_mb()
    packs = [packed(pickle.loads(b)) for b in sent]
    packed_kb = 1000 * (traced_mb() - at) / len(packs)
    assert all(unpacked(p.optimum.design) == k.optimum.design
               for p, k in zip(packs, kept, strict=True))
    print(f"a point as received: {1000 * full:.0f} KB ({len(kept)} points); kept packed "
          f"(frontier, site counts): {packed_kb:.1f} KB; kept slim (open sites only: "
          f"sensitivity, why-not, robustness): {slim_kb:.1f} KB")
    tracemalloc.stop()


def cancel_latency(delays: list[float]) -> None:
    scenario = load_default_scenario()
    lanes = build_lanes(scenario)
    start = time.perf_counter()
    warm_solve(None, SolveRequest(DESIGN, scenario, 0, lanes),
               type("Run", (), {"on_progress": lambda self, r: None})())
    alone = time.perf_counter() - start
    print(f"cold solve left alone: {alone:.1f} s (load {os.getloadavg()[0]:.1f})")
    for delay in delays:
        solver = SessionSolver()
        solver.request(SolveRequest(DESIGN, scenario, 0, lanes))
        time.sleep(delay)
        cancelled = time.perf_counter()
        solver.cancel(DESIGN)
        solver.join()
        stopped = time.perf_counter() - cancelled
        print(f"cancel after {delay:.1f} s: stopped {stopped:.2f} s later "
              f"(load {os.getloadavg()[0]:.1f})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cancels", type=int, default=6)
    p.add_argument("--points", type=int, default=6)
    args = p.parse_args()
    memory(args.points)
    cancel_latency([0.5 * (i + 1) for i in range(args.cancels)])


if __name__ == "__main__":
    main()
