"""The tables every export shows, each figure rounded to the precision it has: USD a year to
whole dollars, per-order USD and inputs in USD to cents, orders to whole orders, shares as
percent with one decimal (as the app shows them), miles to one decimal, locations to five
decimals (about a metre).

- `sites_frame`: one row per candidate site, with the same columns before and after a solve
  (the design's columns are blank before one); it reads back as candidate sites (the app's
  sites upload, and a scenario's `sites_file`).
- `lanes_frame`: the lane chosen for each ZIP3 (a rate-shopped one with the service carrying
  each parcel weight), its cost parts per order (whatever parts the lane table has) and its
  cost a year.
- `kpi_frame`: the KPIs, the cost by component (every part of `cost_breakdown_usd`, then the
  same parts for US sites and for cross-border direct), the status quo's total (every order
  from abroad) and the change against it, the carrier mix, the targets and the solve.
- `assumption_frame`: every scenario input with its value and source.

Cells hold plain Python values (int, float, str, None), so that each writer formats them its
own way (a CSV prints them, the workbook gives each column a number format).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from network.evaluate import (
    ABROAD,
    CROSS_BORDER,
    US_SITES,
    Evaluation,
    chosen_lanes_frame,
    status_quo,
)
from network.export.content import ScenarioWithDesign
from network.scenario import Scenario
from network.tables import SITE_RESULT_COLUMNS
from network.wording import day_count

SITE_INPUT_COLUMNS = ("site_id", "name", "zip", "state", "zip3", "lat", "lon",
                      "fixed_cost_usd_per_year", "capacity_orders_per_year",
                      "rent_usd_per_sqft_year", "size_sqft", "forced", "source")
SITE_COLUMNS = SITE_INPUT_COLUMNS + SITE_RESULT_COLUMNS
LOCATION_DECIMALS = 5
PERCENT_DECIMALS = 1


def whole(value: float | None) -> int | None:
    return None if value is None else int(round(value))


def cents(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def percent(share: float | None, decimals: int = PERCENT_DECIMALS) -> float | None:
    """A share 0-1 as percent: 0.91234 -> 91.2."""
    return None if share is None else round(100 * float(share), decimals)


def _table(rows: list[dict], columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns), dtype=object)


# ---------------------------------------------------------------------------------------------
# Sites


def sites_frame(scenario: Scenario, evaluation: Evaluation | None) -> pd.DataFrame:
    """One row per candidate site: its inputs, then (after a solve) whether it is open and
    what it serves."""
    k = scenario.constraints
    use = {u.site_id: u for u in evaluation.sites} if evaluation is not None else {}
    rows = []
    for s in scenario.sites:
        forced = ("open" if s.site_id in k.forced_open
                  else "closed" if s.site_id in k.forced_closed else "")
        row = {"site_id": s.site_id, "name": s.name, "zip": s.zip, "state": s.state,
               "zip3": s.zip3, "lat": round(s.lat, LOCATION_DECIMALS),
               "lon": round(s.lon, LOCATION_DECIMALS),
               "fixed_cost_usd_per_year": cents(s.fixed_cost_usd_per_year),
               "capacity_orders_per_year": whole(s.capacity_orders_per_year),
               "rent_usd_per_sqft_year": cents(s.rent_usd_per_sqft_year),
               "size_sqft": whole(s.size_sqft), "forced": forced, "source": s.source}
        u = use.get(s.site_id)
        if u is not None:
            row |= {"open": "yes" if u.is_open else "no",
                    "orders_per_year": whole(u.orders_per_year),
                    "utilization_at_peak_pct": percent(u.utilization_share),
                    "variable_cost_usd_per_year": whole(u.variable_cost_usd_per_year),
                    "total_cost_usd_per_year": whole(
                        (u.fixed_cost_usd_per_year if u.is_open else 0.0)
                        + u.variable_cost_usd_per_year)}
        rows.append(row)
    return _table(rows, SITE_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Lanes


def lanes_frame(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """The lane chosen for each ZIP3: where from, which service (and which service carries
    each parcel weight), zone, miles, days, orders, each cost part per order (cents), the
    total per order and a year."""
    chosen = chosen_lanes_frame(evaluation)
    parts = [c for c in chosen.columns
             if c.endswith("_usd_per_order") and c != "cost_usd_per_order"]
    site_names = {s.site_id: s.name for s in scenario.sites} | {
        CROSS_BORDER: "cross-border direct"}
    lanes = evaluation.lanes  # its options: the services, then the rate-shopped ones
    service_names = dict(zip(lanes.service_ids, lanes.service_names, strict=True))
    # the totals from the unrounded elements: a constant element rounded to 4 decimals, times
    # every order, would be off by thousands of dollars a year
    exact = _cost_usd_per_order(evaluation)
    orders = lanes.demand.orders_per_year
    rows = []
    for i, rec in enumerate(chosen.to_dict("records")):
        cross = rec["site_id"] == CROSS_BORDER
        rows.append({
            "zip3": rec["zip3"], "state": rec["state"], "site_id": rec["site_id"],
            "site_name": site_names.get(rec["site_id"], ""), "service": rec["service"],
            "service_name": service_names.get(rec["service"], "shipped from abroad"
                                              if cross else ""),
            "parcel_services": rec["parcel_services"],
            "zone": None if cross else int(rec["zone"]),
            "distance_mi": None if cross else round(float(rec["distance_mi"]), 1),
            "delivery_days": int(rec["delivery_days"]),
            "orders_per_year": whole(rec["orders"]),
            **{p: cents(rec[p]) for p in parts},
            "cost_usd_per_order": cents(exact[i]),
            "cost_usd_per_year": whole(exact[i] * float(orders[i]))})
    columns = ["zip3", "state", "site_id", "site_name", "service", "service_name",
               "parcel_services", "zone",
               "distance_mi", "delivery_days", "orders_per_year", *parts,
               "cost_usd_per_order", "cost_usd_per_year"]
    return _table(rows, columns)


def _cost_usd_per_order(evaluation: Evaluation) -> np.ndarray:
    """Each ZIP3's cost per order on its chosen option, every element summed unrounded."""
    site, service = evaluation.site_index, evaluation.service_index
    parts = evaluation.lanes.parts_usd_per_order(np.arange(len(site)), site, service, site < 0)
    return np.sum(list(parts.values()), axis=0)


