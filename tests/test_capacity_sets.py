"""network/optimize/capacity_sets.py: small_assignment, with every option free, finds the best
assignment to a set of sites (brute force's) under every row."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import pytest

from network.optimize import capacity_sets
from network.optimize.incumbent import Incumbent
from network.optimize.model import build_model
from tests.random_problems import brute_force, random_problem

CLOSED = 1e6  # a fixed cost that keeps a site out of any design brute force prefers


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_small_assignment_with_every_option_free_finds_the_best_assignment(monkeypatch, seed):
    """From an incumbent far above (a design no set beats by much: its cost set high),
    small_assignment with NEAR_OPTIONS large (every option of the sites free, as many nodes as
    it takes) offers the cheapest design on the set, as brute force finds it with every other
    site closed; a set with no design gets none."""
    monkeypatch.setattr(capacity_sets, "NEAR_OPTIONS", 1e9)
    monkeypatch.setattr(capacity_sets, "SMALL_NODES", None)
    problem = random_problem(seed, n_points=5)
    full = build_model(problem, tuple(range(problem.n_sites)))
    found = 0
    for open_set in itertools.combinations(range(problem.n_sites), 3):
        fixed = problem.fixed_cost_usd_per_year.copy()
        outside = np.ones(problem.n_sites, bool)
        outside[list(open_set)] = False
        fixed[outside] += CLOSED
        exact = brute_force(replace(problem, fixed_cost_usd_per_year=fixed), count=3)
        is_open = ~outside
        best = Incumbent(objective=1e5)
        capacity_sets.small_assignment(problem, full, is_open, best, 1e-9,
                                       time.perf_counter() + 60)
        if exact >= CLOSED / 2:
            assert best.values is None
            continue
        assert best.values is not None
        assert best.objective == pytest.approx(exact, rel=1e-7)
        found += 1
    assert found
