"""Settings-page edits as plain functions: scenario in, checked scenario out, or InputError
naming the row and field of every problem (the caller then keeps the old scenario).

The limits below come from the scenario definition (network/scenario.py): the Settings page
gives them to its number inputs and these functions check typed values against them. A cost
parameter the edit changes gets an "edited in the app" source (costs.sources).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from typing import Any, get_args

import numpy as np
import pandas as pd

from network.errors import ProblemList, reported_as
from network.fields import Range, field_info
from network.lanes import parcel_usd_by_zone
from network.scenario import (
    CostSettings,
    CrossBorderSettings,
    CustomsSettings,
    DemandSettings,
    DesignConstraints,
    InboundSettings,
    Port,
    ReturnPolicy,
    ReturnsSettings,
    Scenario,
    Share,
    ShareTarget,
    Targets,
    WeightLb,
)
from ui.edits import checked, edited_source, number, value_text

ANNUAL_ORDERS = Range.of(DemandSettings, "annual_orders")
GROWTH_PCT = Range.of(DemandSettings, "growth_pct")
WEIGHT_LB = Range.of_type(WeightLb)
SHARE_PCT = Range.of_type(Share).scaled(100)
RETURN_RATE_PCT = Range.of(ReturnsSettings, "return_rate_share").scaled(100)
PROCESSING_DAYS = Range.of(CostSettings, "processing_days")
PICK_PACK_USD = Range.of(CostSettings, "pick_pack_usd_per_order")
PEAK_MULTIPLIER = Range.of(CostSettings, "peak_multiplier")
WITHIN_DAYS = Range.of(ShareTarget, "within_days")
TARGET_PCT = Range.of(ShareTarget, "share_pct")
MAX_DAYS = Range.of(Targets, "max_days_any_zip3")  # the form's 0 stands for "no limit"
MIN_SITES = Range.of(DesignConstraints, "min_sites")
MAX_SITES = Range.of(DesignConstraints, "max_sites")  # the form's 0 stands for "no limit"
LATITUDE = Range.of(Port, "lat")
LONGITUDE = Range.of(Port, "lon")
PORT_SHARE_PCT = Range.of(Port, "share").scaled(100)
TRUCKLOAD_USD_PER_MILE = Range.of(InboundSettings, "truckload_usd_per_mile")
PORT_FREIGHT_USD = Range.of(Port, "freight_usd_per_container")
CROSS_BORDER_DAYS = Range.of(CrossBorderSettings, "delivery_days")
RETURN_POLICIES = get_args(ReturnPolicy)

# The number fields each Settings form edits, by section of the costs ("" = costs itself):
# field -> the label its problems are named by. Their limits come from the definition.
INBOUND_NUMBERS = {"truckload_usd_per_mile": "truckload USD per mile",
                   "freight_usd_per_container": "freight USD per container",
                   "orders_per_container": "orders per container",
                   "receiving_usd_per_container": "receiving USD per container"}
CUSTOMS_NUMBERS = {"duty_rate_pct": "duty %", "goods_value_usd_per_order": "goods value USD",
                   "parcel_value_usd_per_order": "parcel value USD",
                   "entry_usd_per_container": "entry USD per container",
                   "entry_usd_per_parcel": "entry USD per parcel"}
CROSS_BORDER_NUMBERS = {"parcel_usd_per_parcel": "parcel USD per parcel",
                        "parcel_usd_per_lb": "parcel USD per lb",
                        "pick_pack_usd_per_order": "pick and pack USD per order",
                        "return_label_usd": "return label USD", "delivery_days": "delivery days"}
INVENTORY_NUMBERS = {"safety_stock_usd_per_year_one_site": "safety stock USD a year",
                     "safety_stock_reference_orders_per_year": "reference orders a year",
                     "safety_stock_volume_exponent": "volume exponent"}
SECTION_CLASSES = {"": CostSettings, "inbound": InboundSettings, "customs": CustomsSettings,
                   "cross_border": CrossBorderSettings}


@reported_as("demand")
def apply_demand(scenario: Scenario, annual_orders: float, growth_pct: float,
                 include_noncontiguous: bool) -> Scenario:
    p = ProblemList("demand")
    orders = number(p, None, "annual orders", annual_orders, ANNUAL_ORDERS)
    growth = number(p, None, "growth %", growth_pct, GROWTH_PCT)
    p.raise_if_any()
    demand = replace(scenario.demand, annual_orders=orders, growth_pct=growth,
                     include_noncontiguous=bool(include_noncontiguous))
    return checked(scenario.with_changes(demand=demand), "demand")


def population_demand(scenario: Scenario) -> Scenario:
    """Back from the user's uploaded orders to the population spread."""
    demand = replace(scenario.demand, orders_by_zip3=(),
                     source="population share (data/us_zip3_demand.csv) x annual orders")
    return checked(scenario.with_changes(demand=demand), "demand")


