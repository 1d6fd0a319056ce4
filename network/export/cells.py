"""Text typed by users, made safe for the file it goes into, and export file names.

- A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or a
  carriage return) as a formula: `=HYPERLINK(...)` in a site name would become a live link in
  the planner's Excel. In a CSV export such a text cell gets a leading apostrophe, which
  spreadsheets read as "this is text" and do not show; the sites reader takes it off again
  (`unguarded`), so the file still reads back as it was written. The workbook stores every
  text as a text cell instead (network/export/workbook.py).
- XML 1.0 (inside an .xlsx) cannot hold most control characters: they become U+FFFD.
- File names come from the scenario's name, cut down to letters, digits and dashes: a name can
  never make a path (`../`) or a hidden file.
"""

from __future__ import annotations

import re
from datetime import date

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_STEM_CHARS = 60


def spreadsheet_text(text: str) -> str:
    """`text` as a CSV cell a spreadsheet shows and never runs as a formula."""
    return GUARD + text if text.startswith(FORMULA_STARTS) else text


def unguarded(text: str) -> str:
    """A CSV cell read back: the apostrophe `spreadsheet_text` added taken off."""
    if text.startswith(GUARD) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def xml_text(text: str) -> str:
    """`text` with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return XML_ILLEGAL.sub("\ufffd", text)


def file_stem(scenario_name: str, day: date) -> str:
    """'East coast: 3 sites!' on 2025-06-01 -> 'east-coast-3-sites-2025-06-01'."""
    slug = re.sub(r"[^a-z0-9]+", "-", scenario_name.lower()).strip("-")[:MAX_STEM_CHARS]
    return f"{slug.strip('-') or 'scenario'}-{day.isoformat()}"


def file_name(scenario_name: str, day: date, extension: str, part: str = "") -> str:
    """The name an export is saved under: scenario, part (for two CSVs), date, extension."""
    stem = file_stem(scenario_name, day)
    if part:
        stem = stem[:-11] + f"-{part}" + stem[-11:]  # before the date: name-sites-2025-06-01
    return f"{stem}.{extension}"
