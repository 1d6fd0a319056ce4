"""A count window with few possible site sets, solved one open set at a time.

Why: with one or two open sites capacity binds hard (each site handles far less than the
demand, the rest going cross-border), and such a window's LP with every capacity row is slow
(BENCHMARKS.md).

When the window allows at most MAX_SETS sets of open sites, every set gets a lower bound:
fixed costs + inventory + each point at its cheapest option among the set and cross-border,
with the capacity rows relaxed by prices mu_s per order and the first share target by a price
sigma (any mu, sigma >= 0 give a valid bound: a Lagrangian relaxation; a few subgradient steps,
all sets at once, choose them; other targets and carrier shares are dropped, which only lowers
it). Sets are then solved in the order of
that bound, each as a small MIP over its own options with its capacity rows and sites fixed,
and the rest pruned once the bound reaches the best design. The window's proven bound is
min(each solved set's MIP bound, the least bound of the sets not solved).

The set bound prices the first share target too (sigma), without which it pruned nothing
where a target binds (2 sites at 90% within 2 days on the default: every one of the 1,596
set bounds below the best design, about $110M under the optimum; with sigma within $10M of
it). The search enumerates only where capacity binds (count_search.py: _worth_enumerating),
and at most MAX_SET_MIPS sets are solved: if the bound has not reached the best design by then, the
window goes back to the LP/MIP path, keeping any design found.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from network.optimize.mathopt_backend import MipStatus, solve_model
from network.optimize.model import MipModel, build_model
from network.optimize.problem import NO_SITE, LocationProblem, Options

MAX_SETS = 2000  # 2 of 57 sites: 1,596 sets
CAPACITY_PRICE_STEPS = 40
MAX_SET_MIPS = 12  # then the set bounds are too weak to pay: solve the window as a whole


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
                  incumbent: float, relative_gap: float, deadline: float) -> SetSearch:
    """Every open set of the window in the order of its bound, until the bound reaches the
    best design (complete), the time limit, or MAX_SET_MIPS set MIPs (not complete)."""
    sets = site_sets(problem, lo, hi)
    bounds = set_bounds(problem, sets, deadline)
    out = SetSearch()
    for solved, k in enumerate(np.argsort(bounds, kind="stable")):
        target = min(out.cost, incumbent)
        if bounds[k] >= target * (1 - relative_gap):
            out.proven = min(out.proven, float(bounds[k]))
            return out  # this set and every later one cannot beat the best by the gap
        if solved == MAX_SET_MIPS:
            out.complete = False
            return out
        if time.perf_counter() >= deadline:
            out.proven, out.limited = min(out.proven, float(bounds[k])), True
            return out
        cost, values, set_bound, cut = _solve_set(problem, full, sets[k], relative_gap,
                                                  deadline)
        out.limited |= cut
        out.proven = min(out.proven, set_bound)
        if cost < out.cost:
            out.cost, out.values = cost, values
    return out


@dataclass
class SetSearch:
    """What solve_by_sets found: the best design (cost, full-model variable vector), the
    window's proven bound when `complete`, and whether a time limit cut a MIP short."""

    cost: float = np.inf
    values: np.ndarray | None = field(default=None, repr=False)
    proven: float = np.inf
    complete: bool = True
    limited: bool = False


def set_bounds(problem: LocationProblem, sets: list[np.ndarray], deadline: float = np.inf
               ) -> np.ndarray:
    """A lower bound on the cost of each open set: fixed costs + inventory + every point at
    its cheapest option among the set and cross-border, with each open site's orders priced
    at mu_s per order against its capacity and, when there is a share target, every order
    delivered within its N days discounted by sigma / (all orders) against the target (a
    Lagrangian relaxation of the capacity rows and the first share target; other targets and
    carrier shares dropped). Any mu, sigma >= 0 give a valid bound; a few subgradient steps
    per set, all sets at once, pick good ones, stopping at `deadline` (every step's value
    is a bound, so the best so far is one)."""
    opt = problem.options
    target = problem.share_requirements[0] if problem.share_requirements else None
    fast = np.ones(len(opt), bool) if target is None else opt.days <= target.within_days
    cheap, cross = _cheapest(problem, np.ones(len(opt), bool))
    cheap_fast, cross_fast = (cheap, cross) if target is None else _cheapest(problem, fast)
    by_size: dict[int, list[int]] = {}
    for k, mask in enumerate(sets):
        by_size.setdefault(int(mask.sum()), []).append(k)
    out = np.empty(len(sets))
    for members in by_size.values():
        idx = np.array([np.nonzero(sets[k])[0] for k in members]).reshape(len(members), -1)
        out[members] = _priced_bounds(problem, (cheap, cross), (cheap_fast, cross_fast), idx,
                                      None if target is None else target.share, deadline)
    return out


