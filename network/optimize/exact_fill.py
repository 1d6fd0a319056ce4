"""A design that meets a share target only when its sites are filled to the order.

Where a share target within D days asks for (nearly) every order the open sites can hold, a
design meets it only when each site's ZIP3s, whole, add up to its capacity within a few
orders: a subset-sum. The search's LPs split ZIP3s over sites, their roundings lose the last
orders, and the fixed-sites MIP may not find the sums within the time limit
(capacity_overflow_200m at 54% within 2 days, exactly the six sites' capacity; BENCHMARKS.md,
branch explain10). `fill_sites` builds such a design from open sites and a start: each ZIP3 at
an open site takes its cheapest option there within D days, ZIP3s outside join sites with room
(the cheapest option first), then ZIP3s are exchanged with cross-border until the target is
met, and then while an exchange lowers the cost within every row. It proves nothing: the
search offers the design as any other, checked against every row (incumbent.offer), and
evaluate() checks it again.
"""

from __future__ import annotations

import numpy as np

from network.optimize.problem import NO_SITE, SHARE_SLACK, LocationProblem, capacity_slack

MAX_EXCHANGES = 200  # rounds of single exchanges; each one fills one site nearer its capacity
MAX_IMPROVEMENTS = 300  # rounds of exchanges that lower the cost, each the best over the sites


def fill_sites(problem: LocationProblem, is_open: np.ndarray,
               choice: np.ndarray | None = None) -> np.ndarray | None:
    """Each point's option (as `choice`) of a design over the open sites `is_open` that meets
    the problem's one share target within the sites' capacities, starting from `choice` (None:
    each point's cheapest option at an open site or cross-border; points of an overloaded site
    go cross-border first, those losing least per order first); None when this fill does not
    reach the target (or the problem is not of its kind: exactly one share target, no carrier
    shares, cross-border possible for every point)."""
    if not applies(problem):
        return None
    cross = _cross_options(problem)  # [z] option or -1
    req = problem.share_requirements[0]
    opt, orders = problem.options, problem.orders_per_year
    fast = _fast_options(problem, is_open, req.within_days)  # [z, s] option or -1
    choice = _cheapest(problem, is_open) if choice is None else choice.copy()
    _evict(problem, choice, cross)
    site = opt.site[choice]
    for z in np.nonzero((site != NO_SITE) & (opt.days[choice] > req.within_days))[0]:
        if fast[z, site[z]] >= 0:  # the same site's load, now within D days
            choice[z] = fast[z, site[z]]
    room = problem.capacity_orders_per_year + capacity_slack(problem) - _loads(problem, choice)
    if np.any(room[is_open] < 0):
        return None
    needed = (req.share - SHARE_SLACK) * orders.sum()
    within = orders[opt.days[choice] <= req.within_days].sum()
    within = _join(problem, choice, fast, room, needed - within)
    within = _exchange(problem, choice, fast, cross, room, needed - within)
    if within >= needed:
        within = _improve(problem, choice, fast, cross, room, needed)
    if within < needed - within * 1e-15 or np.any(room < -1e-9):
        return None
    return choice


def applies(problem: LocationProblem) -> bool:
    """The problems fill_sites is for: one share target, no carrier shares, cross-border an
    option of every point (the exchanges send points there)."""
    return (len(problem.share_requirements) == 1 and not problem.carrier_bounds
            and bool(np.all(_cross_options(problem) >= 0)))


def _fast_options(problem: LocationProblem, is_open: np.ndarray, days: int) -> np.ndarray:
    """[z, s] each point's cheapest option at open site s within `days` (-1: none)."""
    opt = problem.options
    out = np.full((problem.n_points, problem.n_sites), -1)
    ok = np.nonzero((opt.site != NO_SITE) & (opt.days <= days))[0]
    ok = ok[is_open[opt.site[ok]]]
    for p in ok[::-1]:  # options are sorted by cost within a point: the cheapest is set last
        out[opt.point[p], opt.site[p]] = p
    return out


