"""Which carrier carries which parcels in a design: by service, and by parcel weight and zone.

A ZIP3 served by a rate-shopped option sends each parcel weight of the mix by its own service
(network/lanes.py), so a design's carrier mix is counted parcel by parcel: orders of the ZIP3 x
the weight's share of the mix, by the service that carries that weight on the chosen option.
Cross-border orders are not parcels of a US carrier and are left out here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from network.evaluate import Evaluation
from network.lanes import parcel_usd_by_zone
from network.scenario import Scenario


def parcels_frame(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """One row per (ZIP3 served from a US site, parcel weight): zone, the service and carrier
    carrying it, parcels a year and the cost of one such parcel (rate + fuel + residential)."""
    lanes = evaluation.lanes
    us = np.nonzero(evaluation.site_index >= 0)[0]
    s, k = evaluation.site_index[us], evaluation.service_index[us]
    carried = lanes.parcel_service[us, s, k]  # [i, w]
    zone = lanes.zone[us, s].astype(int)
    rows = []
    for w, (weight, share) in enumerate(zip(lanes.weights_lb, lanes.weight_shares, strict=True)):
        service = carried[:, w].astype(int)
        usd = np.array([[parcel_usd_by_zone(svc, weight)] for svc in scenario.services])[:, 0]
        rows.append(pd.DataFrame({
            "zip3": np.array(lanes.demand.zip3)[us], "weight_lb": weight, "zone": zone,
            "service": np.array(lanes.service_ids)[service],
            "carrier": np.array(lanes.carriers)[service],
            "parcels": lanes.demand.orders_per_year[us] * share,
            "parcel_usd": usd[service, zone - 1]}))
    return pd.concat(rows, ignore_index=True)


def by_service(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """Parcels a year, share of all US parcels and average cost per parcel, by service."""
    parcels = parcels_frame(scenario, evaluation)
    parcels["usd"] = parcels["parcels"] * parcels["parcel_usd"]
    out = parcels.groupby(["carrier", "service"], as_index=False)[["parcels", "usd"]].sum()
    out["share"] = out["parcels"] / out["parcels"].sum()
    out["usd_per_parcel"] = out["usd"] / out["parcels"]
    return out.drop(columns="usd").sort_values("parcels", ascending=False, ignore_index=True)


def by_weight_and_zone(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """Each carrier's share of the parcels of each weight and zone [(weight, zone) x carrier]:
    where the design sends which parcels."""
    parcels = parcels_frame(scenario, evaluation)
    table = parcels.pivot_table(index=["weight_lb", "zone"], columns="carrier",
                                values="parcels", aggfunc="sum", fill_value=0.0)
    return table.div(table.sum(axis=1), axis=0)
