"""Connections to the store, and database errors turned into planner-readable StoreErrors.

SQLite: WAL journal (readers never wait for a writer), a busy timeout (a writer waits for
another's transaction instead of failing at once), foreign keys on, and transactions begun by
us: `BEGIN IMMEDIATE` for writes, so a save takes the write lock before it reads anything and
two saves can never interleave. The file is opened read-only with SQLite's own `mode=ro`.

PostgreSQL (psycopg 3): READ COMMITTED, with the scenario row locked by the UPDATE that hands
out the next version number; `lock_timeout` bounds the wait for another's lock; read-only by
`default_transaction_read_only`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from network.store.errors import (
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreReadOnly,
    StoreUnavailable,
    StoreUnreachable,
)
from network.store.location import StoreLocation

WRITE = "store_write"  # execution option: this connection's transactions write
NOTHING_SAVED = "Nothing was saved."


def create_store_engine(location: StoreLocation, *, read_only: bool = False,
                        busy_timeout_s: float = 10.0) -> Engine:
    """An engine for the store at `location`; no connection is made yet."""
    if location.path is not None:
        return _sqlite_engine(location.path, read_only, busy_timeout_s)
    return _postgres_engine(location, read_only, busy_timeout_s)


def _sqlite_engine(path: Path, read_only: bool, busy_timeout_s: float) -> Engine:
    if read_only and not path.is_file():
        raise StoreUnavailable(f"There is no scenario store at {path} to open read-only.")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)

    def connect() -> sqlite3.Connection:
        target = f"file:{quote(str(path))}?mode=ro" if read_only else str(path)
        return sqlite3.connect(target, uri=read_only, timeout=busy_timeout_s,
                               isolation_level=None, check_same_thread=False)

    engine = create_engine("sqlite+pysqlite://", creator=connect)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # no implicit BEGIN: _on_begin issues ours
        dbapi_conn.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgres_engine(location: StoreLocation, read_only: bool, busy_timeout_s: float
                     ) -> Engine:
    given = location.url.query.get("options", "")  # e.g. a search_path from the URL
    options = f"{given} -c lock_timeout={int(busy_timeout_s * 1000)}".strip()
    if read_only:
        options += " -c default_transaction_read_only=on"
    url = location.url.difference_update_query(["options"])
    return create_engine(url, pool_pre_ping=True, connect_args={
        "connect_timeout": max(1, round(busy_timeout_s)), "options": options,
        "application_name": "network-store"})


@contextmanager
def write_transaction(engine: Engine, location: StoreLocation) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back on any error."""
    with translate_errors(location), engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: Engine, location: StoreLocation) -> Iterator[Connection]:
    """One read transaction: a consistent view of the store for the block's queries."""
    with translate_errors(location), engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def translate_errors(location: StoreLocation) -> Iterator[None]:
    """Turn database errors into StoreErrors whose text tells the planner what to do."""
    try:
        yield
    except StoreError:
        raise
    except DBAPIError as exc:
        raise store_error(location, exc.orig) from exc
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"The scenario store at {location} failed: {exc}. "
                               f"{NOTHING_SAVED}") from exc


def store_error(location: StoreLocation, orig: BaseException | None) -> StoreError:
    """The StoreError for a driver error from SQLite or psycopg."""
    if isinstance(orig, sqlite3.Error):
        return _sqlite_error(location, orig)
    return _postgres_error(location, orig)


def _sqlite_error(location: StoreLocation, orig: sqlite3.Error) -> StoreError:
    text = str(orig)
    if "locked" in text or "busy" in text:
        return StoreLocked(
            f"The scenario store {location} is locked by another program (it held the lock "
            f"longer than the wait allowed). {NOTHING_SAVED} Try again in a moment; if it "
            f"stays locked, close the other program using the file (another app server, a "
            f"database browser, a backup tool).")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreCorrupt(corrupt_message(location, text))
    if "readonly" in text or "read-only" in text:
        return StoreReadOnly(f"The scenario store {location} is read-only ({text}). "
                             f"{NOTHING_SAVED}")
    if "unable to open" in text:
        return StoreUnavailable(f"Cannot open the scenario store {location} ({text}): check "
                                f"that the folder exists and this program may write there.")
    return StoreUnavailable(f"The scenario store {location} failed ({text}). {NOTHING_SAVED}")


def corrupt_message(location: StoreLocation, detail: str) -> str:
    return (f"The scenario store {location} is damaged or is not a scenario store "
            f"({detail}). It has been left exactly as it is. Restore it from a backup copy, "
            f"or point NETWORK_STORE or --db at another file; a fresh store can be started "
            f"beside it.")


def _postgres_error(location: StoreLocation, orig: BaseException | None) -> StoreError:
    state = getattr(orig, "sqlstate", None) or ""
    text = " ".join(str(orig).split()) if orig is not None else "unknown error"
    if state == "55P03":  # lock_not_available (lock_timeout)
        return StoreLocked(
            f"The scenario store {location} is busy: another session held a lock on this "
            f"scenario longer than the wait allowed. {NOTHING_SAVED} Try again in a moment.")
    if state == "25006":  # read_only_sql_transaction
        return StoreReadOnly(f"The scenario store {location} is read-only. {NOTHING_SAVED}")
    if state == "XX001" or state == "XX002":  # data_corrupted, index_corrupted
        return StoreCorrupt(corrupt_message(location, text))
    if not state or state.startswith(("08", "57", "28", "3D")):
        return StoreUnreachable(
            f"Cannot reach the scenario store {location} ({text}). {NOTHING_SAVED} Check that "
            f"the database server is running and the URL, user and password are right.")
    return StoreUnavailable(f"The scenario store {location} failed ({text}). {NOTHING_SAVED}")
