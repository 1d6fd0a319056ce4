"""The share rows priced in the Lagrangian (share_prices.py) and the coverage bound
(coverage.py): every bound they give stays at or below the true optimum found by brute force,
and the 1-D search stops where the relaxed share crosses its target."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import pytest

from network.evaluate import ROW_TOLERANCE
from network.optimize import coverage, share_prices
from network.optimize.lagrange import lagrange_data, lagrangian_value
from network.optimize.problem import CarrierBound, ShareRequirement

from random_problems import brute_force, random_problem


def _with_carrier(problem, seed: int, min_share=None, max_share=None):
    """A carrier "B" carrying a random share (0, 1/2 or 1) of each site option's parcels."""
    rng = np.random.default_rng(seed)
    shipped = problem.options.site >= 0
    fraction = np.where(shipped, rng.choice([0.0, 0.5, 1.0], len(problem.options)), 0.0)
    return replace(problem, carrier_bounds=(CarrierBound("B", fraction, min_share, max_share),))


def _uncapacitated(seed: int):
    problem = random_problem(seed)
    return replace(problem, capacity_orders_per_year=np.full(problem.n_sites, np.inf))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("carrier", [None, "min", "max"])
def test_priced_share_rows_stay_below_the_optimum(seed, carrier):
    """From zero prices and from random ones, with a share target and a carrier's minimum or
    maximum share, the ascent's bound for n sites (share prices by 1-D searches, or by joint
    scaled steps) never exceeds brute force's best design with n sites (weak duality), even
    when it aims far above it."""
    problem = _uncapacitated(seed)
    if carrier == "min":
        problem = _with_carrier(problem, seed, min_share=0.4)
    elif carrier == "max":
        problem = _with_carrier(problem, seed, max_share=0.5)
    data = lagrange_data(problem)
    rng = np.random.default_rng(seed)
    n_rows = len(data.shares)
    for n in range(1, 5):
        exact = brute_force(replace(problem, min_sites=n, max_sites=n), count=n)
        starts = [(np.zeros(problem.n_points), np.zeros(n_rows)),
                  (rng.uniform(0, 60, problem.n_points), rng.uniform(0, 200, n_rows))]
        for lam, sigma in starts:
            aim = exact * 1.5 if np.isfinite(exact) else 1e9
            for climb in (share_prices.ascend, share_prices.ascend_joint):
                value, lam_out, sigma_out = climb(problem, data, n, lam, sigma, aim)
                assert np.all(sigma_out >= 0)
                assert value <= exact + 1e-6 * max(1.0, abs(exact))
                again = lagrangian_value(problem, data, n, lam_out, sigma_out)[0]
                assert again == pytest.approx(value, rel=1e-9, abs=1e-9)  # its prices'


@pytest.mark.parametrize("seed", [1, 2, 3, 5, 8])
def test_share_price_search_stops_where_the_relaxed_share_crosses_the_target(seed):
    """The price found maximises L_n along that price (checked on a grid), and there the
    relaxed subproblem's share crosses the right-hand side: short just below it, met just
    above it (or met already at price 0)."""
    problem = _with_carrier(_uncapacitated(seed), seed, min_share=0.5)
    data = lagrange_data(problem)
    rng = np.random.default_rng(seed)
    lam = rng.uniform(0, 60, problem.n_points)
    sigma = rng.uniform(0, 50, len(data.shares))
    n = 3
    for t in range(len(sigma)):
        value, price = share_prices.best_share_price(problem, data, n, lam, sigma, t)

        def at(s, t=t):
            trial = sigma.copy()
            trial[t] = s
            v, _, g = lagrangian_value(problem, data, n, lam, trial)
            return v, g[t]  # g: right-hand side less the relaxed share

        assert value == pytest.approx(at(price)[0], rel=1e-12)
        grid = np.concatenate([np.linspace(0, 4 * max(price, 1.0), 400), [price * 1.001]])
        assert value >= max(at(s)[0] for s in grid) - 1e-7 * abs(value)
        step = 1e-6 * max(price, 1.0)
        if price > 0:
            assert at(price - step)[1] >= -1e-12  # short (or just met) below the price
        assert at(price + step)[1] <= 1e-12  # met above it


