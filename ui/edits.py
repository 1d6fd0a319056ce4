"""Scenario edits made from the app, as plain functions: each takes the current scenario and
returns a new, checked one, or raises InputError naming every problem (row and field), in which
case the caller keeps the old scenario. No streamlit here, so tests can call them directly.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import replace

import pandas as pd

from network.errors import InputError, Problem, ProblemList, reported_as, shown_value
from network.export.cells import unguarded
from network.fields import Range
from network.geo import great_circle_mi
from network.places import Place, find_zip, site_from_place, zip5_to_zip3
from network.scenario import Scenario, Site
from network.scenario_file import check_scenario
from network.tables import (
    SITE_RESULT_COLUMNS,
    check_columns,
    data_rows,
    load_rate_cards,
    load_user_demand,
    nearest_zip3,
    parse_number,
    read_csv_text,
    replace_rate_cards,
)

SITE_TABLE_COLUMNS = ["site_id", "name", "state", "zip3", "fixed_cost_usd_per_year",
                      "capacity_orders_per_year", "forced_open", "forced_closed", "source"]
TABLE_SOURCE = "site table"
FIXED_COST = Range.of(Site, "fixed_cost_usd_per_year")
CAPACITY = Range.of(Site, "capacity_orders_per_year")
RENT = Range.of(Site, "rent_usd_per_sqft_year")
SIZE = Range.of(Site, "size_sqft")
EDITED = "edited in the app"
MAX_NAME_CHARS = 100  # a site's name or id: longer text is a pasted cell, not a name


def checked(new: Scenario, source: str) -> Scenario:
    """`new` after the scenario checks; raises InputError (nothing applied) when they fail."""
    check_scenario(new, source)
    return new


def number(problems: ProblemList, row: int | None, field: str, value: object, allowed: Range,
           optional: bool = False) -> float | None:
    """A number typed in the app within the definition's `allowed` range, else None after
    recording the problem (row and field)."""
    found = parse_number(problems, row, field, value, optional=optional)
    if found is not None and (problem := allowed.problem(found)):
        problems.add(problem, row, field)
        return None
    return found


# ---------------------------------------------------------------------------------------------
# Sources of edited values


def edited_source(before: str, source: str) -> str:
    """The source of a value edited in the app: it says so, with the value and source it had
    before the app's first edit (later edits keep that)."""
    if source.startswith(EDITED):
        return source
    return f"{EDITED} (was {before}; source then: {source})"


def value_text(value: object) -> str:
    """A value as a planner reads it in a source note: 20,000,000; 1.3; '1: 0.4, 2: 0.3'."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,.6g}"
    if isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return ", ".join(f"{value_text(k)}: {value_text(v)}" for k, v in value)
    if isinstance(value, tuple) and all(hasattr(v, "name") and hasattr(v, "share")
                                        for v in value):
        return ", ".join(f"{v.name} {value_text(v.share)}" for v in value)
    return str(value)


@contextmanager
def upload_checks(file_name: str) -> Iterator[None]:
    """The scenario definition's and the scenario checks' problems with a scenario made from an
    uploaded file, raised as InputError from the file. Their row numbers the scenario's own
    lists (its 40th site), not the file's rows, so it is left out."""
    try:
        with reported_as(file_name):
            yield
    except InputError as err:
        raise InputError([replace(p, row=None) for p in err.problems]) from None


# ---------------------------------------------------------------------------------------------
# Sites


def new_site_id(scenario: Scenario, place: Place, also_taken: Collection[str] = ()) -> str:
    """A short readable id from the place name and ZIP3, unique in the scenario (and not in
    `also_taken`): 'RENO-895'."""
    stem = re.sub(r"[^A-Z0-9]", "", place.name.upper())[:6] or "SITE"
    base = f"{stem}-{place.zip3}"
    taken = set(scenario.site_ids) | set(also_taken)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def unmodelled_zip3(scenario: Scenario, place: Place) -> str | None:
    """Why a site cannot go at `place`, or None: lanes are built from the ZIP3 areas of the
    demand base, and some ZIPs (PO-box-only, military) lie in ZIP3s that are not among them."""
    if place.zip3 in scenario.zip3_base.zip3:
        return None
    where = f"ZIP {place.zip5}" if place.zip5 else place.name
    return (f"{where} is in ZIP3 {place.zip3}, which is not in the demand base "
            "(data/us_zip3_demand.csv: PO-box-only and military ZIP3s are not); use a "
            "nearby street ZIP")


