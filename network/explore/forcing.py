""""Why not this site?": for every candidate, the cost of forcing it the other way.

A site closed in the current design is forced open, an open one forced closed (a site the
scenario itself forces the other way is released from that first), everything else kept; the
scenario is re-solved warm from the last design on each worker. Each answer is the optimum's
change against the same scenario re-solved in the same sweep (costs from the same elements
and the same solver settings), and the sites that open or close against the current design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from network.explore.points import Outcome, PointResult, PointTask, new_sweep_id
from network.scenario import Scenario

BASE = "base"
FORCE_OPEN, FORCE_CLOSED = "force open", "force closed"
FORCING_COLUMNS = ["site_id", "name", "action", "status", "cost_usd", "delta_usd", "opens",
                   "closes", "open_sites", "explanation"]


def forced(scenario: Scenario, site_id: str, is_open: bool) -> Scenario:
    """`scenario` with `site_id` forced open (`is_open`) or closed, released from any forcing
    the other way."""
    k = scenario.constraints
    opened = tuple(s for s in k.forced_open if s != site_id)
    closed = tuple(s for s in k.forced_closed if s != site_id)
    if is_open:
        opened += (site_id,)
    else:
        closed += (site_id,)
    return scenario.with_changes(constraints=replace(k, forced_open=opened, forced_closed=closed))


def forcing_tasks(scenario: Scenario, current_sites: Sequence[str]) -> list[PointTask]:
    """The scenario as it is, then each candidate forced the other way from `current_sites`."""
    sweep_id, current = new_sweep_id(), set(current_sites)
    tasks = [PointTask(sweep_id, 0, {"site_id": BASE, "action": BASE}, scenario)]
    for site_id in scenario.site_ids:
        opening = site_id not in current
        tasks.append(PointTask(sweep_id, len(tasks),
                               {"site_id": site_id,
                                "action": FORCE_OPEN if opening else FORCE_CLOSED},
                               forced(scenario, site_id, opening)))
    return tasks


def forcing_frame(points: Sequence[PointResult], scenario: Scenario,
                  current_sites: Sequence[str]) -> pd.DataFrame:
    """One row per candidate forced: the optimum's cost, its change from the scenario's own
    optimum (`delta_usd`), the sites it opens and closes against `current_sites`."""
    base = next((p.optimum for p in points if p.labels["site_id"] == BASE), None)
    base_cost = base.cost_usd if base is not None else None
    rows = []
    for p in sorted(points, key=lambda p: p.index):
        if p.labels["site_id"] == BASE:
            continue
        o = p.optimum
        opens, closes = changes(current_sites, o)
        rows.append({
            "site_id": p.labels["site_id"], "name": scenario.site(p.labels["site_id"]).name,
            "action": p.labels["action"], "status": o.status, "cost_usd": o.cost_usd,
            "delta_usd": None if o.cost_usd is None or base_cost is None
            else o.cost_usd - base_cost,
            "opens": ";".join(opens), "closes": ";".join(closes),
            "open_sites": ";".join(o.open_sites), "explanation": " ".join(o.explanation)})
    return pd.DataFrame(rows, columns=FORCING_COLUMNS)


def changes(current_sites: Sequence[str], outcome: Outcome) -> tuple[list[str], list[str]]:
    """Sites the outcome opens and closes against the current design (none without one)."""
    if not outcome.has_design:
        return [], []
    now, then = set(current_sites), set(outcome.open_sites)
    return ([s for s in outcome.open_sites if s not in now],
            [s for s in current_sites if s not in then])


def forcing_sentence(row: pd.Series | dict, names: dict[str, str] | None = None) -> str:
    """A row of `forcing_frame` in a planner's words, e.g. "Forcing Seattle open costs
    +$8,639,995 a year and closes ONT."."""
    names = names or {}
    verb = "open" if row["action"] == FORCE_OPEN else "closed"
    who = row["name"]
    if row["delta_usd"] is None or pd.isna(row["delta_usd"]):
        return f"Forcing {who} {verb} leaves no design: {row['explanation']}".rstrip(": ") + "."
    sign = "+" if row["delta_usd"] >= 0 else "-"
    text = f"Forcing {who} {verb} costs {sign}${abs(row['delta_usd']):,.0f} a year"
    moves = []
    for column in ("opens", "closes"):
        others = [x for x in str(row[column] or "").split(";") if x and x != row["site_id"]]
        if others:
            moves.append(f"{column} {', '.join(names.get(x, x) for x in others)}")
    return text + (" and " + " and ".join(moves) if moves else "") + "."
