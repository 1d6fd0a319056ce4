"""The scenario store: named scenarios and their saved versions, in SQLite or PostgreSQL.

Plain Python (no streamlit, no optimizer). Open it with `open_store` (commands, code) or
`open_store_for_app` (the app, which must start even when the store is damaged or locked), then
use the ScenarioStore's methods; everything in and out is a plain dataclass from `records`.
Where it lives: `location` ($NETWORK_STORE, --db); schema and rules: docs/store.md.

The names below load their module on first use (PEP 562), so that code needing only the plain
records (`network.store.records`, e.g. an export of a design) does not import SQLAlchemy and
Alembic (0.7 s): the app's first page imports the records but never opens the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from network.lazy_names import lazy_names

_WHERE = {
    "network.store.errors": (
        "NameTaken", "ScenarioNotFound", "SchemaTooNew", "StaleDeletePlan", "StoreCorrupt",
        "StoreError", "StoreLocked", "StoreReadOnly", "StoreUnavailable", "StoreUnreachable",
        "VersionConflict"),
    "network.store.location": ("ENV_VAR", "StoreLocation", "resolve_location"),
    "network.store.opening": ("OpenMode", "StoreOpening", "open_store", "open_store_for_app"),
    "network.store.records": (
        "DeletePlan", "SavedVersion", "ScenarioSummary", "SolveSummary", "VersionContent",
        "VersionInfo", "VersionRef"),
    "network.store.store": ("ScenarioStore",),
    "network.store.working_copies": ("WorkingCopy",),
}
__getattr__, __dir__, __all__ = lazy_names(globals(), _WHERE)


if TYPE_CHECKING:  # what type checkers and readers see
    from network.store.errors import (  # noqa: F401
        NameTaken,
        ScenarioNotFound,
        SchemaTooNew,
        StaleDeletePlan,
        StoreCorrupt,
        StoreError,
        StoreLocked,
        StoreReadOnly,
        StoreUnavailable,
        StoreUnreachable,
        VersionConflict,
    )
    from network.store.location import ENV_VAR, StoreLocation, resolve_location  # noqa: F401
    from network.store.opening import (  # noqa: F401
        OpenMode,
        StoreOpening,
        open_store,
        open_store_for_app,
    )
    from network.store.records import (  # noqa: F401
        DeletePlan,
        SavedVersion,
        ScenarioSummary,
        SolveSummary,
        VersionContent,
        VersionInfo,
        VersionRef,
    )
    from network.store.store import ScenarioStore  # noqa: F401
    from network.store.working_copies import WorkingCopy  # noqa: F401
