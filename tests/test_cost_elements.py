"""Like for like: the domestic path and cross-border direct have the same cost elements, each
worked out by hand on a toy; the status quo; inventory that scales with volume."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.evaluate import CROSS_BORDER, Design, evaluate, status_quo_design
from network.geo import great_circle_mi
from network.lanes import PARTS, build_lanes, lanes_frame
from network.optimize import optimize
from network.optimize.problem import problem_from_scenario
from network.optimize.reduce import reduce_options
from network.scenario import (
    CostSettings,
    CrossBorderSettings,
    CustomsSettings,
    DemandSettings,
    InboundSettings,
    Port,
    ReturnsSettings,
    Service,
)

from toy import toy_scenario

# One service, two weight bands: 1 lb costs the zone in USD, 5 lb twice that; 10% fuel and
# 0.50 residential on every parcel.
TWO_BANDS = Service(service_id="ground", carrier="CarrierA", name="ground",
                    fuel_surcharge_pct=10.0, residential_surcharge_usd=0.5,
                    noncontiguous_extra_days=0, weight_bands_lb=(1.0, 5.0),
                    rates_usd=(tuple(float(z) for z in range(1, 9)),
                               tuple(2.0 * z for z in range(1, 9))),
                    transit_days_by_zone=(1, 1, 2, 2, 3, 3, 4, 5))


def full_toy(return_policy: str = "return_label"):
    """The toy with every element set: a port at site A's point (so A's truck leg is 0 miles),
    duty, entry, freight, receiving, returns, and cross-border direct enabled."""
    costs = CostSettings(
        weight_mix=((1.0, 0.6), (5.0, 0.4)), processing_days=0, pick_pack_usd_per_order=3.0,
        peak_multiplier=1.0, safety_stock_usd_per_year_one_site=100.0,
        safety_stock_reference_orders_per_year=1000.0, rate_shop_per_parcel=False,
        returns=ReturnsSettings(return_rate_share=0.2, label_service_id="ground",
                                label_weight_lb=1.0, processing_usd_per_return=1.5),
        inbound=InboundSettings(
            ports=(Port(name="P", lat=40.0, lon=-100.0, share=1.0,
                        freight_usd_per_container=3000.0),),
            orders_per_container=1000.0, receiving_usd_per_container=200.0,
            truckload_usd_per_mile=2.0, road_circuity=1.0, orders_per_truckload=500.0),
        customs=CustomsSettings(duty_rate_pct=10.0, goods_value_usd_per_order=20.0,
                                parcel_value_usd_per_order=50.0,
                                entry_usd_per_container=500.0, entry_usd_per_parcel=4.0),
        cross_border=CrossBorderSettings(enabled=True, parcel_usd_per_parcel=6.0,
                                         parcel_usd_per_lb=1.5, pick_pack_usd_per_order=2.5,
                                         return_policy=return_policy, return_label_usd=12.0,
                                         delivery_days=8))
    return toy_scenario(services=(TWO_BANDS,), costs=costs)


# Per order, by hand. Domestic, ZIP3 101 from site A (zone 1, 0 miles from the port):
DOMESTIC_101_A = {
    "goods_to_us": 3000 / 1000,  # freight to the port per container / orders per container
    "customs": 500 / 1000 + 0.10 * 20,  # entry per container spread + duty on the goods value
    "inbound": 0.0,  # the port is at A
    "handling": 3.0 + 200 / 1000,  # pick and pack + receiving per container spread
    "outbound": 0.6 * (1 * 1.1 + 0.5) + 0.4 * (2 * 1.1 + 0.5),  # 1.60 and 2.70 a parcel
    "returns": 0.2 * (1 * 1.1 + 1.5),  # 1 lb label at zone 1 with fuel + processing
}
# Cross-border direct, any ZIP3 (mean parcel 0.6 x 1 + 0.4 x 5 = 2.6 lb):
CROSS_BORDER_LABEL = {
    "goods_to_us": 6.0 + 1.5 * 2.6,  # the international parcel
    "customs": 4.0 + 0.10 * 50,  # entry per parcel + duty on the declared parcel value
    "inbound": 0.0, "outbound": 0.0,  # the parcel goes door to door
    "handling": 2.5,  # the exporter's pick and pack
    "returns": 0.2 * (12.0 + 1.5),  # international label + processing
}


def test_domestic_lane_costs_by_hand():
    """ZIP3 101 from A: 3.00 + 2.50 + 0 + 3.20 + 2.04 + 0.52 = 11.26 USD per order, and B's
    truck leg is its distance from the port x 2 USD a mile / 500 orders."""
    scenario = full_toy()
    lanes = build_lanes(scenario)
    parts = lanes.parts_usd_per_order(np.array([0]), np.array([0]), np.array([0]),
                                      np.array([False]))
    assert {p: float(v[0]) for p, v in parts.items()} == pytest.approx(DOMESTIC_101_A)
    assert lanes.cost_usd_per_order[0, 0, 0] == pytest.approx(11.26)
    b = scenario.site("B")
    assert lanes.inbound_usd_per_order[1] == pytest.approx(
        float(great_circle_mi(40.0, -100.0, b.lat, b.lon)) * 2.0 / 500)


@pytest.mark.parametrize(("policy", "returns"), [("return_label", 0.2 * (12.0 + 1.5)),
                                                 ("refund_without_return", 0.2 * 20.0)])
def test_cross_border_costs_by_hand(policy, returns):
    """Cross-border direct per order: 9.90 + 9.00 + 0 + 2.50 + 0 + returns, where a return is
    an international label and processing (2.70) or the goods' value lost (4.00)."""
    lanes = build_lanes(full_toy(policy))
    assert lanes.cross_border_parts == pytest.approx(CROSS_BORDER_LABEL | {"returns": returns})
    assert lanes.cross_border_usd_per_order == pytest.approx(21.40 + returns)


