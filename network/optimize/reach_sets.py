"""A one-count window closed set by set when few sets of its count can meet the share targets.

A design with open set S delivers within N_t days at most cov_t(S), the orders of the points
an open site (or cross-border) reaches within N_t days (coverage.py); a design incumbent.offer
accepts meets each target to within its slack, so a set with cov_t(S) < a_t - 2 ROW_TOLERANCE
for some target t holds no such design. `reaching_sets` lists the n-site sets left (forced
sites respected) by a depth-first search that prunes a partial set when, for some target, no
completion can reach it (`_Search`: coverage.py's bound on the points still unreached, at
mu = w, the k largest single gains, and at the coverage LP's prices); it gives up past
MAX_SETS sets or MAX_NODES search nodes, and is not tried where every target lies more than
MARGIN below coverage's bound for n sites (many sets reach it).

Each set left gets the bound of the designs with exactly those sites open, with every
assignment row kept and each share target priced (sigma_t >= 0):
    B(S, sigma) = F(S) + I_n + sum_t sigma_t (a_t - SHARE_SLACK)
                  + sum_z min_{p at S or cross-border} (o_z c_p - sum_t sigma_t A_tp),
which is carrier_repair.sites_bound with the targets loosened by their slack (site_sets' B(S)
without capacity): for such a design each added term sigma_t (a_t - slack - share_t) is <= 0,
so B(S, sigma) bounds it for ANY sigma >= 0 (weak duality; carrier rows and capacity are
dropped, which only lowers it). The prices are searched per target (`set_bound`: the value
is concave and piecewise linear in one sigma_t), which decides only how high it is.
So min over the sets of B(S) bounds every design of the window (docs/optimizer.md, step 4,
"Sets that reach the targets").

Why: next_day_80's 7-site LP lies 2.2e-4 below the optimum (the LP opens one site in part) and
the proof took the nearest-sites LP (2 CPU s) and a site tree of 6 child LPs (3.6 CPU s);
only 30 of the 264 million 7-site sets reach 80% within a day at all, and their bounds are the
fixed-sites LP's (one target: the assignment rows kept are integral but for the split point).
"""

from __future__ import annotations

import time

import numpy as np

from network.evaluate import ROW_TOLERANCE
from network.optimize.coverage import _reach, coverage_bound, coverage_prices
from network.optimize.incumbent import Incumbent, read_design
from network.optimize.lagrange import LagrangeData
from network.optimize.model import MipModel
from network.optimize.problem import NO_SITE, LocationProblem
from network.optimize.site_branching import POLISH_GAP
from network.optimize.window_bounds import WindowState
from network.optimize.window_mip import (
    MIP_GAP_SHARE,
    best_assignment,
    fixed_sites_bound,
    fixed_sites_design,
)

MARGIN = 0.02  # tried only where some target lies this close below the share n sites can
# reach (coverage.coverage_bound): next_day_80 at 7 sites 0.009 (30 sets), at 8 without SAV
# 0.044 (85,923 sets: the search gives up after 0.5 CPU s)
MAX_SETS = 200  # sets of one count that reach every target, at most
MAX_NODES = 3000  # nodes of the depth-first search, at most (then: not few sets)
MAX_SET_MIPS = 3  # sets whose bound stays below the incumbent less the gap: solved by a MIP
SEARCH_EVALS = 40  # evaluations of B(S, sigma) per price search at most


