"""A one-count window where capacity binds, searched by its open-site sets.

Used now for designs only (`support_set_designs`: the sets the window's LP opens, ranked by
B(S) below, each assigned under every row by window_mip.fixed_sites_design); the candidate
listing of step 1 is kept for the proof it could give, which does not pay yet: at the LP's
prices of capacity_overflow_200m's 6-site window more than MAX_CANDIDATES sets lie within
0.1% of the LP bound (a dozen sites have a zero reduced cost), BENCHMARKS.md.

Why: with every site full (capacity_overflow_200m: 6 sites of 57 hold 54% of the orders) the
LP with capacity rows opens a dozen sites fractionally and stays 0.3-0.6% below the best
design, and the window's MIP does not close that in minutes. With the sites fixed, though, the
LP is almost exact. So the window is split by its set S of open sites, each set bounded alone.

1. Candidate sets from the window's Lagrangian prices (lagrange.py with capacity priced,
   capacity_prices.py): with the assignment, target, carrier and capacity rows relaxed, the
   relaxation with y fixed to S is
       L(S) = K + sum_{s in S} v_s + I_n,
   K the sum of the point and row terms and v_s the priced site values (lagrange.site_values),
   a valid bound on every design whose open set is S (weak duality, as L_n). Every set with
   L(S) below the target (the incumbent less the gap) is listed by a depth-first walk over the
   sites sorted by v_s; every other set has L(S) >= target.
2. Each listed set gets a second bound B(S) with the assignment rows kept: every point takes
   one option among S and cross-border, capacity priced at m_s >= 0 per order and each share
   target at sigma_t >= 0, a few subgradient steps in (m, sigma) for all sets at once:
       B(S) = F(S) + I_n - sum_{s in S} m_s Q_s + sum_t sigma_t a_t
              + sum_z min_{p at S or abroad} (o_z c_p + m_s(p) o_z - sum_{t met by p} sigma_t o_z/O)
   valid for any m, sigma >= 0 (weak duality: for a design with set S each added term
   m_s (load_s - Q_s) and sigma_t (a_t - share_t) is <= 0), and as strong as the LP with y
   fixed to S when the steps converge (the kept rows are integral). Carrier shares are left
   out, which only lowers it.
3. Sets in the order of max(L, B) are solved as MIPs with their sites fixed
   (site_sets.solve_set) until the next bound reaches the target.
The window's bound is then min(target, the least bound of the sets not solved, each solved
set's MIP bound): every set is in one of those three groups.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from network.optimize.capacity_prices import capacity_multipliers, priced
from network.optimize.incumbent import Incumbent
from network.optimize.lagrange import LagrangeData, initial_prices, relaxed_choice, site_values
from network.optimize.model import MipModel
from network.optimize.problem import NO_SITE, LocationProblem
from network.optimize.window_bounds import WindowState
from network.optimize.window_mip import fixed_sites_design

MAX_CANDIDATES = 20_000  # listed sets; beyond, the prices are too far from the optimum to pay
SET_PRICE_STEPS = 60
BATCH = 400  # sets priced together (memory: BATCH x points x columns x classes floats)


@dataclass
class CandidateSets:
    """Open sets of one count whose Lagrangian bound lies below `target`, with those bounds;
    `complete` False when there were more than MAX_CANDIDATES (then nothing is proven)."""

    sets: np.ndarray  # [K, n] site indices
    bounds: np.ndarray  # [K]
    target: float
    complete: bool = True
    priced: np.ndarray | None = field(default=None, repr=False)  # [K] B(S), once computed


def candidate_sets(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
                   sigma: np.ndarray, m: np.ndarray | None, target: float) -> CandidateSets:
    """Every set of n open sites (forced ones in, forced-closed out) with L(S) < target at
    these prices (module docstring, step 1)."""
    at_prices, at_data = (problem, data) if m is None else priced(problem, data, m)
    found = relaxed_choice(at_prices, at_data, n, lam, sigma)
    empty = np.zeros((0, n), int)
    if found is None:
        return CandidateSets(empty, np.zeros(0), target)
    v = site_values(at_prices, at_data, lam, sigma)
    constant = found.value - v[found.chosen].sum()  # K + I_n
    forced = np.nonzero(problem.forced_open)[0]
    free = np.nonzero(~problem.forced_open & ~problem.forced_closed)[0]
    free = free[np.argsort(v[free], kind="stable")]
    base = constant + v[forced].sum()
    extra = n - len(forced)
    if extra < 0 or extra > len(free):
        return CandidateSets(empty, np.zeros(0), target)
    values = v[free]
    # least sum of the k cheapest values from position i on: the walk's pruning bound
    sets: list[list[int]] = []
    bounds: list[float] = []
    complete = _walk(values, extra, base, target, sets, bounds)
    chosen = np.array([np.r_[forced, free[s]] for s in sets], int).reshape(-1, n)
    return CandidateSets(chosen, np.array(bounds), target, complete)


def _walk(values: np.ndarray, k: int, base: float, target: float, sets: list[list[int]],
          bounds: list[float]) -> bool:
    """Depth-first over sets of k positions of the ascending `values` with base + sum below
    target; False when more than MAX_CANDIDATES were found (stopped)."""
    n_v = len(values)
    cum = np.concatenate([[0.0], np.cumsum(values)])

    def least(i: int, left: int) -> float:  # the left cheapest from position i on
        return cum[i + left] - cum[i]

    stack: list[tuple[int, int, float, list[int]]] = [(0, k, base, [])]
    while stack:
        i, left, total, picked = stack.pop()
        if left == 0:
            sets.append(picked)
            bounds.append(total)
            if len(sets) > MAX_CANDIDATES:
                return False
            continue
        for j in range(n_v - left, i - 1, -1):  # pushed in reverse: cheapest popped first
            if total + least(j, left) >= target:
                continue
            stack.append((j + 1, left - 1, total + values[j], picked + [j]))
    return True


def priced_set_bounds(problem: LocationProblem, sets: np.ndarray, m0: np.ndarray,
                      sigma0: np.ndarray, deadline: float) -> np.ndarray:
    """B(S) for each row of `sets` [K, n] (module docstring, step 2), the ascent started from
    the window's prices (m0 per site, sigma0 of the share targets, the carrier rows' dropped);
    -inf where time ran out (so nothing is proven about those sets)."""
    out = np.full(len(sets), -np.inf)
    if not len(sets):
        return out
    tables = _option_tables(problem)
    for first in range(0, len(sets), BATCH):
        if time.perf_counter() >= deadline:
            break
        idx = sets[first:first + BATCH]
        out[first:first + BATCH] = _ascend_sets(problem, tables, idx, m0, sigma0)
    return out


@dataclass(frozen=True)
class _Tables:
    """Per point and column (each site, then cross-border), the cheapest cost per order of an
    option meeting exactly k of the share targets (the targets sorted by days, longest first:
    an option meets the k longest), inf where none."""

    cost: np.ndarray  # [z, s + 1, T + 1]
    shares: np.ndarray  # [T] a_t, in the same (longest first) order
    order: np.ndarray  # [T] position in problem.share_requirements of each
    weight: np.ndarray  # [z] o_z / O


def _option_tables(problem: LocationProblem) -> _Tables:
    opt = problem.options
    order = np.argsort([-t.within_days for t in problem.share_requirements], kind="stable")
    targets = [problem.share_requirements[i] for i in order]
    met = sum((opt.days <= t.within_days).astype(int) for t in targets) if targets else (
        np.zeros(len(opt), int))
    column = np.where(opt.site == NO_SITE, problem.n_sites, opt.site)
    cost = np.full((problem.n_points, problem.n_sites + 1, len(targets) + 1), np.inf)
    np.minimum.at(cost, (opt.point, column, met), opt.cost_usd_per_order)
    return _Tables(cost, np.array([t.share for t in targets], float), order.astype(int),
                   problem.orders_per_year / problem.orders_per_year.sum())


def _ascend_sets(problem: LocationProblem, tables: _Tables, idx: np.ndarray,
                 m0: np.ndarray, sigma0: np.ndarray) -> np.ndarray:
    """The best B(S) over SET_PRICE_STEPS subgradient steps for the sets `idx` [K, n], from
    m0 (USD per order, per site) and sigma0 (USD per share of orders, per target in
    problem.share_requirements' order)."""
    orders = problem.orders_per_year
    total = orders.sum()
    k_sets, n = idx.shape
    n_t = len(tables.shares)
    capacity = np.where(np.isfinite(problem.capacity_orders_per_year),
                        problem.capacity_orders_per_year, 0.0)[idx]  # [K, n]
    has_cap = capacity > 0
    columns = np.concatenate([idx, np.full((k_sets, 1), problem.n_sites)], axis=1)
    cost = tables.cost[:, columns, :].transpose(1, 0, 2, 3).reshape(k_sets, len(orders), -1)
    constant = (problem.fixed_cost_usd_per_year[idx].sum(axis=1)
                + problem.inventory_usd_by_count[n])
    finite = tables.cost[np.isfinite(tables.cost)]
    scale = float(np.median(finite)) if finite.size else 1.0  # USD per order
    m = np.where(has_cap, m0[idx], 0.0)
    sig = np.tile(sigma0[tables.order], (k_sets, 1)).astype(float)
    best = np.full(k_sets, -np.inf)
    col_of = np.repeat(np.arange(n + 1), n_t + 1)  # flat position -> column, class
    cls_of = np.tile(np.arange(n_t + 1), n + 1)
    weight_col = np.zeros((k_sets, n + 1))
    for step in range(SET_PRICE_STEPS):
        weight_col[:, :n] = m
        bonus = np.concatenate([np.zeros((k_sets, 1)), np.cumsum(sig, axis=1)], axis=1) / total
        per_order = cost + weight_col[:, col_of][:, None, :] - bonus[:, cls_of][:, None, :]
        pick = np.argmin(per_order, axis=2)  # [K, z]
        least = np.take_along_axis(per_order, pick[:, :, None], axis=2)[:, :, 0]
        value = constant + least @ orders - (m * capacity).sum(axis=1) + sig @ tables.shares
        best = np.maximum(best, np.where(np.isfinite(value), value, -np.inf))
        col, cls = col_of[pick], cls_of[pick]
        load = np.stack([(col == j) @ orders for j in range(n)], axis=1)
        g_m = np.where(has_cap, (load - capacity) / np.maximum(capacity, 1.0), 0.0)
        g_sig = tables.shares[None, :] - np.stack(
            [(cls >= t + 1) @ tables.weight for t in range(n_t)], axis=1).reshape(k_sets, n_t)
        rate = 0.5 / (1 + step) ** 0.7
        m = np.maximum(0.0, m + rate * scale * g_m)
        sig = np.maximum(0.0, sig + rate * scale * total * g_sig)
    return best


MAX_SUPPORT_SETS = 1_000  # sets of the LP's sites ranked by B(S)
SUPPORT_SET_DESIGNS = 3  # of which the best this many are assigned (fixed_sites_design)


def support_set_designs(problem: LocationProblem, full: MipModel, window: WindowState,
                        best: Incumbent, relative_gap: float, deadline: float) -> None:
    """Offer `best` designs on the sets of n sites the window's LP (with capacity rows)
    opens at least in part: every site it opens fully, and each choice of the rest among the
    sites it opens in part (the most open ones, at most MAX_SUPPORT_SETS sets), the
    SUPPORT_SET_DESIGNS sets of least B(S) each assigned under every row.

    Why: that LP opens a dozen sites a little (capacity_overflow_200m: 12 for 6), and the n
    it opens most were 0.6% above its bound where another choice among them was within 0.03%
    of it; B(S) (the LP with the sites fixed, by prices) ranks the choices in a second."""
    if window.lo != window.hi or window.lp_values is None or window.duals is None:
        return
    n = window.lo
    y = window.lp_values[full.y]
    sure = problem.forced_open | ((y >= 1 - 1e-6) & ~problem.forced_closed)
    need = n - int(sure.sum())
    part = np.nonzero(~sure & ~problem.forced_closed & (y > 1e-6))[0]
    part = part[np.argsort(-y[part], kind="stable")]
    if need < 0 or need > len(part):
        return
    while len(part) > need and math.comb(len(part), need) > MAX_SUPPORT_SETS:
        part = part[:-1]
    base = np.nonzero(sure)[0]
    sets = np.array([np.r_[base, c] for c in itertools.combinations(part.tolist(), need)],
                    int).reshape(-1, n)
    m = capacity_multipliers(problem, full, window.duals)
    sigma = initial_prices(full, window.duals)[1][:len(problem.share_requirements)]
    bounds = priced_set_bounds(problem, sets, m, sigma, deadline)
    for k in np.argsort(bounds, kind="stable")[:SUPPORT_SET_DESIGNS]:
        if bounds[k] >= best.objective * (1 - relative_gap) or time.perf_counter() >= deadline:
            break  # no design on this set (or a later one) can beat the incumbent by the gap
        is_open = np.zeros(problem.n_sites, bool)
        is_open[sets[k]] = True
        fixed_sites_design(problem, full, is_open, best, relative_gap / 10, deadline)
