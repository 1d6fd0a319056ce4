"""The rest of a page run's elements sent to the browser together: from `hold` on, held on the
server while the run makes them, for at most HOLD_MAX_S, and sent at once when the run ends
(ui.entry calls `release` then).

Why: the browser draws the page anew for each burst of changes that reaches it, and Streamlit
sends each element as soon as the script makes it. The Designer's run after an edit waits for
its quick solve after the toolbar, and then made the solve's elements (the status line, the
KPI cards, the map, the results) over a few tenths of a second, which reached the browser in
three or four bursts, each a render of the page's elements and a frame. In a browser that
draws in software (a remote desktop or a virtual machine without a GPU, and the headless
Chromium of the tests and benchmarks) each frame is CPU work beside the app's, on the same
machine as the server when a planner runs the app locally. Held from the end of the wait
(ui.solve.status_area), they are one burst.

Only that part is held: the start of a run (Streamlit's message that a run has begun, which
the browser shows, and the top of the page) goes out as it comes, and the browser draws the
top of the page while the solve runs. What the planner sees is the same page, the solve's
elements at once instead of top to bottom.

Only the server that `make run` starts holds (`install`, called by ui.serve); under plain
`streamlit run` and AppTest, `hold` and `release` do nothing. Fragment runs (the refreshing
statuses) are not held.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

# Longer than the Designer's run takes to make the solve's elements on a loaded machine; what
# takes longer goes out as it is made from then, as without the hold
HOLD_MAX_S = 0.8

_lock = threading.Lock()
_held: dict[str, float] = {}  # session id -> perf_counter until which its messages wait
_flush: dict[str, Callable[[], None]] = {}  # session id -> asks the server to flush it
_timed: dict[str, float] = {}  # session id -> the deadline a flush is asked for at
_installed = False


def install() -> None:
    """Make the server hold the messages of a session while its run holds them."""
    global _installed
    from streamlit.runtime.app_session import AppSession

    original = AppSession.flush_browser_queue

    def flush_browser_queue(self: AppSession) -> list:
        with _lock:
            until = _held.get(self.id)
            left = until - time.perf_counter() if until is not None else 0.0
            if left > 0:
                callback = self._message_enqueued_callback
                if callback is not None:
                    _flush[self.id] = callback
                    if _timed.get(self.id) != until:  # a flush at the deadline, if
                        _timed[self.id] = until  # nothing else asks for one by then
                        asyncio.get_running_loop().call_later(left, callback)
                return []
            _held.pop(self.id, None)
            _timed.pop(self.id, None)
        return original(self)

    AppSession.flush_browser_queue = flush_browser_queue
    _installed = True


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def hold() -> None:
    """Hold this run's messages (for at most HOLD_MAX_S) until `release`."""
    if not _installed:
        return
    session_id = _session_id()
    if session_id is not None:
        with _lock:
            _held[session_id] = time.perf_counter() + HOLD_MAX_S


def release() -> None:
    """Send what this run has made so far, and what it makes next, at once."""
    if not _installed:
        return
    session_id = _session_id()
    if session_id is None:
        return
    with _lock:
        was_held = _held.pop(session_id, None) is not None
        callback = _flush.pop(session_id, None)
    if was_held and callback is not None:
        callback()
