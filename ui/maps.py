"""pydeck map of a network: state outlines, ZIP3 demand bubbles, candidate and open sites, and
lines from each open site to the ZIP3s it serves.

The state outlines come from the embedded data/us_states.geojson, so the map reads the same
offline. Basemap tiles are optional (`basemap=True`): Streamlit's frontend then puts CARTO's
light basemap (fetched from the internet by the planner's browser, drawn by MapLibre, with
zoom buttons) under the layers, and the states' fill turns translucent so the tiles show.
Without it the deck keeps pydeck's "__MAP_STYLE__" token, which Streamlit reads as "no
basemap" (map_style=None would mean "Streamlit's default basemap"): no request leaves the
browser, and the first page is about 0.35 s lighter in software WebGL (BENCHMARKS.md).

The map never zooms with the mouse wheel unless asked (`wheel_zoom=True`): scrolling the page
over it would otherwise shrink the US to a thumbnail. The deck carries its own MapView with
that controller setting; Streamlit's frontend then takes the controller from the view, and
puts the view back to `view` whenever the view's id changes, which is how the Designer's
"Reset view" returns to the lower 48 (`view_id`).

Every pickable layer carries a `tip` column with its tooltip text (plain text with line
breaks; substituted values are escaped, so no HTML), because one tooltip template serves all
layers. pydeck turns bare strings into accessor expressions, so constant string props are
quoted: "'pixels'".
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings import deck as pydeck_deck
from pydeck.bindings.json_tools import default_serialize

from network.evaluate import Evaluation
from network.export.svg_map import (  # one palette and one label rule for both maps
    CROSS_BORDER_RGB,
    DAY_RGB,
    short_name,
)
from network.lanes import LaneTable
from network.scenario import Scenario
from network.wording import day_count
from ui import fmt
from ui.data import state_outlines, zip3_place_names

# pydeck asks five times per Deck whether its Jupyter widget imports (`has_jupyter_extra`): a
# failed import each time, which Python does not remember (file look-ups, modules loaded
# again): 14 ms of every map built, the first page's and each solve's. The answer cannot change
# while the app runs.
pydeck_deck.has_jupyter_extra = functools.cache(pydeck_deck.has_jupyter_extra)

ZIP3_LAYER = "zip3"  # layer ids: selection events are keyed by them
SITE_LAYER = "sites"
NEUTRAL_RGB = (70, 110, 160)
OPEN_RGB = (20, 20, 20)
CANDIDATE_RGB = (255, 255, 255)
SELECTED_RGB = (255, 200, 0)
FREQUENCY_CURRENT_RGB = (215, 25, 28)  # the current design's sites on the frequency map
STATE_FILL_RGB = (238, 241, 245)
STATE_FILL_ALPHA_OVER_TILES = 90  # of 255: the basemap's roads and places show through
BASEMAP_CREDIT = "Basemap © CARTO, © OpenStreetMap contributors"
MAX_BUBBLE_M = 80_000
# Served by Streamlit's static file serving (.streamlit/config.toml). Relative, so it works
# under any base URL path. (Layer data is passed through as is; only props get quoted.)
LOWER48_URL = "app/static/us_states_lower48.geojson"
VIEW = pdk.ViewState(latitude=38.2, longitude=-95.9, zoom=3.25, pitch=0, bearing=0)
# Drag pans, double-click zooms in (with Shift, out), +/- keys zoom; no rotating or tilting:
# a flat US map has nothing to gain from them and a planner has no way to undo them.
CONTROLLER = {"scrollZoom": False, "dragRotate": False, "touchRotate": False,
              "doubleClickZoom": True, "dragPan": True, "keyboard": True}
# What the browser gets of each ZIP3 and site: the tooltip, the columns the layers draw from
# and the ids map clicks are read by (panels.map_selection). Other columns stay in Python.
ZIP3_SENT = ["zip3", "lon", "lat", "radius", "color", "tip"]
SITE_SENT = ["site_id", "label", "lon", "lat", "radius", "color", "line", "tip"]
TOOLTIP = {"text": "{tip}", "style": {"fontSize": "15px", "whiteSpace": "pre-line",
                                      "backgroundColor": "#111827", "color": "white",
                                      "padding": "8px"}}


def day_rgb(days: int, cross_border: bool = False) -> tuple[int, int, int]:
    if cross_border:
        return CROSS_BORDER_RGB
    return DAY_RGB[min(max(int(days), 1), 5)]


def legend_items(evaluation: Evaluation | None) -> list[tuple[tuple[int, int, int], str]]:
    """(colour, label) pairs for the legend beside the map."""
    sites = [(OPEN_RGB, "open site"), (CANDIDATE_RGB, "candidate site")]
    if evaluation is None:
        return [(NEUTRAL_RGB, "demand by ZIP3 (bubble size = orders)")] + sites
    items = [(rgb, day_count(d) if d < 5 else f"{d}+ days")
             for d, rgb in DAY_RGB.items()]
    if (evaluation.site_index < 0).any():
        items.append((CROSS_BORDER_RGB, "cross-border direct"))
    return items + sites


def zip3_frame(scenario: Scenario, lanes, evaluation: Evaluation | None) -> pd.DataFrame:
    """One row per ZIP3 with orders; coloured by delivery days when a design is given."""
    demand = (evaluation.lanes if evaluation is not None else lanes).demand
    orders = demand.orders_per_year
    frame = pd.DataFrame({"zip3": demand.zip3, "state": demand.state, "lon": demand.lon,
                          "lat": demand.lat, "orders": orders})
    radius = MAX_BUBBLE_M * np.sqrt(orders / max(float(orders.max()), 1.0))
    frame["radius"] = np.round(radius).astype(int)  # whole metres: nothing smaller shows
    names = zip3_place_names()
    if evaluation is None:
        frame["color"] = [list(NEUTRAL_RGB) + [170]] * len(frame)
        frame["tip"] = [f"ZIP3 {z} ({names.get(z, s)})\n{fmt.count(o)} orders/yr"
                        for z, s, o in zip(frame.zip3, frame.state, orders, strict=True)]
        return frame
    lt = evaluation.lanes
    cross = evaluation.site_index < 0
    z = np.arange(len(orders))
    s = np.where(cross, 0, evaluation.site_index)
    k = np.where(cross, 0, evaluation.service_index)
    days = np.where(cross, lt.cross_border_days, lt.delivery_days[z, s, k])
    site_names = [short_name(u.name) for u in evaluation.sites]
    carriage = _carriage_text(lt, z, s, k)
    frame["days"] = days
    frame["color"] = [list(day_rgb(d, c)) + [215] for d, c in zip(days, cross, strict=True)]
    frame["tip"] = [
        f"ZIP3 {zz} ({names.get(zz, st)})\n{fmt.count(o)} orders/yr\n"
        + ("cross-border direct" if c else f"from {site_names[si]} by {carriage[i]}")
        + f"\n{day_count(int(d))}"
        for i, (zz, st, o, c, si, d) in enumerate(zip(frame.zip3, frame.state, orders, cross, s,
                                                      days, strict=True))]
    return frame


def _carriage_text(lanes: LaneTable, z: np.ndarray, s: np.ndarray, k: np.ndarray) -> list[str]:
    """The service of each lane, or for a rate-shopped lane its carriers' shares of parcels."""
    carriers = list(dict.fromkeys(lanes.carriers))  # in their first service's order
    of_carrier = np.zeros((lanes.n_services, len(carriers)))  # [service, carrier] one-hot
    of_carrier[np.arange(lanes.n_services), [carriers.index(c) for c in lanes.carriers]] = 1.0
    shares = lanes.service_shares(z, s, k) @ of_carrier  # [i, carrier]
    texts: dict[tuple[float, ...], str] = {}  # most ZIP3s share one of a handful of mixes
    out = []
    for kk, row in zip(k.tolist(), map(tuple, shares.tolist()), strict=True):
        if kk < lanes.n_services:
            out.append(lanes.service_names[kk])
            continue
        if row not in texts:
            texts[row] = "rate-shopped: " + ", ".join(
                f"{c} {fmt.pct(v, 0)}" for c, v in zip(carriers, row, strict=True) if v > 0)
        out.append(texts[row])
    return out