def _cheapest(problem: LocationProblem, is_open: np.ndarray) -> np.ndarray:
    """[z] each point's cheapest option at an open site or cross-border."""
    opt = problem.options
    usable = np.nonzero((opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)])[0]
    first = np.unique(opt.point[usable], return_index=True)[1]  # sorted by cost per point
    out = np.full(problem.n_points, -1)
    out[opt.point[usable[first]]] = usable[first]
    return out


def _evict(problem: LocationProblem, choice: np.ndarray, cross: np.ndarray) -> None:
    """Points of an overloaded site go cross-border, the least extra cost per order first,
    until the site is within its capacity."""
    opt, orders = problem.options, problem.orders_per_year
    over = _loads(problem, choice) - problem.capacity_orders_per_year - capacity_slack(problem)
    for s in np.nonzero(over > 0)[0]:
        mine = np.nonzero(opt.site[choice] == s)[0]
        extra = opt.cost_usd_per_order[cross[mine]] - opt.cost_usd_per_order[choice[mine]]
        for z in mine[np.argsort(extra, kind="stable")]:
            if over[s] <= 0:
                break
            choice[z] = cross[z]
            over[s] -= orders[z]


def _cross_options(problem: LocationProblem) -> np.ndarray:
    opt = problem.options
    out = np.full(problem.n_points, -1)
    where = np.nonzero(opt.site == NO_SITE)[0]
    out[opt.point[where]] = where
    return out


def _loads(problem: LocationProblem, choice: np.ndarray) -> np.ndarray:
    site = problem.options.site[choice]
    us = site != NO_SITE
    return np.bincount(site[us], weights=problem.orders_per_year[us], minlength=problem.n_sites)


def _join(problem: LocationProblem, choice: np.ndarray, fast: np.ndarray, room: np.ndarray,
          short: float) -> float:
    """Points not at a site join an open site with room within D days, the least extra cost
    per order first, while orders within D days are short; returns the orders within D days
    (`choice` and `room` updated)."""
    opt, orders = problem.options, problem.orders_per_year
    outside = np.nonzero(opt.site[choice] == NO_SITE)[0]
    z_idx, s_idx = np.nonzero(fast[outside] >= 0)
    z_idx = outside[z_idx]
    extra = opt.cost_usd_per_order[fast[z_idx, s_idx]] - opt.cost_usd_per_order[choice[z_idx]]
    joined = np.zeros(problem.n_points, bool)
    for i in np.argsort(extra, kind="stable"):
        if short <= 0:
            break
        z, s = z_idx[i], s_idx[i]
        if not joined[z] and orders[z] <= room[s]:
            choice[z], joined[z] = fast[z, s], True
            room[s] -= orders[z]
            short -= orders[z]
    return float(orders[opt.days[choice] <= problem.share_requirements[0].within_days].sum())


