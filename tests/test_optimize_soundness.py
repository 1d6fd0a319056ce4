"""Every claim the optimizer makes is earned: an unknown bound is not an infeasible one, an
extrapolated bound is a bound, a bound above a design's cost is a defect (never hidden), and a
design that fails evaluate() is never reported optimal or feasible."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from network.optimize import SolveParams, SolveStatus, optimize
from network.optimize.count_search import solve_problem
from network.optimize.mathopt_backend import MipStatus
from network.optimize.problem import LocationProblem, problem_cost
from network.scenario import DesignConstraints, ShareTarget, Targets

from random_problems import brute_force, every_site_open, random_problem
from toy import toy_scenario

DEFAULT = Path(__file__).resolve().parent.parent / "data" / "scenarios" / "default.json"


def _uncapacitated(seed: int) -> LocationProblem:
    return replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf))


def test_an_lp_that_stops_without_prices_is_unknown_not_infeasible(monkeypatch):
    """Every LP ends without prices and without proving infeasibility (numerical trouble, a
    solver limit): the search learns nothing from them, so it must neither call the problem
    infeasible nor its poor first design (every site open) optimal; the windows' MIPs still
    reach brute force's optimum."""
    from network.optimize import count_search as search
    from network.optimize import window_bounds as windows
    from network.optimize.mathopt_backend import LpSolution

    monkeypatch.setattr(windows, "solve_lp",
                        lambda *args, **kwargs: LpSolution(None, None, None, infeasible=False))
    monkeypatch.setattr(search, "best_designs", every_site_open)
    for seed in (1, 2, 3):
        problem = _uncapacitated(seed)
        solution = solve_problem(problem, 60, 1e-9)
        assert solution.status is not MipStatus.INFEASIBLE
        cost = problem_cost(problem, solution.is_open, solution.choice)
        exact = brute_force(problem)
        assert cost == pytest.approx(exact, rel=1e-9)
        assert solution.best_bound <= exact * (1 + 1e-9)


def test_a_search_stopped_before_any_design_is_not_infeasible(monkeypatch):
    """A search the time limit stops before it has a design (no heuristic design here) knows
    no design, not that none exists: no solution, never infeasible."""
    from network.optimize import count_search as search

    monkeypatch.setattr(search, "best_designs", lambda *args: {})
    solution = solve_problem(_uncapacitated(1), 1e-6, 1e-9)
    assert solution.status is MipStatus.NO_SOLUTION


def test_extrapolated_bound_with_a_lagrangian_far_point_stays_below_the_lp(monkeypatch):
    """convex_estimate extends a line through two counts' LP values. When the far count is
    known only by a Lagrangian bound strictly below its LP value (as after settle_by_nearest),
    that bound must not be used as the far value: the line would tilt up and overshoot the LP
    value of the count it bounds (and could prune the count holding the optimum)."""
    from network.optimize import window_bounds as w
    from network.optimize.model import build_model

    checked = 0
    for seed in (1, 2, 3):
        problem = _uncapacitated(seed)
        full = build_model(problem, (), (0, problem.n_sites))
        exact = {}
        for n in range(1, 6):
            window = w.WindowState(n, n)
            w.bound_window(full, window, time.perf_counter() + 60)
            exact[n] = window
        for far, near, target in ((1, 2, 3), (1, 2, 4), (5, 4, 3), (5, 4, 2)):
            if any(exact[n].lp is not w.LpOutcome.SOLVED for n in (far, near, target)):
                continue  # that count's LP is infeasible (the target needs more sites)
            checked += 1
            windows = [w.WindowState(n, n) for n in range(1, 6)]
            true = {n: exact[n].bound for n in exact}
            windows[near - 1] = exact[near]
            far_window = windows[far - 1]
            far_window.bound = true[far] - 0.2 * abs(true[far])  # a weak Lagrangian bound
            far_window.lp_upper = true[far]  # what the far count's LP objective says
            estimate = w.convex_estimate(windows, problem, target - 1)
            assert estimate <= true[target] * (1 + 1e-9), (seed, far, near, target)
    assert checked >= 6


