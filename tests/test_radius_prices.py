"""Benders on the radius form with the share price searched (network/optimize/radius_prices.py)
against the window's LP (HiGHS over every option) and brute force, on small random problems:
its prices give L_n at the LP's value, never above the optimum of the count."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from network.optimize import radius_prices
from network.optimize.lagrange import lagrange_data, lagrangian_value
from network.optimize.model import build_model, loosened
from network.optimize.problem import ShareRequirement
from network.optimize.window_bounds import WindowState, bound_window

from random_problems import brute_force, random_problem


def _window_lp(problem, n: int) -> float:
    """The window's LP value with its share rows loosened by their slack: the rows L_n
    bounds (lagrange.py: every design incumbent.offer accepts)."""
    window = WindowState(n, n)
    model = loosened(build_model(problem, (), (0, problem.n_sites)))
    bound_window(model, window, time.perf_counter() + 60)
    return window.lp_upper  # None: the LP is infeasible


def _variants(seed: int):
    """The random problem (one share target), without its target, with a site forced open
    and one forced closed, and without cross-border options."""
    problem = replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf))
    yield problem
    yield replace(problem, share_requirements=())
    forced_open, forced_closed = np.zeros(8, bool), np.zeros(8, bool)
    forced_open[seed % 8], forced_closed[(seed + 3) % 8] = True, True
    yield replace(problem, forced_open=forced_open, forced_closed=forced_closed)
    opt = problem.options
    keep = opt.site >= 0
    yield replace(problem, options=replace(opt, point=opt.point[keep], site=opt.site[keep],
                                           service=opt.service[keep],
                                           cost_usd_per_order=opt.cost_usd_per_order[keep],
                                           days=opt.days[keep]))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_radius_prices_reach_the_window_lp_and_stay_below_the_optimum(seed):
    """For every count: L_n at radius_prices' (lambda, sigma) is within 1e-6 of the window's
    LP value (the Lagrangian dual's maximum: the master converged and the share price search
    found its best), never above it, and at most brute force's optimum with that count (a
    valid bound; brute_force ignores forced sites, so not for that variant)."""
    checked = 0
    for problem in _variants(seed):
        data = lagrange_data(problem)
        lo = max(1, int(problem.forced_open.sum()))
        for n in range(lo, 7):
            found = radius_prices.radius_prices(problem, data, n, time.perf_counter() + 60)
            lp = _window_lp(problem, n)
            met = problem.share_requirements or (ShareRequirement(2, 0.0),)  # brute_force's
            exact = brute_force(replace(problem, min_sites=n, max_sites=n,  # form of no target
                                        share_requirements=met), count=n)
            if lp is None:  # the LP is infeasible: no design has n sites
                assert problem.forced_open.any() or not np.isfinite(exact)
                continue
            assert found is not None
            value = lagrangian_value(problem, data, n, *found)[0]
            assert found[1].shape == (len(problem.share_requirements),)
            assert np.all(found[1] >= 0)
            assert value <= lp + 1e-9 * abs(lp)  # L_n never above the LP's value
            if not problem.forced_open.any():  # brute_force knows no forced sites
                assert value <= exact + 1e-6 * abs(exact)
            assert value == pytest.approx(lp, rel=1e-6)
            checked += 1
    assert checked >= 12


def test_radius_prices_from_a_design_and_a_poor_guess_reach_the_same_value():
    """The design's sites only start the master (its first cuts) and the share price's
    search; from no design, or from a wrong one, the value is the same."""
    problem = replace(random_problem(5), capacity_orders_per_year=np.full(8, np.inf))
    data = lagrange_data(problem)
    values = []
    for sites in (None, np.arange(8) < 3, np.arange(8) >= 5):
        for guess in (None, 1e-3, 1e4):
            found = radius_prices.radius_prices(problem, data, 3, time.perf_counter() + 60,
                                                sites, sigma_guess=guess and np.array([guess]))
            values.append(lagrangian_value(problem, data, 3, *found)[0])
    assert max(values) - min(values) <= 1e-6 * abs(max(values))


@pytest.mark.parametrize("seed", [1, 3])
def test_cut_pairs_kept_from_other_problems_and_counts_reach_the_window_lp(seed):
    """`kept` receives each count's binding (point, source) pairs, and pairs kept from
    another problem over the same points and sites (another variant: no target, forced
    sites, no cross-border) and from another count start the master to the same value: the
    window's LP, never above it. Pairs that index no source of this problem are dropped."""
    variants = list(_variants(seed))
    checked = 0
    for source in variants[:3]:
        kept: dict = {}
        for n in (2, 4):
            radius_prices.radius_prices(source, lagrange_data(source), n,
                                        time.perf_counter() + 60, kept=kept)
        assert set(kept) == {2, 4}
        assert all(np.bincount(z, minlength=source.n_points).all() for z, _ in kept.values())
        kept[4] = (np.r_[kept[4][0], 0, -1], np.r_[kept[4][1], 99, 0])  # no such source
        for problem in variants:
            data = lagrange_data(problem)
            for n in (3, 4):  # 3: no pairs of its own, those of 2 (the nearest, fewer sites)
                lp = _window_lp(problem, n)
                found = radius_prices.radius_prices(problem, data, n, time.perf_counter() + 60,
                                                    kept=dict(kept))
                if lp is None:
                    continue
                value = lagrangian_value(problem, data, n, *found)[0]
                assert value <= lp + 1e-9 * abs(lp)
                assert value == pytest.approx(lp, rel=1e-6)
                checked += 1
    assert checked >= 20