def _exchange(problem: LocationProblem, choice: np.ndarray, fast: np.ndarray,
              cross: np.ndarray, room: np.ndarray, short: float) -> float:
    """While orders within D days are short: one exchange at a time of a site's point (sent
    cross-border, or none) for an outside point (at the site within D days) that fits the
    site's room. Of the exchanges that leave the site at most its share of the room the target
    can spare (the room over all sites less the orders short, split over the sites with room),
    the cheapest; where there is none, the one adding the most orders. Returns the orders
    within D days (`choice` and `room` updated)."""
    opt, orders = problem.options, problem.orders_per_year
    days = problem.share_requirements[0].within_days
    cost = opt.cost_usd_per_order
    for _ in range(MAX_EXCHANGES):
        if short <= 0:
            break
        open_room = np.nonzero((room > 0) & np.isfinite(room) & (fast >= 0).any(axis=0))[0]
        if not len(open_room):
            break
        spare = max(0.0, (room[open_room].sum() - short) / len(open_room))
        outside = np.nonzero(opt.site[choice] == NO_SITE)[0]
        best = None  # (cheapest among the near-full ones?, key, gain, site, out, in)
        for s in open_room:
            into = outside[fast[outside, s] >= 0]
            inside = np.nonzero(opt.site[choice] == s)[0]
            if not len(into):
                continue
            out_size = np.concatenate([[0.0], orders[inside]])  # 0: only a point in
            out_cost = np.concatenate([[0.0], orders[inside] * (
                cost[cross[inside]] - cost[choice[inside]])])
            in_cost = orders[into] * (cost[fast[into, s]] - cost[choice[into]])
            gain = orders[into][None, :] - out_size[:, None]
            fits = (gain > 0) & (gain <= room[s])
            if not fits.any():
                continue
            near = fits & (gain >= room[s] - spare)
            if near.any():
                extra = np.where(near, out_cost[:, None] + in_cost[None, :], np.inf)
                i, j = np.unravel_index(int(np.argmin(extra)), extra.shape)
                key = (0, float(extra[i, j]))
            else:
                i, j = np.unravel_index(int(np.argmax(np.where(fits, gain, -np.inf))),
                                        gain.shape)
                key = (1, -float(gain[i, j]))
            if best is None or key < best[0]:
                best = (key, float(gain[i, j]), int(s), -1 if i == 0 else int(inside[i - 1]),
                        int(into[j]))
        if best is None:
            break
        _, gained, s, out, into_point = best
        if out >= 0:
            choice[out] = cross[out]
        choice[into_point] = fast[into_point, s]
        room[s] -= gained
        short -= gained
    return float(orders[opt.days[choice] <= days].sum())


def _improve(problem: LocationProblem, choice: np.ndarray, fast: np.ndarray,
             cross: np.ndarray, room: np.ndarray, needed: float) -> float:
    """Once the target is met: the exchange (a site's point cross-border, an outside point in
    within D days, or only one of them) that lowers the cost most while the site keeps within
    its capacity and the orders within D days stay at least `needed`, one at a time, until
    none lowers it; returns the orders within D days."""
    opt, orders = problem.options, problem.orders_per_year
    days = problem.share_requirements[0].within_days
    cost = opt.cost_usd_per_order
    within = float(orders[opt.days[choice] <= days].sum())
    for _ in range(MAX_IMPROVEMENTS):
        surplus = within - needed
        outside = np.nonzero(opt.site[choice] == NO_SITE)[0]
        best = (-IMPROVEMENT_USD, -1, -1, -1, 0.0)  # (extra cost, site, out, in, load change)
        for s in np.nonzero((fast >= 0).any(axis=0) & np.isfinite(room))[0]:
            into = outside[fast[outside, s] >= 0]
            inside = np.nonzero((opt.site[choice] == s) & (opt.days[choice] <= days))[0]
            out_size = np.concatenate([[0.0], orders[inside]])
            out_cost = np.concatenate([[0.0], orders[inside] * (
                cost[cross[inside]] - cost[choice[inside]])])
            in_size = np.concatenate([[0.0], orders[into]])
            in_cost = np.concatenate([[0.0], orders[into] * (
                cost[fast[into, s]] - cost[choice[into]])])
            change = in_size[None, :] - out_size[:, None]
            extra = np.where((change <= room[s]) & (change >= -surplus),
                             out_cost[:, None] + in_cost[None, :], np.inf)
            i, j = np.unravel_index(int(np.argmin(extra)), extra.shape)
            if extra[i, j] < best[0]:
                best = (float(extra[i, j]), int(s), -1 if i == 0 else int(inside[i - 1]),
                        -1 if j == 0 else int(into[j - 1]), float(change[i, j]))
        _, s, out, into_point, change = best
        if s < 0:
            break
        if out >= 0:
            choice[out] = cross[out]
        if into_point >= 0:
            choice[into_point] = fast[into_point, s]
        room[s] -= change
        within = float(orders[opt.days[choice] <= days].sum())
    return within


IMPROVEMENT_USD = 1.0  # a year: an exchange saving less is not worth a round
