"""The store's schema revisions (Alembic, shipped in `migrations/`): check, create, upgrade.

Opening a store brings it to the newest revision by itself (first use creates the tables); a
store written by a newer version of this tool is refused, never changed. The upgrade runs in one
write transaction (SQLite's write lock, PostgreSQL's advisory lock), so two programs opening a
new store at once create it once. By hand: `python -m network store upgrade --db URL`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from network.store.engine import (
    corrupt_message,
    read_transaction,
    translate_errors,
    write_transaction,
)
from network.store.errors import SchemaTooNew, StoreCorrupt, StoreUnavailable
from network.store.location import StoreLocation
from network.store.schema import VERSION_TABLE, metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6E6574776F726B  # PostgreSQL advisory lock key held while upgrading


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the shipped migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the store ships at least one migration"
    return head


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def ensure_schema(engine: Engine, location: StoreLocation, *, read_only: bool) -> None:
    """Bring the store to the newest revision, or raise a StoreError saying why it cannot."""
    with read_transaction(engine, location) as conn:
        current = current_revision(conn)
        tables = set(inspect(conn).get_table_names())
    if current == head_revision():
        return
    if current is not None and current not in known_revisions():
        raise SchemaTooNew(
            f"The scenario store {location} was written by a newer version of this tool "
            f"(schema revision '{current}'; this version knows up to '{head_revision()}'). It "
            f"has not been changed. Update the tool to use it, or point NETWORK_STORE or --db "
            f"at another store.")
    if current is None and tables & set(metadata.tables):
        raise StoreCorrupt(corrupt_message(
            location, f"it holds the tables {', '.join(sorted(tables & set(metadata.tables)))} "
            f"but no {VERSION_TABLE}"))
    if read_only:
        raise StoreUnavailable(
            f"The scenario store {location} needs its schema upgraded (from "
            f"{current or 'empty'} to {head_revision()}), which a read-only store cannot do: "
            f"run `python -m network store upgrade --db {location}`.")
    upgrade(engine, location)


def upgrade(engine: Engine, location: StoreLocation) -> str:
    """Apply every missing migration in one transaction; returns the revision reached."""
    if location.is_sqlite:
        _use_wal(engine, location)
    with write_transaction(engine, location) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        command.upgrade(alembic_config(conn), "head")
    return head_revision()


def _use_wal(engine: Engine, location: StoreLocation) -> None:
    """Switch a SQLite file to write-ahead logging (kept in the file: done once)."""
    with translate_errors(location), engine.connect() as conn:
        conn.connection.driver_connection.execute("PRAGMA journal_mode = WAL")
