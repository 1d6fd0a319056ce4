"""explain.relaxation_explanation after a search proved a scenario infeasible: its rows are
as loose as evaluate()'s, and it takes no more time than the solve has left."""

from __future__ import annotations

import time
from dataclasses import replace

from network.evaluate import CROSS_BORDER, Design, evaluate
from network.lanes import build_lanes
from network.optimize import SolveStatus, explain, optimize, scenario_solver
from network.optimize.count_search import ProblemSolution
from network.optimize.mathopt_backend import MipSolution, MipStatus
from network.optimize.problem import problem_from_scenario
from network.optimize.reduce import reduce_options
from network.optimize.result import SolveParams
from network.scenario import ShareTarget, Targets

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
