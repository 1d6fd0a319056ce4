"""The optimizer on hand-checkable toys, against brute force, and on the default scenario.

Toy (tests/toy.py): ZIP3s 101..105 with 100, 200, 300, 250, 150 orders; sites A, B, C with fixed
costs 1000, 2000, 3000; one service at 1 USD per zone; 1.5 USD handling and inbound per order;
inventory 100 x sqrt(open sites); at least 50% within 2 days; no cross-border. Zones (rows
ZIP3, columns A B C): 101: 1 2 4, 102: 1 2 4, 103: 2 1 4, 104: 3 3 3, 105: 4 4 1.
By hand: A alone costs 1000 + 100 + (100*1 + 200*1 + 300*2 + 250*3 + 150*4) + 1500 = 4850;
B alone 5850; A and C 7441.42; every other design costs more.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from network.evaluate import CROSS_BORDER, ROW_TOLERANCE, Design, evaluate
from network.lanes import build_lanes
from network.optimize import SolveStatus, optimize, sweep_site_counts
from network.optimize.count_search import solve_problem
from network.optimize.explain import pre_checks
from network.optimize.mathopt_backend import MipSolution, MipStatus
from network.optimize.problem import (
    Options,
    ShareRequirement,
    problem_cost,
    problem_from_scenario,
    site_loads,
)
from network.optimize.reduce import reduce_options
from network.scenario import CarrierShare, DesignConstraints, ShareTarget, Targets

from oracle import solve_oracle
from random_problems import (
    assert_solved_exactly,
    brute_force,
    every_site_open,
    random_problem,
)
from toy import capacity_toy, flat_service, toy_scenario


def _solve(scenario):
    result = optimize(scenario)
    if result.status.has_design:
        assert result.evaluation.feasible, result.evaluation.violations
        assert result.solver_objective_usd == pytest.approx(result.objective_usd, rel=1e-6)
    return result


def test_toy_optimum_by_hand():
    """The toy's optimum is site A alone at 4850."""
    result = _solve(toy_scenario())
    assert result.status is SolveStatus.OPTIMAL
    assert result.open_site_ids == ("A",)
    assert result.objective_usd == pytest.approx(4850.0)
    assert result.gap <= 1e-4


def test_forced_closed_changes_answer():
    """With A forced closed, B alone (5850) is cheapest."""
    result = _solve(toy_scenario(constraints=DesignConstraints(forced_closed=("A",))))
    assert result.open_site_ids == ("B",)
    assert result.objective_usd == pytest.approx(5850.0)


def test_forced_open_changes_answer():
    """With C forced open, A joins it: 1000 + 3000 + 100 sqrt 2 + 1800 + 1500 = 7441.42."""
    result = _solve(toy_scenario(constraints=DesignConstraints(forced_open=("C",))))
    assert result.open_site_ids == ("A", "C")
    assert result.objective_usd == pytest.approx(4000 + 100 * np.sqrt(2) + 3300)


def test_capacity_changes_answer():
    """A with room for 600 orders cannot serve 1000, and A+B (6591) loses to B alone (5850)."""
    scenario = toy_scenario()
    sites = (replace(scenario.sites[0], capacity_orders_per_year=600.0),) + scenario.sites[1:]
    result = _solve(scenario.with_changes(sites=sites))
    assert result.open_site_ids == ("B",)
    assert result.objective_usd == pytest.approx(5850.0)


def test_carrier_share_changes_answer():
    """A second carrier 1 USD dearer must carry 30%: 300 orders move, +300 USD."""
    scenario = toy_scenario(services=(flat_service(), flat_service(
        "express", "CarrierB", rates=(2, 3, 4, 5, 6, 7, 8, 9))))
    assert _solve(scenario).objective_usd == pytest.approx(4850.0)
    bounded = scenario.with_changes(constraints=DesignConstraints(
        carrier_shares=(CarrierShare("CarrierB", 30.0, None),)))
    result = _solve(bounded)
    assert result.objective_usd == pytest.approx(5150.0)
    assert result.evaluation.kpis.carrier_share["CarrierB"] == pytest.approx(0.3)


def test_share_target_changes_answer():
    """70% within 1 day needs 105 served by C: A and C at 7441.42."""
    result = _solve(toy_scenario(targets=Targets(share_targets=(ShareTarget(1, 70.0),))))
    assert result.open_site_ids == ("A", "C")


def test_unreachable_zip3_is_explained():
    """No site reaches ZIP3 104 in 1 day: infeasible, and the explanation names it."""
    result = optimize(toy_scenario(targets=Targets(max_days_any_zip3=1)))
    assert result.status is SolveStatus.INFEASIBLE and result.design is None
    assert any("ZIP3 104 (KS)" in s and "best: 2 days" in s for s in result.explanation)


def test_binding_target_is_explained_by_relaxation():
    """70% within 1 day with at most one site: at most 60% is possible, and it says so."""
    scenario = toy_scenario(targets=Targets(share_targets=(ShareTarget(1, 70.0),)),
                            constraints=DesignConstraints(max_sites=1))
    result = optimize(scenario)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.explanation == ("at most 60.0% of orders can be delivered within 1 day with "
                                  "at most 1 site under the other constraints (target: 70%)",)


def test_capacity_short_of_demand_is_explained():
    """All three sites hold 900 orders at peak; demand is 1000 and nothing ships from abroad."""
    scenario = toy_scenario()
    sites = tuple(replace(s, capacity_orders_per_year=300.0) for s in scenario.sites)
    result = optimize(scenario.with_changes(sites=sites))
    assert result.status is SolveStatus.INFEASIBLE
    assert any("can handle 0.0M orders" in s and "demand is 0.0M" in s
               for s in result.explanation)


def test_share_target_beyond_capacity_is_explained_before_the_search():
    """Three sites of 200 orders hold 60% of the 1000: 70% within 2 days cannot be met, and
    the pre-check says why (the relaxation after the search said 45% under the other
    constraints, single sourcing, with no word of capacity)."""
    scenario = capacity_toy((200.0, 200.0, 200.0), 70.0)
    assert pre_checks(scenario, build_lanes(scenario)) == [
        "at most 60.0% of orders can be delivered within 2 days from every allowed site, each "
        "within its capacity at the peak multiplier 1 (target: 70%)"]
    result = optimize(scenario)
    assert result.status is SolveStatus.INFEASIBLE
    assert any("each within its capacity" in s for s in result.explanation)


