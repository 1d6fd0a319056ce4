"""OR-Library instances with published optima, solved by the same model and solver as our
scenarios. A few small ones run by default and must be proven optimal; every instance runs
with `pytest -m slow` and must reach its published optimum (issue 3) within its time budget,
with a bound that holds. Which ones are also proven, and how fast, is in BENCHMARKS.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from network.bench.orlib import problem_for, published_optima, read_pmed, read_warehouse
from network.optimize.count_search import solve_problem
from network.optimize.mathopt_backend import MipStatus
from network.optimize.problem import problem_cost

DATA = Path(__file__).resolve().parent / "data" / "orlib"  # every instance, gzip-compressed
SMALL = [("ufl", "cap71"), ("ufl", "cap101"), ("ufl", "cap131"), ("pmedian", "pmed1"),
         ("pmedian", "pmed2")]
# Seconds to reach the published optimum: 60 s covers 68 of the 70 (BENCHMARKS.md, 60 s run);
# pmed22 reached it in 125 s and pmed38 within 600 s; both get twice that for a busy machine.
BUDGET_S = 120.0
LONGER_BUDGET_S = {"pmed22": 300.0, "pmed38": 1200.0}


def _check(kind: str, instance: str, root: Path, optima: dict, time_limit_s: float = 3600,
           must_prove: bool = True) -> None:
    problem = problem_for(instance, kind, root)
    solution = solve_problem(problem, time_limit_s=time_limit_s, relative_gap=1e-9)
    allowed = {MipStatus.OPTIMAL} if must_prove else {MipStatus.OPTIMAL, MipStatus.FEASIBLE}
    assert solution.status in allowed
    cost = problem_cost(problem, solution.is_open, solution.choice)
    published = optima[(kind, instance)]
    assert cost == pytest.approx(published, abs=2e-3, rel=1e-6)
    assert solution.solver_objective == pytest.approx(cost, rel=1e-6)
    assert solution.best_bound <= published + max(2e-3, 1e-6 * published)  # the file's rounding


@pytest.mark.parametrize(("kind", "instance"), SMALL)
def test_small_instance_reaches_published_optimum(kind, instance):
    """Small UFL and p-median instances reach their published optimum."""
    _check(kind, instance, DATA, published_optima(DATA / "optima.csv"))


def test_pmed_last_listed_edge_cost_wins():
    """pmed1 lists some edges twice; the later cost is the one used."""
    dist, p = read_pmed(DATA / "pmed" / "pmed1.txt.gz")
    assert p == 5 and dist.shape == (100, 100)
    assert np.allclose(dist, dist.T) and np.isfinite(dist).all()


def test_warehouse_reader_shapes():
    """cap71: 16 facilities, 50 customers; facility 11 has fixed cost 0."""
    fixed, cost = read_warehouse(DATA / "cap" / "cap71.txt.gz")
    assert fixed.shape == (16,) and cost.shape == (50, 16)
    assert fixed[10] == 0.0


def _every_instance() -> list[tuple[str, str]]:
    return sorted(k for k in published_optima(DATA / "optima.csv") if k[0] != "cfl")


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "instance"), _every_instance())
def test_every_instance_reaches_published_optimum(kind, instance):
    """Every pmed, OR-Library UFL and M* instance reaches its published optimum within its
    budget (proven or not: 20 of the 70 are not proven within 60 s)."""
    _check(kind, instance, DATA, published_optima(DATA / "optima.csv"),
           LONGER_BUDGET_S.get(instance, BUDGET_S), must_prove=False)
