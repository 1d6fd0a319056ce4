"""A small slice of the default scenario for sweep tests: a few candidate sites and the orders
of every k-th ZIP3 only (as user demand, so the scenario still saves to a file and loads)."""

from __future__ import annotations

from dataclasses import replace

from network.scenario import Scenario

SMALL_SITES = ("ONT", "SMF", "DFW", "ORD", "ATL", "MDT", "BDL", "MCO")


def small_scenario(default: Scenario, every: int = 12, sites: tuple[str, ...] = SMALL_SITES,
                   capacity: float | None = 1e9) -> Scenario:
    """`default` with only `sites` as candidates (each with `capacity` orders a year, so that
    capacity does not bind, unless None) and the orders of every `every`-th ZIP3, the total
    kept at the default's annual orders."""
    base = default.zip3_base
    picked = {z: float(p) for i, (z, p) in enumerate(zip(base.zip3, base.population,
                                                          strict=True)) if i % every == 0}
    demand = replace(default.demand, orders_by_zip3=tuple(picked.items()),
                     source="every k-th ZIP3 of the default (test slice)")
    kept = tuple(s if capacity is None else replace(s, capacity_orders_per_year=capacity)
                 for s in default.sites if s.site_id in sites)
    return default.with_changes(name="small slice", demand=demand, sites=kept)
