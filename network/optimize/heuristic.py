"""A fast design before any proof: greedy adding of sites, then swaps, for each count.

Each set of open sites is priced by `assign_open`: every ZIP3 takes its cheapest open option,
then the cheapest upgrades (extra cost per order moved into the target) to a fast option until
the share target is met. It handles one share target and no carrier shares or capacity rows
(otherwise it returns None and the exact search starts without an incumbent). Every design one
site away from the current one (an addition, a removal, a swap) is priced in a batch from each
point's two cheapest open options (`_batch_costs`, the same arithmetic as `assign_open`, which
a test checks), several times faster than one design at a time. After a what-if edit it swaps
from the last design instead (`best_designs(start=...)`); `rounded_design` turns an LP's or
Lagrangian prices' choice of sites into a design; `guess_count` guesses where to start. The
result only seeds the exact search (a starting count, an incumbent to filter against, a solver
hint); nothing relies on it being optimal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from network.optimize.problem import NO_SITE, LocationProblem

MAX_SWAP_ROUNDS = 3


@dataclass(frozen=True)
class Pricing:
    """Per (point, site): cheapest option and cheapest fast option (index and cost)."""

    cheap_cost: np.ndarray  # [z, s]
    cheap_option: np.ndarray
    fast_cost: np.ndarray
    fast_option: np.ndarray
    cb_cheap: np.ndarray  # [z] cross-border (inf when none)
    cb_cheap_option: np.ndarray
    cb_fast: np.ndarray
    weight: np.ndarray  # [z] share of orders
    share: float | None


def applies(problem: LocationProblem) -> bool:
    """One share target at most and no carrier shares (capacity is checked after)."""
    return not problem.carrier_bounds and len(problem.share_requirements) <= 1


def pricing(problem: LocationProblem) -> Pricing | None:
    if not applies(problem):
        return None
    opt = problem.options
    target = problem.share_requirements[0] if problem.share_requirements else None
    fast = (opt.days <= target.within_days) if target else np.ones(len(opt), bool)
    cost = problem.orders_per_year[opt.point] * opt.cost_usd_per_order
    cheap_c, cheap_o = _best_per_pair(problem, cost, np.ones(len(opt), bool))
    fast_c, fast_o = _best_per_pair(problem, cost, fast)
    cb = np.nonzero(opt.site == NO_SITE)[0]
    cb_cheap = np.full(problem.n_points, np.inf)
    cb_option = np.full(problem.n_points, -1)
    cb_cheap[opt.point[cb]] = cost[cb]
    cb_option[opt.point[cb]] = cb
    cb_fast = np.where(np.isin(np.arange(problem.n_points), opt.point[cb[fast[cb]]]),
                       cb_cheap, np.inf)
    weight = problem.orders_per_year / problem.orders_per_year.sum()
    return Pricing(cheap_c, cheap_o, fast_c, fast_o, cb_cheap, cb_option, cb_fast, weight,
                   None if target is None else target.share)


def _best_per_pair(problem: LocationProblem, cost: np.ndarray, member: np.ndarray):
    """[z, s] each pair's cheapest option among `member` (the lowest index among equal costs)
    and its cost. The options are sorted by (point, cost per order, ...) (problem.Options) and
    `cost` is that times the point's orders, so a pair's first option is its cheapest: written
    last to first, the first wins. Why not a sort by cost: 75 ms a call on sites_150's 260,000
    options (pricing runs several times a solve), the same choice."""
    opt = problem.options
    order = np.nonzero(member & (opt.site != NO_SITE))[0][::-1]  # later writes win
    best_c = np.full((problem.n_points, problem.n_sites), np.inf)
    best_o = np.full((problem.n_points, problem.n_sites), -1)
    best_c[opt.point[order], opt.site[order]] = cost[order]
    best_o[opt.point[order], opt.site[order]] = order
    return best_c, best_o


def assign_open(problem: LocationProblem, p: Pricing, is_open: np.ndarray
                ) -> tuple[float, np.ndarray] | None:
    """(cost, option per point) of serving every point from the open sites, or None."""
    z = np.arange(problem.n_points)
    sites = np.nonzero(is_open)[0]
    if len(sites):
        cheap_site = sites[np.argmin(p.cheap_cost[:, sites], axis=1)]
        a = np.minimum(p.cheap_cost[z, cheap_site], p.cb_cheap)
    else:
        cheap_site, a = np.zeros(len(z), int), p.cb_cheap
    choice = np.where(p.cb_cheap <= a, p.cb_cheap_option, p.cheap_option[z, cheap_site])
    if not np.isfinite(a).all():
        return None
    total = a.sum()
    if p.share is not None:
        if len(sites):
            fast_site = sites[np.argmin(p.fast_cost[:, sites], axis=1)]
            f = np.minimum(p.fast_cost[z, fast_site], p.cb_fast)
        else:
            fast_site, f = np.zeros(len(z), int), p.cb_fast
        fast_choice = np.where(p.cb_fast <= f, p.cb_cheap_option, p.fast_option[z, fast_site])
        already = f <= a
        choice = np.where(already, fast_choice, choice)
        missing = p.share - p.weight[already].sum()
        if missing > 1e-12:
            upgrade = _upgrades(p.weight, f - a, ~already & np.isfinite(f), missing)
            if upgrade is None:
                return None
            choice[upgrade] = fast_choice[upgrade]
            total += (f - a)[upgrade].sum()
    n = int(is_open.sum())
    return (float(total + problem.fixed_cost_usd_per_year[is_open].sum()
                  + problem.inventory_usd_by_count[n]), choice)


def _upgrades(weight: np.ndarray, extra: np.ndarray, allowed: np.ndarray, missing: float
              ) -> np.ndarray | None:
    """Points to move to a fast option so their weight covers `missing` at little extra cost:
    greedy by extra cost per unit of weight, the last one chosen as the cheapest single point
    that closes the remaining shortfall (the greedy one often overshoots by a big ZIP3)."""
    ratio = np.where(allowed, extra / weight, np.inf)
    order = np.argsort(ratio, kind="stable")
    covered = np.cumsum(weight[order])
    take = int(np.searchsorted(covered, missing - 1e-12)) + 1
    if take > len(order) or not np.isfinite(ratio[order[take - 1]]):
        return None
    before = order[:take - 1]
    short = missing - (covered[take - 2] if take > 1 else 0.0)
    rest = order[take - 1:]
    closes = rest[allowed[rest] & (weight[rest] >= short - 1e-12)]
    last = closes[np.argmin(extra[closes])]
    return np.concatenate([before, [last]])


def best_designs(problem: LocationProblem, lo: int, hi: int, start: np.ndarray | None = None
                 ) -> dict[int, tuple[float, np.ndarray, np.ndarray]]:
    """count -> (cost, open mask, choice): swaps at the best count of the greedy adding (or at
    `start`, the open-site mask of the last design, fitted to the forced sites and counts) and
    at its neighbours while they improve; empty when the heuristic does not apply. Where every
    removal misses the share target the step down is `_reach_repaired`'s design.

    Why `start`: after a what-if edit the last design, repaired, is next to the new optimum;
    swapping from it skips the greedy path and the walk from the greedy count down to the
    best one."""
    p = pricing(problem)
    if p is None:
        return {}
    free = ~problem.forced_open & ~problem.forced_closed
    first = None if start is None else _repaired(problem, p, start, free, lo, hi)
    if first is None:  # no start, or it cannot be repaired into a design meeting the target
        first = _greedy_best(problem, p, free, lo, hi)
    if first is None:
        return {}
    n = int(first.sum())
    found = {n: _improved(problem, p, first, free)}
    for step in (-1, 1):  # walk away from the first count while the swapped designs improve
        k = n
        while lo <= k + step <= hi:
            begin = _neighbour(problem, p, found[k][1], free, step)
            if begin is None and step < 0:  # every removal misses the target: regain it
                begin = _reach_repaired(problem, p, found[k][1], free)
            if begin is None:
                break
            found[k + step] = _improved(problem, p, begin, free)
            if found[k + step][0] >= found[k][0]:
                break
            k += step
    return found


def _greedy_best(problem: LocationProblem, p: Pricing, free: np.ndarray, lo: int, hi: int
                 ) -> np.ndarray | None:
    """Add the site that lowers the cost most, one at a time from the forced-open ones, until
    two sites past the cheapest count; the cheapest design on that path."""
    is_open = problem.forced_open.copy()
    path: dict[int, tuple[float, np.ndarray]] = {}
    if lo <= int(is_open.sum()):
        path[int(is_open.sum())] = (_cost(problem, p, is_open), is_open)
    while int(is_open.sum()) < hi and (free & ~is_open).any():
        cost, s = _best_addition(problem, p, is_open, free)
        if s is None:
            break
        is_open = _with(is_open, s, True)
        n = int(is_open.sum())
        if n >= lo:
            path[n] = (cost, is_open)
        finite = [k for k in path if np.isfinite(path[k][0])]
        if finite and n > min(finite, key=lambda k: path[k][0]) + 2:
            break
    finite = [k for k in path if np.isfinite(path[k][0])]
    return path[min(finite, key=lambda k: path[k][0])][1] if finite else None


def _repaired(problem: LocationProblem, p: Pricing, start: np.ndarray, free: np.ndarray,
              lo: int, hi: int) -> np.ndarray | None:
    """`start` with forced-open sites opened and forced-closed ones shut, each shut site
    replaced by the best addition, then the best
    single additions or removals until the count is within [lo, hi]."""
    want = int(np.clip(int((start | problem.forced_open).sum()), lo, hi))
    is_open = (start & free) | problem.forced_open
    while is_open is not None and int(is_open.sum()) < want:
        is_open = _neighbour(problem, p, is_open, free, 1)
    while is_open is not None and int(is_open.sum()) > want:
        is_open = _neighbour(problem, p, is_open, free, -1)
    return None if is_open is None or not np.isfinite(_cost(problem, p, is_open)) else is_open


def rounded_design(problem: LocationProblem, site_weight: np.ndarray, n: int,
                   tried: set[bytes] | None = None) -> tuple[float, np.ndarray, np.ndarray] | None:
    """(cost, open mask, choice) of the n sites an LP opens most (forced-open sites first,
    forced-closed never), improved by swaps; None when the heuristic does not apply, or when
    `tried` (the starting site sets of earlier calls, which it then records) holds this one.

    Why: where the LP at the right count is tight but the greedy path ended in another local
    optimum, the LP's own sites are the optimum or next to it, and a proven-good incumbent
    saves the window's MIP. Why `tried`: the swaps are deterministic, so a start tried before
    ends in the design offered before (the site tree's nodes often round to the same sites:
    site_branching._round)."""
    p = pricing(problem)
    free = ~problem.forced_open & ~problem.forced_closed
    extra = n - int(problem.forced_open.sum())
    if p is None or not 0 <= extra <= int(free.sum()):
        return None
    order = np.argsort(-np.where(free, site_weight, -np.inf), kind="stable")
    is_open = problem.forced_open.copy()
    is_open[order[:extra]] = True
    if tried is not None:
        if is_open.tobytes() in tried:
            return None
        tried.add(is_open.tobytes())
    cost, improved, choice = _improved(problem, p, is_open, free)
    return (cost, improved, choice) if np.isfinite(cost) else None


def _improved(problem: LocationProblem, p: Pricing, is_open: np.ndarray, free: np.ndarray):
    """Swaps from `is_open`: (cost, open mask, choice); cost inf and choice None when even the
    swapped design misses the share target (a start rounded from Lagrangian prices can)."""
    improved = _swap(problem, p, is_open, free)
    priced = assign_open(problem, p, improved)
    return (np.inf, improved, None) if priced is None else (priced[0], improved, priced[1])


def _neighbour(problem: LocationProblem, p: Pricing, is_open: np.ndarray, free: np.ndarray,
               step: int) -> np.ndarray | None:
    """The best design one site smaller (step -1) or larger (+1) than `is_open`."""
    if step > 0:
        cost, s = _best_addition(problem, p, is_open, free)
        return None if s is None or not np.isfinite(cost) else _with(is_open, s, True)
    pool = np.nonzero(free & is_open)[0]
    if not len(pool):
        return None
    near = _NearestOpen(p, is_open)
    a, f = near.without(pool)
    fixed = _fixed(problem, is_open) - problem.fixed_cost_usd_per_year[pool]
    costs = _batch_costs(problem, p, a, f, fixed, int(is_open.sum()) - 1, least_only=True)
    i = int(np.argmin(costs))
    return _with(is_open, pool[i], False) if np.isfinite(costs[i]) else None


def _reach_repaired(problem: LocationProblem, p: Pricing, is_open: np.ndarray, free: np.ndarray
                    ) -> np.ndarray | None:
    """A design one site smaller than `is_open` that can meet the share target, or None: the
    free site whose removal keeps the most orders within the target's days closed, then swaps
    of one open free site for one closed one, each the swap that makes the most orders
    reachable, until the target can be met (at most MAX_SWAP_ROUNDS).

    Why: where every single removal misses the target, the walk to fewer sites stopped, though
    a design with fewer sites elsewhere may meet it and cost less (next_day_80 with 75% within
    a day: every removal from the heuristic's 7 sites misses it, the 6-site optimum shares
    three of them). The cost swaps (`_improved`) then start from a design that meets it."""
    if p.share is None:
        return None
    reach_of = np.isfinite(p.fast_cost)  # [z, s]
    cross = np.isfinite(p.cb_fast)
    pool = np.nonzero(free & is_open)[0]
    if not len(pool):
        return None
    kept, _ = _reached_after_removal(reach_of, cross, is_open, pool)
    is_open = _with(is_open, int(pool[int(np.argmax(kept @ p.weight))]), False)
    for _ in range(MAX_SWAP_ROUNDS + 1):
        if np.isfinite(_cost(problem, p, is_open)):
            return is_open
        out, into = np.nonzero(free & is_open)[0], np.nonzero(free & ~is_open)[0]
        if not len(out) or not len(into):
            return None
        kept, reached = _reached_after_removal(reach_of, cross, is_open, out)
        reach = (kept @ p.weight)[:, None] + (~kept * p.weight[None]) @ reach_of[:, into]
        now = float(p.weight[reached].sum())
        i, j = np.unravel_index(int(np.argmax(reach)), reach.shape)
        if reach[i, j] <= now:
            return None
        is_open = _with(_with(is_open, int(out[i]), False), int(into[j]), True)
    return None


def _reached_after_removal(reach_of: np.ndarray, cross: np.ndarray, is_open: np.ndarray,
                           removals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """([removal, z], [z]): whether ZIP3 z is still reached within the share target's days
    after closing `removals[i]` alone (by another open site, or cross-border), and whether it
    is reached now; `reach_of` is [z, s], `removals` open sites."""
    count = reach_of[:, is_open].sum(axis=1)
    kept = cross[None] | ((count[None] - reach_of[:, removals].T) > 0)
    return kept, cross | (count > 0)


def _with(mask: np.ndarray, s: int, value: bool) -> np.ndarray:
    out = mask.copy()
    out[s] = value
    return out


def _cost(problem: LocationProblem, p: Pricing, is_open: np.ndarray) -> float:
    result = assign_open(problem, p, is_open)
    return np.inf if result is None else result[0]


def _swap(problem: LocationProblem, p: Pricing, is_open: np.ndarray, free: np.ndarray
          ) -> np.ndarray:
    """Best-improvement swaps of one open free site for one closed one (every pair: limiting
    the entering sites to those that help most when added alone lost cost: BENCHMARKS.md).
    All pairs are priced together (`_batch_costs`), one leaving site at a time."""
    current = _cost(problem, p, is_open)
    n = int(is_open.sum())
    for _ in range(MAX_SWAP_ROUNDS):
        into = np.nonzero(~is_open & free)[0]
        best = (current, None, None)
        near = _NearestOpen(p, is_open)
        for out in np.nonzero(is_open & free)[0]:
            if not len(into):
                break
            a_wo, f_wo = near.without(np.array([out]))
            a = np.minimum(a_wo, p.cheap_cost[:, into].T)
            f = np.minimum(f_wo, p.fast_cost[:, into].T)
            fixed = (_fixed(problem, is_open) - problem.fixed_cost_usd_per_year[out]
                     + problem.fixed_cost_usd_per_year[into])
            costs = _batch_costs(problem, p, a, f, fixed, n, least_only=True)
            i = int(np.argmin(costs))
            if np.isfinite(costs[i]) and costs[i] < best[0] - 1e-9 * abs(costs[i]):
                best = (float(costs[i]), out, into[i])
        if best[1] is None:
            break
        is_open = _with(_with(is_open, best[1], False), best[2], True)
        current = _cost(problem, p, is_open)
    return is_open


def _best_addition(problem: LocationProblem, p: Pricing, is_open: np.ndarray, free: np.ndarray
                   ) -> tuple[float, int | None]:
    """(cost, site) of the cheapest design with one more free site open (lowest index on
    ties). When every addition still misses the target (too few sites yet), the site that
    makes the most orders reachable within its days, at cost inf; site None when none is
    left."""
    into = np.nonzero(free & ~is_open)[0]
    near = _NearestOpen(p, is_open)
    a = np.minimum(near.a1, p.cheap_cost[:, into].T)
    f = np.minimum(near.f1, p.fast_cost[:, into].T)
    costs = _batch_costs(problem, p, a, f,
                         _fixed(problem, is_open) + problem.fixed_cost_usd_per_year[into],
                         int(is_open.sum()) + 1, least_only=True)
    if not len(into):
        return np.inf, None
    i = int(np.argmin(costs))
    if np.isfinite(costs[i]):
        return float(costs[i]), int(into[i])
    reach = np.where(np.isfinite(f), p.weight[None], 0.0).sum(axis=1)
    return np.inf, int(into[int(np.argmax(reach))])


def _fixed(problem: LocationProblem, is_open: np.ndarray) -> float:
    return float(problem.fixed_cost_usd_per_year[is_open].sum())


class _NearestOpen:
    """Per point, the cheapest and second-cheapest open option (cheap and fast), with the
    cheapest one's site, cross-border included: what every one-site change is priced from."""

    def __init__(self, p: Pricing, is_open: np.ndarray) -> None:
        sites = np.nonzero(is_open)[0]
        self.a1, self.a2, self.a_site = _two_smallest(p.cheap_cost[:, sites], sites, p.cb_cheap)
        self.f1, self.f2, self.f_site = _two_smallest(p.fast_cost[:, sites], sites, p.cb_fast)

    def without(self, gone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(a, f) per point, one row per site in `gone` closed (the others still open)."""
        g = gone[:, None]
        return (np.where(self.a_site[None] == g, self.a2[None], self.a1[None]),
                np.where(self.f_site[None] == g, self.f2[None], self.f1[None]))


def _two_smallest(cost: np.ndarray, sites: np.ndarray, cross: np.ndarray):
    """Smallest and second smallest per row of cost [z, open site] and the smallest's site (-1
    for none), with cross-border `cross` [z] never closable (so it bounds both)."""
    n_z = len(cost)
    if cost.shape[1] == 0:
        return cross.copy(), cross.copy(), np.full(n_z, -1)
    first = np.argmin(cost, axis=1)
    rows = np.arange(n_z)
    best = cost[rows, first]
    rest = cost.copy()
    rest[rows, first] = np.inf
    second = rest.min(axis=1)
    site = np.where(best <= cross, sites[first], -1)  # cross-border cheaper: no site to lose
    return (np.minimum(best, cross), np.minimum(np.where(site >= 0, second, best), cross), site)


def _batch_costs(problem: LocationProblem, p: Pricing, a: np.ndarray, f: np.ndarray,
                 fixed: np.ndarray | float, n_open: int, least_only: bool = False) -> np.ndarray:
    """Total cost of B designs from each point's cheapest (a) and cheapest fast (f) option cost
    [B, z] at the design's open sites (cross-border included): the same pricing as
    `assign_open`, vectorised over designs. inf where a design cannot serve or cannot meet
    the share target.

    With `least_only` a design whose lower bound (`_upgrade_bounds`) is above the least cost
    found is left at inf without its upgrades priced: the least cost and the first design
    reaching it stay those of the full batch (the swaps and additions only ask for those),
    and most of a batch is skipped (sites_150: the greedy upgrades' sort over every design
    took most of the heuristic's CPU; BENCHMARKS.md)."""
    if not least_only or p.share is None or len(a) <= 1:
        return _priced_batch(problem, p, a, f, fixed, n_open)
    fixed = np.broadcast_to(np.asarray(fixed, dtype=float), (len(a),))
    slow, finite = f > a, np.isfinite(f)
    return _least_only(a.sum(axis=1) + fixed + problem.inventory_usd_by_count[n_open],
                       p.weight, f - a, slow & finite,
                       p.share - np.where(~slow, p.weight[None], 0.0).sum(axis=1),
                       lambda rows: _priced_batch(problem, p, a[rows], f[rows], fixed[rows],
                                                  n_open))


def _least_only(base: np.ndarray, weight: np.ndarray, extra: np.ndarray, allowed: np.ndarray,
                missing: np.ndarray, priced: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """[B] `priced(rows)` (designs' costs, each base [B] plus its greedy upgrades) for the
    design of least base and every design whose bound (base plus `_upgrade_bounds` at the
    price where that design's greedy stops) is not above its cost; inf for the others, which
    cannot be the least. All of them priced when that design cannot meet the target."""
    first = int(np.argmin(base))
    costs = np.full(len(base), np.inf)
    costs[first] = priced(np.array([first]))[0]
    if not np.isfinite(costs[first]):
        return priced(np.arange(len(base)))
    price = _upgrade_price(weight, extra[first], allowed[first], float(missing[first]))
    bound = base + _upgrade_bounds(weight, extra, allowed, missing, price)
    rest = np.nonzero(bound - BOUND_MARGIN * np.abs(bound) <= costs[first])[0]
    rest = rest[rest != first]
    if len(rest):
        costs[rest] = priced(rest)
    return costs


def _priced_batch(problem: LocationProblem, p: Pricing, a: np.ndarray, f: np.ndarray,
                  fixed: np.ndarray | float, n_open: int) -> np.ndarray:
    total = a.sum(axis=1)
    if p.share is not None:
        total = total + _batch_upgrades(p.weight, f - a, f > a, np.isfinite(f), p.share)
    total = np.where(np.isfinite(a).all(axis=1), total, np.inf)
    return total + fixed + problem.inventory_usd_by_count[n_open]


BOUND_MARGIN = 1e-9  # relative: a design's upgrade bound is lowered by this much (float noise)


def _upgrade_price(weight: np.ndarray, extra: np.ndarray, allowed: np.ndarray,
                   missing: float) -> float:
    """The price per unit of weight at which one design's greedy upgrades stop (extra / weight
    of the point that completes `missing`), 0 when none are needed: a price near the best for
    the bounds of designs like it."""
    if missing <= 1e-12:
        return 0.0
    ratio = np.where(allowed, extra / weight, np.inf)
    order = np.argsort(ratio, kind="stable")
    k = int(np.searchsorted(np.cumsum(weight[order]), missing - 1e-12))
    value = ratio[order[min(k, len(order) - 1)]]
    return float(value) if np.isfinite(value) else 0.0


def _upgrade_bounds(weight: np.ndarray, extra: np.ndarray, allowed: np.ndarray,
                    missing: np.ndarray, price: float) -> np.ndarray:
    """[B] a lower bound on each design's greedy upgrade cost (`_batch_upgrades`), from any
    price pi >= 0 per unit of weight (docs/optimizer.md, step 3): the greedy's points cover the
    shortfall M less at most 2e-12 of weight, so they cost at least the fractional knapsack
    min sum e_z x_z, sum w_z x_z >= M - 2e-12, 0 <= x <= 1, which is at least its Lagrangian
    pi (M - 2e-12) + sum_z min(0, e_z - pi w_z) (weak duality); 0 where nothing is missing.
    Lowered by BOUND_MARGIN of the terms' size against rounding."""
    gain = np.where(allowed, np.minimum(0.0, extra - price * weight[None]), 0.0).sum(axis=1)
    bound = price * (missing - 2e-12) + gain
    size = price * np.abs(missing) + np.abs(gain)
    return np.where(missing > 1e-12, np.maximum(bound - BOUND_MARGIN * size, 0.0), 0.0)


def _batch_upgrades(weight: np.ndarray, extra: np.ndarray, slow: np.ndarray, finite: np.ndarray,
                    share: float) -> np.ndarray:
    """`_upgrades`' extra cost for each row of `extra` [B, z] (inf when the target cannot be
    met): greedy by extra cost per unit of weight, the last point the cheapest single one that
    closes the remaining shortfall.

    A row whose upgradable points (slow, with a finite fast option) weigh less than its
    shortfall, by UNREACHABLE_MARGIN, is inf without its sort: its greedy would run past
    them into points it cannot upgrade (each weight > 0, so those sort last) and stop there,
    inf. Why: next_day_80's swaps price mostly such designs (4,428 of 4,656 rows in a warm
    edit and its base solve), and their sorts were most of the heuristic's CPU
    (BENCHMARKS.md, branch nextday13). The same values."""
    n_b, n_z = extra.shape
    missing = share - np.where(~slow, weight[None], 0.0).sum(axis=1)
    allowed = slow & finite
    if n_b and (weight > 0).all():
        short = (np.where(allowed, weight[None], 0.0).sum(axis=1)
                 < missing - 1e-12 - UNREACHABLE_MARGIN)
        if short.any():
            out = np.full(n_b, np.inf)
            rest = np.nonzero(~short)[0]
            if len(rest):
                out[rest] = _batch_upgrades(weight, extra[rest], slow[rest], finite[rest],
                                            share)
            return out
    ratio = np.where(allowed, extra / weight[None], np.inf)
    order = np.argsort(ratio, axis=1, kind="stable")
    w_sorted = weight[order]
    e_sorted = np.take_along_axis(np.where(allowed, extra, np.inf), order, axis=1)
    ok_sorted = np.take_along_axis(allowed, order, axis=1)
    covered = np.cumsum(w_sorted, axis=1)
    take = (covered < (missing - 1e-12)[:, None]).sum(axis=1) + 1
    rows = np.arange(n_b)
    last_pos = np.minimum(take - 1, n_z - 1)
    feasible = (take <= n_z) & np.isfinite(e_sorted[rows, last_pos])
    e_clean = np.where(ok_sorted, e_sorted, 0.0)
    paid = np.cumsum(e_clean, axis=1)
    before = np.where(take >= 2, paid[rows, np.maximum(take - 2, 0)], 0.0)
    covered_before = np.where(take >= 2, covered[rows, np.maximum(take - 2, 0)], 0.0)
    short = missing - covered_before
    pos = np.arange(n_z)[None]
    closes = (pos >= last_pos[:, None]) & ok_sorted & (w_sorted >= short[:, None] - 1e-12)
    last = np.where(closes, e_sorted, np.inf).min(axis=1)
    cost = np.where(feasible, before + last, np.inf)
    return np.where(missing > 1e-12, cost, 0.0)


UNREACHABLE_MARGIN = 1e-9  # of the weights (shares of orders, summing to 1): far above the
# rounding between two orders of summing 881 of them (~1e-13)


def guess_count(problem: LocationProblem, lo: int, hi: int) -> int:
    """A likely number of open sites: greedy adding, each design priced with every point at its
    cheapest open option and the first share target met by the cheapest upgrades (fractional).
    Only a starting point for the search; nothing relies on it being right."""
    return guess_sites(problem, lo, hi)[0]


def guess_sites(problem: LocationProblem, lo: int, hi: int) -> tuple[int, np.ndarray | None]:
    """(guess_count's count, the open-site mask the greedy adding had at that count, or None
    when it never reached lo).

    Each step prices every addition at once (`_greedy_costs`), the same arithmetic as one
    design at a time (`_greedy_cost`, which a test compares), and only those that may be the
    least (`least_only`): sites_150's greedy took 0.2 s of CPU one site at a time, on the
    thread beside the heuristic, now 0.04 s (BENCHMARKS.md, branch warm4)."""
    cheap, fast, cb_cheap, cb_fast, target = _point_site_costs(problem)
    is_open = problem.forced_open.copy()
    allowed = ~problem.forced_open & ~problem.forced_closed
    best_n, best_cost, best_open = lo, np.inf, None
    while int(is_open.sum()) < hi and allowed.any():
        into = np.nonzero(allowed)[0]
        costs = _greedy_costs(problem, is_open, into, cheap, fast, cb_cheap, cb_fast, target,
                              least_only=True)
        k = int(np.argmin(costs))  # min over (cost, site): the lowest site among equal costs
        cost, s = float(costs[k]), int(into[k])
        is_open[s], allowed[s] = True, False
        if int(is_open.sum()) >= lo and cost < best_cost:
            best_n, best_cost, best_open = int(is_open.sum()), cost, is_open.copy()
        elif int(is_open.sum()) > best_n + 3:
            break
    return best_n, best_open


def _greedy_costs(problem: LocationProblem, is_open: np.ndarray, into: np.ndarray,
                  cheap: np.ndarray, fast: np.ndarray, cb_cheap: np.ndarray,
                  cb_fast: np.ndarray, target, least_only: bool = False) -> np.ndarray:
    """`_greedy_cost` of `is_open` with each site of `into` added [len(into)]: the points'
    options and the order of the upgrades for all designs at once; each design's sums over
    the same terms in the same order as `_greedy_cost` (a row at a time), so the same floats.
    With `least_only`, as `_batch_costs`: a design whose bound is above the least cost found
    is left at inf unpriced (its upgrades are a greedy cover of the shortfall too, so the
    same bound holds)."""
    a = np.minimum(np.minimum(cheap[:, is_open].min(axis=1, initial=np.inf), cb_cheap)[None],
                   cheap[:, into].T)  # [design, z]
    f = np.minimum(np.minimum(fast[:, is_open].min(axis=1, initial=np.inf), cb_fast)[None],
                   fast[:, into].T)
    n = int(is_open.sum()) + 1
    fixed = np.array([problem.fixed_cost_usd_per_year[_with(is_open, s, True)].sum()
                      for s in into])
    w = problem.orders_per_year / problem.orders_per_year.sum()
    if not least_only or target is None or len(into) <= 1:
        return _greedy_rows(problem, a, f, w, target, fixed, n)
    slow, finite = f > a, np.isfinite(f)
    return _least_only(a.sum(axis=1) + fixed + problem.inventory_usd_by_count[n], w, f - a,
                       slow & finite, target.share - np.where(~slow, w[None], 0.0).sum(axis=1),
                       lambda rows: _greedy_rows(problem, a[rows], f[rows], w, target,
                                                 fixed[rows], n))


def _greedy_rows(problem: LocationProblem, a: np.ndarray, f: np.ndarray, w: np.ndarray, target,
                 fixed: np.ndarray, n: int) -> np.ndarray:
    total = np.array([row.sum() for row in a])
    if target is not None:
        fast_enough = f <= a
        missing = target.share - np.array([w[row].sum() for row in fast_enough])
        short = np.nonzero(missing > 0)[0]
        if len(short):
            extra = f[short] - a[short]
            ratio = np.where(f[short] > a[short], extra / w[None], np.inf)
            order = np.argsort(ratio, axis=1)
            covered = np.cumsum(w[order], axis=1)
            take = (covered < (missing[short] - 1e-12)[:, None]).sum(axis=1) + 1
            upgraded = np.take_along_axis(extra, order, axis=1)
            total[short] += [row[:k].sum() for row, k in zip(upgraded, take, strict=True)]
    return np.where(np.isfinite(total), total + fixed + problem.inventory_usd_by_count[n],
                    np.inf)


def _point_site_costs(problem: LocationProblem):
    """(cheap [z, s], fast [z, s], cb_cheap [z], cb_fast [z], the first target): each pair's
    and cross-border's least cost per year, over all options and over the first target's
    fast ones (inf without one). Read only; made once per problem, for the last
    SITE_COSTS_KEPT problems (compared by identity).

    Why: guess_sites and each share_price_guess of a radius search made them again, 0.014-0.026
    CPU s each on sites_150 (260,000 options), on the thread the cold search waits for
    (BENCHMARKS.md, branch radius15)."""
    with _SITE_COSTS_LOCK:
        for kept, costs in _SITE_COSTS:
            if kept is problem:
                return costs
    costs = _made_point_site_costs(problem)
    for array in costs[:4]:
        array.flags.writeable = False
    with _SITE_COSTS_LOCK:
        _SITE_COSTS.insert(0, (problem, costs))
        del _SITE_COSTS[SITE_COSTS_KEPT:]
    return costs


_SITE_COSTS: list = []  # (problem, its _point_site_costs), the last few
_SITE_COSTS_LOCK = threading.Lock()
SITE_COSTS_KEPT = 2


def _made_point_site_costs(problem: LocationProblem):
    opt = problem.options
    cost = problem.orders_per_year[opt.point] * opt.cost_usd_per_order
    at_site = opt.site != NO_SITE
    target = problem.share_requirements[0] if problem.share_requirements else None
    is_fast = (opt.days <= target.within_days) if target else np.ones(len(opt), bool)
    shape = (problem.n_points, problem.n_sites)
    cheap, fast = np.full(shape, np.inf), np.full(shape, np.inf)
    np.minimum.at(cheap, (opt.point[at_site], opt.site[at_site]), cost[at_site])
    f = at_site & is_fast
    np.minimum.at(fast, (opt.point[f], opt.site[f]), cost[f])
    cb_cheap, cb_fast = np.full(shape[0], np.inf), np.full(shape[0], np.inf)
    np.minimum.at(cb_cheap, opt.point[~at_site], cost[~at_site])
    g = ~at_site & is_fast
    np.minimum.at(cb_fast, opt.point[g], cost[g])
    return cheap, fast, cb_cheap, cb_fast, target


def _greedy_cost(problem, is_open, cheap, fast, cb_cheap, cb_fast, target) -> float:
    a = np.minimum(cheap[:, is_open].min(axis=1, initial=np.inf), cb_cheap)
    f = np.minimum(fast[:, is_open].min(axis=1, initial=np.inf), cb_fast)
    total = a.sum()
    if target is not None:
        w = problem.orders_per_year / problem.orders_per_year.sum()
        missing = target.share - w[f <= a].sum()
        if missing > 0:
            ratio = np.where(f > a, (f - a) / w, np.inf)
            order = np.argsort(ratio)
            covered = np.cumsum(w[order])
            take = np.searchsorted(covered, missing - 1e-12) + 1
            total += (f - a)[order[:take]].sum()
    if not np.isfinite(total):
        return np.inf
    n = int(is_open.sum())
    return float(total + problem.fixed_cost_usd_per_year[is_open].sum()
                 + problem.inventory_usd_by_count[n])


def share_price_guess(problem: LocationProblem, is_open: np.ndarray | None) -> float | None:
    """A guess at the first share target's LP price for designs near `is_open`: the extra cost
    per share of orders of the last point the cheapest upgrades need (the fractional
    knapsack's price with these sites open); None without a target or sites, 0 when the
    cheapest options meet it. Only where radius_prices' search starts; any price would do."""
    if not problem.share_requirements or is_open is None or not is_open.any():
        return None
    cheap, fast, cb_cheap, cb_fast, target = _point_site_costs(problem)
    a = np.minimum(cheap[:, is_open].min(axis=1), cb_cheap)
    f = np.minimum(fast[:, is_open].min(axis=1), cb_fast)
    w = problem.orders_per_year / problem.orders_per_year.sum()
    missing = target.share - w[f <= a].sum()
    if missing <= 0:
        return 0.0
    ratio = np.where((f > a) & np.isfinite(f), (f - a) / w, np.inf)
    order = np.argsort(ratio, kind="stable")
    take = int(np.searchsorted(np.cumsum(w[order]), missing))
    if take >= len(order) or not np.isfinite(ratio[order[take]]):
        return None
    return float(ratio[order[take]])
