"""What an optimization returns: the project's own status and a plain-data result.

Solver objects never leave `solve.py`; everything here is plain Python.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from network.evaluate import Design, Evaluation


class SolveStatus(enum.Enum):
    OPTIMAL = "optimal"  # proven within the requested relative gap
    FEASIBLE = "feasible"  # a design meeting every constraint, gap above the request (time limit)
    INFEASIBLE = "infeasible"  # no design meets the targets and constraints (see explanation)
    NO_SOLUTION = "no_solution"  # time limit reached before any feasible design was found
    INVALID_INPUT = "invalid_input"  # the scenario or parameters are not usable

    @property
    def has_design(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class SolveParams:
    """How hard to try. Defaults suit an interactive what-if session."""

    time_limit_s: float = 60.0
    relative_gap: float = 1e-4  # 0.01%
    threads: int = 1


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
    objective_usd: float | None  # the solver's objective, equal to evaluation total cost
    best_bound_usd: float | None  # proven lower bound on any design's cost
    gap: float | None  # (objective - bound) / objective
    solve_seconds: float
    explanation: tuple[str, ...] = ()  # planner-readable sentences; empty when feasible
    log: tuple[str, ...] = field(default=(), repr=False)
    solver_objective_usd: float | None = None  # the solver's own objective (equals objective_usd
    # within rounding; objective_usd is the evaluate() total)
    n_options: int = 0  # lanes kept after the dominance reduction (model columns x)

    @property
    def open_site_ids(self) -> tuple[str, ...]:
        return self.design.open_site_ids if self.design else ()
