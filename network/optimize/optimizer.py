"""Scenario in, `OptimizeResult` out: check, reduce, build and solve, then evaluate the design.

`optimize` is the one-shot path. `WarmSolver` keeps the reduced lanes and the last solution of
one scenario so that a small what-if edit (a site forced open or closed, a target share moved)
re-solves from the previous design. `sweep_site_counts` gives the best design for exactly k
sites, for each k asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from network.errors import InputError
from network.evaluate import CROSS_BORDER, Design, evaluate
from network.lanes import LaneTable, build_lanes
from network.optimize.explain import max_sites_phrase, pre_checks, relaxation_explanation
from network.optimize.heuristic import best_designs
from network.optimize.model import count_range
from network.optimize.problem import NO_SITE, LocationProblem, Options, problem_from_scenario
from network.optimize.reduce import reduce_options
from network.optimize.result import (
    OptimizeResult,
    SolveParams,
    SolveProgress,
    SolveStatus,
    bound_holds,
    relative_gap_of,
)
from network.optimize.search import ProblemSolution, solve_problem
from network.optimize.solve import MipStatus
from network.scenario import Scenario, Targets

EXPLAIN_TIME_LIMIT_S = 20.0
MAX_TIME_LIMIT_S = 7 * 24 * 3600.0  # beyond this the solvers' own time types overflow
DEFAULT_PARAMS = SolveParams()

_STATUS = {MipStatus.OPTIMAL: SolveStatus.OPTIMAL, MipStatus.FEASIBLE: SolveStatus.FEASIBLE,
           MipStatus.INFEASIBLE: SolveStatus.INFEASIBLE,
           MipStatus.NO_SOLUTION: SolveStatus.NO_SOLUTION}


def optimize(scenario: Scenario, lanes: LaneTable | None = None,
             params: SolveParams = DEFAULT_PARAMS, hint: Design | None = None,
             on_progress: Callable[[SolveProgress], None] | None = None) -> OptimizeResult:
    """The cheapest design meeting every target and constraint of `scenario`, with its proven
    gap, or the reason there is none. `hint` (a design, e.g. the last one) warms the search;
    `on_progress` hears the best cost and bound so far after each search step (for a live
    gap on screen; it is called from the solving thread)."""
    start = time.perf_counter()
    invalid = _check_params(params)
    if invalid:
        return _without_design(SolveStatus.INVALID_INPUT, invalid, start)
    try:
        lanes = lanes or build_lanes(scenario)
    except InputError as exc:
        return _without_design(SolveStatus.INVALID_INPUT, [str(p) for p in exc.problems], start)
    reasons = pre_checks(scenario, lanes)
    if reasons:
        return _without_design(SolveStatus.INFEASIBLE, reasons, start)
    options = reduce_options(scenario, lanes)
    problem = problem_from_scenario(scenario, lanes, options)
    hint_values = None if hint is None else design_hint(scenario, lanes, problem, hint)
    solution = solve_problem(problem, params.time_limit_s, params.relative_gap, hint_values,
                             on_progress=on_progress)
    return _result(scenario, lanes, problem, solution, params, start)


def _check_params(params: SolveParams) -> list[str]:
    out = []
    if not 0 < params.time_limit_s <= MAX_TIME_LIMIT_S:  # also refuses NaN and infinity
        out.append(f"time limit must be positive seconds, at most {MAX_TIME_LIMIT_S:,.0f} "
                   f"(a week), got {params.time_limit_s}")
    if not 0 <= params.relative_gap < 1:
        out.append(f"relative gap must be in [0, 1), got {params.relative_gap}")
    return out


def _without_design(status: SolveStatus, explanation: list[str], start: float) -> OptimizeResult:
    return OptimizeResult(status, None, None, None, None, None, time.perf_counter() - start,
                          tuple(explanation))


def _result(scenario: Scenario, lanes: LaneTable, problem: LocationProblem,
            solution: ProblemSolution, params: SolveParams, start: float) -> OptimizeResult:
    """The search's outcome as an OptimizeResult. evaluate() decides: a design it finds any
    violation in is CHECK_FAILED, never optimal or feasible; and a bound above the design's
    evaluated cost is dropped (warned), so the design is then not called optimal."""
    status = _STATUS[solution.status]
    if solution.choice is None:
        explanation = []
        if status is SolveStatus.INFEASIBLE:
            explanation = relaxation_explanation(problem, EXPLAIN_TIME_LIMIT_S,
                                                 max_sites_phrase(problem))
        elif status is SolveStatus.NO_SOLUTION:
            explanation = [f"no design found within the time limit of {params.time_limit_s:g} s"]
        result = _without_design(status, explanation, start)
        return replace(result, best_bound_usd=solution.best_bound, n_options=len(problem.options))
    design = design_of(scenario, lanes, problem.options, solution)
    evaluation = evaluate(scenario, design, lanes)
    total = evaluation.kpis.total_cost_usd
    bound, explanation = solution.best_bound, []
    if evaluation.violations:
        status, bound = SolveStatus.CHECK_FAILED, None
        explanation = [CHECK_FAILED_TEXT, *evaluation.violations]
    elif bound is None or not bound_holds(bound, total):
        status, bound = SolveStatus.FEASIBLE, None
        explanation = [NO_BOUND_TEXT]
    gap = None if bound is None else relative_gap_of(total, bound)
    return OptimizeResult(status, design, evaluation, total, bound, gap,
                          time.perf_counter() - start, tuple(explanation),
                          solution.solver_objective, len(problem.options))


CHECK_FAILED_TEXT = ("the optimizer's design breaks the scenario by the independent check "
                     "(evaluate): a defect of the optimizer, so it is shown for inspection only, "
                     "not as a result. Each violation:")
NO_BOUND_TEXT = ("no gap is claimed: the search's lower bound came out above this design's "
                 "cost, which no valid bound can be (a defect of the optimizer, logged)")


def design_of(scenario: Scenario, lanes: LaneTable, options: Options,
              solution: ProblemSolution) -> Design:
    """The solver's choice as a Design: open sites in scenario order, a lane per ZIP3."""
    site_ids, service_ids = lanes.site_ids, lanes.service_ids
    assignment = []
    for z, p in enumerate(solution.choice.tolist()):
        s, k = int(options.site[p]), int(options.service[p])
        if s == NO_SITE:
            assignment.append((lanes.demand.zip3[z], CROSS_BORDER, ""))
        else:
            assignment.append((lanes.demand.zip3[z], site_ids[s], service_ids[k]))
    is_open = solution.is_open
    return Design(tuple(site_ids[s] for s in np.nonzero(is_open)[0]), tuple(assignment))


