"""The plain data that goes in and out of the scenario store.

A saved version holds what a planner needs to reopen a meeting's option without solving again:
the scenario inputs (the versioned scenario JSON text, kept byte for byte), the design, the KPIs
(`network.evaluate.kpis_dict`), the solver's outcome and a note. The store takes these as plain
data and never imports the optimizer.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from network.errors import ProblemList
from network.evaluate import Design

MAX_NAME_CHARS = 120
MAX_NOTE_CHARS = 4000
MAX_STATUS_CHARS = 32


@dataclass(frozen=True)
class SolveSummary:
    """How the design was found: the optimizer's status (its SolveStatus value, e.g. "optimal",
    "feasible", or what the caller uses for a design it did not solve, e.g. "evaluated"), the
    relative gap (0.01 = 1%) and the proven lower bound on any design's cost (USD a year)."""

    status: str
    gap: float | None = None
    best_bound_usd: float | None = None


@dataclass(frozen=True)
class VersionContent:
    """What one save stores. Only the scenario inputs are required: a scenario may be saved
    before it is solved (then design, KPIs and solve are None)."""

    scenario_json: str  # network.scenario_file.scenario_to_json(scenario)
    design: Design | None = None  # open sites and every ZIP3's (site, service)
    kpis: dict[str, Any] | None = None  # network.evaluate.kpis_dict(evaluation)
    solve: SolveSummary | None = None
    note: str = ""


@dataclass(frozen=True)
class VersionRef:
    """Where a save landed: the scenario, its name and the new version's number and time."""

    scenario_id: int
    name: str
    version: int
    saved_at: datetime  # UTC


@dataclass(frozen=True)
class VersionInfo:
    """One version in a scenario's history, without its (large) contents."""

    scenario_id: int
    version: int
    saved_at: datetime  # UTC
    note: str
    solver_status: str | None
    total_cost_usd: float | None
    cost_per_order_usd: float | None
    n_open_sites: int | None
    share_within_2_days: float | None  # fraction of orders, 0..1


@dataclass(frozen=True)
class ScenarioSummary:
    """One row of the library: a scenario and the figures of its latest version."""

    scenario_id: int
    name: str
    n_versions: int
    latest: VersionInfo

    @property
    def latest_version(self) -> int:
        return self.latest.version


@dataclass(frozen=True)
class SavedVersion:
    """An opened version: its place in the store and everything it holds."""

    scenario_id: int
    name: str
    version: int
    latest_version: int  # the scenario's newest version when this was read
    saved_at: datetime  # UTC
    content: VersionContent

    @property
    def is_latest(self) -> bool:
        return self.version == self.latest_version


@dataclass(frozen=True)
class DeletePlan:
    """What `ScenarioStore.plan_delete` found, for the UI to show before the planner confirms:
    deleting goes through only if the scenario is still exactly this (no newer version)."""

    scenario_id: int
    name: str
    n_versions: int
    latest_version: int
    latest_saved_at: datetime
    versions: tuple[int, ...] = field(default=(), repr=False)

    @property
    def question(self) -> str:
        many = "s" if self.n_versions != 1 else ""
        return (f"Delete '{self.name}' and its {self.n_versions} saved version{many} "
                f"(latest saved {self.latest_saved_at:%Y-%m-%d %H:%M} UTC)? This cannot be "
                f"undone.")


def share_within(kpis: dict[str, Any] | None, days: int) -> float | None:
    """Share of orders delivered within `days` days from a kpis_dict: its share_within_days
    lists day counts up to the slowest delivery only, so beyond that every order is in."""
    if not kpis:
        return None
    shares = kpis.get("share_within_days") or {}
    if str(days) in shares:
        return float(shares[str(days)])
    slowest = kpis.get("max_delivery_days")
    if isinstance(slowest, int) and slowest <= days:
        return 1.0
    return None


def clean_name(name: Any, source: str = "scenario name") -> str:
    """The name as stored (outer spaces removed); raises InputError when unusable."""
    problems = ProblemList(source)
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        problems.add("give the scenario a name", field="name")
    elif len(text) > MAX_NAME_CHARS:
        problems.add(f"a name has at most {MAX_NAME_CHARS} characters (this one has "
                     f"{len(text)})", field="name")
    elif any(ord(c) < 32 or ord(c) == 127 for c in text):
        problems.add("a name cannot hold line breaks, tabs or control characters",
                     field="name")
    problems.raise_if_any()
    return text


