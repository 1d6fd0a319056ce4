"""The one error type for bad input, carrying every problem found with its row and field, and
the short list of them that people read (the command line and the app show the same one)."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

MAX_SHOWN_PROBLEMS = 20  # a longer list is cut here, then "... and N more"
SHOWN_VALUE_CHARS = 60  # a value quoted back in a message is cut to this many characters
MAX_MESSAGE_CHARS = 400  # a longer message (one quoting a whole document) is cut in the middle


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is (source, row, field) and what is wrong.

    `row` counts as the user sees the input: in a CSV file, the row a spreadsheet shows (the
    header is row 1, so the first data row is row 2); in a table edited in the app, the table's
    row from the top (the first row is 1); in a JSON file, the line or the list item (from 1).
    """

    source: str
    message: str
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field '{shown_value(self.field)}'")
        return _escaped(f"{', '.join(where)}: {_middle_cut(self.message)}")


class InputError(ValueError):
    """Raised when an input is invalid; nothing from that input has been applied."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(problem_lines(self.problems)))


class ProblemList:
    """Collects problems while checking an input, so that all of them are reported at once."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[Problem] = []

    def add(self, message: str, row: int | None = None, field: str | None = None) -> None:
        self.items.append(Problem(self.source, message, row, field))

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


# ---------------------------------------------------------------------------------------------
# Problems found by the scenario definition's validation (pydantic)


def problems_from_validation(err: ValidationError, source: str,
                             known_keys: Callable[[tuple], list[str]] | None = None
                             ) -> list[Problem]:
    """One Problem per error: the first list index in its location is the row (1-based), the
    keys are the field. `known_keys(loc)` lists the keys allowed where an unknown one was
    found, for a did-you-mean hint."""
    errors = err.errors(include_url=False)
    return [_problem(e, source, known_keys) for e in errors if not _follows(e, errors)]


def _follows(error: Any, errors: list) -> bool:
    """A list too short only because an item in it was refused (reported on its own)."""
    loc = tuple(error["loc"])
    return error["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and tuple(other["loc"][:len(loc)]) == loc
        for other in errors)


def _problem(error: Any, source: str, known_keys: Callable[[tuple], list[str]] | None
             ) -> Problem:
    loc = tuple(error["loc"])
    row, parts = None, []
    for part in loc:
        if isinstance(part, int) and row is None:
            row = part + 1
        elif isinstance(part, int):
            parts.append(f"[{part + 1}]")
        elif part != "[key]":
            parts.append(str(part))
    field = ".".join(parts).replace(".[", "[") or None
    return Problem(source, _message(error, loc, known_keys), row, field)


def _message(error: Any, loc: tuple, known_keys: Callable[[tuple], list[str]] | None) -> str:
    kind, message, given = error["type"], error["msg"], error.get("input")
    if kind in ("missing", "missing_argument"):
        return "is required"
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        known = known_keys(loc) if known_keys else []
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        return "is not a known key" + (f" (did you mean '{guess[0]}'?)" if guess else "")
    message = message.removeprefix("Value error, ")
    if loc and loc[-1] == "[key]":
        message = f"key: {message}"
    if isinstance(given, str) and not given.isprintable() and kind != "value_error":
        message += " (given: a text with control characters)"  # not a Python escape
    elif isinstance(given, str | int | float | bool) and kind != "value_error":
        message += f" (given: {given!r})"
    return message


@contextmanager
def reported_as(source: str) -> Iterator[None]:
    """Raise the scenario definition's validation errors inside as InputError from `source`."""
    try:
        yield
    except ValidationError as err:
        raise InputError(problems_from_validation(err, source)) from None


def problem_lines(problems: Sequence[Problem], limit: int = MAX_SHOWN_PROBLEMS) -> list[str]:
    """One line per problem, at most `limit` of them; the rest summed up in one last line by
    field (a file with 881 bad rows is read from its first 20 and a count)."""
    if len(problems) <= limit + 1:
        return [str(p) for p in problems]
    rest = problems[limit:]
    by_field = Counter(p.field for p in rest).most_common()
    parts = [f"{n:,} in field '{shown_value(field)}'" if field else f"{n:,} not in one field"
             for field, n in by_field[:3]]
    if len(by_field) > 3:
        parts.append(f"{sum(n for _, n in by_field[3:]):,} in other fields")
    rows = [p.row for p in rest if p.row is not None]
    span = f" in rows {min(rows):,} to {max(rows):,}" if len(set(rows)) > 1 else ""
    return ([str(p) for p in problems[:limit]]
            + [f"... and {len(rest):,} more problems{span} ({', '.join(parts)})"])


def shown_value(text: object, limit: int = SHOWN_VALUE_CHARS) -> str:
    """A value the user wrote, fit to quote back in a message: control characters written as
    escapes (no terminal codes or line breaks get through) and cut to `limit` characters."""
    raw = str(text)
    shown = _escaped(raw[:limit])
    if len(raw) > limit or len(shown) > limit:
        return shown[:limit - 3] + "..."
    return shown


def _middle_cut(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` with its middle left out when too long: the start says where, the end what."""
    if len(text) <= limit:
        return text
    return f"{text[:limit * 2 // 3]} ... {text[-(limit // 3 - 5):]}"


def _escaped(text: str) -> str:
    """Control characters (line breaks, terminal codes) written as escapes: \\n, \\x1b."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
