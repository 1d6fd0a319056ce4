"""WarmSolver across demand edits (robustness draws): each draw solved warm from the last one
costs what a cold `optimize` of the same draw costs, within the requested gap; and a sweep
point proven by its Lagrangian bound alone costs what a cold solve does."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.explore.frontier import with_promise, with_site_count
from network.explore.robustness import DemandNoise, demand_draws
from network.lanes import build_lanes
from network.optimize import SolveParams, WarmSolver, optimize
from network.optimize.mathopt_backend import BASIC, solve_lp
from network.optimize.model import build_model, with_count_window
from network.optimize.warm_basis import WarmBasis, start_basis
from network.optimize.warm_solver import _scaled_prices
from network.optimize.window_bounds import WindowState

from random_problems import random_problem
from small import small_scenario

TIGHT = SolveParams(time_limit_s=60.0, relative_gap=1e-6)


def _within_gap(a: float, b: float, gap: float) -> bool:
    return abs(a - b) <= gap * max(abs(a), abs(b)) * (1 + 1e-6) + 1e-6


@pytest.mark.parametrize("capacity", [1e9, None], ids=["uncapacitated", "own capacities"])
def test_draws_warm_equal_cold(default_scenario, capacity):
    """Four demand draws (a wide spread, so designs move) one after another through one
    WarmSolver: each draw's cost equals its cold optimum within the gap, the warm state was
    carried (not a silent cold restart; each count's prices too), and evaluate() accepts
    every design."""
    base = small_scenario(default_scenario, every=20, capacity=capacity)
    draws = demand_draws(base, DemandNoise(draws=4, state_spread=0.4, growth_sd_pct=10,
                                           seed=3))
    solver, carried = None, 0
    for _, scenario in draws:
        lanes = build_lanes(scenario)
        solver = solver or WarmSolver(scenario, lanes, TIGHT)
        warm = solver.solve(scenario, lanes=lanes)
        carried += solver._carried is not None and bool(solver._carried.count_prices)
        cold = optimize(scenario, lanes, TIGHT)
        assert warm.status.value == cold.status.value == "optimal"
        assert warm.evaluation.feasible and cold.evaluation.feasible
        assert _within_gap(warm.objective_usd, cold.objective_usd, TIGHT.relative_gap)
        assert warm.best_bound_usd <= cold.objective_usd * (1 + 1e-9)  # a bound that holds
    assert carried == len(draws) - 1


def test_prices_scale_with_orders():
    """lambda follows each point's orders, sigma the total's; a point with no orders before
    keeps its price (nothing to scale by)."""
    lam, sigma = np.array([10.0, 20.0, 5.0]), np.array([3.0])
    old, new = np.array([100.0, 200.0, 0.0]), np.array([150.0, 100.0, 110.0])
    lam2, sigma2 = _scaled_prices((lam, sigma), old, new)
    assert lam2.tolist() == [15.0, 10.0, 5.0]
    assert sigma2.tolist() == pytest.approx([3.0 * 360 / 300])


@pytest.mark.parametrize(("count", "capacity", "levels"), [
    (3, 1e9, (0.5, 0.7, 0.8, 0.9, 1.0)),
    (2, None, (1.0, 0.9, 0.8, 0.7, 0.6))], ids=["3 sites rising", "2 sites binding falling"])
def test_levels_of_one_count_warm_equal_cold(default_scenario, count, capacity, levels):
    """One count's promise levels in a row through one WarmSolver (the sweep's path, where a
    point may be proven by the Lagrangian bound of the last point's prices without its LP;
    at 2 sites with the sites' own capacities, which bind, by set bounds started from the
    last level's set prices, site_sets.SetPrices): each level costs what a cold solve costs,
    within the gap, and its bound holds."""
    base = with_site_count(small_scenario(default_scenario, every=20, capacity=capacity), count)
    lanes = build_lanes(base)
    solver = WarmSolver(base, lanes, TIGHT)
    for level in levels:
        scenario = with_promise(base, 2, level)
        _assert_warm_as_cold(solver, scenario, lanes)


def test_a_draw_keeps_the_reduced_options_of_the_last(default_scenario):
    """New orders at the same ZIP3s keep the WarmSolver's reduced options (no second
    reduction), and they are the options a reduction of the new draw's lanes gives."""
    from dataclasses import replace

    from network.optimize.reduce import reduce_options
    from network.optimize.warm_solver import _same_options

    base = small_scenario(default_scenario, every=20)
    (_, first), (_, second) = demand_draws(base, DemandNoise(draws=2, seed=3))
    solver = WarmSolver(first, build_lanes(first), TIGHT)
    solver.solve(first)
    kept = solver._options
    solver.solve(second)
    assert solver._options is kept
    unforced = second.with_changes(constraints=replace(second.constraints, forced_closed=()))
    assert _same_options(kept, reduce_options(unforced, build_lanes(second)))
    assert not np.array_equal(solver.lanes.demand.orders_per_year,
                              build_lanes(first).demand.orders_per_year)


