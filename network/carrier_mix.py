"""Which carrier carries which parcels in a design: by service, and by parcel weight and zone.

A ZIP3 served by a rate-shopped option sends each parcel weight of the mix by its own service
(network/lanes.py), so a design's carrier mix is counted parcel by parcel: orders of the ZIP3 x
the weight's share of the mix, by the service that carries that weight on the chosen option.
Cross-border orders are not parcels of a US carrier and are left out here.

The parcels are counted once per call, as arrays (`_parcels`), and summed by service or by
(weight, zone, carrier) with np.bincount. Why: the app's results page shows both tables after
every solve, and building the parcels table twice and grouping it in pandas took about 20 ms a table
of the round trip, now 4 ms each (BENCHMARKS.md, branch warm4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from network.evaluate import Evaluation
from network.lanes import parcel_usd_by_zone
from network.scenario import Scenario


@dataclass(frozen=True)
class _Parcels:
    """One entry per (ZIP3 served from a US site, parcel weight), weight by weight."""

    point: np.ndarray  # ZIP3 index in the lanes' demand
    weight: np.ndarray  # index into lanes.weights_lb
    zone: np.ndarray
    service: np.ndarray  # index into lanes.service_ids / lanes.carriers
    parcels: np.ndarray  # parcels a year
    parcel_usd: np.ndarray  # the cost of one such parcel (rate + fuel + residential)


def _parcels(scenario: Scenario, evaluation: Evaluation) -> _Parcels:
    lanes = evaluation.lanes
    us = np.nonzero(evaluation.site_index >= 0)[0]
    s, k = evaluation.site_index[us], evaluation.service_index[us]
    carried = lanes.parcel_service[us, s, k].astype(int)  # [i, w]
    zone = lanes.zone[us, s].astype(int)
    n_w = len(lanes.weights_lb)
    usd = np.array([[parcel_usd_by_zone(svc, weight) for svc in scenario.services]
                    for weight in lanes.weights_lb])  # [w, service, zone]
    service = carried.T.ravel()  # weight by weight, as the table's rows
    weight = np.repeat(np.arange(n_w), len(us))
    zones = np.tile(zone, n_w)
    orders = lanes.demand.orders_per_year[us]
    parcels = np.concatenate([orders * share for share in lanes.weight_shares])
    return _Parcels(np.tile(us, n_w), weight, zones, service, parcels,
                    usd[weight, service, zones - 1])


def parcels_frame(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """One row per (ZIP3 served from a US site, parcel weight): zone, the service and carrier
    carrying it, parcels a year and the cost of one such parcel (rate + fuel + residential)."""
    lanes = evaluation.lanes
    p = _parcels(scenario, evaluation)
    return pd.DataFrame({
        "zip3": np.array(lanes.demand.zip3)[p.point],
        "weight_lb": np.array(lanes.weights_lb, dtype=float)[p.weight], "zone": p.zone,
        "service": np.array(lanes.service_ids)[p.service],
        "carrier": np.array(lanes.carriers)[p.service],
        "parcels": p.parcels, "parcel_usd": p.parcel_usd})


def by_service(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """Parcels a year, share of all US parcels and average cost per parcel, by service."""
    lanes = evaluation.lanes
    p = _parcels(scenario, evaluation)
    n = len(lanes.service_ids)
    count = np.bincount(p.service, p.parcels, n)
    usd = np.bincount(p.service, p.parcels * p.parcel_usd, n)
    used = np.unique(p.service)  # services carrying some parcel row
    carrier, service = np.array(lanes.carriers)[used], np.array(lanes.service_ids)[used]
    used = used[np.lexsort((service, carrier))]  # by (carrier, service), then by parcels
    out = pd.DataFrame({"carrier": np.array(lanes.carriers)[used],
                        "service": np.array(lanes.service_ids)[used],
                        "parcels": count[used]})
    out["share"] = out["parcels"] / out["parcels"].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["usd_per_parcel"] = usd[used] / count[used]
    return out.sort_values("parcels", ascending=False, ignore_index=True)


def by_weight_and_zone(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """Each carrier's share of the parcels of each weight and zone [(weight, zone) x carrier]:
    where the design sends which parcels."""
    lanes = evaluation.lanes
    p = _parcels(scenario, evaluation)
    carriers, column = np.unique(np.array(lanes.carriers)[p.service], return_inverse=True)
    n_z = int(p.zone.max(initial=0)) + 1
    cell = p.weight * n_z + p.zone  # sorted by weight, then zone
    keys, row = np.unique(cell, return_inverse=True)
    table = np.bincount(row * len(carriers) + column, p.parcels,
                        len(keys) * len(carriers)).reshape(len(keys), len(carriers))
    index = pd.MultiIndex.from_arrays(
        [np.array(lanes.weights_lb, dtype=float)[keys // n_z], keys % n_z],
        names=["weight_lb", "zone"])
    out = pd.DataFrame(table, index=index, columns=pd.Index(carriers, name="carrier"))
    return out.div(out.sum(axis=1), axis=0)