def site_frame(scenario: Scenario, evaluation: Evaluation | None) -> pd.DataFrame:
    use = {u.site_id: u for u in evaluation.sites} if evaluation is not None else {}
    forced_open = set(scenario.constraints.forced_open)
    forced_closed = set(scenario.constraints.forced_closed)
    rows = []
    for site in scenario.sites:
        u = use.get(site.site_id)
        is_open = bool(u and u.is_open)
        tip = (f"{site.name} ({site.site_id}, ZIP3 {site.zip3})\n"
               f"fixed {fmt.usd(site.fixed_cost_usd_per_year)}/yr\n"
               f"capacity {fmt.count(site.capacity_orders_per_year)} orders/yr")
        if is_open:
            tip += (f"\nopen: {fmt.count(u.orders_per_year)} orders/yr, "
                    f"{fmt.pct(u.utilization_share)} of capacity at peak")
        if site.site_id in forced_open:
            tip += "\nforced open"
        if site.site_id in forced_closed:
            tip += "\nforced closed"
        rows.append({"site_id": site.site_id, "name": site.name, "label": short_name(site.name),
                     "lon": site.lon, "lat": site.lat, "open": is_open,
                     "radius": 11 if is_open else 6,
                     "color": list(OPEN_RGB if is_open else CANDIDATE_RGB) + [255],
                     "line": [255, 255, 255, 255] if is_open else [30, 30, 30, 255],
                     "tip": tip})
    return pd.DataFrame(rows)


