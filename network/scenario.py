"""The scenario: every input of one network study, defined once.

A scenario holds demand settings, candidate sites, carrier services with their rate cards,
cost parameters, service targets and design constraints. Each class below is a frozen pydantic
dataclass, and this module is the one place that says what a field is: its type, default,
range, description and (for cost parameters) the source of its default. From it come

- the runtime objects: attribute access, `dataclasses.replace`, hashing, and validation on
  construction (a value out of range raises at once);
- the scenario file (network/scenario_file.py reads and writes it through these classes; the
  aliases and `Keyed` fields give the file its shape: `service`, rates keyed by weight,
  `weight_mix` as an object);
- the JSON Schema and the field tables of docs/scenario-format.md (network/scenario_schema.py);
- the Settings page's number inputs and checks (`network.fields.Range`).

Cross-field rules (unique ids, known ZIP3s, shares adding up to 1) are in
`scenario_file.check_scenario`. Units are in the field names: `_usd`, `_usd_per_order`,
`_usd_per_year`, `_mi`, `_days`, `_pct` (0-100), `_share` (0-1), `_lb`.
"""

from __future__ import annotations

import enum
import hashlib
import struct
import weakref
from collections.abc import Iterator
from dataclasses import field, fields, is_dataclass, replace
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, field_serializer, field_validator, model_validator
from pydantic.dataclasses import dataclass
from pydantic.json_schema import SkipJsonSchema

from network.fields import (
    CONFIG,
    Column,
    Keyed,
    Sourced,
    default_source,
    field_info,
    key_text,
    optional_in_files,
)
from network.geo import N_ZONES
from network.regions import Region

FORMAT_VERSION = 3

# Number types shared by several fields.
Latitude = Annotated[float, Field(ge=-90, le=90, description="degrees north")]
Longitude = Annotated[float, Field(ge=-180, le=180, description="degrees east (US: negative)")]
Share = Annotated[float, Field(ge=0, le=1, description="share, 0-1")]
Pct = Annotated[float, Field(ge=0, le=100, description="percent, 0-100")]
NonNegative = Annotated[float, Field(ge=0)]
WeightLb = Annotated[float, Field(gt=0, description="package weight, lb")]
Multiplier = Annotated[float, Field(ge=0, description="1 = unchanged, 0 = no orders")]
Zip3Code = Annotated[str, Field(pattern=r"^\d{3}$", description="3-digit ZIP")]
ZoneRates = Annotated[tuple[NonNegative, ...], Field(min_length=N_ZONES, max_length=N_ZONES,
                                                     description="USD per package, zones 1-8")]
TransitDays = Annotated[int, Field(ge=0, le=30, description="business days")]


@dataclass(frozen=True, config=CONFIG)
@optional_in_files(state="", zip3="")
class Site:
    """A candidate fulfillment center."""

    site_id: Annotated[str, Field(min_length=1, description="unique id, e.g. 'SEA'")]
    name: Annotated[str, Field(min_length=1, description="shown in the app")]
    state: Annotated[str, Field(description="state code; from the location when left out")]
    lat: Latitude
    lon: Longitude
    zip3: Annotated[str, Field(pattern=r"^(\d{3})?$",
                               description="3-digit ZIP; from the location when left out")]
    fixed_cost_usd_per_year: Annotated[float, Field(
        ge=0, description="cost of keeping the site open a year (rent and overhead)")]
    capacity_orders_per_year: Annotated[float, Field(
        gt=0, description="orders a year the site can ship (at the peak rate, see "
        "costs.peak_multiplier)")]
    zip: Annotated[str, Field(pattern=r"^(\d{5})?$", description="5-digit ZIP")] = ""
    rent_usd_per_sqft_year: Annotated[float | None, Field(ge=0, description="rent")] = None
    size_sqft: Annotated[float | None, Field(ge=0, description="floor area")] = None
    source: Annotated[str, Field(description="where the figures come from, or 'estimate'")] = (
        "estimate")


