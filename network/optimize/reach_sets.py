"""A one-count window closed set by set: the n-site sets that can meet the share targets,
best first by a Lagrangian bound, each set left below the incumbent bounded on its own.

A design with open set S delivers within N_t days at most cov_t(S), the orders of the points
an open site (or cross-border) reaches within N_t days (coverage.py); a design incumbent.offer
accepts meets each target to within its slack, so a set with cov_t(S) < a_t - 2 ROW_TOLERANCE
for some target t holds no such design. At the window's row prices (lambda, sigma >= 0) let
d_sz be the least o_z c_p - sigma A_p over the options of the pair (z, s), and for a partial
set P (forced-open sites and the free sites chosen) lower each lambda_z to
lambda^P_z = min(lambda_z, z's least d at cross-border or a site of P). Every design whose open
set S contains P costs at least
    low(P) + sum_{s in S - P} v^P_s,   low(P) = sigma . b + I_n + F(P) + sum_z lambda^P_z,
                                       v^P_s = F_s + sum_z min(0, d_sz - lambda^P_z)
(b: the rows' sides less their slack; weak duality on the coupling rows, then each point's
least d over S is at least lambda^P_z plus the negative parts at the sites S - P). So P, with
k sites still to choose from a list K, bounds every completion by low(P) + (the k least
v^P_s of K). At the forced sites alone this is L_n (lagrange.py); deeper the lowered lambda
takes out the points P already serves as cheaply, which L_n would count again at each site
that wants them. `_SetSearch` takes the partial sets best first by that bound, cutting one
when some target is out of reach for every completion (coverage's bound on the points still
unreached, at mu = w, the k largest single gains, and at the coverage LP's prices) and
leaving one whose bound reaches the incumbent less the gap (its bound is kept: the window's
bound is the least over what was left and what was settled).

Each whole set S gets the bound of the designs with exactly those sites open, with every
assignment row kept and each share target priced (sigma_t >= 0):
    B(S, sigma) = F(S) + I_n + sum_t sigma_t (a_t - SHARE_SLACK)
                  + sum_z min_{p at S or cross-border} (o_z c_p - sum_t sigma_t A_tp),
which is carrier_repair.sites_bound with the targets loosened by their slack (site_sets' B(S)
without capacity): for such a design each added term sigma_t (a_t - slack - share_t) is <= 0,
so B(S, sigma) bounds it for ANY sigma >= 0 (weak duality; carrier rows and capacity are
dropped, which only lowers it). The prices are searched per target (`set_bound`: the value
is concave and piecewise linear in one sigma_t), which decides only how high it is. A set
whose bound (the larger of its partial-set bound and B(S)) lies below the incumbent less the
gap goes back on the heap with that bound; when it comes first its sites are assigned under
every row (a design, which may lower the incumbent), and if it stays below, its MIP bounds
it. So the least bound over the sets settled and the partial sets left bounds every design
of the window (docs/optimizer.md, step 4, "Sets that reach the targets").

Why: next_day_80's 7-site LP lies 2.2e-4 below the optimum (the LP opens one site in part) and
the proof took the nearest-sites LP (2 CPU s) and a site tree of 6 child LPs (3.6 CPU s);
only 30 of the 264 million 7-site sets reach 80% within a day at all. After an edit (8 sites
without SAV) 85,923 sets reach it, too many to bound one by one, and the site tree took 12
child LPs; at the window's prices (its L_8 at the LP's value) the search expands 886 partial
sets, 5,354 with lambda held (BENCHMARKS.md, branch nextday6).
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass

import numpy as np

from network.evaluate import ROW_TOLERANCE
from network.optimize.coverage import _reach, coverage_prices
from network.optimize.incumbent import Incumbent
from network.optimize.lagrange import LagrangeData, pair_least, priced_rows
from network.optimize.model import MipModel
from network.optimize.problem import NO_SITE, LocationProblem
from network.optimize.window_bounds import WindowState
from network.optimize.window_mip import (
    MIP_GAP_SHARE,
    fixed_sites_bound,
    fixed_sites_design,
)

MAX_NODES = 4_000  # partial sets expanded at most (then the window goes on to its LP)
MAX_SET_BOUNDS = 600  # whole sets given their B(S) at most (then the same): where many
# sets reach the targets and lie below the incumbent (the explorer's 3 sites at 95% within 2
# days: 29,248 of them, 17 CPU s, where the window's LP and tree take about 1 s)
MAX_SET_MIPS = 3  # sets whose bound stays below the incumbent less the gap: solved by a MIP
SEARCH_EVALS = 40  # evaluations of B(S, sigma) per price search at most


@dataclass(frozen=True)
class _Cover:
    """What the search needs of the share targets for n sites: reach[t, s, z] (1 where site s
    reaches point z within target t's days), the points' shares of orders w, the coverage LP's
    prices mu[t, z] (w where it gives none), need[t] (the target less 2 ROW_TOLERANCE),
    unreached[t, z] (1 where no forced-open site nor cross-border reaches z), the free sites
    and k, how many of them a set takes."""

    reach: np.ndarray
    w: np.ndarray
    mu: np.ndarray
    need: np.ndarray
    unreached: np.ndarray
    free: np.ndarray
    k: int

    @staticmethod
    def of(problem: LocationProblem, n: int, deadline: float) -> _Cover:
        targets = problem.share_requirements
        w = problem.orders_per_year / problem.orders_per_year.sum()
        reach = np.zeros((len(targets), problem.n_sites, problem.n_points))
        unreached = np.ones((len(targets), problem.n_points))
        mu = np.zeros((len(targets), problem.n_points))
        for t, target in enumerate(targets):
            pairs, cross = _reach(problem, target.within_days)
            reach[t, pairs[1], pairs[0]] = 1.0
            unreached[t] = (cross == 0) & (reach[t, problem.forced_open] == 0).all(axis=0)
            prices = coverage_prices(problem, pairs, cross, w, n, deadline)
            mu[t] = w if prices is None else prices  # mu = w: the single gains alone
        free = np.nonzero(~problem.forced_open & ~problem.forced_closed)[0]
        return _Cover(reach, w, mu, np.array([t.share for t in targets]) - 2 * ROW_TOLERANCE,
                      unreached, free, n - int(problem.forced_open.sum()))


@dataclass(frozen=True)
class _Terms:
    """The Lagrangian's terms at the share (and carrier) rows' prices sigma, lambda left to
    the search: d[s, z], the least o_z c_p - sigma A_p over the options of the pair (z, s)
    (inf without one), cross[z] the same over z's cross-border options (inf without one),
    each site's fixed cost, and sigma b + I_n."""

    d: np.ndarray
    cross: np.ndarray
    fixed: np.ndarray
    constant: float

    @staticmethod
    def of(problem: LocationProblem, data: LagrangeData, n: int, sigma: np.ndarray) -> _Terms:
        least = pair_least(data, data.po_cost - priced_rows(sigma, data.po_fast))
        d = np.full((problem.n_sites, problem.n_points), np.inf)
        d[data.pair_site, data.po_point[data.pair_starts]] = least
        cross = np.full(problem.n_points, np.inf)
        np.minimum.at(cross, problem.options.point[data.cross],
                      data.cost[data.cross] - priced_rows(sigma,
                                                          data.weight_fast[:, data.cross]))
        return _Terms(d, cross, problem.fixed_cost_usd_per_year,
                      float(sigma @ data.shares + problem.inventory_usd_by_count[n]))

    def values(self, lam: np.ndarray) -> np.ndarray:
        """[s] v_s at lam: F_s + sum_z min(0, d_sz - lam_z)."""
        return self.fixed + np.minimum(self.d - lam, 0.0).sum(axis=1)


@dataclass(frozen=True)
class _Partial:
    """A partial set: the free sites chosen, and the rest to come from order[start:], k of
    them; `low` its bound's part for the sites chosen (the constant, sum_z lambda_z and their
    fixed costs), `lam` each point's lambda before the last site chosen (`last`, -1 at the
    root) lowered it to its d, `unreached` [t, z] 1.0 where no site chosen before `last`
    (nor a forced one, nor cross-border) reaches z (shared by the children of one node)."""

    chosen: tuple[int, ...]
    start: int
    k: int
    low: float
    lam: np.ndarray
    last: int
    unreached: np.ndarray


class _SetSearch:
    """Best first over the partial n-site sets that can reach every target (module
    docstring): `next_set` expands the partial set of least bound until a whole set comes
    first, and returns it; `settled` is the least bound of what was left or settled so far.

    A partial set P's bound on the share any k more sites of `rest` reach is, for any mu >= 0
    (coverage.py's weak duality on the points still unreached), the share reached plus
    sum_z unreached_z max(0, w_z - mu_z) plus the k largest sum_z unreached_z mu_z reach_sz;
    at mu = w that is the k largest single gains. Both are taken, mu also at the coverage LP's
    prices. Its cost bound is `low` plus the k least v_s of `rest` at its lambda (each point's
    lambda lowered to its least d at the sites of P and cross-border, which makes their terms
    0 and raises every other v_s: module docstring)."""

    def __init__(self, problem: LocationProblem, cover: _Cover, terms: _Terms,
                 lam: np.ndarray, whole_bound) -> None:
        self.problem, self.cover, self.terms = problem, cover, terms
        lam = np.minimum(lam, terms.cross)
        forced = np.nonzero(problem.forced_open)[0]
        if len(forced):
            lam = np.minimum(lam, terms.d[forced].min(axis=0))
        value = terms.values(lam)
        self.order = cover.free[np.argsort(value[cover.free], kind="stable")]
        # the (site, point) pairs with d_sz < lambda_z at the root: the only nonzero terms
        # of any v_s below it, every node's lambda being the root's or lower (`_values`)
        self.pair_site, self.pair_point = np.nonzero(terms.d < lam)
        self.pair_d = terms.d[self.pair_site, self.pair_point]
        low = terms.constant + float(lam.sum() + terms.fixed[forced].sum())
        self.slack = 1e-9 * (abs(terms.constant) + float(np.abs(lam).sum())
                             + float(np.abs(value).sum()) + float(np.abs(terms.fixed).sum()))
        self.whole_bound = whole_bound  # (mask, bound) -> the whole set's bound
        self.heap: list = []
        self.count = itertools.count()
        self.settled = np.inf
        self.nodes = 0
        self.set_bounds = 0
        if cover.k == 0 and (1.0 - cover.unreached @ cover.w >= cover.need).all():
            self._push(low - self.slack, (problem.forced_open.copy(),))  # the forced sites
        elif 0 < cover.k <= len(cover.free):
            least = np.sort(value[self.order])[:cover.k].sum()
            self._push(low + float(least) - self.slack,
                       _Partial((), 0, cover.k, low, lam, -1, cover.unreached))

    def _push(self, bound: float, item) -> None:
        heapq.heappush(self.heap, (bound, next(self.count), item))

    def _values(self, lam: np.ndarray) -> np.ndarray:
        """terms.values(lam) for a node's lambda (at most the root's in every point), summed
        over the pairs with d_sz below the root's lambda_z alone: every other pair's term
        min(0, d_sz - lam_z) is 0 at any lower lambda. The sums run in another order than
        terms.values' (within `slack`, which every bound already gives up for rounding).

        Why: the dense sum over every site and point ([57, 881] on the default's sites) was
        0.25-0.3 ms of each of next_day_80's 490 expansions after closing SAV, a third of its
        set search (BENCHMARKS.md, branch nextday14)."""
        terms = np.minimum(self.pair_d - lam[self.pair_point], 0.0)
        return self.terms.fixed + np.bincount(self.pair_site, terms,
                                              minlength=len(self.terms.fixed))

    def settle(self, bound: float) -> None:
        """Count a bound on designs left out of the search (a set settled, or cut)."""
        self.settled = min(self.settled, bound)

    def next_set(self, bar: float, deadline: float) -> tuple[float, np.ndarray] | None:
        """(its bound, its open mask): the whole set of least bound, when below `bar`; None
        when every set left is at or above `bar` (or none is left: the search is done).
        Raises _GaveUp past MAX_NODES expansions, MAX_SET_BOUNDS set bounds or the deadline.
        A whole set enters the heap at its Lagrangian bound and gets `whole_bound` (B(S)) only
        once it comes first."""
        while self.heap:
            bound = self.heap[0][0]
            if bound >= bar:
                self.settle(bound)  # every entry left is at least this
                return None
            if (self.nodes >= MAX_NODES or self.set_bounds >= MAX_SET_BOUNDS
                    or time.perf_counter() >= deadline):
                raise _GaveUp
            _, _, item = heapq.heappop(self.heap)
            if isinstance(item, _Partial):
                self._expand(item, bar)
            elif isinstance(item, tuple):  # (mask,): its B(S) not known yet
                self.set_bounds += 1
                whole = self.whole_bound(item[0], bound)
                if whole >= bar:
                    self.settle(whole)
                else:
                    self._push(whole, item[0])
            else:
                return bound, item
        return None

    def _expand(self, node: _Partial, bar: float) -> None:
        """Push the children of `node` (one more site, rest[i], then k - 1 of rest[i + 1:])
        that may reach every target and whose bound lies below `bar`; settle the bound of
        those cut by it. A child with k = 0 is a whole set."""
        self.nodes += 1
        cover, k = self.cover, node.k
        rest = self.order[node.start:]
        m = len(rest) - k + 1  # places the next site may take
        if m <= 0:
            return
        lam = node.lam if node.last < 0 else np.minimum(node.lam, self.terms.d[node.last])
        value = self._values(lam)[rest]
        bounds = node.low + value[:m] + _suffix_least(value, k - 1, m) - self.slack
        below = bounds < bar
        if not below.all():
            self.settle(float(bounds[~below].min()))
        if not below.any():
            return
        unreached = node.unreached  # the node's own: its last site's points reached too
        if node.last >= 0:
            unreached = unreached * (1.0 - cover.reach[:, node.last])
        share = 1.0 - unreached @ cover.w  # [t]
        gains = _per_site(cover.reach, unreached * cover.w)[:, rest]  # [t, r]
        if k == 1:
            hopeful = (share[:, None] + gains[:, :m] >= cover.need[:, None]).all(axis=0)
        else:  # rest[i] and k - 1 of rest[i + 1:]: bounded by either price (the gains of the
            # others only fall once rest[i] is in)
            priced = _per_site(cover.reach, unreached * cover.mu)[:, rest]
            rest_mu = (unreached * np.maximum(cover.w - cover.mu, 0.0)).sum(axis=1)  # [t]
            after_g, after_p = _suffix_top(gains, k - 1, m), _suffix_top(priced, k - 1, m)
            hopeful = (share[:, None] + np.minimum(
                gains[:, :m] + after_g, rest_mu[:, None] + priced[:, :m] + after_p)
                >= cover.need[:, None]).all(axis=0)
        for i in np.nonzero(hopeful & below)[0]:
            s = int(rest[i])
            if k == 1:
                mask = self.problem.forced_open.copy()
                mask[list(node.chosen) + [s]] = True
                self._push(float(bounds[i]), (mask,))
            else:
                self._push(float(bounds[i]), _Partial(
                    node.chosen + (s,), node.start + i + 1, k - 1,
                    node.low + float(value[i]), lam, s, unreached))


def _per_site(reach: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """[t, s] sum_z reach[t, s, z] weights[t, z], one matrix-vector product a target (the
    same sums as np.einsum("tsz,tz->ts"), in BLAS's order: every comparison with a target
    has 2 ROW_TOLERANCE to spare, far above any rounding). Why: einsum took 0.09 ms of each
    expansion, this 0.02 (BENCHMARKS.md, branch nextday14)."""
    return np.stack([reach[t] @ weights[t] for t in range(len(reach))]).reshape(
        len(reach), reach.shape[1])


class _GaveUp(Exception):
    """The set search passed MAX_NODES expansions, MAX_SET_BOUNDS set bounds or the
    deadline."""


def _suffix_least(values: np.ndarray, k: int, rows: int) -> np.ndarray:
    """[i] for i < rows: the sum of the k least of values[i + 1:] (inf when fewer are left)."""
    r = len(values)
    if k <= 0:
        return np.zeros(rows)
    later = np.arange(r)[None, :] > np.arange(rows)[:, None]  # [i, j]: j after i
    masked = np.where(later, values[None, :], np.inf)
    return np.partition(masked, k - 1, axis=1)[:, :k].sum(axis=1)


def _suffix_top(values: np.ndarray, k: int, rows: int) -> np.ndarray:
    """[t, i] for i < rows: the sum of the k largest of values[:, i + 1:] (values >= 0; 0
    past the end)."""
    r = values.shape[1]
    later = np.arange(r)[None, :] > np.arange(rows)[:, None]  # [i, j]: j after i
    masked = np.where(later[None, :, :], values[:, None, :], 0.0)  # [t, i, j]
    if k <= 0:
        return np.zeros((values.shape[0], rows))
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
        reduced = self.cost - priced_rows(sigma, self.a)
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
    """Close the one-count window `window` set by set (`_SetSearch`, best first at the
    window's prices, zero where it has none); True when closed (window.proven set), False
    when it does not apply, the search gives up (MAX_NODES, MAX_SET_BOUNDS, the deadline), or
    more than MAX_SET_MIPS sets would need their MIP.

    A whole set that comes first below the incumbent less the gap has its sites assigned
    under every row (window_mip.fixed_sites_design: a design, it may lower the incumbent); if
    it stays below, its MIP (window_mip.fixed_sites_bound) bounds it. window.proven is the
    least bound over what was settled and left (valid: the module docstring), at least the
    window's bound known before.

    The incumbent is not assigned again by the MIP once the window is closed (the site tree's
    closing polish, site_branching._polish): it is within the gap of window.proven already,
    and on next_day_80's warm edits that MIP was the largest step of the edit for a design
    about a millionth cheaper (BENCHMARKS.md, branch nextday7)."""
    n = window.lo
    if window.lo != window.hi or full.capacity_sites or not problem.share_requirements:
        return False
    lam, sigma = _window_prices(problem, window)
    start = sigma[:len(problem.share_requirements)].copy()  # set_bound prices the targets

    def bar() -> float:
        return best.objective * (1 - relative_gap)

    def whole_bound(mask: np.ndarray, low: float) -> float:
        nonlocal start
        value_, prices = set_bound(problem, data, mask, start, bar())
        if np.isfinite(value_):
            start = prices  # the next set's search starts from these prices
        return max(value_, low)

    search = _SetSearch(problem, _Cover.of(problem, n, deadline),
                        _Terms.of(problem, data, n, sigma), lam, whole_bound)
    mips = 0
    try:
        while (item := search.next_set(bar(), deadline)) is not None:
            bound, mask = item
            fixed_sites_design(problem, full, mask, best, relative_gap / 10, deadline)
            if bound < bar():
                if mips == MAX_SET_MIPS:
                    return False
                mips += 1
                bound = fixed_sites_bound(problem, full, mask, best,
                                          relative_gap * MIP_GAP_SHARE, deadline, bound)
            search.settle(bound)
    except _GaveUp:
        return False
    known = [b for b in (window.bound, window.lagrange) if b is not None]
    window.proven = float(max([search.settled] + known))
    return True


def _window_prices(problem: LocationProblem, window: WindowState
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The window's best (lambda, sigma) (its ascent's or LP's), zero where it has none or
    they do not fit the problem's points and targets: any prices give a valid bound, these
    only prune more."""
    rows = len(problem.share_requirements) + sum(
        (b.min_share is not None) + (b.max_share is not None) for b in problem.carrier_bounds)
    if window.prices is not None:
        lam, sigma = window.prices
        if len(lam) == problem.n_points and len(sigma) == rows:
            return lam, np.maximum(sigma, 0.0)
    return np.zeros(problem.n_points), np.zeros(rows)
