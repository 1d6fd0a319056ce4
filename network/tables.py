"""Reading and checking the CSV inputs: ZIP3 demand base, candidate sites, user demand and
rate cards.

Every reader checks the whole file first and raises one `InputError` listing each problem with
its row and field; nothing is returned in part. Rows are numbered as a spreadsheet shows them:
the header is row 1, the first data row is row 2. Size, encoding, delimiter and shape are
checked first, in network/input_files.py; each reader has a row limit (`*_MAX_ROWS`), checked
on the file's line count before it is parsed.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from network.errors import ProblemList, shown_value
from network.export.cells import unguarded
from network.geo import N_ZONES, great_circle_mi
from network.input_files import FileSource, read_csv
from network.scenario import Service, Site, Zip3Base

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ZIP3_FILE = DATA_DIR / "us_zip3_demand.csv"
SITES_FILE = DATA_DIR / "candidate_sites.csv"
RATE_CARDS_DIR = DATA_DIR / "rate_cards"

CsvSource = FileSource

# Rows below the header each reader accepts: a bound on the work one file can cause, far above
# any real input of its kind.
ZIP3_MAX_ROWS = 1_000  # every possible 3-digit code
SITES_MAX_ROWS = 5_000
DEMAND_MAX_ROWS = 200_000  # about 41,000 US ZIP5s, with room for rows by month or channel
RATE_CARD_MAX_ROWS = 20_000  # 8 zones x 150 weight bands x 16 services
TRANSIT_MAX_ROWS = 1_000
SERVICES_MAX_ROWS = 100


# ---------------------------------------------------------------------------------------------
# Generic helpers


def read_csv_text(source: CsvSource, name: str, max_rows: int = DEMAND_MAX_ROWS
                  ) -> pd.DataFrame:
    """Every cell as text (no type guessing), so that the checks below see what the user wrote;
    the index holds each row's spreadsheet number (see `data_rows`)."""
    table = read_csv(source, name, max_rows)
    index = pd.Index([row for row, _ in table.rows], name="row", dtype=int)
    return pd.DataFrame([cells for _, cells in table.rows], columns=list(table.columns),
                        index=index, dtype=object)  # Python strings: fast to iterate


def data_rows(frame: pd.DataFrame) -> Iterator[tuple[int, dict[str, str]]]:
    """(row as a spreadsheet numbers it, {column: text}) for each row of `read_csv_text`."""
    return zip(frame.index.tolist(), frame.to_dict("records"), strict=True)


def check_columns(frame: pd.DataFrame, problems: ProblemList, required: Iterable[str],
                  optional: Iterable[str] = ()) -> bool:
    """Report missing and unknown (likely misspelled) columns. True when all required exist."""
    required, optional = list(required), list(optional)
    known = set(required) | set(optional)
    missing = [c for c in required if c not in frame.columns]
    for column in frame.columns:
        if column not in known:
            # A misspelling most likely stands for a column that is missing.
            guess = (difflib.get_close_matches(column, missing, n=1, cutoff=0.3)
                     or difflib.get_close_matches(column, sorted(known), n=1))
            hint = f" (did you mean '{guess[0]}'?)" if guess else ""
            problems.add(f"unknown column{hint}; expected columns: {', '.join(required)}",
                         field=column)
    for column in missing:
        problems.add("required column is missing", field=column)
    return not missing


THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")  # 1,234,567.89


def parse_number(problems: ProblemList, row: int, field: str, text: str, *,
                 minimum: float | None = None, maximum: float | None = None,
                 strictly_positive: bool = False, integer: bool = False,
                 optional: bool = False) -> float | None:
    """A finite number within bounds, or None after recording why not."""
    if not isinstance(text, str) and pd.api.types.is_scalar(text) and pd.isna(text):
        text = ""  # a blank cell of a table editor
    text = str(text).strip()
    if text == "":
        if not optional:
            problems.add("is empty; a number is required", row, field)
        return None
    if "," in text and not THOUSANDS.fullmatch(text):
        problems.add(f"'{shown_value(text)}' is not a number: write decimals with a point (1.5) "
                     "and thousands with commas or nothing (1,000 or 1000)", row, field)
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        problems.add(f"'{shown_value(text)}' is not a number", row, field)
        return None
    text = shown_value(text)
    if math.isnan(value) or math.isinf(value):
        problems.add(f"'{text}' is not a finite number", row, field)
        return None
    if integer and value != int(value):
        problems.add(f"{text} must be a whole number", row, field)
        return None
    if strictly_positive and value <= 0:
        problems.add(f"{text} must be greater than 0", row, field)
        return None
    if minimum is not None and value < minimum:
        problems.add(f"{text} is below the minimum {minimum:g}", row, field)
        return None
    if maximum is not None and value > maximum:
        problems.add(f"{text} is above the maximum {maximum:g}", row, field)
        return None
    return value