def test_capacity_pre_check_spares_a_design_evaluate_accepts():
    """A, B and C hold 300, 300 and 150 orders less 0.9e-6 of that: A serving 101 and 102, B
    103, C 105 and 104 from abroad misses each capacity and the target of 75.00009% by less
    than evaluate()'s tolerance, so it meets every row, and the pre-check must not call the
    scenario infeasible (without the capacity slack its bound is 74.99993%, below
    75.00009% - ROW_TOLERANCE)."""
    scenario = capacity_toy(tuple(q * (1 - 0.9e-6) for q in (300.0, 300.0, 150.0)),
                             75.0 + 90 * ROW_TOLERANCE)
    assignment = (("101", "A", "ground"), ("102", "A", "ground"), ("103", "B", "ground"),
                  ("104", CROSS_BORDER, ""), ("105", "C", "ground"))
    lanes = build_lanes(scenario)
    assert evaluate(scenario, Design(("A", "B", "C"), assignment), lanes).violations == ()
    assert pre_checks(scenario, lanes) == []
    assert pre_checks(scenario.with_changes(targets=Targets(
        share_targets=(ShareTarget(2, 75.0 + 200 * ROW_TOLERANCE),))), lanes) != []


def test_relaxation_stopped_early_claims_no_target_met_alone(monkeypatch):
    """When each relaxation stops at its time limit with a trivial bound and a design far below
    the target (as HiGHS did on capacity_overflow_200m with 57 capacity rows: bound 5700%,
    design 0.3%), the explanation must not say each target can be met on its own."""
    from network.optimize import explain
    scenario = toy_scenario(targets=Targets(share_targets=(ShareTarget(1, 70.0),)))
    lanes = build_lanes(scenario)
    problem = problem_from_scenario(scenario, lanes, reduce_options(scenario, lanes))
    stopped = MipSolution(MipStatus.FEASIBLE, None, -0.003, -57.0, 20.0)
    monkeypatch.setattr(explain, "solve_model", lambda *args, **kwargs: stopped)
    assert explain.relaxation_explanation(problem, 20.0, "") == [
        "no design meets every target and constraint together; which of them binds was not "
        "found within 20 s"]


def test_sweep_gives_best_design_per_site_count():
    """Exactly one site: A (4850); exactly two: A and B (6591.42), targets ignored."""
    one, two = sweep_site_counts(toy_scenario(), [1, 2])
    assert one.open_site_ids == ("A",) and one.objective_usd == pytest.approx(4850.0)
    assert two.open_site_ids == ("A", "B")
    assert two.objective_usd == pytest.approx(3000 + 100 * np.sqrt(2) + 3450)


def test_reduction_keeps_the_optimum():
    """Solving over every lane gives the same optimum as over the reduced lanes."""
    scenario = toy_scenario(services=(flat_service(), flat_service(
        "air", "CarrierB", rates=(3, 3, 3, 3, 3, 3, 3, 3), days=(1,) * 8)),
        targets=Targets(share_targets=(ShareTarget(1, 80.0),)))
    lanes = build_lanes(scenario)
    reduced = optimize(scenario, lanes)
    n_z, n_s, n_k = lanes.shape
    z, s, k = (a.ravel() for a in np.meshgrid(range(n_z), range(n_s), range(n_k),
                                              indexing="ij"))
    every = Options(z, s, k, lanes.cost_usd_per_order.ravel(),
                    lanes.delivery_days.ravel().astype(np.int32))
    assert len(reduce_options(scenario, lanes)) < len(every)
    full = solve_problem(problem_from_scenario(scenario, lanes, every), 60, 1e-9)
    assert full.solver_objective == pytest.approx(reduced.objective_usd, rel=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_brute_force_on_random_instance(seed):
    """8 sites, 5 ZIP3s, a share target and tight capacities: the solver equals brute force."""
    problem = random_problem(seed)
    solution = solve_problem(problem, 60, 1e-9)
    assert solution.status is MipStatus.OPTIMAL
    cost = problem_cost(problem, solution.is_open, solution.choice)
    assert cost == pytest.approx(brute_force(problem), rel=1e-9)
    assert (site_loads(problem, solution.choice) <= problem.capacity_orders_per_year + 1e-6).all()


def test_overloaded_heuristic_design_is_assigned_again_within_capacity(monkeypatch):
    """Where the heuristic's design overloads a site, its sites are assigned again by the
    fixed-sites MIP with the capacity rows in (a first incumbent before any LP); that design
    fits every capacity and costs no less than brute force, and the search still equals it."""
    from network.optimize import count_search as search
    from network.optimize.incumbent import read_design

    seen = []
    real = search.fixed_sites_design

    def spy(problem, full, is_open, best, gap, deadline):
        real(problem, full, is_open, best, gap, deadline)
        if full.capacity_sites and np.isfinite(best.objective):  # else values are a hint
            seen.append((problem, read_design(problem, full, best.values)))

    monkeypatch.setattr(search, "fixed_sites_design", spy)
    for seed in (1, 2, 3):
        problem = random_problem(seed)
        solution = solve_problem(problem, 60, 1e-9)
        assert problem_cost(problem, solution.is_open, solution.choice) == pytest.approx(
            brute_force(problem), rel=1e-9)
    assert seen  # capacity bound, and the MIP found an assignment of the heuristic's sites
    for problem, (is_open, choice) in seen:
        assert (site_loads(problem, choice) <= problem.capacity_orders_per_year + 1e-6).all()
        assert problem_cost(problem, is_open, choice) >= brute_force(problem) * (1 - 1e-9)


def test_same_scenario_same_design():
    """Solving twice gives the same design."""
    scenario = toy_scenario(services=(flat_service(), flat_service("b", "CarrierB")))
    assert optimize(scenario).design == optimize(scenario).design


def test_bad_parameters_are_invalid_input():
    """A negative time limit is invalid input, not a crash."""
    from network.optimize import SolveParams

    result = optimize(toy_scenario(), params=SolveParams(time_limit_s=-1))
    assert result.status is SolveStatus.INVALID_INPUT and result.explanation


def test_default_scenario_is_solved_to_optimality(default_scenario, default_lanes):
    """The default US scenario: proven optimal, evaluate() finds no violation, and the oracle
    (tests/oracle.py: the textbook model in HiGHS) given the same open sites finds no
    assignment cheaper by more than the stated gap, nor one below the proven bound."""
    result = optimize(default_scenario, default_lanes)
    assert result.status is SolveStatus.OPTIMAL and result.gap <= 1e-4
    assert result.evaluation.feasible, result.evaluation.violations
    assert result.solver_objective_usd == pytest.approx(result.objective_usd, rel=1e-6)
    same_sites = default_scenario.with_changes(
        sites=tuple(s for s in default_scenario.sites if s.site_id in result.open_site_ids),
        constraints=replace(default_scenario.constraints, forced_open=result.open_site_ids))
    oracle = solve_oracle(same_sites, build_lanes(same_sites))
    cost = result.objective_usd
    assert cost - oracle.objective_usd <= result.gap * cost + 1e-6 * cost
    assert result.best_bound_usd <= oracle.objective_usd * (1 + 1e-9)


def test_warm_solver_matches_cold_solves():
    """After each edit the warm re-solve gives the cold optimum of the edited scenario."""
    from network.optimize import WarmSolver

    base = toy_scenario(services=(flat_service(), flat_service(
        "air", "CarrierB", rates=(3, 3, 3, 3, 3, 3, 3, 3), days=(1,) * 8)))
    solver = WarmSolver(base)
    assert solver.solve().objective_usd == pytest.approx(optimize(base).objective_usd)
    edits = [base.with_changes(constraints=DesignConstraints(forced_closed=("A",))),
             base.with_changes(constraints=DesignConstraints(forced_open=("C",))),
             base.with_changes(targets=Targets(share_targets=(ShareTarget(1, 90.0),))),
             base.with_changes(targets=Targets(share_targets=(ShareTarget(2, 95.0),)))]
    for edit in edits:
        warm, cold = solver.solve(edit), optimize(edit)
        assert warm.status is cold.status is SolveStatus.OPTIMAL
        assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=1e-9)


