"""The frontier's envelope ("any" number of sites) from its count rows, without searching again.

At a promise level the envelope is the cheapest design over every count n the scenario allows,
[lo, hi]. When the sweep has solved the counts S at that level (each row with a design and a
proven bound, or proven infeasible), only the counts U = [lo, hi] minus S are unknown. With
c* the cheapest row's cost and B the least of the rows' bounds and a lower bound on every
design with a count in U: if B >= c* (1 - gap), the cheapest row is the envelope, optimal
within the gap over every count, its bound B (docs/optimizer.md, "The frontier's envelope
from its count rows"; points.prepared and points._settled apply it). Otherwise the "any"
point is searched as before.

The bound on U, for the problem P of the "any" scenario (its reduced options, reduce.py), is
the larger of two valid lower bounds on min over n in U of (the cheapest design with n sites):

1. B_U = min over n in U of  F(n) + I(n) + A,   where
    F(n)  forced-open fixed costs plus the n - |forced open| cheapest other fixed costs
    I(n)  the inventory cost of n open sites          (F + I + cheapest: plain_estimate)
    A     a lower bound on the per-order costs of ANY design meeting P's share targets, by
          the LP below (one per target, the largest kept), whichever sites are open

For one target "share a of orders within N days", with o_z the orders of point z, c_z its
cheapest option and f_z its cheapest option within N days (every option of P, any site):

    A_N = min  sum_z o_z (c_z + x_z (f_z - c_z))   s.t.  sum_z o_z x_z >= (a - 2 tol) sum_z o_z,
               0 <= x_z <= 1, x_z = 0 where no option is within N days

(tol = evaluate's ROW_TOLERANCE, so a design evaluate accepts meets the row). A design's
choices give an integral x (x_z = 1 where its option is within N days) of no lower cost: each
point pays at least f_z if served within N days and at least c_z otherwise. The LP is a
fractional knapsack: take the points by f_z - c_z rising. Cheap, but weak where the promise
binds: with every site open nearly every point has a fast cheap option.

2. min over n in U of L_n(lambda, sigma), the optimizer's Lagrangian bound (lagrange.py: valid
   for ANY prices, sigma >= 0, by weak duality) at prices that start from the worker's last
   solve (a count row of this sweep: `WarmSolver.last_prices`) and are raised by the
   optimizer's own ascent (share_prices.ascend) at the count of U where the bound is least,
   a few times, keeping for each count its best L_n (each a valid bound on that count). At
   fixed prices L_n = C + (forced-open site values) + (the n - |forced| least other site
   values) + I(n), so every L_n of U comes from one sort of the site values.

Counts below the smallest swept count are also dropped from U when the share bound (reach.py)
proves them short of the level, and 0 when some point has no cross-border option.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from network.evaluate import ROW_TOLERANCE
from network.optimize import share_prices
from network.optimize.lagrange import LagrangeData, lagrange_data, relaxed_choice, site_values
from network.optimize.problem import NO_SITE, LocationProblem
from network.optimize.window_bounds import plain_estimate

ASCENTS = 4  # Lagrangian ascents at most, each at the count of U whose bound is least


def assignment_bound(problem: LocationProblem) -> float:
    """A lower bound on the per-order costs (sum of o_z times the chosen option's cost) of any
    design meeting every share target of `problem` (inf when no design can), whatever sites
    it opens: the largest of the targets' knapsack LPs (module docstring)."""
    opt = problem.options
    o = problem.orders_per_year
    cheapest = problem.cheapest_cost_per_order
    base = problem.cheapest_assignment_usd
    best = base
    for target in problem.share_requirements:
        fast = np.full(problem.n_points, np.inf)
        quick = opt.days <= target.within_days
        np.minimum.at(fast, opt.point[quick], opt.cost_usd_per_order[quick])
        need = (target.share - 2 * ROW_TOLERANCE) * float(o.sum())
        reachable = np.isfinite(fast)
        if float(o[reachable].sum()) < need:
            return np.inf
        extra = np.where(reachable, fast - cheapest, 0.0)  # >= 0: fast is among all options
        order = np.argsort(extra[reachable], kind="stable")
        orders, extras = o[reachable][order], extra[reachable][order]
        before = np.concatenate([[0.0], np.cumsum(orders)[:-1]])
        taken = np.clip(need - before, 0.0, orders)  # the knapsack's fractional greedy
        best = max(best, base + float(taken @ extras))
    return best


def unswept_bound(problem: LocationProblem, counts: Iterable[int]) -> float:
    """A lower bound on the cost of every design of `problem` with a count in `counts` (inf
    when there is none): B_U of the module docstring."""
    counts = list(counts)
    if not counts:
        return np.inf
    extra = assignment_bound(problem) - problem.cheapest_assignment_usd
    if not np.isfinite(extra):
        return np.inf
    return float(min(plain_estimate(problem, n) for n in counts) + extra)


def lagrangian_bound(problem: LocationProblem, counts: Iterable[int],
                     start: tuple[np.ndarray, np.ndarray] | None, target: float) -> float:
    """A lower bound on the cost of every design of `problem` with a count in `counts`: the
    least over those counts of the best L_n found for each (module docstring, 2), from
    `start` (prices to begin from: any prices are valid; ignored when they do not fit the
    problem's points and rows) and from an ascent at the weakest count, a few times, stopping
    once it reaches `target`."""
    counts = sorted(counts)
    if not counts:
        return np.inf
    if not np.isfinite(target):  # nothing to beat: only an empty U would do (above)
        return -np.inf
    data = lagrange_data(problem)
    lam, sigma = _start_prices(problem, data, start)
    best = lagrangian_by_count(problem, data, counts, lam, sigma)
    for _ in range(ASCENTS):
        weakest = min(best, key=best.get)
        if best[weakest] >= target:
            break
        _, lam_n, sigma_n = share_prices.ascend(problem, data, weakest, lam, sigma, target)
        for n, value in lagrangian_by_count(problem, data, counts, lam_n, sigma_n).items():
            best[n] = max(best[n], value)  # each a valid bound on count n
    return float(min(best.values()))


def without_empty_count(problem: LocationProblem, counts: Iterable[int]) -> list[int]:
    """`counts` without 0 when some point has no cross-border option: with no site open
    that point could not be served, so no design has 0 sites."""
    opt = problem.options
    served_abroad = np.zeros(problem.n_points, bool)
    served_abroad[opt.point[opt.site == NO_SITE]] = True
    return [n for n in counts if n > 0 or served_abroad.all()]


def lagrangian_by_count(problem: LocationProblem, data: LagrangeData, counts: list[int],
                        lam: np.ndarray, sigma: np.ndarray) -> dict[int, float]:
    """L_n(lam, sigma) for each n in `counts` (inf where n sites do not fit the forced ones),
    from one sort of the site values: lagrange.relaxed_choice's value at the first count,
    moved to each other count by the site values it adds or drops."""
    values = site_values(problem, data, lam, sigma)
    forced, closed = problem.forced_open, problem.forced_closed
    n_forced = int(forced.sum())
    free = np.sort(values[~forced & ~closed])
    prefix = np.concatenate([[0.0], np.cumsum(free)])
    fits = [n for n in counts if 0 <= n - n_forced <= len(free)]
    out = {n: np.inf for n in counts}
    if not fits:
        return out
    first = relaxed_choice(problem, data, fits[0], lam, sigma)
    constant = first.value - prefix[fits[0] - n_forced] - problem.inventory_usd_by_count[fits[0]]
    for n in fits:
        out[n] = float(constant + prefix[n - n_forced] + problem.inventory_usd_by_count[n])
    return out


def _start_prices(problem: LocationProblem, data: LagrangeData,
                  start: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    """`start` when it fits the problem; else each point priced at its cheapest option and
    sigma 0 (where L_n is the plain estimate: fixed costs, inventory, cheapest options)."""
    if start is not None:
        lam, sigma = start
        if len(lam) == problem.n_points and len(sigma) == len(data.shares):
            return lam.astype(float), np.maximum(np.asarray(sigma, float), 0.0)
    return (problem.orders_per_year * problem.cheapest_cost_per_order,
            np.zeros(len(data.shares)))
