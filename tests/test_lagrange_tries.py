"""A count's Lagrangian ascents in the search (count_search._try_lagrange): the second starts
where the first got to, not from the first one's start again (the ascent is deterministic, so
that repeated it: next_day_35's warm edit closing AVP then solved two LPs, 9 s), with every
price stepped at once (share_prices.ascend_joint), and every bound stays below the count's
optimum."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.optimize import count_search
from network.optimize.incumbent import Incumbent
from network.optimize.lagrange import lagrange_data, lagrangian_value, priced_rows
from network.optimize.model import build_model
from network.optimize.window_bounds import windows_of

from random_problems import brute_force, random_problem


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_second_ascent_starts_from_the_first_ones_best_prices(seed, monkeypatch):
    """With no window solved in between, the second ascent of a count starts at the best
    L_n the first reached (not at the first one's start) and steps every price at once, and
    neither bound passes the best design with that many sites, though both aim above it."""
    problem = random_problem(seed)
    problem = replace(problem, capacity_orders_per_year=np.full(problem.n_sites, np.inf))
    full = build_model(problem, (), (1, 4))
    windows = windows_of(problem, 1, 4)
    data = lagrange_data(problem)
    i = next(k for k, w in enumerate(windows) if w.lo == 2)
    exact = brute_force(replace(problem, min_sites=2, max_sites=2), count=2)
    best = Incumbent(objective=exact * 1.5)  # out of reach: the first ascent stops below
    starts, kinds = [], []
    real = count_search.lagrange_ascent

    def spy(problem_, model, data_, w, lam, sigma, target, duals=None, joint=False,
            first=None):
        starts.append(lagrangian_value(problem_, data_, w.lo, lam, sigma)[0])
        kinds.append(joint)
        if first is not None:  # L_n at the start, evaluated by the caller: the same value
            assert first[0] == starts[-1]
        return real(problem_, model, data_, w, lam, sigma, target, duals, joint, first)

    monkeypatch.setattr(count_search, "lagrange_ascent", spy)
    zero = np.zeros(len(full.row_lb))
    lows = [-np.inf] * len(windows)
    assert count_search._try_lagrange(problem, full, data, windows, i, best, lows, zero)
    first = windows[i].lagrange
    assert count_search._try_lagrange(problem, full, data, windows, i, best, lows, zero)
    assert starts[1] == pytest.approx(first, rel=1e-12, abs=1e-9)
    assert starts[1] >= starts[0]
    assert kinds == [False, True]  # share prices searched, then every price stepped at once
    assert windows[i].lagrange <= exact + 1e-6 * max(1.0, abs(exact))
    assert not count_search._try_lagrange(problem, full, data, windows, i, best, lows, zero)


@pytest.mark.slow  # benchmark-size: next_day_35 cold, then its first bench edit
def test_next_day_35_closing_avp_needs_no_lp(monkeypatch):
    """The bench's warm edit of next_day_35 (close AVP, the last open site of its optimum) is
    proven by Lagrangian ascents alone, without a window's LP (it solved the nearest-sites and
    full LPs of count 2 after ab9a1fe's cheaper base design moved the ascents' targets), and
    its result is optimal with a bound that holds."""
    from network.bench.classes import BENCH_PARAMS, load_class, small_edits
    from network.optimize import WarmSolver
    from network.optimize import mathopt_backend as solver_module

    scenario = load_class("next_day_35")
    solver = WarmSolver(scenario, None, BENCH_PARAMS)
    base = solver.solve()
    name, edit = small_edits(scenario, base.open_site_ids)[0]
    assert name == "close AVP"
    solver.solve(scenario)  # back to the base, as the bench does
    used = []
    real = solver_module._solve_lp_proto

    def spy(proto, time_limit_s, kind, start):
        used.append(kind.name)
        return real(proto, time_limit_s, kind, start)

    monkeypatch.setattr(solver_module, "_solve_lp_proto", spy)
    warm = solver.solve(edit)
    assert used == []
    assert warm.status.value == "optimal" and warm.evaluation.feasible
    assert warm.best_bound_usd <= warm.objective_usd


@pytest.mark.parametrize("rows", [0, 1, 2, 3])
def test_priced_rows_is_sigma_times_the_rows(rows):
    """lagrange.priced_rows gives sigma @ rows, float for float with one row (its product
    without BLAS), within a rounding of each term with two and three (row by row, where BLAS
    fuses multiply and add), for none to three share rows and a row long enough for
    OpenBLAS's threads."""
    rng = np.random.default_rng(rows)
    a = rng.uniform(0.0, 1e3, (rows, 20_000))
    a[:, ::7] = 0.0
    sigma = rng.uniform(0.0, 3e8, rows)
    if rows <= 1:
        assert np.array_equal(priced_rows(sigma, a), sigma @ a)
    else:  # |error| <= (t - 1) ulp of the sum of |terms| (each sum rounded once more)
        scale = np.abs(sigma) @ np.abs(a)
        assert (np.abs(priced_rows(sigma, a) - sigma @ a) <= 4e-16 * rows * scale).all()
    assert priced_rows(sigma, a).shape == (20_000,)