@pytest.mark.parametrize("seed", [6, 7])
def test_radius_prices_with_two_targets_price_both_and_stay_below_the_lp(seed):
    """Two share targets (next_day_35_3day_95's form): a price for each row, each >= 0; L_n at
    them never above the window's LP with both rows, and not below L_n at the one-target
    search's prices (where the coordinate search starts, the second row priced 0)."""
    one = replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf))
    first = one.share_requirements[0]
    two = replace(one, share_requirements=(first, ShareRequirement(
        first.within_days + 1, min(0.95, first.share + 0.15))))
    data, checked = lagrange_data(two), 0
    for n in range(1, 7):
        lp = _window_lp(two, n)
        found = radius_prices.radius_prices(two, data, n, time.perf_counter() + 60)
        if lp is None:
            continue
        assert found is not None and found[1].shape == (2,) and np.all(found[1] >= 0)
        value = lagrangian_value(two, data, n, *found)[0]
        assert value <= lp + 1e-9 * abs(lp)
        alone = radius_prices.radius_prices(one, lagrange_data(one), n,
                                            time.perf_counter() + 60)
        start = lagrangian_value(one, lagrange_data(one), n, *alone)[0]
        assert value >= start - 1e-6 * abs(start)
        checked += 1
    assert checked >= 3


