"""explain.relaxation_explanation after a search proved a scenario infeasible: its rows are
as loose as evaluate()'s, and it takes no more time than the solve has left."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import pytest

from network.evaluate import CROSS_BORDER, ROW_TOLERANCE, Design, evaluate
from network.lanes import build_lanes
from network.optimize import SolveStatus, explain, optimize, scenario_solver
from network.optimize.count_search import ProblemSolution
from network.optimize.mathopt_backend import MipSolution, MipStatus
from network.optimize.problem import problem_from_scenario
from network.optimize.reduce import reduce_options
from network.optimize.result import SolveParams
from network.scenario import ShareTarget, Targets

from random_problems import random_problem
from toy import cross_border, toy_scenario


def capacity_toy(capacities, targets):
    """The toy (ZIP3s of 100, 200, 300, 250 and 150 orders) with cross-border (10 days) taking
    what the sites cannot hold, peak 1, and the given share targets; every site reaches every
    ZIP3 within 2 days."""
    scenario = toy_scenario(targets=Targets(share_targets=tuple(targets)))
    sites = tuple(replace(s, capacity_orders_per_year=q)
                  for s, q in zip(scenario.sites, capacities, strict=True))
    return scenario.with_changes(sites=sites,
                                 costs=replace(scenario.costs, cross_border=cross_border(True)))


def problem_of(scenario):
    lanes = build_lanes(scenario)
    return problem_from_scenario(scenario, lanes, reduce_options(scenario, lanes)), lanes


def test_a_target_met_only_within_the_capacity_tolerance_is_not_named():
    """A, B and C hold 300, 300 and 150 orders less 0.9e-6 of that: A serving 101 and 102, B
    103, C 105 (104 from abroad) meets 75% within 2 days with every site loaded within
    evaluate()'s tolerance, so evaluate() accepts it. The relaxation over the capacities as
    written held only 55% (A 250, B 200, C 100) and named the target as beyond reach."""
    scenario = capacity_toy(tuple(q * (1 - 0.9e-6) for q in (300.0, 300.0, 150.0)),
                            [ShareTarget(2, 75.0)])
    problem, lanes = problem_of(scenario)
    assignment = (("101", "A", "ground"), ("102", "A", "ground"), ("103", "B", "ground"),
                  ("104", CROSS_BORDER, ""), ("105", "C", "ground"))
    assert evaluate(scenario, Design(("A", "B", "C"), assignment), lanes).violations == ()
    assert explain.relaxation_explanation(problem, 20.0, "") == [
        "no design meets every target and constraint together, although each target can be "
        "met on its own"]


def test_a_target_beyond_the_capacity_tolerance_is_still_named():
    """The same sites less 2e-6 of their capacity (beyond the tolerance): 75% is out of reach,
    and the relaxation says so (the best fill is then A 250, B 200, C 100: 55%)."""
    scenario = capacity_toy(tuple(q * (1 - 2e-6) for q in (300.0, 300.0, 150.0)),
                            [ShareTarget(2, 75.0)])
    problem, _ = problem_of(scenario)
    [text] = explain.relaxation_explanation(problem, 20.0, "")
    assert text.startswith("at most 55.0% of orders can be delivered within 2 days")


def test_the_relaxations_share_one_time_limit(monkeypatch):
    """Two targets, each relaxation stopped at its time limit: the first takes the whole
    budget, so the second is not started (each had the full limit before: twice the wait)."""
    scenario = capacity_toy((1000.0, 1000.0, 1000.0), [ShareTarget(1, 70.0), ShareTarget(2, 90.0)])
    problem, _ = problem_of(scenario)
    now = [1000.0]
    limits = []

    def stopped(model, time_limit_s, relative_gap, **kwargs):
        limits.append(time_limit_s)
        now[0] += time_limit_s  # a solve that stops at its limit
        return MipSolution(MipStatus.NO_SOLUTION, None, None, None, time_limit_s)

    monkeypatch.setattr(time, "perf_counter", lambda: now[0])
    monkeypatch.setattr(explain, "solve_model", stopped)
    assert explain.relaxation_explanation(problem, 20.0, "") == [
        "no design meets every target and constraint together; which of them binds was not "
        "found within 20 s"]
    assert limits == [20.0]


def test_the_explanation_gets_what_the_search_left_of_the_time_limit(monkeypatch):
    """A search that proves the scenario infeasible leaves the explanation the rest of the
    planner's time limit (here below EXPLAIN_TIME_LIMIT_S), never more, and the text names it."""
    scenario = capacity_toy((1000.0, 1000.0, 1000.0), [ShareTarget(1, 70.0)])
    given = []

    def spy(problem, time_limit_s, max_sites_text, budget_text=None):
        given.append((time_limit_s, budget_text))
        return [budget_text]

    monkeypatch.setattr(scenario_solver, "solve_problem", lambda *a, **k: ProblemSolution(
        MipStatus.INFEASIBLE, None, None, None, None, 1.0))
    monkeypatch.setattr(scenario_solver, "relaxation_explanation", spy)
    result = optimize(scenario, params=SolveParams(time_limit_s=5.0))
    assert result.status is SolveStatus.INFEASIBLE
    [(limit, text)] = given
    assert 0 < limit <= 5.0
    assert text.startswith("the ") and text.endswith(" s left of the time limit of 5 s")
    result = optimize(scenario, params=SolveParams(time_limit_s=600.0))
    assert given[-1] == (scenario_solver.EXPLAIN_TIME_LIMIT_S, "20 s")


