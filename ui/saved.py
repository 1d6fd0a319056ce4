"""Between a session's work and the scenario store, as plain functions (no streamlit, so tests
call them directly): what a save holds, and a saved version turned back into a scenario and
its result without solving again.

A saved version keeps the design (open sites and every ZIP3's site and service) and the
solver's status, gap and bound. Opening it rebuilds the evaluation from that design with
evaluate() (milliseconds), so the KPIs, map and tables are those of the saved design under the
saved inputs, and the solver's own figures are the saved ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from network.evaluate import Evaluation, Kpis, evaluate, kpis_dict
from network.lanes import LaneTable
from network.scenario import Scenario
from network.scenario_file import scenario_from_json, scenario_to_json

if TYPE_CHECKING:  # the optimizer's module loads ortools (0.8 s), the store's SQLAlchemy
    # (0.7 s): the Designer's first page imports this module and needs neither
    from network.optimize.result import OptimizeResult
    from network.store.records import VersionContent

LanesFor = Callable[[Scenario], LaneTable]
KPI_DAYS = (1, 2, 3)  # the "orders within N days" cards


@dataclass(frozen=True)
class OpenedFrom:
    """The saved version a session's scenario was opened from (or last saved as)."""

    scenario_id: int
    name: str
    version: int
    saved_at: datetime | None = None

    @property
    def label(self) -> str:
        return f"'{self.name}' version {self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {"scenario_id": self.scenario_id, "name": self.name, "version": self.version}

    @classmethod
    def from_dict(cls, doc: dict[str, Any] | None) -> OpenedFrom | None:
        if not isinstance(doc, dict):
            return None
        try:
            return cls(int(doc["scenario_id"]), str(doc["name"]), int(doc["version"]))
        except (KeyError, TypeError, ValueError):
            return None


def version_content(scenario: Scenario, result: OptimizeResult | None, note: str = ""
                    ) -> VersionContent:
    """What a save holds: the inputs, and the design, KPIs and solve when `result` (of this
    scenario) has a design."""
    from network.store.records import SolveSummary, VersionContent

    if result is None or not result.status.has_design:
        return VersionContent(scenario_to_json(scenario), note=note)
    return VersionContent(scenario_to_json(scenario), result.design,
                          kpis_dict(result.evaluation),
                          SolveSummary(result.status.value, result.gap, result.best_bound_usd),
                          note)


def saved_scenario(content: VersionContent, source: str) -> Scenario:
    """The saved inputs as a scenario (InputError naming `source` if they no longer load)."""
    return scenario_from_json(content.scenario_json, name=source)


def saved_evaluation(content: VersionContent, scenario: Scenario, lanes_for: LanesFor
                     ) -> Evaluation | None:
    """evaluate() of the saved design under the saved inputs; None before a solve."""
    if content.design is None:
        return None
    return evaluate(scenario, content.design, lanes_for(scenario))


def reopened_result(content: VersionContent, evaluation: Evaluation | None
                    ) -> OptimizeResult | None:
    """The saved solve as an OptimizeResult: the design, its fresh evaluation, and the saved
    status, gap and bound (no solve time: it was not solved again)."""
    if evaluation is None or content.design is None:
        return None
    from network.optimize.result import OptimizeResult, SolveStatus
    from network.store.records import SolveSummary

    solve = content.solve or SolveSummary("feasible")
    try:
        status = SolveStatus(solve.status)
    except ValueError:  # a status this version does not know: a design all the same
        status = SolveStatus.FEASIBLE
    total = evaluation.kpis.total_cost_usd
    return OptimizeResult(status, content.design, evaluation, total, solve.best_bound_usd,
                          solve.gap, 0.0, (), tuple(evaluation.violations))


@dataclass(frozen=True)
class Figures:
    """The KPI cards' numbers, from a live evaluation or a saved version's KPIs alike."""

    total_cost_usd: float
    cost_per_order_usd: float
    avg_delivery_days: float
    n_open_sites: int
    share_within_days: dict[int, float]  # for KPI_DAYS

    @classmethod
    def of(cls, kpis: Kpis) -> Figures:
        return cls(kpis.total_cost_usd, kpis.cost_per_order_usd, kpis.avg_delivery_days,
                   kpis.n_open_sites, {d: kpis.share_within_days.get(d, 1.0) for d in KPI_DAYS})

    @classmethod
    def from_saved(cls, kpis: dict[str, Any] | None) -> Figures | None:
        """From a saved version's KPIs (network.evaluate.kpis_dict); None without them."""
        from network.store.records import share_within

        if not kpis:
            return None
        shares = {d: share_within(kpis, d) for d in KPI_DAYS}
        return cls(float(kpis["total_cost_usd"]), float(kpis["cost_per_order_usd"]),
                   float(kpis["avg_delivery_days"]), int(kpis["n_open_sites"]),
                   {d: 1.0 if v is None else v for d, v in shares.items()})