def normalize_zip(text: str, digits: int) -> str | None:
    """'2139' -> '02139' (spreadsheets drop leading zeros); None when not a ZIP of `digits`."""
    text = str(text).strip()
    if "-" in text and digits == 5:
        text = text.split("-")[0]
    if not (text.isascii() and text.isdigit()) or len(text) > digits:
        return None
    return text.zfill(digits)


# ---------------------------------------------------------------------------------------------
# ZIP3 base (population by 3-digit ZIP)


def load_zip3_base(path: CsvSource = ZIP3_FILE) -> Zip3Base:
    """The embedded population-by-ZIP3 table (data/us_zip3_demand.csv)."""
    name = str(path) if isinstance(path, str | Path) else "ZIP3 file"
    frame = read_csv_text(path, name, ZIP3_MAX_ROWS)
    problems = ProblemList(name)
    if not check_columns(frame, problems, ["zip3", "state", "lat", "lon", "population"]):
        problems.raise_if_any()
    if frame.empty:
        problems.add("has no ZIP3 rows")
    rows, seen = [], {}
    for i, rec in data_rows(frame):
        zip3 = normalize_zip(rec["zip3"], 3)
        if zip3 is None:
            problems.add(f"'{shown_value(rec['zip3'])}' is not a 3-digit ZIP", i, "zip3")
        elif zip3 in seen:
            problems.add(f"duplicate ZIP3 '{zip3}' (first in row {seen[zip3]})", i, "zip3")
        seen.setdefault(zip3, i)
        lat = parse_number(problems, i, "lat", rec["lat"], minimum=-90, maximum=90)
        lon = parse_number(problems, i, "lon", rec["lon"], minimum=-180, maximum=180)
        pop = parse_number(problems, i, "population", rec["population"], minimum=0)
        rows.append((zip3, rec["state"].strip(), lat, lon, pop))
    problems.raise_if_any()
    return Zip3Base(zip3=tuple(r[0] for r in rows), state=tuple(r[1] for r in rows),
                    lat=np.array([r[2] for r in rows]), lon=np.array([r[3] for r in rows]),
                    population=np.array([r[4] for r in rows]), source=name)


# ---------------------------------------------------------------------------------------------
# Candidate sites

SITE_REQUIRED = ["site_id", "name", "lat", "lon", "fixed_cost_usd_per_year",
                 "capacity_orders_per_year"]
SITE_OPTIONAL = ["state", "zip", "zip3", "rent_usd_per_sqft_year", "size_sqft", "source",
                 "rent_regional_factor", "rent_source", "size_source", "overhead_usd_per_year",
                 "overhead_source", "capacity_source"]
# Per-figure sources, joined into the site's one `source` text (what the app shows).
SITE_FIGURE_SOURCES = ("rent_source", "size_source", "overhead_source", "capacity_source")
# Columns an exported sites CSV (network/export/frames.py) adds after the inputs: whether a site
# is forced, and a design's results. A reader of candidate sites reads past them.
SITE_RESULT_COLUMNS = ("open", "orders_per_year", "utilization_at_peak_pct",
                       "variable_cost_usd_per_year", "total_cost_usd_per_year")
SITE_EXPORT_COLUMNS = ("forced", *SITE_RESULT_COLUMNS)


def nearest_zip3(base: Zip3Base, lat: float, lon: float) -> tuple[str, str, float]:
    """(zip3, state, miles) of the ZIP3 point nearest to a location."""
    miles = great_circle_mi(base.lat, base.lon, lat, lon)
    i = int(np.argmin(miles))
    return base.zip3[i], base.state[i], float(miles[i])


