"""Number formatting for people reading a projector: USD with thousands separators, days with
one decimal, shares as percentages."""

from __future__ import annotations

import re

from network.wording import day_count  # noqa: F401  (one spelling for the app too)

# Characters Markdown (and Streamlit's Markdown: colours, icons, LaTeX, HTML) gives a meaning to
# anywhere in a line, and those that mean something at a line's start (heading, list, quote).
MARKDOWN_INLINE = re.compile(r"([\\`*_{}\[\]<>~$:&|])")
MARKDOWN_LINE_START = re.compile(r"^(\s*\d*)([#+\-=>.)])")


def md_text(text: str) -> str:
    """Text a user typed (a name, a note, a file name), shown literally inside Markdown: no
    emphasis, link, HTML or directive of its own. Line breaks become spaces."""
    flat = MARKDOWN_INLINE.sub(r"\\\1", " ".join(str(text).splitlines()))
    return MARKDOWN_LINE_START.sub(r"\1\\\2", flat)


def usd(value: float) -> str:
    """$1,234,567 (whole dollars)."""
    return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"


def usd_cents(value: float) -> str:
    """$13.93 (per-order amounts)."""
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def usd_card(value: float) -> str:
    """A KPI card's whole-dollar amount: $983,100,547 up to a billion, then $4.84B (the card,
    two fifths of a 1280 px screen shared by two, holds 12 characters at its font; the full
    figure goes in the card's help)."""
    if abs(round(value)) < 1e9:
        return usd(value)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value) / 1e9:,.2f}B"


def usd_millions(value: float) -> str:
    """$696.7M (chart labels where space is short)."""
    return f"${value / 1e6:,.1f}M"


def days(value: float) -> str:
    """An average, one decimal: '1.0 days' (a whole count is `day_count`)."""
    return f"{value:.1f} days"


def pct(share: float, decimals: int = 1) -> str:
    """A share 0-1 as a percentage: 0.9123 -> '91.2%'."""
    return f"{100 * share:.{decimals}f}%"


def count(value: float) -> str:
    return f"{value:,.0f}"


def signed_usd(delta: float) -> str:
    return ("+" if delta >= 0 else "-") + usd(abs(delta))


def signed_usd_cents(delta: float) -> str:
    return ("+" if delta >= 0 else "-") + usd_cents(abs(delta))


def signed_days(delta: float) -> str:
    return f"{delta:+.1f} days"


def signed_points(delta_share: float) -> str:
    """A change of a share in percentage points: +2.5 pts."""
    return f"{100 * delta_share:+.1f} pts"


def signed_count(delta: float) -> str:
    return f"{delta:+,.0f}"


def is_zero_change(signed: str) -> bool:
    """True when a formatted change ('+$0', '-0.0 pts', '+0') shows no change at all."""
    return not any(c in "123456789" for c in signed)


def duration(seconds: float) -> str:
    """45 s, 2 min 05 s, 1 h 03 min: elapsed and remaining times of long runs."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def signed_usd_millions(delta: float) -> str:
    """+$12.3M / -$4.0M (chart labels of changes)."""
    return ("+" if delta >= 0 else "-") + usd_millions(abs(delta))
