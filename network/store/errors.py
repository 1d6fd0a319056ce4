"""What can go wrong with the scenario store, each with a message a planner can act on.

Every error's text (`str(error)`) is written for the person at the screen: what happened, that
nothing was lost, and what to do next. Bad names or contents raise the project's InputError
instead (network.errors), naming the field.
"""

from __future__ import annotations

from datetime import datetime


class StoreError(Exception):
    """Base of every store error; `str(error)` is the planner-readable message."""


class StoreUnavailable(StoreError):
    """The store cannot be opened or used at all (damaged, locked, unreachable, too new)."""


class StoreCorrupt(StoreUnavailable):
    """The SQLite file is damaged or is not a scenario store; it is left untouched."""


class StoreLocked(StoreUnavailable):
    """Another program holds the SQLite file's lock for longer than the busy timeout."""


class StoreUnreachable(StoreUnavailable):
    """The database server cannot be reached or refuses the login."""


class SchemaTooNew(StoreUnavailable):
    """The store was written by a newer version of this tool; nothing is changed."""


class StoreReadOnly(StoreError):
    """A write was asked of a store opened read-only."""


class ScenarioNotFound(StoreError):
    """No scenario (or version) with that id: deleted, or never saved here."""


class NameTaken(StoreError):
    """Another scenario already has that name (names compare without case or extra spaces)."""


class StaleDeletePlan(StoreError):
    """The scenario changed between asking to delete it and confirming; ask again."""


class VersionConflict(StoreError):
    """Someone saved a newer version since the caller opened theirs: nothing was saved.

    The two ways out: save anyway as the next version (`force=True`), or save a copy under a
    new name (`ScenarioStore.create`).
    """

    def __init__(self, scenario_id: int, name: str, based_on: int, latest: int,
                 latest_saved_at: datetime, latest_note: str):
        self.scenario_id = scenario_id
        self.name = name
        self.based_on = based_on
        self.latest = latest
        self.latest_saved_at = latest_saved_at
        self.latest_note = latest_note
        when = latest_saved_at.strftime("%Y-%m-%d %H:%M UTC")
        note = f' ("{latest_note}")' if latest_note else ""
        super().__init__(
            f"'{name}' was saved again since you opened it (by someone else, or by you in "
            f"another window): you started from version {based_on}, and version {latest} was "
            f"saved {when}{note}. Nothing was saved. Either save yours anyway as version "
            f"{latest + 1} (version {latest} stays in the history), or save yours as a copy "
            f"under a new name.")
