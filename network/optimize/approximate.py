"""The second optimizer: a heuristic design and a Lagrangian bound, for instances too large for
the exact search (the ZIP5 x 300-site instance of network/bench/zip5.py: 16k points, 9.6M
options). Not exact: it stops once its bound proves the design within a requested gap
(BENCHMARKS.md: 1% on that instance), and it handles one share target, no carrier shares, and
capacity only as a check (a design that overloads a site is no solution).

`solve_approximately` finds a design by a screened greedy-and-swap search (moves ranked by their
cost with the target priced in, the best few priced exactly by heuristic.assign_open), then
proves a gap with Lagrangian bounds for every count of open sites (the maths below).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from network.optimize.heuristic import Pricing, assign_open, pricing
from network.optimize.problem import (
    SHARE_SLACK,
    LocationProblem,
    overloaded_sites,
    problem_cost,
)
from network.optimize.result import SolveStatus, bound_holds, relative_gap_of

# ---------------------------------------------------------------------------------------------
# Solve: a design from a screened local search, then Lagrangian bounds for every site count.
#
# Data: points z with orders o_z and share w_z = o_z / sum o; sites s with fixed cost F_s;
# inventory I_n for n open sites; per (point, site) pair the cheapest option's cost
# C_zs = o_z c (any speed) and the cheapest fast option's cost G_zs (within the target's days;
# +inf when none); cross-border costs C_z^cb, G_z^cb. One share target: sum w_z [fast] >= b.
#
# Bound for a fixed count n (valid for any lambda in R^Z and sigma >= 0; capacity rows
# dropped, which only lowers it):
#   r_zs   = min(C_zs, G_zs - sigma w_z) - lambda_z          (best reduced cost of the pair)
#   v_s    = F_s + sum_z min(0, r_zs)
#   L_n    = sum_z lambda_z + sigma b + sum_z min(0, r_z^cb) + (n smallest v_s, forced-open
#            sites first) + I_n
# with b the target less its slack (problem.SHARE_SLACK: a design evaluate() accepts may miss
# it by that much, and the bound must hold for it). This is `lagrange.py`'s L_n written over
# dense [z, s] arrays (at most one option per pair is used, because of the linking rows
# x <= y). One evaluation gives L_n for every n at once (sort v). The global bound is min over
# every allowed n of the best L_n found for n, so the gap (objective - bound) / objective holds
# over every design, whatever its count.
# ---------------------------------------------------------------------------------------------


def _rhs(share: float | None) -> float:
    """The target's right-hand side in L_n: the share less its slack (0 without a target)."""
    return 0.0 if share is None else share - SHARE_SLACK


SCREEN = 6  # moves ranked by priced cost that are then priced exactly
GREEDY_PAST_BEST = 3  # greedy adding stops this many sites past the best count seen
ASCENT_STEPS = 40  # subgradient steps per round on the weakest count
STALL = 5  # steps without a new best before a count's step size is halved
MIN_STEP = 1e-3


@dataclass(frozen=True)
class ApproximateResult:
    """A design (or none) with the bound that proves its gap."""

    status: SolveStatus
    objective_usd: float | None  # problem_cost of the design
    best_bound_usd: float  # valid lower bound on every design (min over counts)
    gap: float | None  # (objective - bound) / objective
    is_open: np.ndarray | None  # [s]
    choice: np.ndarray | None  # [z] option index
    bound_by_count: np.ndarray  # [n] lower bound on designs with n sites (inf: none exists)
    heuristic_seconds: float
    seconds: float
    capacity_ok: bool

    @property
    def n_open(self) -> int:
        return 0 if self.is_open is None else int(self.is_open.sum())


