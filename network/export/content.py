"""What every export is made from: a scenario, a design for it (if any), the design's
evaluation and how the design was found.

The evaluation is always `evaluate(scenario, design)`: an export shows the independent check's
numbers, never a figure copied from a file or a solver. Build one from a solve
(`from_result`), from a saved version (`from_saved`), or by evaluating a design
(`with_design`); `solved` solves the scenario first when it has no design yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from network.errors import InputError, Problem
from network.evaluate import Design, Evaluation, evaluate
from network.scenario import Scenario
from network.scenario_file import scenario_from_json
from network.store.records import SavedVersion, SolveSummary

if TYPE_CHECKING:  # importing the optimizer loads ortools; only the type is needed here
    from network.optimize.result import OptimizeResult, SolveParams

EVALUATED = "evaluated"  # SolveSummary.status of a design that was evaluated, not solved


@dataclass(frozen=True)
class ScenarioWithDesign:
    """A scenario and, once solved (or given), its design, the design's evaluation and the
    solve's status, gap and bound."""

    scenario: Scenario
    design: Design | None = None
    evaluation: Evaluation | None = None
    solve: SolveSummary | None = None

    @property
    def has_design(self) -> bool:
        return self.design is not None and self.evaluation is not None

    def require_design(self, what: str) -> Evaluation:
        """The evaluation, or InputError saying that `what` needs a solved scenario."""
        if self.evaluation is None:
            raise InputError([Problem("export", f"{what} shows a design: solve the scenario "
                                      "first (or export it as JSON or the sites CSV)")])
        return self.evaluation


def with_design(scenario: Scenario, design: Design, solve: SolveSummary | None = None
                ) -> ScenarioWithDesign:
    """The scenario with `design` evaluated (InputError when the design names unknown sites,
    services or ZIP3s)."""
    evaluation = evaluate(scenario, design)
    return ScenarioWithDesign(scenario, _full(design, evaluation), evaluation,
                              solve or SolveSummary(EVALUATED))


def _full(design: Design, evaluation: Evaluation) -> Design:
    """The design with every ZIP3's lane spelt out, in the demand's order (a design given by
    its open sites alone takes each ZIP3's cheapest lane, as evaluate() chose it)."""
    from network.evaluate import chosen_lanes_frame

    lanes = chosen_lanes_frame(evaluation)
    assignment = tuple(zip(lanes["zip3"], lanes["site_id"], lanes["service"], strict=True))
    return Design(design.open_site_ids, assignment)


def from_result(scenario: Scenario, result: OptimizeResult) -> ScenarioWithDesign:
    """A solve's design (none when it found none), with the solver's status, gap and bound;
    the result's evaluation is evaluate(scenario, design) already, so it is not redone."""
    if result.design is None or not result.status.has_design:
        return ScenarioWithDesign(scenario)
    evaluation = result.evaluation or evaluate(scenario, result.design)
    return ScenarioWithDesign(scenario, _full(result.design, evaluation), evaluation,
                              SolveSummary(result.status.value, result.gap,
                                           result.best_bound_usd))


def from_saved(saved: SavedVersion) -> ScenarioWithDesign:
    """A version from the scenario store, its stored design evaluated again."""
    scenario = scenario_from_json(saved.content.scenario_json,
                                  name=f"saved scenario {saved.scenario_id} version "
                                  f"{saved.version}", base_dir=None)
    if saved.content.design is None:
        return ScenarioWithDesign(scenario)
    return with_design(scenario, saved.content.design, saved.content.solve)


class NoDesign(Exception):
    """The optimizer found no design to export: `status` is its SolveStatus value
    ("infeasible", "no_solution", "invalid_input", "check_failed") and `explanation` its
    sentences."""

    def __init__(self, status: str, explanation: tuple[str, ...]):
        self.status = status
        self.explanation = explanation
        super().__init__(f"no design ({status}): " + " ".join(explanation))


def solved(item: ScenarioWithDesign, params: SolveParams | None = None) -> ScenarioWithDesign:
    """`item` as it is when it has a design, else its scenario solved; NoDesign when the
    optimizer finds none (infeasible, bad input, nothing within the time limit, or a design
    that failed evaluate())."""
    if item.has_design:
        return item
    from network.optimize import optimize
    from network.optimize.result import SolveParams

    result = optimize(item.scenario, params=params or SolveParams())
    if not result.status.has_design:
        raise NoDesign(result.status.value, tuple(result.explanation))
    return from_result(item.scenario, result)