# ---------------------------------------------------------------------------------------------
# KPIs

KPI_COLUMNS = ("kpi", "value", "unit")
STATUS_QUO_KPI = "Status quo (every order from abroad): total annual cost"


def kpi_frame(item: ScenarioWithDesign) -> pd.DataFrame:
    """The design's KPIs, cost by component, carrier mix, targets and solve, one per row."""
    evaluation = item.require_design("the KPI table")
    return _table([dict(zip(KPI_COLUMNS, row, strict=True)) for row in kpi_rows(item,
                                                                                evaluation)],
                  KPI_COLUMNS)


def kpi_rows(item: ScenarioWithDesign, evaluation: Evaluation
             ) -> Iterator[tuple[str, Any, str]]:
    k = evaluation.kpis
    yield "Total annual cost", whole(k.total_cost_usd), "USD a year"
    yield "Cost per order", cents(k.cost_per_order_usd), "USD"
    yield "Orders a year", whole(k.orders_per_year), "orders"
    yield "Average delivery", round(k.avg_delivery_days, 2), "business days"
    for days in range(1, k.max_delivery_days + 1):
        yield f"Orders within {day_count(days)}", percent(
            k.share_within_days.get(days, 1.0)), "%"
    yield "Slowest delivery", k.max_delivery_days, "business days"
    yield "Sites open", k.n_open_sites, "sites"
    for part, usd in k.cost_breakdown_usd.items():
        yield f"Cost: {part.replace('_', ' ')}", whole(usd), "USD a year"
    for path, label in ((US_SITES, "US sites"), (ABROAD, "cross-border direct")):
        for part, usd in k.cost_breakdown_by_path_usd[path].items():  # the same parts
            yield f"Cost, {label}: {part.replace('_', ' ')}", whole(usd), "USD a year"
    quo = status_quo(item.scenario, evaluation.lanes)  # none when cross-border is disabled
    if quo is not None:
        yield STATUS_QUO_KPI, whole(quo.kpis.total_cost_usd), "USD a year"
        yield "Change against the status quo", whole(
            k.total_cost_usd - quo.kpis.total_cost_usd), "USD a year"
    for carrier, share in k.carrier_share.items():
        yield f"Orders by {carrier}", percent(share), "%"
    for t in evaluation.targets:
        yield f"Target: {t.description}", "met" if t.met else "missed", _achieved(t)
    for v in evaluation.violations:
        yield "Not met", v, ""
    yield from solve_rows(item)


def _achieved(target: Any) -> str:
    if target.description.startswith("no ZIP3"):
        return f"slowest ZIP3: {day_count(round(target.achieved))}"
    return f"achieved {target.achieved:.1f}%"