@pytest.mark.parametrize("seed", range(4))
def test_a_window_basis_starts_its_lp_after_a_site_is_closed(seed):
    """Closing a site removes the count of every site open; its count column is basic (at 0)
    in these windows' LP bases, and the basis used to be refused for it, so the edited
    window's LP started cold. start_basis puts the nearest count left in its place, and the
    LP from it has the cold LP's value."""
    problem = random_problem(seed)
    full, n = build_model(problem), 3
    first = solve_lp(with_count_window(full, n, n), 60.0)
    kept = solve_lp(with_count_window(full, n, n), 60.0, first.basis, dual_simplex=True).basis
    assert kept.variable_status[full.u][-1] == BASIC  # the count the edit removes
    closed = np.zeros(problem.n_sites, bool)
    closed[seed] = True
    edited = build_model(replace(problem, forced_closed=closed))
    assert len(edited.count_values) == len(full.count_values) - 1
    start = start_basis(WarmBasis(kept, full.count_values.copy(), n, n), edited,
                        WindowState(n, n))
    assert start is not None
    model = with_count_window(edited, n, n)
    warm = solve_lp(model, 60.0, start, dual_simplex=True)
    assert warm.objective == pytest.approx(solve_lp(model, 60.0).objective, rel=1e-9)


def test_restricting_edits_keep_the_last_bounds_and_cost_what_cold_solves_do(default_scenario,
                                                                             monkeypatch):
    """Closing an open site, forcing a closed one open and raising the target restrict the
    last scenario, so the last search's count bounds start the next (`kept_bounds`); lowering
    the target or unforcing a site does not. Every warm result costs what a cold solve costs,
    within the gap, and its bound is not above the cold optimum."""
    from network.optimize import warm_solver
    from network.optimize.warm_solver import _restricts
    from network.scenario import ShareTarget, Targets

    kept: list[bool] = []
    search = warm_solver.solve_problem

    def recording(*args, **kwargs):
        kept.append(kwargs.get("kept_bounds") is not None)
        return search(*args, **kwargs)

    monkeypatch.setattr(warm_solver, "solve_problem", recording)
    base = small_scenario(default_scenario, every=20)
    lanes = build_lanes(base)
    solver = WarmSolver(base, lanes, TIGHT)
    first = solver.solve(base)
    assert solver._last.count_bounds  # a pass without capacity rows records them
    k = base.constraints
    closed = base.with_changes(constraints=replace(
        k, forced_closed=(first.open_site_ids[-1],)))
    shut = [s for s in base.site_ids if s not in first.open_site_ids][0]
    both = closed.with_changes(constraints=replace(closed.constraints, forced_open=(shut,)))
    t = base.targets.share_targets[0]
    higher = both.with_changes(targets=Targets(
        (ShareTarget(t.within_days, t.share_pct + 3.0),), base.targets.max_days_any_zip3))
    assert _restricts(closed, base) and _restricts(both, closed) and _restricts(higher, both)
    assert not _restricts(base, closed) and not _restricts(both, higher)
    for scenario in (closed, both, higher):
        _assert_warm_as_cold(solver, scenario, lanes)
    lower = solver.solve(both, lanes=lanes)  # the target back down: nothing kept
    assert lower.status.value == "optimal"
    assert kept == [False, True, True, True, False]


def _assert_warm_as_cold(solver, scenario, lanes) -> None:
    """The warm re-solve of `scenario` has the cold solve's status, a cost within the gap of
    it, and each one's bound at most the other's cost."""
    warm = solver.solve(scenario, lanes=lanes)
    cold = optimize(scenario, lanes, TIGHT)
    assert warm.status.value == cold.status.value
    if cold.design is None:
        return
    assert _within_gap(warm.objective_usd, cold.objective_usd, TIGHT.relative_gap)
    assert warm.best_bound_usd <= cold.objective_usd * (1 + 1e-9)
    assert cold.best_bound_usd <= warm.objective_usd * (1 + 1e-9)


def test_next_day_80s_closed_site_proves_its_count_with_one_ascent(monkeypatch):
    """next_day_80 with its first small edit (a site closed): the window of the optimum's
    count (8) gets one ascent, from its radius prices, where it got three (the radius step's,
    the first try's from where that one stopped, and a joint one), each at the same L_8:
    the first try counts the radius step's (count_search._ascended), and no later ascent
    runs where the radius search proved the window's LP below the incumbent less the gap
    (count_search._lp_short). The same optimum as a cold solve of the edit, within the gap."""
    from network.bench.classes import BENCH_PARAMS, load_class, small_edits
    from network.optimize import count_search

    scenario = load_class("next_day_80")
    lanes = build_lanes(scenario)
    solver = WarmSolver(scenario, lanes, BENCH_PARAMS)
    base = solver.solve()
    _, edited = small_edits(scenario, base.open_site_ids)[0]
    ascents: list[tuple[int, bool]] = []
    ascent = count_search.lagrange_ascent

    def counted(problem, full, data, w, *args, **kwargs):
        ascents.append((w.lo, bool(kwargs.get("joint", False))))
        return ascent(problem, full, data, w, *args, **kwargs)

    monkeypatch.setattr(count_search, "lagrange_ascent", counted)
    warm = solver.solve(edited)
    monkeypatch.undo()
    assert warm.status.value == "optimal"
    n = len(warm.open_site_ids)
    assert ascents.count((n, False)) == 1 and (n, True) not in ascents
    cold = optimize(edited, lanes, BENCH_PARAMS)
    assert warm.objective_usd == pytest.approx(cold.objective_usd,
                                               rel=BENCH_PARAMS.relative_gap)
