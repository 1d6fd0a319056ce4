"""Zones from great-circle distance and the USPS mile bands."""

import numpy as np

from network.geo import great_circle_mi, zone_from_miles
from network.places import zip3_point
from network.scenario_file import embedded_zip3_base


def test_band_edges():
    """Each USPS band edge falls in the right zone."""
    miles = [0, 50, 51, 150, 151, 300, 301, 600, 601, 1000, 1001, 1400, 1401, 1800, 1801, 3000]
    zones = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8]
    assert zone_from_miles(np.array(miles)).tolist() == zones


def test_known_distance():
    """One degree of latitude is about 69.1 miles."""
    assert abs(float(great_circle_mi(40.0, -100.0, 41.0, -100.0)) - 69.09) < 0.05


def test_seattle_to_new_york_is_zone_8():
    """ZIP3 981 (Seattle) to 100 (New York) is zone 8."""
    base = embedded_zip3_base()
    a, b = zip3_point("981", base), zip3_point("100", base)
    miles = float(great_circle_mi(*a, *b))
    assert 2300 < miles < 2500
    assert int(zone_from_miles(miles)) == 8


def test_close_zip3s_are_zone_1():
    """Manhattan (100) and Brooklyn (112) are under 50 miles apart: zone 1."""
    base = embedded_zip3_base()
    miles = float(great_circle_mi(*zip3_point("100", base), *zip3_point("112", base)))
    assert miles < 50
    assert int(zone_from_miles(miles)) == 1
