"""Words shared by every message a planner reads (app, command line, exports), so each is
spelt one way: "1 day", "2 days", never "1 days"."""

from __future__ import annotations


def day_count(n: int) -> str:
    """'1 day', '2 days' (a whole number of days)."""
    return f"{n} day" if n == 1 else f"{n} days"
