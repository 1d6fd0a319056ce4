"""Faults the store must survive (issue 18, section 4): a writer killed mid-save, a damaged,
locked or too-new store, an unreachable server. The old version or the new one, never a mix;
a clear message; the original file never overwritten."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from store_helpers import content, run_child

from network.store import (
    OpenMode,
    SchemaTooNew,
    StoreCorrupt,
    StoreLocked,
    StoreReadOnly,
    StoreUnreachable,
    open_store,
    open_store_for_app,
    resolve_location,
)
from network.store.engine import create_store_engine
from network.store.opening import fallback_path

KILLED_MID_SAVE = """
import sys, time
sys.path.insert(0, "tests")
from store_helpers import content
import network.store.store as store_module
from network.store import open_store
db, action, scenario_id = sys.argv[1:]
insert_version = store_module._insert_version

def insert_then_hang(*args):
    saved_at = insert_version(*args)  # the new version is written, not yet committed
    print("inside", flush=True)
    time.sleep(60)
    return saved_at

store_module._insert_version = insert_then_hang
store = open_store(db)
if action == "save":
    store.save_version(int(scenario_id), content("never committed"), based_on=1)
else:
    store.create("Half made", content("never committed"))
"""

SAVING_UNTIL_KILLED = """
import sys
sys.path.insert(0, "tests")
from store_helpers import content
from network.store import open_store
db, scenario_id = sys.argv[1:]
store = open_store(db)
for i in range(100000):
    ref = store.save_version(int(scenario_id), content(f"save {i}", cost=float(i)),
                             based_on=0, force=True)
    print(ref.version, flush=True)
"""


@pytest.mark.parametrize("action", ["save", "create"])
def test_writer_killed_mid_transaction_leaves_the_old_version(store_db, action):
    """A process killed (SIGKILL) after writing a version but before committing leaves the
    store as it was: version 1 intact, no half-made scenario, and the next save is version 2
    (no lock left behind)."""
    store = open_store(store_db)
    ref = store.create("Kept", content("v1"))
    child = run_child(KILLED_MID_SAVE, store_db, action, str(ref.scenario_id))
    assert child.stdout.readline().strip() == "inside", child.stderr.read()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    after = open_store(store_db, busy_timeout_s=20)
    assert [s.name for s in after.list_scenarios()] == ["Kept"]
    assert after.open_version(ref.scenario_id).content == content("v1")
    assert after.check() == []
    assert after.save_version(ref.scenario_id, content("v2"), based_on=1).version == 2
    store.close()
    after.close()


def test_writer_killed_while_saving_leaves_whole_versions(store_db):
    """A process saving version after version is killed at arbitrary moments: every version
    it reported is there, complete, numbered without gaps, and the store is consistent."""
    store = open_store(store_db)
    ref = store.create("Busy", content("start"))
    for pause_s in (0.0, 0.013, 0.031):
        child = run_child(SAVING_UNTIL_KILLED, store_db, str(ref.scenario_id))
        reported = [int(child.stdout.readline()) for _ in range(3)]
        time.sleep(pause_s)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        history = store.history(ref.scenario_id)
        assert history[0].version >= reported[-1]
        assert [v.version for v in history] == list(range(history[0].version, 0, -1))
        for info in history[:4]:
            opened = store.open_version(ref.scenario_id, info.version)
            if info.version > 1:
                assert opened.content == content(info.note, cost=float(info.total_cost_usd))
        assert store.check() == []
    store.close()


# -- SQLite: damaged, locked --------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _saved_store(path: Path) -> None:
    store = open_store(str(path))
    ref = store.create("Precious", content("v1"))
    for n in range(1, 30):
        store.save_version(ref.scenario_id, content(f"v{n + 1}"), based_on=n)
    store.close()  # the last connection closing checkpoints the WAL into the file


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database, just text that someone saved here\n" * 50)


def _truncated(path: Path) -> None:
    _saved_store(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _damaged_pages(path: Path) -> None:
    _saved_store(path)
    data = bytearray(path.read_bytes())
    for page in range(2, len(data) // 4096):  # scribble over every page but the first
        data[page * 4096: page * 4096 + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _truncated, _damaged_pages])
def test_damaged_sqlite_file_is_reported_and_kept(tmp_path, damage):
    """A damaged store file gives a message naming it and saying it is kept; the app's opening
    starts a fresh store beside it; the damaged file is not changed by any of this."""
    path = tmp_path / "scenarios.db"
    damage(path)
    digest = _digest(path)
    with pytest.raises(StoreCorrupt) as caught:
        store = open_store(str(path))
        store.list_scenarios()
        store.check()
    message = str(caught.value)
    assert str(path) in message and "left exactly as it is" in message
    opening = open_store_for_app(str(path))
    assert opening.mode is OpenMode.FALLBACK
    assert opening.store.location.path == tmp_path / "scenarios.fallback.db"
    assert "damaged" in opening.message and str(path) in opening.message
    assert f"{path} is kept as it was" in opening.message
    ref = opening.store.create("Saved meanwhile", content())
    opening.store.close()
    again = open_store_for_app(str(path))  # the same fallback file, with what was saved
    assert [s.scenario_id for s in again.store.list_scenarios()] == [ref.scenario_id]
    again.store.close()
    assert _digest(path) == digest


def test_store_check_finds_a_damaged_page(tmp_path):
    """`check` reports SQLite's integrity problems instead of passing a damaged file."""
    path = tmp_path / "scenarios.db"
    _saved_store(path)
    with sqlite3.connect(path) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = "
                            "'sqlite_autoindex_scenario_versions_1'").fetchone()[0]
    data = bytearray(path.read_bytes())
    data[root * 4096 - 3] ^= 0x01  # a bit of one key in the (version) index's last cell
    path.write_bytes(bytes(data))
    store = open_store(str(path))
    problems = store.check()
    assert problems and all(p.startswith("SQLite integrity check") for p in problems)
    store.close()


