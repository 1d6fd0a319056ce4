"""explain.targets_at_capacity: a target that leaves the open sites less spare capacity than a
median ZIP3's orders is named, why a search may stop without a proven gap."""

from __future__ import annotations

from network.lanes import build_lanes
from network.optimize import SolveStatus, optimize, scenario_solver
from network.optimize.count_search import ProblemSolution
from network.optimize.explain import pre_checks, targets_at_capacity
from network.optimize.mathopt_backend import MipStatus

from toy import capacity_toy


def test_a_target_using_all_capacity_is_named():
    """Sites of 300, 300 and 150 orders hold 75% of the 1000: 75% within 2 days leaves them
    none spare (A 100 + 200, B 300, C 150 is the only way), 60% leaves 150 (below the median
    ZIP3's 200), 50% leaves 250 and is not named. None is beyond capacity."""
    caps = (300.0, 300.0, 150.0)
    at = capacity_toy(caps, 75.0)
    lanes = build_lanes(at)
    assert pre_checks(at, lanes) == []
    assert targets_at_capacity(at, lanes) == [
        "75% of orders within 2 days leaves at most 0 orders a year unused of what every "
        "allowed site can hold at the peak multiplier 1 (75.0% of orders): each open site "
        "must be filled to within that many orders with whole ZIP3s (the median ZIP3 has 200 "
        "orders a year)"]
    assert "at most 150 orders" in targets_at_capacity(capacity_toy(caps, 60.0), lanes)[0]
    assert targets_at_capacity(capacity_toy(caps, 50.0), lanes) == []
    ample = capacity_toy((1000.0, 1000.0, 1000.0), 100.0)  # capacity does not bind
    assert targets_at_capacity(ample, build_lanes(ample)) == []


def test_a_search_stopped_without_a_design_says_why(monkeypatch):
    scenario = capacity_toy((300.0, 300.0, 150.0), 75.0)
    monkeypatch.setattr(scenario_solver, "solve_problem", lambda *a, **k: ProblemSolution(
        MipStatus.NO_SOLUTION, None, None, None, None, 1.0))
    result = optimize(scenario)
    assert result.status is SolveStatus.NO_SOLUTION
    assert result.explanation[0].startswith("no design found within the time limit")
    assert result.explanation[1].startswith("75% of orders within 2 days leaves at most 0")
