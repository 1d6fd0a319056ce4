"""The scenario store's API on SQLite and PostgreSQL: round trip, library, rename, duplicate,
delete, conflicts, names, bad content, read-only, where the store lives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from store_helpers import content

from network.errors import InputError
from network.evaluate import CROSS_BORDER, Design, evaluate, kpis_dict
from network.scenario_file import scenario_from_json, scenario_to_json
from network.store import (
    NameTaken,
    ScenarioNotFound,
    SolveSummary,
    StaleDeletePlan,
    StoreReadOnly,
    StoreUnavailable,
    VersionConflict,
    VersionContent,
    open_store,
    resolve_location,
)
from network.store.location import DEFAULT_PATH, ENV_VAR


@pytest.fixture(scope="module")
def solved_content(default_scenario, default_lanes) -> VersionContent:
    """The default scenario with a real three-site design, its KPIs and a solver outcome."""
    evaluation = evaluate(default_scenario, Design(("SEA", "DFW", "EWR")), default_lanes)
    lanes = evaluation.lanes
    assignment = tuple(
        (z, CROSS_BORDER, "") if s < 0 else (z, lanes.site_ids[s], lanes.service_ids[k])
        for z, s, k in zip(lanes.demand.zip3, evaluation.site_index, evaluation.service_index,
                           strict=True))
    return VersionContent(scenario_to_json(default_scenario),
                          Design(("SEA", "DFW", "EWR"), assignment), kpis_dict(evaluation),
                          SolveSummary("feasible", 0.0123, 1.5e8), "three coasts, <b>bold</b>")


@pytest.fixture
def store(store_db):
    store = open_store(store_db)
    yield store
    store.close()


def test_round_trip_keeps_every_field(store, solved_content):
    """A saved version reads back equal in every field: inputs byte for byte, design, KPIs,
    solver status, gap, bound and note, with its UTC save time."""
    before = datetime.now(UTC)
    ref = store.create("Three coasts", solved_content)
    opened = store.open_version(ref.scenario_id)
    assert opened.content == solved_content
    assert opened.content.scenario_json == solved_content.scenario_json
    assert (opened.name, opened.version, opened.latest_version) == ("Three coasts", 1, 1)
    assert opened.saved_at == ref.saved_at
    assert opened.saved_at.tzinfo == UTC
    assert before - timedelta(seconds=1) <= opened.saved_at <= datetime.now(UTC)
    assert len(opened.content.design.assignment) == 881
    assert scenario_from_json(opened.content.scenario_json).name == "Default US network " \
        "(lower 48)"


def test_unsolved_scenario_round_trips(store):
    """Inputs alone (before any solve) save and read back with no design, KPIs or solve."""
    bare = VersionContent(json.dumps({"format_version": 1, "name": "draft"}))
    ref = store.create("Draft", bare)
    assert store.open_version(ref.scenario_id).content == bare
    summary = store.summary(ref.scenario_id)
    assert summary.latest.total_cost_usd is None and summary.latest.solver_status is None


def test_library_lists_latest_figures(store, solved_content):
    """The library row carries the latest version's cost, cost per order, sites and share
    within 2 days, the version count and save time; newest save first."""
    first = store.create("A", content(cost=100.0))
    store.save_version(first.scenario_id, content(cost=80.0, sites=("SEA", "EWR")),
                       based_on=1)
    second = store.create("B", solved_content)
    rows = store.list_scenarios()
    assert [r.name for r in rows] == ["B", "A"]
    b, a = rows
    assert (a.n_versions, a.latest_version) == (2, 2)
    assert a.latest.total_cost_usd == 80.0 and a.latest.cost_per_order_usd == 80.0 / 1e5
    assert a.latest.n_open_sites == 2 and a.latest.share_within_2_days == 0.75
    kpis = solved_content.kpis
    assert b.latest.total_cost_usd == kpis["total_cost_usd"]
    assert b.latest.share_within_2_days == kpis["share_within_days"]["2"]
    assert b.latest.solver_status == "feasible"
    assert b.latest.saved_at == second.saved_at
    assert store.find("  b ") == b


def test_share_within_two_days_when_every_order_is_faster(store):
    """KPIs whose slowest delivery is 1 day list no '2': the share within 2 days is all."""
    fast = content()
    kpis = {**fast.kpis, "share_within_days": {"1": 1.0}, "max_delivery_days": 1}
    ref = store.create("Fast", VersionContent(fast.scenario_json, fast.design, kpis))
    assert store.summary(ref.scenario_id).latest.share_within_2_days == 1.0


def test_versions_and_history(store):
    """Each save adds the next version; old versions stay readable, newest first in history."""
    ref = store.create("East", content("v1"))
    for n in (1, 2):
        store.save_version(ref.scenario_id, content(f"v{n + 1}"), based_on=n)
    assert [v.version for v in store.history(ref.scenario_id)] == [3, 2, 1]
    old = store.open_version(ref.scenario_id, 1)
    assert old.content.note == "v1" and old.latest_version == 3 and not old.is_latest
    with pytest.raises(ScenarioNotFound, match="no version 4"):
        store.open_version(ref.scenario_id, 4)


def test_conflicting_save_is_refused_with_both_ways_out(store):
    """Saving from version 1 after someone saved version 2 saves nothing and says how to go
    on; `force` then saves as version 3, and a copy under a new name works too."""
    ref = store.create("Plan", content("mine"))
    store.save_version(ref.scenario_id, content("theirs"), based_on=1)
    with pytest.raises(VersionConflict) as caught:
        store.save_version(ref.scenario_id, content("mine, edited"), based_on=1)
    message = str(caught.value)
    assert "you started from version 1" in message and "version 2 was saved" in message
    assert "as version 3" in message and "copy under a new name" in message
    assert caught.value.latest == 2
    assert [v.note for v in store.history(ref.scenario_id)] == ["theirs", "mine"]
    forced = store.save_version(ref.scenario_id, content("mine, edited"), based_on=1,
                                force=True)
    assert forced.version == 3
    copy = store.create("Plan (mine)", content("mine, edited"))
    assert store.open_version(copy.scenario_id).content.note == "mine, edited"


def test_saving_to_a_deleted_scenario_says_so(store):
    """A save to a scenario deleted meanwhile is refused with the way out (a copy)."""
    ref = store.create("Gone", content())
    store.delete(store.plan_delete(ref.scenario_id))
    with pytest.raises(ScenarioNotFound, match="deleted .* copy under a new name"):
        store.save_version(ref.scenario_id, content(), based_on=1)


def test_rename(store):
    """Rename keeps id and versions; a name in use (any case or spacing) is refused."""
    a = store.create("West", content())
    store.create("East", content())
    store.rename(a.scenario_id, "West coast")
    assert store.summary(a.scenario_id).name == "West coast"
    store.rename(a.scenario_id, "WEST COAST")  # its own name in another case
    with pytest.raises(NameTaken, match="'East' already exists"):
        store.rename(a.scenario_id, " east ")
    with pytest.raises(ScenarioNotFound):
        store.rename(999, "Nowhere")
    assert store.summary(a.scenario_id).name == "WEST COAST"


def test_create_refuses_a_taken_name(store):
    store.create("Base case", content())
    with pytest.raises(NameTaken, match="'Base case' already exists"):
        store.create("base   CASE", content())
    assert len(store.list_scenarios()) == 1


def test_duplicate_copies_one_version(store, solved_content):
    """Duplicate makes a new scenario whose version 1 is the chosen version's contents."""
    ref = store.create("Original", solved_content)
    store.save_version(ref.scenario_id, content("later"), based_on=1)
    copy = store.duplicate(ref.scenario_id, "Copy", version=1)
    opened = store.open_version(copy.scenario_id)
    assert opened.version == 1 and copy.scenario_id != ref.scenario_id
    assert opened.content.note == "copy of 'Original' version 1"
    assert opened.content.scenario_json == solved_content.scenario_json
    assert opened.content.design == solved_content.design
    assert opened.content.kpis == solved_content.kpis
    latest = store.duplicate(ref.scenario_id, "Copy of latest", note="my note")
    assert store.open_version(latest.scenario_id).content.note == "my note"
    assert store.open_version(latest.scenario_id).content.design == content().design
    with pytest.raises(NameTaken):
        store.duplicate(ref.scenario_id, "original")


