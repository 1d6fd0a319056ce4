"""The scenario JSON export, and reading one back (an import): the versioned scenario document
(network/scenario_file.py) plus a `design` key holding the open sites, every ZIP3's site and
service, the KPIs and how the design was found.

Writing is a function of the scenario and the design alone (no date, no machine): export,
import, export again gives the same bytes.

Reading treats the file as hostile until checked, and every way it can be wrong ends in an
InputError naming the row and field, never a traceback:

- at most `MAX_SCENARIO_FILE_BYTES`, UTF-8 (a byte-order mark is allowed), JSON without NaN or
  Infinity, without a key given twice in one object, nested at most `MAX_JSON_DEPTH` deep
  (network/input_files.py `read_json`, the reader of every scenario file);
- the scenario checks of network/scenario_file.py (a newer format version is refused, saying
  so);
- no reference to a file (`sites_file`, `rate_cards_dir`, a `zip3_file` other than
  "embedded"): an imported scenario carries its data inline;
- the design names only the scenario's sites, services and ZIP3s, each ZIP3 once, and only open
  sites serve. Its KPIs are computed again by evaluate(); a file whose figures differ (another
  version of the cost model) is read with this tool's figures and a note saying so, and its
  solver claims (status, gap, bound) are then not kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from network.errors import InputError, Problem, ProblemList, problems_from_validation
from network.evaluate import Design, kpis_dict
from network.export.content import ScenarioWithDesign, with_design
from network.input_files import read_json
from network.scenario import Scenario
from network.scenario_file import (
    EMBEDDED,
    MAX_SCENARIO_FILE_BYTES,
    ExportedDesign,
    scenario_from_dict,
    scenario_to_dict,
)
from network.store.records import SolveSummary

FILE_REFERENCES = ("sites_file", "rate_cards_dir", "zip3_file")
IMPORTED = "imported"  # SolveSummary.status when the file's solver claims are not kept
TOTAL_TOLERANCE_USD = 0.01
DESIGN = TypeAdapter(ExportedDesign)


# ---------------------------------------------------------------------------------------------
# Writing


def design_document(item: ScenarioWithDesign) -> dict:
    """The scenario document, with a `design` key once there is a design."""
    doc = scenario_to_dict(item.scenario)
    if item.design is None or item.evaluation is None:
        return doc
    solve = item.solve
    doc["design"] = {
        "open_site_ids": list(item.design.open_site_ids),
        "assignment": [{"zip3": z, "site_id": s, "service": k}
                       for z, s, k in item.design.assignment],
        "kpis": kpis_dict(item.evaluation),
        "solve": None if solve is None else {
            "status": solve.status,
            "gap": None if solve.gap is None else round(solve.gap, 8),
            "best_bound_usd": (None if solve.best_bound_usd is None
                               else round(solve.best_bound_usd, 2))}}
    return doc


def design_json(item: ScenarioWithDesign) -> str:
    return json.dumps(design_document(item), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class ImportedScenario:
    """A scenario file read and checked: its scenario and design, and what the reader wants the
    planner to know (figures computed again that differ from the file's)."""

    content: ScenarioWithDesign
    notes: tuple[str, ...] = ()


def read_scenario_file(data: bytes | Path, source: str, base_dir: Path | None = None
                       ) -> ImportedScenario:
    """A scenario JSON (its bytes, or a path) with its design, if it has one; InputError
    listing every problem. `source` names the file in messages. Without `base_dir` (an upload
    or an import) the file may refer to no file; with it (a file named on the command line)
    its references are read from there, within the rules of network/scenario_file.py."""
    doc = read_json(data, source, MAX_SCENARIO_FILE_BYTES)
    if not isinstance(doc, dict):
        raise InputError([Problem(source, "a scenario file holds one JSON object {...}")])
    if base_dir is None:
        _refuse_file_references(doc, source)
    scenario = scenario_from_dict(doc, name=source, base_dir=base_dir)
    if doc.get("design") is None:
        return ImportedScenario(ScenarioWithDesign(scenario))
    exported = _exported_design(doc["design"], source)
    return _with_claims(_checked_design(exported, scenario, source), exported, source)


def _refuse_file_references(doc: dict, source: str) -> None:
    problems = ProblemList(source)
    for key in FILE_REFERENCES:
        value = doc.get(key)
        if value is not None and not (key == "zip3_file" and value == EMBEDDED):
            problems.add("an imported scenario carries its data inline and may not refer to a "
                         "file; export it from the app (or `python -m network export`) to get "
                         "one that does", field=key)
    problems.raise_if_any()


def _exported_design(raw: Any, source: str) -> ExportedDesign:
    try:
        return DESIGN.validate_json(json.dumps(raw), strict=True)
    except ValidationError as err:
        problems = problems_from_validation(err, source)
        raise InputError([Problem(p.source, p.message, p.row, f"design.{p.field or ''}"
                                  .rstrip(".")) for p in problems]) from None


def _checked_design(exported: ExportedDesign, scenario: Scenario, source: str
                    ) -> ScenarioWithDesign:
    """The scenario with the file's design evaluated, after checks that the design fits it:
    known sites and ZIP3s, each ZIP3 once, served only from open sites."""
    problems = ProblemList(source)
    known = set(scenario.site_ids)
    for row, site_id in enumerate(exported.open_site_ids, start=1):
        if site_id not in known:
            problems.add(f"unknown site id '{site_id[:60]}'", row, "design.open_site_ids")
    open_ids = set(exported.open_site_ids)
    seen: dict[str, int] = {}
    for row, lane in enumerate(exported.assignment, start=1):
        if lane.zip3 in seen:
            problems.add(f"ZIP3 '{lane.zip3[:10]}' is assigned twice (first in row "
                         f"{seen[lane.zip3]})", row, "design.assignment.zip3")
        seen.setdefault(lane.zip3, row)
        if lane.site_id != "CROSS_BORDER" and lane.site_id not in open_ids:
            problems.add(f"site '{lane.site_id[:60]}' serves this ZIP3 but is not among "
                         "open_site_ids", row, "design.assignment.site_id")
    problems.raise_if_any()
    design = Design(tuple(exported.open_site_ids),
                    tuple((a.zip3, a.site_id, a.service) for a in exported.assignment))
    try:
        return with_design(scenario, design)
    except InputError as err:  # evaluate()'s own checks: unknown ZIP3s, services, gaps
        raise InputError([Problem(source, p.message, p.row, _design_field(p))
                          for p in err.problems]) from None


def _design_field(problem: Problem) -> str:
    where = "open_site_ids" if problem.source == "design" else "assignment"
    return f"design.{where}" + (f".{problem.field}" if problem.field and where == "assignment"
                                else "")


def _with_claims(content: ScenarioWithDesign, exported: ExportedDesign, source: str
                 ) -> ImportedScenario:
    """The file's solver claims kept when its total cost is this tool's; else a note."""
    claimed = exported.kpis.get("total_cost_usd") if isinstance(exported.kpis, dict) else None
    total = content.evaluation.kpis.total_cost_usd
    solve = exported.solve
    summary = (SolveSummary(solve.status, solve.gap, solve.best_bound_usd)
               if solve is not None else SolveSummary(IMPORTED))
    if not isinstance(claimed, int | float) or isinstance(claimed, bool):
        return ImportedScenario(ScenarioWithDesign(
            content.scenario, content.design, content.evaluation, SolveSummary(IMPORTED)),
            (f"{source} gives no total cost for its design; its KPIs are computed here",))
    if abs(claimed - round(total, 2)) > TOTAL_TOLERANCE_USD:
        note = (f"{source} says the design costs {claimed:,.2f} USD a year; this tool computes "
                f"{total:,.2f} USD from the same design (the cost model differs), so the KPIs "
                "shown are this tool's and the file's solver status and gap are not kept")
        return ImportedScenario(ScenarioWithDesign(
            content.scenario, content.design, content.evaluation, SolveSummary(IMPORTED)),
            (note,))
    return ImportedScenario(ScenarioWithDesign(content.scenario, content.design,
                                               content.evaluation, summary))
