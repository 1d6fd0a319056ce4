"""Great-circle distances and USPS parcel zones, vectorized over all origin x destination pairs.

Zones follow the USPS distance bands (docs/sources.md): the zone between two 3-digit ZIP
areas is set by the great-circle distance between their points.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_MI = 3958.8

# Upper bound (miles, inclusive) of zones 1..7; anything farther is zone 8.
ZONE_UPPER_MI = np.array([50.0, 150.0, 300.0, 600.0, 1000.0, 1400.0, 1800.0])
N_ZONES = 8

LOWER_48_EXCLUDED_STATES = frozenset({"AK", "HI", "PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW",
                                      "AA", "AE", "AP"})


def great_circle_mi(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance in miles; arguments broadcast like numpy arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_MI * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_matrix_mi(dest_lat, dest_lon, orig_lat, orig_lon) -> np.ndarray:
    """Distances (miles) with shape (n_dest, n_orig)."""
    return great_circle_mi(np.asarray(dest_lat)[:, None], np.asarray(dest_lon)[:, None],
                           np.asarray(orig_lat)[None, :], np.asarray(orig_lon)[None, :])


def zone_from_miles(distance_mi) -> np.ndarray:
    """USPS zone 1..8 for each distance (bands 0-50, 51-150, ..., 1801+ miles).

    Bands are whole miles in the USPS table; a distance is rounded to the nearest mile first
    so that 150.4 miles is zone 2 and 150.6 miles is zone 3.
    """
    miles = np.rint(np.asarray(distance_mi, dtype=float))
    return (np.searchsorted(ZONE_UPPER_MI, miles, side="left") + 1).astype(np.int8)
