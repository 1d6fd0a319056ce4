"""The embedded data: demand totals, candidate sites, rate cards."""

import runpy

import numpy as np
import pandas as pd

from network.geo import LOWER_48_EXCLUDED_STATES
from network.places import ZIP5_FILE, zip5_table
from network.scenario_file import embedded_zip3_base
from network.tables import DATA_DIR, RATE_CARDS_DIR, SITES_FILE, load_services, load_sites
from ui.data import ZIP3_PLACES_FILE, zip3_place_names


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


def test_every_site_figure_says_where_it_comes_from():
    """Each site's rent, size, overhead and capacity has a source; fixed cost = rent x size +
    overhead; a rent is published (CommercialEdge), an estimated range's midpoint, or the US
    average x a recorded regional factor rounded to 0.5 USD; the app's source names all four."""
    frame = pd.read_csv(SITES_FILE, dtype={"zip": str, "zip3": str})
    for column in ("rent_source", "size_source", "overhead_source", "capacity_source"):
        assert frame[column].notna().all() and (frame[column].str.len() > 10).all(), column
    fixed = frame.rent_usd_per_sqft_year * frame.size_sqft + frame.overhead_usd_per_year
    assert np.allclose(frame.fixed_cost_usd_per_year, fixed)
    factor = frame.rent_regional_factor.notna()
    published = frame.rent_source.str.startswith("CommercialEdge")
    midpoint = frame.rent_source.str.contains("midpoint of an estimated 2025 range")
    assert (factor.astype(int) + published + midpoint == 1).all()
    assert np.allclose(frame.rent_usd_per_sqft_year[factor],
                       np.floor(8.72 * frame.rent_regional_factor[factor] * 2 + 0.5) / 2)
    assert frame.rent_source[factor | midpoint].str.startswith("estimate").all()
    for site in load_sites(SITES_FILE):
        assert all(f"{figure}: " in site.source
                   for figure in ("rent", "size", "overhead", "capacity")), site.site_id


def test_site_source_joins_the_per_figure_sources():
    """A sites file with per-figure source columns gives each site one readable source; one
    with only a `source` column keeps it as it is."""
    head = "site_id,name,lat,lon,fixed_cost_usd_per_year,capacity_orders_per_year"
    both = load_sites((head + ",rent_source,capacity_source\n"
                       "A,Reno,39.55,-119.76,9e6,1e7,CBRE quote 2026,our plan\n").encode())
    assert both[0].source == "rent: CBRE quote 2026; capacity: our plan"
    plain = load_sites((head + ",source\nA,Reno,39.55,-119.76,9e6,1e7,broker\n").encode())
    assert plain[0].source == "broker"


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


def test_lookup_files_are_what_their_script_writes(tmp_path):
    """data/us_zip5_points.csv and data/us_zip3_places.csv are, byte for byte, what
    data/build_lookups.py writes (from the installed `zipcodes` package and from
    data/us_places.csv: after an upgrade or a new place list, run the script), and the readers
    give back the script's tables, the same floats and names."""
    build = runpy.run_path(str(DATA_DIR / "build_lookups.py"))
    build["write_zip5_points"](tmp_path / "zip5.csv")
    build["write_zip3_places"](tmp_path / "zip3.csv")
    assert (tmp_path / "zip5.csv").read_bytes() == ZIP5_FILE.read_bytes()
    assert (tmp_path / "zip3.csv").read_bytes() == ZIP3_PLACES_FILE.read_bytes()
    assert zip5_table() == build["zip5_points"]()
    assert zip3_place_names() == build["zip3_places"]()