def design_hint(scenario: Scenario, lanes: LaneTable, problem: LocationProblem, design: Design
                ) -> np.ndarray:
    """A full variable vector for the solver from a design (options the reduction dropped are
    replaced by the point's cheapest kept option at an open site, or left out)."""
    opt = problem.options
    is_open = np.array([s in design.open_site_ids for s in lanes.site_ids])
    lo, hi = count_range(problem)
    counts = np.arange(lo, hi + 1)
    x = np.zeros(len(opt))
    wanted = {z: (s, k) for z, s, k in design.assignment}
    site_pos = {s: i for i, s in enumerate(lanes.site_ids)}
    svc_pos = {k: i for i, k in enumerate(lanes.service_ids)}
    for z, zip3 in enumerate(lanes.demand.zip3):
        mine = np.nonzero(opt.point == z)[0]
        s, k = wanted.get(zip3, (None, None))
        target = (NO_SITE, -1) if s == CROSS_BORDER else (site_pos.get(s), svc_pos.get(k))
        exact = [p for p in mine if (opt.site[p], opt.service[p]) == target]
        usable = [p for p in mine if opt.site[p] == NO_SITE or is_open[opt.site[p]]]
        pick = exact or usable[:1]
        if pick:
            x[pick[0]] = 1.0
    u = (counts == is_open.sum()).astype(float)
    return np.concatenate([is_open.astype(float), x, u])


def first_design(scenario: Scenario, lanes: LaneTable | None = None) -> Design | None:
    """A good design fast, before any proof (the greedy-and-swap heuristic of heuristic.py):
    for showing something on screen while `optimize` proves. None when the heuristic does
    not apply (several share targets, carrier shares) or finds nothing; capacities are not
    checked, so evaluate() the result before trusting it."""
    lanes = lanes or build_lanes(scenario)
    problem = problem_from_scenario(scenario, lanes, reduce_options(scenario, lanes))
    lo, hi = count_range(problem)
    designs = best_designs(problem, lo, hi)
    if not designs:
        return None
    _, is_open, choice = designs[min(designs, key=lambda k: designs[k][0])]
    solution = ProblemSolution(MipStatus.FEASIBLE, is_open, choice, None, None, 0.0)
    return design_of(scenario, lanes, problem.options, solution)


