"""Settings-page edits as plain functions: scenario in, checked scenario out, or InputError
naming the row and field of every problem (the caller then keeps the old scenario)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from network.errors import ProblemList
from network.lanes import parcel_usd_by_zone
from network.scenario import Port, Scenario, ShareTarget
from network.tables import parse_number
from ui.edits import checked


def _cell(problems: ProblemList, row: int | None, field: str, value, *, minimum: float,
          maximum: float | None = None, integer: bool = False) -> float | None:
    """A finite number in [minimum, maximum], else None after recording the problem."""
    return parse_number(problems, row, field, value, minimum=minimum, maximum=maximum,
                        integer=integer)


def apply_demand(scenario: Scenario, annual_orders: float, growth_pct: float,
                 include_noncontiguous: bool) -> Scenario:
    p = ProblemList("demand")
    orders = _cell(p, None, "annual orders", annual_orders, minimum=1)
    growth = _cell(p, None, "growth %", growth_pct, minimum=-99, maximum=1000)
    p.raise_if_any()
    demand = replace(scenario.demand, annual_orders=orders, growth_pct=growth,
                     include_noncontiguous=bool(include_noncontiguous))
    return checked(scenario.with_changes(demand=demand), "demand")


def population_demand(scenario: Scenario) -> Scenario:
    """Back from the user's uploaded orders to the population spread."""
    demand = replace(scenario.demand, orders_by_zip3=(),
                     source="population share (data/us_zip3_demand.csv) x annual orders")
    return checked(scenario.with_changes(demand=demand), "demand")


def apply_orders_profile(scenario: Scenario, weight_mix: pd.DataFrame, return_rate_pct: float,
                         processing_days: float, pick_pack_usd: float,
                         peak_multiplier: float) -> Scenario:
    """Weight mix (weight_lb, share_pct rows; shares must add up to 100) and per-order costs."""
    p = ProblemList("orders and costs")
    mix = []
    for row, rec in enumerate(weight_mix.to_dict("records"), start=1):
        w = _cell(p, row, "weight_lb", rec.get("weight_lb"), minimum=0.01)
        s = _cell(p, row, "share_pct", rec.get("share_pct"), minimum=0, maximum=100)
        if w is not None and s is not None:
            mix.append((w, s / 100))
    if mix and abs(sum(s for _, s in mix) - 1) > 1e-6:
        p.add(f"shares add up to {100 * sum(s for _, s in mix):.2f}%, not 100%",
              field="share_pct")
    if not mix and not p.items:
        p.add("the weight mix needs at least one row", field="weight_lb")
    rate = _cell(p, None, "return rate %", return_rate_pct, minimum=0, maximum=100)
    days = _cell(p, None, "processing days", processing_days, minimum=0, maximum=10,
                 integer=True)
    pick = _cell(p, None, "pick and pack USD per order", pick_pack_usd, minimum=0)
    peak = _cell(p, None, "peak multiplier", peak_multiplier, minimum=1, maximum=5)
    p.raise_if_any()
    costs = replace(scenario.costs, weight_mix=tuple(sorted(mix)), processing_days=int(days),
                    pick_pack_usd_per_order=pick, peak_multiplier=peak,
                    returns=replace(scenario.costs.returns, return_rate_share=rate / 100))
    return checked(scenario.with_changes(costs=costs), "orders and costs")


def apply_targets(scenario: Scenario, share_targets: pd.DataFrame, max_days: float,
                  min_sites: float, max_sites: float) -> Scenario:
    """Share targets (within_days, share_pct rows), a per-ZIP3 day limit (0 = none) and the
    number of sites allowed (max 0 = no limit)."""
    p = ProblemList("service targets")
    targets = []
    for row, rec in enumerate(share_targets.to_dict("records"), start=1):
        d = _cell(p, row, "within_days", rec.get("within_days"), minimum=1, maximum=30,
                  integer=True)
        s = _cell(p, row, "share_pct", rec.get("share_pct"), minimum=0, maximum=100)
        if d is not None and s is not None:
            targets.append(ShareTarget(within_days=int(d), share_pct=s))
    limit = _cell(p, None, "max days to any ZIP3", max_days, minimum=0, maximum=30, integer=True)
    low = _cell(p, None, "min sites", min_sites, minimum=0, integer=True)
    high = _cell(p, None, "max sites", max_sites, minimum=0, integer=True)
    p.raise_if_any()
    new_targets = replace(scenario.targets, share_targets=tuple(targets),
                          max_days_any_zip3=int(limit) or None)
    constraints = replace(scenario.constraints, min_sites=int(low),
                          max_sites=int(high) or None)
    return checked(scenario.with_changes(targets=new_targets, constraints=constraints),
                   "service targets")


def apply_inbound(scenario: Scenario, ports: pd.DataFrame, usd_per_mile: float,
                  customs_usd: float) -> Scenario:
    """Ports (name, lat, lon, share_pct rows; shares add up to 100) and inbound costs."""
    p = ProblemList("ports of entry")
    new_ports = []
    for row, rec in enumerate(ports.to_dict("records"), start=1):
        name = str(rec.get("name") or "").strip()
        if not name:
            p.add("is empty; every port needs a name", row, "name")
        lat = _cell(p, row, "lat", rec.get("lat"), minimum=-90, maximum=90)
        lon = _cell(p, row, "lon", rec.get("lon"), minimum=-180, maximum=180)
        share = _cell(p, row, "share_pct", rec.get("share_pct"), minimum=0, maximum=100)
        if name and None not in (lat, lon, share):
            new_ports.append(Port(name=name, lat=lat, lon=lon, share=share / 100))
    total = sum(port.share for port in new_ports)
    if new_ports and abs(total - 1) > 1e-6:
        p.add(f"shares add up to {100 * total:.2f}%, not 100%", field="share_pct")
    per_mile = _cell(p, None, "truckload USD per mile", usd_per_mile, minimum=0)
    customs = _cell(p, None, "customs USD per order", customs_usd, minimum=0)
    p.raise_if_any()
    inbound = replace(scenario.costs.inbound, ports=tuple(new_ports),
                      truckload_usd_per_mile=per_mile, customs_usd_per_order=customs)
    return checked(scenario.with_changes(costs=replace(scenario.costs, inbound=inbound)),
                   "ports of entry")


def apply_cross_border(scenario: Scenario, enabled: bool, cost_usd: float,
                       days: float) -> Scenario:
    p = ProblemList("cross-border direct")
    cost = _cell(p, None, "cost USD per order", cost_usd, minimum=0)
    d = _cell(p, None, "delivery days", days, minimum=1, maximum=60, integer=True)
    p.raise_if_any()
    xb = replace(scenario.costs.cross_border, enabled=bool(enabled), cost_usd_per_order=cost,
                 delivery_days=int(d))
    return checked(scenario.with_changes(costs=replace(scenario.costs, cross_border=xb)),
                   "cross-border direct")


def weight_mix_table(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame([{"weight_lb": w, "share_pct": 100 * s}
                         for w, s in scenario.costs.weight_mix])


def targets_table(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame([{"within_days": t.within_days, "share_pct": float(t.share_pct)}
                         for t in scenario.targets.share_targets],
                        columns=["within_days", "share_pct"])


def ports_table(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame([{"name": port.name, "lat": port.lat, "lon": port.lon,
                          "share_pct": 100 * port.share}
                         for port in scenario.costs.inbound.ports],
                        columns=["name", "lat", "lon", "share_pct"])


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