def load_sites(source: CsvSource = SITES_FILE, base: Zip3Base | None = None,
               name: str | None = None) -> tuple[Site, ...]:
    """Candidate sites from a CSV; the ZIP3 is derived from the location when not given."""
    name = name or (str(source) if isinstance(source, str | Path) else "sites file")
    base = base or load_zip3_base()
    frame = read_csv_text(source, name, SITES_MAX_ROWS)
    problems = ProblemList(name)
    if not check_columns(frame, problems, SITE_REQUIRED, [*SITE_OPTIONAL, *SITE_EXPORT_COLUMNS]):
        problems.raise_if_any()
    if frame.empty:
        problems.add("has no sites")
    sites, seen = [], {}
    for i, rec in data_rows(frame):
        rec = {k: unguarded(str(v)) for k, v in rec.items()}  # an export's '=... is text
        site_id = str(rec["site_id"]).strip()
        if site_id in seen:
            problems.add(f"duplicate site id '{shown_value(site_id)}' (first used in row "
                         f"{seen[site_id]})", i, "site_id")
        seen.setdefault(site_id, i)
        site = _site_from_record(rec, i, problems, base)
        if site is not None:
            sites.append(site)
    problems.raise_if_any()
    return tuple(sites)


def _site_from_record(rec: dict, row: int, problems: ProblemList, base: Zip3Base) -> Site | None:
    before = len(problems.items)
    site_id = str(rec["site_id"]).strip()
    if not site_id:
        problems.add("is empty; every site needs an id", row, "site_id")
    lat = parse_number(problems, row, "lat", rec["lat"], minimum=-90, maximum=90)
    lon = parse_number(problems, row, "lon", rec["lon"], minimum=-180, maximum=180)
    fixed = parse_number(problems, row, "fixed_cost_usd_per_year",
                         rec["fixed_cost_usd_per_year"], minimum=0)
    capacity = parse_number(problems, row, "capacity_orders_per_year",
                            rec["capacity_orders_per_year"], strictly_positive=True)
    rent = parse_number(problems, row, "rent_usd_per_sqft_year",
                        rec.get("rent_usd_per_sqft_year", ""), minimum=0, optional=True)
    size = parse_number(problems, row, "size_sqft", rec.get("size_sqft", ""), minimum=0,
                        optional=True)
    zip5 = str(rec.get("zip", "")).strip()
    if zip5 and normalize_zip(zip5, 5) is None:
        problems.add(f"'{shown_value(zip5)}' is not a 5-digit ZIP", row, "zip")
    if len(problems.items) > before:
        return None
    zip3, state, miles = nearest_zip3(base, lat, lon)
    if miles > 150:
        problems.add(f"location {lat:.4f}, {lon:.4f} is {miles:.0f} miles from the nearest US "
                     "ZIP3 area; is it in the US (latitude, then negative longitude)?", row, "lat")
        return None
    given_zip3 = str(rec.get("zip3", "")).strip() or (normalize_zip(zip5, 5) or "")[:3]
    if given_zip3:
        zip3 = normalize_zip(given_zip3, 3) or zip3
        if zip3 not in base.zip3:
            problems.add(f"unknown ZIP3 '{shown_value(given_zip3)}'", row,
                         "zip3" if rec.get("zip3") else "zip")
            return None
    return Site(site_id=site_id, name=str(rec["name"]).strip() or site_id,
                state=str(rec.get("state", "")).strip() or state, lat=lat, lon=lon, zip3=zip3,
                fixed_cost_usd_per_year=fixed, capacity_orders_per_year=capacity,
                zip=normalize_zip(zip5, 5) or "" if zip5 else "", rent_usd_per_sqft_year=rent,
                size_sqft=size, source=_site_source(rec))


def _site_source(rec: dict) -> str:
    """The row's `source` and its per-figure sources ("rent: ...; size: ...") as one text."""
    parts = [str(rec.get("source", "")).strip()] + [
        f"{column.removesuffix('_source')}: {text}" for column in SITE_FIGURE_SOURCES
        if (text := str(rec.get(column, "")).strip())]
    return "; ".join(p for p in parts if p) or "user input"


# ---------------------------------------------------------------------------------------------
# User demand by ZIP5 or ZIP3


