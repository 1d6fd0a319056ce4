"""network/optimize/capacity_prices.py: the Lagrangian bound with capacity rows priced is a
lower bound at any prices (weak duality), its ascent keeps the multipliers >= 0, and where
capacity binds it proves more than the bound that drops capacity."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.optimize.capacity_prices import ascend_priced, priced_value
from network.optimize.lagrange import ascend, lagrange_data
from network.optimize.problem import Options, ShareRequirement

from random_problems import brute_force, random_problem

SEEDS = (1, 2, 3, 5)


def _with_count(problem, n):
    return replace(problem, min_sites=n, max_sites=n)


@pytest.mark.parametrize("seed", SEEDS)
def test_priced_bound_at_random_prices_stays_below_the_optimum(seed):
    """Any lambda, any sigma >= 0 and any m >= 0 give a bound no higher than brute force's
    best design with that count (tight capacities: 20-60% of the orders per site)."""
    problem = random_problem(seed)
    data = lagrange_data(problem)
    rng = np.random.default_rng(seed)
    for n in (1, 2, 3):
        exact = brute_force(_with_count(problem, n), count=n)
        for _ in range(20):
            lam = rng.uniform(0, 15, problem.n_points) * problem.orders_per_year
            sigma = rng.uniform(0, 50, len(problem.share_requirements))
            m = rng.uniform(0, 5, problem.n_sites)
            assert priced_value(problem, data, n, lam, sigma, m)[0] <= exact + 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_priced_ascent_stays_below_the_optimum_with_multipliers_at_least_zero(seed):
    """The ascent aimed above the optimum never passes it, and its multipliers (started
    negative here: projected) stay >= 0."""
    problem = random_problem(seed)
    data = lagrange_data(problem)
    every = np.ones(problem.n_sites, bool)
    for n in (1, 2, 3):
        exact = brute_force(_with_count(problem, n), count=n)
        if not np.isfinite(exact):
            continue  # no design with n sites: nothing to aim at
        lam = np.zeros(problem.n_points)
        sigma = np.zeros(len(problem.share_requirements))
        value, _, sigma, m = ascend_priced(problem, data, n, lam, sigma,
                                           -np.ones(problem.n_sites), every, exact * 1.01)
        assert value <= exact + 1e-6
        assert np.all(m >= 0) and np.all(sigma >= 0)


def test_pricing_capacity_proves_more_where_it_binds():
    """With one site (each holds at most 60% of the orders) and a share target of 0, the bound
    that drops capacity prices every order at a site; priced, the overflow pays cross-border
    and the bound rises, on every seed, and only sites given a multiplier get one."""
    for seed in SEEDS:
        problem = replace(random_problem(seed),
                          share_requirements=(ShareRequirement(2, 0.0),))
        data = lagrange_data(problem)
        exact = brute_force(_with_count(problem, 1), count=1)
        lam = np.zeros(problem.n_points)
        sigma = np.zeros(len(problem.share_requirements))
        plain = ascend(problem, data, 1, lam, sigma, exact)[0]
        some = np.arange(problem.n_sites) % 2 == 0
        value, _, _, m = ascend_priced(problem, data, 1, lam, sigma,
                                       np.zeros(problem.n_sites), np.ones(8, bool), exact)
        assert plain < value <= exact + 1e-6
        partial = ascend_priced(problem, data, 1, lam, sigma, np.zeros(problem.n_sites), some,
                                exact)[3]
        assert np.all(partial[~some] == 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_set_bound_stays_below_the_best_design_on_that_set(seed):
    """B(S) (capacity_sets.py: assignment kept, capacity and the share target priced) is no
    higher than brute force's best design with exactly the sites S open, from any starting
    prices, and is not -inf (the ascent ran)."""
    from network.optimize.site_sets import priced_set_bounds

    problem = random_problem(seed)
    rng = np.random.default_rng(seed)
    sets = np.array([[0, 1], [2, 5], [3, 4], [1, 6], [0, 7]])
    for m0, sigma0 in ((np.zeros(8), np.zeros(1)),
                       (rng.uniform(0, 5, 8), rng.uniform(0, 200, 1))):
        bounds = priced_set_bounds(problem, sets, m0, sigma0, deadline=np.inf)
        for s, bound in zip(sets, bounds, strict=True):
            exact = brute_force(_only(problem, s), count=2)
            assert np.isfinite(bound) and bound <= exact + 1e-6


def _only(problem, sites):
    """The problem where only `sites` can serve (the others' options dropped, their fixed cost
    prohibitive): brute force's best 2-site design is then the best with exactly `sites`."""
    opt = problem.options
    keep = (opt.site < 0) | np.isin(opt.site, sites)
    fixed = np.where(np.isin(np.arange(problem.n_sites), sites),
                     problem.fixed_cost_usd_per_year, 1e9)
    return replace(problem, fixed_cost_usd_per_year=fixed,
                   options=Options(opt.point[keep], opt.site[keep], opt.service[keep],
                                   opt.cost_usd_per_order[keep], opt.days[keep]))


def test_set_bound_of_a_set_that_cannot_serve_is_infinite():
    """Without cross-border, a set whose sites have no option for some point has no design:
    its bound is inf (valid, and it prunes the set), never nan."""
    from network.optimize.site_sets import priced_set_bounds

    problem = random_problem(1)
    opt = problem.options
    keep = (opt.site >= 0) & ~((opt.point == 0) & np.isin(opt.site, [0, 1]))
    cut = replace(problem, options=Options(opt.point[keep], opt.site[keep], opt.service[keep],
                                           opt.cost_usd_per_order[keep], opt.days[keep]))
    bounds = priced_set_bounds(cut, np.array([[0, 1], [2, 3]]), np.zeros(8), np.zeros(1),
                               deadline=np.inf)
    assert bounds[0] == np.inf and np.isfinite(bounds[1])


@pytest.mark.parametrize("seed", SEEDS)
def test_set_bound_of_no_site_and_without_targets_stays_below_brute_force(seed):
    """B(S) (site_sets.py) of the empty set (every point cross-border) and of a problem
    without share targets, from zero prices and from given ones, is finite and no higher than
    brute force's best design with exactly those sites (a target of 0 for brute force: the
    same designs as none)."""
    from network.optimize.site_sets import priced_set_bounds, set_bounds

    problem = random_problem(seed)
    zero_target = replace(problem, share_requirements=(ShareRequirement(2, 0.0),))
    untargeted = replace(problem, share_requirements=())
    rng = np.random.default_rng(seed)
    starts = ((None, None), (rng.uniform(0, 5, 8), rng.uniform(0, 200, 1)))
    for m0, sigma0 in starts:
        empty = priced_set_bounds(zero_target, np.zeros((1, 0), int), m0, sigma0)[0]
        assert np.isfinite(empty) and empty <= brute_force(zero_target, count=0) + 1e-6
    assert set_bounds(zero_target, [np.zeros(8, bool)])[0] <= brute_force(zero_target, count=0)
    sets = np.array([[0, 1], [2, 5], [3, 4]])
    for m0, sigma0 in ((None, None), (starts[1][0], np.zeros(0))):
        bounds = priced_set_bounds(untargeted, sets, m0, sigma0)
        for s, bound in zip(sets, bounds, strict=True):
            exact = brute_force(_only(zero_target, s), count=2)
            assert np.isfinite(bound) and bound <= exact + 1e-6
