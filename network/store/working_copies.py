"""Working copies: what an app session is working on, autosaved so a reload finds it again.

Saved versions are the planner's deliberate saves and never change. A session's work in
progress is different: it changes with every edit and solve, and keeping a version of each
would bury the library. So each session has one working copy, keyed by a random session key
that the app puts in its link, and every autosave writes over it (one upsert, in one
transaction). Copies untouched for `KEEP_DAYS` are removed by the next autosave.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from network.errors import InputError, Problem
from network.store.records import (
    SolveSummary,
    VersionContent,
    check_content,
    design_from_json,
    design_to_json,
    kpis_from_json,
    kpis_to_json,
)
from network.store.schema import working_copies

KEEP_DAYS = 30
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class WorkingCopy:
    """A session's autosaved work: the scenario and last solve (as a version holds them,
    without a note) and the app's own small state (what it was opened from, the baseline)."""

    session_key: str
    updated_at: datetime  # UTC
    content: VersionContent
    session: dict[str, Any]


def check_key(session_key: Any) -> str:
    if not isinstance(session_key, str) or not KEY_PATTERN.fullmatch(session_key):
        raise InputError([Problem("working copy", "a session key is 16 to 64 letters, digits, "
                                  "'-' or '_'", field="session_key")])
    return session_key


def upsert(conn: Connection, session_key: str, content: VersionContent,
           session: dict[str, Any]) -> datetime:
    """Write the session's working copy over its last one (or create it); remove copies no
    session has touched for KEEP_DAYS."""
    check_key(session_key)
    check_content(content)
    now = datetime.now(UTC)
    solve = content.solve
    values = dict(
        updated_at=now, format_version=json.loads(content.scenario_json)["format_version"],
        solver_status=solve.status if solve else None,
        solver_gap=solve.gap if solve else None,
        solver_best_bound_usd=solve.best_bound_usd if solve else None,
        session_json=json.dumps(session, separators=(",", ":"), allow_nan=False),
        scenario_json=content.scenario_json, design_json=design_to_json(content.design),
        kpis_json=kpis_to_json(content.kpis))
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(working_copies).values(session_key=session_key, **values)
    conn.execute(statement.on_conflict_do_update(index_elements=["session_key"], set_=values))
    conn.execute(delete(working_copies).where(
        working_copies.c.updated_at < now - timedelta(days=KEEP_DAYS)))
    return now


def read(conn: Connection, session_key: str) -> WorkingCopy | None:
    check_key(session_key)
    row = conn.execute(select(working_copies)
                       .where(working_copies.c.session_key == session_key)).first()
    if row is None:
        return None
    solve = None if row.solver_status is None else SolveSummary(
        row.solver_status, row.solver_gap, row.solver_best_bound_usd)
    content = VersionContent(row.scenario_json, design_from_json(row.design_json),
                             kpis_from_json(row.kpis_json), solve)
    return WorkingCopy(row.session_key, row.updated_at, content, json.loads(row.session_json))
