"""The embedded data: demand totals, candidate sites, rate cards."""

import numpy as np

from network.geo import LOWER_48_EXCLUDED_STATES
from network.scenario_file import embedded_zip3_base
from network.tables import RATE_CARDS_DIR, SITES_FILE, load_services, load_sites


def test_demand_file_totals():
    """At least 850 lower-48 ZIP3s and 250M people; AK and HI present but not lower 48."""
    base = embedded_zip3_base()
    lower48 = np.array([s not in LOWER_48_EXCLUDED_STATES for s in base.state])
    assert lower48.sum() >= 850
    assert base.population.sum() >= 250e6
    assert {"AK", "HI"} <= set(base.state)
    assert len(set(base.zip3)) == len(base.zip3)


def test_candidate_sites():
    """40-60 real metros with unique ids, positive costs and a ZIP3 in the demand base."""
    sites = load_sites(SITES_FILE)
    assert 40 <= len(sites) <= 60
    assert len({s.site_id for s in sites}) == len(sites)
    assert "SEA" in {s.site_id for s in sites}
    assert all(s.fixed_cost_usd_per_year > 0 and s.capacity_orders_per_year > 0 for s in sites)
    assert all(s.source for s in sites)


def test_rate_lookups():
    """Card values come back by weight band and zone; a 1.5 lb parcel is priced as 2 lb."""
    services = {s.service_id: s for s in load_services(RATE_CARDS_DIR)}
    assert {"usps_ground_advantage", "ups_ground", "fedex_ground", "ups_2nd_day_air"} <= set(
        services)
    gad = services["usps_ground_advantage"]
    assert gad.rate_usd_by_zone(2.0)[3] == 6.43  # 2 lb, zone 4
    assert gad.rate_usd_by_zone(1.5)[3] == 6.43
    assert gad.rate_usd_by_zone(1.0)[7] == 6.16  # 1 lb, zone 8
    assert services["ups_ground"].fuel_surcharge_pct == 21.75
    assert services["ups_2nd_day_air"].transit_days_by_zone == (2,) * 8
