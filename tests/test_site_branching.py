"""network/optimize/site_branching.py: a one-count window closed by branching on its sites,
each child LP from its parent's basis (GLOP's dual simplex), against brute force; and the
nearest-sites LP taken as the window's LP only when its prices price every option up to its
objective (window_bounds.lp_by_nearest)."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import pytest

from network.optimize import site_branching
from network.optimize.incumbent import Incumbent
from network.optimize.mathopt_backend import solve_lp
from network.optimize.model import build_model, lagrangian_bound, slack_cost, with_count_window
from network.optimize.window_bounds import (
    LpOutcome,
    WindowState,
    bound_window,
    lp_by_nearest,
)
from tests.random_problems import (
    assert_solved_exactly,
    brute_force,
    random_problem,
    windows_with_lp,
)


def _uncapacitated(seed: int, n_points: int = 5):
    return replace(random_problem(seed, n_points=n_points),
                   capacity_orders_per_year=np.full(8, np.inf))


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_full_tree_from_no_incumbent_finds_each_counts_optimum(seed, monkeypatch):
    """Without an incumbent nothing is pruned: the tree branches until every node's sites are
    fixed or its LP is above what it found, so the least bound of the tree may not exceed
    brute force's best with n sites, and the best design found must equal it."""
    monkeypatch.setattr(site_branching, "MAX_NODES", 10_000)
    problem = _uncapacitated(seed)
    full = build_model(problem)
    branched = 0
    for _n, exact, window, deadline in windows_with_lp(problem, full):
        best = Incumbent()
        closed = site_branching.branch_on_sites(problem, full, window, best, 1e-9, deadline)
        assert closed
        branched += 1
        assert window.proven <= exact * (1 + 1e-9)
        assert best.objective == pytest.approx(exact, rel=1e-9)
    assert branched


def test_a_tree_over_the_nearest_sites_columns_stays_exact(monkeypatch):
    """A window whose LP is its nearest-sites LP branches over those columns only (each
    point's 4 cheapest of 8 sites here), its bounds priced over every option: from no
    incumbent, every tree closes, its bound not above brute force's best with n sites and its
    design equal to it. A child LP infeasible over those columns proves nothing, so that
    node's LP is solved again over every column (`every_column` counts them: some are)."""
    from network.optimize import window_bounds as wb

    monkeypatch.setattr(site_branching, "MAX_NODES", 10_000)
    monkeypatch.setattr(wb, "NEAREST_SITES", 4)
    every_column = []
    narrow_lp = site_branching.solve_lp

    def counted(model, *args, **kwargs):
        if not kwargs.get("dual_simplex"):  # not a child from its parent's basis: the rerun
            every_column.append(model.n_options)
        return narrow_lp(model, *args, **kwargs)

    monkeypatch.setattr(site_branching, "solve_lp", counted)
    restricted = 0
    for seed, n in itertools.product(range(1, 4), range(2, 7)):
        problem = _uncapacitated(seed)
        full = build_model(problem)
        exact = brute_force(problem, count=n)
        model = with_count_window(full, n, n)
        solved = wb.NearestSolution.of(*wb._nearest_lp(problem, model, time.perf_counter() + 60),
                                       model)
        if solved is None:
            continue
        window = WindowState(n, n, lp=LpOutcome.SOLVED)
        wb._keep_lp(window, model, solved.duals, solved.values, solved.basis, solved.objective)
        narrow = site_branching._space(problem, model, window).restricted
        best = Incumbent()
        assert site_branching.branch_on_sites(problem, full, window, best, 1e-9,
                                              time.perf_counter() + 60)
        restricted += narrow
        assert window.proven <= exact * (1 + 1e-9)
        assert best.objective == pytest.approx(exact, rel=1e-9)
    assert restricted  # some restricted trees closed
    assert every_column and set(every_column) == {full.n_options}  # ... some through a node
    # solved again over every column


def test_child_lps_from_the_parents_basis_equal_cold_lps():
    """GLOP's dual simplex from the parent's basis, after a site is fixed at 0 or 1, ends at
    the same LP value as HiGHS from scratch."""
    problem = _uncapacitated(2, n_points=6)
    model = with_count_window(build_model(problem), 3, 3)
    parent = solve_lp(model, 60)
    for s in range(problem.n_sites):
        for side in (0.0, 1.0):
            lb, ub = model.var_lb.copy(), model.var_ub.copy()
            lb[s] = ub[s] = side
            child = replace(model, var_lb=lb, var_ub=ub)
            warm, cold = solve_lp(child, 60, parent.basis, dual_simplex=True), solve_lp(child, 60)
            assert warm.infeasible == cold.infeasible
            if cold.objective is not None:
                assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
                assert lagrangian_bound(child, warm.duals)[0] <= cold.objective * (1 + 1e-9)


@pytest.mark.parametrize("seed", range(1, 4))
def test_the_search_with_every_window_branched_equals_brute_force(seed, monkeypatch):
    """With the window MIP out of the way (it raises), every window the search cannot close by
    bounds is closed by branching, and the result is brute force's optimum."""
    from network.optimize import count_search

    def no_mip(*args, **kwargs):
        raise AssertionError("the window MIP ran")

    monkeypatch.setattr(site_branching, "MAX_NODES", 10_000)
    monkeypatch.setattr(count_search, "solve_window", no_mip)
    problem = _uncapacitated(seed)
    assert_solved_exactly(problem)


