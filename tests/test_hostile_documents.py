"""Hostile scenario documents and links (issue 18, section 1): the scenario JSON reader, files
imported on the command line and in the app, and share links. Every case ends in a clear
message or a valid result, never a traceback or an exit code other than 0 or 2, and a refused
import or link leaves the store as it was.

Case counts: `pytest tests/test_hostile_documents.py --hypothesis-show-statistics`; more cases:
HYPOTHESIS_PROFILE=thorough (RELIABILITY.md).
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest
from test_app import APP, SMALL_SITES, TIMEOUT_S

from network.errors import InputError
from network.evaluate import Design
from network.export.content import with_design
from network.export.scenario_json import ImportedScenario, design_json
from network.lanes import build_lanes
from network.scenario import Scenario
from network.scenario_file import (
    DEFAULT_SCENARIO_FILE,
    check_scenario,
    load_default_scenario,
    load_scenario,
    scenario_from_json,
    scenario_to_json,
)
from network.store import ENV_VAR, ScenarioStore, open_store
from network.tables import DATA_DIR
from ui import library, links
from ui.export_import import import_upload
from ui.saved import version_content

import hostile
from hostile import budget, clear_outcome, unchanged


@cache
def small() -> Scenario:
    default = load_default_scenario()
    return default.with_changes(name="Hostile import", sites=tuple(
        s for s in default.sites if s.site_id in SMALL_SITES))


@cache
def exported_document() -> dict:
    """The small scenario with a design (the ZIP3s served in turn by two sites, by the first
    service) as the app exports it: a document an import accepts as it is."""
    scenario = small()
    open_ids = scenario.site_ids[:2]
    assignment = tuple((z, open_ids[i % 2], scenario.service_ids[0])
                       for i, z in enumerate(build_lanes(scenario).demand.zip3))
    return json.loads(design_json(with_design(scenario, Design(open_ids, assignment))))


@cache
def default_document() -> dict:
    """The default scenario file as written: it refers to the sites and rate-card files."""
    return json.loads(DEFAULT_SCENARIO_FILE.read_text())


def valid_scenario(result: Scenario) -> None:
    assert isinstance(result, Scenario)
    check_scenario(result)
    assert result.sites and result.services


def valid_import(result: ImportedScenario) -> None:
    valid_scenario(result.content.scenario)
    if result.content.design is not None:
        total = result.content.evaluation.kpis.total_cost_usd
        assert total == total and total >= 0  # evaluate() computed it: finite, not negative


def store_snapshot(store: ScenarioStore) -> list:
    """Everything the store holds that a planner sees: each scenario, its versions' inputs,
    designs, KPIs and notes."""
    return sorted((s.scenario_id, s.name, [
        (v.version, store.open_version(s.scenario_id, v.version).content)
        for v in store.history(s.scenario_id)]) for s in store.list_scenarios())


def documents(document: dict) -> st.SearchStrategy[bytes]:
    """A document with one hostile change (hostile.json_texts), in UTF-8 with or without a
    byte-order mark, or bytes that are not a document at all."""
    as_text = hostile.json_texts(document)
    return st.one_of(
        as_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        as_text.map(lambda t: b"\xef\xbb\xbf" + t.encode("utf-8", "surrogatepass")),
        hostile.hostile_bytes(),
    )


# ---------------------------------------------------------------------------------------------
# The scenario JSON reader


@pytest.mark.parametrize("ref", ["x\x00y", "x" * 5000])
def test_a_file_reference_the_file_system_cannot_name_is_a_clear_problem(ref):
    """A reference with a NUL byte or longer than a file name may be (both found by the
    property test below) names its field, not a ValueError or OSError from the path."""
    document = default_document()
    document["rate_cards_dir"] = ref
    with pytest.raises(InputError) as err:
        scenario_from_json(json.dumps(document))
    assert "rate_cards_dir" in str(err.value) and "not a usable file name" in str(err.value)


@settings(max_examples=budget())
@given(text=hostile.json_texts(default_document()))
def test_scenario_json_text(text):
    """scenario_from_json (saved versions, tests) on any document: a checked scenario or a
    message."""
    clear_outcome(lambda: scenario_from_json(text), valid=valid_scenario)


@settings(max_examples=budget())
@given(data=documents(default_document()))
def test_scenario_file_on_disk(data):
    """load_scenario (the CLI's scenario argument, $NETWORK_SCENARIO) on any file bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenarios" / "scenario.json"
        path.parent.mkdir()
        path.write_bytes(data)
        for name in ("candidate_sites.csv", "rate_cards"):  # ../ as in the default, linked to
            (Path(folder) / name).symlink_to(DATA_DIR / name)  # the data folder: allowed
        clear_outcome(lambda: load_scenario(path), valid=valid_scenario)


# ---------------------------------------------------------------------------------------------
# Imports: the command and the app's uploader


@settings(max_examples=budget(0.5))
@given(data=documents(exported_document()),
       suffix=st.sampled_from([".json", ".json", ".JSON", ".txt", ".csv"]))
def test_cli_import_any_file(data, suffix):
    """`python -m network import` on any file: exit 0 with one new scenario (the versions
    already stored unchanged) or exit 2 with the store exactly as it was."""
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "scenarios.db")
        store = open_store(db)
        store.create("Already here", version_content(small(), None, note="kept"))
        before = store_snapshot(store)
        path = Path(folder) / f"import{suffix}"
        path.write_bytes(data)
        run = hostile.cli(["import", str(path), "--db", db])
        after = store_snapshot(store)
        store.close()
    if run.code == 2:
        assert after == before
    else:
        assert after[: len(before)] == before and len(after) == len(before) + 1
        assert "stored '" in run.out