def solve_approximately(problem: LocationProblem, time_limit_s: float = 60.0,
                        relative_gap: float = 0.01) -> ApproximateResult:
    """A design and a proven bound within `relative_gap` of it, or the best of both found in
    `time_limit_s` (status FEASIBLE then). One share target, no carrier shares."""
    start = time.perf_counter()
    deadline = start + time_limit_s
    p = pricing(problem)
    if p is None or len(problem.share_requirements) > 1:
        raise ValueError("the approximate solve handles at most one share target and no "
                         "carrier shares")
    found = _local_search(problem, p, start + 0.5 * time_limit_s)
    heuristic_s = time.perf_counter() - start
    if found is None:
        nothing = np.full(problem.n_sites + 1, -np.inf)
        return ApproximateResult(SolveStatus.NO_SOLUTION, None, -np.inf, None, None, None,
                                 nothing, heuristic_s, heuristic_s, False)
    cost, is_open, _ = found
    bounds = CountBounds(problem, p)
    cost, is_open = bounds.prove(is_open, cost, relative_gap, deadline)
    bound = bounds.global_bound()
    _, choice = assign_open(problem, p, is_open)
    objective = problem_cost(problem, is_open, choice)
    gap = relative_gap_of(objective, bound) if bound_holds(bound, objective) else None
    capacity_ok = not overloaded_sites(problem, choice)
    proven = gap is not None and gap <= relative_gap
    status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    if not capacity_ok:
        status = SolveStatus.NO_SOLUTION  # the heuristic ignores capacity: not a design
    return ApproximateResult(status, objective, bound, gap, is_open, choice,
                             bounds.best.copy(), heuristic_s, time.perf_counter() - start,
                             capacity_ok)


def _exact(problem: LocationProblem, p: Pricing, is_open: np.ndarray) -> float:
    result = assign_open(problem, p, is_open)
    return np.inf if result is None else result[0]


