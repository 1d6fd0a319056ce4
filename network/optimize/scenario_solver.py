"""Scenario in, `OptimizeResult` out: check, reduce, build, search, then evaluate() decides.

`optimize` is the one-shot path: pre-checks that explain an infeasible scenario from its data
(explain.py), the lane reduction (reduce.py), the location problem (problem.py), the exact
search (count_search.py), then the design read back in the scenario's terms and checked by
`network.evaluate.evaluate`, the independent check: a design it finds a violation in is
reported as CHECK_FAILED, never as optimal or feasible. `first_design` is a quick design
without proof.
What-if re-solves from the last design, and the sweep over site counts: warm_solver.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from network.errors import InputError
from network.evaluate import CROSS_BORDER, Design, Evaluation, evaluate
from network.lanes import LaneTable, build_lanes
from network.optimize.count_search import ProblemSolution, solve_problem
from network.optimize.explain import (
    max_sites_phrase,
    pre_checks,
    relaxation_explanation,
    targets_at_capacity,
)
from network.optimize.heuristic import best_designs
from network.optimize.mathopt_backend import MipStatus
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
from network.scenario import Scenario

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
        return no_design_result(SolveStatus.INVALID_INPUT, invalid, start)
    try:
        lanes = lanes or build_lanes(scenario)
    except InputError as exc:
        return no_design_result(SolveStatus.INVALID_INPUT, [str(p) for p in exc.problems], start)
    reasons = pre_checks(scenario, lanes)
    if reasons:
        return no_design_result(SolveStatus.INFEASIBLE, reasons, start)
    options = reduce_options(scenario, lanes)
    problem = problem_from_scenario(scenario, lanes, options)
    hint_values = None if hint is None else design_hint(scenario, lanes, problem, hint)
    solution = solve_problem(problem, time_left_s(params, start), params.relative_gap,
                             hint_values, on_progress=on_progress)
    return to_result(scenario, lanes, problem, solution, params, start)


def time_left_s(params: SolveParams, start: float) -> float:
    """What is left of the time limit for the search, the solve having begun at `start`
    (perf_counter): the limit is the whole solve's, as the planner waits for all of it, and
    the lanes, pre-checks, reduction and model build before the search took their part of
    it (BENCHMARKS.md, branch polish8)."""
    return max(params.time_limit_s - (time.perf_counter() - start), 0.0)


def explain_budget(params: SolveParams, start: float) -> tuple[float, str]:
    """The time the explanation of an infeasible search may take, and how its text names it:
    at most EXPLAIN_TIME_LIMIT_S, and no more than the search left of the time limit, since
    the planner waits for the explanation as part of the solve. No floor: any floor would
    let a solve run past the limit it was given, and a search that used the whole limit to
    prove the scenario infeasible leaves an explanation that says its relaxations were not
    run in time, which is true and tells the planner what a longer limit buys."""
    left = time_left_s(params, start)
    if left >= EXPLAIN_TIME_LIMIT_S:
        return EXPLAIN_TIME_LIMIT_S, f"{EXPLAIN_TIME_LIMIT_S:g} s"
    return left, f"the {left:.2g} s left of the time limit of {params.time_limit_s:g} s"


def _check_params(params: SolveParams) -> list[str]:
    out = []
    if not 0 < params.time_limit_s <= MAX_TIME_LIMIT_S:  # also refuses NaN and infinity
        out.append(f"time limit must be positive seconds, at most {MAX_TIME_LIMIT_S:,.0f} "
                   f"(a week), got {params.time_limit_s}")
    if not 0 <= params.relative_gap < 1:
        out.append(f"relative gap must be in [0, 1), got {params.relative_gap}")
    return out


def no_design_result(status: SolveStatus, explanation: list[str], start: float) -> OptimizeResult:
    return OptimizeResult(status, None, None, None, None, None, time.perf_counter() - start,
                          tuple(explanation))


def to_result(scenario: Scenario, lanes: LaneTable, problem: LocationProblem,
            solution: ProblemSolution, params: SolveParams, start: float,
            limit_from: float | None = None) -> OptimizeResult:
    """The search's outcome as an OptimizeResult, where evaluate() decides: a design it finds a
    violation in, or costs differently from the search, is CHECK_FAILED, never optimal or
    feasible; a bound above the design's cost is dropped (warned) and no gap is claimed.
    `start` (perf_counter) began this solve call (the result's seconds); `limit_from`, when
    the time limit counts from earlier (the Designer's request, WarmSolver.solve's
    `started`), is where the explanation's share of the limit counts from."""
    status = _STATUS[solution.status]
    if solution.choice is None:
        explanation = []
        if status is SolveStatus.INFEASIBLE:
            budget, budget_text = explain_budget(params,
                                                 start if limit_from is None else limit_from)
            explanation = relaxation_explanation(problem, budget, max_sites_phrase(problem),
                                                 budget_text)
        elif status is SolveStatus.NO_SOLUTION:
            explanation = [f"no design found within the time limit of {params.time_limit_s:g} s",
                           *targets_at_capacity(scenario, lanes)]
        result = no_design_result(status, explanation, start)
        return replace(result, best_bound_usd=solution.best_bound, n_options=len(problem.options))
    design = design_of(scenario, lanes, problem.options, solution)
    evaluation = evaluate(scenario, design, lanes)
    total = evaluation.kpis.total_cost_usd
    status, bound, explanation = _checked(status, solution, evaluation)
    if status is SolveStatus.FEASIBLE and not explanation:  # why the gap may be open
        explanation = targets_at_capacity(scenario, lanes)
    gap = None if bound is None else relative_gap_of(total, bound)  # the search's costs
    # agree with evaluate()'s (_checked), so the search's verdict on the gap stands
    return OptimizeResult(status, design, evaluation, total, bound, gap,
                          time.perf_counter() - start, tuple(explanation),
                          solution.solver_objective, len(problem.options))


def _checked(status: SolveStatus, solution: ProblemSolution, evaluation: Evaluation
             ) -> tuple[SolveStatus, float | None, list[str]]:
    """(status, bound, explanation) once evaluate() has looked at the design."""
    total, searched = evaluation.kpis.total_cost_usd, solution.solver_objective
    if evaluation.violations:
        return SolveStatus.CHECK_FAILED, None, [CHECK_FAILED_TEXT, *evaluation.violations]
    if abs(searched - total) > COST_TOLERANCE * abs(total):
        return SolveStatus.CHECK_FAILED, None, [
            CHECK_FAILED_TEXT, f"the search costs the design ${searched:,.2f} a year, "
            f"evaluate() ${total:,.2f}: the model is not the scenario's"]
    bound = solution.best_bound
    if bound is None or not bound_holds(bound, total):
        return SolveStatus.FEASIBLE, None, [NO_BOUND_TEXT]
    return status, bound, []


COST_TOLERANCE = 1e-9  # relative: the search's and evaluate()'s cost of a design, summed in
# different orders, agree to float noise; more is a model that is not the scenario's
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