@reported_as("new site")
def add_site(scenario: Scenario, place: Place) -> tuple[Scenario, Site]:
    """A new candidate site at `place` with the estimated default costs."""
    problem = unmodelled_zip3(scenario, place)
    if problem:
        raise InputError([Problem("new site", problem, field="zip")])
    site = site_from_place(place, new_site_id(scenario, place))
    return checked(scenario.with_changes(sites=scenario.sites + (site,)), "new site"), site


def remove_site(scenario: Scenario, site_id: str) -> Scenario:
    """The scenario without one site (and without it in the forced-open/closed lists)."""
    if site_id not in scenario.site_ids:
        raise InputError([Problem("sites", f"unknown site id '{site_id}'", field="site_id")])
    if len(scenario.sites) == 1:
        raise InputError([Problem("sites", "the last candidate site cannot be removed",
                                  field="site_id")])
    k = scenario.constraints
    constraints = replace(k, forced_open=tuple(s for s in k.forced_open if s != site_id),
                          forced_closed=tuple(s for s in k.forced_closed if s != site_id))
    return checked(scenario.with_changes(
        sites=tuple(s for s in scenario.sites if s.site_id != site_id),
        constraints=constraints), "sites")


def _site_fields(rec: dict, row: int, problems: ProblemList, costs_optional: bool = False
                 ) -> tuple[str, float | None, float | None]:
    """A site row's name, fixed cost and capacity (None when missing or wrong, after
    recording why), as the site table and the sites upload both check them."""
    name = str(rec.get("name") or "").strip()
    if not name:
        problems.add("is empty; every site needs a name", row, "name")
    elif len(name) > MAX_NAME_CHARS:
        problems.add(f"is {len(name):,} characters long; at most {MAX_NAME_CHARS}", row, "name")
        name = ""
    fixed = number(problems, row, "fixed_cost_usd_per_year", rec.get("fixed_cost_usd_per_year"),
                   FIXED_COST, optional=costs_optional)
    capacity = number(problems, row, "capacity_orders_per_year",
                      rec.get("capacity_orders_per_year"), CAPACITY, optional=costs_optional)
    return name, fixed, capacity


def _edited_site(site: Site, name: str, fixed: float, capacity: float) -> Site:
    """The site with the table's values; a changed cost or capacity is marked edited."""
    changed = [f"{label} {value_text(old)}" for label, old, new in (
        ("fixed cost", site.fixed_cost_usd_per_year, fixed),
        ("capacity", site.capacity_orders_per_year, capacity)) if old != new]
    source = edited_source(", ".join(changed), site.source) if changed else site.source
    return replace(site, name=name, fixed_cost_usd_per_year=fixed,
                   capacity_orders_per_year=capacity, source=source)


def sites_table(scenario: Scenario) -> pd.DataFrame:
    """The editable site table: one row per candidate site."""
    k = scenario.constraints
    return pd.DataFrame([{
        "site_id": s.site_id, "name": s.name, "state": s.state, "zip3": s.zip3,
        "fixed_cost_usd_per_year": float(s.fixed_cost_usd_per_year),
        "capacity_orders_per_year": float(s.capacity_orders_per_year),
        "forced_open": s.site_id in k.forced_open, "forced_closed": s.site_id in k.forced_closed,
        "source": s.source} for s in scenario.sites], columns=SITE_TABLE_COLUMNS)


@reported_as(TABLE_SOURCE)
def apply_sites_table(scenario: Scenario, table: pd.DataFrame) -> Scenario:
    """The scenario with the table's sites (rows may be removed or edited, not added):
    fixed cost, capacity, name, forced open and forced closed."""
    problems = ProblemList(TABLE_SOURCE)
    by_id = {s.site_id: s for s in scenario.sites}
    sites, forced_open, forced_closed = [], [], []
    for row, rec in enumerate(table.to_dict("records"), start=1):
        site_id = rec.get("site_id")
        if site_id not in by_id:
            problems.add("new rows cannot be typed in; add a site with the search box or by "
                         "clicking the map", row, "site_id")
            continue
        name, fixed, capacity = _site_fields(rec, row, problems)
        if rec.get("forced_open") and rec.get("forced_closed"):
            problems.add(f"site '{site_id}' cannot be both forced open and forced closed", row,
                         "forced_closed")
        if fixed is None or capacity is None or not name:
            continue
        sites.append(_edited_site(by_id[site_id], name, fixed, capacity))
        if rec.get("forced_open"):
            forced_open.append(site_id)
        if rec.get("forced_closed"):
            forced_closed.append(site_id)
    if not problems.items and not sites:
        problems.add("every site was removed; keep at least one candidate site")
    problems.raise_if_any()
    k = scenario.constraints
    constraints = replace(k, forced_open=tuple(forced_open), forced_closed=tuple(forced_closed))
    return checked(scenario.with_changes(sites=tuple(sites), constraints=constraints),
                   TABLE_SOURCE)