def _carrier_variants(seed: int):
    """The random problem (no capacity) with a carrier minimum, then a carrier maximum, each
    with and without its share target: the carrier carries a random half of the options
    shipped from sites."""
    from network.optimize.problem import CarrierBound

    problem = replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf))
    rng = np.random.default_rng(seed)
    shipped = problem.options.site >= 0
    fraction = np.where(shipped, rng.choice([0.0, 1.0], len(problem.options)), 0.0)
    for bound in (CarrierBound("B", fraction, 0.6, None), CarrierBound("B", fraction, None, 0.3)):
        with_bound = replace(problem, carrier_bounds=(bound,))
        yield with_bound
        yield replace(with_bound, share_requirements=())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_radius_prices_with_carrier_rows_give_valid_bounds_at_least_the_carrier_free_ones(seed):
    """With carrier-share rows the master prices them too (a 1-D search per row in turn): a
    price for every row, each >= 0; L_n at them never above the window's LP (with the carrier
    rows) nor the brute-force optimum of the count, and not below L_n at the carrier-free
    search's prices with the carrier rows priced 0 (where every search starts)."""
    checked = 0
    for problem in _carrier_variants(seed):
        data = lagrange_data(problem)
        plain = replace(problem, carrier_bounds=())
        for n in range(1, 7):
            found = radius_prices.radius_prices(problem, data, n, time.perf_counter() + 60)
            lp = _window_lp(problem, n)
            met = problem.share_requirements or (ShareRequirement(2, 0.0),)
            exact = brute_force(replace(problem, min_sites=n, max_sites=n,
                                        share_requirements=met), count=n)
            if lp is None or found is None:
                assert lp is None or not np.isfinite(exact)
                continue
            lam, sigma = found
            assert sigma.shape == (len(data.shares),) and np.all(sigma >= 0)
            value = lagrangian_value(problem, data, n, lam, sigma)[0]
            assert value <= lp + 1e-9 * abs(lp)
            assert value <= exact + 1e-6 * abs(exact)
            free = radius_prices.radius_prices(plain, lagrange_data(plain), n,
                                               time.perf_counter() + 60)
            zero = np.r_[free[1], np.zeros(len(problem.carrier_bounds))]
            assert value >= lagrangian_value(problem, data, n, free[0], zero)[0] - 1e-9 * abs(lp)
            checked += 1
    assert checked >= 12


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_upper_bound_the_search_proves_lies_at_or_above_the_window_lp(seed):
    """`upper` receives an upper bound on the window's LP value (every L_n lies at or below
    that value), finite where there is one share row or none, and close to it (the search
    narrows its bracket to 2e-6): what lets count_search._lp_short skip an ascent. With
    two rows, from the tangent planes (`tangent_upper`): finite, at or above the window's LP
    with both rows and L_n at the prices found."""
    checked = 0
    for problem in _variants(seed):
        data = lagrange_data(problem)
        lo = max(1, int(problem.forced_open.sum()))
        for n in range(lo, 7):
            upper: list[float] = []
            found = radius_prices.radius_prices(problem, data, n, time.perf_counter() + 60,
                                                upper=upper)
            lp = _window_lp(problem, n)
            if lp is None or found is None:
                continue
            assert len(upper) == 1 and np.isfinite(upper[0])
            assert upper[0] >= lp
            assert upper[0] <= lp + 1e-5 * abs(lp)
            assert upper[0] >= lagrangian_value(problem, data, n, *found)[0]
            checked += 1
    assert checked >= 12
    finite = 0
    for seed_two in (seed, seed + 4, seed + 8):
        two = replace(random_problem(seed_two), capacity_orders_per_year=np.full(8, np.inf),
                      share_requirements=(ShareRequirement(1, 0.3), ShareRequirement(2, 0.7)))
        data = lagrange_data(two)
        for n in (2, 3, 4):
            upper = []
            found = radius_prices.radius_prices(two, data, n, time.perf_counter() + 60,
                                                upper=upper)
            lp = _window_lp(two, n)
            if lp is None or found is None:
                continue
            assert len(upper) == 1 and upper[0] >= lp
            assert upper[0] >= lagrangian_value(two, data, n, *found)[0]
            finite += bool(np.isfinite(upper[0]))
    assert finite >= 3


def _plane(value: float, sigma, slope) -> radius_prices.RadiusSolution:
    return radius_prices.RadiusSolution(value, np.zeros(1), np.asarray(sigma, float),
                                        np.asarray(slope, float), np.zeros(1),
                                        (np.zeros(0, int), np.zeros(0, int)))