def reaching_sets(problem: LocationProblem, n: int, deadline: float
                  ) -> list[np.ndarray] | None:
    """The open-site masks of n sites (forced sites respected) whose reach within each share
    target's days is at least the target less 2 ROW_TOLERANCE; None when there are more than
    MAX_SETS or the search passes MAX_NODES nodes."""
    targets = problem.share_requirements
    if not targets:
        return None
    w = problem.orders_per_year / problem.orders_per_year.sum()
    need = np.array([t.share for t in targets]) - 2 * ROW_TOLERANCE
    reach = np.zeros((len(targets), problem.n_sites, problem.n_points))  # 1 where s reaches z
    open_ = np.ones((len(targets), problem.n_points))  # 1 where no open site reaches z yet
    mu = np.zeros((len(targets), problem.n_points))
    ceiling = np.zeros(len(targets))  # the most n sites can reach (coverage.py's bound)
    for t, target in enumerate(targets):
        pairs, cross = _reach(problem, target.within_days)
        reach[t, pairs[1], pairs[0]] = 1.0
        open_[t] = (cross == 0) & (reach[t, problem.forced_open] == 0).all(axis=0)
        prices = coverage_prices(problem, pairs, cross, w, n, deadline)
        mu[t] = w if prices is None else prices  # mu = w: the single gains alone
        ceiling[t] = coverage_bound(problem, pairs, cross, w, n, mu[t])
    free = np.nonzero(~problem.forced_open & ~problem.forced_closed)[0]
    k = n - int(problem.forced_open.sum())
    if k < 0 or k > len(free):
        return []
    if (ceiling > need + 2 * ROW_TOLERANCE + MARGIN).all():
        return None  # every target within easy reach: many sets meet them (not few)
    free = free[np.argsort(-(reach[:, free] @ w).sum(axis=0), kind="stable")]
    search = _Search(reach, w, mu, need, problem.forced_open)
    if not search.run(free, open_, k, []):
        return None
    return search.found


class _Search:
    """The depth-first search of `reaching_sets` (its state: what it found, nodes used).

    A node holds the sites chosen and, per target, the points none of them reaches (`open_`,
    1.0 there). Its bound on the share any k more sites of `rest` can reach is, for any
    mu >= 0 (coverage.py's weak duality on the points still open), the share reached plus
    sum_z open_z max(0, w_z - mu_z) plus the k largest sum_z open_z mu_z reach_sz; at mu = w
    that is the k largest single gains. Both are taken, mu also at the coverage LP's prices."""

    def __init__(self, reach: np.ndarray, w: np.ndarray, mu: np.ndarray, need: np.ndarray,
                 forced: np.ndarray) -> None:
        self.reach, self.w, self.mu, self.need, self.forced = reach, w, mu, need, forced
        self.found: list[np.ndarray] = []
        self.nodes = 0

    def _add(self, chosen: list[int]) -> bool:
        mask = self.forced.copy()
        mask[chosen] = True
        self.found.append(mask)
        return len(self.found) <= MAX_SETS

    def run(self, rest: np.ndarray, open_: np.ndarray, k: int, chosen: list[int]) -> bool:
        """Add every set of `chosen` plus k sites of `rest` that reaches every target; False
        when a limit stops it."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            return False
        share = 1.0 - open_ @ self.w  # [t]
        if k == 0:
            return self._add(chosen) if (share >= self.need).all() else True
        sub = self.reach[:, rest]  # [t, r, z]
        gains = np.einsum("trz,tz->tr", sub, open_ * self.w)  # [t, r]
        priced = np.einsum("trz,tz->tr", sub, open_ * self.mu)
        rest_mu = (open_ * np.maximum(self.w - self.mu, 0.0)).sum(axis=1)  # [t]
        if k == 1:
            for j in np.nonzero((share[:, None] + gains >= self.need[:, None]).all(axis=0))[0]:
                if not self._add(chosen + [int(rest[j])]):
                    return False
            return True
        # sets taking rest[i] and k - 1 of rest[i + 1:]: bounded by either price (the gains
        # of the others only fall once rest[i] is in)
        after_g, after_p = _suffix_top(gains, k - 1), _suffix_top(priced, k - 1)
        with_i = share[:, None] + np.minimum(gains + after_g, rest_mu[:, None] + priced + after_p)
        hopeful = (with_i >= self.need[:, None]).all(axis=0)
        for i in np.nonzero(hopeful[:len(rest) - k + 1])[0]:
            s = int(rest[i])
            if not self.run(rest[i + 1:], open_ * (1.0 - self.reach[:, s]), k - 1,
                            chosen + [s]):
                return False
        return True


def _suffix_top(values: np.ndarray, k: int) -> np.ndarray:
    """[t, r]: at i, the sum of the k largest of values[:, i + 1:] (values >= 0; 0 past the
    end)."""
    r = values.shape[1]
    later = np.arange(r)[None, :] > np.arange(r)[:, None]  # [i, j]: j after i
    masked = np.where(later[None, :, :], values[:, None, :], 0.0)  # [t, i, j]
    if k <= 0:
        return np.zeros_like(values)
    if r <= k:
        return masked.sum(axis=2)
    return -np.partition(-masked, k - 1, axis=2)[:, :, :k].sum(axis=2)


class _SetPricing:
    """B(S, sigma) of the module docstring for one set S: its options and cross-border, each
    point's orders times cost, and the share targets' rows A_tp (data.weight_fast's first
    rows, in the same order as problem.share_requirements) and sides less their slack."""

    def __init__(self, problem: LocationProblem, data: LagrangeData, is_open: np.ndarray):
        opt = problem.options
        usable = np.nonzero((opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)])[0]
        point = opt.point[usable]  # sorted: the options are sorted by point
        self.feasible = bool(len(usable)) and bool(
            np.bincount(point, minlength=problem.n_points).all())
        rows = len(problem.share_requirements)
        self.cost = data.cost[usable]
        self.a = data.weight_fast[:rows, usable]
        self.b = data.shares[:rows]
        self.starts = np.r_[0, np.nonzero(np.diff(point))[0] + 1]
        self.constant = float(problem.fixed_cost_usd_per_year[is_open].sum()
                              + problem.inventory_usd_by_count[int(is_open.sum())])

    def value(self, sigma: np.ndarray) -> tuple[float, np.ndarray]:
        """(B(S, sigma), its slope in each sigma_t: b_t less the share of the choice), lowered
        by 1e-9 of its terms' size against rounding."""
        reduced = self.cost - sigma @ self.a
        least = np.minimum.reduceat(reduced, self.starts)
        # the first option reaching each point's least (ties: any gives a supergradient)
        pick = np.minimum.reduceat(np.where(reduced <= np.repeat(
            least, np.diff(np.r_[self.starts, len(reduced)])), np.arange(len(reduced)),
            len(reduced)), self.starts)
        total = float(least.sum()) + float(sigma @ self.b) + self.constant
        size = float(np.abs(least).sum()) + abs(float(sigma @ self.b)) + abs(self.constant)
        return total - 1e-9 * size, self.b - self.a[:, pick].sum(axis=1)