# ---------------------------------------------------------------------------------------------
# Uploads


SITES_UPLOAD_REQUIRED = ["name", "zip"]
SITES_UPLOAD_OPTIONAL = ["site_id", "fixed_cost_usd_per_year", "capacity_orders_per_year",
                         "lat", "lon", "rent_usd_per_sqft_year", "size_sqft", "forced", "source"]
# Columns of the app's sites export that an upload reads past: state and ZIP3 come from the
# site's ZIP (or location), and a design's results are not inputs.
SITES_UPLOAD_IGNORED = ["state", "zip3", *SITE_RESULT_COLUMNS]
MAX_UPLOADED_SITES = 300  # the largest site count the optimizer is benchmarked on
MAX_MILES_FROM_ZIP = 100  # a location given with a ZIP must lie this near the ZIP's point
FORCED = ("open", "closed")


def apply_sites_upload(scenario: Scenario, data: bytes, file_name: str) -> Scenario:
    """Add the candidate sites of an uploaded CSV: name and 5-digit ZIP per row, optionally a
    site id, fixed cost and capacity (left out: the same estimates as a searched site), a
    location (lat, lon: else the ZIP's point; with a blank ZIP, the nearest ZIP3's), rent,
    size, forced open/closed and a source. The app's sites export reads back as it is. Raises
    InputError listing every problem (row and field); then no site is added."""
    with reported_as(file_name):
        return _sites_uploaded(scenario, data, file_name)


def _sites_uploaded(scenario: Scenario, data: bytes, file_name: str) -> Scenario:
    frame = read_csv_text(data, file_name, MAX_UPLOADED_SITES)
    problems = ProblemList(file_name)
    if not check_columns(frame, problems, SITES_UPLOAD_REQUIRED,
                         SITES_UPLOAD_OPTIONAL + SITES_UPLOAD_IGNORED):
        problems.raise_if_any()
    if frame.empty:
        problems.add("no rows; one site per row: name, zip")
    added: list[Site] = []
    forced: dict[str, list[str]] = {"open": [], "closed": []}
    taken: set[str] = set(scenario.site_ids)
    # A file uploaded twice should not double the sites: same name and ZIP as a site already in
    # the scenario (or an earlier row) is a problem.
    known = {(s.name.casefold(), s.zip): s.site_id for s in scenario.sites}
    for row, rec in data_rows(frame):
        rec = {k: unguarded(str(v)) for k, v in rec.items()}  # the export's '=... is text
        site = _uploaded_site(rec, row, problems, scenario, taken, file_name)
        if site is None:
            continue
        if (site.name.casefold(), site.zip) in known:
            problems.add(f"'{shown_value(site.name)}' at ZIP {site.zip} is already candidate site "
                         f"{known[(site.name.casefold(), site.zip)]}", row, "name")
            continue
        added.append(site)
        taken.add(site.site_id)
        known[(site.name.casefold(), site.zip)] = site.site_id
        if rec.get("forced", "").strip():
            forced[rec["forced"].strip().lower()].append(site.site_id)
    problems.raise_if_any()
    k = scenario.constraints
    constraints = replace(k, forced_open=k.forced_open + tuple(forced["open"]),
                          forced_closed=k.forced_closed + tuple(forced["closed"]))
    with upload_checks(file_name):
        return checked(scenario.with_changes(sites=scenario.sites + tuple(added),
                                             constraints=constraints), file_name)


