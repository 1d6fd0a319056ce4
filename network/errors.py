"""The one error type for bad input, carrying every problem found with its row and field."""

from __future__ import annotations

from dataclasses import dataclass


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
