"""lagrange.py's L_n from each (point, site) pair's sigma part kept per sigma
(lagrange.priced_pairs): the same value and relaxed choice as the formula priced option by
option, the sigma part priced once per sigma, and a copy of the data with other costs
(dataclasses.replace, as capacity_prices does) not answered from the original's kept part."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.optimize import lagrange
from network.optimize.lagrange import lagrange_data, lagrangian_value, relaxed_choice
from network.optimize.problem import CarrierBound, Options

from random_problems import random_problem


def _two_services(seed: int):
    """random_problem with a second, dearer and faster service per (point, site) pair and a
    carrier carrying the second services at most 40% of the time: pairs of two options and
    two coupling rows."""
    base = random_problem(seed, n_sites=6, n_points=9)
    o = base.options
    at = o.site >= 0
    point = np.r_[o.point, o.point[at]]
    site = np.r_[o.site, o.site[at]]
    service = np.r_[np.where(at, 0, -1), np.ones(int(at.sum()), int)]
    rng = np.random.default_rng(seed)
    cost = np.r_[o.cost_usd_per_order, o.cost_usd_per_order[at] * rng.uniform(1.0, 1.6, at.sum())]
    days = np.r_[o.days, np.maximum(o.days[at] - 1, 1)].astype(np.int32)
    order = np.lexsort((service, site, cost, point))
    options = Options(point[order], site[order], service[order], cost[order], days[order])
    carrier = CarrierBound("B", (service[order] == 1).astype(float), None, 0.4)
    return replace(base, options=options, carrier_bounds=(carrier,))


def _direct(problem, n, lam, sigma):
    """L_n option by option (lagrange's module docstring), and each chosen site's options
    taken (the first of least r in each pair with a negative least)."""
    a, b = lagrange.coupling_rows(problem)
    b = b - lagrange.SHARE_SLACK
    opt = problem.options
    cost = problem.orders_per_year[opt.point] * opt.cost_usd_per_order
    r = cost - lam[opt.point] - sigma @ a
    value = problem.fixed_cost_usd_per_year.copy()
    least = {}
    for p in np.nonzero(opt.site >= 0)[0]:
        key = (int(opt.point[p]), int(opt.site[p]))
        if key not in least or r[p] < r[least[key]]:
            least[key] = p
    for (_, s), p in least.items():
        value[s] += min(0.0, r[p])
    chosen = np.argsort(value, kind="stable")[:n]
    cross = np.minimum(r[opt.site < 0], 0.0).sum()
    total = lam.sum() + sigma @ b + cross + value[chosen].sum() + (
        problem.inventory_usd_by_count[n])
    taken = sorted(p for (_, s), p in least.items() if s in set(chosen) and r[p] < 0)
    return total, taken


@pytest.mark.parametrize("seed", range(1, 7))
def test_l_n_from_kept_pair_prices_is_the_formula(seed, monkeypatch):
    """At one sigma and four lambdas, L_n and the site options the relaxed choice takes are
    the formula's, the site options priced by sigma once (not per evaluation); data with 1.5
    times the costs gives L_n of 1.5 times the orders, not the kept part of the first."""
    problem = _two_services(seed)
    data = lagrange_data(problem)
    rng = np.random.default_rng(seed)
    priced = []
    real = lagrange.priced_rows
    monkeypatch.setattr(lagrange, "priced_rows",
                        lambda s, rows: priced.append(rows.shape) or real(s, rows))
    sigma = rng.uniform(0.0, 40.0, 2)
    for _ in range(4):  # the same sigma, other lambdas: its pairs' part priced once
        lam = rng.uniform(0.0, 60.0, problem.n_points)
        for n in (1, 3):
            value, _, _ = lagrangian_value(problem, data, n, lam, sigma)
            expected, taken = _direct(problem, n, lam, sigma)
            assert value == pytest.approx(expected, rel=1e-12, abs=1e-9)
            found = relaxed_choice(problem, data, n, lam, sigma)
            site_taken = [p for p in found.options if problem.options.site[p] >= 0]
            assert sorted(site_taken) == taken
    assert sum(shape == data.po_fast.shape for shape in priced) == 1
    dearer = replace(data, cost=data.cost * 1.5, po_cost=data.po_cost * 1.5)
    assert not dearer.priced
    lam = rng.uniform(0.0, 60.0, problem.n_points)
    scaled = replace(problem, orders_per_year=problem.orders_per_year * 1.5)
    assert lagrangian_value(problem, dearer, 3, lam, sigma)[0] == pytest.approx(
        _direct(scaled, 3, lam, sigma)[0], rel=1e-12, abs=1e-9)