def load_user_demand(source: CsvSource, base: Zip3Base, name: str | None = None,
                     zip5_to_zip3: Callable[[str], str | None] | None = None
                     ) -> tuple[tuple[str, float], ...]:
    """Orders per year by ZIP5 or ZIP3, aggregated to the ZIP3 areas of `base`."""
    name = name or (str(source) if isinstance(source, str | Path) else "demand file")
    frame = read_csv_text(source, name, DEMAND_MAX_ROWS)
    problems = ProblemList(name)
    key = next((c for c in ("zip3", "zip5", "zip") if c in frame.columns), None)
    qty = next((c for c in ("orders_per_year", "orders") if c in frame.columns), None)
    optional = [c for c in ("zip3", "zip5", "zip", "orders") if c != key]
    if not check_columns(frame, problems, [key or "zip3", qty or "orders_per_year"],
                         optional + ["orders_per_year"]):
        problems.raise_if_any()
    known = set(base.zip3)
    totals: dict[str, float] = {}
    for i, rec in data_rows(frame):
        orders = parse_number(problems, i, qty, rec[qty], minimum=0)
        zip3 = _zip3_of(rec[key], key, i, problems, known, zip5_to_zip3)
        if orders is not None and zip3 is not None:
            totals[zip3] = totals.get(zip3, 0.0) + orders
    if not problems.items and sum(totals.values()) <= 0:
        problems.add("total orders are zero")
    problems.raise_if_any()
    return tuple(sorted(totals.items()))


def _zip3_of(text: str, key: str, row: int, problems: ProblemList, known: set[str],
             zip5_to_zip3: Callable[[str], str | None] | None) -> str | None:
    digits = 3 if key == "zip3" else 5
    code = normalize_zip(text, digits)
    if code is None:
        problems.add(f"'{shown_value(text)}' is not a {digits}-digit ZIP", row, key)
        return None
    if digits == 5:
        zip3 = zip5_to_zip3(code) if zip5_to_zip3 else code[:3]
        if zip3 is None:
            problems.add(f"unknown ZIP '{code}'", row, key)
            return None
        code = zip3
    if code not in known:
        problems.add(f"unknown ZIP3 '{code}' (no such 3-digit ZIP area in the demand base)",
                     row, key)
        return None
    return code


# ---------------------------------------------------------------------------------------------
# Rate cards, transit days and services

CARD_COLUMNS = ["service", "zone", "weight_lb", "rate_usd"]


@dataclass(frozen=True)
class RateCard:
    """One service's card as read: weight bands (ascending) x 8 zones."""

    service_id: str
    weight_bands_lb: tuple[float, ...]
    rates_usd: tuple[tuple[float, ...], ...]
    source: str


def load_rate_cards(source: CsvSource, known_services: Iterable[str],
                    name: str | None = None) -> dict[str, RateCard]:
    """Rate cards (one or more services) in the long format service, zone, weight_lb, rate_usd.

    Every weight band must have a rate for each of zones 1..8.
    """
    name = name or (str(source) if isinstance(source, str | Path) else "rate card")
    frame = read_csv_text(source, name, RATE_CARD_MAX_ROWS)
    problems = ProblemList(name)
    if not check_columns(frame, problems, CARD_COLUMNS, ["source"]):
        problems.raise_if_any()
    if frame.empty:
        problems.add("has no rates")
    known = set(known_services)
    cells: dict[str, dict[float, dict[int, float]]] = {}
    sources: dict[str, str] = {}
    for i, rec in data_rows(frame):
        service = str(rec["service"]).strip()
        if service not in known:
            problems.add(f"unknown service '{shown_value(service)}'; known: "
                         f"{', '.join(sorted(known))}", i, "service")
        zone = parse_number(problems, i, "zone", rec["zone"], minimum=1, maximum=N_ZONES,
                            integer=True)
        weight = parse_number(problems, i, "weight_lb", rec["weight_lb"], strictly_positive=True)
        rate = parse_number(problems, i, "rate_usd", rec["rate_usd"], minimum=0)
        if service in known and None not in (zone, weight, rate):
            band = cells.setdefault(service, {}).setdefault(weight, {})
            if int(zone) in band:
                problems.add(f"duplicate rate for {service}, {weight:g} lb, zone {int(zone)}",
                             i, "zone")
            band[int(zone)] = rate
            sources.setdefault(service, str(rec.get("source", "")).strip())
    _check_zones_complete(cells, problems)
    problems.raise_if_any()
    return {s: _card(s, bands, sources[s]) for s, bands in cells.items()}


def _check_zones_complete(cells: dict, problems: ProblemList) -> None:
    for service, bands in cells.items():
        for weight, zones in bands.items():
            missing = [z for z in range(1, N_ZONES + 1) if z not in zones]
            if missing:
                problems.add(f"{service}, {weight:g} lb has no rate for zone "
                             f"{', '.join(map(str, missing))}", field="zone")


