"""The app's pure parts: number formatting and the map's layers (no Streamlit session)."""

from __future__ import annotations

import json

import pytest

from network.evaluate import Design, evaluate
from network.lanes import build_lanes
from network.scenario_file import load_default_scenario
from ui import fmt, maps


@pytest.fixture(scope="module")
def default():
    return load_default_scenario()


def test_numbers_read_as_a_planner_expects():
    """USD with thousands separators, cents per order, days with one decimal, percentages."""
    assert fmt.usd(861_568_620.4) == "$861,568,620"
    assert fmt.usd_cents(17.2314) == "$17.23"
    assert fmt.days(1.94) == "1.9 days"
    assert fmt.pct(0.9) == "90.0%"
    assert fmt.signed_usd(-6_037_477) == "-$6,037,477"
    assert fmt.signed_points(0.025) == "+2.5 pts"
    assert fmt.usd_millions(432_100_000) == "$432.1M"
    # a KPI card holds "$999,999,999"; past it, billions with two decimals
    assert fmt.usd_card(983_100_547.2) == "$983,100,547"
    assert fmt.usd_card(999_999_999.6) == "$1.00B"
    assert fmt.usd_card(4_838_407_123) == "$4.84B"
    assert all(fmt.is_zero_change(t) for t in ("+$0", "-$0.00", "+0.0 days", "-0.0 pts", "+0"))
    assert not any(fmt.is_zero_change(t) for t in ("+$10", "-$0.01", "+0.1 days", "+1"))


def test_map_layers_before_a_solve(default):
    """Outlines by URL, pickable ZIP3 and site layers with ids, tooltips as plain text."""
    deck = json.loads(maps.network_deck(default, build_lanes(default)).to_json())
    layers = {layer["id"]: layer for layer in deck["layers"]}
    assert layers["states"]["data"] == maps.LOWER48_URL
    assert layers[maps.ZIP3_LAYER]["pickable"] and layers[maps.SITE_LAYER]["pickable"]
    assert layers[maps.ZIP3_LAYER]["radiusUnits"] == "meters"
    assert "assignment" not in layers
    assert "<" not in layers[maps.ZIP3_LAYER]["data"][0]["tip"]
    # No basemap unless asked for: pydeck's token, which Streamlit reads as "none" (None would
    # make Streamlit fetch CARTO's tiles from the internet).
    assert deck.get("mapProvider") is None and deck["mapStyle"] == "__MAP_STYLE__"
    assert layers["states"]["getFillColor"][3] == 255
    tiled = json.loads(maps.network_deck(default, build_lanes(default), basemap=True).to_json())
    assert tiled.get("mapStyle") is None  # Streamlit's basemap
    tiled_states = next(layer for layer in tiled["layers"] if layer["id"] == "states")
    assert tiled_states["getFillColor"][3] < 255  # the tiles show through


def test_map_layers_after_a_design(default):
    """A design colours ZIP3s by delivery days, draws lines and labels the open sites."""
    lanes = build_lanes(default)
    evaluation = evaluate(default, Design(("ONT", "ORD", "MDT")), lanes)
    deck = json.loads(maps.network_deck(default, lanes, evaluation).to_json())
    layers = {layer["id"]: layer for layer in deck["layers"]}
    assert len(layers["assignment"]["data"]) == int((evaluation.site_index >= 0).sum())
    assert {row["label"] for row in layers["site-labels"]["data"]} == {
        "Inland Empire", "Chicago", "Harrisburg"}
    colours = {tuple(row["color"][:3]) for row in layers[maps.ZIP3_LAYER]["data"]}
    assert colours <= set(maps.DAY_RGB.values()) | {maps.CROSS_BORDER_RGB}
    labels = [label for _, label in maps.legend_items(evaluation)]
    assert labels[0] == "1 day" and "open site" in labels


def test_serve_warm_up_fills_the_caches_and_never_raises(monkeypatch):
    """ui/serve.py's warm-up (what `make run` starts beside the server) loads the default
    scenario's lanes into the app's cache, and a failure only returns False."""
    import sys

    from ui import data, serve

    data.lanes_for.clear()
    built = []
    real_build = data.build_lanes
    monkeypatch.setattr(data, "build_lanes", lambda s: built.append(s) or real_build(s))
    usual = sys.getswitchinterval()
    assert serve.warm_caches()
    assert len(built) == 1
    data.lanes(data.default_scenario())  # the page's call: answered from the cache
    assert len(built) == 1
    assert sys.getswitchinterval() == usual

    def broken(_scenario):
        raise RuntimeError("lanes failed")

    data.lanes_for.clear()
    monkeypatch.setattr(data, "build_lanes", broken)
    assert serve.warm_caches() is False
    assert sys.getswitchinterval() == usual


def test_serve_warm_up_freezes_what_it_loaded():
    """The warm-up ends by moving what it loaded out of the garbage collector's reach
    (`serve.freeze_loaded`): Streamlit's full collection after every run then no longer walks
    the server's modules and data while the run's last elements wait to be sent. Objects made
    after it are collected as before."""
    import gc

    from ui import serve

    gc.unfreeze()
    try:
        assert serve.warm_caches()
        assert gc.get_freeze_count() > 10_000  # the modules' functions, classes, the data
        later = [[]]
        assert gc.is_tracked(later) and any(o is later for o in gc.get_objects())
    finally:
        gc.unfreeze()


