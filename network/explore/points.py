"""One point of a sweep: the task a worker solves and the plain-data outcome it sends back.

A `PointTask` carries the whole scenario to solve (about 50 KB pickled), so any worker can take
any point; `solve_point` runs on the worker and keeps, per sweep and per thread, a `WarmSolver`
(lanes, reduced options, the last solution) and the share bounds it computed, so consecutive
points of one sweep start from the previous design. Outcomes carry the design (open sites and
the lane of each ZIP3) but no lane table, so they are small to send back.

Status of an outcome: the optimizer's (`optimal`, `feasible`, `infeasible`, `no_solution`,
`invalid_input`), `infeasible` also when the share bound of reach.py proves the promise out of
reach (then no solve runs), or `rejected` when evaluate() finds the returned design breaks a
constraint (the violations are the explanation): evaluate() decides, not the solver.
"""

from __future__ import annotations

import faulthandler
import os
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from network.evaluate import Design, Evaluation, evaluate
from network.explore.envelope import lagrangian_bound, unswept_bound, without_empty_count
from network.explore.reach import ShareBound, greedy_share, share_bound
from network.lanes import LaneTable, build_lanes, lanes_for_orders
from network.optimize import OptimizeResult, SolveParams, WarmSolver
from network.optimize.model import count_range
from network.optimize.problem import SHARE_SLACK, problem_from_scenario
from network.optimize.reduce import reduce_options
from network.optimize.result import bound_holds, relative_gap_of
from network.scenario import DesignConstraints, Scenario, Targets
from network.wording import day_count

REJECTED = "rejected"  # status of a design that evaluate() finds infeasible
SETTLED = "settled by the count rows"  # how the explanation of an envelope point the count
# rows settle begins (envelope.py): no search ran for it
BOUND_INFEASIBLE = "infeasible"  # a promise above the share bound: proven out of reach
SHARE_DAYS = (1, 2, 3)  # the shares every outcome reports (CSV share_within_1d .. 3d)
KEEP_SWEEPS = 2  # sweeps whose warm state a worker thread keeps
OVERRUN_GRACE_S = 60.0  # past a point's solve limits before it counts as overrun (stalled)


@dataclass(frozen=True)
class Outcome:
    """What one solve of one scenario gave, as plain data (no solver or lane objects)."""

    status: str
    cost_usd: float | None = None
    cost_per_order_usd: float | None = None
    orders_per_year: float | None = None
    avg_days: float | None = None
    share_within: Mapping[int, float] = field(default_factory=dict)  # days -> 0-1
    open_sites: tuple[str, ...] = ()
    gap: float | None = None
    design: Design | None = None
    explanation: tuple[str, ...] = ()
    best_share: Mapping[int, float] = field(default_factory=dict)  # days -> the share bound
    # (0-1) of each share target, when the bound proved one of them out of reach
    bound_usd: float | None = None  # the optimizer's proven lower bound on any design's cost

    @property
    def has_design(self) -> bool:
        return self.design is not None and self.status in ("optimal", "feasible", "given")


@dataclass(frozen=True)
class PointTask:
    """Solve `scenario` (point `index` of sweep `sweep_id`). With `check_reach`, first check
    each share target against the share bound (a target above it needs no solve). With
    `fixed_sites`, also solve the same scenario with exactly those sites open (every other
    closed): a given design's cost at this point.

    A task with `after` (indices of other tasks of the sweep) is held back by the sweep
    (executor.SweepRun) until those are done, and then runs as `prepared(task, their
    points)`."""

    sweep_id: str
    index: int
    labels: Mapping[str, object]
    scenario: Scenario
    check_reach: bool = False
    fixed_sites: tuple[str, ...] | None = None
    after: tuple[int, ...] = ()
    swept_counts: tuple[int, ...] = ()  # an envelope ("any") task: the counts its `after`
    # points solve at its level (envelope.py)
    candidate: Outcome | None = None  # set by `prepared`: the cheapest of those points (an
    # infeasible outcome when none has a design), its bound the least of theirs
    chain: str | None = None  # consecutive tasks of one chain run in turn on one worker,
    # each warm from the one before (executor._Plan): a frontier's site count, levels falling