def sweep_site_counts(scenario: Scenario, counts, lanes: LaneTable | None = None,
                      params: SolveParams = DEFAULT_PARAMS) -> list[OptimizeResult]:
    """The optimal design with exactly k open sites, for each k in `counts`.

    The share targets ("X% within N days") are dropped for the sweep, so every k has a design to
    show; each result's evaluation reports the share it achieves (kpis.share_within_days).
    Capacity, the per-ZIP3 day limit, forced sites and carrier shares are kept; a k they rule
    out comes back INFEASIBLE with its explanation."""
    lanes = lanes or build_lanes(scenario)
    relaxed_targets = Targets(share_targets=(),
                              max_days_any_zip3=scenario.targets.max_days_any_zip3)
    out, solver = [], None
    for k in counts:  # one warm solver: each count starts from the last one's prices
        constraints = replace(scenario.constraints, min_sites=int(k), max_sites=int(k))
        variant = scenario.with_changes(targets=relaxed_targets, constraints=constraints)
        solver = solver or WarmSolver(variant, lanes, params)
        out.append(solver.solve(variant))
    return out


class WarmSolver:
    """Re-solves small what-if edits of one scenario from the previous design.

    Keeps the lanes, the reduced options (reduced without the forced-closed pruning, so any site
    can be forced open or closed later) and the last solution; an edit of forced-open or
    forced-closed sites, of the site-count limits or of a target's share starts from the last
    number of sites and design. An edit of the candidate sites (added, removed, changed) builds
    the options again but keeps the last open sites (by id) and row prices (lambda, sigma) to
    start from: adding a site in Reno re-solves in 0.3 s against 0.8 s cold. Any other edit
    falls back to a full `optimize`. Results are the same as `optimize` would give (same exact
    search), only sooner."""

    def __init__(self, scenario: Scenario, lanes: LaneTable | None = None,
                 params: SolveParams = DEFAULT_PARAMS):
        self.params = params
        self._reset(scenario, lanes or build_lanes(scenario))

    def _reset(self, scenario: Scenario, lanes: LaneTable,
               carried: tuple[tuple[str, ...], tuple | None] | None = None) -> None:
        self.scenario, self.lanes = scenario, lanes
        open_scenario = scenario.with_changes(
            constraints=replace(scenario.constraints, forced_closed=()))
        self._options = reduce_options(open_scenario, lanes)
        self._last: ProblemSolution | None = None
        self._carried = carried  # (open site ids, prices) from before an edit of the sites

    def solve(self, scenario: Scenario | None = None,
              on_progress: Callable[[SolveProgress], None] | None = None,
              lanes: LaneTable | None = None) -> OptimizeResult:
        """Solve `scenario` (an edit of the one given at construction, or that one);
        `on_progress` as for `optimize`; `lanes` are the edited scenario's, when the caller
        has them already."""
        start = time.perf_counter()
        scenario = scenario or self.scenario
        if _edit_key(scenario) != _edit_key(self.scenario):
            carried = self._carry_over(scenario)
            self._reset(scenario, lanes or build_lanes(scenario), carried)
        reasons = pre_checks(scenario, self.lanes)
        if reasons:
            return _without_design(SolveStatus.INFEASIBLE, reasons, start)
        problem = problem_from_scenario(scenario, self.lanes, self._options)
        last, carried = self._last, self._carried
        start_sites = last.is_open if last is not None else (
            None if carried is None else np.isin(self.lanes.site_ids, carried[0]))
        solution = solve_problem(
            problem, self.params.time_limit_s, self.params.relative_gap,
            hint=None if last is None else last.values,
            start_count=None if start_sites is None else int(start_sites.sum()),
            prior_duals=None if last is None else last.duals, on_progress=on_progress,
            prior_basis=None if last is None else last.basis, start_sites=start_sites,
            prior_prices=None if last is not None or carried is None else carried[1])
        if solution.choice is not None:
            self._last = solution
        return _result(scenario, self.lanes, problem, solution, self.params, start)

    def _carry_over(self, scenario: Scenario) -> tuple[tuple[str, ...], tuple | None] | None:
        """The last open sites (by id) and row prices, when `scenario` differs from the last one
        only in what `_edit_key` ignores and in its candidate sites."""
        last = self._last
        if last is None or last.is_open is None or (
                _edit_key(scenario).with_changes(sites=())
                != _edit_key(self.scenario).with_changes(sites=())):
            return None
        return tuple(np.asarray(self.lanes.site_ids)[last.is_open]), last.prices


def _edit_key(s: Scenario) -> Scenario:
    """The scenario without what a WarmSolver re-solves from its last solution: forced sites,
    site-count limits and target shares."""
    targets = replace(s.targets, share_targets=tuple(
        replace(t, share_pct=0.0) for t in s.targets.share_targets))
    constraints = replace(s.constraints, forced_open=(), forced_closed=(), min_sites=0,
                          max_sites=None)
    return s.with_changes(targets=targets, constraints=constraints)