def test_a_bound_above_the_design_is_a_defect_not_a_proof(monkeypatch):
    """A bound above the cost of the design found cannot be valid. It is not clamped to the
    cost (which would report 'optimal, gap 0'): the search warns and does not call the design
    optimal; optimize() reports no gap and says why."""
    from network.optimize import count_search as search

    real = search._integral_bound
    monkeypatch.setattr(search, "_integral_bound",
                        lambda problem, bound, capacity: real(problem, bound, capacity) * 1.5)
    problem = _uncapacitated(1)
    with pytest.warns(UserWarning, match="above"):
        solution = solve_problem(problem, 60, 1e-9)
    assert solution.status is MipStatus.FEASIBLE
    assert solution.best_bound is None
    with pytest.warns(UserWarning, match="above"):
        result = optimize(toy_scenario())
    assert result.status is SolveStatus.FEASIBLE
    assert result.best_bound_usd is None and result.gap is None
    assert any("bound" in s for s in result.explanation)


@pytest.mark.parametrize("seed", range(3))
def test_a_design_that_misses_a_target_within_the_tolerance_is_above_the_bound(seed):
    """incumbent.offer (as evaluate()) accepts a design that misses a share target by up to
    ROW_TOLERANCE, so every bound must hold for it too. Here the cheapest design without a
    target misses the target by half the tolerance: it is the optimum of the rows offer
    accepts (brute force, within the tolerance), and the search must return it with a bound
    at or below its cost. Before every bound priced the loosened rows, the bounds held the
    row exactly: seeds 0 and 1 ended with a bound above this design's cost (BoundAboveCost,
    an error here), and seed 2 called a dearer design optimal."""
    from network.evaluate import ROW_TOLERANCE
    from network.optimize.problem import ShareRequirement

    problem = replace(random_problem(seed, n_sites=6), capacity_orders_per_year=np.full(6, np.inf))
    free = solve_problem(replace(problem, share_requirements=()), 60, 1e-9)
    weight = problem.orders_per_year / problem.orders_per_year.sum()
    share = float(weight @ (problem.options.days[free.choice] <= 2))
    missed = replace(problem, share_requirements=(
        ShareRequirement(2, share + 0.5 * ROW_TOLERANCE),))
    solution = solve_problem(missed, 60, 1e-9)
    assert solution.status is MipStatus.OPTIMAL
    assert solution.solver_objective == pytest.approx(brute_force(missed), rel=1e-9)
    assert solution.solver_objective == pytest.approx(free.solver_objective, rel=1e-9)
    assert solution.best_bound <= solution.solver_objective * (1 + 1e-12)


def _one_day_share_just_out_of_reach(seed: int) -> tuple[LocationProblem, np.ndarray]:
    """A random problem (no capacity) with one site at most and a 1-day target half the
    tolerance above the best share one site reaches, and that site (the only one reaching
    it, for these seeds): a design meets the target only within the slack offer accepts."""
    from network.evaluate import ROW_TOLERANCE
    from network.optimize.problem import ShareRequirement

    problem = replace(random_problem(seed), capacity_orders_per_year=np.full(8, np.inf),
                      min_sites=1, max_sites=1)
    opt, weight = problem.options, problem.orders_per_year / problem.orders_per_year.sum()
    covers = np.zeros((problem.n_sites, problem.n_points), bool)
    fast = (opt.site >= 0) & (opt.days <= 1)
    covers[opt.site[fast], opt.point[fast]] = True
    shares = covers.astype(float) @ weight
    best = int(np.argmax(shares))
    assert np.sort(shares)[-2] < shares[best] - 1e-3 and shares[best] < 1.0  # one site, < 100%
    return (replace(problem, share_requirements=(
        ShareRequirement(1, float(shares[best]) + 0.5 * ROW_TOLERANCE),)),
        np.arange(problem.n_sites) == best)


@pytest.mark.parametrize("seed", (0, 2, 3))
def test_a_window_whose_target_is_met_only_within_the_tolerance_is_not_empty(seed):
    """The window's LP proves a window empty when infeasible, so it must be the LP of the rows
    offer accepts (each loosened by its slack): here only one site reaches within half the
    tolerance of the target, so the LP over the rows as built is infeasible while brute force
    (and offer, and evaluate()) accept that site's designs. Before, the window was called
    empty and the search returned INFEASIBLE."""
    from network.optimize.model import build_model
    from network.optimize.window_bounds import LpOutcome, WindowState, bound_window

    problem, _ = _one_day_share_just_out_of_reach(seed)
    exact = brute_force(problem, count=1)  # (brute force tries every count)
    assert np.isfinite(exact)
    window = WindowState(1, 1)
    bound_window(build_model(problem), window, time.perf_counter() + 60)
    assert window.lp is LpOutcome.SOLVED
    assert window.bound <= exact * (1 + 1e-9)
    solution = solve_problem(problem, 60, 1e-9)
    assert solution.status is MipStatus.OPTIMAL
    assert solution.solver_objective == pytest.approx(exact, rel=1e-9)
    assert solution.best_bound <= solution.solver_objective * (1 + 1e-12)