def test_both_paths_show_the_same_elements_in_evaluate_and_exports():
    """A design serving 101 from A and the rest from abroad: the breakdown by path holds the
    hand figures x orders, the totals add both paths, and the lanes table has cross-border rows
    with the same columns."""
    scenario = full_toy()
    rest = ("102", "103", "104", "105")
    design = Design(("A",), (("101", "A", "ground"),) + tuple((z, CROSS_BORDER, "")
                                                             for z in rest))
    e = evaluate(scenario, design)
    us, abroad = (e.kpis.cost_breakdown_by_path_usd[p] for p in ("us_sites", "cross_border"))
    assert set(us) == set(abroad) == {"fixed", "inventory", *PARTS}
    assert {p: us[p] for p in PARTS} == pytest.approx(
        {p: 100 * v for p, v in DOMESTIC_101_A.items()})
    assert {p: abroad[p] for p in PARTS} == pytest.approx(
        {p: 900 * v for p, v in CROSS_BORDER_LABEL.items()})
    assert us["fixed"] == 1000 and us["inventory"] == pytest.approx(100.0)
    assert e.kpis.total_cost_usd == pytest.approx(1000 + 100 + 100 * 11.26 + 900 * 24.10)
    frame = lanes_frame(e.lanes)
    cross = frame[frame["site_id"] == CROSS_BORDER]
    assert len(cross) == 5
    assert cross["cost_usd_per_order"].to_numpy() == pytest.approx(np.full(5, 24.10))


def test_status_quo_is_everything_from_abroad():
    """The status quo ships every order from abroad: no site, no fixed or inventory cost,
    cross-border days for every order, 24.10 USD an order."""
    scenario = full_toy()
    lanes = build_lanes(scenario)
    e = evaluate(scenario, status_quo_design(lanes), lanes)
    assert (e.site_index == -1).all() and e.kpis.n_open_sites == 0
    assert e.kpis.cost_breakdown_usd["inventory"] == 0 and e.kpis.cost_breakdown_usd["fixed"] == 0
    assert e.kpis.total_cost_usd == pytest.approx(1000 * 24.10)
    assert e.kpis.avg_delivery_days == 8


