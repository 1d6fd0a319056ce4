"""The envelope ("any" number of sites) from the count rows: the bounds on the counts not swept
are below their true optimum, and the envelope derived with them is the "any" solve's."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.explore import ANY, frontier_frame, frontier_tasks, run_sweep
from network.explore.envelope import lagrangian_bound, unswept_bound
from network.explore.frontier import with_promise
from network.explore.points import SETTLED
from network.lanes import build_lanes
from network.optimize import SolveParams
from network.optimize.problem import problem_from_scenario
from network.optimize.reduce import reduce_options

from small import small_scenario

TIGHT = SolveParams(time_limit_s=60.0, relative_gap=1e-6)
SITES = ("ONT", "DFW", "ORD", "ATL", "MDT", "BDL")
LEVELS = (0.6, 0.8, 0.9, 1.0)
SWEPT = (1, 2, 3, 4, 5)  # the optimum has 4 sites at every level, 6 costs 0.1-2% more


@pytest.fixture(scope="module")
def scenario(default_scenario):
    return small_scenario(default_scenario, every=30, sites=SITES)


@pytest.fixture(scope="module")
def every_count(scenario, executor):
    """Each count 1..6 at each level, solved (cost of the cheapest design, or inf)."""
    tasks = frontier_tasks(scenario, 2, LEVELS, range(1, len(SITES) + 1), include_any=False)
    points = run_sweep(tasks, executor, TIGHT).wait()
    assert all(p.optimum.status in ("optimal", "infeasible") for p in points)
    return {(p.labels["sites"], p.labels["target"]):
            p.optimum.cost_usd if p.optimum.has_design else np.inf for p in points}


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("unswept", [(4, 5, 6), (1, 5, 6), (1,)])
def test_bounds_on_the_counts_not_swept_are_below_their_optimum(scenario, every_count, level,
                                                                 unswept):
    """Both bounds on the counts not swept (the cheap one, and the Lagrangian one from
    arbitrary prices, aimed far above so that every ascent runs) are at most the cheapest
    design with one of those counts."""
    moved = with_promise(scenario, 2, level)
    lanes = build_lanes(moved)
    problem = problem_from_scenario(moved, lanes, reduce_options(moved, lanes))
    truth = min(every_count[n, level] for n in unswept)
    assert unswept_bound(problem, unswept) <= truth * (1 + 1e-9)
    rng = np.random.default_rng(7)
    for _ in range(3):
        lam = problem.orders_per_year * rng.uniform(0, 20, problem.n_points)
        sigma = rng.uniform(0, 1e6, len(problem.share_requirements))
        assert lagrangian_bound(problem, unswept, (lam, sigma), 10 * truth) <= \
            truth * (1 + 1e-9)
    assert lagrangian_bound(problem, unswept, None, 10 * truth) <= truth * (1 + 1e-9)


def test_envelope_from_the_count_rows_equals_the_any_solve(scenario, executor):
    """Counts 1..5 of 6 swept: the "any" rows derived from them (count 6 bounded out)
    equal those of an "any" solve at every level, status, cost and open sites; at least one
    level is settled without solving, so the comparison is not of two solves."""
    tasks = frontier_tasks(scenario, 2, LEVELS, SWEPT)
    derived = run_sweep(tasks, executor, TIGHT).wait()
    solved_any = [replace(t, after=(), swept_counts=()) if t.labels["sites"] == ANY else t
                  for t in tasks]
    solved = run_sweep(solved_any, executor, TIGHT).wait()
    settled = [p for p in derived if p.optimum.explanation[:1]
               and p.optimum.explanation[0].startswith(SETTLED)]
    assert settled and all(p.labels["sites"] == ANY for p in settled)
    assert not any(p.optimum.explanation[:1] and p.optimum.explanation[0].startswith(SETTLED)
                   for p in solved)
    a, b = (frontier_frame(points, scenario, 2).set_index(["sites", "target"]).loc[ANY]
            for points in (derived, solved))
    assert list(a["status"]) == list(b["status"])
    assert a["cost_usd"].to_numpy() == pytest.approx(b["cost_usd"].to_numpy(), rel=2e-6)
    assert list(a["open_sites"]) == list(b["open_sites"])
    assert (a["gap"] <= TIGHT.relative_gap + 1e-12).all()