@settings(max_examples=budget())
@given(data=documents(exported_document()),
       name=st.sampled_from(["export.json", "EXPORT.JSON", "sites.csv", "scenario", "x.json"]))
def test_app_import_any_upload(data, name):
    """The app's 'Open a scenario file' reader on any upload: a checked scenario (with its
    design evaluated) or a message; the session's scenario is not touched by reading."""
    current = small()
    with unchanged(current):
        outcome = clear_outcome(lambda: import_upload(data, name), valid=valid_import)
    if not outcome.rejected:
        event("imported with a design" if outcome.result.content.design else
              "imported without a design")


def test_clean_export_is_imported():
    """The document the hostile ones are made from is accepted (so acceptance is tried)."""
    imported = import_upload(json.dumps(exported_document()).encode(), "export.json")
    assert imported.content.design is not None


# ---------------------------------------------------------------------------------------------
# Share links


@pytest.fixture(scope="module")
def linked_store(tmp_path_factory):
    """The app's store for the link cases: one saved version of the small scenario."""
    db = str(tmp_path_factory.mktemp("links") / "scenarios.db")
    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = db
    library.forget_openings()
    store = open_store(db)
    saved = store.create("Linked", version_content(small(), None, note="for links"))
    store.close()
    yield db, saved.scenario_id
    library.flush_autosaves()
    library.forget_openings()
    os.environ[ENV_VAR] = before if before is not None else ""
    if before is None:
        del os.environ[ENV_VAR]


LINK_VALUES = st.one_of(hostile.number_texts(), hostile.words(80),
                        st.integers(-10**30, 10**30).map(str),
                        st.sampled_from(["1", "2", "01", "\u0661", "1_0", "1e3", "0x1", " 1"]))
LINK_PARAMS = st.dictionaries(
    st.sampled_from([links.WORK, links.SCENARIO, links.VERSION, "page", "embed", ""]),
    LINK_VALUES, max_size=4)


@settings(max_examples=budget(2))
@given(params=LINK_PARAMS)
def test_link_parameters_are_read_or_named(params):
    """Any query parameters: ids are positive ASCII numbers the store can hold, the rest is a
    problem sentence (plain text, no control characters) and is ignored."""
    link = links.parsed_link(params)
    for number in (link.scenario_id, link.version):
        assert number is None or 1 <= number < 2**63
    if link.version is not None:
        assert link.scenario_id is not None
    for problem in link.problems:
        assert problem.isprintable() and len(problem) < 300 and "Traceback" not in problem
    given_ids = [params.get(k) for k in (links.SCENARIO, links.VERSION)]
    read_ids = [link.scenario_id, link.version]
    for text, number in zip(given_ids, read_ids, strict=True):
        if text is not None and number is None:
            assert link.problems  # an unusable id is said, not silently dropped
    event("link refused in part" if link.problems else "link read")


@settings(max_examples=budget(0.2))
@given(params=LINK_PARAMS, data=st.data())
def test_app_opens_any_link(params, data, linked_store):
    """The app started from any link: no exception, the store unchanged (a link only reads),
    and the session on the default scenario or the saved version the link names."""
    db, saved_id = linked_store
    if data.draw(st.booleans()):  # half the links name the saved scenario, maybe with junk
        params = {**params, links.SCENARIO: str(saved_id)}
    store = open_store(db)
    before = store_snapshot(store)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    library.flush_autosaves()
    after = store_snapshot(store)
    store.close()
    assert after == before
    shown = at.session_state["scenario"]
    assert shown == load_default_scenario() or scenario_to_json(shown) == scenario_to_json(
        small())


def test_a_link_to_a_number_past_the_store_s_integers_is_said_not_crashed(linked_store):
    """?scenario=10^30 once reached SQLite as an id (OverflowError); now it is a warning."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.query_params[links.SCENARIO] = "1" + "0" * 30
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("is not a saved scenario's number" in w.value for w in at.warning)