def _card(service: str, bands: dict[float, dict[int, float]], source: str) -> RateCard:
    weights = tuple(sorted(bands))
    rates = tuple(tuple(bands[w][z] for z in range(1, N_ZONES + 1)) for w in weights)
    return RateCard(service, weights, rates, source)


def load_transit_days(source: CsvSource, known_services: Iterable[str],
                      name: str | None = None) -> dict[str, tuple[int, ...]]:
    """Transit business days by zone for each service (service, zone, transit_days)."""
    name = name or (str(source) if isinstance(source, str | Path) else "transit days")
    frame = read_csv_text(source, name, TRANSIT_MAX_ROWS)
    problems = ProblemList(name)
    if not check_columns(frame, problems, ["service", "zone", "transit_days"], ["source"]):
        problems.raise_if_any()
    known = set(known_services)
    days: dict[str, dict[int, int]] = {}
    for i, rec in data_rows(frame):
        service = str(rec["service"]).strip()
        if service not in known:
            problems.add(f"unknown service '{shown_value(service)}'", i, "service")
        zone = parse_number(problems, i, "zone", rec["zone"], minimum=1, maximum=N_ZONES,
                            integer=True)
        d = parse_number(problems, i, "transit_days", rec["transit_days"], minimum=0,
                         maximum=30, integer=True)
        if service in known and zone is not None and d is not None:
            if int(zone) in days.get(service, {}):
                problems.add(f"duplicate transit days for {service}, zone {int(zone)}", i,
                             "zone")
            days.setdefault(service, {})[int(zone)] = int(d)
    for service in sorted(known):
        missing = [z for z in range(1, N_ZONES + 1) if z not in days.get(service, {})]
        if missing:
            problems.add(f"{service} has no transit days for zone "
                         f"{', '.join(map(str, missing))}", field="zone")
    problems.raise_if_any()
    return {s: tuple(d[z] for z in range(1, N_ZONES + 1)) for s, d in days.items()}


SERVICE_COLUMNS = ["service", "carrier", "name", "fuel_surcharge_pct",
                   "residential_surcharge_usd", "noncontiguous_extra_days"]


def load_services(directory: str | Path = RATE_CARDS_DIR) -> tuple[Service, ...]:
    """All services of a rate-card folder: services.csv, transit_days.csv and one card each."""
    directory = Path(directory)
    name = str(directory / "services.csv")
    frame = read_csv_text(directory / "services.csv", name, SERVICES_MAX_ROWS)
    problems = ProblemList(name)
    if not check_columns(frame, problems, SERVICE_COLUMNS, ["source"]):
        problems.raise_if_any()
    heads = []
    for i, rec in data_rows(frame):
        service = str(rec["service"]).strip()
        if not service:
            problems.add("is empty", i, "service")
        fuel = parse_number(problems, i, "fuel_surcharge_pct", rec["fuel_surcharge_pct"],
                            minimum=0, maximum=200)
        resi = parse_number(problems, i, "residential_surcharge_usd",
                            rec["residential_surcharge_usd"], minimum=0)
        extra = parse_number(problems, i, "noncontiguous_extra_days",
                             rec["noncontiguous_extra_days"], minimum=0, integer=True)
        heads.append((service, rec, fuel, resi, extra))
    problems.raise_if_any()
    known = [h[0] for h in heads]
    transit = load_transit_days(directory / "transit_days.csv", known)
    cards: dict[str, RateCard] = {}
    for service in known:
        cards.update(load_rate_cards(directory / f"{service}.csv", [service]))
    return tuple(
        Service(service_id=s, carrier=str(rec["carrier"]).strip(), name=str(rec["name"]).strip(),
                fuel_surcharge_pct=fuel, residential_surcharge_usd=resi,
                noncontiguous_extra_days=int(extra), weight_bands_lb=cards[s].weight_bands_lb,
                rates_usd=cards[s].rates_usd, transit_days_by_zone=transit[s],
                source=str(rec.get("source", "")).strip() or cards[s].source)
        for s, rec, fuel, resi, extra in heads)


def replace_rate_cards(services: tuple[Service, ...], cards: dict[str, RateCard]
                       ) -> tuple[Service, ...]:
    """Services with their cards swapped for the given (negotiated) ones."""
    out = []
    for s in services:
        card = cards.get(s.service_id)
        if card is None:
            out.append(s)
            continue
        out.append(Service(**{**s.__dict__, "weight_bands_lb": card.weight_bands_lb,
                              "rates_usd": card.rates_usd,
                              "source": card.source or "user rate card"}))
    return tuple(out)