# Benchmark-size: three default solves, the heuristic off (warm against cold on a toy: the test
# above; on demand edits and levels: tests/test_warm_solver.py).
@pytest.mark.slow
def test_warm_re_solve_starts_the_lp_from_the_last_basis(default_scenario, default_lanes,
                                                         monkeypatch):
    """Closing an open site of the default design: the warm re-solve starts its LP from the
    last LP's basis (the count variables re-matched, as closing a site shortens their range)
    and reaches the same optimum as a cold solve, each within the other's proven bound. The
    heuristic is switched off: with its design (after the edit, the optimum, from the last
    one) Lagrangian prices prove both solves without a window LP, so there is no basis."""
    from network.optimize import WarmSolver
    from network.optimize import count_search as search_module
    from network.optimize import mathopt_backend as solver_module

    monkeypatch.setattr(search_module, "best_designs", lambda *args: {})
    solver = WarmSolver(default_scenario, default_lanes)
    base = solver.solve()
    used = []
    real = solver_module._solve_lp_proto

    def spy(proto, time_limit_s, kind, start):
        raw = real(proto, time_limit_s, kind, start)
        used.append((kind.name, start is not None, raw.termination.reason))
        return raw

    monkeypatch.setattr(solver_module, "_solve_lp_proto", spy)
    k = default_scenario.constraints
    edit = default_scenario.with_changes(
        constraints=replace(k, forced_closed=k.forced_closed + (base.open_site_ids[-1],)))
    warm = solver.solve(edit)
    assert ("GLOP", True, 1) in used  # 1: TERMINATION_REASON_OPTIMAL
    monkeypatch.undo()
    cold = optimize(edit, default_lanes)
    assert warm.status is cold.status is SolveStatus.OPTIMAL
    assert warm.objective_usd >= cold.best_bound_usd * (1 - 1e-9)
    assert cold.objective_usd >= warm.best_bound_usd * (1 - 1e-9)


@pytest.mark.slow  # benchmark-size: four default solves (toy twin: test_warm_solver_matches...)
def test_warm_re_solve_after_adding_or_removing_a_site_matches_cold(default_scenario,
                                                                     default_lanes, monkeypatch):
    """Adding a candidate site (Reno, whose ZIP3 has none) or removing an open one: the warm
    solver starts from the last open sites and row prices, carried across the new rows, and
    reaches the same optimum as a cold solve, each within the other's proven bound."""
    from network.optimize import WarmSolver
    from network.optimize import warm_solver as optimizer_module
    from network.places import Place
    from ui.edits import add_site, remove_site

    calls = []
    real = optimizer_module.solve_problem

    def spy(problem, *args, **kwargs):
        calls.append(kwargs)
        return real(problem, *args, **kwargs)

    monkeypatch.setattr(optimizer_module, "solve_problem", spy)
    solver = WarmSolver(default_scenario, default_lanes)
    base = solver.solve()
    reno, _ = add_site(default_scenario, Place("Reno", "NV", 39.5296, -119.8138, "89501", "895"))
    removed = remove_site(default_scenario, base.open_site_ids[0])
    for edit in (reno, removed, default_scenario):
        lanes = build_lanes(edit)
        warm = solver.solve(edit, lanes=lanes)
        carried = calls[-1]
        assert carried["prior_prices"] is not None and carried["start_sites"] is not None
        assert carried["start_sites"].sum() == len(set(solver.lanes.site_ids)
                                                   & set(base.open_site_ids))
        cold = optimize(edit, lanes)
        assert warm.status is cold.status is SolveStatus.OPTIMAL
        assert warm.objective_usd >= cold.best_bound_usd * (1 - 1e-9)
        assert cold.objective_usd >= warm.best_bound_usd * (1 - 1e-9)
        base = warm


def test_prices_carry_across_models_with_other_rows():
    """duals_from_prices puts (lambda, sigma) where initial_prices reads them, in a model with
    more sites (other link rows); a model with other points gets None."""
    from network.optimize import lagrange as lg
    from network.optimize.model import build_model

    rng = np.random.default_rng(3)
    for problem in (random_problem(3, n_sites=8), random_problem(3, n_sites=5)):
        model = build_model(problem, (), (0, problem.n_sites))
        lam, sigma = rng.normal(size=problem.n_points), rng.uniform(0, 5, 1)
        duals = lg.duals_from_prices(model, lam, sigma)
        back_lam, back_sigma = lg.initial_prices(model, duals)
        assert np.array_equal(back_lam, lam) and np.array_equal(back_sigma, sigma)
    other = build_model(random_problem(3, n_points=7), (), (0, 8))
    assert lg.duals_from_prices(other, lam, sigma) is None


@pytest.mark.parametrize("nearest", [2, pytest.param(4, marks=pytest.mark.slow)])
def test_nearest_sites_lp_bounds_stay_exact(nearest, monkeypatch):
    """The nearest-sites LP (each point's few cheapest sites) settles count windows by its
    lifted prices; with only 2 or 4 of 8 sites kept the search must still equal brute force
    and its bound stay below it, whether the small LP settled a window or fell short."""
    from network.optimize import count_search as search
    from network.optimize import window_bounds as w

    monkeypatch.setattr(w, "NEAREST_SITES", nearest)
    calls = {"tried": 0, "settled": 0}
    real_lp, real_settle = w.nearest_sites_lp, w.settle_by_nearest

    def lp_spy(*args):
        calls["tried"] += 1
        return real_lp(*args)

    def settle_spy(*args):
        calls["settled"] += 1
        return real_settle(*args)

    monkeypatch.setattr(search, "nearest_sites_lp", lp_spy)
    monkeypatch.setattr(search, "settle_by_nearest", settle_spy)
    monkeypatch.setattr(search, "_prices_beside_heuristic", lambda *args: None)  # next test
    _without_radius_prices(monkeypatch)  # they would prove the windows before any small LP
    monkeypatch.setattr(search, "close_by_reaching_sets", lambda *args: False)  # and these
    for seed in range(1, 6):
        problem = replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf))
        assert_solved_exactly(problem)
    assert calls["settled"]  # some windows settled by the small LP
    assert calls["tried"] > calls["settled"]  # and some fell short: the full LP followed


