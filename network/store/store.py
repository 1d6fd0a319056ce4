"""The scenario store: named scenarios, each save a new numbered version.

Every write is one transaction. A version, once saved, never changes: saving again adds the
next version. Version numbers come from the scenario row's counter, raised in the same
transaction that adds the version, so two sessions saving at once get different numbers and
lose nothing. A save names the version it started from; if someone else saved a newer one since,
the save is refused with VersionConflict (never silently written over), and the caller chooses:
save anyway as the next version (`force=True`) or save a copy under a new name (`create`).
Rules and schema: docs/store.md.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from network.errors import InputError, Problem
from network.store import working_copies
from network.store.engine import (
    NOTHING_SAVED,
    read_transaction,
    translate_errors,
    write_transaction,
)
from network.store.errors import (
    NameTaken,
    ScenarioNotFound,
    StaleDeletePlan,
    StoreError,
    StoreReadOnly,
    VersionConflict,
)
from network.store.location import StoreLocation
from network.store.records import (
    DeletePlan,
    SavedVersion,
    ScenarioSummary,
    SolveSummary,
    VersionContent,
    VersionInfo,
    VersionRef,
    check_content,
    clean_name,
    design_from_json,
    design_to_json,
    kpis_from_json,
    kpis_to_json,
    name_key,
    share_within,
)
from network.store.schema import scenario_versions as versions
from network.store.schema import scenarios

_INFO_COLUMNS = (versions.c.scenario_id, versions.c.version, versions.c.saved_at,
                 versions.c.note, versions.c.solver_status, versions.c.total_cost_usd,
                 versions.c.cost_per_order_usd, versions.c.n_open_sites,
                 versions.c.share_within_2_days)


class ScenarioStore:
    """Named, versioned scenarios in SQLite or PostgreSQL. Open one with `open_store`."""

    def __init__(self, engine: Engine, location: StoreLocation, *, read_only: bool = False):
        self.engine = engine
        self.location = location
        self.read_only = read_only

    def close(self) -> None:
        self.engine.dispose()

    # -- reading ---------------------------------------------------------------------------

    def list_scenarios(self) -> list[ScenarioSummary]:
        """The library: every scenario with its latest version's figures, newest save first."""
        with read_transaction(self.engine, self.location) as conn:
            rows = conn.execute(_summary_query().order_by(
                versions.c.saved_at.desc(), scenarios.c.id.desc())).all()
        return [_summary(row) for row in rows]

    def summary(self, scenario_id: int) -> ScenarioSummary:
        with read_transaction(self.engine, self.location) as conn:
            row = conn.execute(_summary_query().where(scenarios.c.id == scenario_id)).first()
        if row is None:
            raise _not_found(scenario_id)
        return _summary(row)

    def find(self, name: str) -> ScenarioSummary | None:
        """The scenario with this name (case and extra spaces ignored), or None."""
        with read_transaction(self.engine, self.location) as conn:
            row = conn.execute(_summary_query().where(
                scenarios.c.name_key == name_key(name))).first()
        return None if row is None else _summary(row)

    def history(self, scenario_id: int) -> list[VersionInfo]:
        """Every version of a scenario, newest first."""
        with read_transaction(self.engine, self.location) as conn:
            rows = conn.execute(select(*_INFO_COLUMNS)
                                .where(versions.c.scenario_id == scenario_id)
                                .order_by(versions.c.version.desc())).all()
        if not rows:
            raise _not_found(scenario_id)
        return [_info(row) for row in rows]

    def open_version(self, scenario_id: int, version: int | None = None) -> SavedVersion:
        """A saved version with its inputs, design, KPIs and solve (the latest by default)."""
        with read_transaction(self.engine, self.location) as conn:
            head = conn.execute(select(scenarios.c.name, scenarios.c.latest_version)
                                .where(scenarios.c.id == scenario_id)).first()
            if head is None:
                raise _not_found(scenario_id)
            wanted = head.latest_version if version is None else version
            row = conn.execute(select(versions).where(versions.c.scenario_id == scenario_id,
                                                      versions.c.version == wanted)).first()
        if row is None:
            raise ScenarioNotFound(f"'{head.name}' has no version {wanted} (its versions go up "
                                   f"to {head.latest_version}).")
        return SavedVersion(scenario_id, head.name, row.version, head.latest_version,
                            row.saved_at, _content(row))

    # -- writing ---------------------------------------------------------------------------

    def create(self, name: str, content: VersionContent) -> VersionRef:
        """A new scenario whose version 1 is `content` (also "save as a copy")."""
        name = clean_name(name)
        check_content(content)
        self._check_writable()
        with write_transaction(self.engine, self.location) as conn:
            return _create(conn, name, content)

    def save_version(self, scenario_id: int, content: VersionContent, *, based_on: int,
                     force: bool = False) -> VersionRef:
        """Save `content` as the scenario's next version.

        `based_on` is the version the caller opened. If a newer one was saved since, raises
        VersionConflict and saves nothing, unless `force` (the planner chose "save anyway").
        """
        check_content(content)
        if not force and (not isinstance(based_on, int) or based_on < 1):
            raise InputError([Problem("save", "say which saved version this started from (a "
                                      "version number), or save anyway", field="based_on")])
        self._check_writable()
        with write_transaction(self.engine, self.location) as conn:
            name, number = _next_version(conn, scenario_id, None if force else based_on)
            saved_at = _insert_version(conn, scenario_id, number, content)
        return VersionRef(scenario_id, name, number, saved_at)

    def rename(self, scenario_id: int, new_name: str) -> None:
        new_name = clean_name(new_name)
        self._check_writable()
        with write_transaction(self.engine, self.location) as conn:
            _check_name_free(conn, new_name, scenario_id)
            try:
                done = conn.execute(update(scenarios).where(scenarios.c.id == scenario_id)
                                    .values(name=new_name, name_key=name_key(new_name),
                                            updated_at=_now())).rowcount
            except IntegrityError:
                raise _name_taken(new_name) from None
            if not done:
                raise _not_found(scenario_id)

    def duplicate(self, scenario_id: int, new_name: str, *, version: int | None = None,
                  note: str | None = None) -> VersionRef:
        """A new scenario whose version 1 copies a version of another (the latest by default);
        the note says where it came from unless one is given."""
        source = self.open_version(scenario_id, version)
        default_note = f"copy of '{source.name}' version {source.version}"
        content = VersionContent(source.content.scenario_json, source.content.design,
                                 source.content.kpis, source.content.solve,
                                 default_note if note is None else note)
        return self.create(new_name, content)

    def plan_delete(self, scenario_id: int) -> DeletePlan:
        """What deleting the scenario would remove, for the planner to confirm."""
        with read_transaction(self.engine, self.location) as conn:
            name = conn.execute(select(scenarios.c.name)
                                .where(scenarios.c.id == scenario_id)).scalar()
            rows = conn.execute(select(versions.c.version, versions.c.saved_at)
                                .where(versions.c.scenario_id == scenario_id)
                                .order_by(versions.c.version.desc())).all()
        if name is None or not rows:
            raise _not_found(scenario_id)
        return DeletePlan(scenario_id, name, len(rows), rows[0].version, rows[0].saved_at,
                          tuple(r.version for r in rows))

    def delete(self, plan: DeletePlan) -> None:
        """Delete the scenario and all its versions, as confirmed in `plan`; refused with
        StaleDeletePlan if it was saved again since the plan was made."""
        self._check_writable()
        with write_transaction(self.engine, self.location) as conn:
            latest = conn.execute(select(scenarios.c.latest_version)
                                  .where(scenarios.c.id == plan.scenario_id)
                                  .with_for_update()).scalar()
            if latest is None:
                raise _not_found(plan.scenario_id)
            if latest != plan.latest_version:
                raise StaleDeletePlan(
                    f"'{plan.name}' was saved again (version {latest}) after you asked to "
                    f"delete it with {plan.n_versions} versions. Nothing was deleted: look at "
                    f"it again and confirm once more if it should still go.")
            conn.execute(delete(versions).where(versions.c.scenario_id == plan.scenario_id))
            conn.execute(delete(scenarios).where(scenarios.c.id == plan.scenario_id))

    def save_working_copy(self, session_key: str, content: VersionContent,
                          session: dict[str, Any]) -> datetime:
        """Autosave an app session's work over its previous working copy (one row per
        session, never a new version; see working_copies.py)."""
        self._check_writable()
        with write_transaction(self.engine, self.location) as conn:
            return working_copies.upsert(conn, session_key, content, session)

    def open_working_copy(self, session_key: str) -> working_copies.WorkingCopy | None:
        """The session's autosaved work, or None (never saved, or removed after
        working_copies.KEEP_DAYS unused)."""
        with read_transaction(self.engine, self.location) as conn:
            return working_copies.read(conn, session_key)

    def check(self) -> list[str]:
        """Problems found in the store (empty when it is consistent): SQLite's own integrity
        check, then every scenario's versions against its counter and every version's
        contents (read and checked as a save would)."""
        with read_transaction(self.engine, self.location) as conn:
            problems = _integrity(conn)
            if problems:  # the queries below may fail on damaged pages: report these alone
                return problems
            return _counter_problems(conn) + _content_problems(conn)

    def backup(self, target: Path) -> Path:
        """A consistent copy of a SQLite store at `target` (a new file), taken with SQLite's
        online backup, so others may go on saving meanwhile. PostgreSQL: use pg_dump."""
        if not self.location.is_sqlite:
            raise StoreError(f"The store {self.location} is a PostgreSQL database: back it up "
                             f"with pg_dump (see docs/store.md).")
        target = target.expanduser().resolve()
        if target.exists():
            raise InputError([Problem("backup", f"{target} already exists: name a new file "
                                      f"(a backup never overwrites)", field="--to")])
        target.parent.mkdir(parents=True, exist_ok=True)
        with translate_errors(self.location), self.engine.connect() as conn:
            copy = sqlite3.connect(target)
            try:
                conn.connection.driver_connection.backup(copy)
            except BaseException:
                copy.close()
                target.unlink(missing_ok=True)
                raise
            copy.close()
        return target

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreReadOnly(f"The scenario store {self.location} is open read-only, so "
                                f"nothing can be saved or changed. {NOTHING_SAVED}")