@dataclass(frozen=True)
class PointResult:
    """A solved point: the task's index and labels, the optimum, the fixed design's outcome
    (when asked), the seconds it took on the worker and which worker ran it, and the CPU
    seconds of the worker's process meanwhile (every thread of it: the point's own on a
    worker process, which runs one point at a time; what a loaded machine's wall times hide)."""

    index: int
    labels: Mapping[str, object]
    optimum: Outcome
    fixed: Outcome | None
    seconds: float
    worker: str
    cpu_seconds: float = 0.0


def outcome_of(result: OptimizeResult) -> Outcome:
    """The optimizer's result as an Outcome; a design evaluate() rejects becomes `rejected`."""
    if not result.status.has_design:
        return Outcome(result.status.value, explanation=result.explanation)
    evaluation = result.evaluation
    if not evaluation.feasible:
        return replace(evaluated(evaluation, result.design, REJECTED),
                       explanation=tuple(evaluation.violations))
    return replace(evaluated(evaluation, result.design, result.status.value), gap=result.gap,
                   bound_usd=result.best_bound_usd)


def cheaper(optimum: Outcome, fixed: Outcome) -> Outcome:
    """The optimum, or the fixed design when that came out cheaper (a solve stopped by its
    time limit): both are feasible designs of the same scenario, so the cheaper one is the
    better answer; its gap is against the optimum's bound, which holds for every design."""
    if not fixed.has_design or (optimum.has_design and optimum.cost_usd <= fixed.cost_usd):
        return optimum
    status = optimum.status if optimum.has_design else "feasible"
    return with_bound(replace(fixed, status=status), optimum.bound_usd)


def with_bound(outcome: Outcome, bound: float | None) -> Outcome:
    """`outcome` with its gap against `bound`, a lower bound on every design of its scenario.
    A bound above the design's cost cannot be valid: it is warned (BoundAboveCost), not
    clamped, and the outcome then claims no gap and is not called optimal."""
    if bound is None:
        return replace(outcome, gap=None, bound_usd=None)
    if not bound_holds(bound, outcome.cost_usd):
        return replace(outcome, status="feasible", gap=None, bound_usd=None)
    return replace(outcome, gap=relative_gap_of(outcome.cost_usd, bound), bound_usd=bound)


def evaluated(evaluation: Evaluation, design: Design, status: str) -> Outcome:
    k = evaluation.kpis
    return Outcome(status, cost_usd=k.total_cost_usd, cost_per_order_usd=k.cost_per_order_usd,
                   orders_per_year=k.orders_per_year, avg_days=k.avg_delivery_days,
                   share_within={d: k.share_within_days.get(d, 1.0) for d in SHARE_DAYS},
                   open_sites=design.open_site_ids, design=design)


def design_outcome(scenario: Scenario, design: Design, lanes: LaneTable | None = None
                   ) -> Outcome:
    """A given design as an Outcome (status `given`, or `rejected` with its violations): the
    current design's own point, for marking it on a chart."""
    evaluation = evaluate(scenario, design, lanes)
    if not evaluation.feasible:
        return replace(evaluated(evaluation, design, REJECTED),
                       explanation=tuple(evaluation.violations))
    return evaluated(evaluation, design, "given")


def prepared(task: PointTask, after: list[PointResult]) -> PointTask:
    """`task` once the points it waits for are done (`after`, those of them in the sweep).

    An envelope task (`swept_counts`) whose count points are all here, each with a design and
    a proven bound (optimal, or stopped by the time limit) or proven infeasible, gets the
    cheapest of them as `candidate`, its bound the least of their bounds (inf for an
    infeasible count): the worker returns that candidate when it is proven within the gap
    over every count, and solves the point only otherwise (envelope.py). A task whose count
    points are not all settled is solved as it is."""
    if not task.swept_counts or len(after) < len(task.after):
        return task
    outcomes = [p.optimum for p in after]
    if not all(o.status == BOUND_INFEASIBLE or (o.has_design and o.bound_usd is not None)
               for o in outcomes):
        return task
    designs = [o for o in outcomes if o.has_design]
    if not designs:
        return replace(task, candidate=Outcome(BOUND_INFEASIBLE, bound_usd=float("inf")))
    best = min(designs, key=lambda o: o.cost_usd)
    return replace(task, candidate=replace(best, bound_usd=min(o.bound_usd for o in designs)))