@pytest.mark.parametrize("nearest", [2, pytest.param(4, marks=pytest.mark.slow)])
def test_prices_from_the_nearest_sites_lp_over_all_counts_stay_exact(nearest, monkeypatch):
    """A cold search starts every count's ascent from the nearest-sites LP over all counts
    (solved beside the heuristic); with only 2 or 4 of 8 sites in that LP, the search must
    still equal brute force, with its bound below it, whether those prices came or that LP
    could not meet the share target."""
    from network.optimize import count_search as search
    from network.optimize import window_bounds as w

    monkeypatch.setattr(w, "NEAREST_SITES", nearest)
    calls = []
    real = w.nearest_sites_prices

    def spy(*args):
        calls.append(real(*args))
        return calls[-1]

    monkeypatch.setattr(search, "nearest_sites_prices", spy)
    monkeypatch.setattr(search, "best_designs", every_site_open)  # a poor incumbent
    _without_radius_prices(monkeypatch)  # the LP's prices are what this tests
    for seed in range(1, 6):
        problem = replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf))
        assert_solved_exactly(problem)
    assert len(calls) == 5  # one per search
    assert any(duals is not None for duals in calls)  # None: that LP misses the target


def _without_radius_prices(monkeypatch) -> None:
    """The search as before radius_prices.py: prices from the nearest-sites LPs only (those
    paths stay the fallback where the master does not apply; tests/test_radius_prices.py)."""
    from network.optimize import count_search as search

    monkeypatch.setattr(search, "_radius_duals", lambda *args, **kwargs: None)
    monkeypatch.setattr(search, "_radius_applies", lambda *args: False)


def test_lagrangian_bounds_stay_below_the_optimum():
    """Subgradient bounds for every site count never exceed brute force's best with that count."""
    from network.optimize.lagrange import ascend, lagrange_data

    problem = replace(random_problem(4), capacity_orders_per_year=np.full(8, np.inf))
    data = lagrange_data(problem)
    lam = np.zeros(problem.n_points)
    sigma = np.zeros(len(problem.share_requirements))
    for n in range(1, 5):
        exact = brute_force(replace(problem, min_sites=n, max_sites=n,
                                     forced_open=np.zeros(8, bool)), count=n)
        assert ascend(problem, data, n, lam, sigma, exact * 1.01)[0] <= exact + 1e-6


def test_first_design_is_feasible_and_close_on_the_toy():
    """The quick heuristic design meets the toy's targets and here is the optimum (A alone)."""
    from network.optimize import first_design

    design = first_design(toy_scenario())
    check = evaluate(toy_scenario(), design)
    assert check.feasible and design.open_site_ids == ("A",)
    assert check.kpis.total_cost_usd == pytest.approx(4850.0)


def _open_sets(seed: int):
    """Five random open sets of a random 8-site problem, each with the heuristic's pricing and
    nearest open sites: (problem, pricing, is_open, nearest, rng)."""
    from network.optimize import heuristic as h

    problem = random_problem(seed, n_sites=8, n_points=30)
    p = h.pricing(problem)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        is_open = rng.random(8) < 0.4
        yield problem, p, is_open, h._NearestOpen(p, is_open), rng


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_batched_design_pricing_equals_one_by_one(seed):
    """The heuristic prices one-site changes in batches; each batched cost equals pricing that
    design alone with assign_open (the reference), infeasible ones included."""
    from network.optimize import heuristic as h

    for problem, p, is_open, near, _ in _open_sets(seed):
        closed, opened = np.nonzero(~is_open)[0], np.nonzero(is_open)[0]
        added = h._batch_costs(problem, p, np.minimum(near.a1, p.cheap_cost[:, closed].T),
                               np.minimum(near.f1, p.fast_cost[:, closed].T),
                               h._fixed(problem, is_open) + problem.fixed_cost_usd_per_year[closed],
                               int(is_open.sum()) + 1)
        for s, cost in zip(closed, added, strict=True):
            assert cost == pytest.approx(h._cost(problem, p, h._with(is_open, s, True)), rel=1e-12)
        if len(opened):
            a, f = near.without(opened)
            removed = h._batch_costs(problem, p, a, f, h._fixed(problem, is_open)
                                     - problem.fixed_cost_usd_per_year[opened],
                                     int(is_open.sum()) - 1)
            for s, cost in zip(opened, removed, strict=True):
                assert cost == pytest.approx(h._cost(problem, p, h._with(is_open, s, False)),
                                             rel=1e-12)
    assert h.best_designs(problem, 1, 8)  # and the whole heuristic runs on it


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_batch_pricing_of_the_least_only_skips_no_cheaper_design(seed):
    """With least_only the batch gives the full batch's least cost at the same first design,
    and every design it prices costs what the full batch says; the upgrade bound it skips
    designs by is below every design's greedy upgrades, whatever the price."""
    from network.optimize import heuristic as h

    for problem, p, is_open, near, rng in _open_sets(seed):
        closed = np.nonzero(~is_open)[0]
        a = np.minimum(near.a1, p.cheap_cost[:, closed].T)
        f = np.minimum(near.f1, p.fast_cost[:, closed].T)
        fixed = h._fixed(problem, is_open) + problem.fixed_cost_usd_per_year[closed]
        full = h._batch_costs(problem, p, a, f, fixed, int(is_open.sum()) + 1)
        least = h._batch_costs(problem, p, a, f, fixed, int(is_open.sum()) + 1,
                               least_only=True)
        assert np.argmin(least) == np.argmin(full) and least.min() == full.min()
        priced = np.isfinite(least)
        assert (least[priced] == full[priced]).all()
        slow, finite = f > a, np.isfinite(f)
        missing = p.share - np.where(~slow, p.weight[None], 0.0).sum(axis=1)
        upgrades = h._batch_upgrades(p.weight, f - a, slow, finite, p.share)
        for price in (0.0, *rng.uniform(0, 3, 3) * np.nanmax(np.where(slow & finite, (f - a)
                                                                      / p.weight, np.nan))):
            bound = h._upgrade_bounds(p.weight, f - a, slow & finite, missing, price)
            assert (bound <= upgrades).all()


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_greedy_guess_prices_every_addition_as_one_by_one(seed):
    """guess_sites prices all additions at once; each cost is the very float pricing that
    design alone gives (_greedy_cost, the reference), infeasible ones included, with and
    without a share target; pricing only those that may be the least (its bound) keeps the
    least and where it is."""
    from network.optimize import heuristic as h

    problem = random_problem(seed, n_sites=8, n_points=30)
    rng = np.random.default_rng(seed)
    for without_target in (False, True):
        if without_target:
            problem = replace(problem, share_requirements=())
        costs = h._point_site_costs(problem)
        for _ in range(5):
            is_open = rng.random(8) < 0.3
            into = np.nonzero(~is_open)[0]
            batch = h._greedy_costs(problem, is_open, into, *costs)
            alone = [h._greedy_cost(problem, h._with(is_open, s, True), *costs) for s in into]
            assert batch.tolist() == alone
            least = h._greedy_costs(problem, is_open, into, *costs, least_only=True)
            assert np.argmin(least) == np.argmin(batch) and least.min() == batch.min()
            assert (least[np.isfinite(least)] == batch[np.isfinite(least)]).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rounded_lp_design_keeps_forced_sites_and_costs_what_it_says(seed):
    """The LP-rounding incumbent opens exactly n sites, forced-open ones included and
    forced-closed ones never (even when the LP weight points at them), no dearer than the
    LP's own top-n sites, and its cost recomputes."""
    from network.optimize import heuristic as h

    problem = random_problem(seed, n_sites=8, n_points=30)
    problem = replace(problem, forced_open=np.eye(8, dtype=bool)[5],
                      forced_closed=np.eye(8, dtype=bool)[0])
    weight = np.array([0.99, 0.9, 0.8, 0.1, 0.2, 0.0, 0.3, 0.05])
    for n in (2, 3, 4):
        cost, is_open, choice = h.rounded_design(problem, weight, n)
        assert is_open.sum() == n and is_open[5] and not is_open[0]
        assert cost == pytest.approx(problem_cost(problem, is_open, choice), rel=1e-12)
        top = problem.forced_open.copy()
        top[[1, 2, 6][:n - 1]] = True  # the n-1 heaviest free sites
        assert cost <= h._cost(problem, h.pricing(problem), top) * (1 + 1e-12)
    assert h.rounded_design(problem, weight, 8) is None  # site 0 is forced closed
    assert h.rounded_design(problem, weight, 0) is None  # site 5 is forced open


