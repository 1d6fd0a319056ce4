"""Re-solving what-if edits of one scenario from the last solution, and the site-count sweep.

`WarmSolver` keeps the lanes, the reduced options and the last solution (design, row prices, an
LP basis) of one scenario, so that a small edit re-solves from them; results are those
`optimize` would give (the same exact search), only sooner. `sweep_site_counts` gives the best
design with exactly k open sites for each k asked, one warm solve after another.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from network.lanes import LaneTable, build_lanes
from network.optimize.count_search import ProblemSolution, solve_problem
from network.optimize.explain import pre_checks
from network.optimize.problem import problem_from_scenario
from network.optimize.reduce import reduce_options
from network.optimize.result import OptimizeResult, SolveParams, SolveProgress, SolveStatus
from network.optimize.scenario_solver import DEFAULT_PARAMS, no_design_result, to_result
from network.scenario import Scenario, Targets


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
    start from. Any other edit falls back to a full `optimize`. Results are the same as
    `optimize` would give (same exact search), only sooner (BENCHMARKS.md)."""

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
            return no_design_result(SolveStatus.INFEASIBLE, reasons, start)
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
        return to_result(scenario, self.lanes, problem, solution, self.params, start)

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