def test_the_nearest_lp_is_the_windows_lp_only_when_its_prices_reach_its_objective():
    """lp_by_nearest takes the small LP when its prices' bound over every option meets its
    objective (then the window's bound is the full LP's), and leaves a small LP whose bound
    falls short to the full LP."""
    problem = _uncapacitated(3)
    full = build_model(problem)
    model = with_count_window(full, 3, 3)
    lp = solve_lp(model, 60)
    exact = WindowState(3, 3, nearest=(lp.duals, lp.basis, lp.objective),
                        lp_values=lp.values)
    assert lp_by_nearest(full, exact)
    assert exact.lp is LpOutcome.SOLVED
    # the bound is for the share rows loosened by their slack (model.lagrangian_bound)
    assert exact.bound + slack_cost(model, lp.duals) == pytest.approx(lp.objective, rel=1e-9)
    short = WindowState(3, 3, nearest=(lp.duals * 0.5, lp.basis, lp.objective),
                        lp_values=lp.values)
    assert not lp_by_nearest(full, short)
    assert short.lp is None


def test_the_nearest_lp_grown_by_column_generation_ends_at_the_full_lp(monkeypatch):
    """grow_nearest adds the pairs its prices price below zero and solves again from its basis
    (GLOP): from each point's 2 cheapest of 8 sites it must end where lp_by_nearest takes it,
    with the full LP's value (HiGHS, cold) as the window's bound; with a target below that
    value it may stop early, but its prices' bound over every option still reaches the target
    and stays below the full LP's value."""
    from network.optimize import window_bounds as wb

    monkeypatch.setattr(wb, "NEAREST_SITES", 2)
    monkeypatch.setattr(wb, "GROW_LIMIT", 1.0)
    grown = 0
    for seed, n in itertools.product(range(1, 5), range(2, 6)):
        problem = _uncapacitated(seed, n_points=7)
        full = build_model(problem)
        model = with_count_window(full, n, n)
        solved = wb.NearestSolution.of(*wb._nearest_lp(problem, model, time.perf_counter() + 60),
                                       model)
        cold = solve_lp(model, 60)
        if solved is None or cold.objective is None:
            continue
        for target in (np.inf, cold.objective * (1 - 1e-3)):
            window = WindowState(n, n)
            wb.keep_nearest(window, solved)
            short = not lp_by_nearest(full, window)
            window.lp = None
            wb.grow_nearest(problem, full, window, target, time.perf_counter() + 60)
            bound, _ = lagrangian_bound(model, window.nearest[0])
            assert bound <= cold.objective * (1 + 1e-9)
            if target == np.inf:
                assert lp_by_nearest(full, window)
                assert window.bound + slack_cost(model, window.duals) == pytest.approx(
                    cold.objective, rel=1e-7)  # the bound is for the loosened rows
                grown += short
            else:
                assert bound >= target
    assert grown  # some small LPs fell short and were grown


@pytest.mark.parametrize("seed", range(1, 4))
def test_a_tree_with_capacity_rows_finds_each_counts_optimum(seed, monkeypatch):
    """With every capacity row in the model (tight capacities, single sourcing) the tree
    branches too: from no incumbent its bound may not exceed brute force's best with n sites
    and its design must equal it. Again from that design as incumbent (the nodes then fix
    sites by reduced cost): it closes the window within the gap, and its bound still may not
    exceed that best (the designs a fixing left out count as a closed leaf)."""
    monkeypatch.setattr(site_branching, "MAX_CAPACITY_NODES", 10_000)
    problem = random_problem(seed)
    full = build_model(problem, tuple(range(problem.n_sites)))
    branched = 0
    for n, exact, window, deadline in windows_with_lp(problem, full):
        best = Incumbent()
        assert site_branching.branch_on_sites(problem, full, window, best, 1e-9, deadline)
        branched += 1
        assert window.proven <= exact * (1 + 1e-9)
        assert best.objective == pytest.approx(exact, rel=1e-9)
        again = WindowState(n, n)
        bound_window(full, again, deadline)
        assert site_branching.branch_on_sites(problem, full, again, best, 1e-9, deadline)
        assert exact * (1 - 1e-8) <= again.proven <= exact * (1 + 1e-9)
    assert branched


def test_a_capacity_tree_stopped_early_keeps_a_valid_bound(monkeypatch):
    """A capacity tree stopped after a few LPs closes its window with the least bound of its
    open nodes: never above brute force's best with n sites, never below the window's LP
    bound, and above it on some window (the stop keeps what the tree proved)."""
    monkeypatch.setattr(site_branching, "MAX_CAPACITY_NODES", 2)
    raised = 0
    for seed in range(1, 6):
        problem = random_problem(seed, n_points=6)
        full = build_model(problem, tuple(range(problem.n_sites)))
        for _n, exact, window, deadline in windows_with_lp(problem, full, range(2, 6)):
            root = window.bound
            assert site_branching.branch_on_sites(problem, full, window, Incumbent(), 1e-9,
                                                  deadline)
            assert root - 1e-9 * abs(root) <= window.proven <= exact * (1 + 1e-9)
            raised += window.proven > root * (1 + 1e-9)
    assert raised
