"""Cached data for the app: the default scenario, state outlines, lanes and solves.

Scenarios are immutable, so `scenario_key(scenario)`, the digest of their whole content
(network.scenario.content_digest), identifies one; the cached functions take the scenario
itself with a leading underscore (not hashed by Streamlit) plus that key. Solves are cached
across sessions too: the optimizer is deterministic, so the same scenario gives the same answer
and a second look costs nothing.
"""

from __future__ import annotations

import csv
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

import streamlit as st

from network.lanes import LaneTable, build_lanes
from network.scenario import Scenario, content_digest
from network.scenario_file import load_default_scenario, load_scenario

STATES_FILE = Path(__file__).resolve().parent.parent / "data" / "us_states.geojson"
ZIP3_PLACES_FILE = STATES_FILE.parent / "us_zip3_places.csv"
DEFAULT_SOLVE_TIME_LIMIT_S = 60.0  # interactive: a planner waits at most this long for an answer
TIME_LIMIT_ENV = "NETWORK_SOLVE_TIME_LIMIT_S"  # the server's operator may set another limit
SCENARIO_ENV = "NETWORK_SCENARIO"  # a scenario JSON to start the app on instead of the default
SOLVE_CACHE_SIZE = 64
NONCONTIGUOUS = {"Alaska", "Hawaii", "Puerto Rico", "Guam", "United States Virgin Islands",
                 "American Samoa", "Commonwealth of the Northern Mariana Islands"}


def solve_time_limit_s(value: str | None) -> float:
    """The Designer's solve time limit from $NETWORK_SOLVE_TIME_LIMIT_S's text: seconds, more
    than 0 and at most an hour; unset, empty or anything else gives the default (and a warning
    in the server's log naming the variable and the value, so the app still starts)."""
    if value is None or not value.strip():
        return DEFAULT_SOLVE_TIME_LIMIT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds <= 3600:  # also NaN
        logging.getLogger(__name__).warning(
            "%s=%r is not a number of seconds between 0 and 3600: the limit stays %g s",
            TIME_LIMIT_ENV, value, DEFAULT_SOLVE_TIME_LIMIT_S)
        return DEFAULT_SOLVE_TIME_LIMIT_S
    return seconds


SOLVE_TIME_LIMIT_S = solve_time_limit_s(os.environ.get(TIME_LIMIT_ENV))


def scenario_key(scenario: Scenario) -> str:
    return content_digest(scenario)


@st.cache_resource(show_spinner=False)
def default_scenario() -> Scenario:
    """The scenario a new session starts on: $NETWORK_SCENARIO if set, else the default."""
    path = os.environ.get(SCENARIO_ENV)
    return load_scenario(path) if path else load_default_scenario()


@st.cache_data(show_spinner=False)
def state_outlines(include_noncontiguous: bool = False) -> dict:
    """US state outlines (data/us_states.geojson, from us-atlas) as a GeoJSON dict; the lower
    48 and DC unless Alaska, Hawaii and the territories are in the demand."""
    import geopandas as gpd  # here: importing it costs 0.4 s and most maps load the URL

    frame = gpd.read_file(STATES_FILE)[["name", "geometry"]]
    if not include_noncontiguous:
        frame = frame[~frame["name"].isin(NONCONTIGUOUS)]
    return frame.__geo_interface__


@st.cache_data(show_spinner=False)
def zip3_place_names() -> dict[str, str]:
    """ZIP3 -> its largest embedded place ('Hempstead, NY'), for tooltips and buttons: from
    data/us_zip3_places.csv, which data/build_lookups.py derives from the place list (reading
    the 1 MB list with pandas on every server's first page cost 0.05-0.08 s)."""
    with ZIP3_PLACES_FILE.open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)  # header: zip3, place
        return {zip3: place for zip3, place in rows}


@st.cache_resource(show_spinner=False, max_entries=32)
def lanes_for(_scenario: Scenario, key: str) -> LaneTable:
    return build_lanes(_scenario)


def lanes(scenario: Scenario) -> LaneTable:
    return lanes_for(scenario, scenario_key(scenario))


# ---------------------------------------------------------------------------------------------
# Solves: a small store shared by all sessions. The solve itself runs in a session's solve
# thread (ui.background), and its result is stored from the page; a plain locked dict.


@st.cache_resource(show_spinner=False)
def _solve_store() -> tuple[threading.Lock, OrderedDict]:
    return threading.Lock(), OrderedDict()


def cached_solve(key: str):
    lock, store = _solve_store()
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    return None


def remember_solve(key: str, result) -> None:
    lock, store = _solve_store()
    with lock:
        store[key] = result
        while len(store) > SOLVE_CACHE_SIZE:
            store.popitem(last=False)


def solve_params():
    from network.optimize.result import SolveParams  # ortools loads with it: 0.8 s

    return SolveParams(time_limit_s=SOLVE_TIME_LIMIT_S)