def set_bound(problem: LocationProblem, data: LagrangeData, is_open: np.ndarray,
              sigma: np.ndarray, enough: float = np.inf) -> tuple[float, np.ndarray]:
    """(the best B(S, sigma) found, its prices), searched from `sigma` one target at a time
    (twice over with several), stopping once at `enough`; inf when a point has no option at S
    or cross-border (no design has exactly these sites). Valid for any sigma >= 0, so the
    search decides only how high it gets."""
    pricing = _SetPricing(problem, data, is_open)
    if not pricing.feasible:
        return np.inf, sigma
    sigma = np.maximum(sigma, 0.0).astype(float)
    best, _ = pricing.value(sigma)
    for t in list(range(len(sigma))) * (2 if len(sigma) > 1 else 1):
        value, sigma[t] = _search(pricing, sigma, t, enough)
        best = max(best, value)
        if best >= enough:
            break
    return best, sigma


def _search(pricing: _SetPricing, sigma: np.ndarray, t: int, enough: float
            ) -> tuple[float, float]:
    """(the best B found along sigma_t >= 0 with the other prices held, that sigma_t): the
    value is concave and piecewise linear in sigma_t with slope g = b_t - A_t x; bracket the
    point where g changes sign by doubling, then narrow it where the lines through the
    bracket's ends meet (the kink, once one kink is left)."""
    at = sigma.copy()

    def evaluate(s: float) -> tuple[float, float]:
        at[t] = s
        value, slope = pricing.value(at)
        return value, float(slope[t])

    lo, (f_lo, g_lo) = 0.0, evaluate(0.0)
    best, best_s = f_lo, 0.0
    if g_lo <= 0 or best >= enough:
        return best, best_s
    hi = max(sigma[t], 1.0)
    f_hi, g_hi = evaluate(hi)
    evals = 2
    while g_hi > 0 and evals < SEARCH_EVALS:
        if f_hi > best:
            best, best_s = f_hi, hi
        lo, f_lo, g_lo = hi, f_hi, g_hi
        hi *= 2.0
        f_hi, g_hi = evaluate(hi)
        evals += 1
    if f_hi > best:
        best, best_s = f_hi, hi
    while evals < SEARCH_EVALS and best < enough and g_lo > 0 > g_hi:
        s = (f_hi - f_lo + g_lo * lo - g_hi * hi) / (g_lo - g_hi)
        if not lo < s < hi:
            s = 0.5 * (lo + hi)
        line = f_lo + g_lo * (s - lo)
        f_s, g_s = evaluate(s)
        evals += 1
        if f_s > best:
            best, best_s = f_s, s
        if line - f_s <= 1e-12 * abs(line):
            break  # the value meets the lines' meeting point: no higher value in the bracket
        if g_s > 0:
            lo, f_lo, g_lo = s, f_s, g_s
        else:
            hi, f_hi, g_hi = s, f_s, g_s
    return best, best_s


