"""The static files the app serves to the browser match the data they are made from."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_builder():
    spec = importlib.util.spec_from_file_location("build_app_static",
                                                  ROOT / "scripts" / "build_app_static.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lower48_outlines_match_the_data_file():
    """static/us_states_lower48.geojson is what scripts/build_app_static.py makes now."""
    builder = load_builder()
    committed = json.loads(builder.TARGET.read_text())
    assert committed == json.loads(builder.lower48_geojson())
    names = {f["properties"]["name"] for f in committed["features"]}
    assert len(names) == 49 and "Alaska" not in names and "District of Columbia" in names


def test_static_serving_is_enabled():
    """The map loads the outlines by URL, so the app must serve static/."""
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "enableStaticServing = true" in config


def test_no_forced_collection_after_each_run():
    """Streamlit's full garbage collection after every run holds the GIL while the run's last
    elements wait to be sent (ui/serve.py freeze_loaded): the app's config turns it off."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False

