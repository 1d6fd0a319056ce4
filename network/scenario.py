"""The scenario: every input of one network study, as typed, immutable dataclasses.

A scenario holds demand settings, candidate sites, carrier services with their rate cards,
cost parameters, service targets and design constraints. It is read from and written to a
versioned JSON file (docs/scenario-format.md, docs/scenario.schema.json); `io.py` does the
file work and the checks, this module only defines the shapes.

Units are in the field names: `_usd`, `_usd_per_order`, `_usd_per_year`, `_mi`, `_days`,
`_pct` (0-100), `_share` (0-1), `_lb`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Site:
    """A candidate fulfillment center."""

    site_id: str
    name: str
    state: str
    lat: float
    lon: float
    zip3: str
    fixed_cost_usd_per_year: float
    capacity_orders_per_year: float
    zip: str = ""
    rent_usd_per_sqft_year: float | None = None
    size_sqft: float | None = None
    source: str = "estimate"


@dataclass(frozen=True)
class Service:
    """A carrier service: its rate card (USD per package by weight band and zone 1..8),
    transit business days by zone, and surcharges."""

    service_id: str
    carrier: str
    name: str
    fuel_surcharge_pct: float
    residential_surcharge_usd: float
    noncontiguous_extra_days: int
    weight_bands_lb: tuple[float, ...]  # ascending upper bounds of the card's weight bands
    rates_usd: tuple[tuple[float, ...], ...]  # [band][zone - 1]
    transit_days_by_zone: tuple[int, ...]  # [zone - 1]
    source: str = ""

    def rate_usd_by_zone(self, weight_lb: float) -> np.ndarray:
        """Base rates (8 zones) for a package of `weight_lb`: the smallest band that holds it."""
        bands = np.asarray(self.weight_bands_lb)
        band = int(np.searchsorted(bands, weight_lb - 1e-9, side="left"))
        if band >= len(bands):
            raise ValueError(f"{self.service_id}: no rate for {weight_lb} lb")
        return np.asarray(self.rates_usd[band], dtype=float)


@dataclass(frozen=True)
class Port:
    """A port of entry for imports, with its share of inbound volume (0-1)."""

    name: str
    lat: float
    lon: float
    share: float


@dataclass(frozen=True)
class DemandSettings:
    """How orders per ZIP3 are made: population share x annual orders x growth x multipliers,
    or the user's own orders by ZIP3."""

    annual_orders: float = 50_000_000
    growth_pct: float = 0.0
    state_multipliers: tuple[tuple[str, float], ...] = ()
    region_multipliers: tuple[tuple[str, float], ...] = ()
    include_noncontiguous: bool = False
    orders_by_zip3: tuple[tuple[str, float], ...] = ()  # user demand; overrides population
    source: str = "population share (data/us_zip3_demand.csv)"


@dataclass(frozen=True)
class ReturnsSettings:
    """The free-returns program: a prepaid label back to the shipping site, then processing."""

    return_rate_share: float = 0.15
    label_service_id: str = "usps_ground_advantage"
    label_weight_lb: float = 2.0
    processing_usd_per_return: float = 3.0


@dataclass(frozen=True)
class InboundSettings:
    """Imports: full truckloads from the ports to each site, plus customs entry."""

    ports: tuple[Port, ...] = ()
    truckload_usd_per_mile: float = 2.42
    road_circuity: float = 1.2
    orders_per_truckload: float = 4000.0
    customs_usd_per_order: float = 0.25


@dataclass(frozen=True)
class CrossBorderSettings:
    """Ship each order from abroad, no US site: the status quo a planner compares against."""

    enabled: bool = True
    cost_usd_per_order: float = 22.0
    delivery_days: int = 10


@dataclass(frozen=True)
class CostSettings:
    """Per-order and per-year cost parameters shared by all sites and lanes."""

    weight_mix: tuple[tuple[float, float], ...] = ((1.0, 0.4), (2.0, 0.3), (5.0, 0.2),
                                                   (10.0, 0.1))  # (weight_lb, share)
    processing_days: int = 0
    pick_pack_usd_per_order: float = 3.0
    peak_multiplier: float = 1.3
    safety_stock_usd_per_year_one_site: float = 20_000_000.0
    returns: ReturnsSettings = field(default_factory=ReturnsSettings)
    inbound: InboundSettings = field(default_factory=InboundSettings)
    cross_border: CrossBorderSettings = field(default_factory=CrossBorderSettings)
    sources: tuple[tuple[str, str], ...] = ()  # (parameter, source or "estimate")


@dataclass(frozen=True)
class ShareTarget:
    """At least `share_pct` percent of orders delivered within `within_days` days."""

    within_days: int
    share_pct: float


@dataclass(frozen=True)
class Targets:
    """The delivery promise."""

    share_targets: tuple[ShareTarget, ...] = ()
    max_days_any_zip3: int | None = None


@dataclass(frozen=True)
class CarrierShare:
    """Bounds on one carrier's share of parcels (percent of orders shipped from US sites)."""

    carrier: str
    min_pct: float | None = None
    max_pct: float | None = None


@dataclass(frozen=True)
class DesignConstraints:
    """What the design may and may not do."""

    min_sites: int = 0
    max_sites: int | None = None
    forced_open: tuple[str, ...] = ()
    forced_closed: tuple[str, ...] = ()
    carrier_shares: tuple[CarrierShare, ...] = ()


@dataclass(frozen=True)
class Zip3Base:
    """The ZIP3 areas that demand can be spread over, with their points and population."""

    zip3: tuple[str, ...]
    state: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray
    source: str = "data/us_zip3_demand.csv"

    def __hash__(self) -> int:  # arrays are not hashable; the codes identify the table
        return hash((self.zip3, float(self.population.sum())))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Zip3Base) and self.zip3 == other.zip3
                and np.array_equal(self.population, other.population))


@dataclass(frozen=True)
class Scenario:
    """Everything one study needs. Immutable: edits make a new scenario with `with_changes`."""

    name: str
    zip3_base: Zip3Base
    sites: tuple[Site, ...]
    services: tuple[Service, ...]
    demand: DemandSettings = field(default_factory=DemandSettings)
    costs: CostSettings = field(default_factory=CostSettings)
    targets: Targets = field(default_factory=Targets)
    constraints: DesignConstraints = field(default_factory=DesignConstraints)
    description: str = ""

    def with_changes(self, **changes) -> Scenario:
        return replace(self, **changes)

    @property
    def site_ids(self) -> tuple[str, ...]:
        return tuple(s.site_id for s in self.sites)

    @property
    def service_ids(self) -> tuple[str, ...]:
        return tuple(s.service_id for s in self.services)

    def site(self, site_id: str) -> Site:
        for s in self.sites:
            if s.site_id == site_id:
                return s
        raise KeyError(site_id)

    def service(self, service_id: str) -> Service:
        for s in self.services:
            if s.service_id == service_id:
                return s
        raise KeyError(service_id)
