"""Counts of open sites too small to meet a share target: a bound on the share they can reach.

A design with n open sites delivers within N_t days at most the orders of the points that an
open site reaches within N_t days (some option at that (point, site) pair is that fast) or that
cross-border reaches within N_t days. The most that any n sites can cover is at most the value
of the LP

    max  sum_z w_z c_z                                    w_z = o_z / O
         c_z <= f_z + sum_{s reaches z} y_s               f_z = 1 if cross-border reaches z
         0 <= c_z <= 1,  sum_s y_s = n,  y_s in [forced open, not forced closed]

and for ANY prices mu_z >= 0 on its first rows (weak duality; the same argument as the
Lagrangian bounds, docs/optimizer.md)

    coverage <= sum_z max(0, w_z - mu_z) + sum_z mu_z f_z + (the n largest site scores,
                forced-open sites first),  score_s = sum_{z reached by s} mu_z.

So when that is below a_t (by more than ROW_TOLERANCE), no design with n sites meets target t,
whatever any solver's tolerances: the LP only supplies the prices. The covered share can only
grow with more sites, so a window [lo, hi] is empty when its count hi is.

Why: next-day targets make the small counts infeasible, and the search proved that with each
count's full LP (25 s at 3 sites on next_day_60 under load; BENCHMARKS.md), as the Lagrangian
ascent cannot: its relaxation may serve one point from several sites. This LP has one row per
point and solves in milliseconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from network.evaluate import ROW_TOLERANCE
from network.optimize.mathopt_backend import LpBasis, solve_lp
from network.optimize.model import MipModel, array_digest
from network.optimize.problem import NO_SITE, LocationProblem


def least_count(problem: LocationProblem, lo: int, hi: int, deadline: float) -> int:
    """The least count in [lo, hi] that this bound leaves able to meet every share target
    (hi + 1 when none): every count below it is proven unable to.

    The LP runs for one count per target at most: the largest count whose greedy design (each
    site added for the most orders newly reached) falls short of the target. Where greedy
    reaches it, so can a design, and nothing is to prove."""
    first = lo
    w = problem.orders_per_year / problem.orders_per_year.sum()
    for target in problem.share_requirements:
        reach, cross = _reach(problem, target.within_days)
        short = [n for n, share in enumerate(_greedy_shares(problem, reach, cross, w, hi))
                 if lo <= n and share < target.share - 2 * ROW_TOLERANCE]
        if not short or max(short) < first:
            continue
        n = max(short)
        cheap = coverage_bound(problem, reach, cross, w, n, w)  # the n largest reaches alone
        if min(cheap, _bound(problem, reach, cross, w, n, deadline) if cheap >= target.share
               else cheap) < target.share - 2 * ROW_TOLERANCE:
            first = n + 1  # and every smaller count: the covered share grows with the count
    return first


def _greedy_shares(problem: LocationProblem, reach: tuple[np.ndarray, np.ndarray],
                   cross: np.ndarray, w: np.ndarray, hi: int) -> list[float]:
    """Share reached within the days by greedy designs of 0..hi sites (forced-open sites
    first; -inf below their number and where the free sites run out)."""
    points, sites = reach
    covers = np.zeros((problem.n_sites, problem.n_points), bool)
    covers[sites, points] = True
    covered = cross > 0
    is_open = problem.forced_open.copy()
    covered |= covers[is_open].any(axis=0)
    free = ~problem.forced_open & ~problem.forced_closed
    shares = [-np.inf] * int(is_open.sum())
    while len(shares) <= hi:
        shares.append(float(w[covered].sum()))
        gain = np.where(free & ~is_open, (covers & ~covered) @ w, -np.inf)
        s = int(np.argmax(gain))
        if not np.isfinite(gain[s]):
            break
        if gain[s] == 0.0:  # no site reaches a point not covered yet: each further site
            left = int((free & ~is_open).sum())  # (one share a site, as many as the loop
            shares += [shares[-1]] * min(left, hi + 1 - len(shares))  # would add) covers
            break  # the same. Why: sites_150 added its 150 sites one by one (25 ms a solve)
        is_open[s] = True
        covered |= covers[s]
    return shares


def _bound(problem: LocationProblem, reach: tuple[np.ndarray, np.ndarray], cross: np.ndarray,
           w: np.ndarray, n: int, deadline: float) -> float:
    """An upper bound on the share of orders any design with n open sites delivers within
    the days of `reach` (inf when the LP gives no prices: nothing is proven)."""
    mu = coverage_prices(problem, reach, cross, w, n, deadline)
    if mu is None:
        return np.inf
    return coverage_bound(problem, reach, cross, w, n, mu)


def coverage_prices(problem: LocationProblem, reach: tuple[np.ndarray, np.ndarray],
                    cross: np.ndarray, w: np.ndarray, n: int, deadline: float
                    ) -> np.ndarray | None:
    """The module docstring's prices mu >= 0 [z] from its LP for n sites (None when the LP
    gives none): any mu >= 0 gives a valid bound, the LP's the least.

    Within `kept_lps(kept)` (a WarmSolver's solves), the prices of an LP solved before over
    the same inputs (the pairs, cross-border, weights, count and forced sites, compared by a
    digest of their bytes) are that LP's again, not solved for again, and an LP that differs
    from a solved one only in its count or forced sites starts GLOP's dual simplex from the
    last basis of the same matrix (docs/optimizer.md, step 4 "Too few sites": either gives an
    optimal mu, so the LP's value). Why: each warm edit solved these LPs cold (next_day_80:
    two an edit, 0.02-0.04 CPU s each in HiGHS; 0.007 s each from the basis; BENCHMARKS.md,
    branch nextday12). Outside it (`optimize`) every LP is solved cold, as before, so a cold
    solve does not depend on what the process solved before."""
    kept = _KEPT.get()
    key = shape = basis = None
    if kept is not None:
        key = _inputs_key(problem, reach, cross, w, n)
        if key in kept.solved:
            kept.solved.move_to_end(key)
            return kept.solved[key].copy()
        shape = _inputs_key(problem, reach, cross, w, None)
        basis = kept.bases.get(shape)
    model = _coverage_model(problem, reach, cross, w, n)
    lp = solve_lp(model, deadline - time.perf_counter(), basis, dual_simplex=basis is not None)
    if lp.duals is None:
        return None
    mu = np.maximum(-lp.duals[:problem.n_points], 0.0)  # "<=" rows of a minimisation
    if kept is not None:
        kept.keep(key, mu.copy(), shape, lp.basis)
    return mu


class CoverageLps:
    """The coverage LPs one WarmSolver solved: prices by the digest of their inputs, and the
    last basis of each matrix (the inputs but the count and forced sites); the last KEEP
    of each."""

    KEEP = 32  # each a price per point (7 KB at 881 points) or a basis

    def __init__(self) -> None:
        self.solved: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.bases: OrderedDict[bytes, LpBasis] = OrderedDict()

    def keep(self, key: bytes, mu: np.ndarray, shape: bytes, basis: LpBasis | None) -> None:
        self.solved[key] = mu
        if basis is not None:
            self.bases[shape] = basis
            self.bases.move_to_end(shape)
        for kept in (self.solved, self.bases):
            while len(kept) > self.KEEP:
                kept.popitem(last=False)


_KEPT: ContextVar[CoverageLps | None] = ContextVar("coverage_lps", default=None)


@contextmanager
def kept_lps(kept: CoverageLps) -> Iterator[None]:
    """coverage_prices keeps its LPs in `kept` within this block (this thread's; the search's
    own threads solve theirs cold)."""
    token = _KEPT.set(kept)
    try:
        yield
    finally:
        _KEPT.reset(token)


def _inputs_key(problem: LocationProblem, reach: tuple[np.ndarray, np.ndarray],
                cross: np.ndarray, w: np.ndarray, n: int | None) -> bytes:
    """A digest of everything `_coverage_model` reads, with each array's dtype and length:
    equal digests mean the same LP (a 32-byte blake2b; its collisions are not a concern).
    With n None, of its matrix and objective alone (an LP that differs from it only in the
    count and the forced sites' bounds, whose basis stays dual feasible)."""
    arrays = [reach[0], reach[1], cross, w]
    if n is not None:
        arrays += [problem.forced_open, problem.forced_closed]
    return array_digest(np.array([-1 if n is None else n, problem.n_sites, problem.n_points],
                                 np.int64).tobytes(), *arrays)


def coverage_bound(problem: LocationProblem, reach: tuple[np.ndarray, np.ndarray],
                   cross: np.ndarray, w: np.ndarray, n: int, mu: np.ndarray) -> float:
    """The module docstring's bound at prices `mu` >= 0 (inf when n is outside the forced
    sites' limits: nothing to prove there)."""
    points, sites = reach
    score = np.bincount(sites, weights=mu[points], minlength=problem.n_sites)
    free = np.nonzero(~problem.forced_open & ~problem.forced_closed)[0]
    extra = n - int(problem.forced_open.sum())
    if extra < 0 or extra > len(free):
        return np.inf
    chosen = score[problem.forced_open].sum() + np.sort(score[free])[::-1][:extra].sum()
    return float(np.maximum(w - mu, 0.0).sum() + mu @ cross + chosen)


def _reach(problem: LocationProblem, within_days: int
           ) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """((points, sites) of the pairs with an option within the days, one entry per pair;
    cross-border within the days per point, 0/1)."""
    opt = problem.options
    fast = opt.days <= within_days
    at_site = fast & (opt.site != NO_SITE)
    pairs = np.sort(opt.point[at_site] * problem.n_sites + opt.site[at_site])
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]  # np.unique's, by a sort: numpy's
    # hashing np.unique (2.3 on) took 0.1 s on sites_150's 260,000 options, this 0.01 s
    cross = np.zeros(problem.n_points)
    cross[opt.point[fast & (opt.site == NO_SITE)]] = 1.0
    return (pairs // problem.n_sites, pairs % problem.n_sites), cross


def _coverage_model(problem: LocationProblem, reach: tuple[np.ndarray, np.ndarray],
                    cross: np.ndarray, w: np.ndarray, n: int) -> MipModel:
    """The LP of the module docstring as a minimisation: variables y (sites) then c (points);
    rows: one per point (c_z - sum y_s <= f_z), then the count."""
    points, sites = reach
    n_s, n_z = problem.n_sites, problem.n_points
    c0 = n_s
    a_row = np.concatenate([np.arange(n_z), points, np.full(n_s, n_z)])
    a_col = np.concatenate([c0 + np.arange(n_z), sites, np.arange(n_s)])
    a_val = np.concatenate([np.ones(n_z), -np.ones(len(points)), np.ones(n_s)])
    return MipModel(
        var_lb=np.concatenate([problem.forced_open.astype(float), np.zeros(n_z)]),
        var_ub=np.concatenate([(~problem.forced_closed).astype(float), np.ones(n_z)]),
        var_integer=np.zeros(n_s + n_z, bool), objective=np.concatenate([np.zeros(n_s), -w]),
        row_lb=np.concatenate([np.full(n_z, -np.inf), [n]]),
        row_ub=np.concatenate([cross, [n]]), a_row=a_row, a_col=a_col, a_val=a_val,
        n_sites=n_s, n_options=n_z, count_values=np.zeros(0), row_blocks=())
