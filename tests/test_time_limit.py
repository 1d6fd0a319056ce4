"""The time limit is the whole solve's: what runs before the search (lanes, pre-checks, the
reduction, the model's build) takes its part of it, so a solve returns near its limit (the
search's overruns past its deadline are tested in test_capacity_cuts.py)."""

from __future__ import annotations

import time

import pytest

from network.optimize import scenario_solver
from network.optimize.result import SolveParams

LIMIT_S = 30.0
SLOW_S = 0.2  # the reduction, made this much slower here


def slowed(fn):
    def slow(*args, **kwargs):
        time.sleep(SLOW_S)
        return fn(*args, **kwargs)
    return slow


def spy_limits(monkeypatch, module) -> list[float]:
    """The time limits `module` hands the search, each recorded."""
    limits = []
    real = module.solve_problem

    def spy(problem, time_limit_s, *args, **kwargs):
        limits.append(time_limit_s)
        return real(problem, time_limit_s, *args, **kwargs)
    monkeypatch.setattr(module, "solve_problem", spy)
    return limits


def test_optimize_gives_the_search_what_the_preparation_left(monkeypatch, default_scenario,
                                                               default_lanes):
    """The reduction (made 0.2 s slower) runs before the search: the search is given the
    limit less that time, and the result is still the optimum."""
    limits = spy_limits(monkeypatch, scenario_solver)
    monkeypatch.setattr(scenario_solver, "reduce_options", slowed(scenario_solver.reduce_options))
    result = scenario_solver.optimize(default_scenario, default_lanes,
                                      SolveParams(time_limit_s=LIMIT_S))
    assert result.status.value == "optimal"
    assert len(limits) == 1 and 0 < limits[0] <= LIMIT_S - SLOW_S


def test_no_time_left_is_no_negative_limit(monkeypatch):
    """Past the limit before the search (a limit shorter than the preparation): the search is
    given 0 s, never a negative limit."""
    monkeypatch.setattr(time, "perf_counter", lambda: 100.0)
    assert scenario_solver.time_left_s(SolveParams(time_limit_s=5.0), 90.0) == 0.0
    assert scenario_solver.time_left_s(SolveParams(time_limit_s=5.0), 97.0) == pytest.approx(2.0)


def test_a_warm_solve_counts_its_limit_from_when_the_wait_began(monkeypatch, default_scenario,
                                                                 default_lanes):
    """WarmSolver.solve: an edit's re-reduction (made 0.2 s slower) takes its part of the
    limit, and with `started` (the Designer's request, 5 s before: the optimizer's import and
    the solver's build) the limit counts from then; the result is still the optimum."""
    from network.optimize import warm_solver

    limits = spy_limits(monkeypatch, warm_solver)
    solver = warm_solver.WarmSolver(default_scenario, default_lanes,
                                    SolveParams(time_limit_s=LIMIT_S))
    monkeypatch.setattr(warm_solver, "reduce_options", slowed(warm_solver.reduce_options))
    edited = default_scenario.with_changes(
        sites=tuple(s for s in default_scenario.sites if s.site_id != "SEA"))
    assert solver.solve(edited).status.value == "optimal"
    assert 0 < limits[-1] <= LIMIT_S - SLOW_S
    earlier = time.perf_counter() - 5.0
    assert solver.solve(default_scenario, started=earlier).status.value == "optimal"
    assert 0 < limits[-1] <= LIMIT_S - 5.0


def test_the_designers_solve_counts_its_limit_from_its_request(monkeypatch, default_scenario,
                                                               default_lanes):
    """ui.background.warm_solve: the limit counts from the run's start, as the Designer's
    status shows the elapsed time against it ("Solving… 12.3 s (limit 20 s)"), not from
    when the warm solver, built on the first solve, begins."""
    from network.optimize import warm_solver
    from ui import background
    from ui.data import SOLVE_TIME_LIMIT_S

    limits = spy_limits(monkeypatch, warm_solver)
    run = background.SolveRun(background.SolveRequest(background.DESIGN, default_scenario,
                                                      "key", default_lanes))
    run.started -= 5.0  # the request waited 5 s before the solve began
    result, _ = background.warm_solve(None, run.request, run)
    assert result.status.value == "optimal"
    assert len(limits) == 1 and 0 < limits[0] <= SOLVE_TIME_LIMIT_S - 5.0