def name_key(name: str) -> str:
    """What makes two names the same for a planner: case and runs of spaces ignored."""
    return " ".join(name.casefold().split())


def check_content(content: VersionContent) -> None:
    """Raise InputError listing every problem with what is about to be saved."""
    problems = ProblemList("save")
    _check_scenario_json(content.scenario_json, problems)
    if content.design is not None:
        _check_design(content.design, problems)
    if content.kpis is not None:
        _check_kpis(content.kpis, problems)
    if content.solve is not None:
        _check_solve(content.solve, problems)
    if not isinstance(content.note, str):
        problems.add("the note must be text", field="note")
    elif len(content.note) > MAX_NOTE_CHARS:
        problems.add(f"a note has at most {MAX_NOTE_CHARS} characters (this one has "
                     f"{len(content.note)})", field="note")
    problems.raise_if_any()


def _check_scenario_json(text: Any, problems: ProblemList) -> None:
    if not isinstance(text, str):
        problems.add("the scenario inputs must be the scenario JSON text", field="scenario_json")
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(f"the scenario inputs are not valid JSON: {exc.msg} (line {exc.lineno})",
                     field="scenario_json")
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("format_version"), int):
        problems.add("the scenario inputs must be a scenario JSON object with its "
                     "format_version", field="scenario_json")


def _check_design(design: Any, problems: ProblemList) -> None:
    if not isinstance(design, Design):
        problems.add("the design must be a network.evaluate.Design", field="design")
        return
    if not all(isinstance(s, str) and s for s in design.open_site_ids):
        problems.add("every open site id must be non-empty text", field="design.open_site_ids")
    for row, lane in enumerate(design.assignment, start=1):
        if not (isinstance(lane, tuple | list) and len(lane) == 3
                and all(isinstance(v, str) for v in lane)):
            problems.add("each assignment is (zip3, site_id, service_id), all text", row=row,
                         field="design.assignment")
            return


def _check_kpis(kpis: Any, problems: ProblemList) -> None:
    if not isinstance(kpis, dict):
        problems.add("the KPIs must be a dict (network.evaluate.kpis_dict)", field="kpis")
        return
    try:
        json.dumps(kpis, allow_nan=False)
    except (TypeError, ValueError) as exc:
        problems.add(f"the KPIs must be plain JSON data with finite numbers ({exc})",
                     field="kpis")


def _check_solve(solve: Any, problems: ProblemList) -> None:
    if not isinstance(solve, SolveSummary):
        problems.add("the solve outcome must be a SolveSummary", field="solve")
        return
    if not isinstance(solve.status, str) or not 0 < len(solve.status) <= MAX_STATUS_CHARS:
        problems.add(f"the solver status must be text of 1 to {MAX_STATUS_CHARS} characters",
                     field="solve.status")
    for name in ("gap", "best_bound_usd"):
        value = getattr(solve, name)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)
                                  or not math.isfinite(value)):
            problems.add("must be a finite number or None", field=f"solve.{name}")
    if isinstance(solve.gap, int | float) and solve.gap < 0:
        problems.add("the gap cannot be negative", field="solve.gap")


def design_to_json(design: Design | None) -> str | None:
    if design is None:
        return None
    return json.dumps({"open_site_ids": list(design.open_site_ids),
                       "assignment": [list(lane) for lane in design.assignment]},
                      separators=(",", ":"))


def design_from_json(text: str | None) -> Design | None:
    if text is None:
        return None
    doc = json.loads(text)
    return Design(tuple(doc["open_site_ids"]), tuple(tuple(a) for a in doc["assignment"]))


def kpis_to_json(kpis: dict[str, Any] | None) -> str | None:
    return None if kpis is None else json.dumps(kpis, separators=(",", ":"), allow_nan=False)


def kpis_from_json(text: str | None) -> dict[str, Any] | None:
    return None if text is None else json.loads(text)