def test_heuristic_falls_back_to_greedy_when_the_last_design_misses_the_target():
    """A last design that cannot meet the (edited) target at its count is not repaired by
    additions; the heuristic then starts from the greedy path instead of giving up."""
    from network.optimize import heuristic as h

    problem = random_problem(2, n_sites=8, n_points=30)
    days = np.where(problem.options.site == 3, 1, 3)  # only site 3 delivers within 2 days
    problem = replace(problem, options=replace(problem.options, days=days.astype(np.int32)),
                      min_sites=2, max_sites=2,
                      share_requirements=(ShareRequirement(2, 0.8),))
    last = np.eye(8, dtype=bool)[0] | np.eye(8, dtype=bool)[1]
    assert h._repaired(problem, h.pricing(problem), last, np.ones(8, bool), 2, 2) is None
    designs = h.best_designs(problem, 2, 2, last)
    cost, is_open, choice = designs[2]
    assert is_open[3] and np.isfinite(cost)
    assert cost == pytest.approx(problem_cost(problem, is_open, choice), rel=1e-12)


def test_heuristic_walks_down_where_every_removal_misses_the_target():
    """Sites 0, 1 and 2 each reach a third of the points within a day, site 3 the first two
    thirds; every removal from {0, 1, 2} misses the target, but {2, 3} meets it and costs
    less (fixed costs dominate). The walk to fewer sites regains the target by a swap
    (heuristic._reach_repaired) instead of stopping at 3 sites."""
    from network.optimize import heuristic as h

    problem = random_problem(4, n_sites=8, n_points=30)
    opt, third = problem.options, problem.options.point // 10  # 0, 1, 2
    fast = (((opt.site == 0) & (third == 0)) | ((opt.site == 1) & (third == 1))
            | ((opt.site == 2) & (third == 2)) | ((opt.site == 3) & (third <= 1)))
    days = np.where(fast, 1, np.where(opt.site >= 0, 3, 5)).astype(np.int32)
    fixed = np.full(8, 1e6)
    fixed[3] = 1.1e6  # {0, 1, 2} stays the best 3-site design
    problem = replace(problem, options=replace(opt, days=days), fixed_cost_usd_per_year=fixed,
                      min_sites=2, max_sites=3, share_requirements=(ShareRequirement(1, 0.97),))
    start = np.isin(np.arange(8), [0, 1, 2])
    p, free = h.pricing(problem), np.ones(8, bool)
    assert all(not np.isfinite(h._cost(problem, p, h._with(start, s, False))) for s in range(3))
    assert h._neighbour(problem, p, start, free, -1) is None
    designs = h.best_designs(problem, 2, 3, start)
    assert set(np.nonzero(designs[3][1])[0]) == {0, 1, 2}
    cost, is_open, choice = designs[2]
    assert set(np.nonzero(is_open)[0]) == {2, 3} and cost < designs[3][0]
    assert cost == pytest.approx(problem_cost(problem, is_open, choice), rel=1e-12)


def test_carrier_share_search_starts_from_repair_or_fixed_sites_and_matches_brute_force(
        monkeypatch):
    """With a carrier share the heuristic does not apply: its designs for the problem without
    the carrier row are repaired to meet it (carrier_repair.py), and where no repaired design
    becomes the incumbent its sites are assigned again by a MIP that keeps the row (later
    calls, with an incumbent already, assign a window LP's sites); the first incumbent is never
    below the optimum, and the search still equals brute force."""
    from network.optimize import count_search as search
    from network.optimize.problem import CarrierBound

    firsts = []
    repaired, fixed = search.offer_repaired, search.fixed_sites_design

    def spy_repair(problem, full, best, designs, prices=None, data=None):
        n = repaired(problem, full, best, designs, prices, data)
        firsts.append(("repair", n, best.objective))
        return n

    def spy_fixed(problem, full, is_open, best, gap, deadline):
        kind = "fixed" if not np.isfinite(best.objective) else "lp sites"
        fixed(problem, full, is_open, best, gap, deadline)
        firsts.append((kind, None, best.objective))

    monkeypatch.setattr(search, "offer_repaired", spy_repair)
    monkeypatch.setattr(search, "fixed_sites_design", spy_fixed)
    by_repair = 0
    for seed in range(1, 6):
        problem = replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf))
        opt = problem.options
        carrier_b = (opt.site >= 0) & ((opt.point + opt.site) % 3 == 0)
        problem = replace(problem, carrier_bounds=(CarrierBound("B", carrier_b, 0.4, None),))
        firsts.clear()
        solution = solve_problem(problem, 60, 1e-9)
        exact = brute_force(problem)
        assert firsts[0][0] == "repair"
        if firsts[0][1] is None:  # repair gave no incumbent: the fixed-sites MIP ran
            assert firsts[1][0] == "fixed"
        else:
            assert np.isfinite(firsts[0][2]) and all(kind != "fixed" for kind, _, _ in firsts)
            by_repair += 1
        assert all(cost >= exact - 1e-9 for _, _, cost in firsts)
        assert solution.status is MipStatus.OPTIMAL
        assert problem_cost(problem, solution.is_open, solution.choice) == pytest.approx(
            exact, rel=1e-9)
    assert by_repair  # repair gave the first incumbent in some of them


