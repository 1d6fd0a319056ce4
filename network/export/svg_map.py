"""A static map of a design as inline SVG, drawn from embedded data only (no internet, no
script): state outlines from data/us_states.geojson, a line from each open site to each ZIP3 it
serves, ZIP3 bubbles (area = orders) coloured by delivery days, and the sites.

Projection: Albers equal-area conic (standard parallels 29.5 and 45.5 N, centre 96 W, the
USGS's for the lower 48). When the demand includes Alaska and Hawaii they are drawn in insets
with their own conics (not to scale with the rest); territories are not drawn, and the
caption says how many orders that leaves out. Every text is XML-escaped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

import numpy as np

from network.evaluate import Evaluation
from network.scenario import Scenario

STATES_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "us_states.geojson"
WIDTH, HEIGHT = 960, 590
# Delivery days, blue (fast) to red (slow): ColorBrewer RdYlBu, readable by most colour-blind
# viewers; the app's map uses the same colours (ui/maps.py).
DAY_RGB = {1: (44, 123, 182), 2: (120, 190, 220), 3: (250, 220, 120), 4: (245, 150, 70),
           5: (200, 30, 30)}
CROSS_BORDER_RGB = (120, 60, 150)
MAX_BUBBLE_PX = 9.0


@dataclass(frozen=True)
class Conic:
    """Albers equal-area conic projection, then a scale and offset into the SVG's pixels."""

    lon0: float
    lat0: float
    lat1: float
    lat2: float
    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0

    def raw(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p1, p2, p0 = map(math.radians, (self.lat1, self.lat2, self.lat0))
        n = (math.sin(p1) + math.sin(p2)) / 2
        c = math.cos(p1) ** 2 + 2 * n * math.sin(p1)
        rho0 = math.sqrt(c - 2 * n * math.sin(p0)) / n
        rho = np.sqrt(c - 2 * n * np.sin(np.radians(lat))) / n
        theta = n * np.radians(np.asarray(lon, dtype=float) - self.lon0)
        return rho * np.sin(theta), rho0 - rho * np.cos(theta)

    def __call__(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.raw(lon, lat)
        return x * self.scale + self.dx, -y * self.scale + self.dy


def _fitted(conic: Conic, lon: np.ndarray, lat: np.ndarray, box: tuple[float, float, float,
                                                                       float]) -> Conic:
    """`conic` scaled and moved so that the points fill `box` (left, top, width, height)."""
    x, y = conic.raw(lon, lat)
    left, top, width, height = box
    scale = min(width / (x.max() - x.min()), height / (y.max() - y.min()))
    return Conic(conic.lon0, conic.lat0, conic.lat1, conic.lat2, scale,
                 left - x.min() * scale + (width - (x.max() - x.min()) * scale) / 2,
                 top + y.max() * scale + (height - (y.max() - y.min()) * scale) / 2)


NONCONTIGUOUS_STATES = {"Alaska", "Hawaii", "Puerto Rico", "Guam", "American Samoa",
                        "United States Virgin Islands",
                        "Commonwealth of the Northern Mariana Islands"}


@lru_cache(maxsize=1)
def _states() -> dict[str, list[list[tuple[float, float]]]]:
    """State name -> its rings (lon, lat), from the embedded GeoJSON."""
    doc = json.loads(STATES_FILE.read_text())
    states: dict[str, list] = {}
    for feature in doc["features"]:
        geometry = feature["geometry"]
        polygons = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
                    else [geometry["coordinates"]])
        states[feature["properties"]["name"]] = [ring for poly in polygons for ring in poly]
    return states


@dataclass(frozen=True)
class Projection:
    """Which conic draws a point: the lower 48, or the Alaska and Hawaii insets."""

    lower48: Conic
    alaska: Conic | None
    hawaii: Conic | None

    def __call__(self, lon: Iterable[float], lat: Iterable[float]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x, y and whether each point is drawn."""
        lon, lat = np.asarray(list(lon), float), np.asarray(list(lat), float)
        x, y = self.lower48(lon, lat)
        drawn = (lat > 23) & (lat < 50) & (lon > -126) & (lon < -65)
        for conic, inside in ((self.alaska, lat > 50), (self.hawaii, (lat < 23.5) & (lon < -150)
                                                        & (lon > -162))):
            if conic is not None and inside.any():
                ax, ay = conic(lon[inside], lat[inside])
                x[inside], y[inside] = ax, ay
                drawn |= inside
        return x, y, drawn


def projection(with_insets: bool) -> Projection:
    states = _states()
    lower = [p for name, rings in states.items() if name not in NONCONTIGUOUS_STATES
             for ring in rings for p in ring]
    lon, lat = np.array(lower).T
    top = 10
    lower48 = _fitted(Conic(-96, 37.5, 29.5, 45.5), lon, lat, (10, top, WIDTH - 20, HEIGHT - 20))
    if not with_insets:
        return Projection(lower48, None, None)
    ak = np.array([p for ring in states["Alaska"] for p in ring if p[0] < 0]).T
    hi = np.array([p for ring in states["Hawaii"] for p in ring]).T
    alaska = _fitted(Conic(-154, 50, 55, 65), ak[0], ak[1], (10, HEIGHT - 150, 190, 140))
    hawaii = _fitted(Conic(-157, 3, 8, 18), hi[0], hi[1], (210, HEIGHT - 90, 120, 80))
    return Projection(lower48, alaska, hawaii)


def _path(rings: Iterable[list[tuple[float, float]]], proj: Projection) -> str:
    """SVG path data of polygon rings, rounded to a tenth of a pixel, repeated points dropped."""
    parts = []
    for ring in rings:
        lon, lat = np.array(ring).T
        x, y, drawn = proj(lon, lat)
        if not drawn.any():
            continue
        points = [(round(a, 1), round(b, 1)) for a, b in zip(x, y, strict=True)]
        kept = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        if len(kept) > 2:
            parts.append("M" + "L".join(f"{a:g} {b:g}" for a, b in kept) + "Z")
    return "".join(parts)


def rgb(color: tuple[int, int, int]) -> str:
    return f"rgb({color[0]},{color[1]},{color[2]})"


def design_svg(scenario: Scenario, evaluation: Evaluation) -> str:
    """The map as an <svg> element (no script, no external reference)."""
    proj = projection(scenario.demand.include_noncontiguous)
    states = [ring for name, rings in _states().items()
              if name not in NONCONTIGUOUS_STATES or (
                  proj.alaska is not None and name in ("Alaska", "Hawaii"))
              for ring in rings]
    body = [f'<path d="{_path(states, proj)}" fill="#eef1f5" stroke="#8a94a3" '
            'stroke-width="0.7" fill-rule="evenodd"/>']
    body += list(_assignment(scenario, evaluation, proj))
    body += list(_zip3_bubbles(evaluation, proj))
    body += list(_sites(scenario, evaluation, proj))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img" aria-label="Map of the network">{"".join(body)}</svg>')


def _days_and_cross(evaluation: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    lanes = evaluation.lanes
    cross = evaluation.site_index < 0
    z = np.arange(len(cross))
    s = np.where(cross, 0, evaluation.site_index)
    k = np.where(cross, 0, evaluation.service_index)
    return np.where(cross, lanes.cross_border_days, lanes.delivery_days[z, s, k]), cross


def _assignment(scenario: Scenario, evaluation: Evaluation, proj: Projection) -> Iterator[str]:
    demand = evaluation.lanes.demand
    served = evaluation.site_index >= 0
    if not served.any():
        return
    sx, sy, s_drawn = proj([s.lon for s in scenario.sites], [s.lat for s in scenario.sites])
    zx, zy, z_drawn = proj(demand.lon, demand.lat)
    segments = [f"M{sx[i]:.1f} {sy[i]:.1f}L{zx[z]:.1f} {zy[z]:.1f}"
                for z, i in enumerate(evaluation.site_index)
                if i >= 0 and s_drawn[i] and z_drawn[z]]
    yield (f'<path d="{"".join(segments)}" stroke="rgb(40,40,60)" stroke-opacity="0.22" '
           'stroke-width="0.6" fill="none"/>')


def _zip3_bubbles(evaluation: Evaluation, proj: Projection) -> Iterator[str]:
    demand = evaluation.lanes.demand
    orders = demand.orders_per_year
    x, y, drawn = proj(demand.lon, demand.lat)
    days, cross = _days_and_cross(evaluation)
    radius = 1.0 + MAX_BUBBLE_PX * np.sqrt(orders / max(float(orders.max()), 1.0))
    for i in np.argsort(-orders):  # big first, so small ones stay visible on top
        if not drawn[i] or orders[i] <= 0:
            continue
        color = CROSS_BORDER_RGB if cross[i] else DAY_RGB[min(max(int(days[i]), 1), 5)]
        yield (f'<circle cx="{x[i]:.1f}" cy="{y[i]:.1f}" r="{radius[i]:.1f}" '
               f'fill="{rgb(color)}" fill-opacity="0.85" stroke="#444" stroke-width="0.3"/>')


def _sites(scenario: Scenario, evaluation: Evaluation, proj: Projection) -> Iterator[str]:
    x, y, drawn = proj([s.lon for s in scenario.sites], [s.lat for s in scenario.sites])
    use = {u.site_id: u for u in evaluation.sites}
    opened = [i for i, s in enumerate(scenario.sites) if use[s.site_id].is_open and drawn[i]]
    for i, s in enumerate(scenario.sites):
        if drawn[i] and i not in opened:
            yield (f'<circle cx="{x[i]:.1f}" cy="{y[i]:.1f}" r="3" fill="white" stroke="#333" '
                   f'stroke-width="1"><title>{escape(s.name)} ({escape(s.site_id)}): candidate, '
                   'closed</title></circle>')
    for i in opened:
        s, u = scenario.sites[i], use[scenario.sites[i].site_id]
        tip = (f"{s.name} ({s.site_id}): open, {u.orders_per_year:,.0f} orders a year, "
               f"{100 * u.utilization_share:.1f}% of capacity at peak")
        yield (f'<circle cx="{x[i]:.1f}" cy="{y[i]:.1f}" r="6" fill="black" stroke="white" '
               f'stroke-width="2"><title>{escape(tip)}</title></circle>')
        yield (f'<text x="{x[i]:.1f}" y="{y[i] - 10:.1f}" text-anchor="middle" font-size="14" '
               'font-weight="700" stroke="white" stroke-width="3" paint-order="stroke">'
               f'{escape(short_name(s.name))}</text>')


def short_name(name: str) -> str:
    """'Seattle/Tacoma (Kent Valley)' -> 'Seattle': labels must stay short on a map."""
    return name.split(" (")[0].split("/")[0].split(",")[0].strip() or name


def undrawn_orders(scenario: Scenario, evaluation: Evaluation) -> float:
    """Orders of ZIP3s outside the map (territories; Alaska and Hawaii without insets)."""
    demand = evaluation.lanes.demand
    _, _, drawn = projection(scenario.demand.include_noncontiguous)(demand.lon, demand.lat)
    return float(demand.orders_per_year[~drawn].sum())