def test_delete_needs_a_current_confirmation(store):
    """Delete goes through a plan the planner confirms; a save after the plan voids it."""
    keep = store.create("Keep", content())
    ref = store.create("Drop", content())
    plan = store.plan_delete(ref.scenario_id)
    assert "Delete 'Drop' and its 1 saved version" in plan.question
    store.save_version(ref.scenario_id, content("newer"), based_on=1)
    with pytest.raises(StaleDeletePlan, match="saved again"):
        store.delete(plan)
    assert store.summary(ref.scenario_id).n_versions == 2
    store.delete(store.plan_delete(ref.scenario_id))
    assert [s.name for s in store.list_scenarios()] == ["Keep"]
    with pytest.raises(ScenarioNotFound):
        store.open_version(ref.scenario_id)
    assert store.check() == []
    again = store.create("Drop", content())
    assert again.scenario_id not in (keep.scenario_id, ref.scenario_id)  # ids never reused


@pytest.mark.parametrize("name, problem", [
    ("", "give the scenario a name"), ("   ", "give the scenario a name"),
    ("x" * 121, "at most 120"), ("two\nlines", "line breaks"), (None, "give the scenario"),
])
def test_bad_names_are_refused(store, name, problem):
    with pytest.raises(InputError, match=problem) as caught:
        store.create(name, content())
    assert caught.value.problems[0].field == "name"
    assert store.list_scenarios() == []


