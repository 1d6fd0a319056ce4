"""The GeoJSON export: one FeatureCollection in WGS84 (EPSG:4326, RFC 7946) holding the
candidate sites as points, the ZIP3s as points, and a line from each site to each ZIP3 it
serves, each feature's kind in its `feature` attribute ("site", "zip3", "assignment") and its
figures as attributes, rounded as in the CSVs. Written by geopandas (pyogrio), so GIS tools
(QGIS, ArcGIS, geopandas) read it; QGIS shows one layer per geometry type."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from network.export.content import ScenarioWithDesign
from network.export.frames import lanes_frame, sites_frame

CRS = "EPSG:4326"
NUMERIC = ("lat", "lon", "fixed_cost_usd_per_year", "capacity_orders_per_year",
           "rent_usd_per_sqft_year", "size_sqft", "orders_per_year", "utilization_at_peak_pct",
           "variable_cost_usd_per_year", "total_cost_usd_per_year", "zone", "distance_mi",
           "delivery_days", "cost_usd_per_order", "cost_usd_per_year")


def network_frame(item: ScenarioWithDesign) -> gpd.GeoDataFrame:
    """Sites, ZIP3s and assignment lines as one GeoDataFrame in EPSG:4326."""
    evaluation = item.require_design("The GeoJSON export")
    scenario = item.scenario
    sites = sites_frame(scenario, evaluation)
    sites.insert(0, "feature", "site")
    site_geometry = [Point(lon, lat) for lon, lat in zip(sites["lon"], sites["lat"],
                                                         strict=True)]
    demand = evaluation.lanes.demand
    lanes = lanes_frame(scenario, evaluation)
    zips = lanes.assign(feature="zip3", lat=np.round(demand.lat, 5), lon=np.round(demand.lon, 5))
    zip_geometry = [Point(lon, lat) for lon, lat in zip(zips["lon"], zips["lat"], strict=True)]
    location = {s.site_id: (s.lon, s.lat) for s in scenario.sites}
    served = lanes["site_id"].isin(location.keys()).to_numpy()
    lines = lanes.loc[served, ["zip3", "site_id", "service", "orders_per_year",
                               "delivery_days", "distance_mi"]].assign(feature="assignment")
    line_geometry = [LineString([location[s], (lon, lat)]) for s, lon, lat in zip(
        lines["site_id"], demand.lon[served], demand.lat[served], strict=True)]
    frame = pd.concat([sites, zips, lines], ignore_index=True)
    for column in frame.columns:
        if column in NUMERIC or column.endswith("_usd_per_order"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return gpd.GeoDataFrame(frame, geometry=site_geometry + zip_geometry + line_geometry,
                            crs=CRS)


def network_geojson(item: ScenarioWithDesign) -> bytes:
    out = io.BytesIO()
    network_frame(item).to_file(out, driver="GeoJSON", engine="pyogrio", RFC7946="YES",
                                WRITE_NAME="NO", COORDINATE_PRECISION=5)
    return out.getvalue()
