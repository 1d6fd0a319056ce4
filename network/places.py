"""Finding a place to put a candidate site: by ZIP or by city name; a site at a place.

Places come from data/us_places.csv (GeoNames places of 500+ people, with their nearest
standard ZIP; made by data/build_demand.py) and ZIP centroids from the `zipcodes` package
(data/us_zip5_points.csv, made by data/build_lookups.py).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from network.errors import InputError, Problem, shown_value
from network.geo import great_circle_mi
from network.scenario import Site, Zip3Base
from network.tables import DATA_DIR, normalize_zip

PLACES_FILE = DATA_DIR / "us_places.csv"
ZIP5_FILE = DATA_DIR / "us_zip5_points.csv"
DEFAULT_SIZE_SQFT = 1_000_000
# A new site this close to a candidate (or in its ZIP3) is, for this model, the same place:
# 25 miles is well inside a metro area and half of USPS zone 1 (0-50 miles), so both sites
# reach nearly every ZIP3 in the same zone and days. "Seattle" is 16 miles from the default
# Seattle/Tacoma (Kent Valley) site, in another ZIP3.
NEAR_SITE_MI = 25.0
DEFAULT_RENT_USD_PER_SQFT_YEAR = 8.72  # US average in-place rent, Sep 2025 (CommercialEdge)
DEFAULT_OVERHEAD_USD_PER_YEAR = 5_000_000  # estimate, as for the default candidate sites
DEFAULT_CAPACITY_ORDERS_PER_YEAR = 36_000_000  # estimate, as for the default candidate sites


@dataclass(frozen=True)
class Place:
    name: str
    state: str
    lat: float
    lon: float
    zip5: str
    zip3: str
    population: int = 0


@lru_cache(maxsize=1)
def place_table() -> pd.DataFrame:
    frame = pd.read_csv(PLACES_FILE, dtype={"zip5": str, "zip3": str})
    frame["key"] = frame["name"].str.lower()
    return frame


@lru_cache(maxsize=1)
def zip5_table() -> dict[str, tuple[str, str, float, float]]:
    """ZIP5 -> (city, state, lat, lon) for every ZIP with a centroid in `zipcodes`: read from
    data/us_zip5_points.csv (0.05-0.15 s), which data/build_lookups.py derives from the
    package (loading and converting its table at run time took 1-2 s)."""
    with ZIP5_FILE.open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)  # header: zip5, city, state, lat, lon
        return {zip5: (city, state, float(lat), float(lon)) for zip5, city, state, lat, lon in rows}


def zip5_to_zip3(zip5: str) -> str | None:
    """The ZIP3 of a known ZIP5, or None when the ZIP does not exist."""
    return zip5[:3] if zip5 in zip5_table() else None


def find_zip(code: str) -> Place:
    """A place for a 5-digit ZIP (its centroid)."""
    zip5 = normalize_zip(code, 5)
    if zip5 is None or zip5 not in zip5_table():
        raise InputError([Problem("search", f"unknown ZIP '{shown_value(code)}'", field="zip")])
    city, state, lat, lon = zip5_table()[zip5]
    return Place(city, state, lat, lon, zip5, zip5[:3])


def search_places(query: str, limit: int = 10) -> list[Place]:
    """Places whose name starts with the query (largest first); 'Reno, NV' narrows by state;
    a 5-digit query is a ZIP."""
    query = query.strip()
    if query.isdigit() and len(query) == 5:
        return [find_zip(query)]
    name, _, state = (p.strip() for p in query.partition(","))
    table = place_table()
    hits = table[table["key"].str.startswith(name.lower())] if name else table.iloc[0:0]
    if state:
        hits = hits[hits["state"].str.upper() == state.upper()[:2]]
    hits = hits.assign(exact=hits["key"] == name.lower())
    hits = hits.sort_values(["exact", "population"], ascending=[False, False]).head(limit)
    return [Place(r.name, r.state, float(r.lat), float(r.lon), r.zip5, r.zip3, int(r.population))
            for r in hits.itertuples()]


@dataclass(frozen=True)
class NearSite:
    """An existing candidate site close to a place about to become one."""

    site: Site
    distance_mi: float
    same_zip3: bool


def sites_near(place: Place, sites: tuple[Site, ...], within_mi: float = NEAR_SITE_MI
               ) -> list[NearSite]:
    """The candidate sites within `within_mi` miles of `place` or in its ZIP3, nearest
    first."""
    if not sites:
        return []
    miles = great_circle_mi(place.lat, place.lon, np.array([s.lat for s in sites]),
                            np.array([s.lon for s in sites]))
    near = [NearSite(s, float(d), s.zip3 == place.zip3) for s, d in zip(sites, miles, strict=True)
            if d <= within_mi or s.zip3 == place.zip3]
    return sorted(near, key=lambda n: n.distance_mi)


def site_from_place(place: Place, site_id: str, rent_usd_per_sqft_year: float | None = None,
                    capacity_orders_per_year: float = DEFAULT_CAPACITY_ORDERS_PER_YEAR) -> Site:
    """A new candidate site at a place, with the default (estimated) size, rent and overhead."""
    rent = rent_usd_per_sqft_year or DEFAULT_RENT_USD_PER_SQFT_YEAR
    fixed = rent * DEFAULT_SIZE_SQFT + DEFAULT_OVERHEAD_USD_PER_YEAR
    return Site(site_id=site_id, name=place.name, state=place.state, lat=place.lat,
                lon=place.lon, zip3=place.zip3, fixed_cost_usd_per_year=float(fixed),
                capacity_orders_per_year=float(capacity_orders_per_year), zip=place.zip5,
                rent_usd_per_sqft_year=rent, size_sqft=DEFAULT_SIZE_SQFT,
                source="user-placed; rent US average (CommercialEdge Sep 2025); size, overhead "
                "and capacity estimates")


def zip3_point(zip3: str, base: Zip3Base) -> tuple[float, float]:
    """A ZIP3's point: the demand base's population centroid, else the mean of its ZIPs."""
    if zip3 in base.zip3:
        i = base.zip3.index(zip3)
        return float(base.lat[i]), float(base.lon[i])
    points = [(lat, lon) for z, (_, _, lat, lon) in zip5_table().items() if z[:3] == zip3]
    if not points:
        raise InputError([Problem("zone", f"unknown ZIP3 '{zip3}'", field="zip")])
    lat, lon = np.mean(points, axis=0)
    return float(lat), float(lon)
