"""The scenario store in the app: opened once per server, and the session's saves, opens and
autosaves.

The store opens with `open_store_for_app` (locked: read-only; damaged or unreachable: a fresh
store beside it), and its mode is shown plainly where saving happens. Importing the store
(SQLAlchemy, Alembic) takes about 0.7 s, so nothing here runs on a plain first page: the
store is opened the first time a page or an autosave needs it.

Autosave: every change of the session's scenario, solve, opened version or baseline queues a
snapshot; one writer thread per server writes the newest snapshot of each session over that
session's working copy (ScenarioStore.save_working_copy: one row per session, not a version
per edit), off the page's run, so an edit's rerun does not wait for the disk.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from network.optimize.result import OptimizeResult
    from network.scenario import Scenario
    from network.store import StoreOpening

_OPENINGS: dict[str, StoreOpening] = {}
_OPENINGS_LOCK = threading.Lock()


def opening() -> StoreOpening:
    """The store configured for this server ($NETWORK_STORE, else scenarios.db), opened once
    per configured location (any thread may ask)."""
    from network.store import ENV_VAR, open_store_for_app

    where = os.environ.get(ENV_VAR, "")
    with _OPENINGS_LOCK:
        if where not in _OPENINGS:
            _OPENINGS[where] = open_store_for_app(where or None)
        return _OPENINGS[where]


def forget_openings() -> None:
    """Close every opened store (tests switch stores between cases)."""
    with _OPENINGS_LOCK:
        for found in _OPENINGS.values():
            found.store.close()
        _OPENINGS.clear()


# ---------------------------------------------------------------------------------------------
# Autosave


@dataclass(frozen=True)
class Snapshot:
    """What one autosave writes: the session's scenario, its solve (None when the last solve
    was for another scenario or had no design) and the app's small state."""

    session_key: str
    scenario: Scenario
    result: OptimizeResult | None
    session: dict[str, Any]


@dataclass
class _Writer:
    """One thread per server writing the newest pending snapshot of each session."""

    pending: dict[str, Snapshot] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    busy: int = 0
    wake: threading.Condition = field(default_factory=threading.Condition)
    thread: threading.Thread | None = None

    def put(self, snapshot: Snapshot) -> None:
        with self.wake:
            self.pending[snapshot.session_key] = snapshot  # an older one waiting is replaced
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="autosave", daemon=True)
                self.thread.start()
            self.wake.notify_all()

    def _run(self) -> None:
        while True:
            with self.wake:
                while not self.pending:
                    self.wake.wait()
                key = next(iter(self.pending))
                snapshot = self.pending.pop(key)
                self.busy += 1
            try:
                write_working_copy(snapshot)
                error = None
            except Exception as exc:  # noqa: BLE001  (reported to the session, never raised)
                error = str(exc) or type(exc).__name__
            with self.wake:
                self.busy -= 1
                if error is None:
                    self.errors.pop(key, None)
                else:
                    self.errors[key] = error
                self.wake.notify_all()

    def flush(self, timeout_s: float) -> bool:
        with self.wake:
            return self.wake.wait_for(lambda: not self.pending and not self.busy, timeout_s)


_WRITER = _Writer()


def write_working_copy(snapshot: Snapshot) -> None:
    from ui.saved import version_content

    content = version_content(snapshot.scenario, snapshot.result)
    opening().store.save_working_copy(snapshot.session_key, content, snapshot.session)


def autosave(snapshot: Snapshot) -> None:
    """Queue the session's work for its working copy (written in the background)."""
    _WRITER.put(snapshot)


def autosave_error(session_key: str | None) -> str | None:
    """Why the session's last autosave failed, if it did."""
    return None if session_key is None else _WRITER.errors.get(session_key)


def flush_autosaves(timeout_s: float = 30.0) -> bool:
    """Wait until every queued autosave is written (tests, and a clean shutdown)."""
    return _WRITER.flush(timeout_s)


def store_call(action: Callable[[], Any]) -> tuple[Any, str | None]:
    """Run a store action; (result, None), or (None, the message to show, as Markdown with
    the names in it escaped) when the store refuses it (a StoreError or bad input), never a
    traceback."""
    from network.errors import InputError
    from network.store import StoreError
    from ui.fmt import md_text

    try:
        return action(), None
    except StoreError as exc:
        return None, md_text(str(exc))
    except InputError as exc:
        return None, "\n".join(f"- {md_text(str(p))}" for p in exc.problems)