def _open_values(p: Pricing, is_open: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point: cost of the cheapest open option, and of the cheapest fast open option."""
    sites = np.nonzero(is_open)[0]
    a, f = p.cb_cheap.copy(), p.cb_fast.copy()
    if len(sites):
        a = np.minimum(a, p.cheap_cost[:, sites].min(axis=1))
        f = np.minimum(f, p.fast_cost[:, sites].min(axis=1))
    return a, f


def target_price(p: Pricing, is_open: np.ndarray) -> float:
    """Extra cost per unit of order share of the last upgrade the target needs with these sites
    open (0 when met without upgrades, inf when it cannot be met)."""
    if p.share is None:
        return 0.0
    a, f = _open_values(p, is_open)
    already = f <= a
    missing = p.share - p.weight[already].sum()
    if missing <= 1e-12:
        return 0.0
    ratio = np.where(~already & np.isfinite(f), (f - a) / p.weight, np.inf)
    order = np.argsort(ratio, kind="stable")
    k = int(np.searchsorted(np.cumsum(p.weight[order]), missing - 1e-12))
    return float(ratio[order[min(k, len(order) - 1)]])


def _priced(p: Pricing, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Per (point, site) and per point (cross-border): min(cheap, fast - sigma w)."""
    pw = sigma * p.weight
    pv = p.fast_cost - pw[:, None]
    np.minimum(p.cheap_cost, pv, out=pv)
    return pv, np.minimum(p.cb_cheap, p.cb_fast - pw)


def _local_search(problem: LocationProblem, p: Pricing, deadline: float
                  ) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Greedy adding screened by the target-priced cost, then swaps and count moves."""
    free = ~problem.forced_open & ~problem.forced_closed
    sigma = target_price(p, problem.forced_open | free)
    best: tuple[float, np.ndarray] | None = None
    for _ in range(3):  # re-price the target at the best design found, then add again
        path = _greedy(problem, p, sigma if np.isfinite(sigma) else 0.0, free)
        finite = [v for v in path.values() if np.isfinite(v[0])]
        if not finite:
            return None
        cand = min(finite, key=lambda v: v[0])
        if best is not None and cand[0] >= best[0] - 1e-9 * abs(best[0]):
            break
        best = cand
        sigma = target_price(p, best[1])
    cost, is_open = _swaps(problem, p, best[1], free, deadline)
    for step in (-1, 1):  # walk away from the count while the swapped designs improve
        here = is_open
        while time.perf_counter() < deadline:
            nxt = _count_move(problem, p, here, free, step)
            if nxt is None:
                break
            c, mask = _swaps(problem, p, nxt, free, deadline)
            if c >= cost - 1e-9 * abs(cost):
                break
            cost, is_open, here = c, mask, mask
    result = assign_open(problem, p, is_open)
    return None if result is None else (result[0], is_open, result[1])


def _greedy(problem: LocationProblem, p: Pricing, sigma: float, free: np.ndarray
            ) -> dict[int, tuple[float, np.ndarray]]:
    """count -> (exact cost, sites) along greedy adding: candidates ranked by their priced
    saving minus fixed cost, the best `SCREEN` of each step priced exactly."""
    pv, pcb = _priced(p, sigma)
    is_open = problem.forced_open.copy()
    val = pcb.copy()
    if is_open.any():
        val = np.minimum(val, pv[:, is_open].min(axis=1))
    path = {int(is_open.sum()): (_exact(problem, p, is_open), is_open.copy())}
    best_n = None
    while int(is_open.sum()) < problem.max_sites and (free & ~is_open).any():
        score = np.maximum(val[:, None] - pv, 0.0).sum(axis=0) - problem.fixed_cost_usd_per_year
        closed = free & ~is_open
        score[~closed] = -np.inf
        top = [s for s in np.argsort(-score, kind="stable")[:SCREEN] if closed[s]]
        exact = [_exact(problem, p, _with(is_open, s)) for s in top]
        s = top[int(np.argmin(exact))] if np.isfinite(min(exact)) else top[0]
        is_open[s] = True
        val = np.minimum(val, pv[:, s])
        n = int(is_open.sum())
        path[n] = (min(exact), is_open.copy())
        if np.isfinite(path[n][0]) and (best_n is None or path[n][0] < path[best_n][0]):
            best_n = n
        if best_n is not None and n >= best_n + GREEDY_PAST_BEST:
            break
    return {n: v for n, v in path.items() if n >= problem.min_sites}


def _with(mask: np.ndarray, s: int, value: bool = True) -> np.ndarray:
    out = mask.copy()
    out[s] = value
    return out


def _swaps(problem: LocationProblem, p: Pricing, is_open: np.ndarray, free: np.ndarray,
           deadline: float) -> tuple[float, np.ndarray]:
    """Swap one open free site for a closed one while that helps: every (out, in) pair ranked
    by its priced change, the best `SCREEN` per site going out priced exactly."""
    cost = _exact(problem, p, is_open)
    while time.perf_counter() < deadline:
        moves = _ranked_swaps(problem, p, is_open, free, target_price(p, is_open))
        trials = [(_exact(problem, p, _with(_with(is_open, o, False), s)), o, s)
                  for _, o, s in moves[:2 * SCREEN]]
        if not trials:
            break
        c, o, s = min(trials)
        if c >= cost - 1e-9 * abs(cost):
            break
        cost, is_open = c, _with(_with(is_open, o, False), s)
    return cost, is_open


def _ranked_swaps(problem: LocationProblem, p: Pricing, is_open: np.ndarray, free: np.ndarray,
                  sigma: float) -> list[tuple[float, int, int]]:
    pv, pcb = _priced(p, sigma if np.isfinite(sigma) else 0.0)
    sites = np.nonzero(is_open)[0]
    sub = np.column_stack([pv[:, sites], pcb])
    order = np.argsort(sub, axis=1)[:, :2]
    rows = np.arange(len(sub))
    best1, best2 = sub[rows, order[:, 0]], sub[rows, order[:, 1]]
    fixed = problem.fixed_cost_usd_per_year
    closed = free & ~is_open
    moves = []
    for j, o in enumerate(sites):
        if not free[o]:
            continue
        without = np.where(order[:, 0] == j, best2, best1)
        delta = (without.sum() - best1.sum() - np.maximum(without[:, None] - pv, 0.0).sum(axis=0)
                 + fixed - fixed[o])
        delta[~closed] = np.inf
        for s in np.argsort(delta, kind="stable")[:SCREEN]:
            if np.isfinite(delta[s]):
                moves.append((float(delta[s]), int(o), int(s)))
    return sorted(moves)


def _count_move(problem: LocationProblem, p: Pricing, is_open: np.ndarray, free: np.ndarray,
                step: int) -> np.ndarray | None:
    """The best design with one free site fewer (step -1, every drop priced exactly) or one
    more (step +1, the best `SCREEN` additions by priced saving priced exactly)."""
    n = int(is_open.sum()) + step
    if n < problem.min_sites or n > problem.max_sites:
        return None
    if step < 0:
        pool = np.nonzero(is_open & free)[0]
    else:
        pv, pcb = _priced(p, min(target_price(p, is_open), 1e300))
        val = np.minimum(pcb, pv[:, is_open].min(axis=1)) if is_open.any() else pcb
        score = np.maximum(val[:, None] - pv, 0.0).sum(axis=0) - problem.fixed_cost_usd_per_year
        closed = free & ~is_open
        score[~closed] = -np.inf
        pool = [s for s in np.argsort(-score, kind="stable")[:SCREEN] if closed[s]]
    trials = [(_exact(problem, p, _with(is_open, s, step > 0)), s) for s in pool]
    if not trials or not np.isfinite(min(trials)[0]):
        return None
    return _with(is_open, min(trials)[1], step > 0)


class CountBounds:
    """Best Lagrangian bound found so far for every count of open sites (see above)."""

    def __init__(self, problem: LocationProblem, p: Pricing):
        self.problem, self.p = problem, p
        n_s = problem.n_sites
        self.free = ~problem.forced_open & ~problem.forced_closed
        self.n_forced = int(problem.forced_open.sum())
        counts = np.arange(n_s + 1)
        allowed = (counts >= max(problem.min_sites, self.n_forced)) & (
            counts <= min(problem.max_sites, self.n_forced + int(self.free.sum())))
        self.best = np.where(allowed, -np.inf, np.inf)  # not allowed: no design to bound
        self.prices: dict[int, tuple[np.ndarray, float]] = {}
        self.step = np.ones(n_s + 1)
        self._buf = np.empty_like(p.cheap_cost)
        self.evaluations = 0
        # Step scaling (a diagonal preconditioner): a point's price moves in proportion to
        # its orders, the target's price like that of a point holding every order (unscaled
        # steps stalled far from the bound: BENCHMARKS.md).
        orders = problem.orders_per_year
        self.scale_lam = orders / orders.mean()
        self.scale_sigma = float(len(orders))
        if allowed[0] and self.n_forced == 0:  # no site: cross-border only, priced exactly
            self.best[0] = _exact(problem, p, np.zeros(n_s, dtype=bool))

    def global_bound(self) -> float:
        return float(self.best.min())

    def evaluate(self, lam: np.ndarray, sigma: float) -> np.ndarray:
        """L_n(lam, sigma) for every n (inf where n is not possible); keeps the best."""
        p, problem = self.p, self.problem
        pw = sigma * p.weight
        buf = self._buf
        np.subtract(p.fast_cost, pw[:, None], out=buf)
        np.minimum(p.cheap_cost, buf, out=buf)
        buf -= lam[:, None]
        np.minimum(buf, 0.0, out=buf)
        v = problem.fixed_cost_usd_per_year + buf.sum(axis=0)
        r_cb = np.minimum(p.cb_cheap, p.cb_fast - pw) - lam
        const = (lam.sum() + sigma * _rhs(p.share) + np.minimum(r_cb, 0.0).sum()
                 + v[problem.forced_open].sum())
        prefix = np.r_[0.0, np.cumsum(np.sort(v[self.free]))]
        values = np.full(problem.n_sites + 1, np.inf)
        n = np.arange(self.n_forced, self.n_forced + len(prefix))
        values[n] = const + prefix + problem.inventory_usd_by_count[n]
        self.evaluations += 1
        self._v = v
        better = np.nonzero(values > self.best)[0]
        self.best[better] = values[better]
        for k in better:  # where to restart each count's ascent from (never changed in place)
            self.prices[int(k)] = (lam, sigma)
        return values

    def subgradient(self, lam: np.ndarray, sigma: float, n: int) -> tuple[np.ndarray, float]:
        """(d L_n / d lambda, d L_n / d sigma) at the last evaluated prices."""
        p = self.p
        cols = np.nonzero(self._chosen(n))[0]
        pw = sigma * p.weight
        rc = p.cheap_cost[:, cols] - lam[:, None]
        rf = p.fast_cost[:, cols] - pw[:, None] - lam[:, None]
        use = np.minimum(rc, rf) < 0
        fast = use & (rf <= rc)
        cb_rf = p.cb_fast - pw - lam
        cb_rc = p.cb_cheap - lam
        cb_use = np.minimum(cb_rc, cb_rf) < 0
        cb_fast = cb_use & (cb_rf <= cb_rc)
        g_lam = 1.0 - use.sum(axis=1) - cb_use
        g_sigma = _rhs(p.share) - float(p.weight @ (fast.sum(axis=1) + cb_fast))
        return g_lam, g_sigma

    def prove(self, is_open: np.ndarray, incumbent: float, relative_gap: float,
              deadline: float) -> tuple[float, np.ndarray]:
        """Raise the bounds, weakest count first, until every count is within `relative_gap`
        of the incumbent or the deadline passes (or the weakest count's ascent has stalled).
        The sites each ascent round's relaxation opens are priced too (a Lagrangian
        heuristic); returns the best (cost, sites) known at the end."""
        p = self.p
        sigma = target_price(p, is_open)
        sigma = sigma if np.isfinite(sigma) else 0.0
        pv, pcb = _priced(p, sigma)
        lam_inc = np.minimum(pcb, pv[:, is_open].min(axis=1))  # the incumbent's own prices
        self.evaluate(np.minimum(pcb, pv.min(axis=1)), sigma)  # every point at its cheapest
        self.evaluate(lam_inc, sigma)
        del pv
        while time.perf_counter() < deadline:
            n = int(np.argmin(self.best))
            if self.best[n] >= incumbent * (1 - relative_gap) or self.step[n] < MIN_STEP:
                break
            lam, sig = self.prices.get(n, (lam_inc, sigma))
            sites = self._ascend(n, lam, sig, incumbent, deadline)
            cost = _exact(self.problem, p, sites)
            if cost < incumbent - 1e-9 * abs(incumbent):
                incumbent, is_open = cost, sites
        return incumbent, is_open

    def _chosen(self, n: int) -> np.ndarray:
        """The sites the relaxation opens for n at the last evaluated prices."""
        free_sites = np.nonzero(self.free)[0]
        extra = free_sites[np.argsort(self._v[free_sites], kind="stable")[:n - self.n_forced]]
        return _with(self.problem.forced_open, extra)

    def _ascend(self, n: int, lam: np.ndarray, sigma: float, aim: float, deadline: float
                ) -> np.ndarray:
        """Polyak subgradient steps on L_n towards `aim`, halving the count's step size after
        `STALL` steps without a new best; returns the sites the relaxation opened last."""
        lam, stall = lam.copy(), 0
        for _ in range(ASCENT_STEPS):
            if time.perf_counter() >= deadline or self.step[n] < MIN_STEP:
                break
            before = self.best[n]
            value = self.evaluate(lam, sigma)[n]
            if value >= aim:
                break
            if value > before + 1e-9 * abs(before):
                stall = 0
            else:
                stall += 1
                if stall >= STALL:
                    self.step[n], stall = self.step[n] / 2, 0
            g_lam, g_sigma = self.subgradient(lam, sigma, n)
            d_lam, d_sigma = self.scale_lam * g_lam, self.scale_sigma * g_sigma
            norm = g_lam @ d_lam + g_sigma * d_sigma
            if norm <= 0:  # the relaxation's solution is feasible: L_n is n's optimum
                self.step[n] = 0.0
                break
            theta = self.step[n] * (aim - value) / norm
            lam = lam + theta * d_lam  # a new array: evaluate() keeps references to old ones
            sigma = max(0.0, sigma + theta * d_sigma)
        return self._chosen(n)