@dataclass(frozen=True, config=CONFIG)
@optional_in_files(noncontiguous_extra_days=0)
class Service:
    """A carrier service: its rate card (USD per package by weight band and zone 1..8),
    transit business days by zone, and surcharges."""

    service_id: Annotated[str, Field(alias="service", min_length=1, description="unique id")]
    carrier: Annotated[str, Field(description="carrier name, as carrier_shares names it")]
    name: Annotated[str, Field(description="shown in the app")]
    fuel_surcharge_pct: Annotated[float, Field(ge=0, le=200,
                                               description="added to every rate")]
    residential_surcharge_usd: Annotated[float, Field(ge=0, description="per package")]
    noncontiguous_extra_days: Annotated[int, Field(
        ge=0, description="days added to AK, HI and the territories")]
    # A file holds the card as one object {weight band upper bound: 8 rates}; it fills these two
    # fields (sorted by weight), and the writer joins them again.
    weight_bands_lb: SkipJsonSchema[Annotated[
        tuple[WeightLb, ...], Keyed(WeightLb, Any, part="keys"),
        Field(validation_alias="rates_usd_by_weight_lb", exclude=True,
              description="ascending upper bounds of the card's weight bands")]]
    rates_usd: Annotated[tuple[ZoneRates, ...], Keyed(str, ZoneRates, part="values", min_items=1),
                         Field(alias="rates_usd_by_weight_lb",
        description="weight band upper bound (lb) -> 8 rates (USD per package, zones 1-8)")]
    transit_days_by_zone: Annotated[tuple[TransitDays, ...], Field(
        min_length=N_ZONES, max_length=N_ZONES, description="zones 1-8")]
    source: Annotated[str, Field(description="where the card comes from")] = ""

    @field_validator("weight_bands_lb")
    @classmethod
    def _bands_ascending(cls, bands: tuple[float, ...]) -> tuple[float, ...]:
        if any(b <= a for a, b in zip(bands, bands[1:], strict=False)):
            raise ValueError("weight bands must be ascending, each given once: "
                             + ", ".join(key_text(w) for w in bands))
        return bands

    @model_validator(mode="after")
    def _a_rate_row_per_band(self) -> Service:
        if len(self.weight_bands_lb) != len(self.rates_usd):
            raise ValueError(f"{len(self.weight_bands_lb)} weight bands but "
                             f"{len(self.rates_usd)} rows of rates")
        return self

    @field_serializer("rates_usd", when_used="json")
    def _card(self, rates: tuple[tuple[float, ...], ...]) -> dict[str, list[float]]:
        return {key_text(w): list(r) for w, r in zip(self.weight_bands_lb, rates, strict=True)}

    def rate_usd_by_zone(self, weight_lb: float) -> np.ndarray:
        """Base rates (8 zones) for a package of `weight_lb`: the smallest band that holds it."""
        bands = np.asarray(self.weight_bands_lb)
        band = int(np.searchsorted(bands, weight_lb - 1e-9, side="left"))
        if band >= len(bands):
            raise ValueError(f"{self.service_id}: no rate for {weight_lb} lb")
        return np.asarray(self.rates_usd[band], dtype=float)


@dataclass(frozen=True, config=CONFIG)
class Port:
    """A port of entry for imports, with its share of inbound volume (0-1)."""

    name: Annotated[str, Field(min_length=1)]
    lat: Latitude
    lon: Longitude
    share: Annotated[Share, Field(description="share of imports through this port, 0-1")]
    freight_usd_per_container: Annotated[float | None, Field(
        ge=0, description="ocean (or air) freight from the origin to this port, per 40 ft "
        "container's worth of goods (null: inbound.freight_usd_per_container)")] = None