def test_rounded_design_that_misses_the_target_is_none_not_an_error():
    """Sites rounded from prices can miss the share target even after swaps (here the only
    allowed site is 3 days from everyone and 80% must arrive within 2): no design, no crash."""
    from network.optimize import heuristic as h

    problem = random_problem(1, n_sites=8, n_points=30)
    slow = problem.options.days.copy()
    slow[problem.options.site == 0] = 3
    problem = replace(problem, options=replace(problem.options, days=slow),
                      forced_closed=np.arange(8) > 0,
                      share_requirements=(ShareRequirement(2, 0.8),))
    assert h.rounded_design(problem, np.ones(8), 1) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_heuristic_from_the_last_design_replaces_a_closed_site(seed):
    """After an edit the heuristic starts from the last design: a site now forced closed is
    replaced by one addition (same count), a site now forced open is added, and the designs it
    returns respect both and cost what they say."""
    from network.optimize import heuristic as h

    problem = random_problem(seed, n_sites=8, n_points=30)
    last = np.zeros(8, bool)
    last[[0, 2, 4]] = True
    edited = replace(problem, forced_closed=np.eye(8, dtype=bool)[2],
                     forced_open=np.eye(8, dtype=bool)[7])
    p, free = h.pricing(edited), ~edited.forced_open & ~edited.forced_closed
    start = h._repaired(edited, p, last, free, 0, 8)
    assert start.sum() == 4 and start[[0, 4, 7]].all() and not start[2]  # 2 out, one in, 7
    designs = h.best_designs(edited, 0, 8, last)
    assert 4 in designs
    for n, (cost, is_open, choice) in designs.items():
        assert is_open.sum() == n and is_open[7] and not is_open[2]
        assert cost == pytest.approx(problem_cost(edited, is_open, choice), rel=1e-12)
    narrowed = h._repaired(edited, p, last, free, 0, 2)  # now at most 2 sites
    assert narrowed.sum() == 2 and narrowed[7] and not narrowed[2]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_site_values_are_the_sites_the_lagrangian_chooses(seed):
    """`site_values` (which rounds a window's prices into a design) ranks sites the way L_n
    chooses them: L_n with the n lowest-valued free sites forced open is L_n itself, and with
    any other set forced it is no lower."""
    from network.optimize import lagrange as lg

    problem = random_problem(seed, n_sites=8, n_points=30)
    data = lg.lagrange_data(problem)
    rng = np.random.default_rng(seed)
    lam, sigma = rng.uniform(0, 12, problem.n_points), rng.uniform(0, 20, 1)
    values = lg.site_values(problem, data, lam, sigma)
    for n in (2, 3, 5):
        plain = lg.lagrangian_value(problem, data, n, lam, sigma)[0]
        top = np.zeros(8, bool)
        top[np.argsort(values, kind="stable")[:n]] = True
        forced = replace(problem, forced_open=top)
        assert lg.lagrangian_value(forced, data, n, lam, sigma)[0] == pytest.approx(plain)
        other = np.zeros(8, bool)
        other[np.argsort(values, kind="stable")[-n:]] = True
        worse = lg.lagrangian_value(replace(problem, forced_open=other), data, n, lam, sigma)[0]
        assert worse >= plain - 1e-9


def test_progress_reports_incumbent_and_bound(default_scenario, default_lanes):
    """A solve tells a listener where it stands after each step: bounds never above the best
    cost so far, the best cost never rising, and the last report within the final gap."""
    reports = []
    result = optimize(default_scenario, default_lanes, on_progress=reports.append)
    assert result.status is SolveStatus.OPTIMAL and reports
    costs = [r.incumbent_usd for r in reports if r.incumbent_usd is not None]
    assert costs == sorted(costs, reverse=True)
    for r in reports:
        if r.incumbent_usd is not None and r.best_bound_usd is not None:
            assert r.best_bound_usd <= r.incumbent_usd * (1 + 1e-9)
    assert reports[-1].incumbent_usd == pytest.approx(result.objective_usd, rel=1e-6)  # by
    # the model's costs, against evaluate()'s
    assert [r.seconds for r in reports] == sorted(r.seconds for r in reports)


@pytest.mark.parametrize(("seed", "sites", "max_set_mips"),
                         [(1, 1, 12), (2, 1, 12), (3, 1, 12), (4, 2, 12), (5, 2, 12), (6, 2, 12),
                          (4, 2, 1), (6, 2, 0)])
def test_small_site_count_with_binding_capacity_matches_brute_force(seed, sites, max_set_mips,
                                                                    monkeypatch):
    """Exactly one or two sites and capacities that bind: the window is solved set by set
    with capacity-priced bounds (site_sets.py) and must equal brute force (infeasible exactly
    when it is), within capacity; also when the set budget runs out and the window falls back
    to its own LP/MIP."""
    from network.optimize import site_sets as by_sets

    problem = replace(random_problem(seed), min_sites=sites, max_sites=sites)
    problem = replace(problem, share_requirements=(ShareRequirement(2, 0.2),))
    assert by_sets.enumerable(problem, sites, sites)
    monkeypatch.setattr(by_sets, "MAX_SET_MIPS", max_set_mips)
    searches = []

    def spy(*args, **kwargs):
        searches.append(by_sets.solve_by_sets(*args, **kwargs))
        return searches[-1]

    monkeypatch.setattr("network.optimize.count_search.solve_by_sets", spy)
    solution = solve_problem(problem, 60, 1e-9)
    assert searches or not solution.capacity_sites, "capacity binds but no set-by-set search"
    exact = brute_force(problem, count=sites)
    if not np.isfinite(exact):
        assert solution.status is MipStatus.INFEASIBLE
        return
    assert solution.status is MipStatus.OPTIMAL
    cost = problem_cost(problem, solution.is_open, solution.choice)
    assert cost == pytest.approx(exact, rel=1e-9)
    assert solution.best_bound <= exact * (1 + 1e-9)
    assert (site_loads(problem, solution.choice) <= problem.capacity_orders_per_year + 1e-6).all()


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_a_set_mip_cut_off_at_a_cost_bounds_the_set_by_that_cost_at_most(seed):
    """A set settled by its LP where that settles it, else by its MIP with a cutoff row (as
    site_sets' searches do): below the set's optimum (brute force) it finds no design and
    returns a bound at most that optimum (the cutoff); above it, the same optimum as without
    the row."""
    from network.optimize.model import build_model
    from network.optimize.site_sets import _set_by_lp, _set_mip, _set_model, site_sets

    def _solve_set(problem, full, is_open, relative_gap, deadline, cutoff):
        model, keep = _set_model(problem, is_open)
        found, _ = _set_by_lp(problem, full, model, keep, is_open, relative_gap, deadline,
                              cutoff)
        if found is not None:
            return found
        return _set_mip(problem, full, model, keep, is_open, relative_gap, deadline, cutoff)

    problem = replace(random_problem(seed), share_requirements=(ShareRequirement(2, 0.2),))
    full = build_model(problem, tuple(range(problem.n_sites)), (2, 2))
    for mask in site_sets(problem, 2, 2)[:4]:
        others_dear = replace(problem, fixed_cost_usd_per_year=np.where(
            mask, problem.fixed_cost_usd_per_year, 1e9))
        exact = brute_force(others_dear, count=2)
        if exact >= 1e9:
            continue
        below = _solve_set(problem, full, mask, 1e-9, time.perf_counter() + 60,
                           cutoff=exact * (1 - 1e-3))
        assert below[1] is None
        assert below[2] <= exact * (1 + 1e-9)
        above = _solve_set(problem, full, mask, 1e-9, time.perf_counter() + 60,
                           cutoff=exact * (1 + 1e-3))
        assert above[0] == pytest.approx(exact, rel=1e-9)
        assert above[2] <= exact * (1 + 1e-9)