@reported_as("orders and costs")
def apply_orders_profile(scenario: Scenario, weight_mix: pd.DataFrame, return_rate_pct: float,
                         processing_days: float, pick_pack_usd: float,
                         peak_multiplier: float) -> Scenario:
    """Weight mix (weight_lb, share_pct rows; shares must add up to 100) and per-order costs."""
    p = ProblemList("orders and costs")
    mix = []
    for row, rec in enumerate(weight_mix.to_dict("records"), start=1):
        w = number(p, row, "weight_lb", rec.get("weight_lb"), WEIGHT_LB)
        s = number(p, row, "share_pct", rec.get("share_pct"), SHARE_PCT)
        if w is not None and s is not None:
            mix.append((w, _share(s)))
    if mix and abs(sum(s for _, s in mix) - 1) > 1e-6:
        p.add(f"shares add up to {100 * sum(s for _, s in mix):.2f}%, not 100%",
              field="share_pct")
    if not mix and not p.items:
        p.add("the weight mix needs at least one row", field="weight_lb")
    weights = [w for w, _ in mix]
    for w in sorted({w for w in weights if weights.count(w) > 1}):
        p.add(f"{w:g} lb is given more than once", field="weight_lb")
    rate = number(p, None, "return rate %", return_rate_pct, RETURN_RATE_PCT)
    days = number(p, None, "processing days", processing_days, PROCESSING_DAYS)
    pick = number(p, None, "pick and pack USD per order", pick_pack_usd, PICK_PACK_USD)
    peak = number(p, None, "peak multiplier", peak_multiplier, PEAK_MULTIPLIER)
    p.raise_if_any()
    costs = replace(scenario.costs, weight_mix=tuple(sorted(mix)), processing_days=int(days),
                    pick_pack_usd_per_order=pick, peak_multiplier=peak,
                    returns=replace(scenario.costs.returns, return_rate_share=_share(rate)))
    return checked(scenario.with_changes(costs=with_edit_sources(scenario.costs, costs)),
                   "orders and costs")


@reported_as("service targets")
def apply_targets(scenario: Scenario, share_targets: pd.DataFrame, max_days: float,
                  min_sites: float, max_sites: float) -> Scenario:
    """Share targets (within_days, share_pct rows), a per-ZIP3 day limit (0 = none) and the
    number of sites allowed (max 0 = no limit)."""
    p = ProblemList("service targets")
    targets = []
    for row, rec in enumerate(share_targets.to_dict("records"), start=1):
        d = number(p, row, "within_days", rec.get("within_days"), WITHIN_DAYS)
        s = number(p, row, "share_pct", rec.get("share_pct"), TARGET_PCT)
        if d is not None and s is not None:
            targets.append(ShareTarget(within_days=int(d), share_pct=s))
    limit = _or_no_limit(p, "max days to any ZIP3", max_days, MAX_DAYS)
    low = number(p, None, "min sites", min_sites, MIN_SITES)
    high = _or_no_limit(p, "max sites", max_sites, MAX_SITES)
    p.raise_if_any()
    new_targets = replace(scenario.targets, share_targets=tuple(targets),
                          max_days_any_zip3=limit)
    constraints = replace(scenario.constraints, min_sites=int(low), max_sites=high)
    return checked(scenario.with_changes(targets=new_targets, constraints=constraints),
                   "service targets")


def _share(pct: float) -> float:
    """A percent typed in a form as a 0-1 share; rounded, so that a value shown as 30% and
    applied unchanged stays 0.3 (not 0.30000000000000004) and is not taken for an edit."""
    return round(pct / 100, 12)