def test_a_declared_parcel_value_left_out_is_the_goods_value():
    """Without a value of their own, cross-border parcels pay duty on the goods value, as bulk
    imports do: 4 + 10% of 20 USD."""
    scenario = full_toy()
    costs = replace(scenario.costs, customs=replace(scenario.costs.customs,
                                                    parcel_value_usd_per_order=None))
    lanes = build_lanes(scenario.with_changes(costs=costs))
    assert lanes.cross_border_parts["customs"] == pytest.approx(4.0 + 2.0)
    assert lanes.customs_usd_per_order == pytest.approx(0.5 + 2.0)


# ---------------------------------------------------------------------------------------------
# Inventory that scales


def _tripled(scenario):
    return scenario.with_changes(demand=replace(scenario.demand, annual_orders=3000.0))


def test_inventory_scales_with_volume_and_sites():
    """Toy, A and C open: 100 x sqrt(2) at the reference 1000 orders; tripled orders x sqrt(3);
    with exponent 1, x 3; every order from abroad: none."""
    scenario = toy_scenario()
    design = Design(("A", "C"))
    base = evaluate(scenario, design).kpis.cost_breakdown_usd["inventory"]
    assert base == pytest.approx(100 * np.sqrt(2))
    tripled = evaluate(_tripled(scenario), design).kpis.cost_breakdown_usd["inventory"]
    assert tripled == pytest.approx(100 * np.sqrt(2) * np.sqrt(3))
    linear = _tripled(scenario).with_changes(costs=replace(
        scenario.costs, safety_stock_volume_exponent=1.0))
    assert evaluate(linear, design).kpis.cost_breakdown_usd["inventory"] == pytest.approx(
        100 * np.sqrt(2) * 3)
    abroad = toy_scenario(costs=replace(scenario.costs, cross_border=replace(
        scenario.costs.cross_border, enabled=True)))
    lanes = build_lanes(abroad)
    none = evaluate(abroad, status_quo_design(lanes), lanes)
    assert none.kpis.cost_breakdown_usd["inventory"] == 0


def test_optimizer_prices_inventory_at_the_scenarios_volume():
    """The problem's inventory by count is evaluate()'s at the tripled volume, and the
    optimum's objective equals evaluate()'s total (A alone: 100 sqrt(3) of inventory)."""
    scenario = _tripled(toy_scenario())
    lanes = build_lanes(scenario)
    problem = problem_from_scenario(scenario, lanes, reduce_options(scenario, lanes))
    assert problem.inventory_usd_by_count == pytest.approx(
        100 * np.sqrt(3) * np.sqrt(np.arange(4)))
    result = optimize(scenario, lanes)
    assert result.open_site_ids == ("A",)
    assert result.objective_usd == pytest.approx(result.evaluation.kpis.total_cost_usd)
    assert result.evaluation.kpis.cost_breakdown_usd["inventory"] == pytest.approx(
        100 * np.sqrt(3))


def test_default_inventory_moves_when_orders_triple(default_scenario, default_lanes):
    """The default's 4-site design holds 20M x sqrt(4) = 40M of safety stock at 50M orders,
    and 40M x sqrt(3) at 150M."""
    design = Design(("ONT", "DFW", "ORD", "ABE"))
    base = evaluate(default_scenario, design, default_lanes).kpis.cost_breakdown_usd
    assert base["inventory"] == pytest.approx(40e6)
    tripled = default_scenario.with_changes(demand=DemandSettings(annual_orders=150e6))
    moved = evaluate(tripled, design).kpis.cost_breakdown_usd
    assert moved["inventory"] == pytest.approx(40e6 * np.sqrt(3))
