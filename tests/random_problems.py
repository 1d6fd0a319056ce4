"""Small random location problems and their optimum by brute force, for the optimizer's tests:
8 sites and a few points, so that every subset of sites and every single-sourced assignment can
be tried."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable

import numpy as np
import pytest

from network.evaluate import ROW_TOLERANCE
from network.optimize.count_search import solve_problem
from network.optimize.heuristic import assign_open, pricing
from network.optimize.mathopt_backend import MipStatus
from network.optimize.model import MipModel
from network.optimize.problem import LocationProblem, Options, ShareRequirement, problem_cost
from network.optimize.window_bounds import LpOutcome, WindowState, bound_window


def random_problem(seed: int, n_sites: int = 8, n_points: int = 5) -> LocationProblem:
    """Random costs, days (1-3), orders, fixed costs, tight capacities and a share target
    within 2 days; cross-border direct at 12 per order in 5 days."""
    rng = np.random.default_rng(seed)
    orders = rng.integers(1, 10, n_points).astype(float)
    cost = rng.uniform(1, 10, (n_points, n_sites))
    days = rng.integers(1, 4, (n_points, n_sites))
    point = np.concatenate([np.repeat(np.arange(n_points), n_sites), np.arange(n_points)])
    site = np.concatenate([np.tile(np.arange(n_sites), n_points), np.full(n_points, -1)])
    c = np.concatenate([cost.ravel(), np.full(n_points, 12.0)])
    d = np.concatenate([days.ravel(), np.full(n_points, 5)])
    order = np.lexsort((site, c, point))
    options = Options(point[order], site[order], np.zeros(len(c), int), c[order],
                      d[order].astype(np.int32))
    return LocationProblem(
        orders_per_year=orders, fixed_cost_usd_per_year=rng.uniform(5, 30, n_sites),
        capacity_orders_per_year=rng.uniform(0.2, 0.6, n_sites) * orders.sum(),
        options=options, inventory_usd_by_count=4.0 * np.sqrt(np.arange(n_sites + 1)),
        min_sites=0, max_sites=n_sites, forced_open=np.zeros(n_sites, bool),
        forced_closed=np.zeros(n_sites, bool),
        share_requirements=(ShareRequirement(2, float(rng.uniform(0.4, 0.8))),))


def brute_force(problem: LocationProblem, count: int | None = None) -> float:
    """Every subset of sites (of `count` sites when given) x every single-sourced assignment;
    the cheapest that meets every row within ROW_TOLERANCE (as evaluate() and the search)."""
    opt, best = problem.options, np.inf
    per_point = [np.nonzero(opt.point == z)[0] for z in range(problem.n_points)]
    share = problem.share_requirements[0]
    weight = problem.orders_per_year / problem.orders_per_year.sum()
    for mask in itertools.product([False, True], repeat=problem.n_sites):
        is_open = np.array(mask)
        if count is not None and is_open.sum() != count:
            continue
        usable = [p[(opt.site[p] < 0) | is_open[np.maximum(opt.site[p], 0)]] for p in per_point]
        combos = np.array(list(itertools.product(*usable)))
        fast = (opt.days[combos] <= share.within_days) @ weight >= share.share - ROW_TOLERANCE
        cost = opt.cost_usd_per_order[combos] @ problem.orders_per_year
        ok = fast.copy()
        slack = ROW_TOLERANCE * problem.orders_per_year.sum()
        for bound in problem.carrier_bounds:  # share of the parcels shipped from sites
            shipped = (opt.site[combos] >= 0) * problem.orders_per_year
            carried = (shipped * bound.option_fraction[combos]).sum(axis=1)
            if bound.min_share is not None:
                ok &= carried >= bound.min_share * shipped.sum(axis=1) - slack
            if bound.max_share is not None:
                ok &= carried <= bound.max_share * shipped.sum(axis=1) + slack
        for s in np.nonzero(is_open)[0]:
            load = (opt.site[combos] == s) @ problem.orders_per_year
            ok &= load <= problem.capacity_orders_per_year[s] * (1 + ROW_TOLERANCE)
        if ok.any():
            fixed = problem.fixed_cost_usd_per_year[is_open].sum()
            total = fixed + problem.inventory_usd_by_count[is_open.sum()] + cost[ok].min()
            best = min(best, total)
    return best


def assert_solved_exactly(problem: LocationProblem):
    """solve_problem on `problem` to a gap of 1e-9: proven optimal, at the brute-force
    optimum's cost, with a bound not above it. Returns the solution."""
    solution = solve_problem(problem, 60, 1e-9)
    exact = brute_force(problem)
    assert solution.status is MipStatus.OPTIMAL
    assert problem_cost(problem, solution.is_open, solution.choice) == pytest.approx(
        exact, rel=1e-9)
    assert solution.best_bound <= exact * (1 + 1e-9)
    return solution


def every_site_open(problem: LocationProblem, lo: int, hi: int, start=None) -> dict:
    """A heuristic stand-in whose only design opens every site: far from optimal, so the
    search has to prove (or find) everything by its bounds."""

    is_open = np.ones(problem.n_sites, bool)
    priced = assign_open(problem, pricing(problem), is_open)
    return {} if priced is None else {problem.n_sites: (priced[0], is_open, priced[1])}


def windows_with_lp(problem: LocationProblem, full: MipModel,
                    counts: Iterable[int] | None = None):
    """Each count n's window with its LP solved, beside brute force's best with n sites and
    the window's deadline (60 s); a count whose LP is infeasible is skipped, brute force
    agreeing; every count unless `counts`. For the tests that close a window from its LP (site
    tree, capacity cuts)."""
    for n in range(1, problem.n_sites + 1) if counts is None else counts:
        exact = brute_force(problem, count=n)
        window = WindowState(n, n)
        deadline = time.perf_counter() + 60
        bound_window(full, window, deadline)
        if window.lp is LpOutcome.INFEASIBLE:
            assert exact == np.inf
            continue
        assert window.lp is LpOutcome.SOLVED
        yield n, exact, window, deadline
