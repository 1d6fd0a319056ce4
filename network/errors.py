"""The one error type for bad input, carrying every problem found with its row and field."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is (source, row, field) and what is wrong."""

    source: str
    message: str
    row: int | None = None  # 1-based data row (the header is not counted)
    field: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


class InputError(ValueError):
    """Raised when an input is invalid; nothing from that input has been applied."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


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
    if isinstance(given, str | int | float | bool) and kind != "value_error":
        message += f" (given: {given!r})"
    return message


@contextmanager
def reported_as(source: str) -> Iterator[None]:
    """Raise the scenario definition's validation errors inside as InputError from `source`."""
    try:
        yield
    except ValidationError as err:
        raise InputError(problems_from_validation(err, source)) from None
