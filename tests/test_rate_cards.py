"""The default rate cards: one price basis (what a large shipper pays), rebuilt exactly by
data/rate_cards/build_cards.py, and a carrier choice that is live on the default data."""

from __future__ import annotations

import importlib.util
from dataclasses import replace

import numpy as np
import pytest

from network.evaluate import Design, evaluate
from network.lanes import build_lanes, parcel_usd_by_zone
from network.optimize import optimize
from network.scenario import Scenario
from network.tables import RATE_CARDS_DIR, load_services

DERIVED = ("ups_ground", "fedex_ground", "ups_2nd_day_air", "usps_priority_mail")
GROUND = ("usps_ground_advantage", "ups_ground", "fedex_ground")


def _build_module():
    spec = importlib.util.spec_from_file_location("build_cards", RATE_CARDS_DIR / "build_cards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_rates_scaled(scenario: Scenario, carrier: str, factor: float) -> Scenario:
    """The scenario with every card of `carrier` multiplied by `factor`, as an uploaded card
    10% higher or lower would be."""
    services = tuple(
        replace(s, rates_usd=tuple(tuple(r * factor for r in band) for band in s.rates_usd))
        if s.carrier == carrier else s for s in scenario.services)
    return scenario.with_changes(services=services)


def test_derived_cards_are_what_the_build_script_writes(tmp_path):
    """Rebuilding the default folder gives the committed cards and services.csv byte for byte."""
    _build_module().build(tmp_path)
    for name in [f"{s}.csv" for s in DERIVED] + ["services.csv"]:
        assert (tmp_path / name).read_text() == (RATE_CARDS_DIR / name).read_text(), name


def test_derived_cards_apply_the_stated_discounts():
    """Hand-checked cells: UPS 10 lb zone 8 list 26.00 less 67.5%; Priority Mail 1 lb zone 1
    retail 10.45 less 32%; FedEx residential 5.60 less 30%; fuel stays the published rate."""
    services = {s.service_id: s for s in load_services(RATE_CARDS_DIR)}
    assert services["ups_ground"].rate_usd_by_zone(10)[7] == pytest.approx(8.45)
    assert services["usps_priority_mail"].rate_usd_by_zone(1)[0] == pytest.approx(7.11)
    assert services["fedex_ground"].residential_surcharge_usd == pytest.approx(3.92)
    assert services["ups_ground"].fuel_surcharge_pct == 21.75
    assert services["usps_ground_advantage"].rate_usd_by_zone(1)[0] == pytest.approx(4.41)


def test_every_default_service_states_its_price_basis():
    """Each service's source (shown in Settings) says it is a large-shipper price."""
    for service in load_services(RATE_CARDS_DIR):
        assert service.source.startswith("large-shipper price"), service.service_id


def test_cheapest_parcel_carrier_depends_on_weight_and_zone():
    """Per parcel, as for a real shipper: USPS is cheapest for 1 lb at every zone and for
    10 lb nearby, UPS or FedEx Ground for 10 lb across the country."""
    services = [s for s in load_services(RATE_CARDS_DIR) if s.service_id in GROUND]

    def cheapest(weight_lb: float, zone: int) -> str:
        return min(services, key=lambda s: parcel_usd_by_zone(s, weight_lb)[zone - 1]).carrier

    assert {cheapest(1, zone) for zone in range(1, 9)} == {"USPS"}
    assert cheapest(10, 1) == cheapest(10, 2) == "USPS"
    assert cheapest(10, 7) in ("UPS", "FedEx") and cheapest(10, 8) in ("UPS", "FedEx")


def test_heavier_orders_move_far_zip3s_to_ups_and_fedex(default_scenario):
    """One site in Chicago, each ZIP3 on its cheapest service: with 1 lb orders USPS carries
    everything; with 10 lb orders UPS or FedEx carries the far ZIP3s, USPS the near ones."""

    def non_usps_share_by_zone(weight_lb: float) -> dict[str, float]:
        costs = replace(default_scenario.costs, weight_mix=((weight_lb, 1.0),))
        scenario = default_scenario.with_changes(costs=costs)
        lanes = build_lanes(scenario)
        ev = evaluate(scenario, Design(open_site_ids=("ORD",)), lanes)
        s = lanes.site_ids.index("ORD")
        zone = lanes.zone[:, s]
        shares = lanes.service_shares(np.arange(len(zone)), ev.site_index, ev.service_index)
        usps = [i for i, c in enumerate(lanes.carriers) if c == "USPS"]
        other = shares[:, usps].sum(axis=1) < 0.5  # one weight: all or nothing
        orders = lanes.demand.orders_per_year
        return {band: float(orders[other & mask].sum() / orders[mask].sum())
                for band, mask in (("near", zone <= 2), ("far", zone >= 6))}

    assert non_usps_share_by_zone(1) == {"near": 0.0, "far": 0.0}
    heavy = non_usps_share_by_zone(10)
    assert heavy["near"] == 0.0 and heavy["far"] > 0.5


@pytest.fixture(scope="module")
def default_shares(default_scenario):
    return optimize(default_scenario).evaluation.kpis.carrier_share


@pytest.mark.parametrize(("carrier", "factor", "gains"), [
    ("USPS", 1.1, "FedEx"), ("USPS", 0.9, "USPS"), ("FedEx", 1.1, "UPS")])
def test_ten_percent_rate_move_shifts_default_volume(default_scenario, default_shares, carrier,
                                                     factor, gains):
    """On the default scenario the carrier choice is live: USPS 10% dearer moves parcels to
    FedEx, USPS 10% cheaper moves them back, FedEx 10% dearer hands its parcels to UPS (at
    least 5% of all orders each time)."""
    moved = optimize(_with_rates_scaled(default_scenario, carrier, factor))
    assert moved.status.has_design
    shares = moved.evaluation.kpis.carrier_share
    assert shares[gains] >= default_shares[gains] + 0.05