def new_sweep_id() -> str:
    """A fresh key for a sweep's warm state on the workers."""
    return uuid.uuid4().hex


def scenario_task(scenario: Scenario, labels: Mapping[str, object] | None = None) -> PointTask:
    """A one-point sweep: the scenario as it is (e.g. its optimum as the current design)."""
    return PointTask(new_sweep_id(), 0, dict(labels or {}), scenario)


def with_fixed_sites(scenario: Scenario, open_sites: tuple[str, ...]) -> Scenario:
    """`scenario` with exactly `open_sites` open: the optimizer then only chooses each ZIP3's
    lane, the cheapest assignment meeting the targets."""
    closed = tuple(s for s in scenario.site_ids if s not in open_sites)
    n = len(open_sites)
    constraints = replace(scenario.constraints, forced_open=tuple(open_sites),
                          forced_closed=closed, min_sites=n, max_sites=n)
    return scenario.with_changes(constraints=constraints)


# ---------------------------------------------------------------------------------------------
# The worker side


class _WorkerState(threading.local):
    """Per worker thread: for each recent sweep, its warm solvers and share bounds."""

    def __init__(self) -> None:
        self.sweeps: dict[str, dict] = {}

    def of(self, sweep_id: str) -> dict:
        if sweep_id not in self.sweeps:
            while len(self.sweeps) >= KEEP_SWEEPS:
                self.sweeps.pop(next(iter(self.sweeps)))
            self.sweeps[sweep_id] = {"solvers": {}, "bounds": {}}
        return self.sweeps[sweep_id]


_STATE = _WorkerState()


def overrun_s(params: SolveParams) -> float:
    """Seconds after which a point has overrun: its two solves (the optimum, the fixed
    design) at their time limit, plus a grace for lanes, bounds and evaluate()."""
    return 2 * params.time_limit_s + OVERRUN_GRACE_S


def solve_point(task: PointTask, params: SolveParams) -> PointResult:
    """Run on a worker: the point's optimum (and fixed design), warm from this worker's last
    point of the same sweep. A point that overruns (`overrun_s`) writes a line and every
    thread's stack to the worker's stderr (the server's or the command's log), so that a
    stalled solve says where it stalled; the point itself goes on."""
    limit = overrun_s(params)
    watchdog = threading.Timer(limit, _report_overrun, (task, params))
    watchdog.daemon = True
    watchdog.start()
    # A solver stuck in C with the GIL held stops the timer's thread too; faulthandler's own
    # watchdog still dumps the stacks then. It keeps one timer per process: main thread only.
    in_main = threading.current_thread() is threading.main_thread() and _has_fileno(sys.stderr)
    if in_main:
        faulthandler.dump_traceback_later(limit + OVERRUN_GRACE_S, file=sys.stderr)
    try:
        return _solve_point(task, params)
    finally:
        watchdog.cancel()
        if in_main:
            faulthandler.cancel_dump_traceback_later()


def _has_fileno(stream) -> bool:
    try:
        stream.fileno()
    except (AttributeError, ValueError, OSError):
        return False
    return True


def _report_overrun(task: PointTask, params: SolveParams) -> None:
    stacks = "".join(f"Thread {ident}:\n" + "".join(traceback.format_stack(frame))
                     for ident, frame in sys._current_frames().items())
    print(f"sweep point {task.index} {dict(task.labels)} has run {overrun_s(params):.0f} s on "
          f"{socket.gethostname()}:{os.getpid()}, past its limit of {params.time_limit_s:g} s "
          f"a solve; the stacks of its threads:\n{stacks}", file=sys.stderr, flush=True)


