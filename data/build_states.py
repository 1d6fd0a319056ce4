"""Build data/us_states.geojson (simplified US state outlines) from the npm package us-atlas.

The source is ``states-10m.json`` (unprojected lon/lat TopoJSON, Census cartographic
boundaries at 1:10m) in the npm package ``us-atlas`` (3.0.1, ISC licence). To regenerate::

    cd "$(mktemp -d)" && npm pack us-atlas        # downloads us-atlas-3.0.1.tgz
    python data/build_states.py /path/to/us-atlas-3.0.1.tgz

The argument may be the tarball or an extracted ``states-10m.json``. Outlines are simplified
independently per state, so neighbouring borders can show slivers; fine for map drawing.
"""

from __future__ import annotations

import sys
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

OUT_PATH = Path(__file__).resolve().parent / "us_states.geojson"
TOLERANCE_DEG = 0.02
MEMBER = "package/states-10m.json"


def extract_topojson(source: Path, workdir: Path) -> Path:
    """Return the path of states-10m.json, extracting it from a us-atlas tarball if needed."""
    if not tarfile.is_tarfile(source):
        return source
    with tarfile.open(source) as tar:
        tar.extract(MEMBER, path=workdir, filter="data")
    return workdir / MEMBER


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Return only the polygon parts of a geometry (drops lines/points left by make_valid)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def build_states(topojson: Path, tolerance: float = TOLERANCE_DEG) -> gpd.GeoDataFrame:
    """Return state outlines (columns name, geometry; EPSG:4326), simplified and sorted."""
    gdf = gpd.read_file(topojson, layer="states")[["name", "geometry"]]
    gdf = gdf.set_crs("EPSG:4326", allow_override=True)
    geom = gdf.geometry.make_valid().simplify(tolerance, preserve_topology=True)
    gdf["geometry"] = geom.make_valid().apply(polygonal)
    return gdf.sort_values("name").reset_index(drop=True)


def main(argv: list[str]) -> None:
    """Read the us-atlas tarball or JSON named in argv[1] and write us_states.geojson."""
    if len(argv) != 2:
        raise SystemExit(f"usage: python {argv[0]} us-atlas-X.Y.Z.tgz|states-10m.json")
    with tempfile.TemporaryDirectory() as tmp:
        gdf = build_states(extract_topojson(Path(argv[1]), Path(tmp)))
    OUT_PATH.unlink(missing_ok=True)
    gdf.to_file(OUT_PATH, driver="GeoJSON", COORDINATE_PRECISION=4, RFC7946="YES")
    size_kb = OUT_PATH.stat().st_size / 1024
    print(f"wrote {OUT_PATH.name}: {len(gdf)} states, {size_kb:.0f} KB")


if __name__ == "__main__":
    main(sys.argv)
