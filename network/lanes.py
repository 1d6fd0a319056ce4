"""Cost-to-serve for every (ZIP3, site, service) lane, computed with numpy over whole arrays.

For ZIP3 z, site s, service k (zone = zone(distance(z, s))):

    outbound[z,s,k] = sum_w mix_w * rate_k(w, zone) * (1 + fuel_k) + residential_k
    returns[z,s]    = return_rate * label_rate(zone) * (1 + fuel_label) + return_rate * processing
    inbound[s]      = sum_p share_p * miles(p, s) * circuity * usd_per_mile / orders_per_truck
                      + customs_per_order
    handling        = pick_pack_per_order
    cost[z,s,k]     = outbound + returns + inbound + handling                 (USD per order)
    days[z,s,k]     = processing_days + transit_k(zone) (+ extra days to AK/HI/territories)

Cross-border direct (no US site) has its own cost per order and days, the same for every ZIP3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from network.demand import Demand, build_demand
from network.geo import distance_matrix_mi, great_circle_mi, zone_from_miles
from network.scenario import Scenario, Service


@dataclass(frozen=True)
class LaneTable:
    """All lanes of a scenario. Arrays are indexed [zip3, site, service]."""

    demand: Demand
    site_ids: tuple[str, ...]
    service_ids: tuple[str, ...]
    carriers: tuple[str, ...]  # per service
    distance_mi: np.ndarray  # [z, s]
    zone: np.ndarray  # [z, s]
    delivery_days: np.ndarray  # [z, s, k]
    outbound_usd_per_order: np.ndarray  # [z, s, k]
    returns_usd_per_order: np.ndarray  # [z, s]
    inbound_usd_per_order: np.ndarray  # [s]
    handling_usd_per_order: float
    fixed_cost_usd_per_year: np.ndarray  # [s]
    capacity_orders_per_year: np.ndarray  # [s]
    cross_border_enabled: bool
    cross_border_usd_per_order: float
    cross_border_days: int

    @property
    def cost_usd_per_order(self) -> np.ndarray:
        """Total variable cost per order [z, s, k]."""
        return (self.outbound_usd_per_order + self.returns_usd_per_order[:, :, None]
                + self.inbound_usd_per_order[None, :, None] + self.handling_usd_per_order)

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.delivery_days.shape


def build_lanes(scenario: Scenario, demand: Demand | None = None) -> LaneTable:
    demand = demand or build_demand(scenario)
    sites, services, costs = scenario.sites, scenario.services, scenario.costs
    s_lat = np.array([s.lat for s in sites])
    s_lon = np.array([s.lon for s in sites])
    distance = distance_matrix_mi(demand.lat, demand.lon, s_lat, s_lon)
    zone = zone_from_miles(distance)
    zi = zone.astype(np.intp) - 1
    outbound_by_zone = np.stack([_outbound_by_zone(k, costs.weight_mix) for k in services])
    transit = np.array([k.transit_days_by_zone for k in services])  # [k, zone]
    extra = np.array([k.noncontiguous_extra_days for k in services])
    offshore = demand.noncontiguous[:, None, None]
    days = (costs.processing_days + np.moveaxis(transit[:, zi], 0, -1)
            + np.where(offshore, extra[None, None, :], 0))
    return LaneTable(
        demand=demand, site_ids=scenario.site_ids, service_ids=scenario.service_ids,
        carriers=tuple(k.carrier for k in services), distance_mi=distance, zone=zone,
        delivery_days=days.astype(np.int16),
        outbound_usd_per_order=np.moveaxis(outbound_by_zone[:, zi], 0, -1),
        returns_usd_per_order=_returns_by_zone(scenario)[zi],
        inbound_usd_per_order=_inbound_per_site(scenario, s_lat, s_lon),
        handling_usd_per_order=costs.pick_pack_usd_per_order,
        fixed_cost_usd_per_year=np.array([s.fixed_cost_usd_per_year for s in sites]),
        capacity_orders_per_year=np.array([s.capacity_orders_per_year for s in sites]),
        cross_border_enabled=costs.cross_border.enabled,
        cross_border_usd_per_order=costs.cross_border.cost_usd_per_order,
        cross_border_days=costs.cross_border.delivery_days)


def parcel_usd_by_zone(service: Service, weight_lb: float) -> np.ndarray:
    """What one parcel of `weight_lb` costs in each zone: rate x (1 + fuel) + residential."""
    return (service.rate_usd_by_zone(weight_lb) * (1 + service.fuel_surcharge_pct / 100)
            + service.residential_surcharge_usd)


def _outbound_by_zone(service: Service, weight_mix) -> np.ndarray:
    """Expected outbound cost per order in each zone for the scenario's weight mix (shares add
    up to 1). One service carries the whole mix of a lane."""
    return sum(share * parcel_usd_by_zone(service, weight) for weight, share in weight_mix)


def _returns_by_zone(scenario: Scenario) -> np.ndarray:
    r = scenario.costs.returns
    label = scenario.service(r.label_service_id)
    label_usd = label.rate_usd_by_zone(r.label_weight_lb) * (1 + label.fuel_surcharge_pct / 100)
    return r.return_rate_share * (label_usd + r.processing_usd_per_return)


def _inbound_per_site(scenario: Scenario, s_lat: np.ndarray, s_lon: np.ndarray) -> np.ndarray:
    inbound = scenario.costs.inbound
    per_mile = inbound.truckload_usd_per_mile * inbound.road_circuity / inbound.orders_per_truckload
    cost = np.full(len(s_lat), inbound.customs_usd_per_order)
    for port in inbound.ports:
        cost += port.share * great_circle_mi(port.lat, port.lon, s_lat, s_lon) * per_mile
    return cost


def lanes_frame(lanes: LaneTable) -> pd.DataFrame:
    """Every (zip3, site, service) option as one row, for export and inspection."""
    n_z, n_s, n_k = lanes.shape
    z, s, k = np.meshgrid(np.arange(n_z), np.arange(n_s), np.arange(n_k), indexing="ij")
    z, s, k = z.ravel(), s.ravel(), k.ravel()
    frame = pd.DataFrame({
        "zip3": np.array(lanes.demand.zip3)[z],
        "site_id": np.array(lanes.site_ids)[s],
        "service": np.array(lanes.service_ids)[k],
        "zone": lanes.zone[z, s],
        "distance_mi": lanes.distance_mi[z, s].round(1),
        "delivery_days": lanes.delivery_days[z, s, k],
        "orders": lanes.demand.orders_per_year[z].round(1),
        "outbound_usd_per_order": lanes.outbound_usd_per_order[z, s, k],
        "returns_usd_per_order": lanes.returns_usd_per_order[z, s],
        "inbound_usd_per_order": lanes.inbound_usd_per_order[s],
        "handling_usd_per_order": lanes.handling_usd_per_order,
    })
    frame["cost_usd_per_order"] = frame[["outbound_usd_per_order", "returns_usd_per_order",
                                         "inbound_usd_per_order",
                                         "handling_usd_per_order"]].sum(axis=1)
    money = [c for c in frame.columns if c.endswith("usd_per_order")]
    frame[money] = frame[money].round(4)
    return frame