def _solve_point(task: PointTask, params: SolveParams) -> PointResult:
    start, cpu = time.perf_counter(), time.process_time()
    state = _STATE.of(task.sweep_id)
    lanes = _lanes_for(state, task.scenario)
    optimum = _bounded(task, state, lanes)
    if optimum is None and task.candidate is not None:
        optimum = _settled(task, state, lanes, params.relative_gap)
    if optimum is None:
        # an envelope point its count rows did not settle: warm from this worker's last one
        role = "envelope" if task.swept_counts else "optimum"
        solver = _solver(state, role, task.scenario, lanes, params)
        optimum = outcome_of(solver.solve(task.scenario, lanes=lanes))
    fixed = None
    if task.fixed_sites is not None:
        pinned = with_fixed_sites(task.scenario, task.fixed_sites)
        fixed = _optimum_with_the_sites(optimum, pinned, lanes)
        if fixed is None:
            solver = _solver(state, "fixed", pinned, lanes, params)
            fixed = outcome_of(solver.solve(pinned, lanes=lanes))
            optimum = cheaper(optimum, fixed)
    return PointResult(task.index, task.labels, optimum, fixed, time.perf_counter() - start,
                       f"{socket.gethostname()}:{os.getpid()}", time.process_time() - cpu)


def _optimum_with_the_sites(optimum: Outcome, pinned: Scenario, lanes: LaneTable
                            ) -> Outcome | None:
    """The fixed design's outcome without its solve, when the proven optimum opens exactly
    the fixed sites: its design, evaluated on `pinned`, with the optimum's bound. None when
    a solve must decide.

    Why it holds: `pinned` only adds constraints (these sites open, every other closed), so
    every design of it is a design of the unconstrained scenario, and the optimum's bound,
    below every one of those, is below every design of `pinned` too; the optimum's design
    is one of them (evaluate() checks it on `pinned`). So it is within the same gap of
    `pinned`'s optimum. Robustness draws mostly keep the current sites (77 of the default's 100
    draws), and each saved solve was about a third of the draw's time."""
    if (optimum.status != "optimal" or optimum.design is None
            or set(optimum.open_sites) != set(pinned.constraints.forced_open)):
        return None
    evaluation = evaluate(pinned, optimum.design, lanes)
    if not evaluation.feasible:
        return None
    return with_bound(evaluated(evaluation, optimum.design, "optimal"), optimum.bound_usd)


def _lanes_for(state: dict, scenario: Scenario) -> LaneTable:
    """The lanes of `scenario`, reused while only its targets and constraints change (they do
    not enter the lane table), and given the new orders when only demand changes at the same
    ZIP3s (a robustness draw: lanes_for_orders)."""
    key = scenario.with_changes(targets=Targets(), constraints=DesignConstraints())
    kept = state.get("lanes")
    if kept is None or kept[0] != key:
        lanes = None if kept is None else lanes_for_orders(kept[1], kept[0], key)
        kept = state["lanes"] = (key, lanes or build_lanes(scenario))
        state["bounds"].clear()  # they were of the other lanes
    return kept[1]


def _solver(state: dict, role: str, scenario: Scenario, lanes: LaneTable,
            params: SolveParams) -> WarmSolver:
    solvers = state["solvers"]
    if role not in solvers:
        solvers[role] = WarmSolver(scenario, lanes, params)
    return solvers[role]


def _bounded(task: PointTask, state: dict, lanes: LaneTable) -> Outcome | None:
    """An `infeasible` outcome when a share target is above the share bound for the task's
    site counts; None when a solve must decide."""
    if not task.check_reach:
        return None
    if all(target.share_pct / 100 <= _greedy_share(task.scenario, target.within_days, state,
                                                   lanes) + 1e-9
           for target in task.scenario.targets.share_targets):
        return None  # each target at or below a share the bound's MIP can reach (reach.py)
    out, best = [], {}
    for target in task.scenario.targets.share_targets:
        bound = _share_bound(task.scenario, target.within_days, state, lanes)
        if bound is None:
            continue
        best[target.within_days] = bound.share  # short of a target meets it (evaluate()):
        if target.share_pct / 100 > bound.share + SHARE_SLACK:  # a design SHARE_SLACK
            days = day_count(target.within_days)
            out.append(f"at most {100 * bound.share:.1f}% of orders can be delivered within "
                       f"{days} with {_count_text(bound)} (target: {target.share_pct:g}%)")
    if not out:
        return None
    return Outcome(BOUND_INFEASIBLE, best_share=best, explanation=tuple(out))


