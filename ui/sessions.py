"""Each session's background work over its lifetime: found by the page, bounded across
sessions, and ended when Streamlit ends the session.

`session_work()` is this session's `SessionWork` (ui.background), created on first use and
kept in `st.session_state["work"]` (so it survives reruns, page switches and a reconnect). The
server keeps a `Registry` of every session that has work:

- memory: each session holds at most one warm solver (the optimizer's state for fast what-if
  re-solves: about 5 MB on the default scenario, BENCHMARKS.md), and the server keeps at most
  `MAX_WARM_SOLVERS` of them, dropping the least recently used (that session's next solve
  starts cold: seconds instead of a fraction of one);
- end: a thread looks every `REAP_PERIOD_S` at which sessions Streamlit still has connected
  (`Runtime.is_active_session`); a session disconnected for `GRACE_S` (a closed tab, a lost
  browser; a network blip reconnects sooner) has its work ended: running solves and sweeps
  stopped, the warm solver freed, and the session forgotten here. Streamlit keeps a
  disconnected session's state for a reconnect (2 minutes); a session that comes back after
  its work ended finds its results so far and solves cold.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import streamlit as st
from streamlit.logger import get_logger

from ui.background import SessionWork

WORK_KEY = "work"
MAX_WARM_SOLVERS = 8
GRACE_S = 10.0
REAP_PERIOD_S = 2.0

_LOG = get_logger(__name__)


class Registry:
    """The sessions with background work: least recently used first."""

    def __init__(self, is_alive: Callable[[str], bool], max_warm: int = MAX_WARM_SOLVERS,
                 grace_s: float = GRACE_S):
        self._is_alive = is_alive
        self._max_warm = max_warm
        self._grace_s = grace_s
        self._lock = threading.Lock()
        self._works: OrderedDict[str, SessionWork] = OrderedDict()
        self._gone_since: dict[str, float] = {}

    def register(self, session_id: str, work: SessionWork) -> None:
        """Track `work` for `session_id`; work the session held before (its state was
        cleared) is ended."""
        with self._lock:
            old = self._works.pop(session_id, None)
            self._works[session_id] = work
        if old is not None and old is not work:
            old.end()

    def sessions(self) -> list[str]:
        with self._lock:
            return list(self._works)

    def used(self, session_id: str) -> None:
        """`session_id` is about to solve: it becomes the most recent, and the warm solvers of
        the least recent sessions beyond `max_warm` are freed (unless one is solving)."""
        with self._lock:
            if session_id in self._works:
                self._works.move_to_end(session_id)
            works = list(self._works.values())
        for work in works[:max(0, len(works) - self._max_warm)]:
            work.solver.drop_warm()

    def reap(self, now: float | None = None) -> list[str]:
        """End the work of sessions Streamlit has not had connected for `grace_s`; the ids
        ended."""
        now = time.monotonic() if now is None else now
        ended = []
        for session_id in self.sessions():
            if self._is_alive(session_id):
                self._gone_since.pop(session_id, None)
                continue
            since = self._gone_since.setdefault(session_id, now)
            if now - since >= self._grace_s:
                ended.append(session_id)
        for session_id in ended:
            self.end(session_id)
        return ended

    def end(self, session_id: str) -> None:
        with self._lock:
            work = self._works.pop(session_id, None)
            self._gone_since.pop(session_id, None)
        if work is not None:
            busy = work.busy()
            work.end()
            _LOG.info("Session %s ended: its background work %s and its warm solver freed.",
                      session_id, "stopped" if busy else "was idle")

    def run_reaper(self, stop: threading.Event, period_s: float = REAP_PERIOD_S) -> None:
        """The reaper thread's loop (until `stop` is set)."""
        while not stop.wait(period_s):
            try:
                self.reap()
            except Exception:  # noqa: BLE001  (never let the reaper die)
                _LOG.exception("Ending finished sessions failed")


def _streamlit_session_alive(session_id: str) -> bool:
    from streamlit.runtime import Runtime

    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    """The server's registry, with its reaper thread when a Streamlit server runs (not under
    AppTest, whose sessions end with the test)."""
    from streamlit.runtime import Runtime

    found = Registry(_streamlit_session_alive)
    if Runtime.exists():
        threading.Thread(target=found.run_reaper, args=(threading.Event(),),
                         name="session-reaper", daemon=True).start()
    return found


def session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def session_work() -> SessionWork:
    """This session's background work (created and registered on first use)."""
    work = st.session_state.get(WORK_KEY)
    if work is None or work.ended:
        work = st.session_state[WORK_KEY] = SessionWork()
        registry().register(session_id(), work)
    return work


def existing_work() -> SessionWork | None:
    """This session's work if it has any (never creates it: the first page stays light)."""
    return st.session_state.get(WORK_KEY)


def solving_now() -> None:
    """This session starts a solve: see `Registry.used`."""
    registry().used(session_id())
