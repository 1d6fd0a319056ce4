"""A small hand-checkable scenario: 5 ZIP3s on a line of latitude, 3 sites, 1 flat-rate service.

Distances along the equator-free line are worked out in the tests from the great-circle
formula; costs are chosen so that every KPI can be checked by hand: per order, handling 1.00
(pick and pack), customs 0.50 (a 50 USD entry per 100-order container, no duty), no freight
to the port, no truck (no ports), no returns; cross-border direct a flat 50 USD, disabled.
One service carries every parcel, so rate shopping is off (it would only add copies of it).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from network.scenario import (
    CostSettings,
    CrossBorderSettings,
    CustomsSettings,
    DemandSettings,
    InboundSettings,
    ReturnsSettings,
    Scenario,
    Service,
    ShareTarget,
    Site,
    Targets,
    Zip3Base,
)

# ZIP3 points along latitude 40 N, spaced so zones differ: longitudes chosen by hand.
TOY_ZIP3 = ("101", "102", "103", "104", "105")
TOY_LON = np.array([-100.0, -99.5, -98.0, -95.0, -90.0])
TOY_POP = np.array([100.0, 200.0, 300.0, 250.0, 150.0])  # total 1000


def flat_service(service_id: str = "ground", carrier: str = "CarrierA",
                 rates=(1, 2, 3, 4, 5, 6, 7, 8), days=(1, 1, 2, 2, 3, 3, 4, 5)) -> Service:
    return Service(service_id=service_id, carrier=carrier, name=service_id,
                   fuel_surcharge_pct=0.0, residential_surcharge_usd=0.0,
                   noncontiguous_extra_days=0, weight_bands_lb=(1.0,),
                   rates_usd=(tuple(float(r) for r in rates),),
                   transit_days_by_zone=tuple(days))


def cross_border(enabled: bool = True, usd_per_order: float = 50.0, days: int = 10
                 ) -> CrossBorderSettings:
    """Cross-border direct at a flat cost per order (all of it the parcel; with the toy's
    zero duty, zero per-parcel entry and no returns, that is its whole cost)."""
    return CrossBorderSettings(enabled=enabled, parcel_usd_per_parcel=usd_per_order,
                               parcel_usd_per_lb=0.0, pick_pack_usd_per_order=0.0,
                               return_label_usd=0.0, delivery_days=days)


def toy_scenario(**changes) -> Scenario:
    base = Zip3Base(zip3=TOY_ZIP3, state=("KS",) * 5, lat=np.full(5, 40.0), lon=TOY_LON.copy(),
                    population=TOY_POP.copy(), source="toy")
    sites = (
        Site("A", "Site A", "KS", 40.0, -100.0, "101", 1000.0, 10_000.0),
        Site("B", "Site B", "KS", 40.0, -98.0, "103", 2000.0, 10_000.0),
        Site("C", "Site C", "KS", 40.0, -90.0, "105", 3000.0, 10_000.0),
    )
    costs = CostSettings(
        weight_mix=((1.0, 1.0),), processing_days=0, pick_pack_usd_per_order=1.0,
        peak_multiplier=1.0, safety_stock_usd_per_year_one_site=100.0,
        safety_stock_reference_orders_per_year=1000.0,
        returns=ReturnsSettings(return_rate_share=0.0, label_service_id="ground",
                                label_weight_lb=1.0, processing_usd_per_return=0.0),
        inbound=InboundSettings(ports=(), freight_usd_per_container=0.0,
                                orders_per_container=100.0, receiving_usd_per_container=0.0),
        customs=CustomsSettings(duty_rate_pct=0.0, goods_value_usd_per_order=10.0,
                                entry_usd_per_container=50.0, entry_usd_per_parcel=0.0),
        cross_border=cross_border(enabled=False, usd_per_order=50.0, days=10),
        rate_shop_per_parcel=False)
    scenario = Scenario(name="toy", zip3_base=base, sites=sites, services=(flat_service(),),
                        demand=DemandSettings(annual_orders=1000.0), costs=costs,
                        targets=Targets(share_targets=(ShareTarget(2, 50.0),)))
    return scenario.with_changes(**changes) if changes else scenario


def capacity_toy(capacities, share_pct: float) -> Scenario:
    """The toy with the sites' capacities `capacities`, cross-border (10 days) taking what the
    sites cannot hold, peak 1, and one target of `share_pct` within 2 days, which every site
    reaches at every ZIP3 (ZIP3s of 100, 200, 300, 250 and 150 orders; the median 200)."""
    scenario = toy_scenario(targets=Targets(share_targets=(ShareTarget(2, share_pct),)))
    sites = tuple(replace(s, capacity_orders_per_year=q)
                  for s, q in zip(scenario.sites, capacities, strict=True))
    return scenario.with_changes(sites=sites,
                                 costs=replace(scenario.costs, cross_border=cross_border(True)))
