"""The carrier chosen parcel by parcel (rate-shopped options of network/lanes.py): by hand on a
two-carrier toy, through the optimizer's carrier-share rows and the dominance reduction, and
on the default scenario, where the chosen carrier depends on the zone and the weight."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from network import carrier_mix
from network.evaluate import Design, evaluate
from network.lanes import build_lanes, lanes_frame, parcel_usd_by_zone
from network.optimize import optimize
from network.optimize.problem import problem_from_scenario
from network.optimize.reduce import reduce_options
from network.scenario import CarrierShare, DesignConstraints, Service, ShareTarget, Targets

from toy import toy_scenario


def flat(service_id: str, carrier: str, one_lb: float, five_lb: float, days: int) -> Service:
    """The same price and days in every zone, for 1 and 5 lb parcels."""
    return Service(service_id=service_id, carrier=carrier, name=service_id,
                   fuel_surcharge_pct=0.0, residential_surcharge_usd=0.0,
                   noncontiguous_extra_days=0, weight_bands_lb=(1.0, 5.0),
                   rates_usd=((one_lb,) * 8, (five_lb,) * 8), transit_days_by_zone=(days,) * 8)


def two_carrier_toy(**changes):
    """Half the parcels 1 lb, half 5 lb. Carrier L: 1 USD and 6 USD, 2 days; carrier H: 3 USD
    and 4 USD, 1 day. Each alone costs 3.50 an order; rate-shopped within 2 days, 1 lb by L and
    5 lb by H: 2.50, in 2 days (L's); within 1 day only H can go: 3.50."""
    base = toy_scenario()
    costs = replace(base.costs, weight_mix=((1.0, 0.5), (5.0, 0.5)), rate_shop_per_parcel=True,
                    returns=replace(base.costs.returns, label_service_id="light"))
    scenario = base.with_changes(services=(flat("light", "L", 1.0, 6.0, 2),
                                           flat("heavy", "H", 3.0, 4.0, 1)), costs=costs)
    return scenario.with_changes(**changes) if changes else scenario


def test_rate_shopped_options_by_hand():
    """Options: light, heavy, then rate_shop_1 (within the lane's fastest day count: heavy
    only) and rate_shop_2 (both: 1 lb light, 5 lb heavy, 2.50 USD, 2 days), with the carriers'
    shares of each option's parcels."""
    lanes = build_lanes(two_carrier_toy())
    assert lanes.service_ids == ("light", "heavy", "rate_shop_1", "rate_shop_2")
    assert lanes.outbound_usd_per_order[0, 0].tolist() == pytest.approx([3.5, 3.5, 3.5, 2.5])
    assert lanes.delivery_days[0, 0].tolist() == [2, 1, 1, 2]
    assert lanes.parcel_service[0, 0].tolist() == [[0, 0], [1, 1], [1, 1], [0, 1]]
    assert lanes.carrier_fraction("H")[0, 0].tolist() == pytest.approx([0, 1, 1, 0.5])
    row = lanes_frame(lanes).query("zip3 == '101' and site_id == 'A' and "
                                   "service == 'rate_shop_2'").iloc[0]
    assert row["parcel_services"] == "1 lb light; 5 lb heavy"
    assert (row["share_L"], row["share_H"]) == (0.5, 0.5)


def test_a_rate_shopped_option_takes_the_days_of_the_services_it_uses():
    """A third, slow and dear service (3 days, 10 USD a parcel) adds a third speed tier, which
    may use it but does not: it sends the parcels as tier 2 does and keeps tier 2's 2 days."""
    scenario = two_carrier_toy()
    scenario = scenario.with_changes(services=scenario.services + (
        flat("slow", "S", 10.0, 10.0, 3),))
    lanes = build_lanes(scenario)
    assert lanes.service_ids[-3:] == ("rate_shop_1", "rate_shop_2", "rate_shop_3")
    assert lanes.delivery_days[0, 0, -3:].tolist() == [1, 2, 2]
    assert lanes.parcel_service[0, 0, -1].tolist() == [0, 1]


def test_rate_shopping_lowers_the_toy_optimum_and_splits_the_parcels():
    """A alone as before, outbound 2.50 instead of 3.50 an order (1000 USD less), every ZIP3
    half by L and half by H; without rate shopping the optimum pays 3.50."""
    shopped = optimize(two_carrier_toy())
    assert shopped.open_site_ids == ("A",)
    assert shopped.objective_usd == pytest.approx(1000 + 100 + 1000 * (2.5 + 1.0 + 0.5))
    assert shopped.evaluation.kpis.carrier_share == pytest.approx({"H": 0.5, "L": 0.5})
    single = two_carrier_toy()
    single = single.with_changes(costs=replace(single.costs, rate_shop_per_parcel=False))
    assert optimize(single).objective_usd == pytest.approx(shopped.objective_usd + 1000)


def test_a_one_day_promise_rate_shops_only_among_one_day_services():
    """Every order within 1 day: only H qualifies, so every parcel goes by H at 3.50."""
    scenario = two_carrier_toy(targets=Targets(share_targets=(ShareTarget(1, 100.0),)))
    result = optimize(scenario)
    assert result.evaluation.kpis.carrier_share["H"] == pytest.approx(1.0)
    assert result.objective_usd == pytest.approx(1000 + 100 + 1000 * (3.5 + 1.0 + 0.5))


@pytest.mark.parametrize(("share", "outbound"), [
    # H at least 80%: ZIP3s with 600 orders go all-H (3.50), the rest rate-shopped (half H)
    (CarrierShare("H", min_pct=80.0), 2.5 * 1000 + 1.0 * 600),
    # H at most 20%: 400 orders rate-shopped (half H = 200), 600 all-L (3.50); this needs the
    # one-carrier L lanes, which a reduction blind to carrier fractions would drop (the
    # rate-shopped option is cheaper and as fast)
    (CarrierShare("H", max_pct=20.0), 2.5 * 400 + 3.5 * 600),
])
def test_carrier_shares_use_each_options_fraction(share, outbound):
    """With a carrier share bounded, the optimum mixes one-carrier and rate-shopped lanes, as
    worked out by hand (ZIP3 orders 100, 200, 300, 250, 150: 600 and 400 can be made exactly),
    and evaluate() agrees on the share and the cost."""
    scenario = two_carrier_toy(constraints=DesignConstraints(carrier_shares=(share,)))
    result = optimize(scenario)
    assert result.status.has_design and result.evaluation.feasible
    assert result.objective_usd == pytest.approx(1000 + 100 + outbound + 1000 * 1.5)
    h = result.evaluation.kpis.carrier_share["H"]
    assert (h >= 0.8 - 1e-9) if share.min_pct else (h <= 0.2 + 1e-9)


def test_reduction_keeps_options_with_other_carrier_fractions_only_when_shares_bind():
    """Unconstrained, the rate-shopped option (2.50, 2 days) replaces L (3.50, 2 days) on every
    lane; with a share bounded for H it does not, since their H fractions differ (0.5, 0)."""
    free = two_carrier_toy()
    kept = reduce_options(free, build_lanes(free))
    assert 0 not in set(kept.service[kept.site >= 0].tolist())
    bound = two_carrier_toy(constraints=DesignConstraints(
        carrier_shares=(CarrierShare("H", max_pct=20.0),)))
    kept = reduce_options(bound, build_lanes(bound))
    assert 0 in set(kept.service[kept.site >= 0].tolist())


def test_reduced_problem_with_carrier_shares_equals_brute_force():
    """Two sites' worth of the toy (A and B), every subset x every lane choice per ZIP3, H at
    most 35%: the optimizer over the reduced options finds the brute-force optimum."""
    scenario = two_carrier_toy(
        sites=toy_scenario().sites[:2],
        constraints=DesignConstraints(carrier_shares=(CarrierShare("H", max_pct=35.0),)))
    lanes = build_lanes(scenario)
    orders = lanes.demand.orders_per_year
    fraction = lanes.carrier_fraction("H")
    n_z, n_s, n_k = lanes.shape
    best = np.inf
    for is_open in itertools.product([False, True], repeat=n_s):
        open_sites = [s for s in range(n_s) if is_open[s]]
        if not open_sites:
            continue
        lanes_of = [(s, k) for s in open_sites for k in range(n_k)]
        fixed = sum(lanes.fixed_cost_usd_per_year[open_sites]) + 100 * np.sqrt(len(open_sites))
        for choice in itertools.product(lanes_of, repeat=n_z):
            z = np.arange(n_z)
            s = np.array([c[0] for c in choice])
            k = np.array([c[1] for c in choice])
            days = lanes.delivery_days[z, s, k]
            if orders[days <= 2].sum() < 0.5 * orders.sum():
                continue
            if orders @ fraction[z, s, k] > 0.35 * orders.sum() + 1e-9:
                continue
            best = min(best, fixed + orders @ lanes.cost_usd_per_order[z, s, k])
    result = optimize(scenario, lanes)
    assert result.objective_usd == pytest.approx(best, rel=1e-9)
    problem = problem_from_scenario(scenario, lanes, reduce_options(scenario, lanes))
    assert problem.carrier_bounds[0].option_fraction.max() == 1.0


# ---------------------------------------------------------------------------------------------
# The default scenario


@pytest.fixture(scope="module")
def default_design(default_scenario):
    return optimize(default_scenario).evaluation


def test_default_parcels_each_go_by_the_cheapest_service_in_time(default_scenario,
                                                                 default_design):
    """In the default's optimum, every parcel (ZIP3 x weight) goes by the cheapest service of
    all those that reach its ZIP3 from its site within the ZIP3's delivery days, as a real
    shipper's rate shopping would send it."""
    lanes = default_design.lanes
    services = default_scenario.services
    parcels = carrier_mix.parcels_frame(default_scenario, default_design)
    z_of = {zip3: i for i, zip3 in enumerate(lanes.demand.zip3)}
    for row in parcels.itertuples():
        z = z_of[row.zip3]
        s, k = default_design.site_index[z], default_design.service_index[z]
        in_time = [i for i, svc in enumerate(services)
                   if lanes.delivery_days[z, s, i] <= lanes.delivery_days[z, s, k]]
        cheapest = min(parcel_usd_by_zone(services[i], row.weight_lb)[row.zone - 1]
                       for i in in_time)
        assert row.parcel_usd == pytest.approx(cheapest), row


def test_default_carrier_depends_on_zone_and_weight(default_scenario, default_design):
    """On the default, the carrier a parcel goes by depends on its weight (in some zone, 1 lb
    and 10 lb parcels go by different carriers) and on its zone (10 lb parcels go by different
    carriers in different zones), and more than one carrier carries parcels."""
    table = carrier_mix.by_weight_and_zone(default_scenario, default_design)
    main = table.idxmax(axis=1)  # the main carrier of each (weight, zone)
    zones = sorted({z for _, z in main.index})
    assert any(main[(1.0, z)] != main[(10.0, z)] for z in zones)
    assert len({main[(10.0, z)] for z in zones}) > 1
    shares = default_design.kpis.carrier_share
    assert sum(v > 0.01 for c, v in shares.items() if c != "cross-border direct") >= 2


def test_default_rate_shopping_beats_one_service_per_lane(default_scenario, default_design):
    """The same sites with one service per lane for the whole weight mix cost more: parcel by
    parcel is never dearer, and on the default it is cheaper."""
    single = default_scenario.with_changes(costs=replace(default_scenario.costs,
                                                         rate_shop_per_parcel=False))
    sites = tuple(u.site_id for u in default_design.sites if u.is_open)
    whole_mix = optimize(single.with_changes(constraints=replace(
        single.constraints, forced_open=sites, max_sites=len(sites))))
    assert whole_mix.evaluation.kpis.total_cost_usd > default_design.kpis.total_cost_usd
    assert evaluate(single, Design(sites)).kpis.carrier_share["FedEx"] < \
        default_design.kpis.carrier_share["FedEx"]
