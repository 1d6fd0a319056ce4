"""The store's tables, one definition for SQLite and PostgreSQL (SQLAlchemy Core).

    scenarios            one row per named scenario; `latest_version` is the counter that
                         hands out version numbers (raised in the same transaction that adds the
                         version, so two saves can never get the same number)
    scenario_versions    one row per save, never changed afterwards: the inputs, design, KPIs,
                         solver outcome and note, plus the library's summary figures copied out
                         of the KPIs so that listing needs no JSON parsing in SQL
    working_copies       one row per app session: its working scenario and last solve, written
                         over on every autosave (not a version per edit), found by the session's
                         random key in the app's link; rows untouched for 30 days are removed

The migrations in `migrations/versions/` create exactly these tables (a test compares them);
a change here needs a new migration. Layout and rules: docs/store.md.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
VERSION_TABLE = "store_schema_version"  # Alembic's revision table, named for this store so a
# shared PostgreSQL database can hold other applications' Alembic tables too

metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator):
    """A moment in UTC: written as UTC, read back as an aware UTC datetime on both databases
    (SQLite keeps no time zone, PostgreSQL's timestamptz does)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store times must carry a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect
                             ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("name_key", String(480), nullable=False, unique=True),  # records.name_key(name)
    Column("latest_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    sqlite_autoincrement=True,  # a deleted scenario's id is never reused (share links)
)

scenario_versions = Table(
    "scenario_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id", ondelete="CASCADE"),
           nullable=False),
    Column("version", Integer, nullable=False),
    Column("saved_at", UtcDateTime, nullable=False),
    Column("format_version", Integer, nullable=False),  # of the scenario JSON
    Column("solver_status", String(32)),
    Column("solver_gap", Double),
    Column("solver_best_bound_usd", Double),
    Column("total_cost_usd", Double),
    Column("cost_per_order_usd", Double),
    Column("n_open_sites", Integer),
    Column("share_within_2_days", Double),
    # the large texts last: SQLite reads a row's columns in order through its overflow pages,
    # so the library's figures above are read without walking the 30+ kB of inputs
    Column("note", Text, nullable=False),
    Column("scenario_json", Text, nullable=False),
    Column("design_json", Text),  # {"open_site_ids": [...], "assignment": [[zip3, site, svc]]}
    Column("kpis_json", Text),  # network.evaluate.kpis_dict
    UniqueConstraint("scenario_id", "version", name="uq_scenario_versions_scenario_version"),
    sqlite_autoincrement=True,
)

working_copies = Table(
    "working_copies", metadata,
    Column("session_key", String(64), primary_key=True),  # random, carried by the app's link
    Column("updated_at", UtcDateTime, nullable=False),
    Column("format_version", Integer, nullable=False),  # of the scenario JSON
    Column("solver_status", String(32)),
    Column("solver_gap", Double),
    Column("solver_best_bound_usd", Double),
    Column("session_json", Text, nullable=False),  # the app's own small state (JSON object)
    Column("scenario_json", Text, nullable=False),
    Column("design_json", Text),
    Column("kpis_json", Text),
)