def assignment_frame(scenario: Scenario, evaluation: Evaluation) -> pd.DataFrame:
    """A line from each open site to each ZIP3 it serves (the evaluation's own scenario)."""
    demand = evaluation.lanes.demand
    served = evaluation.site_index >= 0
    s = evaluation.site_index[served]
    site_lon = np.array([site.lon for site in scenario.sites])[s]
    site_lat = np.array([site.lat for site in scenario.sites])[s]
    return pd.DataFrame({
        "src": np.stack([site_lon, site_lat], axis=1).tolist(),
        "dst": np.stack([demand.lon[served], demand.lat[served]], axis=1).tolist()})


def outlines_data(scenario: Scenario) -> str | dict:
    """The lower 48 by URL from the app's own static files (fetched once by the browser, not
    re-sent and re-parsed on every rerun); the full set inline when AK, HI and territories
    are in the demand."""
    if scenario.demand.include_noncontiguous:
        return state_outlines(True)
    return LOWER48_URL


def network_deck(scenario: Scenario, lanes, evaluation: Evaluation | None = None,
                 selected_zip3: str | None = None, selected_site: str | None = None,
                 basemap: bool = False, view: pdk.ViewState = VIEW, wheel_zoom: bool = False,
                 view_id: str = "map") -> pdk.Deck:
    """The whole map; `evaluation` (of this same scenario) adds delivery-day colours, open
    sites and assignment lines; `basemap` puts CARTO's tiles underneath; `view` where it
    starts (a narrower map needs a lower zoom to hold the lower 48), `wheel_zoom` whether the
    mouse wheel zooms, a new `view_id` puts it back at `view` (module docstring)."""
    layers = [pdk.Layer("GeoJsonLayer", outlines_data(scenario), id="states", stroked=True,
                        filled=True, get_fill_color=list(STATE_FILL_RGB) + [
                            STATE_FILL_ALPHA_OVER_TILES if basemap else 255],
                        get_line_color=[120, 130, 145], line_width_min_pixels=1,
                        pickable=False)]
    zips = zip3_frame(scenario, lanes, evaluation)
    if evaluation is not None:
        layers.append(pdk.Layer("LineLayer", records(assignment_frame(scenario, evaluation)),
                                id="assignment", get_source_position="src",
                                get_target_position="dst", get_color=[40, 40, 60, 60],
                                get_width=1, pickable=False))
    layers.append(pdk.Layer("ScatterplotLayer", records(zips, ZIP3_SENT), id=ZIP3_LAYER,
                            get_position=["lon", "lat"], get_radius="radius",
                            radius_units="'meters'", radius_min_pixels=2, get_fill_color="color",
                            stroked=True, get_line_color=[60, 60, 60, 140],
                            line_width_min_pixels=0.5, pickable=True, auto_highlight=True))
    sites = site_frame(scenario, evaluation)
    layers.append(pdk.Layer("ScatterplotLayer", records(sites, SITE_SENT), id=SITE_LAYER,
                            get_position=["lon", "lat"], get_radius="radius",
                            radius_units="'pixels'", get_fill_color="color",
                            stroked=True, get_line_color="line", line_width_units="'pixels'",
                            get_line_width=2, pickable=True, auto_highlight=True))
    layers += _highlight_layers(zips, sites, selected_zip3, selected_site)
    opened = sites[sites["open"]]
    if not opened.empty:
        layers.append(pdk.Layer("TextLayer", records(opened, ["label", "lon", "lat"]),
                                id="site-labels", get_position=["lon", "lat"],
                                get_text="label", get_size=15, get_color=[0, 0, 0, 255],
                                get_pixel_offset=[0, -22], background=True,
                                get_background_color=[255, 255, 255, 225],
                                background_padding=[4, 2], font_weight=700, pickable=False,
                                font_family="'Source Sans Pro, Helvetica, Arial, sans-serif'"))
    style = {"map_style": None} if basemap else {}  # see the module docstring
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None,
                       tooltip=TOOLTIP, views=[map_view(wheel_zoom, view_id)], **style)


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """The rows of `frame`'s `columns` (all by default) as the list of dicts a layer sends:
    what pydeck would make of the frame itself (`DataFrame.to_dict(orient="records")`, the
    same JSON), built from each column's `tolist()` in a third of the time (the Designer builds
    a map after every solve, on the edit's round trip)."""
    columns = list(frame.columns) if columns is None else columns
    return [dict(zip(columns, row, strict=True))
            for row in zip(*(frame[c].tolist() for c in columns), strict=True)]