def solve_rows(item: ScenarioWithDesign) -> Iterator[tuple[str, Any, str]]:
    solve = item.solve
    if solve is None:
        return
    yield "Solver status", solve.status, ""
    if solve.gap is not None:
        yield "Proven gap", round(100 * solve.gap, 4), "% above the proven bound at most"
    if solve.best_bound_usd is not None:
        yield "Proven lower bound", whole(solve.best_bound_usd), "USD a year"


# ---------------------------------------------------------------------------------------------
# Assumptions and their sources

ASSUMPTION_COLUMNS = ("section", "parameter", "value", "source")


def assumption_frame(scenario: Scenario) -> pd.DataFrame:
    """Every input of the scenario with its value and where it comes from."""
    return _table([dict(zip(ASSUMPTION_COLUMNS, row, strict=True))
                   for row in assumption_rows(scenario)], ASSUMPTION_COLUMNS)


def assumption_rows(scenario: Scenario) -> Iterator[tuple[str, str, str, str]]:
    d = scenario.demand
    for name, value in _leaves(d, exclude={"source", "orders_by_zip3"}):
        yield "demand", name, value_text(value, name), d.source
    if d.orders_by_zip3:
        total = sum(v for _, v in d.orders_by_zip3)
        yield ("demand", "orders_by_zip3", f"{len(d.orders_by_zip3):,} ZIP3s, "
               f"{total:,.0f} orders a year", d.source)
    sources = dict(scenario.costs.sources)
    for name, value in _leaves(scenario.costs, exclude={"sources"}):
        yield "costs", name, value_text(value, name), _source_of(name, sources)
    for label, section in (("targets", scenario.targets),
                           ("constraints", scenario.constraints)):
        for name, value in _leaves(section):
            yield label, name, value_text(value, name), "scenario input"
    for s in scenario.services:
        name = s.name if s.carrier.casefold() in s.name.casefold() else f"{s.carrier} {s.name}"
        yield ("services", s.service_id, f"{name}; fuel surcharge {s.fuel_surcharge_pct:g}%, "
               f"residential {s.residential_surcharge_usd:.2f} USD a package", s.source)
    yield ("sites", "candidate sites", f"{len(scenario.sites)} sites",
           "each site's own source (sites table)")
    yield ("zip3_base", "ZIP3 areas", f"{len(scenario.zip3_base.zip3):,} ZIP3s",
           scenario.zip3_base.source)


def _leaves(section: Any, prefix: str = "", exclude: set[str] = frozenset()
            ) -> Iterator[tuple[str, Any]]:
    """(dotted field name, value) of every field under a scenario section, nested sections
    walked (a new field shows up without a change here)."""
    for f in dataclasses.fields(section):
        if f.name in exclude:
            continue
        value = getattr(section, f.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from _leaves(value, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", value


def _source_of(path: str, sources: dict[str, str]) -> str:
    """A cost parameter's source: its own, else its section's ('cross_border')."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in sources:
            return sources[".".join(parts[:n])]
    return ""


def value_text(value: Any, name: str = "") -> str:
    """An input as a planner reads it: 20,000,000; 1.3; 15% (a share); on; '1 lb 40%, 2 lb
    30%'; '90% within 2 days'; (none)."""
    if value is None or value == ():
        return "(none)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        if name.endswith("_share"):
            return f"{100 * value:g}%"
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,.6g}"
    if isinstance(value, tuple):
        return ", ".join(_item_text(v, name) for v in value)
    return str(value)


def _item_text(item: Any, name: str) -> str:
    if isinstance(item, tuple) and len(item) == 2:
        if name.endswith("weight_mix"):
            return f"{value_text(item[0])} lb {100 * item[1]:g}%"
        return f"{value_text(item[0])}: {value_text(item[1])}"
    fields = item.__dict__ if dataclasses.is_dataclass(item) else {}
    if {"within_days", "share_pct"} <= fields.keys():
        return f"{item.share_pct:g}% within {day_count(item.within_days)}"
    if {"name", "share"} <= fields.keys():
        return f"{item.name} {100 * item.share:g}%"
    if {"carrier", "min_pct", "max_pct"} <= fields.keys():
        low = "0" if item.min_pct is None else f"{item.min_pct:g}"
        high = "100" if item.max_pct is None else f"{item.max_pct:g}"
        return f"{item.carrier} {low}-{high}%"
    if fields:
        return " ".join(f"{k} {value_text(v)}" for k, v in fields.items())
    return value_text(item)
