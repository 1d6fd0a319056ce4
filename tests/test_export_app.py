"""The Designer's exports and the scenario import in the app (AppTest), and user text that
must show as text: in Markdown elements and in the map's tooltip data."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from network.errors import InputError
from network.export.content import from_result
from network.export.scenario_json import design_json
from network.scenario_file import load_default_scenario
from ui import export_import, maps, panels

APP = str(Path(__file__).resolve().parent.parent / "app.py")
XSS = "<img src=x onerror=alert(1)>"
SITES = ("SEA", "DFW", "MDT", "ORD", "ATL")


@pytest.fixture(scope="module")
def hostile():
    default = load_default_scenario()
    sites = [s for s in default.sites if s.site_id in SITES]
    sites[0] = replace(sites[0], name=XSS, site_id="**X**")
    return default.with_changes(name=f"[click](javascript:alert(3)) {XSS}", sites=tuple(sites),
                                constraints=replace(default.constraints,
                                                    forced_open=("**X**",)))


def start(scenario) -> AppTest:
    """The Designer on `scenario`, its "Export and import" section opened (a lazy expander:
    what a click on it does, which AppTest cannot do)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["scenario"] = scenario
    at.session_state[panels.EXPORT_EXPANDER_KEY] = True
    at.session_state[f"{panels.EXPORT_EXPANDER_KEY}_remembered"] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def solve(at: AppTest) -> AppTest:
    """Press Solve and wait for the result on the page (the solve runs in the background)."""
    from test_app import click_solve

    return click_solve(at)


def markdown_texts(at: AppTest) -> list[str]:
    return [m.value for kind in ("markdown", "caption", "success", "info", "error", "warning")
            for m in getattr(at, kind)]


def test_user_text_is_escaped_in_the_designers_markdown(hostile):
    """The scenario's and site's names show literally: every Markdown element that holds one
    holds it escaped (no link, no HTML, no emphasis)."""
    at = solve(start(hostile))
    texts = markdown_texts(at)
    assert any("\\[click\\](javascript\\:alert(3))" in t for t in texts)
    for text in texts:
        assert XSS not in text and "[click](" not in text and "**X**" not in text


def test_the_map_tooltip_is_text_not_html(hostile):
    """The tooltip template is deck.gl's `text` (shown as text), never `html`, and a site's
    tip holds its name as typed."""
    assert "html" not in maps.TOOLTIP and maps.TOOLTIP["text"] == "{tip}"
    tips = maps.site_frame(hostile, None)["tip"]
    assert tips.iloc[0].startswith(XSS)


def test_every_export_button_is_there_and_needs_a_solve_where_it_shows_a_design(hostile):
    at = start(hostile)
    buttons = {b.proto.label: b.proto.disabled for b in at.get("download_button")}
    assert buttons == {"Scenario and design (JSON)": False, "Sites (CSV)": False,
                       "Lanes per ZIP3 (CSV)": True, "Map layers (GeoJSON)": True,
                       "Workbook (Excel)": True, "Report (HTML)": True}
    solve(at)
    assert not any(b.proto.disabled for b in at.get("download_button"))
    record = at.session_state["result"]
    day = date(2025, 6, 1)
    for _, fmt, part, _ in export_import.BUTTONS:  # what each button's click makes
        data = export_import._maker(hostile, record, fmt, part, day)()
        assert data and (fmt.value != "json" or json.loads(data)["design"])


def test_opening_a_scenario_file_replaces_the_scenario_and_undo_brings_it_back(hostile):
    """A checked file replaces the scenario and shows its design without solving; Undo goes
    back. The file's own solver claims are shown as the file's."""
    from network.optimize import optimize

    at = start(load_default_scenario())
    before = at.session_state["scenario"]
    text = design_json(from_result(hostile, optimize(hostile)))
    uploader = at.file_uploader(key=export_import.IMPORT_KEY)
    uploader.set_value(("meeting.json", text.encode(), "application/json")).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["scenario"] == hostile
    assert at.session_state["result"].result.evaluation is not None  # shown, not solved
    assert any("as the file says its solver found it" in t for t in markdown_texts(at))
    at.button(key="undo_button").click().run()
    assert at.session_state["scenario"] == before


def test_a_bad_scenario_file_leaves_the_scenario_as_it_was(hostile):
    at = start(hostile)
    from network.optimize import optimize

    doc = json.loads(design_json(from_result(hostile, optimize(hostile))))
    doc["sites"][1]["lat"] = 123
    doc["design"]["open_site_ids"].append("NOPE")
    uploader = at.file_uploader(key=export_import.IMPORT_KEY)
    uploader.set_value(("bad.json", json.dumps(doc).encode(), "application/json")).run()
    assert not at.exception
    assert at.session_state["scenario"] == hostile
    error = " ".join(e.value for e in at.error).replace("\\", "")
    assert "the current scenario is kept" in error
    assert "row 2, field 'sites.lat'" in error


def test_a_csv_opened_as_a_scenario_says_where_it_goes():
    with pytest.raises(InputError, match="a sites CSV goes under Candidate sites"):
        export_import.import_upload(b"name,zip\n", "s.csv")
