"""Capacity rows priced in the Lagrangian bound L_n (lagrange.py) with their own multipliers.

Without them L_n drops the capacity rows (4), which keeps it valid but, where sites fill up,
far below the optimum: with 200M orders and at most 6 sites, L_n prices every order at a site
while only about half fit, and every count's bound then needs its LP with capacity rows.

Relax each capacity row sum_{p: s(p)=s} o_z x_p - Q_s y_s <= 0 too, with a multiplier
m_s >= 0. For every design meeting the row the added term m_s (load_s - Q_s y_s) is <= 0, so
the relaxed minimum is still a lower bound (weak duality). The added term is linear in x and
y, so the relaxation keeps its form: it is L_n of the same problem with
    option p at site s:  o_z c_p  ->  o_z c_p + m_s o_z      (each order at s pays m_s)
    site s:              F_s      ->  F_s - m_s Q_s           (an open site earns its capacity)
which `priced` builds (with Q_s raised by its slack, problem.capacity_slack: a design that
loads a site within ROW_TOLERANCE of Q_s over it is accepted, so the bound must hold for
it), so every use of L_n (its value, its reduced-cost filter, the design it points at) works
unchanged on the priced problem. Any m >= 0 with any lambda and sigma >= 0
gives a valid bound; the subgradient in m_s is load_s - Q_s y_s at the relaxed choice,
projected to m_s >= 0 (`ascend_priced`). docs/optimizer.md has the proof.

Only the sites whose capacity rows are in the model are priced (count_search.py adds them all
at once when a design overloads a site): a bound with capacity priced must not be compared
with a design of a model that lets sites overload.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from network.optimize.lagrange import AIM_ABOVE, MAX_STEPS, LagrangeData, relaxed_choice
from network.optimize.model import MipModel
from network.optimize.problem import NO_SITE, LocationProblem, capacity_slack


def priced(problem: LocationProblem, data: LagrangeData, m: np.ndarray
           ) -> tuple[LocationProblem, LagrangeData]:
    """The problem and Lagrangian data whose L_n is the bound with capacity rows priced at m
    (USD per order, one per site; 0 for a site without a row)."""
    opt = problem.options
    at_site = opt.site != NO_SITE
    extra = np.where(at_site, m[np.maximum(opt.site, 0)], 0.0) * problem.orders_per_year[
        opt.point]
    cost = data.cost + extra
    capacity = np.where(np.isfinite(problem.capacity_orders_per_year),
                        problem.capacity_orders_per_year, 0.0) + capacity_slack(problem)
    return (replace(problem, fixed_cost_usd_per_year=problem.fixed_cost_usd_per_year
                    - m * capacity),
            replace(data, cost=cost, po_cost=cost[data.pair_order]))


def capacity_mask(problem: LocationProblem, model: MipModel) -> np.ndarray:
    """[s] True for the sites whose capacity row is in `model` (and finite): the ones priced."""
    mask = np.zeros(problem.n_sites, bool)
    mask[list(model.capacity_sites)] = True
    return mask & np.isfinite(problem.capacity_orders_per_year) & (
        problem.capacity_orders_per_year > 0)


def capacity_multipliers(problem: LocationProblem, model: MipModel,
                         duals: np.ndarray | None) -> np.ndarray:
    """m from an LP's row prices of `model` (a capacity row is a "<=" row: its price is <= 0,
    in USD per order, and m_s is minus it); zeros without prices."""
    m = np.zeros(problem.n_sites)
    if duals is None or len(duals) != len(model.row_lb):
        return m
    for s in model.capacity_sites:
        row = model.rows_of(f"capacity[{s}]")
        if len(row):
            m[s] = max(0.0, -float(duals[row[0]]))
    return np.where(capacity_mask(problem, model), m, 0.0)


def priced_value(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
                 sigma: np.ndarray, m: np.ndarray
                 ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """L_n with capacity priced at m, and its subgradient (for lambda, sigma, and m: the load
    the relaxed choice puts on each site less its capacity if chosen)."""
    p_problem, p_data = priced(problem, data, m)
    found = relaxed_choice(p_problem, p_data, n, lam, sigma)
    if found is None:
        return np.inf, np.zeros_like(lam), np.zeros_like(sigma), np.zeros_like(m)
    opt = problem.options
    taken = found.options
    served = np.bincount(opt.point[taken], minlength=problem.n_points)
    g_lam = 1.0 - served
    g_sigma = data.shares - data.weight_fast[:, taken].sum(axis=1)
    at_site = taken[opt.site[taken] != NO_SITE]
    load = np.bincount(opt.site[at_site], problem.orders_per_year[opt.point[at_site]],
                       minlength=problem.n_sites)
    capacity = np.where(np.isfinite(problem.capacity_orders_per_year),
                        problem.capacity_orders_per_year, 0.0) + capacity_slack(problem)
    return found.value, g_lam, g_sigma, load - capacity * found.chosen


def ascend_priced(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
                  sigma: np.ndarray, m: np.ndarray, priced_sites: np.ndarray, target: float
                  ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """The best L_n with capacity priced found by subgradient steps from (lam, sigma, m),
    stopping once above `target`: (value, lam, sigma, m). Only `priced_sites` get a
    multiplier (the others stay at 0).

    The steps are Polyak steps (Held, Wolfe and Crowder 1974) as in lagrange.ascend, in
    m_s Q_s (USD per site's capacity) rather than m_s: the load's subgradient is in orders,
    millions of times the others, and would otherwise take every step."""
    capacity = np.where(priced_sites, problem.capacity_orders_per_year, 1.0)
    lam, sigma = lam.copy(), sigma.copy()
    mu = np.where(priced_sites, np.maximum(m, 0.0) * capacity, 0.0)
    best = -np.inf
    best_lam, best_sigma, best_mu = lam.copy(), sigma.copy(), mu.copy()
    step, stall = 2.0, 0
    aim = target + AIM_ABOVE * abs(target)
    for _ in range(MAX_STEPS):
        value, g_lam, g_sigma, g_load = priced_value(problem, data, n, lam, sigma,
                                                     mu / capacity)
        if not np.isfinite(value):
            return value, lam, sigma, mu / capacity
        if value > best + 1e-9 * abs(value):
            best, best_lam, best_sigma, best_mu, stall = (value, lam.copy(), sigma.copy(),
                                                          mu.copy(), 0)
        else:
            stall += 1
            if stall >= 5:
                step, stall = step / 2, 0
        if best >= target:
            break
        g_mu = np.where(priced_sites, g_load / capacity, 0.0)
        norm = g_lam @ g_lam + g_sigma @ g_sigma + g_mu @ g_mu
        if norm <= 0:
            break
        theta = step * max(aim - value, 1e-6 * abs(value)) / norm
        lam = lam + theta * g_lam
        sigma = np.maximum(0.0, sigma + theta * g_sigma)
        mu = np.maximum(0.0, mu + theta * g_mu)
    return best, best_lam, best_sigma, best_mu / capacity
