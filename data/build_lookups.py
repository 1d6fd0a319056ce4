"""Build the two look-up tables the app and the command line read instead of deriving them at
run time; both are checked by tests/test_data_files.py to be what this script writes, so they
cannot go stale.

``us_zip5_points.csv``: every ZIP code of the PyPI package ``zipcodes`` (3.0.0) that has a
centroid (latitude and longitude that parse as numbers, not both zero), of any type (STANDARD,
PO BOX, UNIQUE, MILITARY), with its city (title case), state and centroid, sorted by ZIP.
``network.places.zip5_table`` reads it (`python -m network zone`, a ZIP typed in the
Designer's search, a demand file by ZIP5); loading and converting the package's own table took
1-2 s at run time.

``us_zip3_places.csv``: each ZIP3's largest place in ``us_places.csv`` ('Hempstead, NY'), the
name the map's tooltips give a ZIP3 (``ui.data.zip3_place_names``): read on every server's
first page, where deriving it meant reading the 1 MB place list with pandas first.

Run from the repository root (deterministic, about a second)::

    python data/build_lookups.py
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

DATA = Path(__file__).resolve().parent
ZIP5_PATH = DATA / "us_zip5_points.csv"
ZIP3_PLACES_PATH = DATA / "us_zip3_places.csv"
PLACES_PATH = DATA / "us_places.csv"


def zip5_points() -> dict[str, tuple[str, str, float, float]]:
    """ZIP5 -> (city, state, lat, lon) for every ZIP with a centroid in ``zipcodes``."""
    import zipcodes

    out = {}
    for z in zipcodes.list_all():
        try:
            lat, lon = float(z["lat"]), float(z["long"])
        except (TypeError, ValueError):
            continue
        if lat or lon:
            out[z["zip_code"]] = (z["city"].title(), z["state"], lat, lon)
    return dict(sorted(out.items()))


def zip3_places(places_path: Path = PLACES_PATH) -> dict[str, str]:
    """ZIP3 -> its most populous place in the place list, 'Name, ST' (a tie: the first in the
    file)."""
    import pandas as pd

    table = pd.read_csv(places_path, dtype={"zip5": str, "zip3": str})
    first = table.sort_values("population", ascending=False, kind="stable").drop_duplicates(
        "zip3")
    return dict(sorted((z, f"{n}, {s}") for z, n, s in zip(first["zip3"], first["name"],
                                                           first["state"], strict=True)))


def _write(path: Path, header: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """A CSV with floats as Python prints them (read back, the same floats); its row count."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_zip5_points(path: Path = ZIP5_PATH) -> int:
    return _write(path, ("zip5", "city", "state", "lat", "lon"),
                  ((zip5, *row) for zip5, row in zip5_points().items()))


def write_zip3_places(path: Path = ZIP3_PLACES_PATH) -> int:
    return _write(path, ("zip3", "place"), zip3_places().items())


def main() -> None:
    print(f"wrote {ZIP5_PATH.name}: {write_zip5_points():,} ZIP5s; "
          f"{ZIP3_PLACES_PATH.name}: {write_zip3_places():,} ZIP3s")


if __name__ == "__main__":
    main()