def _or_no_limit(p: ProblemList, field: str, value: float, allowed: Range) -> int | None:
    """A whole-number limit from a form where 0 means "no limit" (None)."""
    found = number(p, None, field, value, Range(ge=0, integer=True))
    if not found:
        return None
    if problem := allowed.problem(found):
        p.add(problem, field=field)
        return None
    return int(found)


@reported_as("ports of entry")
def apply_inbound(scenario: Scenario, ports: pd.DataFrame, numbers: Mapping[str, Any]
                  ) -> Scenario:
    """Ports (name, lat, lon, share_pct, freight_usd_per_container rows; shares add up to 100;
    a blank freight takes the inbound figure) and the inbound numbers (INBOUND_NUMBERS)."""
    p = ProblemList("ports of entry")
    new_ports = []
    for row, rec in enumerate(ports.to_dict("records"), start=1):
        name = str(rec.get("name") or "").strip()
        if not name:
            p.add("is empty; every port needs a name", row, "name")
        lat = number(p, row, "lat", rec.get("lat"), LATITUDE)
        lon = number(p, row, "lon", rec.get("lon"), LONGITUDE)
        share = number(p, row, "share_pct", rec.get("share_pct"), PORT_SHARE_PCT)
        freight = number(p, row, "freight_usd_per_container", rec.get(
            "freight_usd_per_container"), PORT_FREIGHT_USD, optional=True)
        if name and None not in (lat, lon, share):
            new_ports.append(Port(name=name, lat=lat, lon=lon, share=_share(share),
                                  freight_usd_per_container=freight))
    total = sum(port.share for port in new_ports)
    if new_ports and abs(total - 1) > 1e-6:
        p.add(f"shares add up to {100 * total:.2f}%, not 100%", field="share_pct")
    values = _section_numbers(p, "inbound", numbers, INBOUND_NUMBERS)
    p.raise_if_any()
    return _with_costs(scenario, "ports of entry", inbound=replace(
        scenario.costs.inbound, ports=tuple(new_ports), **values))


@reported_as("customs")
def apply_customs(scenario: Scenario, numbers: Mapping[str, Any]) -> Scenario:
    """Duty and entry costs (CUSTOMS_NUMBERS; a blank parcel value: the goods value)."""
    p = ProblemList("customs")
    values = _section_numbers(p, "customs", numbers, CUSTOMS_NUMBERS)
    p.raise_if_any()
    return _with_costs(scenario, "customs", customs=replace(scenario.costs.customs, **values))


@reported_as("cross-border direct")
def apply_cross_border(scenario: Scenario, enabled: bool, return_policy: str,
                       numbers: Mapping[str, Any]) -> Scenario:
    """Cross-border direct on or off, its return policy and its numbers
    (CROSS_BORDER_NUMBERS)."""
    p = ProblemList("cross-border direct")
    values = _section_numbers(p, "cross_border", numbers, CROSS_BORDER_NUMBERS)
    if return_policy not in RETURN_POLICIES:
        p.add(f"'{return_policy}' is not one of {', '.join(RETURN_POLICIES)}",
              field="return policy")
    p.raise_if_any()
    return _with_costs(scenario, "cross-border direct", cross_border=replace(
        scenario.costs.cross_border, enabled=bool(enabled), return_policy=return_policy,
        **values))


@reported_as("inventory")
def apply_inventory(scenario: Scenario, numbers: Mapping[str, Any]) -> Scenario:
    """The safety stock's one-site cost, reference volume and volume exponent."""
    p = ProblemList("inventory")
    values = _section_numbers(p, "", numbers, INVENTORY_NUMBERS)
    p.raise_if_any()
    return _with_costs(scenario, "inventory", **values)


def apply_rate_shopping(scenario: Scenario, per_parcel: bool) -> Scenario:
    """Rate-shop each parcel (True) or take one service per lane for the whole weight mix."""
    return _with_costs(scenario, "rate shopping", rate_shop_per_parcel=bool(per_parcel))