def test_the_designers_explanation_counts_the_limit_from_its_request(monkeypatch):
    """In the Designer the limit counts from the planner's request (WarmSolver.solve's
    `started`), which may be before the call (the session's warm solver built first): the
    explanation gets what is left of the limit from there, not from the call."""
    from network.optimize import WarmSolver, warm_solver

    scenario = capacity_toy((1000.0, 1000.0, 1000.0), [ShareTarget(1, 70.0)])
    given = []

    def spy(problem, time_limit_s, max_sites_text, budget_text=None):
        given.append((time_limit_s, budget_text))
        return [budget_text]

    monkeypatch.setattr(warm_solver, "solve_problem", lambda *a, **k: ProblemSolution(
        MipStatus.INFEASIBLE, None, None, None, None, 1.0))
    monkeypatch.setattr(scenario_solver, "relaxation_explanation", spy)
    solver = WarmSolver(scenario, build_lanes(scenario), SolveParams(time_limit_s=5.0))
    result = solver.solve(started=time.perf_counter() - 3.0)
    assert result.status is SolveStatus.INFEASIBLE
    [(limit, text)] = given
    assert 0 < limit <= 2.0
    assert text.endswith(" s left of the time limit of 5 s"), text


def most_within(problem, within_days):
    """Brute force: the largest share within `within_days` of a design meeting every row but
    the targets within ROW_TOLERANCE (as evaluate()), at most max_sites open."""
    opt, best = problem.options, -1.0
    per_point = [np.nonzero(opt.point == z)[0] for z in range(problem.n_points)]
    weight = problem.orders_per_year / problem.orders_per_year.sum()
    for mask in itertools.product([False, True], repeat=problem.n_sites):
        is_open = np.array(mask)
        if is_open.sum() > problem.max_sites:
            continue
        usable = [p[(opt.site[p] < 0) | is_open[np.maximum(opt.site[p], 0)]] for p in per_point]
        combos = np.array(list(itertools.product(*usable)))
        ok = np.ones(len(combos), bool)
        for s in np.nonzero(is_open)[0]:
            load = (opt.site[combos] == s) @ problem.orders_per_year
            ok &= load <= problem.capacity_orders_per_year[s] * (1 + ROW_TOLERANCE)
        if ok.any():
            best = max(best, float(((opt.days[combos[ok]] <= within_days) @ weight).max()))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_both_relaxations_bound_every_accepted_design(seed):
    """Random problems with at most 1-3 sites: the sites-only bound and the relaxation's bound
    are never below the best share brute force finds, and the relaxation's design reaches no
    more than it."""
    problem = random_problem(seed, n_sites=6, n_points=5)
    problem = replace(problem, max_sites=1 + seed % 3)
    best = most_within(problem, 2)
    deadline = time.perf_counter() + 60
    assert explain._coverage_bound(problem, 2, deadline) >= best - 1e-9
    bound, reached = explain._best_share(problem, 2, deadline)
    assert bound >= best - 1e-9
    assert reached is not None and reached <= best + 1e-9


def test_a_target_the_sites_cannot_reach_is_named_from_the_sites_alone(monkeypatch):
    """The toy with at most one site and 70% within 1 day: no site reaches more than 60% that
    fast, which the sites-only model (3 sites and 5 points) proves without the relaxation over
    every option and capacity."""
    scenario = capacity_toy((1000.0, 1000.0, 1000.0), [ShareTarget(1, 70.0)])
    scenario = scenario.with_changes(constraints=replace(scenario.constraints, max_sites=1))
    problem, _ = problem_of(scenario)
    sizes = []
    real = explain.solve_model

    def spy(model, *args, **kwargs):
        sizes.append(len(model.var_lb))
        return real(model, *args, **kwargs)

    monkeypatch.setattr(explain, "solve_model", spy)
    assert explain.relaxation_explanation(problem, 20.0, "with at most 1 site ") == [
        "at most 60.0% of orders can be delivered within 1 day with at most 1 site under the "
        "other constraints (target: 70%)"]
    assert sizes == [3 + 5]
