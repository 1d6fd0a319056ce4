"""Designs for a one-count window where capacity binds, from the sets its LP opens in part.

Why: with every site full (capacity_overflow_200m: 6 sites of 57 hold 54% of the orders) the
LP with capacity rows opens a dozen sites, 9 of them in part, and the 6 it opens most, assigned
under every row, were 0.39% above its bound where another choice among them was 0.23% above.
With the sites fixed the LP is almost exact, so each choice S is ranked by a bound B(S), and
the best few are assigned under every row (window_mip.fixed_sites_design).

B(S) keeps the assignment rows: every point takes one option among S and cross-border, with
capacity priced at m_s >= 0 per order and each share target at sigma_t >= 0:
    B(S) = F(S) + I_n - sum_{s in S} m_s Q_s + sum_t sigma_t a_t
           + sum_z min_{p at S or abroad} (o_z c_p + m_s(p) o_z - sum_{t met by p} sigma_t o_z/O)
For a design with open set S each added term m_s (load_s - Q_s) and sigma_t (a_t - share_t) is
<= 0, so B(S) is a lower bound on every design with open set S (weak duality; carrier shares
are left out, which only lowers it), and as strong as the LP with y fixed to S when the
subgradient steps (all sets at once) converge: the kept rows are integral. It only ranks the
sets here and stops the loop once no set can beat the incumbent; it proves nothing about the
window (a proof by sets would need every set of 6 of 57 bounded: at the LP's prices more than
20,000 lie within 0.1% of its bound, BENCHMARKS.md).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from network.optimize.capacity_prices import capacity_multipliers
from network.optimize.incumbent import Incumbent
from network.optimize.lagrange import initial_prices
from network.optimize.model import MipModel
from network.optimize.problem import NO_SITE, LocationProblem
from network.optimize.window_bounds import WindowState
from network.optimize.window_mip import fixed_sites_design

SET_PRICE_STEPS = 100
SET_AIM_ABOVE = 0.01  # Polyak steps aim this far over the best B(S) so far (relative)
SET_STALL = 5  # steps without a better B(S) before its step halves
BATCH = 400  # sets priced together (memory: BATCH x points x columns x classes floats)


def priced_set_bounds(problem: LocationProblem, sets: np.ndarray, m0: np.ndarray,
                      sigma0: np.ndarray, deadline: float) -> np.ndarray:
    """B(S) for each row of `sets` [K, n] (module docstring), the ascent started from
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
    m = np.where(has_cap, m0[idx], 0.0)
    sig = np.tile(sigma0[tables.order], (k_sets, 1)).astype(float)
    best = np.full(k_sets, -np.inf)
    col_of = np.repeat(np.arange(n + 1), n_t + 1)  # flat position -> column, class
    cls_of = np.tile(np.arange(n_t + 1), n + 1)
    weight_col = np.zeros((k_sets, n + 1))
    factor, stall = np.full(k_sets, 2.0), np.zeros(k_sets, int)
    last_best = np.full(k_sets, -np.inf)
    for _ in range(SET_PRICE_STEPS):
        weight_col[:, :n] = m
        bonus = np.concatenate([np.zeros((k_sets, 1)), np.cumsum(sig, axis=1)], axis=1) / total
        per_order = cost + weight_col[:, col_of][:, None, :] - bonus[:, cls_of][:, None, :]
        pick = np.argmin(per_order, axis=2)  # [K, z]
        least = np.take_along_axis(per_order, pick[:, :, None], axis=2)[:, :, 0]
        value = constant + least @ orders - (m * capacity).sum(axis=1) + sig @ tables.shares
        best = np.maximum(best, value)  # inf: some point has no option here, so no design
        col, cls = col_of[pick], cls_of[pick]
        load = np.stack([(col == j) @ orders for j in range(n)], axis=1)
        g_m = np.where(has_cap, (load - capacity) / np.maximum(capacity, 1.0), 0.0)
        g_sig = tables.shares[None, :] - np.stack(
            [(cls >= t + 1) @ tables.weight for t in range(n_t)], axis=1).reshape(k_sets, n_t)
        finite = np.isfinite(value)  # inf: no design on that set, and no step for it
        value_or_0 = np.where(finite, value, 0.0)
        improved = finite & (value_or_0 > last_best + 1e-9 * np.abs(value_or_0))
        stall = np.where(improved, 0, stall + 1)
        factor = np.where(stall >= SET_STALL, factor / 2, factor)
        stall = np.where(stall >= SET_STALL, 0, stall)
        last_best = np.maximum(last_best, value)
        # Polyak steps (as lagrange.ascend) in m_s Q_s and sigma_t, aimed SET_AIM_ABOVE over the
        # best so far: the subgradients (load_s - Q_s) / Q_s and a_t - share_t are then of one
        # scale
        aim = np.where(finite, best + SET_AIM_ABOVE * np.abs(np.where(finite, best, 0.0)), 0.0)
        norm = (g_m ** 2).sum(axis=1) + (g_sig ** 2).sum(axis=1)
        room = np.where(finite & np.isfinite(aim), np.maximum(aim - value_or_0, 0.0), 0.0)
        theta = np.where(norm > 0, factor * room / np.maximum(norm, 1e-30), 0.0)
        m = np.maximum(0.0, m + theta[:, None] * g_m / np.maximum(capacity, 1.0))
        sig = np.maximum(0.0, sig + theta[:, None] * g_sig)
    return best


MAX_SUPPORT_SETS = 1_000  # sets of the LP's sites ranked by B(S)
SUPPORT_SET_DESIGNS = 6  # of which the best this many are assigned (fixed_sites_design)


def support_set_designs(problem: LocationProblem, full: MipModel, window: WindowState,
                        best: Incumbent, relative_gap: float, deadline: float) -> None:
    """Offer `best` designs on the sets of n sites the window's LP (with capacity rows)
    opens at least in part: every site it opens fully, and each choice of the rest among the
    sites it opens in part (the most open ones, at most MAX_SUPPORT_SETS sets), the
    SUPPORT_SET_DESIGNS sets of least B(S) each assigned under every row.

    Why: that LP opens a dozen sites a little (capacity_overflow_200m: 12 for 6), and the n it
    opens most are not the best choice among them (module docstring); B(S) (the LP with the
    sites fixed, by prices) ranks the choices, all at once."""
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
