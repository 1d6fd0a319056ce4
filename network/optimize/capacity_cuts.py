"""A one-count window with capacity rows closed over its open sets by Lagrangian cuts (a
Benders-like master over the sites alone).

Why: with every site full (capacity_overflow_200m: 6 sites of 18M orders for 200M orders) the
window's LP opens 9 near-substitute sites in part, 1.9e-3 below the optimum, and branching on
sites raised that by about 1e-4 per 4-5 node LPs of 1-2 CPU s each (BENCHMARKS.md). The cost of
a design is, in its open set S, the cost of assigning the points to S; a price vector makes
that a sum of one term per site (below), so each evaluated set gives a cut on every set at
once, and a small MIP over the sites alone (the master) finds the set of least cut bound.

The cut. Fix prices lambda_z (every point's assignment row) and sigma_t >= 0 (each share
target) and relax those rows; keep every other row of a design with open set S (the links,
each site's capacity row). What is left splits by site:
    L(S) = I_n + sum_z lambda_z + sum_t sigma_t (a_t - tol)
           + sum_z min(0, min_{p abroad} g_p) + sum_{s in S} v_s,
    v_s  = F_s - max { sum_z (-m_zs) x_z : sum_z o_z x_z <= Q_s (1 + tol), 0 <= x_z <= 1 },
    g_p  = o_z c_p - lambda_z - sum_{t met by p} sigma_t o_z / O,   m_zs = min(0, min_{p at s} g_p)
(a continuous knapsack per site, solved greedily by -m_zs / o_z). For every design with open
set S that meets its rows within the slack `offer` accepts (model.loosened: a share within
tol = problem.SHARE_SLACK below a_t, a load within capacity_slack above Q_s), each relaxed term is
lambda_z (1 - sum_p x_p) = 0 and sigma_t (a_t - tol - share_t) <= 0, and the rest is at least
the minimum above, so its cost is at least L(S) (weak duality; single sourcing and carrier
rows only make designs dearer, and carrier rows are not relaxed: the cut applies without
them only). Every design in the window has some S of n sites, so
    min { theta : theta >= L^k(S) for every cut k, |S| = n, forced sites, S binary }
is a lower bound on every design of the window: `master` solves it as a MIP over y and theta
and takes the MIP's dual bound. With lambda, sigma the duals of the LP with y fixed to S*,
L(S*) equals that LP's value (the continuous knapsacks keep exactly the rows not priced), so
the cut is tight at S*, and the master's next S differs or the bound has reached the LP.

Iterations: a set S is assigned by the fixed-sites LP (its design rounded and offered to the
incumbent: window_mip.offer_rounded_lp), whose duals give the next cut (or, infeasible, a row
leaving S out: no design on it); the first cut comes from the window LP's duals, or, before
that LP is solved, from the incumbent's sites' fixed-sites LP (any prices give a valid cut;
a cut made for n sites bounds any other count m too, its inventory I_n replaced by I_m:
other_counts_bound). The next S
is the swap search's (_swap_search: one site out, one in, while the cuts' bound falls) while
it ends on a set the cuts bound below the incumbent less the gap T (at most SWAP_SETS in a
row), from the last set or else from the best evaluated ones (_swap_from_best), else the
first set below T the master finds (its MIP with theta <= T, stopped at one solution:
infeasible proves T), and after SWAP_SETS sets in a row the master's best. Where the sets
within reach of the master LP's prices are few (_enumerated_master: the master's optimum by
enumeration, exact), that answer names every next set instead, and no MIP runs.
Stops once the master's bound is within the gap of the incumbent (the window proven), or at
the deadline / MAX_ROUNDS (the window closed with the last master's bound, valid but maybe
short of the gap); a master whose best set was cut already, short of the gap (its bound at
the least fixed-sites LP), tries that set's LP by HiGHS rounded, a MIP over its points in
doubt (capacity_sets.small_assignment), then its assignment MIP for a design within the gap,
and failing that hands the window to site_branching (single sourcing's gap, which the tree's MIP
leaves close). The cuts are kept per count (KeptCuts) for the WarmSolver's next search after
an edit of forced sites, count limits or target shares. docs/optimizer.md has the proofs.
From capacity_overflow_200m's 6-site window LP (1.9e-3 below the incumbent then) it proved
5.1e-5 in 118 rounds and 178 CPU s with the master's MIP every round, where 16 node LPs of
the site tree (22 CPU s) had closed a seventh of that gap; with the swap search between MIPs
(10 MIPs for 121 sets) the same window closes within 1e-4 in about 50-75 CPU s (BENCHMARKS.md,
branches overflow3, overflow4); with the fixed-sites LP's prices from GLOP's dual simplex, in
14 sets, 3 MIPs and 2.3 CPU s (branch overflow5).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pybind11_abseil.status import StatusNotOk

from network.optimize.capacity_sets import small_assignment
from network.optimize.incumbent import Incumbent, read_design
from network.optimize.mathopt_backend import MipStatus, solve_lp, solve_model
from network.optimize.model import MipModel, loosened, restrict
from network.optimize.problem import NO_SITE, SHARE_SLACK, LocationProblem, capacity_slack
from network.optimize.window_bounds import WindowState
from network.optimize.window_mip import (
    best_assignment,
    exactly_filled_design,
    fast_bonus,
    fixed_sites_columns,
    offer_rounded_lp,
    solved_lp,
)

MAX_ROUNDS = 400  # master solves at most (the deadline usually stops first)
SWAP_SETS = 25  # swap-search sets at most between two master MIPs: the bound at a stop is the
# last MIP's, and capacity_overflow_200m's first 100 swap sets left it at the window LP's
# (a MIP after every 8 sets converged slower: BENCHMARKS.md, branch overflow4)
SWAP_STARTS = 8  # evaluated sets (least fixed-sites LP first) the swap search starts from
# once it stops above the target from the last set, before a master MIP
MAX_KEPT_CUTS = 250  # cuts kept for the next search (the master's MIP slows as they pile up)
MILLIONS = 1e-6  # the master sees million USD (HiGHS and coefficients of 1e9)
MASTER_GAP = 0.1  # the master's relative gap, as a share of the requested gap: its dual bound
# is what the window keeps. Looser (a fifth of the gap left to the incumbent) each MIP was
# quicker but the bound rose slower: 4,835.1M against 4,835.7M after 110 s (BENCHMARKS.md)


def cuts_apply(problem: LocationProblem, full: MipModel, window: WindowState) -> bool:
    """A one-count window with its LP solved (prices over `full`'s rows), capacity rows, and
    no carrier rows (those are neither priced nor kept by the cut)."""
    return (window.lo == window.hi and window.duals is not None
            and len(window.duals) == len(full.row_lb) and bool(full.capacity_sites)
            and not problem.carrier_bounds)


@dataclass(frozen=True)
class KeptCuts:
    """One count's cuts after a search, for the next search after an edit that keeps every
    cut valid (WarmSolver: forced sites, site-count limits, target shares; the costs, orders,
    capacities and targets' days stay). Each cut is kept without its share terms
    sum_t sigma_t (a_t - tol), the one place the target shares a_t enter it, so it is valid
    again with the new shares (docs/optimizer.md, "Cuts kept across edits"); a set with no
    design stays so while no share falls."""

    base: np.ndarray  # [K] each cut's constant less its share terms
    sigma: np.ndarray  # [K, T] its share prices, targets by `days`
    days: tuple[int, ...]
    v: np.ndarray  # [K, sites]
    empty: tuple[np.ndarray, ...]  # sets with no design, under `shares`
    shares: tuple[float, ...]  # the target shares (by `days`) the search had


def _shares(problem: LocationProblem, days: tuple[int, ...]) -> np.ndarray:
    """Each of `days`' target share in `problem` (0 where it has no such target: any design
    meets a share of 0)."""
    by_days = {t.within_days: t.share for t in problem.share_requirements}
    return np.array([by_days.get(d, 0.0) for d in days], float)


class _Cuts:
    """The cut L(S) = const + v @ y of any prices (module docstring), and the cuts so far."""

    def __init__(self, problem: LocationProblem, full: MipModel, n: int,
                 kept: KeptCuts | None = None):
        opt = problem.options
        self.problem, self.full, self.n = problem, full, n
        self.orders = problem.orders_per_year
        self.at_site = opt.site != NO_SITE
        pair = opt.point * problem.n_sites + np.maximum(opt.site, 0)
        # the options at a site by (point, site), and those abroad by point, each run's
        # first index: the least g per run by np.minimum.reduceat (np.minimum.at took 3x)
        self.at, self.at_runs, self.at_pairs = _runs(np.nonzero(self.at_site)[0], pair)
        self.abroad, self.abroad_runs, _ = _runs(
            np.nonzero(~self.at_site)[0], opt.point)
        self.capacity = np.where(  # sites without a capacity row: no knapsack limit
            np.isin(np.arange(problem.n_sites), full.capacity_sites),
            problem.capacity_orders_per_year + capacity_slack(problem), np.inf)
        self.assign = np.asarray(full.rows_of("assign"))
        self.targets = [(t, full.rows_of(f"target[{t.within_days}]")[0])
                        for t in problem.share_requirements]
        self.const: list[float] = []
        self.v: list[np.ndarray] = []
        self.empty: list[np.ndarray] = []  # sets with no design (their fixed-sites LP is
        # infeasible): the master keeps sum_{s in S} y_s <= n - 1 for each
        self.days = tuple(t.within_days for t, _ in self.targets)
        self.base: list[float] = []  # each cut's const less its share terms
        self.sigma: list[np.ndarray] = []  # each cut's share prices, by self.days
        if kept is not None:
            self._restore(kept)

    def _restore(self, kept: KeptCuts) -> None:
        """The kept cuts with this problem's shares (KeptCuts)."""
        shares = _shares(self.problem, kept.days)
        for base, sigma, v in zip(kept.base, kept.sigma, kept.v, strict=True):
            self._keep(float(base), sigma, kept.days, v,
                       float(base + sigma @ (shares - SHARE_SLACK)))
        if np.all(shares >= np.asarray(kept.shares) - 1e-12):  # no share fell: still empty
            self.empty.extend(kept.empty)

    def _keep(self, base: float, sigma: np.ndarray, days: tuple[int, ...], v: np.ndarray,
              const: float) -> None:
        by_days = dict(zip(days, sigma, strict=True))
        self.base.append(base)
        self.sigma.append(np.array([by_days.get(d, 0.0) for d in self.days], float))
        self.const.append(const)
        self.v.append(v)

    def kept(self) -> KeptCuts:
        """These cuts for the next search (KeptCuts), the last MAX_KEPT_CUTS of them."""
        last = slice(-MAX_KEPT_CUTS, None)
        k = len(self.v[last])
        return KeptCuts(np.array(self.base[last]),
                        np.array(self.sigma[last]).reshape(k, len(self.days)), self.days,
                        np.array(self.v[last]).reshape(k, self.problem.n_sites),
                        tuple(self.empty), tuple(_shares(self.problem, self.days)))

    def add(self, duals: np.ndarray) -> tuple[float, np.ndarray]:
        """The cut of these row prices of `full` (assignment and target rows' only), kept."""
        p, opt = self.problem, self.problem.options
        lam = duals[self.assign]
        weight = self.orders[opt.point] / self.orders.sum()
        g = self.orders[opt.point] * opt.cost_usd_per_order - lam[opt.point]
        base = p.inventory_usd_by_count[self.n] + float(lam.sum())
        sigmas = np.zeros(len(self.targets))
        for i, (t, row) in enumerate(self.targets):
            sigmas[i] = max(0.0, float(duals[row]))
            g = g - sigmas[i] * weight * (opt.days <= t.within_days)
        if len(self.abroad):
            base += float(np.minimum(0.0, np.minimum.reduceat(g[self.abroad],
                                                              self.abroad_runs)).sum())
        const = base + float(sigmas @ (_shares(p, self.days) - SHARE_SLACK))
        gain = np.zeros(p.n_points * p.n_sites)
        if len(self.at):
            gain[self.at_pairs] = np.minimum(0.0, np.minimum.reduceat(g[self.at], self.at_runs))
        gain = -gain.reshape(p.n_points, p.n_sites)  # -m_zs >= 0
        v = p.fixed_cost_usd_per_year - np.array(
            [_knapsack(gain[:, s], self.orders, self.capacity[s]) for s in range(p.n_sites)])
        self._keep(base, sigmas, self.days, v, const)
        return const, v


def _runs(index: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`index` sorted by key[index] (stable), the first position of each run of one key in
    it, and each run's key."""
    index = index[np.argsort(key[index], kind="stable")]
    keys = key[index]
    first = np.nonzero(np.r_[True, keys[1:] != keys[:-1]])[0] if len(index) else np.zeros(0, int)
    return index, first, keys[first]


def _knapsack(value: np.ndarray, weight: np.ndarray, room: float) -> float:
    """max sum value_z x_z over 0 <= x <= 1, sum weight_z x_z <= room (greedy by ratio)."""
    take = np.nonzero(value > 0)[0]
    if not np.isfinite(room):
        return float(value[take].sum())
    take = take[np.argsort(-value[take] / weight[take], kind="stable")]
    used = np.cumsum(weight[take])
    whole = int(np.searchsorted(used, room, side="right"))
    total = float(value[take[:whole]].sum())
    if whole < len(take):
        left = room - (used[whole - 1] if whole else 0.0)
        total += float(value[take[whole]]) * left / float(weight[take[whole]])
    return total


def close_by_cuts(problem: LocationProblem, full: MipModel, window: WindowState,
                  best: Incumbent, relative_gap: float, deadline: float,
                  kept: dict[int, KeptCuts] | None = None,
                  on_bound: Callable[[], None] | None = None) -> bool:
    """Close the one-count window `window` (its LP solved, `cuts_apply`; or, without its LP,
    `cuts_apply_without_lp`: the first cut from the incumbent's sites) by the master over its
    open sets; True when it closed it (window.proven: the master's bound, within the gap of
    the incumbent, or short of it at the deadline / MAX_ROUNDS: valid either way), False when
    the master could not run, or reached the least fixed-sites LP (its best set cut already)
    still short of the gap (its bound then kept in window.kept): single sourcing's gap,
    which the site tree's MIP leaves close
    (site_branching.py runs then, from the window's LP as before, which the caller solves
    first when the cuts started without it). `kept` (count -> cuts): the last search's cuts
    to start from, updated with this one's. `on_bound`: called once the master has reached
    the least fixed-sites LP short of the gap, its bound already in window.kept (and the cuts
    in `kept`), before the assignment MIPs that may run to the deadline: the caller can
    publish the bound (and the other counts' bounds from these cuts) while they run.

    Why the start without the window's LP: that LP with every capacity row was most of
    capacity_overflow_200m's cold solve (BENCHMARKS.md, branch overflow6), and the cuts need
    only prices: the incumbent's sites' fixed-sites LP, a small fraction of it, gives a first
    cut tight there, and the master's bound is the proof either way."""
    n = window.lo
    cuts = _Cuts(problem, full, n, None if kept is None else kept.get(n))
    start = None
    if window.duals is not None and len(window.duals) == len(full.row_lb):
        cuts.add(window.duals)
    else:
        start = _incumbent_sites(problem, full, best, n)
        if start is None:
            return False
    def bounded() -> None:
        if kept is not None:
            kept[n] = cuts.kept()
        if on_bound is not None:
            on_bound()

    try:
        return _close(problem, full, window, best, relative_gap, deadline, cuts, start, bounded)
    finally:
        if kept is not None:
            kept[n] = cuts.kept()


def cuts_apply_without_lp(problem: LocationProblem, full: MipModel, window: WindowState,
                          best: Incumbent) -> bool:
    """A one-count window with capacity rows and no carrier rows (as `cuts_apply`), its LP
    not solved, and an incumbent of its count: close_by_cuts may start from the incumbent's
    sites' fixed-sites LP instead of the window's LP."""
    return (window.lo == window.hi and window.lp is None and bool(full.capacity_sites)
            and not problem.carrier_bounds
            and _incumbent_sites(problem, full, best, window.lo) is not None)


def _incumbent_sites(problem: LocationProblem, full: MipModel, best: Incumbent, n: int
                     ) -> np.ndarray | None:
    """The incumbent's open sites when it has n of them, else None."""
    if best.values is None or not np.isfinite(best.objective):
        return None
    is_open = read_design(problem, full, best.values)[0]
    return is_open if int(is_open.sum()) == n else None


def other_counts_bound(problem: LocationProblem, kept: KeptCuts, n: int, m: int) -> float:
    """A lower bound on every design with m open sites from the cuts `kept` made for count n:
    max_k (L^k's constant - I_n + I_m + the least sum of v^k over m sites with the forced
    ones), -inf without cuts (docs/optimizer.md, "Cuts over open sets": a cut bounds every
    count).

    Why: without the window's LP (close_by_cuts from the incumbent's sites) the other counts
    have no LP prices to bound them (tangent_estimate); with every site full, fewer sites
    send more orders cross-border, and the cuts say how much more."""
    if not len(kept.v):
        return -np.inf
    movable = ~problem.forced_open & ~problem.forced_closed
    if not int(problem.forced_open.sum()) <= m <= int(problem.forced_open.sum()) + int(
            movable.sum()):
        return np.inf  # no set of m sites
    const = kept.base + kept.sigma @ (_shares(problem, kept.days) - SHARE_SLACK)
    inv = problem.inventory_usd_by_count
    extra = m - int(problem.forced_open.sum())
    forced = kept.v[:, problem.forced_open].sum(axis=1)
    free = np.sort(kept.v[:, movable], axis=1)[:, :extra].sum(axis=1)
    return float((const - inv[n] + inv[m] + forced + free).max())


def _close(problem: LocationProblem, full: MipModel, window: WindowState, best: Incumbent,
           relative_gap: float, deadline: float, cuts: _Cuts,
           start: np.ndarray | None = None, on_bound: Callable[[], None] | None = None
           ) -> bool:
    """close_by_cuts from these cuts, and from the set `start` evaluated first when given."""
    n = window.lo
    bound, tried, converged = -np.inf, set(), False
    is_open, swapped = None, 0
    evaluated: list[tuple[float, np.ndarray]] = []  # (the fixed-sites LP's value, its set)
    if start is not None:
        is_open = start
        tried.add(is_open.tobytes())
        _evaluate(problem, full, is_open, best, deadline, cuts, evaluated)
        if not cuts.v:  # no cut to start the master from
            return False
    for _ in range(MAX_ROUNDS):
        if time.perf_counter() >= deadline:
            break
        target = best.objective * (1 - relative_gap)
        exact = _enumerated_master(  # the master's answer, exact and cheap: every round
            problem, cuts, n, _floor(cuts), bound, deadline,
            tuple(e[1] for e in evaluated) + (() if is_open is None else (is_open,)), None)
        if exact is not None:
            swapped = 0
            bound, is_open = max(bound, exact[0]), exact[1]
            if bound >= target:
                break
            if is_open.tobytes() in tried:  # its cut is tight there: bound = the least LP
                converged = True
                break
        else:  # the master would be a MIP: the swap search between MIPs
            found = None if is_open is None else _swap_search(problem, cuts, is_open, tried)
            if (found is None or found[0] >= target) and swapped < SWAP_SETS:
                found = _swap_from_best(problem, cuts, evaluated, tried, target) or found
            if ((found is None or found[0] >= target) and swapped < SWAP_SETS
                    and (evaluated or len(cuts.v) > 1)  # a first MIP over one cut: cheap
                    and not _feasible_below(cuts, evaluated, target)):
                first = _master(problem, cuts, n, bound, relative_gap * MASTER_GAP, deadline,
                                below=target,  # any set below the target, or none: proven
                                in_hand=tuple(e[1] for e in evaluated))
                if first is None:
                    break
                bound = max(bound, first[0])
                if first[1] is None:
                    break
                if first[1].tobytes() not in tried:
                    found = first
            if found is None or found[0] >= target or swapped >= SWAP_SETS:
                swapped = 0
                found = _master(problem, cuts, n, bound, relative_gap * MASTER_GAP, deadline,
                                None if found is None else found[1],
                                in_hand=tuple(e[1] for e in evaluated))
                if found is None:
                    break
                bound, is_open = max(bound, found[0]), found[1]
                if bound >= target:
                    break
                if is_open.tobytes() in tried:  # its cut is tight there: bound = the least LP
                    converged = True
                    break
            else:
                is_open, swapped = found[1], swapped + 1
        tried.add(is_open.tobytes())
        if time.perf_counter() >= deadline:  # the master ended past it: no round to use a cut
            break
        if not _evaluate(problem, full, is_open, best, deadline, cuts, evaluated):
            break
    if not np.isfinite(bound):
        return False
    def more() -> bool:  # past the deadline, no step below: each only betters the incumbent,
        return time.perf_counter() < deadline  # with one more LP or MIP; asked again before
    # each, as one of them can end past it (a MIP in its root cut rounds, which HiGHS's time
    # limit does not stop: the +9 pts what-if ran 0.1-2.6 s past its limit)
    if more() and converged and bound < best.objective * (1 - relative_gap):  # the least
        _fixed_sites_lp(problem, full, is_open, best, deadline, small=False)  # fixed-sites
        # LP's sites: another vertex rounded (below), then, still short, their assignment MIP
    if more() and converged and bound < best.objective * (1 - relative_gap):  # sites filled
        exactly_filled_design(problem, full, is_open, best, deadline)  # to the order first
    if more() and converged and bound < best.objective * (1 - relative_gap):
        window.kept = max(window.kept, bound)  # the window's bound now, whatever the MIPs
        if on_bound is not None:  # below find: published before they run
            on_bound()
    if more() and converged and bound < best.objective * (1 - relative_gap):  # the points
        small_assignment(problem, full, is_open, best, relative_gap / 2, deadline,  # in
                         enough=bound / (1 - relative_gap))  # doubt alone
    if more() and converged and bound < best.objective * (1 - relative_gap):  # every point
        best_assignment(problem, full, is_open, best, relative_gap / 2, deadline)
    if more() and bound < best.objective * (1 - relative_gap) and best.values is not None:
        mine = read_design(problem, full, best.values)[0]  # sites, and the incumbent's: the
        if not (converged and np.array_equal(mine, is_open)):  # MIP's assignment there
            best_assignment(problem, full, mine, best, relative_gap * 1e-3, deadline)
    if converged and bound < best.objective * (1 - relative_gap):
        window.kept = max(window.kept, bound)  # still the window's bound, where the site
        return False  # tree does not run (the deadline) or stops short
    window.proven = float(max(window.bound if window.bound is not None else -np.inf, bound))
    return True


def _evaluate(problem: LocationProblem, full: MipModel, is_open: np.ndarray, best: Incumbent,
              deadline: float, cuts: _Cuts, evaluated: list[tuple[float, np.ndarray]]) -> bool:
    """The set's fixed-sites LP: its cut added (and the set to `evaluated`), or the set kept
    as empty (no design on it); False when the LP ended without prices."""
    duals, empty = _fixed_sites_lp(problem, full, is_open, best, deadline)
    if empty:  # no design on this set: the master leaves it out from now on
        cuts.empty.append(np.nonzero(is_open)[0])
    elif duals is None:
        return False
    else:
        const, v = cuts.add(duals)
        evaluated.append((const + float(v[is_open].sum()), is_open))
    return True


def _feasible_below(cuts: _Cuts, evaluated: list[tuple[float, np.ndarray]], target: float
                    ) -> bool:
    """Some evaluated set S has max_k L^k(S) below `target` (its own cut is its fixed-sites
    LP's value, and no cut lies above that LP): S is then a solution of the master's MIP for
    "some set below the target", which so cannot prove the window, only name a set; _close
    runs the optimizing master instead.

    Why: on capacity_overflow_200m's four bench edits that MIP named an evaluated set every
    time (the least one, still short of a design within the gap), and the optimizing master
    ran after it anyway (BENCHMARKS.md, branch overflow10)."""
    if not evaluated:
        return False
    y = np.array([is_open for _, is_open in evaluated], float)  # sets x sites
    level = (np.asarray(cuts.const)[:, None] + np.asarray(cuts.v) @ y.T).max(axis=0)
    return bool(level.min() < target)


def _swap_search(problem: LocationProblem, cuts: _Cuts, start: np.ndarray, tried: set
                 ) -> tuple[float, np.ndarray] | None:
    """(the cuts' bound max_k L^k(S), S) of a set S of as many sites as `start` reached from
    it by swapping one site in and one out while that lowers the bound (best swap first),
    among the sets not in `tried` and not known empty; None when there is none.

    Why: a set the cuts so far bound low is worth its fixed-sites LP (its cut) whether or not
    it is the master's least; a swap search over the cuts' matrix costs milliseconds where
    the master's MIP took 0.3-3 CPU s a round (BENCHMARKS.md). It proves nothing: the bound
    is the master's alone (close_by_cuts)."""
    const, v = np.asarray(cuts.const), np.asarray(cuts.v)  # k, k x sites
    movable_out = ~problem.forced_open
    movable_in = ~problem.forced_closed
    empty = {_key(c, problem.n_sites) for c in cuts.empty}
    is_open = start.copy()
    level = const + v[:, is_open].sum(axis=1)
    value = float(level.max())
    while True:
        out = np.nonzero(is_open & movable_out)[0]
        into = np.nonzero(~is_open & movable_in)[0]
        if not len(out) or not len(into):
            break
        swapped = (level[:, None, None] - v[:, out][:, :, None] + v[:, into][:, None, :]
                   ).max(axis=0)  # out x into
        order = np.argsort(swapped, axis=None, kind="stable")
        moved = False
        for flat in order[:64]:
            i, j = divmod(int(flat), len(into))
            if swapped[i, j] >= value:
                break
            trial = is_open.copy()
            trial[out[i]], trial[into[j]] = False, True
            if trial.tobytes() in tried or trial.tobytes() in empty:
                continue
            is_open, value, moved = trial, float(swapped[i, j]), True
            level = const + v[:, is_open].sum(axis=1)
            break
        if not moved:
            break
    if is_open.tobytes() in tried or is_open.tobytes() in empty:
        return None
    return value, is_open


def _swap_from_best(problem: LocationProblem, cuts: _Cuts,
                    evaluated: list[tuple[float, np.ndarray]], tried: set, target: float
                    ) -> tuple[float, np.ndarray] | None:
    """The first set below `target` that _swap_search reaches from one of the SWAP_STARTS
    evaluated sets of least fixed-sites LP; None when none does.

    Why: once the swap search from the last set stops above the target, each next set came
    from a master MIP (1-6 CPU s at 120 cuts, capacity_overflow_200m), while the sets below
    the target often lie one swap from another good set (BENCHMARKS.md, branch overflow5).
    Like _swap_search it only picks sets: the bound is the master's alone."""
    for _, start in sorted(evaluated, key=lambda e: e[0])[:SWAP_STARTS]:
        found = _swap_search(problem, cuts, start, tried)
        if found is not None and found[0] < target:
            return found
    return None


def _key(sites: np.ndarray, n_sites: int) -> bytes:
    is_open = np.zeros(n_sites, bool)
    is_open[sites] = True
    return is_open.tobytes()


def _master(problem: LocationProblem, cuts: _Cuts, n: int, known: float, gap: float,
            deadline: float, hint: np.ndarray | None = None, below: float | None = None,
            in_hand: tuple[np.ndarray, ...] = ()) -> tuple[float, np.ndarray | None] | None:
    """(the master's dual bound in USD, its best set), or None when it found no set. `known`:
    the last master's bound (theta >= it: cuts only raise the master's optimum); `gap`: its
    relative gap; `hint`: a set to start from. With `below` (USD): the first set found below
    it and the bound so far, or (below, None) when the MIP proved that no set is below it.
    `in_hand`: sets of n sites (evaluated ones) whose least cut bound caps the sets
    _enumerated_master evaluates (which answers exactly without the MIP where it can)."""
    s = problem.n_sites
    floor = _floor(cuts)
    if below is not None and max(known, floor) >= below:  # no set below it: theta >= both
        return max(known, floor), None
    exact = _enumerated_master(problem, cuts, n, floor, known, deadline,
                               (*in_hand, *(() if hint is None else (hint,))), below)
    if exact is not None:
        return exact
    model = _master_model(problem, cuts, n, max(known, floor), below, MILLIONS)
    start = None
    if hint is not None:
        level = max(float((np.array(cuts.const) + np.asarray(cuts.v)[:, hint].sum(axis=1)).max()),
                    known if np.isfinite(known) else -np.inf, floor)
        start = np.r_[hint.astype(float), level * MILLIONS]
    sol = solve_model(model, deadline - time.perf_counter(), gap, hint=start,
                      solution_limit=None if below is None else 1)
    if sol.status is MipStatus.INFEASIBLE and below is not None:  # no set below `below`
        return below, None
    if sol.values is None or (sol.best_bound is None and below is None):
        return None
    bound = known if sol.best_bound is None else sol.best_bound / MILLIONS
    return bound, sol.values[:s] > 0.5


ENUMERATED_SETS = 40_000  # the most sets _enumerated_master evaluates; more, and the
# master's MIP runs instead
_CHUNK = 4_000  # sets evaluated at once (a cuts x sets array)


def _floor(cuts: _Cuts) -> float:
    """The least value of the first cut over any y in [0, 1]: theta is at least this."""
    return cuts.const[0] + float(np.minimum(cuts.v[0], 0.0).sum())


def _master_model(problem: LocationProblem, cuts: _Cuts, n: int, lo: float,
                  below: float | None, unit: float) -> MipModel:
    """The master's MIP over y and theta (theta in USD times `unit`): theta >= each cut,
    n sites with the forced ones, each set known empty left out, lo <= theta <= below."""
    s, k = problem.n_sites, len(cuts.v)
    rows = np.repeat(np.arange(k), s + 1)
    cols = np.tile(np.arange(s + 1), k)
    vals = np.concatenate([np.r_[-v * unit, 1.0] for v in cuts.v])
    e = len(cuts.empty)
    empty_rows = np.concatenate([np.full(len(c), k + 1 + i) for i, c in enumerate(cuts.empty)]
                                + [np.zeros(0, int)])
    empty_cols = np.concatenate(cuts.empty + [np.zeros(0, int)])
    return MipModel(
        var_lb=np.r_[problem.forced_open.astype(float), lo * unit],
        var_ub=np.r_[(~problem.forced_closed).astype(float),
                     np.inf if below is None else below * unit],
        var_integer=np.r_[np.ones(s, bool), False], objective=np.r_[np.zeros(s), 1.0],
        row_lb=np.r_[np.array(cuts.const) * unit, n, np.full(e, -np.inf)],
        row_ub=np.r_[np.full(k, np.inf), n, np.full(e, n - 1.0)],
        a_row=np.r_[rows, np.full(s, k), empty_rows], a_col=np.r_[cols, np.arange(s), empty_cols],
        a_val=np.r_[vals, np.ones(s), np.ones(len(empty_cols))], n_sites=s, n_options=0,
        count_values=np.array([n]),
        row_blocks=(("cut", 0, k), ("count", k, k + 1), ("empty", k + 1, k + 1 + e)))


def _enumerated_master(problem: LocationProblem, cuts: _Cuts, n: int, floor: float,
                       known: float, deadline: float, in_hand: tuple[np.ndarray, ...],
                       below: float | None) -> tuple[float, np.ndarray | None] | None:
    """_master's answer, exact, without its MIP: the least max_k L^k(S) over every set S of n
    sites with the forced ones and not known empty, with theta >= `known`, from its LP's
    prices mu (the cut rows' duals, scaled to sum to 1) and the sets whose
    sum_k mu_k L^k(S) is at most the value of a set in hand (the least of `in_hand`, and of
    the n sites of least sum_k mu_k v^k_s), all of them evaluated.
    (max(that least value, known), its set); with `below`: (below, None) when no set is at
    most `below`. None when it does not apply (no prices, no set in hand, or more than
    ENUMERATED_SETS sets to evaluate): the MIP then runs.

    Why: the master has 57 binaries and 20-50 cuts after an edit, and HiGHS spent 0.3-0.8
    CPU s on it (its root's cut rounds and sub-MIPs, 7-81 nodes) where the sets within reach
    of the LP's prices are a few thousand, evaluated in milliseconds (BENCHMARKS.md, branch
    overflow13). Exact (docs/optimizer.md, "The master by enumeration"): for mu >= 0 summing
    to 1, sum_k mu_k L^k(S) <= max_k L^k(S), so a set left out is above the set in hand."""
    const, v = np.asarray(cuts.const), np.asarray(cuts.v)  # k, k x sites
    unit = 1.0 / max(float(np.abs(const).max()), 1.0)  # theta about 1 in the LP
    try:  # theta >= `known` aside (added back at the end), below the first cut's least
        # (`floor`), never met: the cut rows hold the prices
        lp = solve_lp(_master_model(problem, cuts, n, floor - 1.0 - 1e-6 * abs(floor),
                                    below, unit), deadline - time.perf_counter(), glop_cold=True)
    except StatusNotOk:  # HiGHS's "primal feasible solution and dual ray": the MIP instead
        return None
    if lp.infeasible and below is not None:  # its relaxation has no set below `below`
        return below, None
    if lp.duals is None:
        return None
    mu = np.maximum(lp.duals[:len(const)], 0.0)
    if not mu.sum() > 0:
        return None
    mu = mu / mu.sum()
    w, base = mu @ v, float(mu @ const)
    forced, movable = problem.forced_open, ~problem.forced_open & ~problem.forced_closed
    need = n - int(forced.sum())
    if need < 0 or need > int(movable.sum()):
        return None
    empty = [c for c in cuts.empty if len(c)]

    def values(is_open: np.ndarray) -> np.ndarray:  # sets x sites (n each) -> max_k L^k,
        # inf for a set known empty; by sums over each set's sites (no BLAS product)
        sites = np.nonzero(is_open)[1].reshape(len(is_open), n)
        top = (const[:, None] + v[:, sites].sum(axis=2)).max(axis=0)
        for c in empty:  # a row sum_{s in c} y_s <= n - 1 leaves these sets out
            top[is_open[:, c].sum(axis=1) >= n] = np.inf
        return top

    order = np.nonzero(movable)[0]
    order = order[np.argsort(w[order], kind="stable")]
    greedy = forced.copy()
    greedy[order[:need]] = True
    starts = [greedy]  # the n sites of least mu-weighted v, and each one swap from them
    for out in order[:need]:
        for into in order[need:]:
            swapped = greedy.copy()
            swapped[out], swapped[into] = False, True
            starts.append(swapped)
    starts += [s for s in in_hand  # sets the master may choose: n sites, the forced ones
               if (int(s.sum()) == n and not (s & problem.forced_closed).any()
                   and (s >= forced).all())]
    bar = float(values(np.array(starts)).min())
    if below is not None:
        bar = min(bar, below)
    if not np.isfinite(bar):
        return None
    limit = bar - base - float(w[forced].sum())
    limit += 1e-9 * max(abs(bar), 1.0)  # float sums: keep a set at the bar
    ws = w[order]
    prefix = np.r_[0.0, np.cumsum(ws)]
    sets = np.zeros((1, 0), int)  # positions in `order`, increasing
    total, last = np.zeros(1), np.full(1, -1)
    positions = np.arange(len(order))
    for j in range(need):
        after = need - j - 1  # positions still to take after this one
        tail = np.minimum(positions + 1 + after, len(order))
        least = total[:, None] + ws[None, :] + (prefix[tail] - prefix[positions + 1])[None, :]
        ok = ((positions[None, :] > last[:, None]) & (positions[None, :] + after < len(order))
              & (least <= limit))
        rows, cols = np.nonzero(ok)
        if len(rows) > ENUMERATED_SETS:
            return None
        sets = np.c_[sets[rows], cols]
        total, last = total[rows] + ws[cols], cols
    best_value, best_set = np.inf, None
    for start in range(0, len(sets), _CHUNK):
        chunk = order[sets[start:start + _CHUNK]]  # sets x need: site indices
        is_open = np.zeros((len(chunk), problem.n_sites), bool)
        is_open[np.arange(len(chunk))[:, None], chunk] = True
        is_open |= forced
        top = values(is_open)
        i = int(np.argmin(top))
        if top[i] < best_value:
            best_value, best_set = float(top[i]), is_open[i]
    if below is not None and (best_set is None or best_value > below):
        return below, None  # every set above `below`
    if best_set is None:
        return None
    return max(best_value, known), best_set


def _fixed_sites_lp(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                    best: Incumbent, deadline: float, small: bool = True
                    ) -> tuple[np.ndarray | None, bool]:
    """(the row prices (over `full`'s rows) of the LP with the sites fixed to `is_open`, over
    their options and cross-border, or None when it ended without prices; whether it was
    proven infeasible: no design on these sites); its design, rounded, offered to `best`
    when the LP is below the incumbent.

    Without the link rows (with every y fixed they are implied: model.restrict), which the
    cut does not price: the same LP in 941 rows where it had 6,227 (capacity_overflow_200m).
    No rounding when the LP's value is not below the incumbent: every design on these sites
    that `offer` accepts meets the loosened rows, so costs at least that value, and `offer`
    takes only a cheaper design than the incumbent.

    By GLOP's dual simplex (`small`, mathopt_backend.solve_lp): 0.09 CPU s where cold HiGHS
    took 0.135, and its prices made cuts that closed capacity_overflow_200m's window in 14
    sets where HiGHS's needed 106 (a degenerate LP: other optimal prices, other cuts for the
    other sets; BENCHMARKS.md, branch overflow5). With `small` False, cold HiGHS: another
    vertex, which rounds otherwise (on the set that closed that window GLOP's rounded 4.0e-4
    above the LP, HiGHS's 5.9e-5), tried on the least LP's set before its assignment MIP (5
    CPU s there)."""
    fixed, keep = fixed_sites_columns(problem, full, is_open)
    sub, cols, rows = restrict(fixed, keep, links=False)
    # loosened: "no design" must hold for every design offer accepts
    lp = solved_lp(loosened(sub), deadline, glop=small)
    if lp.duals is None or lp.values is None:
        return None, lp.infeasible
    if lp.objective is not None and lp.objective < best.objective:
        values = np.zeros(len(fixed.var_lb))
        values[cols] = lp.values
        offer_rounded_lp(problem, full, values, fast_bonus(problem, fixed, rows, lp.duals),
                         best)
    duals = np.zeros(len(full.row_lb))
    duals[rows] = lp.duals
    return duals, False
