"""Cost-to-serve of every option a ZIP3 has, computed with numpy over whole arrays: each
(ZIP3, site, service) lane of the domestic path, and cross-border direct.

Both paths have the same cost elements, USD per order, so that their costs compare like for
like (parameters in network/scenario.py, figures in docs/sources.md):

    element      domestic lane (ZIP3 z, site s, service k)     cross-border direct
    goods_to_us  sum_p share_p x freight_p / orders_per_cont.  international parcel:
                 (origin to the US ports)                        per parcel + per lb x weight
    customs      entry per container / orders_per_container    entry per parcel
                 + duty x goods value                          + duty x parcel value
    inbound      sum_p share_p x miles(p, s) x circuity        0 (the parcel goes door to door)
                 x usd_per_mile / orders_per_truckload
    handling     pick and pack + receiving per container       the exporter's pick and pack
                 / orders_per_container
    outbound     sum_w mix_w x parcel_k(w, zone)               0 (in the international parcel)
    returns      return_rate x (label(zone) + processing)      return_rate x (international label
                                                               + processing), or x goods value
                                                               (refund without return)

where parcel_k(w, zone) = rate_k(w, zone) x (1 + fuel_k) + residential_k, and days[z,s,k] =
processing_days + transit_k(zone) (+ extra days to AK/HI/territories); cross-border direct has
its own days, the same for every ZIP3.

Rate shopping (`costs.rate_shop_per_parcel`): a real shipper picks the carrier parcel by parcel.
The lane table then holds, after the scenario's services, T *rate-shopped* options per lane:
option j (1..T) carries each parcel weight of the mix by the cheapest service among those
whose days at the lane are within the lane's j-th fastest day count (j = T: every service).
Its cost is the mix of those cheapest parcels; its days are those of the slowest service it
uses (the promise holds for every parcel). T is the largest number of distinct day counts the
services have at any zone, so options mean the same at every lane whatever the demand. Which
service carries each weight on each option is kept (`parcel_service`), and from it each
option's share of parcels per carrier: the optimizer's carrier-share rows use those fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from network.demand import Demand, build_demand
from network.geo import N_ZONES, distance_matrix_mi, great_circle_mi, zone_from_miles
from network.scenario import CostSettings, Scenario, Service

CROSS_BORDER = "CROSS_BORDER"  # site id of cross-border direct in assignments and exports
PARTS = ("goods_to_us", "customs", "inbound", "handling", "outbound", "returns")
RATE_SHOP_PREFIX = "rate_shop_"  # ids of the rate-shopped options: rate_shop_1 .. rate_shop_T


@dataclass(frozen=True)
class LaneTable:
    """All options of a scenario. Arrays are indexed [zip3, site, option]; options (the
    `service_ids`) are the scenario's services, then the rate-shopped ones."""

    demand: Demand
    site_ids: tuple[str, ...]
    service_ids: tuple[str, ...]  # per option
    service_names: tuple[str, ...]  # per option
    carriers: tuple[str, ...]  # per service of the scenario (the first n_services options)
    weights_lb: tuple[float, ...]  # the weight mix's parcel weights
    weight_shares: np.ndarray  # [w]
    parcel_service: np.ndarray  # [z, s, k, w] the service carrying parcels of weight w
    distance_mi: np.ndarray  # [z, s]
    zone: np.ndarray  # [z, s]
    delivery_days: np.ndarray  # [z, s, k]
    outbound_usd_per_order: np.ndarray  # [z, s, k]
    returns_usd_per_order: np.ndarray  # [z, s]
    inbound_usd_per_order: np.ndarray  # [s]
    goods_to_us_usd_per_order: float
    customs_usd_per_order: float
    handling_usd_per_order: float
    fixed_cost_usd_per_year: np.ndarray  # [s]
    capacity_orders_per_year: np.ndarray  # [s]
    cross_border_enabled: bool
    cross_border_days: int
    cross_border_parts: dict[str, float]  # element -> USD per order

    @property
    def n_services(self) -> int:
        return len(self.carriers)

    @property
    def cost_usd_per_order(self) -> np.ndarray:
        """Total variable cost per order [z, s, k]."""
        return (self.outbound_usd_per_order + self.returns_usd_per_order[:, :, None]
                + self.inbound_usd_per_order[None, :, None] + self.goods_to_us_usd_per_order
                + self.customs_usd_per_order + self.handling_usd_per_order)

    @property
    def cross_border_usd_per_order(self) -> float:
        return float(sum(self.cross_border_parts.values()))

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.delivery_days.shape

    def parts_usd_per_order(self, z: np.ndarray, s: np.ndarray, k: np.ndarray,
                            cross: np.ndarray) -> dict[str, np.ndarray]:
        """Each cost element per order of the chosen options: lane (z[i], s[i], k[i]), or
        cross-border direct where cross[i] (its s and k are then ignored)."""
        s, k = np.where(cross, 0, s), np.where(cross, 0, k)
        domestic = {
            "goods_to_us": np.full(len(z), self.goods_to_us_usd_per_order),
            "customs": np.full(len(z), self.customs_usd_per_order),
            "inbound": self.inbound_usd_per_order[s],
            "handling": np.full(len(z), self.handling_usd_per_order),
            "outbound": self.outbound_usd_per_order[z, s, k],
            "returns": self.returns_usd_per_order[z, s]}
        return {part: np.where(cross, self.cross_border_parts[part], domestic[part])
                for part in PARTS}

    def service_shares(self, z: np.ndarray, s: np.ndarray, k: np.ndarray) -> np.ndarray:
        """[i, service] share of the parcels of lane (z[i], s[i], k[i]) each of the scenario's
        services carries (rows add up to 1)."""
        carried = self.parcel_service[z, s, k]  # [i, w]
        shares = np.zeros((len(z), self.n_services))
        for w, share in enumerate(self.weight_shares):
            np.add.at(shares, (np.arange(len(z)), carried[:, w]), share)
        return shares

    def carrier_fraction(self, carrier: str) -> np.ndarray:
        """[z, s, k] share of each lane's parcels that `carrier` carries."""
        mine = np.array([c == carrier for c in self.carriers])
        return np.einsum("zskw,w->zsk", mine[self.parcel_service], self.weight_shares)


