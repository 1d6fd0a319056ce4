"""coverage.coverage_prices across one WarmSolver's solves (`kept_lps`): an LP over the same
inputs is not solved again, and one that differs only in its count or forced sites starts from
the last basis of the same matrix; its prices still give the LP's value (the least bound), as
a cold solve's do. Outside `kept_lps` every LP is solved cold."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from network.optimize import coverage
from network.optimize.mathopt_backend import solve_lp

from random_problems import random_problem


def _cold_value(problem, reach, cross, w, n) -> float:
    """The coverage LP's value (the most share n sites can reach), solved cold."""
    lp = solve_lp(coverage._coverage_model(problem, reach, cross, w, n), 60.0)
    return -lp.objective


@pytest.mark.parametrize("seed", [3, 7])
def test_coverage_prices_reuse_a_solved_lp_and_start_from_its_basis(seed, monkeypatch):
    starts = []

    def spy(model, time_limit_s, start=None, **kwargs):
        starts.append(start)
        return solve_lp(model, time_limit_s, start, **kwargs)

    monkeypatch.setattr(coverage, "solve_lp", spy)
    problem = random_problem(seed, n_sites=10, n_points=30)
    w = problem.orders_per_year / problem.orders_per_year.sum()
    reach, cross = coverage._reach(problem, 1)
    deadline = time.perf_counter() + 60

    for _ in range(2):  # outside kept_lps: solved cold each time
        coverage.coverage_prices(problem, reach, cross, w, 3, deadline)
    assert starts == [None, None]
    starts.clear()
    with coverage.kept_lps(coverage.CoverageLps()):
        _kept_and_warm(problem, reach, cross, w, deadline, starts)


def _kept_and_warm(problem, reach, cross, w, deadline, starts) -> None:
    first = coverage.coverage_prices(problem, reach, cross, w, 3, deadline)
    again = coverage.coverage_prices(problem, reach, cross, w, 3, deadline)
    assert len(starts) == 1 and starts[0] is None
    assert np.array_equal(first, again)
    again[:] = -1.0  # the caller's copy, not the kept prices
    assert np.array_equal(coverage.coverage_prices(problem, reach, cross, w, 3, deadline), first)
    assert len(starts) == 1

    closed = problem.forced_closed.copy()
    closed[int(np.argmax(np.bincount(reach[1], minlength=problem.n_sites)))] = True
    edited = replace(problem, forced_closed=closed)
    for p, n in ((edited, 3), (problem, 4), (edited, 2)):
        mu = coverage.coverage_prices(p, reach, cross, w, n, deadline)
        assert starts[-1] is not None  # from the last basis of the same matrix
        assert coverage.coverage_bound(p, reach, cross, w, n, mu) == pytest.approx(
            _cold_value(p, reach, cross, w, n), rel=1e-9, abs=1e-9)
    assert len(starts) == 4