def test_save_while_another_program_holds_the_write_lock(tmp_path):
    """Another program holding SQLite's write lock makes a save wait, then fail with a clear
    message and nothing saved; reading goes on meanwhile; the save works once it lets go."""
    path = tmp_path / "scenarios.db"
    store = open_store(str(path), busy_timeout_s=0.2)
    ref = store.create("Plan", content("v1"))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE scenarios SET updated_at = updated_at")
    with pytest.raises(StoreLocked, match="locked by another program.*Nothing was saved"):
        store.save_version(ref.scenario_id, content("v2"), based_on=1)
    assert store.open_version(ref.scenario_id).version == 1
    opening = open_store_for_app(str(path), busy_timeout_s=0.2)
    assert opening.mode is OpenMode.READ_ONLY and "read-only" in opening.message
    assert [s.name for s in opening.store.list_scenarios()] == ["Plan"]
    with pytest.raises(StoreReadOnly):
        opening.store.create("Other", content())
    other.execute("ROLLBACK")
    other.close()
    assert store.save_version(ref.scenario_id, content("v2"), based_on=1).version == 2
    opening.store.close()
    store.close()


def test_exclusively_locked_file(tmp_path):
    """A file another program locked for itself (even against readers) is reported as
    locked, and the app starts on a fresh store beside it; the file is unchanged."""
    path = tmp_path / "scenarios.db"
    _saved_store(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("SELECT count(*) FROM scenarios").fetchone()
    with pytest.raises(StoreLocked, match="locked by another program"):
        open_store(str(path), busy_timeout_s=0.2)
    opening = open_store_for_app(str(path), busy_timeout_s=0.2)
    assert opening.mode is OpenMode.FALLBACK and "locked" in opening.message
    opening.store.close()
    other.execute("ROLLBACK")
    other.close()
    digest = _digest(path)
    assert open_store(str(path)).list_scenarios()[0].n_versions == 30
    assert fallback_path(open_store(str(path)).location).exists()
    assert _digest(path) == digest


# -- newer schema, foreign tables ---------------------------------------------------------


def test_newer_schema_is_refused_and_left_alone(store_db, tmp_path):
    """A store written by a newer version of the tool is refused with a message and not
    changed; the app starts on a fresh store instead."""
    store = open_store(store_db)
    ref = store.create("From the future", content())
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE store_schema_version SET version_num = '0099_future'")
    store.close()
    with pytest.raises(SchemaTooNew, match="newer version of this tool.*'0099_future'.*not "
                       "been changed"):
        open_store(store_db)
    opening = open_store_for_app(store_db, fallback=tmp_path / "fresh.db")
    assert opening.mode is OpenMode.FALLBACK and "newer version" in opening.message
    opening.store.close()
    raw = create_store_engine(resolve_location(store_db))
    with raw.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM store_schema_version").scalar() \
            == "0099_future"
        assert conn.exec_driver_sql("SELECT count(*) FROM scenario_versions").scalar() == 1
    raw.dispose()
    assert ref.version == 1


def test_tables_without_a_schema_version_are_refused(tmp_path):
    """A database holding tables named like the store's but no schema version is someone
    else's: refused, not adopted or changed."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE scenarios (anything TEXT)")
    digest = _digest(path)
    with pytest.raises(StoreCorrupt, match="holds the tables scenarios but no "
                       "store_schema_version"):
        open_store(str(path))
    assert _digest(path) == digest


# -- PostgreSQL: unreachable, busy ---------------------------------------------------------


def test_unreachable_server_gives_a_clear_message(postgres_url, tmp_path):
    """A server that does not answer: a message naming it (never its password) and what to
    check; the app starts on a local fallback file."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://planner:s3cret@127.0.0.1:{port}/plans"
    with pytest.raises(StoreUnreachable) as caught:
        open_store(url, busy_timeout_s=1)
    message = str(caught.value)
    assert "Cannot reach the scenario store" in message and "s3cret" not in message
    assert f"127.0.0.1:{port}/plans" in message and "server is running" in message
    opening = open_store_for_app(url, busy_timeout_s=1, fallback=tmp_path / "local.db")
    assert opening.mode is OpenMode.FALLBACK and "s3cret" not in opening.message
    opening.store.close()
    wrong = make_url(postgres_url).set(password="wrong-password")
    with pytest.raises(StoreUnreachable, match="user and password"):
        open_store(wrong.render_as_string(hide_password=False), busy_timeout_s=1)


def test_postgres_row_held_by_another_session(postgres_db):
    """On PostgreSQL, a scenario row locked by another session makes a save wait up to the
    timeout, then fail with a clear message and nothing saved."""
    store_db = postgres_db
    store = open_store(store_db, busy_timeout_s=0.3)
    ref = store.create("Held", content())
    url = make_url(store_db)
    dsn = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    with psycopg.connect(dsn, options=url.query["options"]) as other:
        other.execute("SELECT * FROM scenarios WHERE id = %s FOR UPDATE", (ref.scenario_id,))
        with pytest.raises(StoreLocked, match="busy.*Nothing was saved"):
            store.save_version(ref.scenario_id, content("v2"), based_on=1)
    assert store.save_version(ref.scenario_id, content("v2"), based_on=1).version == 2
    store.close()
