"""Sensitivity: each key input moved down and up, the network re-optimized, the current design
costed at the moved input, and the inputs ranked by effect (a tornado).

The inputs are a table of named perturbations (`PERTURBATIONS`): a name, a label, a default
relative step and a function (scenario, factor) -> moved scenario, factor = 1 - step or
1 + step. Adding an input is adding a row. The current design "kept fixed" keeps its open
sites and lets each ZIP3 take the cheapest lane that still meets the targets (a solve with
exactly those sites open), so both costs are built from the same elements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from network.explore.points import PointResult, PointTask, new_sweep_id
from network.scenario import Scenario

BASE = "base"


@dataclass(frozen=True)
class Perturbation:
    """One input a planner may be unsure of: moved by a relative `default_step` each way."""

    name: str
    label: str
    default_step: float  # 0.1 = down and up 10%
    move: Callable[[Scenario, float], Scenario]  # (scenario, factor) -> moved scenario


def _orders(s: Scenario, f: float) -> Scenario:
    return s.with_changes(demand=replace(s.demand, annual_orders=s.demand.annual_orders * f))


def _parcel_rates(s: Scenario, f: float) -> Scenario:
    services = tuple(replace(k, rates_usd=tuple(tuple(r * f for r in band)
                                                for band in k.rates_usd))
                     for k in s.services)
    return s.with_changes(services=services)


def _fixed_costs(s: Scenario, f: float) -> Scenario:
    sites = tuple(replace(x, fixed_cost_usd_per_year=x.fixed_cost_usd_per_year * f,
                          rent_usd_per_sqft_year=None if x.rent_usd_per_sqft_year is None
                          else x.rent_usd_per_sqft_year * f) for x in s.sites)
    return s.with_changes(sites=sites)


def _costs(s: Scenario, **changes) -> Scenario:
    return s.with_changes(costs=replace(s.costs, **changes))


def _safety_stock(s: Scenario, f: float) -> Scenario:
    return _costs(s, safety_stock_usd_per_year_one_site=s.costs.safety_stock_usd_per_year_one_site
                  * f)


def _cross_border(s: Scenario, f: float) -> Scenario:
    """Every cost figure of cross-border direct's own (duty, shared with the domestic path, and
    the return rate stay)."""
    cb, customs = s.costs.cross_border, s.costs.customs
    return _costs(s, cross_border=replace(
        cb, parcel_usd_per_parcel=cb.parcel_usd_per_parcel * f,
        parcel_usd_per_lb=cb.parcel_usd_per_lb * f,
        pick_pack_usd_per_order=cb.pick_pack_usd_per_order * f,
        return_label_usd=cb.return_label_usd * f),
        customs=replace(customs, entry_usd_per_parcel=customs.entry_usd_per_parcel * f))


def _return_rate(s: Scenario, f: float) -> Scenario:
    r = s.costs.returns
    return _costs(s, returns=replace(r, return_rate_share=min(1.0, r.return_rate_share * f)))


def _truckload_rate(s: Scenario, f: float) -> Scenario:
    i = s.costs.inbound
    return _costs(s, inbound=replace(i, truckload_usd_per_mile=i.truckload_usd_per_mile * f))


PERTURBATIONS: tuple[Perturbation, ...] = (
    Perturbation("orders", "Orders per year", 0.10, _orders),
    Perturbation("parcel_rates", "Parcel rates (every rate card)", 0.10, _parcel_rates),
    Perturbation("fixed_costs", "Site fixed costs (rent and overhead)", 0.10, _fixed_costs),
    Perturbation("safety_stock", "Safety-stock carrying cost", 0.10, _safety_stock),
    Perturbation("cross_border_cost", "Cross-border direct's own costs (parcel, entry, pick "
                 "and pack, return label)", 0.10, _cross_border),
    Perturbation("return_rate", "Return rate", 0.10, _return_rate),
    Perturbation("truckload_rate", "Inbound truckload rate per mile", 0.10, _truckload_rate),
)


def sensitivity_tasks(scenario: Scenario, current_sites: Sequence[str],
                      steps: Mapping[str, float] | None = None,
                      inputs: Sequence[Perturbation] = PERTURBATIONS) -> list[PointTask]:
    """The base point, then each input down and up by its step (`steps` overrides the
    defaults by name); every point also costs the design with `current_sites` open."""
    steps = steps or {}
    unknown = sorted(set(steps) - {p.name for p in inputs})
    if unknown:
        raise ValueError(f"unknown sensitivity inputs: {', '.join(unknown)}")
    sweep_id, fixed = new_sweep_id(), tuple(current_sites)
    tasks = [PointTask(sweep_id, 0, {"input": BASE, "direction": BASE, "step": 0.0}, scenario,
                       fixed_sites=fixed)]
    for p in inputs:
        step = steps.get(p.name, p.default_step)
        for direction, factor in (("down", 1 - step), ("up", 1 + step)):
            tasks.append(PointTask(sweep_id, len(tasks),
                                   {"input": p.name, "direction": direction, "step": step},
                                   p.move(scenario, factor), fixed_sites=fixed))
    return tasks


SENSITIVITY_COLUMNS = ["input", "label", "direction", "step", "status", "cost_usd", "delta_usd",
                       "design_changed", "open_sites", "current_design_status",
                       "current_design_cost_usd", "current_design_delta_usd"]


def sensitivity_frame(points: Sequence[PointResult],
                      inputs: Sequence[Perturbation] = PERTURBATIONS) -> pd.DataFrame:
    """One row per moved input (and the base): re-optimized cost and its change from the base
    optimum, whether the open sites change, the current design's cost and its change."""
    labels = {p.name: p.label for p in inputs} | {BASE: "As in the scenario"}
    base = next((p for p in points if p.labels["input"] == BASE), None)
    base_cost = base.optimum.cost_usd if base else None
    base_sites = set(base.optimum.open_sites) if base and base.optimum.has_design else None
    base_fixed = base.fixed.cost_usd if base and base.fixed else None
    rows = []
    for p in sorted(points, key=lambda p: p.index):
        o, f = p.optimum, p.fixed
        rows.append({
            "input": p.labels["input"], "label": labels.get(p.labels["input"], ""),
            "direction": p.labels["direction"], "step": p.labels["step"], "status": o.status,
            "cost_usd": o.cost_usd, "delta_usd": _delta(o.cost_usd, base_cost),
            "design_changed": None if base_sites is None or not o.has_design
            else set(o.open_sites) != base_sites,
            "open_sites": ";".join(o.open_sites),
            "current_design_status": f.status if f else None,
            "current_design_cost_usd": f.cost_usd if f else None,
            "current_design_delta_usd": _delta(f.cost_usd if f else None, base_fixed)})
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def _delta(value: float | None, base: float | None) -> float | None:
    return None if value is None or base is None else value - base


def tornado_frame(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Per input: the re-optimized cost change down and up, ranked by the larger of the two
    (absolute), largest first: the bars of a tornado chart."""
    moved = sensitivity[sensitivity["input"] != BASE]
    wide = moved.pivot_table(index=["input", "label", "step"], columns="direction",
                             values="delta_usd", aggfunc="first").reset_index()
    for side in ("down", "up"):
        if side not in wide:
            wide[side] = float("nan")
    wide = wide.rename(columns={"down": "down_delta_usd", "up": "up_delta_usd"})
    wide["swing_usd"] = wide[["down_delta_usd", "up_delta_usd"]].abs().max(axis=1)
    wide = wide.sort_values("swing_usd", ascending=False, ignore_index=True)
    wide.columns.name = None
    return wide[["input", "label", "step", "down_delta_usd", "up_delta_usd", "swing_usd"]]