def test_the_tangent_planes_bound_the_maximum_of_a_concave_function_of_two_prices():
    """tangent_upper on planes of f(s) = min_k (c_k + d_k . s), a concave piecewise linear
    function of two prices: at or above f's maximum over s >= 0 (found on a fine grid, f
    being largest at a vertex inside it), close to it with planes on both sides of the
    maximum, and inf where no mix of the planes falls in every price."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        c = rng.uniform(0, 10, 4)
        d = np.array([[1.0, 1.0], [-1.0, 0.5], [0.5, -1.0], [-0.5, -0.5]]) * rng.uniform(
            0.5, 2.0, (4, 1))

        grid = np.linspace(0, 40, 401)
        top = max(float(np.min(c + d @ np.array([a, b]))) for a in grid for b in grid)
        points = []
        for s in rng.uniform(0, 40, (12, 2)):
            k = int(np.argmin(c + d @ s))
            points.append(_plane(float(c[k] + d[k] @ s), s, d[k]))
        bound = radius_prices.tangent_upper(points)
        assert bound >= top - 1e-9
        assert bound <= top + 0.5 * (c.max() - c.min() + 10)
    rising = [_plane(1.0, [0.0, 0.0], [1.0, 0.5]), _plane(2.0, [1.0, 0.0], [0.5, 0.2])]
    assert radius_prices.tangent_upper(rising) == np.inf
    assert radius_prices.tangent_upper([_plane(3.0, [2.0, 1.0], [-1.0, 0.0])]) == 5.0


def _point(sigma: float, slope: float) -> radius_prices.RadiusSolution:
    return radius_prices.RadiusSolution(0.0, np.zeros(1), np.array([sigma]),
                                        np.array([slope]), np.zeros(1),
                                        (np.zeros(0, int), np.zeros(0, int)))


def test_the_bracket_grows_to_just_past_where_the_falling_slopes_cross_zero():
    """While every slope is positive, the next price up is the doubled step, or, where two
    slopes fall, CROSSING_MARGIN past where the line through them crosses 0 when that is
    nearer, but at least a STEP on from the last price."""
    step_to = 4.0 * 2.5
    # slopes 3 at 2 and 1 at 4: their line crosses 0 at 5, so 5.5
    assert radius_prices._past_crossing(_point(2.0, 3.0), _point(4.0, 1.0), 0, step_to) == (
        pytest.approx(5.0 * radius_prices.CROSSING_MARGIN))
    # crossing at 4.1: at least a STEP on from 4
    assert radius_prices._past_crossing(_point(2.0, 20.0), _point(4.0, 1.0), 0, step_to) == (
        pytest.approx(4.0 * radius_prices.STEP))
    # crossing far out, slopes not falling, or no point before: the doubled step
    assert radius_prices._past_crossing(_point(2.0, 1.1), _point(4.0, 1.0), 0,
                                        step_to) == step_to
    assert radius_prices._past_crossing(_point(2.0, 1.0), _point(4.0, 1.0), 0,
                                        step_to) == step_to
    assert radius_prices._past_crossing(None, _point(4.0, 1.0), 0, step_to) == step_to


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_master_sets_are_assigned_least_bound_first_and_only_below_the_incumbent(
        seed, monkeypatch):
    """count_search._master_sites_design with the search's data assigns the master's sets
    in the order of their set bound (reach_sets.set_bound from the window's target prices,
    a bound on every design with exactly those sites: checked against brute force) and
    skips a set whose bound is not below the incumbent; the mixed first y counts by its n
    largest sites."""
    from network.optimize import count_search
    from network.optimize.incumbent import Incumbent
    from network.optimize.model import build_model
    from network.optimize.reach_sets import set_bound
    from network.optimize.window_bounds import WindowState

    from random_problems import brute_force

    problem = replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf))
    data = lagrange_data(problem)
    full = build_model(problem, (), (3, 3))
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(4):
        mask = np.zeros(8, bool)
        mask[rng.choice(8, 3, replace=False)] = True
        sets.append(mask)
    opened = [0.5 * sets[0] + 0.5 * sets[1]] + [s.astype(float) for s in sets[1:]]
    w = WindowState(3, 3)
    w.lagrange, w.prices = -np.inf, (np.zeros(problem.n_points), np.array([50.0]))
    first = np.zeros(8, bool)
    first[np.argsort(-opened[0], kind="stable")[:3]] = True
    candidates = [first] + [s for s in sets[1:]]
    unique = []
    for s in candidates:
        if all(s.tobytes() != u.tobytes() for u in unique):
            unique.append(s)
    bounds = [set_bound(problem, data, s, np.array([50.0]))[0] for s in unique]
    for s, b in zip(unique, bounds, strict=True):  # each a bound on its sites' designs
        dear = np.where(s, problem.fixed_cost_usd_per_year, 1e9)  # no other set is cheap
        exact = brute_force(replace(problem, fixed_cost_usd_per_year=dear), 3)
        assert exact >= 1e9 or b <= exact * (1 + 1e-9)
    best = Incumbent()
    best.objective = float(np.median(bounds))
    tried = []
    monkeypatch.setattr(count_search, "fixed_sites_design",
                        lambda problem, full, is_open, best, gap, deadline:
                        tried.append(is_open.copy()))
    count_search._master_sites_design(problem, full, w, opened, best, 1e-4,
                                      time.perf_counter() + 60, data)
    expected = [unique[i] for i in np.argsort(bounds, kind="stable")
                if bounds[i] < best.objective]
    assert [t.tobytes() for t in tried] == [e.tobytes() for e in expected]
    assert len(tried) < len(unique)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_window_whose_lp_lies_below_the_incumbent_assigns_the_master_sets_before_any_ascent(
        seed, monkeypatch):
    """count_search._radius_ascent with two share targets: where the radius search proves
    the window's LP below the incumbent less the gap (here an incumbent 20% dearer than the
    heuristic's design), no ascent can reach that target, so the master's sets are assigned
    first and, the incumbent unchanged (the assignment stubbed), no ascent runs; the window
    keeps L_n at the radius prices, at most the LP's bound. With the true incumbent the
    ascent runs as before."""
    from network.optimize import count_search
    from network.optimize.incumbent import Incumbent
    from network.optimize.model import build_model
    from network.optimize.window_bounds import WindowState

    two = replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf),
                  share_requirements=(ShareRequirement(1, 0.3), ShareRequirement(2, 0.7)))
    data = lagrange_data(two)
    full = build_model(two, (), (3, 3))
    calls = []
    real_ascent = count_search.lagrange_ascent
    monkeypatch.setattr(count_search, "lagrange_ascent",
                        lambda *a, **k: (calls.append("ascent"), real_ascent(*a, **k))[1])
    monkeypatch.setattr(count_search, "_master_sites_design",
                        lambda *a, **k: calls.append("sets"))
    checked = 0
    for dearer in (1.2, 1.0):
        best = Incumbent()
        count_search._heuristic_incumbent(two, full, best, 3, 3, None, 1e-4,
                                          time.perf_counter() + 60, data)
        if not np.isfinite(best.objective):
            return
        best.objective *= dearer
        w, uppers = WindowState(3, 3), {}
        calls.clear()
        count_search._radius_ascent(two, full, data, w, best, 1e-4, time.perf_counter() + 60,
                                    uppers=uppers)
        if w.prices is None:
            return
        below = uppers[3] < best.objective * (1 - 1e-4)
        if dearer > 1:
            assert below and calls == ["sets"]
            assert w.lagrange == lagrangian_value(two, data, 3, *w.prices)[0] <= uppers[3]
            checked += 1
        elif not below:
            assert calls[0] == "ascent"
    assert checked


@pytest.mark.parametrize("seed", [1, 2, 4, 8])
def test_a_sigma_master_started_from_the_last_masters_cuts_and_basis_reaches_the_same_lp(seed):
    """`_solve` at a new sigma from the last sigma's master (every pair of its cuts, its final
    basis) ends at the same LP(sigma) as from that master's binding pairs alone, its
    master starting from every pair of the last (a superset of them)."""
    checked = 0
    for problem in list(_variants(seed))[:1] + list(_variants(seed))[2:]:
        data = lagrange_data(problem)
        for n in (2, 3, 4):
            found = radius_prices.radius_prices(problem, data, n, time.perf_counter() + 60)
            if found is None or not found[1][0] > 0:
                continue
            deadline = time.perf_counter() + 60
            first = radius_prices._solve(problem, data, n, 0.5 * found[1], None, deadline)
            assert first.master is not None and first.master[2] is not None
            cold = radius_prices._solve(problem, data, n, found[1], first.cuts, deadline)
            warm = radius_prices._solve(problem, data, n, found[1], first.cuts, deadline, first)
            assert warm.value == pytest.approx(cold.value, rel=1e-9)
            pairs = set(zip(*warm.master[:2], strict=True))
            assert set(zip(*first.master[:2], strict=True)) <= pairs
            checked += 1
    assert checked >= 3