@pytest.mark.parametrize("seed", (0, 2, 3))
def test_a_site_tree_node_whose_sites_meet_the_target_only_within_the_tolerance_is_not_empty(
        seed):
    """A node of the site tree (site_branching._child) whose LP is infeasible over every
    column holds no design: over the rows as built that is not so when its sites reach the
    target only within the tolerance. Here the node fixes open the one site that does (from a
    parent without a basis: its LP over every column); it must keep a finite bound, at most
    brute force's best. Before, its bound was inf (the half pruned)."""
    from network.optimize import site_branching
    from network.optimize.incumbent import Incumbent
    from network.optimize.model import build_model, with_count_window

    problem, is_open = _one_day_share_just_out_of_reach(seed)
    full = build_model(problem)
    model = with_count_window(full, 1, 1)
    every = site_branching._Space(model, np.arange(len(model.row_lb)),
                                  np.arange(len(model.var_lb)), None, False)
    y = model.y
    parent = site_branching._Node(-np.inf, 0, 0, model.var_lb[y], model.var_ub[y],
                                  np.full(problem.n_sites, 1 / problem.n_sites), None)
    best = Incumbent()
    node = site_branching._child(problem, full, model, every, parent, is_open.astype(float),
                                 is_open.astype(float), (0, 1), best,
                                 time.perf_counter() + 60, 1)
    exact = brute_force(problem, count=1)
    assert node is not None and np.isfinite(node.bound)
    assert node.bound <= exact * (1 + 1e-9)


def test_a_target_one_site_meets_within_the_tolerance_is_not_infeasible():
    """The toy with one site at most and 60.00005% within 1 day: sites A and B reach 60%, so
    evaluate() accepts either (it meets a target within ROW_TOLERANCE), and optimize() must
    return A, not INFEASIBLE (as it did while the window's LP held the target exactly)."""
    from network.evaluate import ROW_TOLERANCE, Design, evaluate

    scenario = toy_scenario(
        targets=Targets(share_targets=(ShareTarget(1, 100 * (0.6 + 0.5 * ROW_TOLERANCE)),)),
        constraints=DesignConstraints(min_sites=1, max_sites=1))
    assert evaluate(scenario, Design(("A",))).feasible
    result = optimize(scenario)
    assert result.status is SolveStatus.OPTIMAL
    assert result.evaluation.feasible
    assert result.design.open_site_ids == ("A",)


def _drop_forced_open(monkeypatch) -> None:
    """A defect planted in the model builder: it forgets the forced-open sites."""
    from network.optimize import scenario_solver, warm_solver

    real = scenario_solver.problem_from_scenario

    def forgetful(scenario, lanes, options):
        problem = real(scenario, lanes, options)
        return replace(problem, forced_open=np.zeros_like(problem.forced_open))

    for module in (scenario_solver, warm_solver):  # optimize() and WarmSolver
        monkeypatch.setattr(module, "problem_from_scenario", forgetful)


def test_a_design_evaluate_rejects_is_never_optimal_or_feasible(monkeypatch):
    """With C forced open the optimum is A and C; a model builder that forgets the forced site
    returns A alone, which evaluate() rejects. The result says the check failed, lists the
    violation, and is neither optimal nor feasible."""
    _drop_forced_open(monkeypatch)
    scenario = toy_scenario(constraints=DesignConstraints(forced_open=("C",)))
    result = optimize(scenario)
    assert result.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assert not result.status.has_design
    assert any("C is forced open but closed" in s for s in result.explanation)


def test_a_design_the_search_costs_otherwise_than_evaluate_fails_the_check(monkeypatch):
    """A model that is not the scenario's (a planted defect: the builder forgets inventory)
    costs its design below evaluate()'s total: the check fails, it says by how much, and the
    design is neither optimal nor feasible."""
    from network.optimize import scenario_solver

    real = scenario_solver.problem_from_scenario

    def no_inventory(scenario, lanes, options):
        problem = real(scenario, lanes, options)
        return replace(problem, inventory_usd_by_count=0 * problem.inventory_usd_by_count)

    monkeypatch.setattr(scenario_solver, "problem_from_scenario", no_inventory)
    result = optimize(toy_scenario())
    assert result.status is SolveStatus.CHECK_FAILED
    assert any("the search costs the design $4,750.00 a year, evaluate() $4,850.00" in s
               for s in result.explanation)