def _uploaded_site(rec: dict, row: int, problems: ProblemList, scenario: Scenario,
                   taken: set[str], file_name: str) -> Site | None:
    """One row's site, or None after recording each of its problems."""
    name, fixed, capacity = _site_fields(rec, row, problems, costs_optional=True)
    rent = number(problems, row, "rent_usd_per_sqft_year", rec.get("rent_usd_per_sqft_year"),
                  RENT, optional=True)
    size = number(problems, row, "size_sqft", rec.get("size_sqft"), SIZE, optional=True)
    if rec.get("forced", "").strip().lower() not in ("", *FORCED):
        problems.add(f"'{rec['forced'][:20]}' is not 'open', 'closed' or blank", row, "forced")
    place = _uploaded_place(rec, row, problems, scenario)
    site_id = str(rec.get("site_id") or "").strip()
    if len(site_id) > MAX_NAME_CHARS:
        problems.add(f"is {len(site_id):,} characters long; at most {MAX_NAME_CHARS}", row,
                     "site_id")
        return None
    if site_id and site_id in taken:
        problems.add(f"'{shown_value(site_id)}' is already a site id (in the scenario or an "
                     "earlier row)",
                     row, "site_id")
        return None
    if not name or place is None:
        return None
    place = replace(place, name=name)
    if not site_id:
        site_id = new_site_id(scenario, place, taken)
    site = site_from_place(place, site_id)
    estimated = [f for f, v in (("fixed cost", fixed), ("capacity", capacity)) if v is None]
    given_source = str(rec.get("source") or "").strip()
    source = given_source or f"uploaded ({file_name}, row {row})"
    return replace(
        site, fixed_cost_usd_per_year=site.fixed_cost_usd_per_year if fixed is None else fixed,
        capacity_orders_per_year=(site.capacity_orders_per_year if capacity is None
                                  else capacity),
        rent_usd_per_sqft_year=site.rent_usd_per_sqft_year if rent is None else rent,
        size_sqft=site.size_sqft if size is None else size,
        source=source + (f"; {' and '.join(estimated)} estimated as for a searched site"
                         if estimated else ""))


def _uploaded_place(rec: dict, row: int, problems: ProblemList, scenario: Scenario
                    ) -> Place | None:
    """Where a row's site goes: its ZIP's point, or the row's lat and lon (near its ZIP, or
    with a blank ZIP near a ZIP3 of the demand base); None after recording why not."""
    lat = parse_number(problems, row, "lat", rec.get("lat", ""), minimum=-90, maximum=90,
                       optional=True)
    lon = parse_number(problems, row, "lon", rec.get("lon", ""), minimum=-180, maximum=180,
                       optional=True)
    if (lat is None) != (lon is None):
        problems.add("give both lat and lon, or neither", row, "lat" if lat is None else "lon")
        return None
    zip5 = str(rec.get("zip") or "").strip()
    if not zip5 and lat is not None:
        zip3, state, miles = nearest_zip3(scenario.zip3_base, lat, lon)
        if miles > MAX_MILES_FROM_ZIP:
            problems.add(f"location {lat:.4f}, {lon:.4f} is {miles:.0f} miles from the nearest "
                         "ZIP3 of the demand base; give a ZIP", row, "lat")
            return None
        return Place(f"ZIP3 {zip3}", state, lat, lon, "", zip3)
    try:
        place = find_zip(zip5)
    except InputError:
        problems.add(f"'{shown_value(zip5)}' is not a known 5-digit US ZIP", row, "zip")
        return None
    if problem := unmodelled_zip3(scenario, place):
        problems.add(problem, row, "zip")
        return None
    if lat is None:
        return place
    miles = float(great_circle_mi(place.lat, place.lon, lat, lon))
    if miles > MAX_MILES_FROM_ZIP:
        problems.add(f"location {lat:.4f}, {lon:.4f} is {miles:.0f} miles from ZIP {zip5}; "
                     "check the location (latitude, then negative longitude) or the ZIP", row,
                     "lat")
        return None
    return replace(place, lat=lat, lon=lon)


def apply_rate_card_upload(scenario: Scenario, data: bytes, file_name: str) -> Scenario:
    """Replace the cards of the services in an uploaded CSV (service, zone, weight_lb,
    rate_usd[, source]); raises InputError listing each problem."""
    cards = load_rate_cards(data, scenario.service_ids, name=file_name)
    with upload_checks(file_name):
        services = replace_rate_cards(scenario.services, cards)
        return checked(scenario.with_changes(services=services), file_name)


def apply_demand_upload(scenario: Scenario, data: bytes, file_name: str) -> Scenario:
    """Use the user's own orders (by ZIP5 or ZIP3) instead of the population spread."""
    orders = load_user_demand(data, scenario.zip3_base, name=file_name,
                              zip5_to_zip3=zip5_to_zip3)
    with upload_checks(file_name):
        demand = replace(scenario.demand, orders_by_zip3=orders,
                         annual_orders=float(sum(v for _, v in orders)),
                         source=f"user upload ({file_name})")
        return checked(scenario.with_changes(demand=demand), file_name)