def close_by_reaching_sets(problem: LocationProblem, full: MipModel, window: WindowState,
                           data: LagrangeData, best: Incumbent, relative_gap: float,
                           deadline: float) -> bool:
    """Close the one-count window `window` set by set when few sets of its count reach every
    share target (reaching_sets); True when closed (window.proven set), False when it does not
    apply, the sets are too many, or more than MAX_SET_MIPS sets would need their MIP.

    Each set in the order of its bound: a set whose bound lies below the incumbent less the
    gap has its sites assigned under every row (window_mip.fixed_sites_design: a design, it
    may lower the incumbent); if it stays below, its MIP (window_mip.fixed_sites_bound) bounds
    it. window.proven is the least bound over every set (valid: the module docstring), at
    least the window's bound known before. The incumbent's own set, when it has n sites and
    its bound is not within POLISH_GAP of the gap of it, is assigned again by the MIP
    (window_mip.best_assignment), as site_branching's tree does once closed."""
    n = window.lo
    if window.lo != window.hi or full.capacity_sites or not problem.share_requirements:
        return False
    sets = reaching_sets(problem, n, deadline)
    if sets is None:
        return False
    start = window.prices[1] if window.prices is not None else np.zeros(0)
    sigma = np.zeros(len(problem.share_requirements))
    sigma[:min(len(sigma), len(start))] = start[:len(sigma)]
    bounds = np.full(len(sets), np.inf)
    for k, is_open in enumerate(sets):
        bounds[k], found = set_bound(problem, data, is_open, sigma,
                                     best.objective * (1 - relative_gap))
        if np.isfinite(bounds[k]):
            sigma = found  # the next set's search starts from these prices
    mips = 0
    for k in np.argsort(bounds, kind="stable"):
        if time.perf_counter() >= deadline:
            return False
        if bounds[k] >= best.objective * (1 - relative_gap):
            break  # this set and every later one cannot beat the incumbent by the gap
        fixed_sites_design(problem, full, sets[k], best, relative_gap / 10, deadline)
        if bounds[k] >= best.objective * (1 - relative_gap):
            continue
        if mips == MAX_SET_MIPS:
            return False
        mips += 1
        bounds[k] = fixed_sites_bound(problem, full, sets[k], best,
                                      relative_gap * MIP_GAP_SHARE, deadline, bounds[k])
    known = [b for b in (window.bound, window.lagrange) if b is not None]
    window.proven = float(max([bounds.min(initial=np.inf)] + known))
    _polish(problem, full, sets, bounds, best, relative_gap, deadline)
    return True


def _polish(problem: LocationProblem, full: MipModel, sets: list[np.ndarray],
            bounds: np.ndarray, best: Incumbent, relative_gap: float, deadline: float) -> None:
    """The incumbent's sites assigned again by the MIP to POLISH_GAP of the gap (as the site
    tree's closing polish), when they are among `sets` and their bound leaves more than that
    below it."""
    if best.values is None:
        return
    is_open, _ = read_design(problem, full, best.values)
    for k, mask in enumerate(sets):
        if (mask == is_open).all():
            if bounds[k] < best.objective * (1 - relative_gap * POLISH_GAP):
                best_assignment(problem, full, is_open, best, relative_gap * POLISH_GAP,
                                deadline)
            return
