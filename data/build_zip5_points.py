"""Build the ZIP5 table the app and the command line look ZIPs up in (data/us_zip5_points.csv).

Every ZIP code of the PyPI package ``zipcodes`` (3.0.0) that has a centroid (latitude and
longitude that parse as numbers, not both zero), of any type (STANDARD, PO BOX, UNIQUE,
MILITARY), with its city (title case), state and centroid: 41,917 rows, sorted by ZIP.
``network.places.zip5_table`` reads the file instead of the package, whose table takes 1-2 s
to load and convert at run time (`python -m network zone`, a ZIP typed in the Designer's
search, a demand file by ZIP5); tests/test_data_files.py checks that the file is what this
script derives from the installed package, so it cannot go stale.

Run from the repository root (deterministic, about a second)::

    python data/build_zip5_points.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import zipcodes

OUT_PATH = Path(__file__).resolve().parent / "us_zip5_points.csv"
COLUMNS = ("zip5", "city", "state", "lat", "lon")


def zip5_points() -> dict[str, tuple[str, str, float, float]]:
    """ZIP5 -> (city, state, lat, lon) for every ZIP with a centroid in ``zipcodes``."""
    out = {}
    for z in zipcodes.list_all():
        try:
            lat, lon = float(z["lat"]), float(z["long"])
        except (TypeError, ValueError):
            continue
        if lat or lon:
            out[z["zip_code"]] = (z["city"].title(), z["state"], lat, lon)
    return dict(sorted(out.items()))


def write_points(path: Path) -> int:
    """Write the table to `path` (floats as Python prints them: read back, the same floats);
    the number of ZIP5s."""
    points = zip5_points()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows((zip5, *row) for zip5, row in points.items())
    return len(points)


def main() -> None:
    print(f"wrote {OUT_PATH.name}: {write_points(OUT_PATH):,} ZIP5s")


if __name__ == "__main__":
    main()