def _cheapest(problem: LocationProblem, among: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per order, each point's cheapest option in `among` at each site [z, s] and cross-border
    [z] (inf where there is none)."""
    opt = problem.options
    at_site = (opt.site != NO_SITE) & among
    cheap = np.full((problem.n_points, problem.n_sites), np.inf)
    np.minimum.at(cheap, (opt.point[at_site], opt.site[at_site]), opt.cost_usd_per_order[at_site])
    direct = (opt.site == NO_SITE) & among
    cross = np.full(problem.n_points, np.inf)
    np.minimum.at(cross, opt.point[direct], opt.cost_usd_per_order[direct])
    return cheap, cross


def _priced_bounds(problem: LocationProblem, every: tuple[np.ndarray, np.ndarray],
                   fast: tuple[np.ndarray, np.ndarray], idx: np.ndarray,
                   share: float | None, deadline: float = np.inf) -> np.ndarray:
    """set_bounds for sets of one size: idx [K, n] open sites of each set; `every` and `fast`
    the cheapest options per order (at each site, cross-border) among all options and among
    those within the target's days; `share` the target (None: no sigma).

    For each set, with prices mu_j >= 0 (per order at open site j) and sigma >= 0 (per share
    of all O orders):
        L = const + sum_z o_z min(min_j min(c_zj, f_zj - sigma/O) + mu_j, min(c_z, f_z - sigma/O))
            - sum_j mu_j cap_j + sigma share
    is at most the cost of any design of the set meeting the target and the capacities
    (the two added terms are <= 0 for such a design: weak duality)."""
    orders = problem.orders_per_year
    total = float(orders.sum())
    fixed = problem.fixed_cost_usd_per_year[idx].sum(axis=1)
    n = idx.shape[1]
    constant = fixed + problem.inventory_usd_by_count[n]
    (cheap, cross), (cheap_fast, cross_fast) = every, fast
    if n == 0:  # no site: the share discount is left out (a weaker bound, still valid)
        return constant + orders @ cross
    cost = cheap[:, idx].transpose(1, 0, 2)  # [K, z, n] per-order cost at each open site
    cost_fast = None if share is None else cheap_fast[:, idx].transpose(1, 0, 2)
    capacity = problem.capacity_orders_per_year[idx]  # [K, n]
    mu = np.zeros(idx.shape)
    sigma = np.zeros(len(idx))
    finite = cost[np.isfinite(cost)]
    spread = float(np.median(finite)) if finite.size and np.median(finite) > 0 else 1.0
    best = np.full(len(idx), -np.inf)
    for step in range(CAPACITY_PRICE_STEPS):
        if step > 0 and time.perf_counter() >= deadline:
            break
        if share is None:  # capacity prices only
            priced, cross_cost = cost + mu[:, None, :], cross[None, :]
        else:
            discount = (sigma / total)[:, None, None]
            quick = cost_fast - discount < cost  # the within-N option is the cheaper one
            priced = np.where(quick, cost_fast - discount, cost) + mu[:, None, :]
            cross_quick = cross_fast[None, :] - discount[:, :, 0] < cross[None, :]
            cross_cost = np.where(cross_quick, cross_fast[None, :] - discount[:, :, 0],
                                  cross[None, :])
        site_pick = np.argmin(priced, axis=2)  # [K, z]
        site_cost = np.take_along_axis(priced, site_pick[:, :, None], axis=2)[:, :, 0]
        to_site = site_cost < cross_cost
        value = (np.where(to_site, site_cost, cross_cost) @ orders
                 - (mu * np.where(np.isfinite(capacity), capacity, 0.0)).sum(axis=1))
        if share is not None:
            value = value + sigma * share
        best = np.maximum(best, value)
        load = np.zeros(idx.shape)
        for j in range(n):
            load[:, j] = (to_site & (site_pick == j)) @ orders
        over = np.where(np.isfinite(capacity), (load - capacity) / np.maximum(capacity, 1.0), 0.0)
        mu = np.maximum(0.0, mu + spread * over / (step + 1))
        if share is not None:
            site_quick = np.take_along_axis(quick, site_pick[:, :, None], axis=2)[:, :, 0]
            served = (np.where(to_site, site_quick, cross_quick) @ orders) / total
            sigma = np.maximum(0.0, sigma + total * spread * (share - served) / (step + 1))
    return constant + best


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
                    carrier_bounds=tuple(replace(b, option_fraction=b.option_fraction[keep])
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
    return float(sol.objective), values, bound, limited


def _set_bound(problem: LocationProblem, is_open: np.ndarray) -> float:
    return float(set_bounds(problem, [is_open])[0])