def _section_numbers(p: ProblemList, section: str, numbers: Mapping[str, Any],
                     labels: Mapping[str, str]) -> dict[str, float | int | None]:
    """The typed numbers of one section of the costs, each checked against its definition's
    range (a blank optional one is None); problems are named by the field's label."""
    owner = SECTION_CLASSES[section]
    out: dict[str, float | int | None] = {}
    for name, label in labels.items():
        if name not in numbers:
            continue
        allowed = Range.of(owner, name)
        optional = field_info(owner, name).default is None
        value = number(p, None, label, numbers[name], allowed, optional=optional)
        out[name] = int(value) if value is not None and allowed.integer else value
    return out


def _with_costs(scenario: Scenario, what: str, **changes: Any) -> Scenario:
    costs = replace(scenario.costs, **changes)
    return checked(scenario.with_changes(costs=with_edit_sources(scenario.costs, costs)), what)


# ---------------------------------------------------------------------------------------------
# Sources of edited cost parameters


def with_edit_sources(before: CostSettings, after: CostSettings) -> CostSettings:
    """`after` with each changed parameter's source saying it was edited in the app, and what
    the value and source were. A parameter sourced as part of a section (`cross_border`) marks
    that section's source."""
    sources = dict(before.sources)
    was: dict[str, list[str]] = {}
    for path, old in _changed(before, after):
        key = max((k for k in sources if path == k or path.startswith(k + ".")), key=len,
                  default=path)
        was.setdefault(key, []).append(value_text(old) if key == path
                                       else f"{path[len(key) + 1:]} {value_text(old)}")
    for key, values in was.items():
        sources[key] = edited_source(", ".join(values), sources.get(key, "estimate"))
    return replace(after, sources=tuple(sorted(sources.items())))


def _changed(before: object, after: object, prefix: str = "") -> list[tuple[str, object]]:
    """(parameter path, value before) of every field that differs, nested sections included."""
    out = []
    for f in fields(before):
        old, new = getattr(before, f.name), getattr(after, f.name)
        if f.name == "sources" or old == new:
            continue
        if is_dataclass(old):
            out += _changed(old, new, f"{prefix}{f.name}.")
        else:
            out.append((f"{prefix}{f.name}", old))
    return out


# ---------------------------------------------------------------------------------------------
# Tables the Settings page shows and edits


def weight_mix_table(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame([{"weight_lb": w, "share_pct": 100 * s}
                         for w, s in scenario.costs.weight_mix])


def targets_table(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame([{"within_days": t.within_days, "share_pct": float(t.share_pct)}
                         for t in scenario.targets.share_targets],
                        columns=["within_days", "share_pct"])


PORT_COLUMNS = ["name", "lat", "lon", "share_pct", "freight_usd_per_container"]


def ports_table(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame([{"name": port.name, "lat": port.lat, "lon": port.lon,
                          "share_pct": 100 * port.share,
                          "freight_usd_per_container": port.freight_usd_per_container}
                         for port in scenario.costs.inbound.ports], columns=PORT_COLUMNS)


def rate_card_table(scenario: Scenario, service_id: str) -> pd.DataFrame:
    """One service's card: a row per weight band, a column per zone (USD per package)."""
    service = scenario.service(service_id)
    frame = pd.DataFrame(service.rates_usd, columns=[f"Zone {z}" for z in range(1, 9)])
    frame.insert(0, "Up to (lb)", service.weight_bands_lb)
    return frame


def transit_table(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame([[s.name] + list(s.transit_days_by_zone) for s in scenario.services],
                        columns=["Service"] + [f"Zone {z}" for z in range(1, 9)])


def parcel_cost_table(scenario: Scenario) -> pd.DataFrame:
    """What one parcel costs (rate + fuel + residential, USD) for each weight of the order mix,
    service and zone: where each carrier wins, and by how much."""
    zones = [f"Zone {z}" for z in range(1, 9)]
    rows = [[f"{weight:g} lb", s.name, *parcel_usd_by_zone(s, weight)]
            for weight, _ in scenario.costs.weight_mix for s in scenario.services]
    return pd.DataFrame(rows, columns=["Parcel", "Service", *zones])


def cheapest_in_table(table: pd.DataFrame) -> pd.DataFrame:
    """True where a service is the cheapest for that parcel weight and zone."""
    zones = [c for c in table.columns if c.startswith("Zone")]
    least = table.groupby("Parcel", sort=False)[zones].transform("min")
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    mask[zones] = np.isclose(table[zones], least)
    return mask