@pytest.mark.parametrize("change, field", [
    ({"scenario_json": "{not json"}, "scenario_json"),
    ({"scenario_json": "[1, 2]"}, "scenario_json"),
    ({"kpis": {"total_cost_usd": float("nan")}}, "kpis"),
    ({"kpis": {"when": datetime.now(UTC)}}, "kpis"),
    ({"solve": SolveSummary("")}, "solve.status"),
    ({"solve": SolveSummary("optimal", gap=float("inf"))}, "solve.gap"),
    ({"solve": SolveSummary("optimal", gap=-0.1)}, "solve.gap"),
    ({"design": Design((1,))}, "design.open_site_ids"),
    ({"design": Design(("A",), (("100", "A"),))}, "design.assignment"),
    ({"note": "n" * 4001}, "note"),
])
def test_bad_content_is_refused_naming_the_field(store, change, field):
    """Contents that could not be read back are refused before anything is written."""
    good = content()
    bad = VersionContent(**{**good.__dict__, **change})
    with pytest.raises(InputError) as caught:
        store.create("Bad", bad)
    assert [p.field for p in caught.value.problems] == [field]
    assert store.list_scenarios() == []


def test_read_only_store_reads_and_refuses_writes(store_db):
    """A read-only store lists and opens, and every write says it is read-only."""
    writer = open_store(store_db)
    ref = writer.create("Shared", content())
    reader = open_store(store_db, read_only=True)
    assert reader.open_version(ref.scenario_id).content == content()
    for attempt in (lambda: reader.create("New", content()),
                    lambda: reader.save_version(ref.scenario_id, content(), based_on=1),
                    lambda: reader.rename(ref.scenario_id, "Other"),
                    lambda: reader.delete(reader.plan_delete(ref.scenario_id))):
        with pytest.raises(StoreReadOnly, match="read-only"):
            attempt()
    assert [s.n_versions for s in writer.list_scenarios()] == [1]
    reader.close()
    writer.close()


def test_a_save_must_say_where_it_started(store):
    """Without the version it started from (and without 'save anyway') a save is refused."""
    ref = store.create("Plan", content())
    for based_on in (None, 0, "1"):
        with pytest.raises(InputError, match="which saved version") as caught:
            store.save_version(ref.scenario_id, content(), based_on=based_on)
        assert caught.value.problems[0].field == "based_on"
    assert store.summary(ref.scenario_id).n_versions == 1


def test_read_only_needs_an_existing_store(tmp_path):
    with pytest.raises(StoreUnavailable, match="no scenario store at .* to open read-only"):
        open_store(str(tmp_path / "none.db"), read_only=True)
    assert not (tmp_path / "none.db").exists()


def test_missing_ids_are_reported(store):
    for call in (lambda: store.summary(7), lambda: store.history(7),
                 lambda: store.open_version(7), lambda: store.plan_delete(7)):
        with pytest.raises(ScenarioNotFound, match="no scenario 7"):
            call()


def test_location_from_option_variable_and_default(tmp_path):
    """--db wins over $NETWORK_STORE, which wins over the default file; URLs are normalised
    and a server's password never shows."""
    env = {ENV_VAR: str(tmp_path / "env.db")}
    assert resolve_location(str(tmp_path / "opt.db"), env).path == tmp_path / "opt.db"
    assert resolve_location(None, env).path == tmp_path / "env.db"
    assert resolve_location(None, {}).path == DEFAULT_PATH
    assert resolve_location(f"sqlite:///{tmp_path}/u.db", {}).path == tmp_path / "u.db"
    pg = resolve_location("postgresql://me:secret@db.example:5432/plans", {})
    assert pg.path is None and pg.url.drivername == "postgresql+psycopg"
    assert "secret" not in str(pg) and "plans" in str(pg)


@pytest.mark.parametrize("db, problem", [
    ("mysql://u@h/db", "unsupported database 'mysql'"),
    ("sqlite://", "needs a file"),
    ("postgresql://u@h", "name the database"),
    ("postgresql://u:pw@h:notaport/db", "not a database URL"),
])
def test_bad_locations_are_refused(db, problem):
    with pytest.raises(InputError, match=problem) as caught:
        resolve_location(db, {})
    assert "pw" not in str(caught.value)


def test_default_location_is_git_ignored():
    """The default store file (and its WAL companions, and the fallback) stay out of git."""
    import subprocess

    names = [DEFAULT_PATH.name, f"{DEFAULT_PATH.name}-wal", f"{DEFAULT_PATH.name}-shm",
             f"{DEFAULT_PATH.stem}.fallback.db"]
    done = subprocess.run(["git", "check-ignore", *names], cwd=DEFAULT_PATH.parent,
                          capture_output=True, text=True)
    assert done.stdout.split() == names