@dataclass(frozen=True, config=CONFIG)
class DemandSettings:
    """How orders per ZIP3 are made: population share x annual orders x growth x multipliers,
    or the user's own orders by ZIP3."""

    annual_orders: Annotated[float, Field(
        gt=0, description="orders per year before growth and multipliers")] = 50_000_000
    growth_pct: Annotated[float, Field(
        gt=-100, le=1000, description="applied to every ZIP3 (-50 halves, 100 doubles)")] = 0.0
    state_multipliers: Annotated[tuple[tuple[str, Multiplier], ...], Keyed(str, Multiplier),
                                 Field(description="state -> multiplier, e.g. {\"CA\": 1.2}; "
                                       "scales that state's orders (not re-normalised)")] = ()
    region_multipliers: Annotated[tuple[tuple[Region, Multiplier], ...],
                                  Keyed(Region, Multiplier),
                                  Field(description="Census region -> multiplier")] = ()
    include_noncontiguous: Annotated[bool, Field(
        description="include AK, HI and the territories")] = False
    orders_by_zip3: Annotated[tuple[tuple[Zip3Code, NonNegative], ...],
                              Keyed(Zip3Code, NonNegative),
                              Field(description="the user's own orders per year by ZIP3; "
                                    "when given, ZIP3 shares come from it, not population")] = ()
    source: Annotated[str, Field(description="where the demand comes from, shown in the app")] = (
        "population share (data/us_zip3_demand.csv)")


@dataclass(frozen=True, config=CONFIG)
class ReturnsSettings:
    """The free-returns program: a prepaid label back to the shipping site, then processing.
    The return rate and the processing cost apply to cross-border direct too (its label and
    policy are in `cross_border`)."""

    return_rate_share: Annotated[Share, Field(description="share of orders returned"), Sourced(
        "estimate: 15% of orders come back through the free-returns program")] = 0.15
    label_service_id: Annotated[str, Field(
        description="service whose card prices the return label at the lane's zone")] = (
        "usps_ground_advantage")
    label_weight_lb: Annotated[float, Field(gt=0, description="weight of a returned package")
                               ] = 2.0
    processing_usd_per_return: Annotated[float, Field(
        ge=0, description="handling a returned package"), Sourced("estimate")] = 3.0


@dataclass(frozen=True, config=CONFIG)
class InboundSettings:
    """The domestic path's goods to the US and on to the sites: freight from the origin to the
    ports (per container, spread over its orders; the ports' shares weight it), full
    truckloads from the ports to each site, and receiving at the site."""

    ports: Annotated[tuple[Port, ...], Field(description="ports of entry; shares add up to 1")
                     ] = ()
    freight_usd_per_container: Annotated[float, Field(
        ge=0, description="origin to US port per 40 ft container, for the ports without a "
        "figure of their own (and for all the goods when no port is listed)"),
        Sourced("Drewry World Container Index, Shanghai-Los Angeles spot rate 2,546 USD per "
                "40 ft on 2026-01-22 (docs/sources.md), rounded")] = 2550.0
    orders_per_container: Annotated[float, Field(
        gt=0, description="orders' worth of goods in one 40 ft container"),
        Sourced("estimate: 4,000 orders per 53 ft trailer x 2,694 / 4,000 cu ft (a 40 ft "
                "high-cube container's volume over a 53 ft trailer's), rounded")] = 2700.0
    receiving_usd_per_container: Annotated[float, Field(
        ge=0, description="unloading and receiving one container at the site (counted in "
        "handling)"),
        Sourced("3PL survey 2025: receiving 250-500 USD per container "
                "(thefulfillmentadvisor.com); 375 is the midpoint")] = 375.0
    truckload_usd_per_mile: Annotated[float, Field(
        ge=0, description="full truckload, per road mile"),
        Sourced("DAT contract dry-van rate incl. fuel, Sep 2025 (docs/sources.md)")] = 2.42
    road_circuity: Annotated[float, Field(
        ge=1, le=3, description="road miles per great-circle mile"),
        Sourced("estimate: road miles over great-circle miles")] = 1.2
    orders_per_truckload: Annotated[float, Field(
        gt=0, description="orders' worth of goods in one trailer"),
        Sourced("estimate: orders' worth of goods in one 53 ft trailer")] = 4000.0