def test_a_model_without_one_block_keeps_every_other_row():
    """model.without_block (a set MIP leaves out its link rows): the block's rows are gone,
    every other block keeps its name and exactly its rows (sides, entries, slack), in order."""
    from network.optimize.model import build_model, without_block

    problem = replace(random_problem(4), share_requirements=(ShareRequirement(2, 0.2),))
    full = build_model(problem, tuple(range(problem.n_sites)), (2, 2))
    less = without_block(full, "link")
    assert len(less.rows_of("link")) == 0 and len(full.rows_of("link")) > 0

    def dense(model, rows):
        a = np.zeros((len(model.row_lb), len(model.var_lb)))
        np.add.at(a, (model.a_row, model.a_col), model.a_val)
        return a[list(rows)]

    names = [name for name, _, _ in full.row_blocks if name != "link"]
    assert [name for name, _, _ in less.row_blocks] == names
    for name in names:
        old, new = full.rows_of(name), less.rows_of(name)
        assert len(old) == len(new)
        np.testing.assert_array_equal(dense(full, old), dense(less, new))
        for side in ("row_lb", "row_ub", "slack"):
            np.testing.assert_array_equal(getattr(full, side)[list(old)],
                                          getattr(less, side)[list(new)])
    assert len(less.row_lb) == len(full.row_lb) - len(full.rows_of("link"))


@pytest.mark.parametrize(("seed", "sites"), [(12, 3), (17, 2), (38, 2)])
def test_a_paused_enumeration_bounds_its_window_and_resumes_to_its_optimum(seed, sites):
    """site_sets.solve_by_sets with no incumbent and `may_pause` stops where its least set
    would take its exact MIP: its `low` is at most the window's optimum (brute force), and
    resumed with its own design as the incumbent (as count_search offers it) it ends at that
    optimum with a bound not above it."""
    from network.optimize.model import build_model
    from network.optimize.site_sets import solve_by_sets

    problem = replace(random_problem(seed, n_points=6), min_sites=sites, max_sites=sites)
    full = build_model(problem, tuple(range(problem.n_sites)), (sites, sites))
    exact = brute_force(problem, count=sites)
    deadline = time.perf_counter() + 60
    paused = solve_by_sets(problem, full, sites, sites, np.inf, 1e-9, deadline, may_pause=True)
    assert paused.paused and paused.low <= exact * (1 + 1e-9)
    assert paused.cost >= exact * (1 - 1e-9)
    done = solve_by_sets(problem, full, sites, sites, paused.cost, 1e-9, deadline,
                         resume=paused, may_pause=True)
    assert not done.paused and done.complete
    assert done.cost == pytest.approx(exact, rel=1e-9)
    assert paused.low <= done.proven <= exact * (1 + 1e-9)


@pytest.mark.parametrize("gap", [1e-2, 1e-4])
def test_a_set_settled_by_its_lp_brackets_the_set_optimum(gap):
    """site_sets._set_by_lp against brute force over each set's designs: a set it settles
    with a design has its bound at most the set's optimum and its design's cost at least it,
    within SET_ROUNDING of the gap; one it settles without a design (its LP bound at the
    cutoff) has no design below that cutoff; and the bound it returns otherwise is at most
    the set's optimum."""
    from network.optimize.model import build_model
    from network.optimize.result import relative_gap_of
    from network.optimize.site_sets import SET_ROUNDING, _set_by_lp, _set_model, site_sets

    seen = 0
    for seed, mask in ((k, mask) for k in (4, 5, 6, 7)
                       for mask in site_sets(random_problem(k), 2, 2)[:6]):
        problem = replace(random_problem(seed),
                          share_requirements=(ShareRequirement(2, 0.2),))
        full = build_model(problem, tuple(range(problem.n_sites)), (2, 2))
        others_dear = replace(problem, fixed_cost_usd_per_year=np.where(
            mask, problem.fixed_cost_usd_per_year, 1e9))
        exact = brute_force(others_dear, count=2)
        if exact >= 1e9:
            continue
        model, keep = _set_model(problem, mask)
        for cutoff in (exact * 0.9, exact * (1 + 1e-3), np.inf):
            found, bound = _set_by_lp(problem, full, model, keep, mask, gap,
                                      time.perf_counter() + 60, cutoff)
            assert bound <= exact * (1 + 1e-9)
            if found is None:
                continue
            seen += 1
            cost, values, set_bound, cut = found
            assert not cut and set_bound <= exact * (1 + 1e-9)
            if values is None:  # no design of the set below the cutoff
                assert cost == np.inf and exact >= cutoff * (1 - 1e-9)
                continue
            assert values[full.y].astype(bool).tolist() == mask.tolist()
            assert exact * (1 - 1e-9) <= cost
            assert relative_gap_of(cost, set_bound) <= SET_ROUNDING * gap * (1 + 1e-9)
    assert seen, "no set settled by its LP: the test checks nothing"


def test_capacity_priced_set_bounds_stay_below_each_set_optimum():
    """The enumeration prunes with these bounds, so each must be at most its set's optimum."""
    from network.optimize.site_sets import set_bounds, site_sets

    problem = replace(random_problem(7), share_requirements=(ShareRequirement(2, 0.0),))
    for n in (1, 2, 3):
        sets = site_sets(problem, n, n)
        bounds = set_bounds(problem, sets)
        for mask, bound in zip(sets, bounds, strict=True):
            others_dear = replace(problem, fixed_cost_usd_per_year=np.where(
                mask, problem.fixed_cost_usd_per_year, 1e9))
            exact = brute_force(others_dear, count=n)  # this set's own optimum, if any
            if exact < 1e9:
                assert bound <= exact * (1 + 1e-9)