def _best_share(problem, n: int, within_days: int) -> float:
    """The largest share of orders within `within_days` over every set of n sites (each point
    at its fastest option among the open sites and cross-border)."""
    opt = problem.options
    w = problem.orders_per_year / problem.orders_per_year.sum()
    best = 0.0
    for sites in itertools.combinations(range(problem.n_sites), n):
        usable = (opt.site < 0) | np.isin(opt.site, sites)
        fast = usable & (opt.days <= within_days)
        best = max(best, float(w[np.unique(opt.point[fast])].sum()))
    return best


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_coverage_bound_is_above_every_designs_share(seed):
    """The bound on the share n sites can deliver within the days is at or above the best
    any n sites reach (brute force), at the LP's prices and at random ones; and every count
    `least_count` rules out has no design meeting the target."""
    problem = random_problem(seed, n_points=12)
    rng = np.random.default_rng(seed)
    w = problem.orders_per_year / problem.orders_per_year.sum()
    for days in (1, 2):
        reach, cross = coverage._reach(problem, days)
        for n in range(0, 5):
            best = _best_share(problem, n, days)
            lp = coverage._bound(problem, reach, cross, w, n, deadline=time.perf_counter() + 60)
            assert lp >= best - 1e-9
            mu = rng.uniform(0, 1, problem.n_points) * w * 2
            assert coverage.coverage_bound(problem, reach, cross, w, n, mu) >= best - 1e-9
        share = _best_share(problem, 3, days) + 0.01  # out of reach for 3 sites
        hard = replace(problem, share_requirements=(ShareRequirement(days, min(share, 1.0)),))
        first = coverage.least_count(hard, 0, 8, deadline=time.perf_counter() + 60)
        for n in range(first):
            assert _best_share(hard, n, days) < min(share, 1.0) - ROW_TOLERANCE


@pytest.mark.parametrize("seed", range(1, 9))
def test_greedy_shares_equal_adding_every_site_one_by_one(seed):
    """coverage._greedy_shares stops adding sites once none reaches a point not covered yet,
    and gives the list that adding every free site one by one gives (forced sites and count
    limits included)."""
    problem = random_problem(seed, n_sites=8, n_points=5)
    rng = np.random.default_rng(seed)
    forced_open = rng.random(problem.n_sites) < 0.2
    forced_closed = ~forced_open & (rng.random(problem.n_sites) < 0.2)
    problem = replace(problem, forced_open=forced_open, forced_closed=forced_closed)
    w = problem.orders_per_year / problem.orders_per_year.sum()
    for days, hi in itertools.product((1, 2, 3), (0, 3, problem.n_sites)):
        reach, cross = coverage._reach(problem, days)
        assert coverage._greedy_shares(problem, reach, cross, w, hi) == _one_by_one(
            problem, reach, cross, w, hi)


def _one_by_one(problem, reach, cross, w, hi):
    covers = np.zeros((problem.n_sites, problem.n_points), bool)
    covers[reach[1], reach[0]] = True
    is_open = problem.forced_open.copy()
    covered = (cross > 0) | covers[is_open].any(axis=0)
    free = ~problem.forced_open & ~problem.forced_closed
    shares = [-np.inf] * int(is_open.sum())
    while len(shares) <= hi:
        shares.append(float(w[covered].sum()))
        gain = np.where(free & ~is_open, (covers & ~covered) @ w, -np.inf)
        if not np.isfinite(gain.max()):
            break
        is_open[int(np.argmax(gain))] = True
        covered |= covers[int(np.argmax(gain))]
    return shares