def _settled(task: PointTask, state: dict, lanes: LaneTable, gap: float) -> Outcome | None:
    """The envelope point from `task.candidate` (the cheapest count swept at its level) when
    the least of the swept counts' bounds and a bound on every other count (envelope.py) is
    within `gap` of it: then it is optimal over every count, as the "any" search would prove
    it. None when a solve must decide."""
    candidate = task.candidate
    need = candidate.cost_usd * (1 - gap) if candidate.has_design else float("inf")
    if candidate.bound_usd < need:  # a swept count is not proven out: the search decides
        return None
    scenario = task.scenario
    problem = problem_from_scenario(scenario, lanes, reduce_options(scenario, lanes))
    lo, hi = count_range(problem)
    swept = set(task.swept_counts)
    unswept = without_empty_count(problem, (n for n in range(lo, hi + 1) if n not in swept))
    below = [n for n in unswept if swept and n < min(swept)]
    if below and _short_of_targets(scenario, below, state, lanes):
        unswept = [n for n in unswept if n not in below]
    bound = unswept_bound(problem, unswept)
    if bound < need:  # the cheap bound falls short: the Lagrangian one
        solver = state["solvers"].get("optimum")
        start = None if solver is None else solver.last_prices
        bound = max(bound, lagrangian_bound(problem, unswept, start, need))
    if bound < need:
        return None
    counts = _count_list(sorted(swept))
    if not candidate.has_design:
        return Outcome(BOUND_INFEASIBLE, explanation=(
            f"{SETTLED}: no design with {counts} sites meets this level, and no design with "
            "another count can",))
    settled = with_bound(replace(candidate, status="optimal"), min(candidate.bound_usd, bound))
    return replace(settled, explanation=(
        f"{SETTLED}: the cheapest of {counts} sites, and no design with another count can "
        "cost less (envelope.py)",))


def _count_list(counts: list[int]) -> str:
    """1-10 for a run, else the counts joined by commas."""
    if counts == list(range(counts[0], counts[-1] + 1)) and len(counts) > 2:
        return f"{counts[0]}-{counts[-1]}"
    return ", ".join(map(str, counts))


def _short_of_targets(scenario: Scenario, counts: list[int], state: dict, lanes: LaneTable
                      ) -> bool:
    """True when the share bound proves every count in `counts` short of a share target."""
    narrowed = scenario.with_changes(constraints=replace(
        scenario.constraints, min_sites=min(counts), max_sites=max(counts)))
    for target in scenario.targets.share_targets:
        bound = _share_bound(narrowed, target.within_days, state, lanes)
        if bound is not None and target.share_pct / 100 > bound.share + SHARE_SLACK:
            return True
    return False


def _greedy_share(scenario: Scenario, within_days: int, state: dict, lanes: LaneTable
                  ) -> float:
    k = scenario.constraints
    key = ("greedy", within_days, k.min_sites, k.max_sites, k.forced_open, k.forced_closed)
    bounds = state["bounds"]
    if key not in bounds:
        bounds[key] = greedy_share(scenario, lanes, within_days)
    return bounds[key]


def _share_bound(scenario: Scenario, within_days: int, state: dict, lanes: LaneTable
                 ) -> ShareBound | None:
    k = scenario.constraints
    key = (within_days, k.min_sites, k.max_sites, k.forced_open, k.forced_closed)
    bounds = state["bounds"]
    if key not in bounds:
        bounds[key] = share_bound(scenario, lanes, within_days)
    return bounds[key]


def _count_text(bound: ShareBound) -> str:
    if bound.min_sites == bound.max_sites:
        return f"{bound.min_sites} site{'s' if bound.min_sites != 1 else ''}"
    return f"{bound.min_sites} to {bound.max_sites} sites"
