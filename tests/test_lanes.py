"""Cost-to-serve of single lanes, recomputed by hand from the rate cards and parameters."""

import numpy as np
import pytest

from network.demand import build_demand
from network.geo import great_circle_mi
from network.lanes import build_lanes
from network.scenario import DemandSettings


def lane(lanes, zip3, site_id, service_id):
    return (lanes.demand.zip3.index(zip3), lanes.site_ids.index(site_id),
            lanes.service_ids.index(service_id))


def test_usps_ground_advantage_zone_1_lane(default_scenario, default_lanes):
    """Seattle site to ZIP3 981, USPS Ground Advantage: every part by hand."""
    z, s, k = lane(default_lanes, "981", "SEA", "usps_ground_advantage")
    assert default_lanes.zone[z, s] == 1
    # weight mix 40% 1 lb, 30% 2 lb, 20% 5 lb, 10% 10 lb at zone 1; no fuel, no residential
    outbound = 0.4 * 4.41 + 0.3 * 5.26 + 0.2 * 6.66 + 0.1 * 7.38
    assert default_lanes.outbound_usd_per_order[z, s, k] == pytest.approx(outbound)
    returns = 0.15 * (5.26 + 3.0)  # 2 lb label at zone 1 + processing
    assert default_lanes.returns_usd_per_order[z, s] == pytest.approx(returns)
    assert default_lanes.delivery_days[z, s, k] == 2  # 0 processing + 2 transit days


def test_ups_ground_lane_has_fuel_and_residential(default_lanes):
    """UPS Ground to New York from Seattle: zone 8 net rates (list 14, 16, 20, 26 less 67.5%)
    x 1.2175 fuel + 4.10 residential (5.85 less 30%)."""
    z, s, k = lane(default_lanes, "100", "SEA", "ups_ground")
    assert default_lanes.zone[z, s] == 8
    base = 0.4 * 4.55 + 0.3 * 5.20 + 0.2 * 6.50 + 0.1 * 8.45
    assert default_lanes.outbound_usd_per_order[z, s, k] == pytest.approx(base * 1.2175 + 4.10)
    assert default_lanes.delivery_days[z, s, k] == 5


def test_inbound_weights_ports_by_share(default_scenario, default_lanes):
    """Inbound = sum of share x truckload cost from each port, per order."""
    s = default_lanes.site_ids.index("SEA")
    site = default_scenario.site("SEA")
    inbound = default_scenario.costs.inbound
    expected = sum(
        p.share * float(great_circle_mi(p.lat, p.lon, site.lat, site.lon)) * 1.2 * 2.42 / 4000
        for p in inbound.ports)
    assert default_lanes.inbound_usd_per_order[s] == pytest.approx(expected)


def test_default_goods_to_us_customs_and_handling(default_lanes):
    """Per order on the default: freight to the ports, 70% of the imports through the West
    Coast ports at 2,550 USD per container and 30% through the East and Gulf ones at 3,200,
    over 2,700 orders; customs 675 / 2,700 + 10% of 35 USD; handling 3.00 + 375 / 2,700."""
    freight = (0.70 * 2550 + 0.30 * 3200) / 2700
    assert default_lanes.goods_to_us_usd_per_order == pytest.approx(freight)
    assert default_lanes.customs_usd_per_order == pytest.approx(0.25 + 3.5)
    assert default_lanes.handling_usd_per_order == pytest.approx(3 + 375 / 2700)


def test_total_is_sum_of_parts(default_lanes):
    """cost_usd_per_order adds every element: goods to the US, customs, inbound, handling,
    outbound and returns."""
    total = default_lanes.cost_usd_per_order
    parts = (default_lanes.outbound_usd_per_order + default_lanes.returns_usd_per_order[..., None]
             + default_lanes.inbound_usd_per_order[None, :, None]
             + (0.70 * 2550 + 0.30 * 3200) / 2700 + 0.25 + 3.5 + 3 + 375 / 2700)
    assert np.allclose(total, parts)


def test_demand_orders_and_multipliers(default_scenario):
    """Orders add up to annual orders x growth; a state multiplier scales that state only."""
    base = build_demand(default_scenario)
    assert base.total_orders_per_year == pytest.approx(50e6)
    grown = build_demand(default_scenario.with_changes(demand=DemandSettings(
        annual_orders=50e6, growth_pct=10, state_multipliers=(("CA", 2.0),))))
    ca = np.array([s == "CA" for s in base.state])
    assert grown.orders_per_year[ca].sum() == pytest.approx(base.orders_per_year[ca].sum() * 2.2)
    assert grown.orders_per_year[~ca].sum() == pytest.approx(base.orders_per_year[~ca].sum() * 1.1)


def test_noncontiguous_excluded_by_default(default_scenario):
    """AK and HI are out by default and in when the switch is on, with extra days."""
    assert "995" not in build_demand(default_scenario).zip3
    scenario = default_scenario.with_changes(demand=DemandSettings(include_noncontiguous=True))
    lanes = build_lanes(scenario)
    z, s, k = lane(lanes, "995", "SEA", "ups_ground")
    assert lanes.delivery_days[z, s, k] == 4 + 3  # zone 7 ground + 3 extra days (estimate)


def test_lanes_for_new_orders_equal_lanes_built_for_them(default_scenario, default_lanes):
    """A robustness draw's lanes made from the last draw's (only the orders are new) equal
    the lanes built from scratch for the draw, field by field; any other edit, or orders that
    leave a ZIP3 without any, gets None (build them)."""
    from dataclasses import fields, replace

    from network.explore.robustness import DemandNoise, demand_draws
    from network.lanes import lanes_for_orders

    (_, first), (_, second) = demand_draws(default_scenario, DemandNoise(draws=2, seed=5))
    made = lanes_for_orders(build_lanes(first), first, second)
    built = build_lanes(second)
    assert made is not None
    for f in fields(built):
        a, b = getattr(made, f.name), getattr(built, f.name)
        if f.name == "demand":
            assert a.zip3 == b.zip3
            assert np.array_equal(a.orders_per_year, b.orders_per_year)
            assert not np.array_equal(a.orders_per_year, default_lanes.demand.orders_per_year)
        elif isinstance(a, np.ndarray):
            assert np.array_equal(a, b), f.name
        else:
            assert a == b, f.name
    dearer = second.with_changes(sites=tuple(
        replace(s, fixed_cost_usd_per_year=s.fixed_cost_usd_per_year + 1)
        for s in second.sites))
    assert lanes_for_orders(built, second, dearer) is None
    state = built.demand.state[0]
    emptied = second.with_changes(demand=replace(second.demand, state_multipliers=(
        *second.demand.state_multipliers, (state, 0.0))))
    assert build_demand(emptied).zip3 != built.demand.zip3
    assert lanes_for_orders(built, second, emptied) is None