@pytest.mark.parametrize("share", [0.3, 0.6, 0.9])
def test_set_bounds_that_reach_enough_stop_where_the_others_go_on(share):
    """A set whose B(S) reaches `enough` leaves the steps (solve_by_sets: the incumbent less
    the gap): its bound is one the full ascent also reached on its way (at least `enough`, at
    most the full ascent's), and every set below `enough` gets the full ascent's bound."""
    from network.optimize.site_sets import set_bounds, site_sets

    problem = replace(random_problem(7), share_requirements=(ShareRequirement(2, share),))
    sets = site_sets(problem, 2, 2)
    full = set_bounds(problem, sets)
    enough = float(np.median(full[np.isfinite(full)]))
    cut = set_bounds(problem, sets, enough=enough)
    below = cut < enough
    assert below.any() and not below.all()
    assert cut[below] == pytest.approx(full[below], rel=1e-12)
    assert (cut[~below] >= enough).all()
    assert (cut[~below] <= full[~below] * (1 + 1e-12)).all()


@pytest.mark.parametrize("share", [0.3, 0.6, 0.9])
def test_share_priced_set_bounds_stay_below_each_set_optimum(share):
    """With a share target priced in (sigma, site_sets.py) each set's bound is still at most
    that set's optimum under the target, and the price raises some bound above the one
    without the target (it is not left at zero)."""
    from network.optimize.site_sets import set_bounds, site_sets

    problem = replace(random_problem(7), share_requirements=(ShareRequirement(2, share),))
    untargeted = replace(problem, share_requirements=())
    raised = False
    for n in (1, 2):
        sets = site_sets(problem, n, n)
        bounds = set_bounds(problem, sets)
        plain = set_bounds(untargeted, sets)
        for mask, bound, without in zip(sets, bounds, plain, strict=True):
            others_dear = replace(problem, fixed_cost_usd_per_year=np.where(
                mask, problem.fixed_cost_usd_per_year, 1e9))
            exact = brute_force(others_dear, count=n)
            if exact < 1e9:
                assert bound <= exact * (1 + 1e-9)
                raised |= bound > without * (1 + 1e-9)
    assert raised


@pytest.mark.parametrize("share", [0.3, 0.6, 0.9])
def test_set_bounds_from_carried_prices_stay_below_each_set_optimum(share):
    """Each set's B(S) started from the prices its steps reached at another promise level
    (site_sets.SetPrices: a frontier's next level), or from arbitrary prices of the right
    shape (negative ones included: they are projected), is still at most that set's optimum
    at this level; prices of other sets are not used."""
    from network.optimize.site_sets import SetPrices, set_bounds, site_sets

    problem = replace(random_problem(7), share_requirements=(ShareRequirement(2, share),))
    higher = replace(problem, share_requirements=(ShareRequirement(2, min(1.0, share + 0.2)),))
    sets = site_sets(problem, 2, 2)
    carried: list[SetPrices] = []
    set_bounds(higher, sets, prices=carried)
    (start,) = carried
    rng = np.random.default_rng(3)
    scale = float(np.median(problem.options.cost_usd_per_order))
    noise = SetPrices(start.sets, rng.normal(0, scale, start.m.shape),
                      rng.normal(0, scale * problem.orders_per_year.sum(), start.sigma.shape))
    for prices in (start, noise):
        again: list[SetPrices] = []
        bounds = set_bounds(problem, sets, start=prices, prices=again)
        assert again[0].sets.shape == start.sets.shape
        for mask, bound in zip(sets, bounds, strict=True):
            others_dear = replace(problem, fixed_cost_usd_per_year=np.where(
                mask, problem.fixed_cost_usd_per_year, 1e9))
            exact = brute_force(others_dear, count=2)
            if exact < 1e9:
                assert bound <= exact * (1 + 1e-9)
    other = SetPrices(start.sets[::-1].copy(), start.m, start.sigma)
    assert other.for_sets(start.sets, 1) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_upgrades_of_rows_that_cannot_reach_the_share_are_inf_the_others_as_alone(seed):
    """_batch_upgrades leaves a row whose upgradable points weigh less than its shortfall at
    inf without sorting it; every row, those and the others (some reaching the share only
    with their last point, some needing none), costs what the greedy of that row alone
    (_upgrades, the reference) gives."""
    from network.optimize import heuristic as h

    rng = np.random.default_rng(seed)
    n_b, n_z = 40, 60
    weight = rng.uniform(0.2, 1.0, n_z)
    weight /= weight.sum()
    extra = rng.uniform(-1.0, 5.0, (n_b, n_z))
    slow = rng.random((n_b, n_z)) < rng.uniform(0.2, 0.95, (n_b, 1))
    finite = rng.random((n_b, n_z)) < rng.uniform(0.2, 1.0, (n_b, 1))
    share = 0.8
    got = h._batch_upgrades(weight, extra, slow, finite, share)
    missing = share - np.where(~slow, weight[None], 0.0).sum(axis=1)
    reach = np.where(slow & finite, weight[None], 0.0).sum(axis=1)
    kinds = set()
    for b in range(n_b):
        if missing[b] <= 1e-12:
            assert got[b] == 0.0
            kinds.add("none needed")
            continue
        chosen = h._upgrades(weight, extra[b], slow[b] & finite[b], float(missing[b]))
        if chosen is None:
            assert got[b] == np.inf
            kinds.add("short" if reach[b] < missing[b] else "other inf")
        else:
            assert got[b] == pytest.approx(extra[b, chosen].sum(), rel=1e-12, abs=1e-12)
            kinds.add("met")
    assert {"short", "met"} <= kinds


def test_the_point_site_costs_are_made_once_per_problem_and_read_only():
    """guess_sites and every share_price_guess read one problem's point-site costs: the second
    call gives the very arrays of the first (read only), equal to the costs made afresh, and
    another problem (a replaced one, or one target fewer) its own."""
    from network.optimize import heuristic as h

    problem = random_problem(5, n_sites=8, n_points=30)
    first = h._point_site_costs(problem)
    again = h._point_site_costs(problem)
    assert all(a is b for a, b in zip(first[:4], again[:4], strict=True))
    assert not any(a.flags.writeable for a in first[:4])
    for a, b in zip(first[:4], h._made_point_site_costs(problem)[:4], strict=True):
        assert np.array_equal(a, b)
    other = replace(problem, share_requirements=())
    costs = h._point_site_costs(other)
    assert costs[4] is None and costs[1] is not first[1]
    assert not np.array_equal(costs[1], first[1])  # every option counts as fast without one