# -- one transaction's steps ---------------------------------------------------------------


def _create(conn: Connection, name: str, content: VersionContent) -> VersionRef:
    _check_name_free(conn, name, None)
    now = _now()
    try:
        scenario_id = conn.execute(insert(scenarios).values(
            name=name, name_key=name_key(name), latest_version=1, created_at=now,
            updated_at=now).returning(scenarios.c.id)).scalar_one()
    except IntegrityError:
        raise _name_taken(name) from None
    saved_at = _insert_version(conn, scenario_id, 1, content)
    return VersionRef(scenario_id, name, 1, saved_at)


def _next_version(conn: Connection, scenario_id: int, based_on: int | None
                  ) -> tuple[str, int]:
    """Raise the scenario's counter (locking its row) and return its name and the new number;
    with `based_on`, only if the latest version is still that one."""
    where = [scenarios.c.id == scenario_id]
    if based_on is not None:
        where.append(scenarios.c.latest_version == based_on)
    row = conn.execute(update(scenarios).where(*where)
                       .values(latest_version=scenarios.c.latest_version + 1,
                               updated_at=_now())
                       .returning(scenarios.c.name, scenarios.c.latest_version)).first()
    if row is not None:
        return row.name, row.latest_version
    head = conn.execute(select(scenarios.c.name, scenarios.c.latest_version)
                        .where(scenarios.c.id == scenario_id)).first()
    if head is None:
        raise ScenarioNotFound(
            f"This scenario was deleted from the store since you opened it. {NOTHING_SAVED} "
            f"Save yours as a copy under a new name to keep it.")
    latest = _info(conn.execute(select(*_INFO_COLUMNS).where(
        versions.c.scenario_id == scenario_id,
        versions.c.version == head.latest_version)).one())
    assert based_on is not None
    raise VersionConflict(scenario_id, head.name, based_on, latest.version, latest.saved_at,
                          latest.note)


