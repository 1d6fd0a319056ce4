"""Write static/us_states_lower48.geojson, the state outlines the app's map loads by URL.

    .venv/bin/python scripts/build_app_static.py

The map draws the lower 48 and DC from data/us_states.geojson (made by data/build_states.py from
us-atlas). Sent inline, those outlines pass through deck.gl's JSON converter on every rerun,
which costs about a second in the browser; served by Streamlit's static file serving
([server] enableStaticServing in .streamlit/config.toml) the browser fetches them once from the
app's own server, so the map still needs no internet. tests/test_app_static.py checks that this
file matches data/us_states.geojson.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "us_states.geojson"
TARGET = ROOT / "static" / "us_states_lower48.geojson"
NONCONTIGUOUS = {"Alaska", "Hawaii", "Puerto Rico", "Guam", "United States Virgin Islands",
                 "American Samoa", "Commonwealth of the Northern Mariana Islands"}


def lower48_geojson(source: Path = SOURCE) -> str:
    """The lower-48 and DC outlines as compact GeoJSON text (coordinates as in the source)."""
    frame = gpd.read_file(source)[["name", "geometry"]]
    frame = frame[~frame["name"].isin(NONCONTIGUOUS)].reset_index(drop=True)
    return json.dumps(json.loads(frame.to_json(drop_id=True)), separators=(",", ":"))


def main() -> None:
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(lower48_geojson() + "\n")
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