def build_lanes(scenario: Scenario, demand: Demand | None = None) -> LaneTable:
    demand = demand or build_demand(scenario)
    sites, services, costs = scenario.sites, scenario.services, scenario.costs
    s_lat = np.array([s.lat for s in sites])
    s_lon = np.array([s.lon for s in sites])
    distance = distance_matrix_mi(demand.lat, demand.lon, s_lat, s_lon)
    zone = zone_from_miles(distance)
    # A lane's carriage depends only on its zone and whether the ZIP3 is offshore (AK, HI,
    # territories): its class. Each class is priced once, then every lane takes its class's.
    lane_class = zone.astype(np.intp) - 1 + N_ZONES * demand.noncontiguous[:, None]
    by_class = _carriage_by_class(scenario)
    ids, names = scenario.service_ids, tuple(k.name for k in services)
    tiers = by_class.days.shape[1] - len(services)
    ids += tuple(f"{RATE_SHOP_PREFIX}{j}" for j in range(1, tiers + 1))
    names += tuple(f"Rate-shopped per parcel (speed tier {j})" for j in range(1, tiers + 1))
    return LaneTable(
        demand=demand, site_ids=scenario.site_ids, service_ids=ids, service_names=names,
        carriers=tuple(k.carrier for k in services), weights_lb=by_class.weights_lb,
        weight_shares=by_class.weight_shares, parcel_service=by_class.carried[lane_class],
        distance_mi=distance, zone=zone, delivery_days=by_class.days[lane_class],
        outbound_usd_per_order=by_class.outbound[lane_class],
        returns_usd_per_order=_returns_by_zone(scenario)[zone.astype(np.intp) - 1],
        inbound_usd_per_order=_truck_per_site(scenario, s_lat, s_lon),
        goods_to_us_usd_per_order=_freight_to_port(costs),
        customs_usd_per_order=_bulk_customs(costs),
        handling_usd_per_order=(costs.pick_pack_usd_per_order
                                + costs.inbound.receiving_usd_per_container
                                / costs.inbound.orders_per_container),
        fixed_cost_usd_per_year=np.array([s.fixed_cost_usd_per_year for s in sites]),
        capacity_orders_per_year=np.array([s.capacity_orders_per_year for s in sites]),
        cross_border_enabled=costs.cross_border.enabled,
        cross_border_days=costs.cross_border.delivery_days,
        cross_border_parts=cross_border_parts(costs))


def lanes_for_orders(lanes: LaneTable, before: Scenario, after: Scenario) -> LaneTable | None:
    """`after`'s lane table made from `lanes` (`before`'s) when the two scenarios differ only
    in their demand settings and the same ZIP3s have orders; None otherwise (build them).

    Why it holds: every field but `demand` is per order or per site, built from the sites,
    services, costs and each ZIP3's place (module docstring), none from how many orders a
    ZIP3 has; so new orders at the same ZIP3s give the same table with the new demand. A
    robustness draw is such an edit, and so the same options survive the lane reduction
    (reduce.py looks at costs per order and days only)."""
    if after.with_changes(demand=before.demand) != before:
        return None
    demand = build_demand(after)
    if demand.zip3 != lanes.demand.zip3:
        return None
    return replace(lanes, demand=demand)


