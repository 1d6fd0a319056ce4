"""Many sessions at once (issue 18, section 3): ten browser contexts against one app server,
each editing and solving its own scenario (scripts/load_test.py). Behind the `load` marker,
out of the default run: `make test-load`. No timed assertion: the figures are recorded
(test-artifacts/load/load.json, RELIABILITY.md); what must hold is that every session finished
without an exception, saw only its own sites and results, and that the server said nothing
went wrong."""

from __future__ import annotations

import pytest

from scripts.load_test import ROOT, run_load

pytestmark = [pytest.mark.load, pytest.mark.browser]
SESSIONS = 10


def test_ten_sessions_edit_and_solve_without_seeing_each_other():
    """Ten concurrent sessions (and one alone before them): all finish, no exception on any
    page or in the server log, each session's working copy holds the scenario's sites plus
    its own two and a design of its own scenario, with the KPIs its page showed."""
    figures = run_load(SESSIONS, ROOT / "test-artifacts" / "load")
    assert figures["problems"] == []
    assert figures["page_exceptions"] == 0
    assert figures["server_log_tracebacks"] == 0
    together = figures["together"]
    assert together["sessions"] == SESSIONS
    assert together["solves"] == 2 * SESSIONS and together["reruns"] == 4 * SESSIONS
    for session in figures["sessions"]:
        assert session["work_key"] and session["total_cost_shown"].startswith("$")
    assert len({s["work_key"] for s in figures["sessions"]}) == SESSIONS + 1
    print({k: v for k, v in figures.items() if k != "sessions"})
