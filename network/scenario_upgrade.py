"""Reading scenario files of older format versions: what changed, and how an older file's
values carry over into the current definition (network/scenario.py).

Version 1 -> 2: `zip3_base` (the ZIP3 table inline) was added; a version 1 file reads as it is.

Version 2 -> 3: both paths, domestic and cross-border direct, have the same cost elements.
- `costs.inbound.customs_usd_per_order` (entry and brokerage per order, spread over a
  container's orders) becomes `costs.customs.entry_usd_per_container`: that figure times the
  orders per container, so the cost per order is unchanged.
- `costs.cross_border.cost_usd_per_order` (the international parcel plus the per-parcel entry)
  is split into `costs.customs.entry_usd_per_parcel` (its default, or all of it when the figure
  is smaller) and a flat parcel charge, the rest: the two still add up to the file's figure.
- The safety stock's reference volume is the file's own orders a year: its inventory cost at
  its own volume is unchanged (it did not scale with volume before).
Each moved figure keeps its source, with a note of how it was carried over. The new elements
(duty, freight to the ports, receiving, the cross-border handling and returns) take their
defaults and their defaults' sources.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from network.demand import build_demand
from network.scenario import CustomsSettings, InboundSettings, Scenario


def _note(version: int) -> str:
    return f"read from a version-{version} file"


def upgraded(doc: dict) -> dict:
    """A copy of a scenario document of an older version in the current version's shape
    (values already checked by type later, against the current definition)."""
    doc = copy.deepcopy(doc)
    version = doc.get("format_version")
    costs = doc.get("costs")
    if not isinstance(version, int) or version >= 3 or not isinstance(costs, dict):
        return doc
    sources = costs.get("sources") if isinstance(costs.get("sources"), dict) else {}
    _customs_per_container(costs, sources, _note(version))
    _cross_border_split(costs, sources, _note(version))
    if sources:
        costs["sources"] = sources
    return doc


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _customs_per_container(costs: dict, sources: dict, note: str) -> None:
    inbound = costs.get("inbound")
    if not isinstance(inbound, dict) or "customs_usd_per_order" not in inbound:
        return
    per_order = _number(inbound.pop("customs_usd_per_order"))
    if per_order is None:
        return
    per_container = _number(inbound.get("orders_per_container")) or \
        InboundSettings().orders_per_container
    costs.setdefault("customs", {})["entry_usd_per_container"] = per_order * per_container
    text = sources.pop("inbound.customs_usd_per_order", "no source given")
    sources["customs.entry_usd_per_container"] = (
        f"{text} ({note}: {per_order:g} USD per order x {per_container:g} orders per "
        "container)")


def _cross_border_split(costs: dict, sources: dict, note: str) -> None:
    cross = costs.get("cross_border")
    if not isinstance(cross, dict) or "cost_usd_per_order" not in cross:
        return
    total = _number(cross.pop("cost_usd_per_order"))
    if total is None:
        return
    entry = min(CustomsSettings().entry_usd_per_parcel, total)
    cross["parcel_usd_per_parcel"] = total - entry
    cross["parcel_usd_per_lb"] = 0.0
    costs.setdefault("customs", {})["entry_usd_per_parcel"] = entry
    section = sources.pop("cross_border", None)  # a whole-section source covered its days too
    text = sources.pop("cross_border.cost_usd_per_order", None) or section or "no source given"
    note = f"{note}: its {total:g} USD per order was the parcel plus the entry"
    sources["cross_border.parcel_usd_per_parcel"] = f"{text} ({note}; the parcel is the rest)"
    sources["cross_border.parcel_usd_per_lb"] = f"{note}: a flat charge per parcel"
    sources["customs.entry_usd_per_parcel"] = f"{text} ({note}; {entry:g} USD of it is entry)"
    if section is not None:
        sources.setdefault("cross_border.delivery_days", section)


def with_own_reference_volume(scenario: Scenario, version: int) -> Scenario:
    """A version 1 or 2 scenario with its safety stock's reference volume at its own orders a
    year, so that its inventory cost is what it was when it was saved."""
    orders = build_demand(scenario).total_orders_per_year
    costs = scenario.costs
    if orders <= 0:
        return scenario
    sources = dict(costs.sources) | {"safety_stock_reference_orders_per_year": (
        f"{_note(version)}: its own orders a year, so that its safety stock is what it was at "
        "its own volume (it did not scale with volume before version 3)")}
    return scenario.with_changes(costs=replace(
        costs, safety_stock_reference_orders_per_year=orders,
        sources=tuple(sorted(sources.items()))))