def _insert_version(conn: Connection, scenario_id: int, number: int, content: VersionContent
                    ) -> datetime:
    saved_at = _now()
    solve = content.solve
    kpis = content.kpis or {}
    conn.execute(insert(versions).values(
        scenario_id=scenario_id, version=number, saved_at=saved_at, note=content.note,
        format_version=json.loads(content.scenario_json)["format_version"],
        scenario_json=content.scenario_json, design_json=design_to_json(content.design),
        kpis_json=kpis_to_json(content.kpis),
        solver_status=solve.status if solve else None,
        solver_gap=solve.gap if solve else None,
        solver_best_bound_usd=solve.best_bound_usd if solve else None,
        total_cost_usd=_number(kpis.get("total_cost_usd")),
        cost_per_order_usd=_number(kpis.get("cost_per_order_usd")),
        n_open_sites=_integer(kpis.get("n_open_sites")),
        share_within_2_days=share_within(content.kpis, 2)))
    return saved_at


def _check_name_free(conn: Connection, name: str, scenario_id: int | None) -> None:
    other = conn.execute(select(scenarios.c.id, scenarios.c.name)
                         .where(scenarios.c.name_key == name_key(name))).first()
    if other is not None and other.id != scenario_id:
        raise _name_taken(other.name)


# -- rows to records -----------------------------------------------------------------------