def parcel_usd_by_zone(service: Service, weight_lb: float) -> np.ndarray:
    """What one parcel of `weight_lb` costs in each zone: rate x (1 + fuel) + residential."""
    return (service.rate_usd_by_zone(weight_lb) * (1 + service.fuel_surcharge_pct / 100)
            + service.residential_surcharge_usd)


@dataclass(frozen=True)
class Carriage:
    """Every option's carriage in each lane class c = zone - 1 + 8 x offshore (16 classes)."""

    weights_lb: tuple[float, ...]
    weight_shares: np.ndarray  # [w]
    days: np.ndarray  # [c, k] business days, int16
    carried: np.ndarray  # [c, k, w] the service carrying parcels of weight w, int8
    outbound: np.ndarray  # [c, k] USD per order for the weight mix


def _carriage_by_class(scenario: Scenario) -> Carriage:
    """Each service's days, parcels and outbound cost per lane class, then (with rate
    shopping) the rate-shopped options'."""
    services, costs = scenario.services, scenario.costs
    weights = tuple(w for w, _ in costs.weight_mix)
    shares = np.array([s for _, s in costs.weight_mix])
    transit = np.array([k.transit_days_by_zone for k in services]).T  # [zone, k]
    extra = np.array([k.noncontiguous_extra_days for k in services])
    days = costs.processing_days + np.concatenate([transit, transit + extra])  # [c, k]
    parcel = np.array([[parcel_usd_by_zone(k, w) for w in weights] for k in services])
    parcel = np.tile(np.moveaxis(parcel, 2, 0), (2, 1, 1))  # [c, k, w]
    carried = np.broadcast_to(np.arange(len(services))[None, :, None], parcel.shape)
    if costs.rate_shop_per_parcel:
        shop_days, shop_carried = _rate_shopped(parcel, days)
        days = np.concatenate([days, shop_days], axis=1)
        carried = np.concatenate([carried, shop_carried], axis=1)
    outbound = np.take_along_axis(parcel, carried, axis=1) @ shares
    return Carriage(weights, shares, days.astype(np.int16), carried.astype(np.int8), outbound)


