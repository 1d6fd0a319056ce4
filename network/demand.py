"""Orders per ZIP3 for a scenario.

orders[z] = share[z] x annual_orders x (1 + growth_pct/100) x state_mult[state(z)]
            x region_mult[region(state(z))]

where share[z] is the ZIP3's share of population over the included ZIP3s, or of the user's own
orders when the scenario carries them (growth and multipliers apply alike to both). Multipliers
scale (they are not re-normalised), so a 1.2 multiplier on a state adds 20% to that state's
orders and to the total. Uploaded orders in ZIP3s the scenario excludes (Alaska, Hawaii, the
territories) drop out of the shares, so the total goes to the included ZIP3s;
`left_out_orders` says how many and where, for the app to tell the planner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from network.geo import LOWER_48_EXCLUDED_STATES
from network.regions import STATE_REGION
from network.scenario import DemandSettings, Scenario


@dataclass(frozen=True)
class Demand:
    """Orders per year by ZIP3 (only the ZIP3s included and with orders)."""

    zip3: tuple[str, ...]
    state: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    orders_per_year: np.ndarray

    @property
    def total_orders_per_year(self) -> float:
        return float(self.orders_per_year.sum())

    @property
    def noncontiguous(self) -> np.ndarray:
        return np.array([s in LOWER_48_EXCLUDED_STATES for s in self.state])


@dataclass(frozen=True)
class LeftOutOrders:
    """The user's own orders in ZIP3s the scenario leaves out (Alaska, Hawaii, territories)."""

    orders_per_year: float  # as in the uploaded file
    share: float  # of the file's orders
    zip3: tuple[str, ...]
    states: tuple[str, ...]


def left_out_orders(scenario: Scenario) -> LeftOutOrders | None:
    """The uploaded orders that `build_demand` leaves out (their volume goes to the included
    ZIP3s, since the annual total stays), or None when nothing is left out."""
    settings = scenario.demand
    if settings.include_noncontiguous or not settings.orders_by_zip3:
        return None
    state = dict(zip(scenario.zip3_base.zip3, scenario.zip3_base.state, strict=True))
    out = [(z, q) for z, q in settings.orders_by_zip3
           if q > 0 and state.get(z) in LOWER_48_EXCLUDED_STATES]
    if not out:
        return None
    total = sum(q for _, q in settings.orders_by_zip3)
    orders = sum(q for _, q in out)
    return LeftOutOrders(orders_per_year=orders, share=orders / total,
                         zip3=tuple(z for z, _ in out),
                         states=tuple(sorted({state[z] for z, _ in out})))


def build_demand(scenario: Scenario) -> Demand:
    base, settings = scenario.zip3_base, scenario.demand
    included = np.array([settings.include_noncontiguous or s not in LOWER_48_EXCLUDED_STATES
                         for s in base.state])
    if settings.orders_by_zip3:
        user = dict(settings.orders_by_zip3)
        weight = np.array([user.get(z, 0.0) for z in base.zip3])
    else:
        weight = base.population.astype(float)
    weight = np.where(included, weight, 0.0)
    total = weight.sum()
    share = weight / total if total > 0 else weight
    orders = share * settings.annual_orders * (1 + settings.growth_pct / 100)
    orders = orders * demand_multipliers(base.state, settings)
    keep = orders > 0
    return Demand(zip3=tuple(np.array(base.zip3)[keep]), state=tuple(np.array(base.state)[keep]),
                  lat=base.lat[keep], lon=base.lon[keep], orders_per_year=orders[keep])


def demand_multipliers(states: tuple[str, ...], settings: DemandSettings) -> np.ndarray:
    """Each row's state multiplier x its Census region's multiplier (1 where none is set)."""
    by_state = dict(settings.state_multipliers)
    by_region = dict(settings.region_multipliers)
    return np.array([by_state.get(s, 1.0) * by_region.get(STATE_REGION.get(s, ""), 1.0)
                     for s in states])
