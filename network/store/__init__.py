"""The scenario store: named scenarios and their saved versions, in SQLite or PostgreSQL.

Plain Python (no streamlit, no optimizer). Open it with `open_store` (commands, code) or
`open_store_for_app` (the app, which must start even when the store is damaged or locked), then
use the ScenarioStore's methods; everything in and out is a plain dataclass from `records`.
Where it lives: `location` ($NETWORK_STORE, --db); schema and rules: docs/store.md.
"""

from network.store.errors import (
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
from network.store.location import ENV_VAR, StoreLocation, resolve_location
from network.store.opening import OpenMode, StoreOpening, open_store, open_store_for_app
from network.store.records import (
    DeletePlan,
    SavedVersion,
    ScenarioSummary,
    SolveSummary,
    VersionContent,
    VersionInfo,
    VersionRef,
)
from network.store.store import ScenarioStore
from network.store.working_copies import WorkingCopy

__all__ = [
    "ENV_VAR", "DeletePlan", "NameTaken", "OpenMode", "SavedVersion", "ScenarioNotFound",
    "ScenarioStore", "ScenarioSummary", "SchemaTooNew", "SolveSummary", "StaleDeletePlan",
    "StoreCorrupt", "StoreError", "StoreLocation", "StoreLocked", "StoreOpening",
    "StoreReadOnly", "StoreUnavailable", "StoreUnreachable", "VersionConflict",
    "VersionContent", "VersionInfo", "VersionRef", "WorkingCopy", "open_store",
    "open_store_for_app",
    "resolve_location",
]