@dataclass(frozen=True, config=CONFIG)
class CustomsSettings:
    """Duty and entry costs on both paths. The domestic path enters goods in bulk, one entry per
    container; cross-border direct enters each parcel (duty-free de minimis entry has been
    suspended since 2025-08-29). Duty is charged on the customs value: the transaction value,
    the price the importer pays for the goods, freight to the US not included (FOB)."""

    duty_rate_pct: Annotated[Pct, Field(description="duty on the customs value, both paths"),
        Sourced("estimate: about the average effective US tariff rate, 8-12% in the Yale "
                "Budget Lab's 2026 estimates (docs/sources.md); it depends on each good's "
                "tariff code and origin")] = 10.0
    goods_value_usd_per_order: Annotated[float, Field(
        ge=0, description="customs value of one order's goods: what the importer pays its "
        "supplier (FOB); duty, and a cross-border refund without return, are charged on it"),
        Sourced("estimate: 35% of a 100 USD order (docs/sources.md), the goods' cost to a "
                "brand selling direct at about a 65% gross margin")] = 35.0
    parcel_value_usd_per_order: Annotated[float | None, Field(
        ge=0, description="customs value declared on a cross-border parcel (null: "
        "goods_value_usd_per_order, the same transaction value as a bulk import); set the "
        "price the customer pays where the parcel's sale for export is the sale to the "
        "customer")] = None
    entry_usd_per_container: Annotated[float, Field(
        ge=0, description="domestic path: entry, brokerage and fees of one container, spread "
        "over its orders"),
        Sourced("estimate: broker's entry fee and security filing plus the merchandise "
                "processing (0.3464%) and harbor maintenance (0.125%) fees on a container of "
                "goods; 0.25 USD per order at 2,700 orders")] = 675.0
    entry_usd_per_parcel: Annotated[float, Field(
        ge=0, description="cross-border direct: entry and brokerage of one parcel"),
        Sourced("estimate: about 8 USD per-parcel entry and brokerage since the de minimis "
                "suspension")] = 8.0


ReturnPolicy = Literal["return_label", "refund_without_return"]


@dataclass(frozen=True, config=CONFIG)
class CrossBorderSettings:
    """Ship each order from abroad, no US site: the status quo a planner compares against. Its
    costs have the same elements as the domestic path's: goods to the US (the international
    parcel, door to door), customs (costs.customs), handling (the exporter's pick and pack)
    and returns; inventory abroad is left out on both paths."""

    enabled: Annotated[bool, Field(description="allow shipping direct from abroad")] = True
    parcel_usd_per_parcel: Annotated[float, Field(
        ge=0, description="international parcel, door to door: the charge per parcel"),
        Sourced("estimate: with parcel_usd_per_lb, about 14 USD for the default weight mix's "
                "3 lb average parcel")] = 8.0
    parcel_usd_per_lb: Annotated[float, Field(
        ge=0, description="international parcel: the charge per lb, priced at each weight "
        "of the weight mix"), Sourced("estimate: see parcel_usd_per_parcel")] = 2.0
    pick_pack_usd_per_order: Annotated[float, Field(
        ge=0, description="the exporter's pick and pack at the origin"),
        Sourced("estimate: the US figure (3PL survey 2025, 2-5 USD per pick), for want of a "
                "published figure for the exporter's")] = 3.0
    return_policy: Annotated[ReturnPolicy, Field(
        description="'return_label': the customer sends the parcel back abroad on a prepaid "
        "international label, then it is processed (returns.processing_usd_per_return); "
        "'refund_without_return': the customer keeps it and the goods' value "
        "(customs.goods_value_usd_per_order) is lost. Either way at returns.return_rate_share")
        ] = "return_label"
    return_label_usd: Annotated[float, Field(
        ge=0, description="international return label, per returned parcel"),
        Sourced("estimate: a 2 lb parcel from the US back to the origin")] = 20.0
    delivery_days: Annotated[int, Field(
        ge=1, le=60, description="door to door, the same for every ZIP3"),
        Sourced("estimate: 10 days door to door")] = 10