def test_serve_turns_the_file_watcher_off_unless_asked():
    """`make run` serves planners: no file watcher walking the modules while the browser loads
    the map (BENCHMARKS.md, App); an explicit option still wins."""
    from ui import serve

    args = serve.streamlit_args(["--server.port", "9000"])
    assert args[:3] == ["streamlit", "run", str(serve.APP)]
    assert args[args.index("--server.fileWatcherType") + 1] == "none"
    assert args[-2:] == ["--server.port", "9000"]
    mine = serve.streamlit_args(["--server.fileWatcherType", "auto"])
    assert mine.count("--server.fileWatcherType") == 1 and mine[-1] == "auto"


def test_serve_skips_a_component_scan_that_would_find_nothing(monkeypatch):
    """`make run` skips Streamlit's scan of the installed packages for "components v2" (0.1 s
    before the server listens): that holds only while the app uses none and no installed
    package provides one, which the real scan confirms here. The skipped step still starts
    the component file watcher, as the real one does after its scan."""
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.components.v2.manifest_scanner import scan_component_manifests

    from ui import serve

    assert scan_component_manifests() == []
    monkeypatch.setattr(BidiComponentManager, "discover_and_register_components",
                        BidiComponentManager.discover_and_register_components)  # undone after
    watched = []
    monkeypatch.setattr(BidiComponentManager, "start_file_watching",
                        lambda self: watched.append(self))
    serve.skip_component_scan()
    manager = BidiComponentManager()
    manager.discover_and_register_components()
    manager.discover_and_register_components(start_file_watching=False)
    assert watched == [manager]


def test_serve_loads_the_map_code_once_the_page_has_loaded(tmp_path):
    """`make run` serves Streamlit's frontend with an index.html that, after the page's own
    scripts, imports the map element's chunk (by the same relative URL as Streamlit's own
    files) and holds the app's no-motion style from the first paint; every other file is
    Streamlit's own, and without a map chunk the page only gains the style."""
    from ui import serve
    from ui.style import NO_MOTION_CSS

    static = tmp_path / "streamlit"
    js = static / "static" / "js"
    js.mkdir(parents=True)
    index = ('<html><head><script type="module" src="./static/js/index.A1.js"></script>'
             "</head><body></body></html>")
    (static / "index.html").write_text(index)
    (static / "favicon.png").write_bytes(b"png")
    (js / "index.A1.js").write_text("page")
    (js / "Other.G7.js").write_text("another element's chunk")
    style = f"<style>{NO_MOTION_CSS}</style>"
    plain = serve.preloading_static_dir(static, tmp_path / "plain")
    assert (plain / "index.html").read_text() == index.replace("</head>", style + "</head>")
    (js / "DeckGlJsonChart.B2.js").write_text("the map")
    folder = serve.preloading_static_dir(static, tmp_path / "served")
    assert (folder / "favicon.png").read_bytes() == b"png"
    assert (folder / "static" / "js" / "Other.G7.js").read_text() == "another element's chunk"
    script = ("<script>addEventListener('DOMContentLoaded',()=>import("
              '"./static/js/DeckGlJsonChart.B2.js").catch(()=>{}))</script>')
    assert (folder / "index.html").read_text() == index.replace("</head>",
                                                                style + script + "</head>")


def test_serve_finds_the_map_chunk_of_this_streamlit(tmp_path):
    """The early import reads Streamlit's hashed file names: with this Streamlit it names the
    map's chunk, one file that exists."""
    import re
    from pathlib import Path

    from streamlit import file_util

    from ui import serve

    static = Path(file_util.get_static_dir())
    page = serve.preloading_static_dir(static, tmp_path / "served").joinpath(
        "index.html").read_text()
    imported = re.findall(r"import\(\"\./(static/js/[^\"]+)\"\)", page)
    assert len(imported) == 1 and "DeckGlJsonChart." in imported[0]
    assert (static / imported[0]).is_file()


def test_the_operator_sets_the_designer_time_limit_and_a_bad_value_keeps_the_default(caplog):
    """$NETWORK_SOLVE_TIME_LIMIT_S: seconds in (0, 3600]; anything else keeps 60 s and says so
    in the server's log, naming the variable and the value (the app still starts)."""
    from ui.data import DEFAULT_SOLVE_TIME_LIMIT_S, TIME_LIMIT_ENV, solve_time_limit_s

    assert solve_time_limit_s(None) == DEFAULT_SOLVE_TIME_LIMIT_S
    assert solve_time_limit_s("  ") == DEFAULT_SOLVE_TIME_LIMIT_S
    assert solve_time_limit_s("20") == 20.0
    assert solve_time_limit_s(" 7.5 ") == 7.5
    for bad in ("0", "-3", "abc", "nan", "inf", "3601"):
        caplog.clear()
        assert solve_time_limit_s(bad) == DEFAULT_SOLVE_TIME_LIMIT_S
        assert TIME_LIMIT_ENV in caplog.text and repr(bad) in caplog.text


def test_the_status_container_skips_only_streamlits_sleep(monkeypatch):
    """ui.solve takes Streamlit's 50 ms sleep out of making a status; any other use of `time`
    in that module reaches the real one (a Streamlit upgrade that reads the clock there must
    still get a clock)."""
    import time

    from streamlit.elements.lib import mutable_status_container

    import ui.solve  # noqa: F401  (its import makes the change)

    def real_sleep(_seconds):
        raise AssertionError("the real sleep was called")

    monkeypatch.setattr(time, "sleep", real_sleep)
    mutable_status_container.time.sleep(0.05)
    assert mutable_status_container.time.perf_counter is time.perf_counter
    assert mutable_status_container.time.monotonic is time.monotonic