def _summary_query():
    counts = (select(versions.c.scenario_id, func.count().label("n_versions"))
              .group_by(versions.c.scenario_id).subquery())
    return (select(scenarios.c.name, counts.c.n_versions, *_INFO_COLUMNS)
            .join(versions, (versions.c.scenario_id == scenarios.c.id)
                  & (versions.c.version == scenarios.c.latest_version))
            .join(counts, counts.c.scenario_id == scenarios.c.id))


def _summary(row: Row) -> ScenarioSummary:
    return ScenarioSummary(row.scenario_id, row.name, row.n_versions, _info(row))


def _info(row: Row) -> VersionInfo:
    return VersionInfo(row.scenario_id, row.version, row.saved_at, row.note, row.solver_status,
                       row.total_cost_usd, row.cost_per_order_usd, row.n_open_sites,
                       row.share_within_2_days)


def _content(row: Row) -> VersionContent:
    solve = None
    if row.solver_status is not None:
        solve = SolveSummary(row.solver_status, row.solver_gap, row.solver_best_bound_usd)
    return VersionContent(row.scenario_json, design_from_json(row.design_json),
                          kpis_from_json(row.kpis_json), solve, row.note)


# -- consistency checks --------------------------------------------------------------------


def _integrity(conn: Connection) -> list[str]:
    if conn.dialect.name != "sqlite":
        return []  # PostgreSQL checks its own pages (checksums, amcheck); nothing to ask here
    results = [r[0] for r in conn.execute(text("PRAGMA integrity_check")).all()]
    return [] if results == ["ok"] else [f"SQLite integrity check: {r}" for r in results]


def _counter_problems(conn: Connection) -> list[str]:
    stats = (select(versions.c.scenario_id, func.count().label("n"),
                    func.max(versions.c.version).label("top"),
                    func.min(versions.c.version).label("low"))
             .group_by(versions.c.scenario_id).subquery())
    rows = conn.execute(select(scenarios.c.id, scenarios.c.name, scenarios.c.latest_version,
                               stats.c.n, stats.c.top, stats.c.low)
                        .outerjoin(stats, stats.c.scenario_id == scenarios.c.id)).all()
    problems = []
    for r in rows:
        if r.n is None:
            problems.append(f"scenario {r.id} '{r.name}' has no saved version")
        elif (r.top, r.low, r.n) != (r.latest_version, 1, r.latest_version):
            problems.append(f"scenario {r.id} '{r.name}': counter at {r.latest_version} but "
                            f"{r.n} versions numbered {r.low} to {r.top}")
    orphans = conn.execute(select(func.count()).select_from(versions).where(
        versions.c.scenario_id.not_in(select(scenarios.c.id)))).scalar_one()
    if orphans:
        problems.append(f"{orphans} versions belong to no scenario")
    return problems


def _content_problems(conn: Connection) -> list[str]:
    problems = []
    for row in conn.execute(select(versions)).yield_per(200):
        try:
            check_content(_content(row))
        except Exception as exc:  # any unreadable part is a problem to report, not to raise
            problems.append(f"scenario {row.scenario_id} version {row.version}: {exc}")
    return problems


def _not_found(scenario_id: int) -> ScenarioNotFound:
    return ScenarioNotFound(f"There is no scenario {scenario_id} in the store: it was deleted, "
                            f"or it was saved in another store.")


def _name_taken(name: str) -> NameTaken:
    return NameTaken(f"A scenario named '{name}' already exists. Choose another name, or open "
                     f"'{name}' and save a new version of it.")


def _now() -> datetime:
    return datetime.now(UTC)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