@dataclass(frozen=True, config=CONFIG)
class CostSettings:
    """Per-order and per-year cost parameters shared by all sites and lanes. A new parameter
    is one field here: its type and range, default, description and `Sourced` default source."""

    weight_mix: Annotated[tuple[tuple[WeightLb, Share], ...], Keyed(WeightLb, Share, min_items=1),
                          Field(description="share of orders by package weight (lb); shares "
                                "add up to 1"),
        Sourced("estimate: share of orders by package weight band; replace with your own "
                "order profile")] = ((1.0, 0.4), (2.0, 0.3), (5.0, 0.2), (10.0, 0.1))
    processing_days: Annotated[int, Field(
        ge=0, le=10, description="days from order to hand-over to the carrier"),
        Sourced("estimate: orders placed before the cut-off ship the same business day")] = 0
    pick_pack_usd_per_order: Annotated[float, Field(
        ge=0, description="site handling per order"),
        Sourced("3PL survey 2025: pick and pack 2-5 USD per pick (thefulfillmentadvisor.com); "
                "3.00 is an estimate within it")] = 3.0
    peak_multiplier: Annotated[float, Field(
        ge=1, le=5, description="peak-season volume over the average rate; a site's orders x "
        "this must fit its capacity"),
        Sourced("estimate: peak-season volume over the average rate; capacity must hold orders "
                "x this")] = 1.3
    safety_stock_usd_per_year_one_site: Annotated[float, Field(
        ge=0, description="safety-stock carrying cost a year with one site open, at the "
        "reference volume; x sqrt(open sites) x (orders / reference)^exponent"),
        Sourced("estimate: carrying cost of safety stock with one site; grows with sqrt(open "
                "sites) (Maister 1976)")] = 20_000_000.0
    safety_stock_reference_orders_per_year: Annotated[float, Field(
        gt=0, description="the orders a year at which safety_stock_usd_per_year_one_site "
        "holds"), Sourced("estimate: the default scenario's 50 million orders a year")
        ] = 50_000_000.0
    safety_stock_volume_exponent: Annotated[float, Field(
        ge=0, le=1, description="how safety stock grows with the orders a year: 0.5 for "
        "independent demand, 1 for demand that moves together"),
        Sourced("the standard deviation of a sum of independent demands grows with the square "
                "root of their number (variances add); docs/sources.md")] = 0.5
    rate_shop_per_parcel: Annotated[bool, Field(
        description="pick the cheapest service for each parcel by its weight and zone, among "
        "the services that meet a lane's delivery days (off: each ZIP3 and site take one "
        "service for the whole weight mix)")] = True
    returns: ReturnsSettings = field(default_factory=ReturnsSettings)
    inbound: InboundSettings = field(default_factory=InboundSettings)
    customs: CustomsSettings = field(default_factory=CustomsSettings)
    cross_border: CrossBorderSettings = field(default_factory=CrossBorderSettings)
    sources: Annotated[tuple[tuple[str, str], ...], Keyed(str, str), Field(
        description="parameter (e.g. 'returns.return_rate_share') -> its source or "
        "'estimate'; a parameter left at its default without one gets the default's")] = ()

    @model_validator(mode="after")
    def _defaults_named(self) -> CostSettings:
        """Credit each parameter left at its default, and not sourced already (by itself or
        by its section, e.g. `cross_border`), to its default's `Sourced` text."""
        named = dict(self.sources)
        for path, text in _default_sources(type(self), self.__dict__):
            if not any(path == k or path.startswith(k + ".") for k in named):
                named[path] = text
        # Frozen, and still being built: this is the one field set after validation.
        object.__setattr__(self, "sources", tuple(sorted(named.items())))
        return self