def map_view(wheel_zoom: bool = False, view_id: str = "map") -> pdk.View:
    """The deck's one MapView, with its controller settings (CONTROLLER)."""
    return pdk.View(type="MapView", id=view_id, controller=CONTROLLER | {"scrollZoom": wheel_zoom})


class CompactDeck(pdk.Deck):
    """A Deck whose JSON (what st.pydeck_chart sends to the browser) has no indentation:
    pydeck indents by 2, which is a third of the map's payload. Made once: a deck kept for
    the next runs (ui.state.derived) is not serialised again."""

    def to_json(self) -> str:
        if getattr(self, "_json", None) is None:
            self._json = json.dumps(self, sort_keys=True, default=default_serialize,
                                    separators=(",", ":"))
        return self._json


def _highlight_layers(zips: pd.DataFrame, sites: pd.DataFrame, selected_zip3: str | None,
                      selected_site: str | None) -> list[pdk.Layer]:
    """A yellow ring around the selected ZIP3 or site."""
    if selected_zip3 is None and selected_site is None:
        return []
    picked = pd.concat([zips.loc[zips["zip3"] == selected_zip3, ["lon", "lat"]],
                        sites.loc[sites["site_id"] == selected_site, ["lon", "lat"]]])
    if picked.empty:
        return []
    return [pdk.Layer("ScatterplotLayer", records(picked), id="selected",
                      get_position=["lon", "lat"], get_radius=16, radius_units="'pixels'",
                      filled=False, stroked=True,
                      get_line_color=list(SELECTED_RGB) + [255], line_width_units="'pixels'",
                      get_line_width=4, pickable=False)]


def frequency_deck(scenario: Scenario, frequency: pd.DataFrame, basemap: bool = False
                   ) -> pdk.Deck:
    """How often each site is in a demand draw's optimal network (network.explore's
    site_frequency_frame): circle size and darkness by the share of draws, a red ring round
    the current design's sites, the share written beside the sites chosen in a fifth or more
    of the draws."""
    sites = frequency.copy()
    share = sites["share_of_draws"].fillna(0.0).astype(float)
    sites["radius"] = np.round(5 + 17 * np.sqrt(share)).astype(int)
    sites["color"] = [[20, 60, 120, int(60 + 195 * s)] if s > 0 else list(CANDIDATE_RGB) + [255]
                      for s in share]
    sites["line"] = [list(FREQUENCY_CURRENT_RGB) + [255] if c else [30, 30, 30, 255]
                     for c in sites["in_current_design"]]
    sites["width"] = [4 if c else 1 for c in sites["in_current_design"]]
    sites["label"] = [f"{short_name(n)} {fmt.pct(s, 0)}" for n, s in zip(sites["name"], share,
                                                                        strict=True)]
    sites["tip"] = [f"{n} ({i})\nin {d} draws' optimum ({fmt.pct(s, 0)})"
                    + ("\nin the current design" if c else "")
                    for n, i, d, s, c in zip(sites["name"], sites["site_id"],
                                             sites["draws_open"], share,
                                             sites["in_current_design"], strict=True)]
    layers = [pdk.Layer("GeoJsonLayer", outlines_data(scenario), id="states", stroked=True,
                        filled=True, get_fill_color=list(STATE_FILL_RGB) + [
                            STATE_FILL_ALPHA_OVER_TILES if basemap else 255],
                        get_line_color=[120, 130, 145], line_width_min_pixels=1,
                        pickable=False),
              pdk.Layer("ScatterplotLayer", sites[["site_id", "lon", "lat", "radius", "color",
                                                   "line", "width", "tip"]],
                        id="frequency", get_position=["lon", "lat"], get_radius="radius",
                        radius_units="'pixels'", get_fill_color="color", stroked=True,
                        get_line_color="line", line_width_units="'pixels'",
                        get_line_width="width", pickable=True, auto_highlight=True)]
    chosen = sites[share >= 0.2]
    if not chosen.empty:
        layers.append(pdk.Layer("TextLayer", chosen[["label", "lon", "lat"]], id="labels",
                                get_position=["lon", "lat"], get_text="label", get_size=14,
                                get_color=[0, 0, 0, 255], get_pixel_offset=[0, -24],
                                background=True, get_background_color=[255, 255, 255, 225],
                                background_padding=[4, 2], font_weight=700, pickable=False,
                                font_family="'Source Sans Pro, Helvetica, Arial, sans-serif'"))
    style = {"map_style": None} if basemap else {}
    return CompactDeck(layers=layers, initial_view_state=VIEW, map_provider=None,
                       tooltip=TOOLTIP, **style)
