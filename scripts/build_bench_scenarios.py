"""Write the benchmark's scenario classes (data/scenarios/bench/) from the default scenario.

Each class is the default scenario file with one what-if a planning meeting asks (issue 15):
volume that fills the sites, a carrier contract, next-day promises, a per-ZIP3 day limit,
forced sites, a bigger candidate set, noncontiguous demand. The files refer to the default's
data files, so they follow the default's data. The 150-site class adds metros from
data/us_places.csv to the default's 57 sites, each with estimated costs labelled as such
(candidate_sites_150.csv here). Deterministic; run from the repository root:

    python -m scripts.build_bench_scenarios
"""

from __future__ import annotations

import copy
import csv
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from network.geo import great_circle_mi

DATA = Path(__file__).resolve().parents[1] / "data"
OUT = DATA / "scenarios" / "bench"
LOWER_48_EXCLUDED = {"AK", "HI", "PR", "VI", "GU", "AS", "MP"}
EXTRA_SITES = 93  # 57 + 93 = 150 candidate sites
MIN_SPACING_MI = 40.0  # an added metro is at least this far from every other candidate
US_AVERAGE_RENT = 8.72  # USD/sq ft/year, CommercialEdge in-place, Sep 2025 (docs/sources.md)
SEATTLE = "SEA"
# The default's optimum (BENCHMARKS.md, the default scenario's answer): ONT, DFW, ORD, ABE;
# of those, the site with the lowest fixed cost is forced closed in the forced-sites class.
DEFAULT_OPTIMUM = ("ONT", "DFW", "ORD", "ABE")