def _default_sources(owner: type, values: dict[str, Any], prefix: str = ""
                     ) -> Iterator[tuple[str, str]]:
    """(parameter path, `Sourced` text) of each field of `owner` left at its default."""
    for f in fields(owner):
        if f.name not in values or f.name == "sources":
            continue
        value = values[f.name]
        if is_dataclass(value):
            yield from _default_sources(type(value), value.__dict__, f"{prefix}{f.name}.")
            continue
        text = default_source(owner, f.name)
        if text and value == field_info(owner, f.name).get_default(call_default_factory=True):
            yield f"{prefix}{f.name}", text


@dataclass(frozen=True, config=CONFIG)
class ShareTarget:
    """At least `share_pct` percent of orders delivered within `within_days` days."""

    within_days: Annotated[int, Field(ge=1, le=30, description="business days after the order")]
    share_pct: Annotated[Pct, Field(description="at least this percent of orders")]


@dataclass(frozen=True, config=CONFIG)
class Targets:
    """The delivery promise."""

    share_targets: Annotated[tuple[ShareTarget, ...], Field(
        description="e.g. {\"within_days\": 2, \"share_pct\": 90}: at least 90% of orders "
        "delivered within 2 days")] = ()
    max_days_any_zip3: Annotated[int | None, Field(
        ge=1, le=60, description="no ZIP3 served in more than this many days (null: no "
        "limit)")] = None


@dataclass(frozen=True, config=CONFIG)
class CarrierShare:
    """Bounds on one carrier's share of parcels (percent of orders shipped from US sites)."""

    carrier: Annotated[str, Field(min_length=1, description="a carrier of the services")]
    min_pct: Annotated[float | None, Field(ge=0, le=100, description="percent, 0-100")] = None
    max_pct: Annotated[float | None, Field(ge=0, le=100, description="percent, 0-100")] = None


@dataclass(frozen=True, config=CONFIG)
class DesignConstraints:
    """What the design may and may not do."""

    min_sites: Annotated[int, Field(ge=0, description="at least this many open sites")] = 0
    max_sites: Annotated[int | None, Field(
        ge=0, description="at most this many open sites (null: no limit)")] = None
    forced_open: Annotated[tuple[str, ...], Field(description="site ids that must be open")] = ()
    forced_closed: Annotated[tuple[str, ...], Field(
        description="site ids that must stay closed")] = ()
    carrier_shares: Annotated[tuple[CarrierShare, ...], Field(
        description="share of parcels shipped from US sites, per carrier")] = ()


@dataclass(frozen=True, config=CONFIG)
class Zip3Base:
    """The ZIP3 areas that demand can be spread over, with their points and population: one
    row per ZIP3, stored as columns."""

    zip3: Annotated[tuple[Zip3Code, ...], Field(description="one row per ZIP3, each once")]
    state: Annotated[tuple[str, ...], Field(description="state code of each row")]
    lat: Annotated[np.ndarray, Column(Latitude), Field(description="point of each row")]
    lon: Annotated[np.ndarray, Column(Longitude), Field(description="point of each row")]
    population: Annotated[np.ndarray, Column(NonNegative), Field(
        description="people in each row: its share of the population spreads the orders")]
    source: Annotated[str, Field(description="where the table comes from")] = (
        "data/us_zip3_demand.csv")

    @model_validator(mode="after")
    def _one_row_per_zip3(self) -> Zip3Base:
        lengths = {len(self.zip3), len(self.state), len(self.lat), len(self.lon),
                   len(self.population)}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        if len(set(self.zip3)) < len(self.zip3):
            raise ValueError("a ZIP3 appears more than once")
        return self

    def __hash__(self) -> int:  # arrays are not hashable: hash their bytes, as __eq__ compares
        return hash((self.zip3, self.state, self.lat.tobytes(), self.lon.tobytes(),
                     self.population.tobytes(), self.source))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Zip3Base) and self.zip3 == other.zip3
                and self.state == other.state and np.array_equal(self.lat, other.lat)
                and np.array_equal(self.lon, other.lon)
                and np.array_equal(self.population, other.population))


