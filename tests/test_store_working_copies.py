"""Working copies on SQLite and PostgreSQL: one row per session, written over by each
autosave, found by the session key, old ones removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from store_helpers import content

from network.errors import InputError
from network.store import StoreReadOnly, open_store
from network.store.schema import scenario_versions, working_copies

KEY = "k" * 16 + "-session_1"


@pytest.fixture
def store(store_db):
    store = open_store(store_db)
    yield store
    store.close()


def count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_autosaves_write_over_one_row_per_session(store):
    """Ten autosaves of one session leave one working copy holding the last, and no saved
    version; another session's copy is its own."""
    for i in range(10):
        store.save_working_copy(KEY, content(cost=1000.0 + i), {"edits": i})
    store.save_working_copy("x" * 20, content(cost=5.0), {})
    assert count(store, working_copies) == 2
    assert count(store, scenario_versions) == 0
    copy = store.open_working_copy(KEY)
    assert copy.content.kpis["total_cost_usd"] == 1009.0
    assert copy.content.design == content().design
    assert copy.content.solve.status == "optimal"
    assert copy.session == {"edits": 9}
    assert store.open_working_copy("y" * 20) is None


def test_a_copy_without_a_solve_and_bad_keys(store):
    """Inputs alone are enough; a key that is not 16-64 safe characters is refused."""
    plain = content()
    store.save_working_copy(KEY, type(plain)(plain.scenario_json), {})
    copy = store.open_working_copy(KEY)
    assert copy.content.design is None and copy.content.solve is None
    for bad in ("short", "x" * 65, "x" * 15 + "/", None):
        with pytest.raises(InputError, match="session key"):
            store.save_working_copy(bad, plain, {})


def test_copies_unused_for_30_days_are_removed(store):
    """The next autosave (of any session) removes copies older than KEEP_DAYS."""
    store.save_working_copy(KEY, content(), {})
    with store.engine.begin() as conn:
        conn.execute(update(working_copies).values(
            updated_at=datetime.now(UTC) - timedelta(days=31)))
    store.save_working_copy("z" * 20, content(), {})
    assert store.open_working_copy(KEY) is None
    assert store.open_working_copy("z" * 20) is not None


def test_read_only_store_keeps_no_working_copy(store_db):
    """A read-only store refuses the autosave with the store's message."""
    open_store(store_db).close()
    store = open_store(store_db, read_only=True)
    with pytest.raises(StoreReadOnly):
        store.save_working_copy(KEY, content(), {})
    store.close()