def test_solve_command_exits_non_zero_when_the_check_fails(monkeypatch, tmp_path, capsys):
    """`python -m network solve` exits 5 when evaluate() rejects the optimizer's design (the
    default scenario with SEA forced open, and a model builder that forgets it), and prints
    the violation."""
    from network.cli import main

    _drop_forced_open(monkeypatch)
    doc = json.loads(DEFAULT.read_text())
    for key in ("sites_file", "rate_cards_dir"):
        doc[key] = str((DEFAULT.parent / doc[key]).resolve())
    doc["constraints"]["forced_open"] = ["SEA"]
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc))
    code = main(["solve", str(path), "--out", str(tmp_path / "out")])
    assert code == 5
    assert "SEA is forced open but closed" in capsys.readouterr().out


@pytest.mark.slow  # benchmark-size: a 1-day 99% solve of the default, 7-11 s quiet, minutes at load
def test_ninety_nine_percent_within_one_day_meets_the_check_it_shows(default_scenario):
    """The issue's case: the default scenario with 99% of orders within 1 day. The optimizer's
    design must pass the same check the app shows (it was reported optimal while the card said
    'Target missed', achieved 98.99993%): one tolerance for meeting a row in both."""
    scenario = default_scenario.with_changes(targets=Targets(
        share_targets=(ShareTarget(1, 99.0),)))
    result = optimize(scenario, params=SolveParams(time_limit_s=1800.0))  # 7-11 s on a quiet
    # machine; the default 60 s limit was reached under a load average of 20 (not optimal then)
    assert result.status is SolveStatus.OPTIMAL
    assert result.evaluation.feasible, result.evaluation.violations
    assert all(t.met for t in result.evaluation.targets)


def test_one_site_at_ninety_percent_within_two_days_is_infeasible_not_an_overloaded_design(
        default_scenario, default_lanes):
    """A colleague's case: the default scenario with exactly one site and 90% within 2 days.
    No single site can serve 90% of the orders within its capacity, so the search must prove
    it infeasible; it once reported IND at 180% of its capacity as optimal (the solver's
    hint, which met no row, taken for a design)."""
    from network.optimize.problem import problem_from_scenario
    from network.optimize.reduce import reduce_options

    scenario = default_scenario.with_changes(
        targets=Targets(share_targets=(ShareTarget(2, 90.0),)),
        constraints=DesignConstraints(min_sites=1, max_sites=1))
    problem = problem_from_scenario(scenario, default_lanes,
                                    reduce_options(scenario, default_lanes))
    solution = solve_problem(problem, 120, 1e-4)
    assert solution.status is MipStatus.INFEASIBLE
    assert solution.is_open is None and solution.choice is None


def test_export_command_exits_five_when_the_check_fails(monkeypatch, tmp_path, capsys):
    """`python -m network export` solves a scenario without a design first: when evaluate()
    rejects the optimizer's design it writes nothing, prints the violation and exits 5 (the
    same planted defect as above, on the toy with C forced open)."""
    from network.cli import main
    from network.scenario_file import scenario_to_json

    _drop_forced_open(monkeypatch)
    path = tmp_path / "toy.json"
    path.write_text(scenario_to_json(toy_scenario(
        constraints=DesignConstraints(forced_open=("C",)))))
    code = main(["export", str(path), "--format", "json", "--out", str(tmp_path / "out.json")])
    assert code == 5
    assert "C is forced open but closed" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()


def test_evaluate_command_exits_five_when_the_check_fails(monkeypatch, tmp_path, capsys):
    """`python -m network evaluate --open A,C` asks the optimizer for the cheapest assignment
    to exactly those sites; when evaluate() rejects its design (the planted defect drops C)
    it prints the violation and exits 5, not 3 or 4 (the sites are not at fault)."""
    from network.cli import main
    from network.scenario_file import scenario_to_json

    _drop_forced_open(monkeypatch)
    path = tmp_path / "toy.json"
    path.write_text(scenario_to_json(toy_scenario()))
    code = main(["evaluate", str(path), "--open", "A,C", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 5, out
    assert "failed the independent check" in out and "C is forced open but closed" in out