@dataclass(frozen=True, config=CONFIG)
class Scenario:
    """Everything one study needs. Immutable: edits make a new scenario with `with_changes`."""

    name: Annotated[str, Field(min_length=1, description="shown in the app and in exports")]
    zip3_base: Zip3Base
    # Code may build a scenario without sites (the optimizer compares scenarios that way); a
    # file must list at least one (scenario_file.ScenarioFile).
    sites: Annotated[tuple[Site, ...], Field(description="candidate sites")]
    services: Annotated[tuple[Service, ...], Field(description="carrier services with cards")]
    demand: DemandSettings = field(default_factory=DemandSettings)
    costs: CostSettings = field(default_factory=CostSettings)
    targets: Targets = field(default_factory=Targets)
    constraints: DesignConstraints = field(default_factory=DesignConstraints)
    description: Annotated[str, Field(description="what the scenario is for")] = ""

    def with_changes(self, **changes: Any) -> Scenario:
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


def content_digest(scenario: Scenario) -> str:
    """A SHA-256 digest of every input of `scenario`: equal for scenarios that hold the same
    content, different when any field differs (a coordinate, a source text, a rate).

    Caches shared between sessions are keyed by it. `hash(scenario)` is no such key: it is 64
    bits, and Python hashes some different numbers alike (hash(-1.0) == hash(-2.0)), so two
    scenarios whose sites differ only there would share cached lanes and solves."""
    return _part_digest(scenario).hex()


# Digests of the parts already seen, by object identity (parts are immutable, and an edit makes
# a new scenario sharing all but the edited parts): id -> (a weak reference, the digest).
_DIGESTS: dict[int, tuple[weakref.ref, bytes]] = {}


def _part_digest(part: Any) -> bytes:
    known = _DIGESTS.get(id(part))
    if known is not None and known[0]() is part:
        return known[1]
    digest = hashlib.sha256(b"D" + type(part).__name__.encode())
    for f in fields(part):
        digest.update(b"F" + f.name.encode())
        _feed(digest, getattr(part, f.name))
    value = digest.digest()
    key = id(part)
    _DIGESTS[key] = (weakref.ref(part, lambda _, key=key: _DIGESTS.pop(key, None)), value)
    return value


def _feed(digest: Any, value: Any) -> None:
    """Write `value` into `digest` unambiguously: each item tagged with its kind and length."""
    if is_dataclass(value) and not isinstance(value, type):
        digest.update(b"P" + _part_digest(value))
    elif isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        digest.update(f"A{data.dtype.str}{data.shape}".encode())
        digest.update(data.tobytes())
    elif isinstance(value, tuple | list):
        digest.update(b"T%d" % len(value))
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        _feed(digest, sorted(value.items(), key=lambda kv: repr(kv[0])))
    elif isinstance(value, enum.Enum):
        digest.update(b"E" + type(value).__name__.encode())
        _feed(digest, value.value)
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        digest.update(b"S%d:" % len(data) + data)
    elif isinstance(value, bool) or value is None:
        digest.update(repr(value).encode())
    elif isinstance(value, int):
        digest.update(b"I%d;" % value)
    elif isinstance(value, float):
        digest.update(b"R" + struct.pack("<d", value))
    else:  # a new kind of field must say how it is keyed, not be skipped
        raise TypeError(f"content_digest cannot key a {type(value).__name__}")
