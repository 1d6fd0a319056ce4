"""Opening the store: `open_store` for commands and code, `open_store_for_app` for the app,
which must start even when the store cannot be used as it is.

The app's rule (issue 18, faults): a store that is locked or not writable is opened read-only
when it can be read; a damaged, unreadable or too-new store, or an unreachable server, is left
exactly as it is and a fresh store file beside it takes the saves, with a message saying so.
The original is never written to, moved or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from sqlalchemy import text

from network.store.engine import (
    corrupt_message,
    create_store_engine,
    read_transaction,
    write_transaction,
)
from network.store.errors import (
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreReadOnly,
    StoreUnavailable,
)
from network.store.location import (
    DEFAULT_PATH,
    StoreLocation,
    resolve_location,
    sqlite_location,
)
from network.store.migrate import ensure_schema
from network.store.store import ScenarioStore


def open_store(db: str | StoreLocation | None = None, *, read_only: bool = False,
               busy_timeout_s: float = 10.0) -> ScenarioStore:
    """The store at `db` (a path or URL; None: $NETWORK_STORE or the default file), created
    or upgraded on first use. Raises a StoreError (or InputError for a bad URL) saying why not.
    """
    location = db if isinstance(db, StoreLocation) else resolve_location(db)
    engine = create_store_engine(location, read_only=read_only, busy_timeout_s=busy_timeout_s)
    try:
        ensure_schema(engine, location, read_only=read_only)
    except BaseException:
        engine.dispose()
        raise
    return ScenarioStore(engine, location, read_only=read_only)


class OpenMode(Enum):
    NORMAL = "normal"  # reads and saves
    READ_ONLY = "read_only"  # the store is locked by another program: browse, no saving
    FALLBACK = "fallback"  # the store is unusable: a fresh store beside it takes the saves


@dataclass(frozen=True)
class StoreOpening:
    """The store the app got, how, and what to tell the planner (empty when all is well)."""

    store: ScenarioStore
    mode: OpenMode
    message: str = ""
    problem: StoreError | None = None  # why the configured store could not be used


def open_store_for_app(db: str | StoreLocation | None = None, *, busy_timeout_s: float = 10.0,
                       fallback: Path | None = None) -> StoreOpening:
    """Open the configured store for the app, falling back so that the app can still start:
    read-only when it is locked or not writable, else a fresh store file at `fallback`
    (default: `fallback_path(location)`).

    Raises only when even the fallback cannot be opened (or `db` is not a path or URL).
    """
    location = db if isinstance(db, StoreLocation) else resolve_location(db)
    try:
        store = open_store(location, busy_timeout_s=busy_timeout_s)
        verify_readable(store)
        probe_write(store)
        return StoreOpening(store, OpenMode.NORMAL)
    except (StoreLocked, StoreReadOnly) as exc:
        problem: StoreError = exc
        opening = _read_only(location, exc, busy_timeout_s)
        if opening is not None:
            return opening
    except StoreUnavailable as exc:
        problem = exc
    return _fallback(location, problem, fallback or fallback_path(location), busy_timeout_s)


def probe_write(store: ScenarioStore) -> None:
    """Take the write lock and let it go at once (SQLite), or ask whether the server accepts
    writes (PostgreSQL: not a standby, not read-only); raises StoreLocked or StoreReadOnly."""
    try:
        with write_transaction(store.engine, store.location) as conn:
            if conn.dialect.name == "postgresql" and conn.execute(text(
                    "SELECT pg_is_in_recovery() OR current_setting("
                    "'default_transaction_read_only') = 'on'")).scalar():
                raise StoreReadOnly(f"The scenario store {store.location} is a read-only "
                                    f"server (a standby, or read-only by its settings).")
    except StoreError:
        store.close()
        raise


def verify_readable(store: ScenarioStore) -> None:
    """SQLite's quick check of every page (a damaged file is found at start, not mid-meeting);
    raises StoreCorrupt. Nothing to do on PostgreSQL, which checks its own pages."""
    if not store.location.is_sqlite:
        return
    with read_transaction(store.engine, store.location) as conn:
        results = [r[0] for r in conn.execute(text("PRAGMA quick_check")).all()]
    if results != ["ok"]:
        store.close()
        raise StoreCorrupt(corrupt_message(store.location, "; ".join(results[:3])))


def _read_only(location: StoreLocation, problem: StoreError, busy_timeout_s: float
               ) -> StoreOpening | None:
    try:
        store = open_store(location, read_only=True, busy_timeout_s=busy_timeout_s)
        store.list_scenarios()
    except StoreError:
        return None
    return StoreOpening(store, OpenMode.READ_ONLY, (
        f"{problem} The saved scenarios are shown read-only: saving is off until the store is "
        f"free again (restart the app then)."), problem)


def _fallback(location: StoreLocation, problem: StoreError, path: Path, busy_timeout_s: float
              ) -> StoreOpening:
    fresh = sqlite_location(path)
    try:
        store = open_store(fresh, busy_timeout_s=busy_timeout_s)
        verify_readable(store)
    except StoreError:
        raise problem from None
    return StoreOpening(store, OpenMode.FALLBACK, (
        f"{problem} The app uses another store meanwhile: {fresh.path}. Scenarios saved now go "
        f"there; {location} is kept as it was."), problem)


def fallback_path(location: StoreLocation) -> Path:
    """The fresh store's file: beside a SQLite store (scenarios.db -> scenarios.fallback.db),
    or beside the default file for a database server. The same every time, so saves made
    while falling back stay together."""
    path = location.path or DEFAULT_PATH
    return path.with_name(f"{path.stem}.fallback{path.suffix or '.db'}")
