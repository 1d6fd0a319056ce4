"""Exact search over a `LocationProblem`: build, solve, add violated capacity rows, repeat.

Capacity rows (4) are left out of the first model and added only for the open sites the
solution overloads; the loop ends when a solution meets every capacity. Each model is a
relaxation of the full one, so its bound is a valid bound, and a solution of a relaxation that
meets every constraint of the full model is as good as that bound says (row generation is
exact). The number of open sites is narrowed first (`count_window`), because the square-root
inventory term is concave and its LP relaxation is weak over a wide range of counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from network.optimize.model import MipModel, build_model, count_range
from network.optimize.problem import NO_SITE, LocationProblem
from network.optimize.solve import MipSolution, MipStatus, solve_model

CAPACITY_TOLERANCE = 1e-9  # relative overload ignored (float noise)


@dataclass(frozen=True)
class ProblemSolution:
    """A solution of a LocationProblem as plain data."""

    status: MipStatus
    is_open: np.ndarray | None  # [s]
    choice: np.ndarray | None  # [z] index of the chosen option
    solver_objective: float | None
    best_bound: float | None
    seconds: float
    capacity_sites: tuple[int, ...] = ()
    values: np.ndarray | None = None  # every model variable, for warm starts

    @property
    def gap(self) -> float | None:
        if self.solver_objective is None or self.best_bound is None:
            return None
        return max(0.0, self.solver_objective - self.best_bound) / max(abs(self.solver_objective),
                                                                       1e-9)


def problem_cost(problem: LocationProblem, is_open: np.ndarray, choice: np.ndarray) -> float:
    """Objective of a design in the problem's own terms (independent of any solver)."""
    opt = problem.options
    variable = float(problem.orders_per_year @ opt.cost_usd_per_order[choice])
    n_open = int(is_open.sum())
    return (float(problem.fixed_cost_usd_per_year[is_open].sum()) + variable
            + float(problem.inventory_usd_by_count[n_open]))


def site_loads(problem: LocationProblem, choice: np.ndarray) -> np.ndarray:
    sites = problem.options.site[choice]
    us = sites != NO_SITE
    return np.bincount(sites[us], weights=problem.orders_per_year[us], minlength=problem.n_sites)


def overloaded_sites(problem: LocationProblem, choice: np.ndarray) -> tuple[int, ...]:
    over = site_loads(problem, choice) > problem.capacity_orders_per_year * (1 + CAPACITY_TOLERANCE)
    return tuple(int(s) for s in np.nonzero(over)[0])


def read_solution(problem: LocationProblem, model: MipModel, sol: MipSolution
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Open sites and each point's option from the solver's values (largest x per point; the
    options are sorted by cost, so a split point takes its cheapest option)."""
    values = sol.values
    is_open = values[model.y] > 0.5
    x = values[model.x]
    opt = problem.options
    starts = np.searchsorted(opt.point, np.arange(problem.n_points))
    best = np.maximum.reduceat(x, starts)
    first_max = np.nonzero(x >= best[opt.point] - 1e-6)[0]
    _, pick = np.unique(opt.point[first_max], return_index=True)
    return is_open, first_max[pick]


def solve_problem(problem: LocationProblem, time_limit_s: float, relative_gap: float,
                  hint: np.ndarray | None = None, count_bounds: tuple[int, int] | None = None,
                  capacity_sites: tuple[int, ...] = ()) -> ProblemSolution:
    """The optimum of `problem` (or the best design found within the time limit)."""
    start = time.perf_counter()
    lo, hi = count_bounds or count_range(problem)
    if lo > hi:
        return ProblemSolution(MipStatus.INFEASIBLE, None, None, None, None, 0.0)
    capacity = tuple(capacity_sites)
    while True:
        model = build_model(problem, capacity, (lo, hi))
        left = time_limit_s - (time.perf_counter() - start)
        sol = solve_model(model, left, relative_gap, hint=_fit_hint(hint, model))
        if sol.values is None:
            return ProblemSolution(sol.status, None, None, None, sol.best_bound,
                                   time.perf_counter() - start, capacity)
        is_open, choice = read_solution(problem, model, sol)
        over = tuple(s for s in overloaded_sites(problem, choice) if s not in capacity)
        if not over:
            return ProblemSolution(sol.status, is_open, choice, sol.objective, sol.best_bound,
                                   time.perf_counter() - start, capacity, sol.values)
        capacity = tuple(sorted(capacity + over))
        hint = None


def _fit_hint(hint: np.ndarray | None, model: MipModel) -> np.ndarray | None:
    return hint if hint is not None and len(hint) == len(model.var_lb) else None