def main(out: Path = OUT) -> None:
    """Write every class file and the 150-site table into `out`."""
    default = json.loads((DATA / "scenarios" / "default.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    _write_extra_sites(out / "candidate_sites_150.csv")
    for name, (description, edit) in CLASSES.items():
        doc = copy.deepcopy(default)
        doc["sites_file"] = _from_classes(DATA / "candidate_sites.csv")
        doc["rate_cards_dir"] = _from_classes(DATA / "rate_cards")
        doc["name"] = f"bench: {name}"
        doc["description"] = description
        edit(doc)
        (out / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")


def _from_classes(path: Path) -> str:
    """`path` relative to the classes' folder in the project, as the class files refer to it."""
    return Path(os.path.relpath(path, OUT)).as_posix()


def _targets(*shares: tuple[int, float]) -> Any:
    def edit(doc: dict) -> None:
        doc["targets"]["share_targets"] = [{"within_days": d, "share_pct": p} for d, p in shares]
    return edit


def _orders(annual: int, peak: float | None = None, max_sites: int | None = None,
            two_day_pct: float | None = None) -> Any:
    def edit(doc: dict) -> None:
        doc["demand"]["annual_orders"] = annual
        if peak is not None:
            doc["costs"]["peak_multiplier"] = peak
        if max_sites is not None:
            doc["constraints"]["max_sites"] = max_sites
        if two_day_pct is not None:
            doc["targets"]["share_targets"] = [{"within_days": 2, "share_pct": two_day_pct}]
    return edit


def _carrier(carrier: str, min_pct: float | None, max_pct: float | None) -> Any:
    def edit(doc: dict) -> None:
        doc["constraints"]["carrier_shares"] = [
            {"carrier": carrier, "min_pct": min_pct, "max_pct": max_pct}]
    return edit


def _day_limit(doc: dict) -> None:
    doc["targets"]["max_days_any_zip3"] = 4


def _forced(doc: dict) -> None:
    fixed = {r["site_id"]: float(r["fixed_cost_usd_per_year"]) for r in _default_sites()}
    cheapest = min(DEFAULT_OPTIMUM, key=lambda s: (fixed[s], s))
    doc["constraints"]["forced_open"] = [SEATTLE]
    doc["constraints"]["forced_closed"] = [cheapest]


def _sites_150(doc: dict) -> None:
    doc["sites_file"] = "candidate_sites_150.csv"


def _noncontiguous(doc: dict) -> None:
    doc["demand"]["include_noncontiguous"] = True


CLASSES: dict[str, tuple[str, Any]] = {
    "default": ("The default scenario.", lambda doc: None),
    "capacity_150m": ("150M orders a year: sites fill up at the peak.", _orders(150_000_000)),
    "capacity_overflow_200m": (
        "200M orders a year, peak multiplier 2, at most 6 sites: cross-border takes the "
        "overflow. Six sites hold at most 54% of the orders at the peak, so the target is "
        "45% within 2 days.", _orders(200_000_000, peak=2.0, max_sites=6, two_day_pct=45)),
    "ups_min_30": ("UPS carries at least 30% of the parcels shipped from US sites.",
                   _carrier("UPS", 30.0, None)),
    "usps_max_60": ("USPS carries at most 60% of the parcels shipped from US sites.",
                    _carrier("USPS", None, 60.0)),
    "next_day_35": ("At least 35% of orders within 1 day (no other target).", _targets((1, 35))),
    "next_day_60": ("At least 60% of orders within 1 day (no other target).", _targets((1, 60))),
    "next_day_80": ("At least 80% of orders within 1 day (no other target).", _targets((1, 80))),
    "next_day_35_3day_95": ("At least 35% of orders within 1 day and 95% within 3 days.",
                            _targets((1, 35), (3, 95))),
    "zip3_max_4_days": ("The default, and no ZIP3 over 4 days.", _day_limit),
    "forced_sites": ("Seattle forced open and the cheapest site of the default's optimum "
                     "forced closed.", _forced),
    "sites_150": ("150 candidate sites: the default's 57 and 93 metros from the city list, "
                  "their costs estimated (candidate_sites_150.csv).", _sites_150),
    "noncontiguous": ("Demand in AK, HI and the territories included.", _noncontiguous),
}


def _default_sites() -> list[dict[str, str]]:
    with open(DATA / "candidate_sites.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write_extra_sites(path: Path) -> None:
    """The default's sites and the most populous lower-48 places at least MIN_SPACING_MI from
    every candidate, with the US average rent and the default's size, overhead and capacity."""
    sites = _default_sites()
    template = sites[0]
    lat = [float(s["lat"]) for s in sites]
    lon = [float(s["lon"]) for s in sites]
    with open(DATA / "us_places.csv", newline="", encoding="utf-8") as f:
        places = [p for p in csv.DictReader(f) if p["state"] not in LOWER_48_EXCLUDED]
    places.sort(key=lambda p: (-int(p["population"]), p["name"]))
    rent_source = (f"estimate: US average {US_AVERAGE_RENT} (CommercialEdge, Sep 2025), no "
                   "regional factor (a metro added for the 150-site benchmark)")
    added = []
    for p in places:
        if len(added) == EXTRA_SITES:
            break
        far = great_circle_mi(np.array(lat), np.array(lon), float(p["lat"]), float(p["lon"]))
        if np.min(far) < MIN_SPACING_MI:
            continue
        lat.append(float(p["lat"]))
        lon.append(float(p["lon"]))
        size, overhead = float(template["size_sqft"]), float(template["overhead_usd_per_year"])
        added.append({**template, "site_id": f"X{len(added) + 1:02d}",
                      "name": f"{p['name']} (added metro)", "state": p["state"],
                      "lat": p["lat"], "lon": p["lon"], "zip": p["zip5"], "zip3": p["zip3"],
                      "rent_usd_per_sqft_year": US_AVERAGE_RENT, "rent_regional_factor": "",
                      "rent_source": rent_source,
                      "fixed_cost_usd_per_year": round(US_AVERAGE_RENT * size + overhead)})
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(template))
        writer.writeheader()
        writer.writerows(sites + added)


if __name__ == "__main__":
    main()
