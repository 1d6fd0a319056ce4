"""What an optimization returns: the project's own status and a plain-data result.

Solver objects never leave `mathopt_backend.py`; everything here is plain Python.
"""

from __future__ import annotations

import enum
import warnings
from dataclasses import dataclass

from network.evaluate import Design, Evaluation


class SolveStatus(enum.Enum):
    OPTIMAL = "optimal"  # proven within the requested relative gap
    FEASIBLE = "feasible"  # a design meeting every constraint, gap above the request (time limit)
    INFEASIBLE = "infeasible"  # no design meets the targets and constraints (see explanation)
    NO_SOLUTION = "no_solution"  # time limit reached before any feasible design was found
    INVALID_INPUT = "invalid_input"  # the scenario or parameters are not usable
    CHECK_FAILED = "check_failed"  # the search's design breaks a constraint by evaluate(), the
    # independent check: a defect of the optimizer, never a result (design and evaluation kept
    # for inspection; the explanation lists each violation)

    @property
    def has_design(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class SolveParams:
    """How hard to try. Defaults suit an interactive what-if session."""

    time_limit_s: float = 60.0
    relative_gap: float = 1e-4  # 0.01%


@dataclass(frozen=True)
class SolveProgress:
    """Where a running search stands: the best design's cost so far and the proven bound (both
    in the solver's objective, USD a year; None before there is one)."""

    incumbent_usd: float | None
    best_bound_usd: float | None
    seconds: float

    @property
    def gap(self) -> float | None:
        if self.incumbent_usd is None or self.best_bound_usd is None:
            return None
        return max(0.0, self.incumbent_usd - self.best_bound_usd) / max(self.incumbent_usd, 1e-9)


@dataclass(frozen=True)
class OptimizeResult:
    status: SolveStatus
    design: Design | None  # open sites and the (site, service) of every ZIP3
    evaluation: Evaluation | None  # evaluate(scenario, design): the independent check
    objective_usd: float | None  # the design's annual cost by evaluate(): its KPI total
    best_bound_usd: float | None  # proven lower bound on any design's cost (None: none proven)
    gap: float | None  # (objective - bound) / objective
    solve_seconds: float
    explanation: tuple[str, ...] = ()  # planner-readable sentences; empty when optimal
    solver_objective_usd: float | None = None  # the search's own cost of the design, from the
    # model; equals objective_usd within rounding when the model and evaluate() agree
    n_options: int = 0  # lanes kept after the dominance reduction (model columns x)

    @property
    def open_site_ids(self) -> tuple[str, ...]:
        return self.design.open_site_ids if self.design else ()


BOUND_TOLERANCE = 1e-9  # relative: a bound this little above a cost is float noise (sums of
# many terms in another order), not a defect


class BoundAboveCost(UserWarning):
    """A lower bound above the cost of a design that meets every constraint: no valid bound
    can be, so the search has a defect. In use it is logged (Python's warnings) and the
    design is not called optimal; the tests turn it into an error (pyproject.toml)."""


def bound_holds(bound: float, cost: float) -> bool:
    """False, with a BoundAboveCost warning, when `bound` is above `cost` beyond float noise."""
    if bound <= cost + BOUND_TOLERANCE * abs(cost):
        return True
    warnings.warn(BoundAboveCost(f"the proven bound {bound:,.6f} is above the cost "
                                 f"{cost:,.6f} of a design that meets every constraint"),
                  stacklevel=2)
    return False


def relative_gap_of(cost: float, bound: float) -> float:
    """(cost - bound) / cost, the share of the cost by which a better design could be cheaper;
    0 when the bound is within float noise above the cost (bound_holds has ruled out more)."""
    return max(0.0, cost - bound) / max(abs(cost), 1e-9)
