"""A count window with few possible site sets, solved one open set at a time.

Why: with one or two open sites, capacity binds hard (the default scenario's sites each handle
far less than the demand, the rest going cross-border), and the LP of such a window with every
capacity row took 42 s; the Tradeoffs page's 1-site point hit the 60 s limit at a 24% gap.
When the window allows at most MAX_SETS sets of open sites (1 site: 57 sets on the default),
each set is a small MIP: only that set's options and cross-border, y fixed, and the capacity
rows of its sites included from the start. Sets are taken in the order of a cheap bound
(fixed costs + inventory + every point at its cheapest option among the set, capacity
ignored) and the rest pruned once that bound reaches the incumbent, so the window's result is
exact: its proven bound is min(best set found, least bound of the sets not solved).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import replace

import numpy as np

from network.optimize.model import MipModel, build_model
from network.optimize.problem import NO_SITE, LocationProblem, Options
from network.optimize.solve import MipStatus, solve_model

MAX_SETS = 64


def enumerable(problem: LocationProblem, lo: int, hi: int) -> bool:
    """True when the window [lo, hi] allows at most MAX_SETS sets of open sites."""
    free = int((~problem.forced_open & ~problem.forced_closed).sum())
    forced = int(problem.forced_open.sum())
    total = sum(math.comb(free, n - forced) for n in range(lo, hi + 1) if 0 <= n - forced <= free)
    return 0 < total <= MAX_SETS


def site_sets(problem: LocationProblem, lo: int, hi: int) -> list[np.ndarray]:
    free = np.nonzero(~problem.forced_open & ~problem.forced_closed)[0]
    forced = problem.forced_open
    out = []
    for n in range(lo, hi + 1):
        extra = n - int(forced.sum())
        if not 0 <= extra <= len(free):
            continue
        for chosen in itertools.combinations(free.tolist(), extra):
            mask = forced.copy()
            mask[list(chosen)] = True
            out.append(mask)
    return out


def solve_by_sets(problem: LocationProblem, full: MipModel, lo: int, hi: int,
                  incumbent: float, relative_gap: float, deadline: float
                  ) -> tuple[float, np.ndarray | None, float, bool]:
    """(best cost found, its full-model variable vector or None, the window's proven bound,
    whether a time limit cut it short) over every open set of the window."""
    sets = site_sets(problem, lo, hi)
    bounds = np.array([_set_bound(problem, mask) for mask in sets])
    best_cost, best_values, proven, limited = np.inf, None, np.inf, False
    for k in np.argsort(bounds, kind="stable"):
        target = min(best_cost, incumbent)
        if bounds[k] >= target * (1 - relative_gap):
            break  # this set and every later one cannot beat the best by the gap
        if time.perf_counter() >= deadline:
            return best_cost, best_values, min(proven, float(bounds[k])), True
        cost, values, set_bound, cut = _solve_set(problem, full, sets[k], relative_gap,
                                                  deadline)
        limited |= cut
        proven = min(proven, set_bound)
        if cost < best_cost:
            best_cost, best_values = cost, values
    else:
        return best_cost, best_values, proven, limited
    return best_cost, best_values, min(proven, float(bounds[k])), limited


def _set_bound(problem: LocationProblem, is_open: np.ndarray) -> float:
    opt = problem.options
    usable = (opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)]
    cheapest = np.full(problem.n_points, np.inf)
    np.minimum.at(cheapest, opt.point[usable], opt.cost_usd_per_order[usable])
    n = int(is_open.sum())
    return float(problem.fixed_cost_usd_per_year[is_open].sum()
                 + problem.inventory_usd_by_count[n] + problem.orders_per_year @ cheapest)


def _solve_set(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
               relative_gap: float, deadline: float
               ) -> tuple[float, np.ndarray | None, float, bool]:
    """(cost, full-model vector, proven lower bound, cut short) of the cheapest design with
    exactly the sites `is_open` open, capacity rows included."""
    opt = problem.options
    keep = np.nonzero((opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)])[0]
    small = replace(problem, options=Options(opt.point[keep], opt.site[keep],
                                             opt.service[keep], opt.cost_usd_per_order[keep],
                                             opt.days[keep]),
                    forced_open=is_open.copy(), forced_closed=~is_open,
                    carrier_bounds=tuple(replace(b, option_mask=b.option_mask[keep])
                                         for b in problem.carrier_bounds))
    n = int(is_open.sum())
    model = build_model(small, tuple(int(s) for s in np.nonzero(is_open)[0]), (n, n))
    sol = solve_model(model, deadline - time.perf_counter(), relative_gap)
    limited = sol.status in (MipStatus.FEASIBLE, MipStatus.NO_SOLUTION)
    if sol.status is MipStatus.INFEASIBLE:
        return np.inf, None, np.inf, False
    bound = sol.best_bound if sol.best_bound is not None else _set_bound(problem, is_open)
    if sol.values is None:
        return np.inf, None, bound, limited
    values = np.zeros(len(full.var_lb))
    values[full.y] = is_open
    values[full.x.start + keep] = sol.values[model.x]
    values[full.u.start + int(np.searchsorted(full.count_values, n))] = 1.0
    return float(sol.objective), values, min(bound, float(sol.objective)), limited