def _rate_shopped(parcel: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rate-shopped options 1..T of each class: their days [c, j] and the service carrying
    each weight [c, j, w]. Option j may use the services within the class's j-th fastest
    distinct day count (its slowest when it has fewer); T is the most any class has."""
    levels = [np.unique(row) for row in days]
    count = max(len(v) for v in levels)
    shop_days = np.zeros((len(days), count), dtype=int)
    shop_carried = np.zeros((len(days), count, parcel.shape[2]), dtype=int)
    for c, distinct in enumerate(levels):
        for j in range(count):
            allowed = days[c] <= distinct[min(j, len(distinct) - 1)]
            priced = np.where(allowed[:, None], parcel[c], np.inf)  # [k, w]
            carried = priced.argmin(axis=0)  # ties go to the lower service index
            shop_carried[c, j] = carried
            shop_days[c, j] = days[c, carried].max()
    return shop_days, shop_carried


def _returns_by_zone(scenario: Scenario) -> np.ndarray:
    r = scenario.costs.returns
    label = scenario.service(r.label_service_id)
    label_usd = label.rate_usd_by_zone(r.label_weight_lb) * (1 + label.fuel_surcharge_pct / 100)
    return r.return_rate_share * (label_usd + r.processing_usd_per_return)


def _truck_per_site(scenario: Scenario, s_lat: np.ndarray, s_lon: np.ndarray) -> np.ndarray:
    """Full truckloads from the ports to each site, per order, weighted by the ports' shares."""
    inbound = scenario.costs.inbound
    per_mile = inbound.truckload_usd_per_mile * inbound.road_circuity / inbound.orders_per_truckload
    cost = np.zeros(len(s_lat))
    for port in inbound.ports:
        cost += port.share * great_circle_mi(port.lat, port.lon, s_lat, s_lon) * per_mile
    return cost


def _freight_to_port(costs: CostSettings) -> float:
    """Freight from the origin to the US ports per order, weighted by the ports' shares."""
    inbound = costs.inbound
    if not inbound.ports:
        per_container = inbound.freight_usd_per_container
    else:
        per_container = sum(
            p.share * (inbound.freight_usd_per_container if p.freight_usd_per_container is None
                       else p.freight_usd_per_container) for p in inbound.ports)
    return per_container / inbound.orders_per_container


def _bulk_customs(costs: CostSettings) -> float:
    """Customs per order imported in bulk: one entry per container, and duty."""
    customs = costs.customs
    return (customs.entry_usd_per_container / costs.inbound.orders_per_container
            + customs.duty_rate_pct / 100 * customs.goods_value_usd_per_order)


def cross_border_parts(costs: CostSettings) -> dict[str, float]:
    """Each cost element of one order shipped direct from abroad (USD)."""
    xb, customs = costs.cross_border, costs.customs
    mean_weight = sum(w * share for w, share in costs.weight_mix)
    value = (customs.goods_value_usd_per_order if customs.parcel_value_usd_per_order is None
             else customs.parcel_value_usd_per_order)
    per_return = (xb.return_label_usd + costs.returns.processing_usd_per_return
                  if xb.return_policy == "return_label" else customs.goods_value_usd_per_order)
    return {
        "goods_to_us": xb.parcel_usd_per_parcel + xb.parcel_usd_per_lb * mean_weight,
        "customs": customs.entry_usd_per_parcel + customs.duty_rate_pct / 100 * value,
        "inbound": 0.0,
        "handling": xb.pick_pack_usd_per_order,
        "outbound": 0.0,
        "returns": costs.returns.return_rate_share * per_return}


# ---------------------------------------------------------------------------------------------
# The lane table as rows


def lanes_frame(lanes: LaneTable) -> pd.DataFrame:
    """Every option as one row, for export and inspection: each (zip3, site, service) lane,
    then cross-border direct for each ZIP3 when it is enabled (site_id CROSS_BORDER), with the
    same cost-part columns, each carrier's share of the parcels and the service carrying each
    parcel weight."""
    n_z, n_s, n_k = lanes.shape
    z, s, k = (a.ravel() for a in np.meshgrid(np.arange(n_z), np.arange(n_s), np.arange(n_k),
                                              indexing="ij"))
    cross = np.zeros(len(z), bool)
    if lanes.cross_border_enabled:
        z = np.concatenate([z, np.arange(n_z)])
        s, k = np.concatenate([s, np.zeros(n_z, int)]), np.concatenate([k, np.zeros(n_z, int)])
        cross = np.concatenate([cross, np.ones(n_z, bool)])
    return options_frame(lanes, z, s, k, cross)


def options_frame(lanes: LaneTable, z: np.ndarray, s: np.ndarray, k: np.ndarray,
                  cross: np.ndarray) -> pd.DataFrame:
    """The rows of the given options (lane z, s, k, or cross-border direct where `cross`)."""
    sv, kv = np.where(cross, 0, s), np.where(cross, 0, k)
    frame = pd.DataFrame({
        "zip3": np.array(lanes.demand.zip3)[z],
        "site_id": np.where(cross, CROSS_BORDER, np.array(lanes.site_ids)[sv]),
        "service": np.where(cross, "", np.array(lanes.service_ids)[kv]),
        "zone": np.where(cross, 0, lanes.zone[z, sv]),
        "distance_mi": np.where(cross, np.nan, lanes.distance_mi[z, sv]).round(1),
        "delivery_days": np.where(cross, lanes.cross_border_days, lanes.delivery_days[z, sv, kv]),
        "orders": lanes.demand.orders_per_year[z].round(1),
    })
    parts = lanes.parts_usd_per_order(z, sv, kv, cross)
    for part in PARTS:
        frame[f"{part}_usd_per_order"] = parts[part]
    frame["cost_usd_per_order"] = sum(parts.values())
    money = [c for c in frame.columns if c.endswith("usd_per_order")]
    frame[money] = frame[money].round(4)
    shares = np.where(cross[:, None], 0.0, lanes.service_shares(z, sv, kv))
    for carrier in sorted(set(lanes.carriers)):
        mine = [i for i, c in enumerate(lanes.carriers) if c == carrier]
        frame[f"share_{carrier}"] = shares[:, mine].sum(axis=1).round(6)
    frame["parcel_services"] = _parcel_services_text(lanes, z, sv, kv, cross)
    return frame


def _parcel_services_text(lanes: LaneTable, z: np.ndarray, s: np.ndarray, k: np.ndarray,
                          cross: np.ndarray) -> np.ndarray:
    """'1 lb usps_ground_advantage; 5 lb fedex_ground; ...' per row ('' for cross-border)."""
    carried = lanes.parcel_service[z, s, k].astype(np.int64)  # [i, w]
    code = carried @ (lanes.n_services ** np.arange(carried.shape[1]))  # one number per combo
    codes, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    texts = np.array(["; ".join(f"{w:g} lb {lanes.service_ids[c]}"
                                for w, c in zip(lanes.weights_lb, carried[i], strict=True))
                      for i in first], dtype=object)
    return np.where(cross, "", texts[inverse])
